"""Sensitivity analysis (issue 3): analytic benchmarks through mkba's own engine, given-data
estimators against exact references, one-way/switching values re-run through the model, design
checks, and the ``mkba sensitivity`` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from numpy.testing import assert_allclose

import mkba
from mkba.cli import main
from mkba.distributions import Uniform
from mkba.sensitivity import (
    DEFAULT_N,
    analyse,
    analyse_morris,
    analyse_sobol,
    analyse_study,
    evaluate_design,
    extract,
    given_data,
    oneway,
    oneway_study,
    sample,
    spider,
    switching_values,
)
from mkba.simulator.domain import ACTORS, ITEM_KIND, ITEMS

PI = np.pi


def _state(pid: int) -> str:
    """A process's state letter from /proc ("Z" = ended, not yet reaped), "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""

# --- analytic test functions -------------------------------------------------------------------
# Ishigami & Homma (1990) with a = 7, b = 0.1 on [-π, π]^3; indices from Sobol' & Levitan (1999):
# S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
ISHIGAMI = mkba.ParameterSet.from_dists({f"x{i}": Uniform(-PI, PI) for i in (1, 2, 3)})
ISH_S1 = np.array([0.3139, 0.4424, 0.0])
ISH_ST = np.array([0.5576, 0.4424, 0.2437])


def ishigami(x):
    return {"y": np.sin(x["x1"]) + 7.0 * np.sin(x["x2"]) ** 2 + 0.1 * x["x3"] ** 4 * np.sin(x["x1"])}


# Sobol' G-function (Saltelli et al. 2008, §3.6): V_i = 1/(3 (1 + a_i)^2), closed-form S1 and ST.
G_A = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0])
G_PARAMS = mkba.ParameterSet(
    mkba.Parameter(f"x{i}", Uniform(0.0, 1.0), group="pair" if i < 2 else "") for i in range(len(G_A))
)


def g_function(x):
    out = np.ones_like(x["x0"])
    for i, a in enumerate(G_A):
        out = out * (np.abs(4.0 * x[f"x{i}"] - 2.0) + a) / (1.0 + a)
    return {"y": out}


def g_indices():
    v = 1.0 / (3.0 * (1.0 + G_A) ** 2)
    total = np.prod(1.0 + v) - 1.0
    return v / total, v * np.prod(1.0 + v) / (1.0 + v) / total, (v[0] + v[1] + v[0] * v[1]) / total


def ordered(ds, names):
    return ds["value"].sel(parameter=names)


class TestSobol:
    def test_ishigami(self):
        ds = analyse(ishigami, ISHIGAMI, method="sobol", target="y", n=2**13, seed=1)
        v = ordered(ds, ["x1", "x2", "x3"])
        assert_allclose(v.sel(index="S1"), ISH_S1, atol=0.02)
        assert_allclose(v.sel(index="ST"), ISH_ST, atol=0.02)
        assert list(ds["parameter"].values) == ["x1", "x2", "x3"]  # ranked by ST
        assert (ds["conf"].sel(index="ST") > 0).all() and (ds["conf"].sel(index="ST") < 0.05).all()

    def test_g_function(self):
        s1, st, _ = g_indices()
        names = [f"x{i}" for i in range(len(G_A))]
        ds = analyse(g_function, G_PARAMS, method="sobol", target="y", n=2**13, seed=2)
        assert_allclose(ordered(ds, names).sel(index="S1"), s1, atol=0.02)
        assert_allclose(ordered(ds, names).sel(index="ST"), st, atol=0.02)

    def test_grouped_g_function(self):
        s1, _, pair = g_indices()
        ds = analyse(g_function, G_PARAMS, method="sobol", target="y", n=2**12, seed=3, groups=True)
        assert list(ds["parameter"].values)[0] == "pair"
        assert set(ds["parameter"].values) == {"pair", "x2", "x3", "x4", "x5"}
        assert_allclose(float(ds["value"].sel(parameter="pair", index="S1")), pair, atol=0.02)
        assert_allclose(float(ds["value"].sel(parameter="x2", index="S1")), s1[2], atol=0.02)
        assert ds.attrs["n_evaluations"] == 2**12 * (5 + 2)

    def test_second_order(self):
        ds = analyse(ishigami, ISHIGAMI, method="sobol", target="y", n=2**12, seed=4, second_order=True)
        s2 = ds["S2"].sel(parameter="x1", parameter2="x3").item()
        if np.isnan(s2):
            s2 = ds["S2"].sel(parameter="x3", parameter2="x1").item()
        assert_allclose(s2, ISH_ST[0] - ISH_S1[0], atol=0.03)  # x1–x3 is Ishigami's only interaction


