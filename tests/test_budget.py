"""The budget view "Wie betaalt, wie wint" (issue 13 item 1): per-actor costs and benefits per draw in
every store, the JSON and console view, and the published Steenwijkerland forward-look part B
(002_e228546e45fca143.txt App. II "B Resultaat Begroting na 2 jaar"; model-spec §5.2)."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
import xarray as xr
from numpy.testing import assert_allclose

from mkba import Study, simulate
from mkba.cli import main
from mkba.outputs.summary import budget
from mkba.simulator.domain import ACTORS, ITEMS, MUNICIPAL_ACTORS
from mkba.simulator.results import base_case

STATS = {"base", "mean", "p5", "p50", "p95"}


def _run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(argv)
    return code, out.getvalue()


def _assert_actor_sums(ds: xr.Dataset, rtol: float) -> None:
    c = ds["actor_costs"].values.astype(np.float64)
    b = ds["actor_benefits"].values.astype(np.float64)
    scale = float(np.abs(ds["benefits"].values).max())
    assert_allclose(c.sum(axis=-1), ds["costs"].values, rtol=rtol, atol=rtol * scale)
    assert_allclose(b.sum(axis=-1), ds["benefits"].values, rtol=rtol, atol=rtol * scale)
    assert_allclose((b - c).sum(axis=-1), ds["saldo"].values, rtol=rtol, atol=rtol * scale)


class TestPerActorTotals:
    # retro: friction and extra care put costs on several budgets; both studies have correlated,
    # non-uniform (PERT, triangular, lognormal) inputs
    @pytest.fixture(scope="class", params=["retro", "forward"])
    @classmethod
    def ds(cls, request, retro_path, forward_path) -> xr.Dataset:
        study = Study.from_toml(retro_path if request.param == "retro" else forward_path)
        return simulate(study, draws=4_000, seed=5, store="full")

    def test_actors_sum_to_totals_on_every_draw(self, ds):
        _assert_actor_sums(ds, 1e-12)

    def test_equal_the_npv_cube_split_by_kind(self, ds):
        is_cost = (ds["kind"] == "cost").values
        npv = ds["npv"].values
        assert_allclose(ds["actor_costs"].values, npv[:, is_cost].sum(axis=1), rtol=1e-12, atol=1e-6)
        assert_allclose(ds["actor_benefits"].values, npv[:, ~is_cost].sum(axis=1), rtol=1e-12, atol=1e-6)

    def test_municipality_is_its_domains(self, ds):
        m = [list(ACTORS).index(a) for a in MUNICIPAL_ACTORS]
        assert_allclose(ds["actor_costs"].values[:, m].sum(axis=1), ds["municipal_costs"].values, rtol=1e-12)
        assert_allclose(ds["actor_benefits"].values[:, m].sum(axis=1), ds["municipal_benefits"].values, rtol=1e-12)

    def test_budget_statistics(self, ds):
        res = budget(ds)
        net = (ds["actor_benefits"] - ds["actor_costs"]).values
        for j, a in enumerate(ACTORS):
            e = res["actors"][a]
            assert set(e["balance"]) == STATS and set(e["costs"]) == STATS and set(e["benefits"]) == STATS
            q5, q50, q95 = np.quantile(net[:, j], (0.05, 0.5, 0.95))
            assert_allclose([e["balance"]["p5"], e["balance"]["p50"], e["balance"]["p95"]], [q5, q50, q95], rtol=1e-9,
                            atol=1e-6)
            assert e["p_balance_gt_0"] == pytest.approx(float(np.mean(net[:, j] > 0)))
        m = res["municipality"]
        assert m["bc"]["base"] == pytest.approx(float(ds["base_bc_municipal"]))
        assert m["p_bc_gt_1"] == pytest.approx(float((ds["bc_municipal"] > 1).mean()))
        m_net = ds["municipal_benefits"].values - ds["municipal_costs"].values
        assert m["balance"]["p50"] == pytest.approx(float(np.median(m_net)), rel=1e-9)


class TestEveryStore:
    def test_lean_run_at_300000_draws(self, tmp_path, forward_path):
        code, out = _run(["run", str(forward_path), "--draws", "300000", "--seed", "3", "--no-report", "--json",
                          "--out", str(tmp_path)])
        assert code == 0
        res = json.loads(out)
        with xr.open_dataset(res["outputs"]["results"], engine="h5netcdf") as f:
            ds = f.load()
        assert ds.attrs["store"] == "lean" and "npv" not in ds
        assert ds["actor_costs"].dims == ("draw", "actor") and ds.sizes["draw"] == 300_000
        _assert_actor_sums(ds, 2e-7)  # float32 per actor in the lean store
        assert set(res["actors"]) == set(ACTORS)
        for e in (*res["actors"].values(), res["municipality"]):
            assert {"costs", "benefits", "balance", "p_balance_gt_0"} <= set(e)
            assert set(e["balance"]) == STATS
        assert set(res["municipality"]["bc"]) == STATS
        assert res["municipality"]["bc"]["p50"] == pytest.approx(res["summary"]["bc_municipal"]["p50"])

    def test_batch_keeps_actor_totals(self, tmp_path, forward_path):
        p = tmp_path / "b.toml"
        p.write_text(f'[batch]\nname = "b"\nseed = 2\n[[studies]]\nfile = "{forward_path}"\n'
                     'scenarios = ["base", "geen-escalatie"]\n', encoding="utf-8")
        code, out = _run(["batch", str(p), "--workers", "0", "--draws", "2000", "--store", "lean",
                          "--out", str(tmp_path / "o"), "--json", "--no-chart"])
        assert code == 0
        res = json.loads(out)
        with xr.open_zarr(res["outputs"]["results"]) as z:
            ds = z.load()
        assert ds["actor_costs"].dims == ("study", "scenario", "draw", "actor")
        # a batch study draws from its own stream (its label; issue 10 item 7)
        ref = simulate(Study.from_toml(forward_path).scenario("geen-escalatie"), draws=2000, seed=2, store="lean",
                       stream="steenwijkerland-doorkijk")
        case = ds.sel(study="steenwijkerland-doorkijk", scenario="geen-escalatie")
        for v in ("actor_costs", "actor_benefits", "base_actor_costs", "base_actor_benefits"):
            np.testing.assert_array_equal(case[v].values, ref[v].values, err_msg=v)
        _assert_actor_sums(case, 2e-7)

    def test_console_view(self, tmp_path, forward_path):
        code, out = _run(["run", str(forward_path), "--draws", "500", "--no-report", "--out", str(tmp_path)])
        assert code == 0
        view = out[out.index("Wie betaalt, wie wint"):]
        assert "Gemeente (totaal)" in view and "Huishoudens" in view and "B/K-verhouding gemeente" in view
        code, out = _run(["run", str(forward_path), "--draws", "500", "--no-report", "--lang", "en", "--out",
                          str(tmp_path)])
        assert "Who pays, who gains" in out and "Municipality (total)" in out


class TestPublishedBudgetSteenwijkerland:
    """App. II part B of the forward look, columns [municipality, ZVW?, households, Rijk?] (model-spec §3.3
    infers the headers). Our base case splits the published NPV totals over the actors; the municipal costs,
    the households' column, the sum of all columns and the shown municipal B/C are reproduced. The split of
    prevented escalation over municipality, insurer and Rijk follows the West Betuwe care profile
    (model-spec §4.1), which gives the municipality more of the €84,600 than the published columns do: the
    whole difference lies in that one line (README, "Who pays, who gains")."""

    PUBLISHED = {"municipality": (1_529_192, 1_667_667), "zvw": (0, 19_863), "households": (0, 126_046),
                 "rijk": (0, 27_929)}
    ORG_SAVINGS = 1_630_900  # Fig. 4.6 line 1: new-for-old + more tailored + substitution, all municipal here

    @pytest.fixture(scope="class")
    @classmethod
    def base(cls, forward_path):
        return base_case(Study.from_toml(forward_path))

    def _col(self, base, actors):
        j = [list(ACTORS).index(a) for a in actors]
        return float(base["actor_costs"][0, j].sum()), float(base["actor_benefits"][0, j].sum())

    def test_municipal_costs_and_ratio(self, base):
        costs, benefits = self._col(base, MUNICIPAL_ACTORS)
        assert costs == pytest.approx(self.PUBLISHED["municipality"][0], rel=0.005)
        shown = round(round(benefits / costs / 0.05) * 0.05, 2)
        assert shown == 1.10  # published municipal B/C 1.10

    def test_households_and_sum_of_columns(self, base):
        assert self._col(base, ["households"])[1] == pytest.approx(126_046, rel=0.005)
        total = sum(b for _, b in self.PUBLISHED.values())
        assert float(base["actor_benefits"][0].sum()) == pytest.approx(total, rel=0.005)

    def test_difference_lies_in_the_escalation_split(self, base):
        m = [list(ACTORS).index(a) for a in MUNICIPAL_ACTORS]
        muni_esc = float(base["npv"][0, ITEMS.index("escalation"), m].sum())
        _, benefits = self._col(base, MUNICIPAL_ACTORS)
        # without escalation the municipal benefits are the published organisation savings
        assert benefits - muni_esc == pytest.approx(self.ORG_SAVINGS, rel=0.005)
        published_muni_esc = self.PUBLISHED["municipality"][1] - self.ORG_SAVINGS
        assert published_muni_esc == pytest.approx(36_767, abs=1)
        assert muni_esc > published_muni_esc  # the profile gives the municipality more of the 84,600
        assert benefits - self.PUBLISHED["municipality"][1] == pytest.approx(muni_esc - published_muni_esc, abs=200)
