"""Decision analysis (issue 12): EVPI and EVPPI against closed forms and nested re-runs, the acceptability
curve against re-runs, alternatives on shared draws, PRIM on a known box, and ``mkba decide``."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import integrate, stats

import mkba
from mkba.cli import main
from mkba.decision import (
    acceptability,
    analyse,
    compare,
    decide,
    evpi,
    evppi,
    parse_grid,
    prim,
    reweighted,
    target_values,
)
from mkba.decision.acceptability import GridError, break_even, value_lines
from mkba.distributions import Fixed
from mkba.simulator.engine import run
from mkba.simulator.results import stored_model
from mkba.simulator.study import bundled_studies


def normal_evpi(mu: float, sd: float) -> float:
    """EVPI of a normally distributed net benefit: σ φ(μ/σ) − |μ| Φ(−|μ|/σ)."""
    return sd * stats.norm.pdf(mu / sd) - abs(mu) * stats.norm.cdf(-abs(mu) / sd)


def near_break_even(forward_path: Path) -> mkba.Study:
    """The forward look made a close call for these tests: 50 % additional team costs and more QALYs
    (pert 8–12–16), so that E[saldo] is near 0 and the value of a QALY drives the decision."""
    raw = tomllib.loads(forward_path.read_text(encoding="utf-8"))
    raw = copy.deepcopy(raw)
    raw["study"]["name"] = "near-break-even"
    raw["costs"]["additional_share"] = 0.50
    raw["effects"]["quality_of_life"]["qalys"] = {"dist": "pert", "min": 8.0, "mode": 12.0, "max": 16.0}
    return mkba.Study.from_dict(raw, source="near-break-even.toml")


class TestEvpi:
    @pytest.mark.parametrize("mu, sd", [(0.0, 1.0), (0.4, 1.0), (-150_000.0, 200_000.0), (2.0, 1.0)])
    def test_normal_closed_form(self, mu, sd):
        y = np.random.default_rng(12).normal(mu, sd, 100_000)
        assert evpi(y) == pytest.approx(normal_evpi(mu, sd), rel=0.02)

    def test_risk_identities_on_a_skewed_target(self):
        # lognormal minus a constant: skewed, decision "invest" but wrong in a good share of draws
        y = np.random.default_rng(3).lognormal(0.0, 0.8, 50_000) - 1.2
        d = decide(y)
        assert d.best == "invest" and y.mean() > 0
        assert d.p_wrong == pytest.approx(float((y < 0).mean()))
        assert d.expected_loss == pytest.approx(d.evpi)  # the expected opportunity loss is the EVPI
        assert d.loss_if_wrong * d.p_wrong == pytest.approx(d.evpi)
        assert d.loss_if_wrong == pytest.approx(float(-y[y < 0].mean()))
        s = decide(-y)
        assert s.best == "stop" and s.p_wrong == pytest.approx(d.p_wrong)

    def test_several_options_and_a_common_term(self):
        rng = np.random.default_rng(5)
        nb = rng.normal([0.0, 0.2, 0.1], [1.0, 2.0, 0.5], (40_000, 3))
        common = rng.normal(0, 10, (40_000, 1))  # a per-draw term shared by all options changes nothing
        d = decide(nb, ("a", "b", "c"))
        assert d.best == "b" and sum(d.p_best) == pytest.approx(1.0)
        assert evpi(nb + common) == pytest.approx(d.evpi, rel=1e-9)
        assert d.evpi == pytest.approx(float(nb.max(axis=1).mean() - nb.mean(axis=0).max()))

    def test_nan_is_an_error(self):
        with pytest.raises(ValueError, match="NaN"):
            decide(np.array([1.0, np.nan]))


class TestEvppi:
    A = np.array([3.0, -2.0, 1.0, 0.0])  # the last input does not enter
    S = np.array([1.0, 1.5, 2.0, 1.0])

    @pytest.mark.parametrize("mu", [0.0, 1.5])
    def test_linear_model_closed_form(self, mu):
        n = 50_000
        x = np.random.default_rng(21).normal([1.0, -0.5, 2.0, 0.0], self.S, (n, 4))
        y = mu - self.A @ np.array([1.0, -0.5, 2.0, 0.0]) + x @ self.A  # E[y] = mu
        total = evpi(y)
        for i in range(4):
            e = evppi(y, x[:, i])
            if self.A[i] == 0:
                assert e.value[0] < 0.01 * total and e.value[0] <= 4 * e.se[0] + 1e-12
            else:
                assert e.value[0] == pytest.approx(normal_evpi(mu, abs(self.A[i]) * self.S[i]), rel=0.05)
            assert e.value[0] <= total
        both = evppi(y, [x[:, 0], x[:, 1]])
        assert both.value[0] == pytest.approx(normal_evpi(mu, np.hypot(3.0, 3.0)), rel=0.05)
        every = evppi(y, list(x.T))
        assert every.value[0] == pytest.approx(total, rel=0.02) and every.value[0] <= total * 1.0001

    def test_correlated_inputs(self):
        # y = x1 + x2, corr(x1, x2) = ρ: E[y | x1] = (1 + ρ σ2/σ1)(x1 − μ1) + μ1 + μ2
        rho, s1, s2, n = 0.6, 1.0, 2.0, 50_000
        cov = [[s1**2, rho * s1 * s2], [rho * s1 * s2, s2**2]]
        x = np.random.default_rng(8).multivariate_normal([0.3, 0.0], cov, n)
        y = x.sum(axis=1)
        e = evppi(y, x[:, 0])
        assert e.value[0] == pytest.approx(normal_evpi(0.3, s1 + rho * s2), rel=0.05)
        independent = normal_evpi(0.3, s1)  # what ignoring the correlation would give
        assert abs(e.value[0] - independent) > 0.3 * independent

    def test_nonlinear_non_normal_input(self):
        # y = x1² − 1 + noise, x1 lognormal: EVPPI(x1) = E[max(x1² − 1, 0)] − max(E[x1²] − 1, 0)
        rng = np.random.default_rng(4)
        n, sigma = 50_000, 0.5
        x1 = rng.lognormal(0.0, sigma, n)
        y = x1**2 - 1.6 + rng.normal(0, 1.0, n)
        f = stats.lognorm(sigma)
        exact = integrate.quad(lambda t: (t * t - 1.6) * f.pdf(t), np.sqrt(1.6), np.inf)[0]
        exact -= max(f.moment(2) - 1.6, 0.0)
        assert evppi(y, x1).value[0] == pytest.approx(exact, rel=0.05)

    def test_group_with_a_product(self):
        # y = x1 · x2 − c + x3: the group {x1, x2} is worth E[max(x1 x2 − c, 0)] − max(E[x1 x2] − c, 0)
        rng = np.random.default_rng(9)
        n = 50_000
        x1, x2, x3 = rng.uniform(0, 2, n), rng.gamma(2.0, 0.5, n), rng.normal(0, 0.5, n)
        y = x1 * x2 - 0.9 + x3
        # given x1 = a: ∫ max(a b − c, 0) f(b) db = a E[B; B > c/a] − c P(B > c/a), and for a gamma(k, θ)
        # E[B; B > t] = k θ P(gamma(k + 1, θ) > t)
        k, th, c = 2.0, 0.5, 0.9

        def given(a: float) -> float:
            t = c / a
            return a * k * th * stats.gamma(k + 1, scale=th).sf(t) - c * stats.gamma(k, scale=th).sf(t)

        exact = integrate.quad(lambda a: 0.5 * given(a), 1e-12, 2)[0] - max(1.0 * k * th - c, 0.0)
        assert evppi(y, [x1, x2]).value[0] == pytest.approx(exact, rel=0.05)

    def test_standard_error_is_calibrated(self):
        vals, ses = [], []
        for r in range(30):
            x = np.random.default_rng(100 + r).normal(0, 1, (4_000, 3)) * [1.0, 1.5, 2.0]
            y = 0.5 + x @ np.array([3.0, -2.0, 1.0])
            e = evppi(y, x[:, 1])
            vals.append(e.value[0])
            ses.append(e.se[0])
        assert 0.6 < np.mean(ses) / np.std(vals) < 1.7

    def test_many_targets_share_one_regression(self):
        x = np.random.default_rng(2).normal(0, 1, (20_000, 2))
        ya, yb = x[:, 0] + 0.2, 2 * x[:, 1] - 0.3
        both = evppi(np.column_stack([ya, yb]), x[:, 0])
        assert_allclose(both.value, [evppi(ya, x[:, 0]).value[0], evppi(yb, x[:, 0]).value[0]], rtol=1e-10)


@pytest.fixture(scope="module")
def forward_ds(forward_path):
    return mkba.simulate(mkba.Study.from_toml(forward_path), draws=4_000, seed=3, store="full")


class TestBSplineBasis:
    @pytest.mark.parametrize("kind", ["normal", "lognormal", "beta", "ties", "triangular"])
    def test_equals_scipy_bit_for_bit(self, kind):
        # the EVPPI basis is built without importing scipy.interpolate, with scipy's own arithmetic
        from scipy.interpolate import BSpline

        from mkba.decision.bspline import design_matrix

        rng = np.random.default_rng(len(kind))
        n = 5_000
        x = {"normal": rng.normal(size=n), "lognormal": rng.lognormal(0, 2, n), "beta": rng.beta(0.3, 5, n),
             "ties": np.round(rng.uniform(0, 30, n), 1), "triangular": rng.triangular(0.05, 0.4, 0.4, n)}[kind]
        xs = np.sort(x)
        inner = np.unique(np.quantile(xs, np.arange(1, 7) / 7))
        inner = inner[(inner > xs[0]) & (inner < xs[-1])]
        t = np.concatenate([[xs[0]] * 4, inner, [xs[-1]] * 4])
        ours = design_matrix(x, t, 3)
        assert ours.tobytes() == BSpline.design_matrix(x, t, 3).toarray().tobytes()
        assert_allclose(ours.sum(axis=1), 1.0, rtol=1e-12)  # a partition of unity

    def test_repeated_interior_knot_equals_scipy(self):
        from scipy.interpolate import BSpline

        from mkba.decision.bspline import design_matrix

        x = np.random.default_rng(2).random(2_000)
        t = np.array([0.0] * 4 + [0.3, 0.3, 0.7] + [1.0] * 4)
        x[:3] = (0.0, 0.3, 1.0)  # on the knots themselves
        assert design_matrix(x, t, 3).tobytes() == BSpline.design_matrix(x, t, 3).toarray().tobytes()

    def test_evppi_does_not_import_scipy_interpolate(self):
        import subprocess
        import sys

        code = ("import sys, numpy as np; from mkba.decision.evppi import evppi; x = np.random.default_rng(0)"
                ".normal(size=2000); evppi(x + 0.1, x); print('scipy.interpolate' in sys.modules)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "False"


class TestAcceptability:
    def test_reweighting_equals_a_rerun(self, forward_path, forward_ds):
        raw = tomllib.loads(forward_path.read_text(encoding="utf-8"))
        values = np.array([0.0, 35_000.0, 120_000.0])
        acc = acceptability(forward_ds, values)
        new = reweighted(forward_ds, values)
        for k, v in enumerate(values):
            r = copy.deepcopy(raw)
            r["prices"]["qaly_value"] = float(v)
            rerun = mkba.simulate(mkba.Study.from_dict(r), draws=4_000, seed=3, store="full")
            assert_allclose(new["saldo"][:, k], rerun["saldo"].values, rtol=1e-12, atol=1e-6)
            assert_allclose(new["line"][:, k], rerun["line"].sel(item="quality_of_life").values, rtol=1e-12)
            assert acc.p_saldo_gt_0[k] == float((rerun["saldo"] > 0).mean())
            assert acc.p_bc_social_gt_1[k] == float((rerun["bc_social"] > 1).mean())

    def test_own_line_with_the_qaly_value_is_reweighted_too(self, forward_path):
        # a municipality's own line "QALYs of informal carers" = carers × QALYs per carer × QALY value
        raw = tomllib.loads(forward_path.read_text(encoding="utf-8"))
        raw["inputs"] = {"carers": {"dist": "pert", "min": 10, "mode": 20, "max": 40},
                         "qaly_per_carer": {"dist": "uniform", "min": 0.01, "max": 0.05}}
        raw["lines"] = [{"name": "mantelzorg", "title": "Mantelzorgers", "kind": "immaterial",
                         "factors": ["inputs.carers", "inputs.qaly_per_carer", "prices.qaly_value"],
                         "timing": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], "actors": {"households": 1.0}}]
        study = mkba.Study.from_dict(raw)
        ds = mkba.simulate(study, draws=3_000, seed=4, store="full")
        with pytest.raises(ValueError, match="own lines"):
            acceptability(ds, [50_000.0])  # which own lines carry the value, only the study says
        lines = value_lines("prices.qaly_value", study.options.own_lines)
        assert lines == ("quality_of_life", "mantelzorg")
        values = [10_000.0, 80_000.0]
        acc = acceptability(ds, values, lines=lines)
        for k, v in enumerate(values):
            r = copy.deepcopy(raw)
            r["prices"]["qaly_value"] = v
            rerun = mkba.simulate(mkba.Study.from_dict(r), draws=3_000, seed=4, store="full")
            assert_allclose(reweighted(ds, [v], lines=lines)["saldo"][:, 0], rerun["saldo"].values, rtol=1e-12,
                            atol=1e-6)
            assert acc.p_bc_social_gt_1[k] == float((rerun["bc_social"] > 1).mean())

    def test_curve_is_the_cdf_of_the_per_draw_break_even(self, near_ds):
        grid = parse_grid("0:150000:5000")
        acc = acceptability(near_ds, grid)
        q = near_ds["inputs"].sel(input="prices.qaly_value").values
        line = near_ds["line"].sel(item="quality_of_life").values
        v_star = q * (1 - near_ds["saldo"].values / line)
        assert_allclose(acc.p_saldo_gt_0, [(v_star < v).mean() for v in grid])
        assert np.all(np.diff(acc.p_saldo_gt_0) >= 0)  # more value per QALY, never less acceptable
        be, p5, p95 = break_even(near_ds)
        assert abs(reweighted(near_ds, [be])["saldo"].mean()) < 1e-6 * near_ds["saldo"].std()
        assert p5 < be < p95 and (p5, p95) == pytest.approx(tuple(np.quantile(v_star, [0.05, 0.95])), rel=1e-3)

    def test_grid(self):
        assert len(parse_grid("0:150000:5000")) == 31 and parse_grid("0:150_000:5_000")[-1] == 150_000
        assert list(parse_grid("20000,50000")) == [20_000, 50_000]
        for bad in ("10:0:5", "0:10:0", "a:b:c", "", "1:2"):
            with pytest.raises(GridError):
                parse_grid(bad)


class TestAlternatives:
    def test_scenarios_share_their_draws(self, forward_path):
        study = mkba.Study.from_toml(forward_path)
        runs = {n: mkba.simulate(study.scenario(n), draws=3_000, seed=5, store="full")
                for n in ("base", "geen-escalatie", "extra-trajecten")}
        alt = compare(runs, grid=parse_grid("0:100000:25000"))
        # no prevented escalation: per draw exactly the escalation line less (common random numbers)
        diff = runs["geen-escalatie"]["saldo"].values - runs["base"]["saldo"].values
        assert_allclose(diff, -runs["base"]["line"].sel(item="escalation").values, rtol=1e-9, atol=1e-6)
        m, lo, hi = alt.incremental["geen-escalatie"]
        assert m == pytest.approx(diff.mean()) and lo == pytest.approx(np.quantile(diff, 0.05))
        assert alt.decision.best == "base" and sum(alt.decision.p_best) == pytest.approx(1.0)
        nb = np.column_stack([r["saldo"].values for r in runs.values()])
        assert alt.decision.evpi == pytest.approx(evpi(nb))
        f = alt.to_dict()["frontier"]
        assert len(f["best"]) == 5 and all(0 <= p <= 1 for p in f["p_best"])


class TestFailureRegion:
    def test_prim_recovers_a_known_box(self):
        rng = np.random.default_rng(3)
        n = 20_000
        x = np.column_stack([rng.uniform(0, 1, n), rng.lognormal(0, 0.5, n), rng.beta(2, 5, n),
                             rng.uniform(0, 1, n), rng.normal(0, 1, n)])
        fail = ((x[:, 0] < 0.2) & (x[:, 3] > 0.7)) | (rng.random(n) < 0.02)
        box = prim(x, fail, ["a", "b", "c", "d", "e"])
        assert box is not None
        found = {r.input: (r.lower, r.upper) for r in box.restrictions}
        assert set(found) == {"a", "d"}
        assert found["a"][0] is None and found["a"][1] == pytest.approx(0.2, abs=0.03)
        assert found["d"][1] is None and found["d"][0] == pytest.approx(0.7, abs=0.03)
        assert box.density > 0.9 and box.coverage > 0.6

    def test_nothing_to_describe(self):
        x = np.random.default_rng(1).random((1_000, 3))
        assert prim(x, np.zeros(1_000, bool), ["a", "b", "c"]) is None

    @pytest.mark.parametrize("kind", ["normal", "ties", "skewed"])
    def test_peeling_is_the_plain_peeling(self, kind):
        # the peel runs on sorted rows with cumulative counts; each step must choose what comparing every
        # draw with every candidate limit chooses (the straightforward peel below), to the bit
        rng = np.random.default_rng(len(kind))
        n, d = 3_000, 4
        x = rng.normal(size=(n, d))
        if kind == "ties":
            x[:, :2] = np.round(x[:, :2])
        elif kind == "skewed":
            x = np.exp(x)
            x[:, 3] = rng.integers(0, 3, n)
        fail = x[:, 0] + 0.5 * x[:, 1] + rng.normal(0, 1, n) > 1.0
        got = prim(x, fail, list("abcd"), min_coverage=0.0, max_dims=d)
        lo, hi = _plain_peel(x, fail)
        assert got is not None
        want = {j: (lo[j] if lo[j] > x[:, j].min() else None, hi[j] if hi[j] < x[:, j].max() else None)
                for j in range(d)}
        densest = {"abcd".index(r.input): (r.lower, r.upper) for r in got.restrictions}
        assert all(want[j] == densest[j] for j in densest)


def _plain_peel(x, y, alpha=0.05, min_mass=0.05):
    """The box with the highest density on the peeling trajectory, every candidate compared draw by draw."""
    n, d = x.shape
    lo, hi = x.min(axis=0), x.max(axis=0)
    inside = np.ones(n, dtype=bool)
    best_box, best_dens = (lo.copy(), hi.copy()), y.mean()
    while inside.mean() > min_mass:
        idx = np.flatnonzero(inside)
        best = None
        for j in range(d):
            col = x[idx, j]
            q = np.quantile(col, (alpha, 1 - alpha))
            for side, thr in (("lo", q[0]), ("hi", q[1])):
                keep = col >= thr if side == "lo" else col <= thr
                if keep.all():
                    keep = col > thr if side == "lo" else col < thr
                m = int(keep.sum())
                if m == 0 or m == len(col):
                    continue
                limit = float(col[keep].min() if side == "lo" else col[keep].max())
                cand = (float(y[idx][keep].mean()), m, j, side, limit)
                if best is None or cand[:2] > best[:2]:
                    best = cand
        if best is None:
            break
        dens, _, j, side, limit = best
        if side == "lo":
            lo[j] = limit
        else:
            hi[j] = limit
        inside = np.all((x >= lo) & (x <= hi), axis=1)
        if dens > best_dens:
            best_box, best_dens = (lo.copy(), hi.copy()), dens
    return best_box


@pytest.fixture(scope="module")
def near_ds(forward_path):
    return mkba.simulate(near_break_even(forward_path), draws=20_000, seed=7, store="full")


class TestStudies:
    @pytest.mark.parametrize("path", bundled_studies(), ids=lambda p: p.stem)
    def test_bundled_decision_is_clear(self, path):
        ds = mkba.simulate(mkba.Study.from_toml(path), draws=5_000, store="full")
        a = analyse(ds, grid=None, failure=False)
        # the forward look is clearly positive, the retrospective of the start-up year clearly negative
        assert a.decision.best == ("invest" if float(ds["base_saldo"]) > 0 else "stop")
        assert a.decision.p_wrong < 0.01
        assert a.evpi[0] <= 1e-3 * abs(a.expected[0])
        assert np.all(a.evppi[0] <= a.evpi[0])

    def test_near_break_even_first_input_settles_most(self, forward_path, near_ds):
        study = near_break_even(forward_path)
        a = analyse(near_ds, grid=None, failure=False, actors=False)
        total = a.evpi[0]
        assert total > 0.05 * near_ds["saldo"].std()
        assert np.all(a.evppi[0] <= total) and np.all(a.evppi_groups[0] <= total)
        first = a.ranking()[0]
        # measure it perfectly: fix it at its true (drawn) value and decide again, for many true values
        model, reduce = stored_model(study, "lean")
        remaining = []
        for v in near_ds["inputs"].sel(input=first).values[:120]:
            params = study.parameters.with_dists({first: Fixed(float(v))})
            res = run(model, params, draws=3_000, seed=11, reduce=reduce, keep_inputs=False)
            remaining.append(evpi(res.outputs["saldo"]))
        assert np.mean(remaining) < 0.5 * total  # most of the EVPI is gone
        # and the regression's EVPPI agrees with the nested estimate of what is removed
        removed = total - np.mean(remaining)
        assert a.evppi[0, a.inputs.index(first)] == pytest.approx(removed, rel=0.15)

    def test_actors_and_json_keys(self, near_ds):
        a = analyse(near_ds, grid=parse_grid("0:150000:5000"))
        j = a.to_json()
        assert set(j) == {"study", "target", "draws", "decision", "evpi", "evppi", "evppi_groups", "ranking",
                          "actors", "acceptability", "alternatives", "failure_region"}
        assert set(j["decision"]) == {"best", "p_wrong", "expected_loss"}
        assert all(set(v) == {"value", "se"} for v in j["evppi"].values())
        assert all(set(v) == {"p_net_gt_0", "evpi"} for v in j["actors"].values())
        assert "municipality" in j["actors"] and "households" in j["actors"]
        hh = target_values(near_ds, "actor:households")
        assert j["actors"]["households"]["p_net_gt_0"] == pytest.approx(float((hh > 0).mean()))
        assert j["actors"]["households"]["evpi"] == pytest.approx(evpi(hh))
        assert set(j["acceptability"]) == {"qaly_value", "p_saldo_gt_0", "p_bc_social_gt_1", "break_even"}
        assert set(j["acceptability"]["break_even"]) == {"value", "p5", "p95"}
        assert j["failure_region"] and {"input", "lower", "upper"} == set(j["failure_region"][0])
        json.dumps(j, allow_nan=False)
        ds = a.to_dataset()
        assert float(ds["evpi"].sel(target="saldo")) == j["evpi"]


class TestCli:
    def test_decide_json_and_files(self, tmp_path, capsys, forward_path):
        code = main(["decide", str(forward_path), "--draws", "2000", "--seed", "2", "--out", str(tmp_path),
                     "--json", "--alternatives", "base,geen-escalatie", "--qaly-values", "0:100000:10000"])
        assert code == 0
        j = json.loads(capsys.readouterr().out)
        assert j["study"] == "steenwijkerland-doorkijk" and j["draws"] == 2000 and j["target"] == "saldo"
        assert len(j["acceptability"]["qaly_value"]) == 11
        assert j["alternatives"]["names"] == ["base", "geen-escalatie"]
        out = tmp_path / "steenwijkerland-doorkijk.decision"
        assert json.loads((out / "decision.json").read_text(encoding="utf-8")) == j
        for f in ("decision.nc", "charts/acceptability.png", "charts/acceptability.svg", "charts/frontier.png"):
            assert (out / f).is_file()
        # a second run never overwrites the first silently: it gets the next free name
        assert main(["decide", str(forward_path), "--draws", "500", "--out", str(tmp_path), "--json"]) == 0
        capsys.readouterr()
        assert json.loads((out / "decision.json").read_text(encoding="utf-8")) == j
        assert (tmp_path / "steenwijkerland-doorkijk.decision-2" / "decision.json").is_file()
        assert main(["decide", str(forward_path), "--draws", "500", "--out", str(tmp_path), "--json",
                     "--target", "actor:jeugd"]) == 0
        capsys.readouterr()
        assert (tmp_path / "steenwijkerland-doorkijk.decision-actor-jeugd" / "decision.nc").is_file()

    def test_another_study_as_alternative(self, tmp_path, capsys, forward_path, retro_path):
        assert main(["decide", str(forward_path), "--draws", "1000", "--out", str(tmp_path), "--json",
                     "--alternatives", f"base,{retro_path}"]) == 0
        alt = json.loads(capsys.readouterr().out)["alternatives"]
        assert alt["names"] == ["base", "steenwijkerland-2018"] and alt["best"] == "base"
        assert alt["p_best"]["base"] == 1.0 and alt["incremental"]["steenwijkerland-2018"]["p95"] < 0

    def test_decide_console(self, tmp_path, capsys, forward_path):
        assert main(["decide", str(forward_path), "--draws", "1000", "--target", "actor:jeugd", "--out",
                     str(tmp_path), "--lang", "en"]) == 0
        out = capsys.readouterr().out
        assert "Probability that" in out and "EVPPI" in out and "written:" in out

    @pytest.mark.parametrize("args, where", [
        (["--target", "salod"], "--target: unknown target 'salod'"),
        (["--target", "bc_social"], "--target: 'bc_social' is a ratio"),
        (["--alternatives", "base,nope"], "--alternatives: 'nope' is not a scenario"),
        (["--qaly-values", "10:0:5"], "--qaly-values: the grid '10:0:5' is empty"),
        (["--scenario", "nope"], "scenarios: no scenario named 'nope'"),
    ])
    def test_bad_input(self, tmp_path, capsys, forward_path, args, where):
        code = main(["decide", str(forward_path), "--draws", "500", "--out", str(tmp_path / "o"), *args])
        assert code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and where in err[0], err
        assert not (tmp_path / "o").exists()  # nothing written


class TestReportSection:
    def test_headline_and_section_in_the_report(self, near_ds):
        from mkba.decision.section import input_label, report_section
        from mkba.outputs.formatting import format_money, format_probability_percent
        from mkba.outputs.report import build_report, render_markdown

        blocks, a = report_section(near_ds, "nl")
        assert a is not None
        head = blocks[1][1]
        assert head == (f"Kans dat doorgaan de verkeerde keuze is: {format_probability_percent(a.decision.p_wrong, lang='nl')}; "
                        f"meer zekerheid is hooguit {format_money(a.decision.evpi, lang='nl')} waard; meet eerst "
                        f"{input_label(a.ranking()[0], 'nl')}.")
        md = render_markdown(build_report(near_ds, lang="nl", study=None, charts=["acceptability"], decision=blocks))
        section = md.split("## Besluit en onzekerheid", 1)[1]
        assert head in section and "### Wat eerst meten?" in section and "(charts/acceptability.png)" in section
        assert "Het saldo is negatief in" in section  # the failure region, in words
        en, _ = report_section(near_ds, "en")
        assert en[0] == ("h2", "Decision and uncertainty") and en[1][1].startswith("Probability that going on is")

    def test_clear_decision_and_lean_runs(self, forward_ds):
        from mkba.decision.section import report_section

        blocks, a = report_section(forward_ds, "nl")
        assert "verandert het besluit niet" in blocks[1][1]
        assert not any(k == "table" and b["header"][0] == "Invoer" for k, b in blocks)  # no table of zeros
        lean = forward_ds.drop_vars("inputs")
        blocks, a = report_section(lean, "en")
        assert a is None and blocks[1][0] == "p" and "mkba decide" in blocks[1][1]

    def test_section_skips_only_the_evppi_it_does_not_show(self, forward_ds, near_ds):
        # the report's analysis (evppi="unclear") gives the same section as the full one; for a clear
        # decision it skips the regressions (NaN), for a close call it computes every number the same
        from mkba.decision.section import section_blocks

        for ds, clear in ((forward_ds, True), (near_ds, False)):
            full = analyse(ds)
            shown = analyse(ds, evppi="unclear")
            assert section_blocks(shown, "nl") == section_blocks(full, "nl")
            assert np.isnan(shown.evppi).all() == clear and np.isnan(shown.evppi_groups).all() == clear
            if not clear:
                for k in ("evppi", "evppi_se", "evppi_groups", "evppi_groups_se"):
                    assert getattr(shown, k).tobytes() == getattr(full, k).tobytes()
            assert shown.evpi.tobytes() == full.evpi.tobytes()

    def test_actor_targets_from_the_budget_view_equal_the_cube(self, forward_ds):
        from mkba.decision.targets import actor_net

        cube = (forward_ds["npv"] * np.where(forward_ds["kind"] == "cost", -1.0, 1.0)[:, None]).sum("item")
        assert_allclose(actor_net(forward_ds).values, cube.values, rtol=1e-9, atol=1e-6)


@pytest.mark.slow
def test_benchmark_script_runs():
    """benchmarks/decision.py works (tiny size; the figure in the README is its full run)."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    p = subprocess.run([sys.executable, str(root / "benchmarks" / "decision.py"), "--draws", "2000", "--repeats", "1",
                        "--json"], capture_output=True, text=True, timeout=120, cwd=root, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    res = json.loads(p.stdout)
    assert res["draws"] == 2000 and res["inputs"] > 10 and 0 < res["evppi_inputs_s"] < res["target_s"]