class TestOtherDesigns:
    def test_morris_linear_model_is_exact(self):
        params = mkba.ParameterSet.from_dists({"a": Uniform(0, 2), "b": Uniform(0, 2), "c": Uniform(0, 2)})
        design = sample(params, "morris", 20, seed=1)
        y = evaluate_design(lambda x: {"y": x["a"] + 2 * x["b"] + 3 * x["c"]}, params, design, target="y")
        ds = analyse_morris(design, y, params, target="y")
        # Elementary effects per unit of the design's step: coefficient × range of the input × 0.99, since
        # the grid is mapped onto each input's P0.5–P99.5 range.
        assert_allclose(ds["value"].sel(parameter=["a", "b", "c"], index="mu_star"), [1.98, 3.96, 5.94], rtol=1e-6)
        assert_allclose(ds["value"].sel(index="sigma"), 0, atol=1e-6)
        assert list(ds["parameter"].values) == ["c", "b", "a"]

    def test_morris_screens_out_inert_inputs(self):
        ds = analyse(g_function, G_PARAMS, method="morris", target="y", n=50, seed=2)
        assert list(ds["parameter"].values[:2]) == ["x0", "x1"]
        assert set(ds["parameter"].values[-2:]) == {"x4", "x5"}

    @pytest.mark.parametrize(("method", "n"), [("fast", 2048), ("rbd-fast", 4096)])
    def test_fast_ishigami(self, method, n):
        ds = analyse(ishigami, ISHIGAMI, method=method, target="y", n=n, seed=1)
        assert_allclose(ordered(ds, ["x1", "x2", "x3"]).sel(index="S1"), ISH_S1, atol=0.03)
        if method == "fast":
            assert_allclose(ordered(ds, ["x1", "x2", "x3"]).sel(index="ST"), ISH_ST, atol=0.03)


class TestGivenData:
    @pytest.fixture(scope="class")
    @classmethod
    def sample_mc(cls):
        res = mkba.run(ishigami, ISHIGAMI, draws=10_000, seed=5)
        return np.column_stack([res.inputs[n] for n in ("x1", "x2", "x3")]), res.outputs["y"]

    @pytest.mark.parametrize("method", ["delta", "pawn"])
    def test_ranks_ishigami_like_sobol(self, method):
        # First-order importance: Sobol S1 ranks x2 > x1 > x3 (x3 acts only through its interaction).
        ds = analyse(ishigami, ISHIGAMI, method=method, target="y", n=10_000, seed=5)
        assert list(ds["parameter"].values) == ["x2", "x1", "x3"]
        assert ds.attrs["n_evaluations"] == 10_000

    def test_delta_s1_matches_analytic(self, sample_mc):
        from mkba.sensitivity import analyse_given_data

        ds = analyse_given_data(*sample_mc, ["x1", "x2", "x3"], method="delta", num_resamples=20)
        assert_allclose(ordered(ds, ["x1", "x2", "x3"]).sel(index="S1"), ISH_S1, atol=0.03)

    def test_delta_matches_salib_exact_kde(self, sample_mc):
        # Same class partition, exact gaussian_kde (SALib) vs our binned KDE: the estimator agrees.
        from SALib.analyze.delta import calc_delta

        from mkba.sensitivity.given_data import _Delta, _labels, delta_classes

        x, y = sample_mc[0][:2000], sample_mc[1][:2000]
        m = delta_classes(len(y))
        ours, _ = _Delta(_labels(x, m), y, m)()
        grid = np.linspace(y.min(), y.max(), 200)
        ref = [calc_delta(y, grid, x[:, i], np.linspace(0, len(y), m + 1)) for i in range(3)]
        assert_allclose(ours, ref, atol=0.015)

    def test_pawn_ks_is_exact(self, sample_mc):
        from scipy.stats import ks_2samp

        from mkba.sensitivity.given_data import _labels, _Pawn

        x, y = sample_mc[0][:3000], sample_mc[1][:3000]
        y = np.round(y, 1)  # ties in the target must not break the exact KS distance
        lab = _labels(x, 10)
        pawn = _Pawn(lab, y, 10)
        r = np.random.default_rng(3).integers(0, len(y), len(y))  # a bootstrap resample, as multiplicities
        for ks, yy, ll in [(pawn(), y, lab), (pawn(np.bincount(r, minlength=len(y))), y[r], lab[r])]:
            for i in range(3):
                ref = [ks_2samp(yy, yy[ll[:, i] == c]).statistic for c in range(10)]
                assert_allclose(ks[i], ref, atol=1e-12)

    def test_on_a_study_run(self, forward_path):
        study = mkba.Study.from_toml(forward_path)
        ds = mkba.simulate(study, draws=4000, seed=3, store="full")
        res = given_data(ds, method="delta", target="actor:jeugd", num_resamples=10)
        assert res.attrs["target"] == "actor:jeugd" and res.sizes["parameter"] == len(study.parameters.uncertain)
        assert (res["value"].sel(index="delta") >= -0.05).all()
        lean = mkba.simulate(study, draws=1000, seed=3, store="lean")
        with pytest.raises(ValueError, match="store='full'"):
            given_data(lean)


class TestStudies:
    @pytest.mark.parametrize("name", ["steenwijkerland-doorkijk", "steenwijkerland-2018"])
    def test_top5_sobol_ranking_is_seed_stable(self, name):
        study = mkba.Study.from_toml(mkba.default_study_path().parent / f"{name}.toml")
        runs = [analyse_study(study, method="sobol", seed=s) for s in (11, 12)]
        assert runs[0].attrs["n_evaluations"] == DEFAULT_N["sobol"] * (len(study.parameters.uncertain) + 2)
        tops = [list(r["parameter"].values[:5]) for r in runs]
        assert tops[0] == tops[1]


class TestTargets:
    def test_lines_and_actors_from_npv(self, forward_path):
        study = mkba.Study.from_toml(forward_path)
        out = study.model(study.parameters.base_inputs())
        npv = out["npv"][0]
        cost = np.array([ITEM_KIND[i] == "cost" for i in ITEMS])
        j = ACTORS.index("jeugd")
        assert_allclose(extract(out, "actor:jeugd"), npv[~cost, j].sum() - npv[cost, j].sum())
        assert_allclose(extract(out, "escalation"), npv[ITEMS.index("escalation")].sum())
        total = sum(extract(out, f"actor:{a}") for a in ACTORS)
        assert_allclose(total, out["saldo"], rtol=1e-12)
        with pytest.raises(ValueError, match="unknown target 'nope'.*actor:jeugd"):
            extract(out, "nope")


class TestOneway:
    def test_contract_and_rerun(self, forward_path):
        study = mkba.Study.from_toml(forward_path)
        ds = oneway_study(study, target="bc_social")
        assert set(ds.data_vars) >= {"low_value", "high_value", "target_low", "target_high", "swing"}
        assert ds.attrs["target"] == "bc_social" and ds.sizes["parameter"] == len(study.parameters.uncertain)
        assert (np.diff(ds["swing"].values) <= 0).all()
        assert_allclose(ds["swing"], np.abs(ds["target_high"] - ds["target_low"]))
        base = study.model(study.parameters.base_inputs())
        assert_allclose(ds.attrs["base_target"], base["bc_social"][0])
        for p in ds["parameter"].values[:3]:  # an independent re-run, one input at its P5
            x = study.parameters.base_inputs()
            x[str(p)] = np.array([float(ds["low_value"].sel(parameter=p))])
            assert_allclose(study.model(x)["bc_social"][0], float(ds["target_low"].sel(parameter=p)), rtol=1e-12)
            assert_allclose(float(ds["low_value"].sel(parameter=p)), study.parameters[str(p)].dist.ppf(0.05))

    def test_bad_quantiles(self):
        with pytest.raises(ValueError, match="low"):
            oneway(ishigami, ISHIGAMI, target="y", low=0.0)
        with pytest.raises(ValueError, match="below high"):
            oneway(ishigami, ISHIGAMI, target="y", low=0.9, high=0.1)

    def test_spider(self):
        ds = spider(ishigami, ISHIGAMI, target="y", quantiles=[0.1, 0.5, 0.9])
        assert ds["target"].dims == ("parameter", "quantile")
        assert_allclose(ds["target"].sel(parameter="x1", quantile=0.9),
                        ishigami({"x1": np.array([0.8 * PI]), "x2": np.zeros(1), "x3": np.zeros(1)})["y"])


class TestSwitchingValues:
    def test_linear_model(self):
        params = mkba.ParameterSet.from_dists({"a": Uniform(0, 1), "b": Uniform(0, 1), "c": Uniform(5, 6)})
        ds = switching_values(lambda x: {"saldo": x["a"] - 0.3 + 0 * x["b"] - (x["c"] - 5.5)}, params)
        assert_allclose(float(ds["switching_value"].sel(parameter="a")), 0.3, atol=1e-10)
        assert str(ds["status"].sel(parameter="b").values) == "not within the support"
        assert_allclose(float(ds["switching_value"].sel(parameter="c")), 5.7, atol=1e-10)

    def test_study_verified_by_rerun(self, forward_path, retro_path):
        study = mkba.Study.from_toml(forward_path)
        base = study.model(study.parameters.base_inputs())["saldo"][0]
        ds = switching_values(study.model, study.parameters, target="saldo", threshold=base + 30_000)
        found = [str(p) for p, s in zip(ds["parameter"].values, ds["status"].values) if str(s) == "found"]
        assert "prices.qaly_value" in found and "costs.cost_per_fte" not in found
        for p in found:
            v = float(ds["switching_value"].sel(parameter=p))
            lo, hi = study.parameters[p].dist.support
            assert lo <= v <= hi
            x = study.parameters.base_inputs()
            x[p] = np.array([v])
            assert abs(study.model(x)["saldo"][0] - (base + 30_000)) < 1e-3  # € 0.001 on € millions
        # The retrospective case (saldo −414,000) does not break even by any single input in its range.
        retro = mkba.Study.from_toml(retro_path)
        sw = switching_values(retro.model, retro.parameters, target="bc_social")
        assert sw.attrs["threshold"] == 1.0 and set(sw["status"].values) == {"not within the support"}


class TestDesignChecks:
    def test_sobol_n(self):
        with pytest.raises(ValueError, match="power of 2.*use 512 or 1024"):
            sample(ISHIGAMI, "sobol", 1000)
        with pytest.raises(ValueError, match="too small"):
            sample(ISHIGAMI, "sobol", 16)
        with pytest.raises(ValueError, match="need n > 4 M²"):
            sample(ISHIGAMI, "fast", 65, M=5)  # M = 5 harmonics need n > 100
        with pytest.raises(ValueError, match="no grouped indices"):
            sample(ISHIGAMI, "rbd-fast", 512, groups=True)

    def test_incompatible(self):
        design = sample(ISHIGAMI, "sobol", 64, seed=1)
        y = evaluate_design(ishigami, ISHIGAMI, design, target="y")
        other = mkba.ParameterSet.from_dists({"x1": Uniform(0, 1), "x2": Uniform(0, 1)})
        with pytest.raises(ValueError, match="other inputs.*not uncertain here: x3"):
            analyse_sobol(design, y, other, target="y")
        with pytest.raises(ValueError, match="morris analysis needs a morris design"):
            analyse_morris(design, y, ISHIGAMI, target="y")
        with pytest.raises(ValueError, match="one output per run"):
            analyse_sobol(design, y[:-5], ISHIGAMI, target="y")
        with pytest.raises(ValueError, match="not finite in 1 of"):
            analyse_sobol(design, np.r_[y[:-1], np.nan], ISHIGAMI, target="y")
        with pytest.raises(ValueError, match="not an mkba sensitivity design"):
            analyse_sobol(xr.Dataset({"u": (("run", "input"), design["u"].values)}), y, ISHIGAMI)
        with pytest.raises(ValueError, match="too few"):
            analyse(ishigami, ISHIGAMI, method="pawn", target="y", n=100)


class TestCharts:
    def test_tornado_spider_indices(self, forward_path):
        import matplotlib

        matplotlib.use("Agg")
        from mkba.outputs.sensitivity_charts import plot_indices, plot_spider, plot_tornado

        study = mkba.Study.from_toml(forward_path)
        ow = oneway_study(study)
        ax = plot_tornado(ow, lang="en", top=10)
        assert len(ax.patches) == 20 and "Balance" in ax.get_xlabel()
        labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]  # long labels on two lines
        from mkba.simulator.labels import input_label

        # largest on top, labelled for a reader (never the input path)
        assert labels[int(np.argmax(ax.get_yticks()))] == input_label(str(ow["parameter"].values[0]), "en")
        assert not any("." in lab and "_" in lab for lab in labels)
        assert "Saldo" in plot_tornado(ow).get_xlabel()
        plot_spider(spider(study.model, study.parameters))
        ds = analyse(ishigami, ISHIGAMI, method="sobol", target="y", n=64, seed=1)
        assert len(plot_indices(ds).patches) == 6
        with pytest.raises(ValueError, match="lang"):
            plot_tornado(ow, lang="de")

    def test_helper_process_draws_the_same_bytes(self, forward_path):
        # the command draws its charts in a forked helper while it computes: the files must be those
        # drawn here, in the order asked, SVG only on request
        from mkba.outputs.sensitivity_report import SensitivityCharts

        study = mkba.Study.from_toml(forward_path)
        ow, sp = oneway_study(study), spider(study.model, study.parameters)
        ds = analyse(study.model, study.parameters, method="sobol", n=64, seed=3)
        files = {}
        for processes, svg in ((2, False), (1, False), (1, True)):
            with SensitivityCharts(lang="en", svg=svg, processes=processes) as charts:
                charts.oneway(ow, sp)
                charts.indices(ds)
                files[processes, svg] = charts.files()
        assert list(files[2, False]) == ["tornado.png", "spider.png", "indices-sobol.png"]
        assert files[2, False] == files[1, False]
        assert all(b.startswith(b"\x89PNG") for b in files[2, False].values())
        assert list(files[1, True]) == ["tornado.png", "tornado.svg", "spider.png", "indices-sobol.png"]
        assert files[1, True]["tornado.png"] == files[1, False]["tornado.png"]
        assert b"<svg" in files[1, True]["tornado.svg"]
        # the command lets the helper compute the one-way values from the study it inherits: the same
        # charts and base case as computed here, in the same order, with or without the helper
        for processes in (2, 1):
            with SensitivityCharts(lang="en", processes=processes, study=study) as charts:
                charts.oneway_of("saldo")
                charts.indices(ds)
                assert charts.base_target() == ow.attrs["base_target"]
                assert charts.files() == files[2, False]

    def test_helper_only_where_it_helps(self, monkeypatch):
        # processes=None follows mkba run's rule: a helper when a core looks idle, forced or refused by
        # MKBA_CHART_WORKER; an explicit process count is obeyed (no process is started by these checks)
        from mkba.outputs import chart_worker
        from mkba.outputs.sensitivity_report import SensitivityCharts

        def has_helper(**kw):
            with SensitivityCharts(**kw) as charts:
                return charts._pool is not None

        monkeypatch.setattr("os.cpu_count", lambda: 2)
        for busy, env, expected in ((False, "", True), (True, "", False), (True, "1", True), (False, "0", False)):
            monkeypatch.setattr(chart_worker, "_no_idle_core", lambda cores, busy=busy: busy)
            monkeypatch.setenv("MKBA_CHART_WORKER", env)
            assert has_helper() is expected, (busy, env)
            assert has_helper(processes=1) is False
            assert has_helper(processes=2) is True

    def test_helper_error_reaches_the_caller(self, forward_path):
        from mkba.outputs.sensitivity_report import SensitivityCharts

        study = mkba.Study.from_toml(forward_path)
        with SensitivityCharts(processes=2) as charts:
            charts.indices(oneway_study(study).assign_attrs(method="sobol"))  # no value/index: not indices
            with pytest.raises(ValueError, match="not an indices Dataset"):
                charts.files()
        with SensitivityCharts(processes=2, study=study) as charts:
            charts.oneway_of("nope")  # the helper's one-way values fail: the caller hears it
            with pytest.raises(ValueError, match="unknown target 'nope'"):
                charts.base_target()


class TestCli:
    @pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads the process tree from /proc")
    def test_killed_command_leaves_no_chart_helper(self, tmp_path, forward_path):
        """SIGKILL of `mkba sensitivity` while its chart helper runs: the helper ends too (no orphan left
        waiting for work), and no final folder appears."""
        import os
        import signal
        import subprocess
        import sys
        import time

        root = Path(__file__).resolve().parents[1]
        cmd = [sys.executable, "-m", "mkba.cli", "sensitivity", str(forward_path), "--n", "65536", "--out",
               str(tmp_path)]
        # MKBA_CHART_WORKER=1: the helper also when the machine (e.g. this test suite) keeps both cores busy
        proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(root), "MKBA_CHART_WORKER": "1"},
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        children: list[int] = []
        deadline = time.monotonic() + 60
        while not children and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            try:
                children = [int(c) for f in Path(f"/proc/{proc.pid}/task").glob("*/children")
                            for c in f.read_text().split()]
            except OSError:
                pass
        assert children, "the command started no chart helper"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        try:
            while any(_state(c) not in ("", "Z") for c in children):
                assert time.monotonic() < deadline, "the chart helper outlived its killed command"
                time.sleep(0.1)
        finally:
            for c in children:  # never leave one behind, even when the assertion fails
                if _state(c) not in ("", "Z"):
                    os.kill(c, signal.SIGKILL)
        assert not [p for p in tmp_path.iterdir() if not p.name.startswith(".")]

    def test_json(self, tmp_path, capsys, forward_path):
        code = main(["sensitivity", str(forward_path), "--method", "sobol", "--n", "128", "--seed", "2",
                     "--out", str(tmp_path), "--json"])
        assert code == 0
        out = json.loads(capsys.readouterr().out)
        assert set(out) == {"method", "target", "n_evaluations", "indices", "ranking", "inputs_treated_as_independent"}
        assert out["inputs_treated_as_independent"] is True  # the forward look has rank correlations
        assert out["method"] == "sobol" and out["target"] == "saldo"
        study = mkba.Study.from_toml(forward_path)
        assert out["n_evaluations"] == 128 * (len(study.parameters.uncertain) + 2)
        assert set(out["ranking"]) == set(out["indices"]) == set(study.parameters.uncertain)
        st = [out["indices"][p]["ST"] for p in out["ranking"]]
        assert st == sorted(st, reverse=True)
        d = tmp_path / f"{study.name}.sensitivity-sobol"
        assert sorted(p.name for p in d.iterdir()) == ["indices-sobol.png", "sensitivity-sobol.csv",
                                                      "sensitivity-sobol.nc", "spider.png", "tornado.png"]
        assert all(p.stat().st_size > 0 for p in d.iterdir())
        assert sorted(p.name for p in tmp_path.iterdir()) == [d.name]  # no temporary or lock left
        # --svg adds the tornado as SVG; every other file is the same (same seed: same indices)
        assert main(["sensitivity", str(forward_path), "--method", "sobol", "--n", "128", "--seed", "2",
                     "--out", str(tmp_path), "--json", "--svg"]) == 0
        assert json.loads(capsys.readouterr().out) == out
        d2 = tmp_path / f"{study.name}.sensitivity-sobol-2"
        assert sorted(p.name for p in d2.iterdir()) == sorted([*(p.name for p in d.iterdir()), "tornado.svg"])
        for f in ("tornado.png", "spider.png", "indices-sobol.png", "sensitivity-sobol.csv"):
            assert (d / f).read_bytes() == (d2 / f).read_bytes(), f

    def test_oneway_table_and_groups(self, tmp_path, capsys, retro_path):
        assert main(["sensitivity", str(retro_path), "--method", "oneway", "--target", "bc_financial",
                     "--out", str(tmp_path)]) == 0
        text = capsys.readouterr().out
        assert "swing" in text and "switching value" in text
        assert main(["sensitivity", str(retro_path), "--method", "morris", "--n", "10", "--groups",
                     "--out", str(tmp_path), "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        study = mkba.Study.from_toml(retro_path)
        assert set(out["ranking"]) == {study.parameters[n].group for n in study.parameters.uncertain}

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--target", "nope"], "error: --target: unknown target 'nope'"),
            (["--n", "1000"], "n must be a power of 2"),
            (["--method", "fast", "--groups"], "error: --groups: fast has no grouped indices"),
            (["--method", "pawn", "--n", "50"], "too few"),
        ],
    )
    def test_bad_arguments_exit_2(self, tmp_path, capsys, args, message):
        import gc

        assert main(["sensitivity", *args, "--out", str(tmp_path)]) == 2
        assert gc.isenabled()  # only the program runs the command without the collector: a host keeps it
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert not any(tmp_path.iterdir())

    def test_unknown_method_is_a_usage_error(self, capsys):
        with pytest.raises(SystemExit) as exc:
            main(["sensitivity", "--method", "nope"])
        assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err

    def test_missing_study(self, tmp_path, capsys):
        assert main(["sensitivity", str(tmp_path / "none.toml"), "--out", str(tmp_path)]) == 2
        assert "none.toml" in capsys.readouterr().err
