"""Batch studies on Dask (issue 5): batch files, identical numbers on a real LocalCluster, resume after
SIGKILL, a worker killed during a task, and the bundled batch's published what-ifs (model-spec §5.2)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from numpy.testing import assert_array_equal

from mkba import Study, simulate
from mkba.cli import main
from mkba.simulator.batch import PER_DRAW, Batch, case_view, read_task
from mkba.simulator.engine import BLOCK
from mkba.simulator.study import StudyError

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "studies" / "steenwijkerland-doorkijk-batch.toml"
DRAW_VARS = (*PER_DRAW, "line", "actor_costs", "actor_benefits", "npv")


def shown(x: float) -> float:
    return round(round(x / 0.05) * 0.05, 2)


def batch_file(tmp_path: Path, forward_path: Path, extra: str = "", head: str = "", grid: bool = True) -> Path:
    p = tmp_path / "b.toml"
    text = f"""
[batch]
name = "small"
seed = 11
{head}
[[studies]]
file = "{forward_path}"
scenarios = ["base"]

[[grids]]
name = "qaly"
[grids.vary]
"prices.qaly_value" = [20000]
{extra}
"""
    p.write_text(text if grid else text[: text.index("[[grids]]")], encoding="utf-8")
    return p


def reference(forward_path: Path, scenario: str, *, draws: int, seed: int, store: str = "full"):
    """The single-process run of one case, built from the study file (not from mkba's batch code)."""
    study = Study.from_toml(forward_path)
    if scenario.startswith("qaly-"):
        raw = dict(study.raw)
        raw["scenarios"] = [{"name": scenario, "set": {"prices.qaly_value": int(scenario[5:])}}]
        study = Study.from_dict(raw, source=study.source)
    # in a batch, a study draws from its own stream (its label), independent of the other studies
    return simulate(study.scenario(scenario), draws=draws, seed=seed, store=store, stream=study.name)


def load(path: Path) -> xr.Dataset:
    with xr.open_zarr(path, consolidated=True) as ds:
        return ds.load()


def assert_same_numbers(a: xr.Dataset, b: xr.Dataset) -> None:
    assert set(a.data_vars) == set(b.data_vars)
    for v in a.data_vars:
        if v in DRAW_VARS or v.startswith("base_"):
            assert_array_equal(a[v].values, b[v].values, err_msg=v)


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".tmp" in p.name or ".old-" in p.name]


@pytest.fixture(scope="module")
def client():
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        cluster = LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None)
    with cluster, Client(cluster, set_as_default=False) as c:
        yield c


# --- batch files ----------------------------------------------------------------------------------


class TestBatchFile:
    def test_bundled_batch_cases(self):
        b = Batch.from_toml(BUNDLED)
        assert b.study_names == ["steenwijkerland-doorkijk"]
        assert b.scenario_names == ["base", "geen-escalatie", "diverse-substitutie", "extra-trajecten",
                                    "qaly-20000", "qaly-50000", "qaly-100000"]
        assert (b.draws, b.seed) == (20_000, 20190225)
        qaly = [c for c in b.cases if c.scenario == "qaly-20000"][0].build()
        assert qaly.parameters["prices.qaly_value"].dist.is_fixed
        assert qaly.parameters["prices.qaly_value"].base == 20_000

    def test_grid_is_a_cartesian_product(self, tmp_path, forward_path):
        p = batch_file(tmp_path, forward_path, extra='"finance.risk_premium" = [0.0, 0.03]')
        b = Batch.from_toml(p)
        assert b.scenario_names == ["base", "qaly-20000-0", "qaly-20000-0.03"]
        case = [c for c in b.cases if c.scenario == "qaly-20000-0.03"][0]
        assert case.overrides == {"prices.qaly_value": 20000, "finance.risk_premium": 0.03}

    def test_every_problem_is_located(self, tmp_path, forward_path):
        p = tmp_path / "bad.toml"
        p.write_text(f"""
[batch]
name = "bad"
drawz = 10
[[studies]]
file = "{forward_path}"
scenarios = ["base", "nope"]
[[studies]]
file = "missing.toml"
[[grids]]
name = "g"
studies = ["other"]
[grids.vary]
"prices.qaly_valu" = [1]
"prices.qaly_value" = [-5]
""", encoding="utf-8")
        with pytest.raises(StudyError) as err:
            Batch.from_toml(p)
        msgs = [str(x) for x in err.value.problems]
        assert msgs == [f"{p}: batch.drawz: unknown key (not part of the batch schema; did you mean 'draws'?)"]
        p.write_text(p.read_text().replace("drawz = 10\n", ""), encoding="utf-8")
        with pytest.raises(StudyError) as err:
            Batch.from_toml(p)
        msgs = [str(x) for x in err.value.problems]
        assert f"{p}: studies[0].scenarios[1]: study 'steenwijkerland-doorkijk' has no scenario 'nope'; " \
               "available: base, geen-escalatie, diverse-substitutie, extra-trajecten" in msgs
        assert any(m.startswith(f"{p}: studies[1].file: no such study file: ") for m in msgs)
        p.write_text(p.read_text().replace('"nope"', '"geen-escalatie"').replace(
            'file = "missing.toml"\n', f'file = "{forward_path}"\nname = "tweede"\n'), encoding="utf-8")
        with pytest.raises(StudyError) as err:
            Batch.from_toml(p)
        msgs = [str(x) for x in err.value.problems]
        assert msgs == [f"{p}: grids[0].studies[0]: no study 'other' in this batch; available: "
                        "steenwijkerland-doorkijk, tweede"]
        p.write_text(p.read_text().replace('studies = ["other"]\n', ""), encoding="utf-8")
        with pytest.raises(StudyError) as err:
            Batch.from_toml(p)
        msgs = [str(x) for x in err.value.problems]
        assert len(msgs) == 4  # two bad paths × two studies, each located in the batch file
        for study in ("steenwijkerland-doorkijk", "tweede"):
            where = f"{p}: grids[0].vary ({study} × g-1--5)"
            assert f"{where}: prices.qaly_valu: unknown key (not part of the study schema; did you mean " \
                   "'qaly_value'?)" in msgs
            assert f"{where}: prices.qaly_value: must be >= 0; the smallest possible value is -5" in msgs

    def test_validate_accepts_batch_files(self, tmp_path, forward_path, capsys):
        assert main(["validate", str(BUNDLED)]) == 0
        assert "ok — batch 'steenwijkerland-doorkijk-batch', 1 studies, 7 cases" in capsys.readouterr().out
        p = batch_file(tmp_path, forward_path, extra='"prices.qaly_value.min" = [1]')
        assert main(["validate", str(p)]) == 2
        assert "grids[0].vary (steenwijkerland-doorkijk × qaly-20000-1): prices.qaly_value" in capsys.readouterr().err

    def test_cli_bad_batch_exit_2_and_nothing_written(self, tmp_path, forward_path, capsys):
        p = batch_file(tmp_path, forward_path, head="sampler = \"halton\"")
        out = tmp_path / "out"
        assert main(["batch", str(p), "--workers", "0", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {p}: batch.sampler: ")
        assert "Traceback" not in err
        assert not out.exists()

    def test_existing_run_needs_resume_and_resume_refuses_another_batch(self, tmp_path, forward_path, capsys):
        p = batch_file(tmp_path, forward_path)
        out = tmp_path / "out"
        args = ["batch", str(p), "--workers", "0", "--draws", "300", "--out", str(out), "--no-chart"]
        assert main(args) == 0
        manifest = (out / "small" / "manifest.json").read_text()
        capsys.readouterr()
        assert main(args) == 2
        assert "pass --resume" in capsys.readouterr().err
        assert main([*args, "--resume", "--seed", "12"]) == 2
        err = capsys.readouterr().err
        assert "--resume refused" in err and "seed: 11 before, 12 now" in err
        (p.parent / "b.toml").write_text(p.read_text().replace("[20000]", "[30000]"), encoding="utf-8")
        assert main([*args, "--resume"]) == 2
        assert "the batch file's content" in capsys.readouterr().err
        assert (out / "small" / "manifest.json").read_text() == manifest  # refused = untouched

    def test_netcdf_on_request_and_json(self, tmp_path, forward_path, capsys):
        p = batch_file(tmp_path, forward_path)
        assert main(["batch", str(p), "--workers", "0", "--draws", "300", "--out", str(tmp_path / "o"),
                     "--format", "netcdf", "--json", "--no-chart"]) == 0
        res = json.loads(capsys.readouterr().out)
        assert res["tasks"] == {"total": 2, "computed": 2, "reused": 0}
        with xr.open_dataset(res["outputs"]["results"], engine="h5netcdf") as ds:
            ref = reference(Path(p.read_text().split('file = "')[1].split('"')[0]), "qaly-20000", draws=300, seed=11)
            assert_array_equal(ds["saldo"].sel(scenario="qaly-20000").values[0], ref["saldo"].values)
            assert ds["saldo"].dims == ("study", "scenario", "draw")
            # a batch's default store is lean at any size: the npv cube per draw only with --store full
            assert ds.attrs["store"] == "lean" and "npv" not in ds and "actor_costs" in ds


# --- identical numbers on a real LocalCluster -----------------------------------------------------


@pytest.mark.slow
class TestCluster:
    def test_two_workers_equal_one_process(self, tmp_path, forward_path, client):
        # two seeded blocks (the task boundary is the block boundary); the one-process run is simulate
        p = batch_file(tmp_path, forward_path, grid=False)
        b = Batch.from_toml(p).with_options(draws=BLOCK + 1_000, store="full")  # the npv cube too
        from mkba.simulator.cluster import run_batch

        two = run_batch(b, tmp_path / "two", client=client)
        assert two.computed == 2
        a = load(two.results)
        assert a.attrs["store"] == "full"
        ref = reference(forward_path, "base", draws=BLOCK + 1_000, seed=11)
        case = a.sel(study="steenwijkerland-doorkijk", scenario="base")
        assert {"saldo", "bc_social", "line", "npv"} <= set(a.data_vars)
        for v in (v for v in DRAW_VARS if v in a):
            assert_array_equal(case[v].values, ref[v].values, err_msg=v)
        assert float(case["base_saldo"]) == float(ref["base_saldo"])

    def test_worker_killed_during_a_task(self, tmp_path, forward_path, client):
        from distributed.diagnostics.plugin import WorkerPlugin

        from mkba.simulator.cluster import run_batch

        class KillOnce(WorkerPlugin):
            """SIGKILL this worker's own process as a batch task starts executing (once per marker)."""

            name = "mkba-test-kill-once"

            def __init__(self, marker: str) -> None:
                self.marker = marker

            def transition(self, key, start, finish, **kwargs):
                if finish != "executing" or not str(key).startswith("mkba-task"):
                    return
                try:
                    fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                except FileExistsError:
                    return
                os.write(fd, f"{os.getpid()} {key}".encode())
                os.close(fd)
                os.kill(os.getpid(), signal.SIGKILL)

        marker = tmp_path / "killed"
        p = batch_file(tmp_path, forward_path)
        b = Batch.from_toml(p).with_options(draws=8_000, task_size=1_000)
        pids = set(client.run(os.getpid).values())
        client.register_plugin(KillOnce(str(marker)))
        try:
            res = run_batch(b, tmp_path / "out", client=client)
        finally:
            client.unregister_worker_plugin(KillOnce.name)
        killed_pid = int(marker.read_text().split()[0])
        assert killed_pid in pids
        assert res.computed == 16
        ref = run_batch(b, tmp_path / "ref", workers=0)
        a = load(res.results)
        assert_same_numbers(a, load(ref.results))
        # common random numbers: the QALY value is the only input that differs, so costs are equal
        assert_array_equal(a["costs"].values[0, 0], a["costs"].values[0, 1])
        assert not np.array_equal(a["saldo"].values[0, 0], a["saldo"].values[0, 1])
        client.wait_for_workers(2, timeout=60)  # the nanny restarted the killed worker
        assert killed_pid not in set(client.run(os.getpid).values())


# --- SIGKILL of the batch command, then --resume --------------------------------------------------


@pytest.mark.slow
def test_sigkill_then_resume(tmp_path, forward_path, capsys):
    p = batch_file(tmp_path, forward_path)
    out = tmp_path / "out"
    root = out / "small"
    cmd = [sys.executable, "-m", "mkba.cli", "batch", str(p), "--draws", "30000", "--task-size", "2500",
           "--store", "lean", "--out", str(out), "--no-chart", "--json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([*cmd, "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list((root / "tasks").glob("*.npz"))) >= 2 if (root / "tasks").is_dir() else False:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the batch finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker processes, as a job kill would
    finally:
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    for f in (root / "tasks").glob("*.npz"):
        read_task(f)  # every task file that exists is complete
    # done = recorded with its SHA-256 in the manifest or its journal (a file the kill left unrecorded is
    # recomputed, never trusted)
    from mkba.simulator.batch import Manifest

    recorded = {Path(e["file"]).name for e in Manifest.load(root / "manifest.json").data["tasks"].values()}
    before = {f.name: (f.stat().st_ino, f.stat().st_mtime_ns) for f in (root / "tasks").glob("*.npz")
              if f.name in recorded}
    assert 1 <= len(before) < 24
    assert not (root / "results.zarr").exists()

    # resume in this process (the task files do not depend on where they were computed)
    assert main([*cmd[3:], "--workers", "0", "--resume", "--keep-tasks"]) == 0  # keep: inspected below
    res = capsys.readouterr()
    summary = json.loads(res.out)
    assert summary["tasks"] == {"total": 24, "computed": 24 - len(before), "reused": len(before)}
    assert f"{len(before)} of 24 tasks already done, computing {24 - len(before)}" in res.err
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["complete"] is True and len(manifest["runs"]) == 2
    computed_now = {Path(t["file"]).name for t in manifest["tasks"].values() if t["run"] == 2}
    assert computed_now == {f.name for f in (root / "tasks").glob("*.npz")} - set(before)
    for name, stamp in before.items():  # finished work was not redone
        f = root / "tasks" / name
        assert (f.stat().st_ino, f.stat().st_mtime_ns) == stamp
    assert leftovers(out) == []

    ds = load(root / "results.zarr")  # equals the uninterrupted single-process runs
    assert ds.attrs["store"] == "lean" and "npv" not in ds
    for scenario in ("base", "qaly-20000"):
        ref = reference(forward_path, scenario, draws=30_000, seed=11, store="lean")
        case = ds.sel(study="steenwijkerland-doorkijk", scenario=scenario)
        for v in ("saldo", "costs", "benefits", "bc_social", "bc_financial", "bc_municipal", "line"):
            assert_array_equal(case[v].values, ref[v].values, err_msg=f"{scenario} {v}")


# --- the bundled batch ----------------------------------------------------------------------------


class TestBundledBatch:
    @pytest.fixture(scope="class")
    @classmethod
    def result(cls, tmp_path_factory):
        out = tmp_path_factory.mktemp("bundled")
        import contextlib
        import io

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(["batch", str(BUNDLED), "--workers", "0", "--draws", "400", "--out", str(out), "--json"]) == 0
        return json.loads(buf.getvalue())

    def test_published_whatifs_in_the_base_cases(self, result):
        # 002 §4.2 / model-spec §5.2; the same tolerances as tests/test_model.py
        with xr.open_zarr(result["outputs"]["results"]) as ds:
            base = ds.sel(study="steenwijkerland-doorkijk")
            saldo = base["base_saldo"].to_series()
            assert abs((saldo["geen-escalatie"] - saldo["base"]) - (-84_600)) <= 0.02 * 84_600
            assert abs((saldo["extra-trajecten"] - saldo["base"]) - (-65_000)) <= 0.10 * 65_000
            assert shown(float(base["base_bc_social"].sel(scenario="diverse-substitutie"))) == 1.30
            assert saldo["qaly-50000"] == saldo["base"]  # the QALY value's base is 50,000
            assert saldo["qaly-20000"] < saldo["base"] < saldo["qaly-100000"]
        cases = {c["scenario"]: c for c in result["cases"]}
        assert abs(cases["geen-escalatie"]["delta_saldo"]["base"] + 84_600) <= 0.02 * 84_600

    def test_summary_json_csv_and_chart(self, result):
        assert result["tasks"] == {"total": 7, "computed": 7, "reused": 0}
        assert len(result["cases"]) == 7
        c = result["cases"][0]
        assert set(c) >= {"study", "scenario", "title", "base", "summary", "probabilities", "delta_saldo"}
        s = c["summary"]["saldo"]
        assert s["p5"] <= s["p50"] <= s["p95"]
        assert set(c["probabilities"]) == {"bc_social_gt_1", "bc_financial_gt_1", "bc_municipal_gt_1", "saldo_gt_0"}
        csv_lines = Path(result["outputs"]["summary"]).read_text().splitlines()
        assert len(csv_lines) == 8 and csv_lines[0].startswith("study,scenario,title,base_costs")
        for chart in result["outputs"]["charts"]:
            assert Path(chart).stat().st_size > 5_000
        assert {Path(c).suffix for c in result["outputs"]["charts"]} == {".png", ".svg"}


# --- own lines and plans in a batch (issue 9) ----------------------------------------------------

STUDIES = ROOT / "mkba" / "studies"
OWN = "samenwerkingsrendement"  # woerden-2013's own line


def mixed_batch(tmp_path: Path, extra: str = "") -> Path:
    p = tmp_path / "mixed.toml"
    p.write_text(f"""
[batch]
name = "mixed"
seed = 17
draws = 2500
[[studies]]
file = "{STUDIES / 'woerden-2013.toml'}"
scenarios = ["base", "pilot"]
[[studies]]
file = "{STUDIES / 'steenwijkerland-doorkijk.toml'}"
scenarios = ["base"]
{extra}""", encoding="utf-8")
    return p


def plan_study_file(tmp_path: Path) -> Path:
    """The forward look as a three-year plan (ramp-up, an investment in the first year)."""
    text = (STUDIES / "steenwijkerland-doorkijk.toml").read_text(encoding="utf-8")
    text = text.replace('name = "steenwijkerland-doorkijk"', 'name = "doorkijk-plan"', 1)
    text += "\n[plan]\nyears = [2021, 2022, 2023]\nteam_fte = [2, 4, 4]\nramp_up = [0.5, 1, 1]\n" \
            "investments = [100000, 0, 0]\n"
    path = tmp_path / "doorkijk-plan.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run_json(argv: list[str]) -> dict:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(argv) == 0
    return json.loads(buf.getvalue())


def same_case(case: xr.Dataset, ref: xr.Dataset) -> None:
    """Every variable the single-study run has and the batch keeps, on the single run's items and years."""
    shared = [v for v in ref.data_vars if v in case.data_vars]
    assert {"line", "saldo", "base_npv", "actor_costs"} <= set(shared)
    for v in shared:
        got = case[v]
        for dim in ("item", "plan_year"):
            if dim in got.dims:
                got = got.sel({dim: ref[dim].values})
        assert got.dims == ref[v].dims, v
        assert_array_equal(got.values, ref[v].values, err_msg=v)


class TestOwnLinesInABatch:
    @pytest.fixture(scope="class")
    @classmethod
    def result(cls, tmp_path_factory):
        tmp = tmp_path_factory.mktemp("mixed")
        out = run_json(["batch", str(mixed_batch(tmp)), "--workers", "0", "--out", str(tmp / "out"), "--json",
                        "--no-chart", "--store", "full"])  # the npv cube and float64 lines, as simulate's full store
        return out, load(Path(out["outputs"]["results"]))

    def test_item_axis_is_the_union_with_titles_and_kinds(self, result):
        _, ds = result
        from mkba.simulator.domain import ITEMS

        assert ds["item"].values.tolist() == [*ITEMS, OWN]
        own = ds.sel(item=OWN)
        assert str(own["kind"].values) == "financial"
        assert str(own["item_title"].values) == "Samenwerkingsrendement complexe huishoudens"
        assert str(own["item_title_en"].values) == "Collaboration yield, complex households"
        assert json.loads(ds.attrs["line_titles"]) == {OWN: ["Samenwerkingsrendement complexe huishoudens",
                                                              "Collaboration yield, complex households"]}

    def test_each_case_equals_its_single_study_run(self, result):
        _, ds = result
        for path, scenario in (("woerden-2013", "base"), ("woerden-2013", "pilot"),
                               ("steenwijkerland-doorkijk", "base")):
            study = Study.from_toml(STUDIES / f"{path}.toml")
            ref = simulate(study.scenario(scenario), draws=2500, seed=17, store="full", stream=study.name)
            case = ds.sel(study=study.name, scenario=scenario)
            same_case(case, ref)
            view = case_view(ds, study.name, scenario)  # the case on its own lines, without selecting them
            assert view["item"].values.tolist() == ref["item"].values.tolist()
            assert_array_equal(view["line"].values, ref["line"].values)
            if path == "woerden-2013":  # the own line, draw by draw, and it varies
                assert_array_equal(case["line"].sel(item=OWN).values, ref["line"].sel(item=OWN).values)
                assert np.std(ref["line"].sel(item=OWN).values) > 0

    def test_a_study_without_the_line_is_nan_there(self, result):
        _, ds = result
        other = ds.sel(study="steenwijkerland-doorkijk", scenario="base")
        for v in ("line", "npv", "base_npv", "base_cashflow"):
            assert np.isnan(other[v].sel(item=OWN).values).all(), v
            assert np.isfinite(other[v].drop_sel(item=OWN).values).all(), v
        # totals reconcile with NaN-skipping sums: saldo = Σ benefit lines − Σ cost lines, per draw
        signed = xr.where(other["kind"] == "cost", -other["line"], other["line"]).sum("item")
        np.testing.assert_allclose(signed.values, other["saldo"].values, rtol=1e-12, atol=1e-3)

    def test_summary_shows_the_own_line_where_the_study_has_it(self, result):
        out, ds = result
        rows = {(r["study"], r["scenario"]): r for r in out["cases"]}
        assert "lines" not in rows[("steenwijkerland-doorkijk", "base")]
        line = rows[("woerden-2013", "base")]["lines"][OWN]
        # the letter's base case: 300 households × € 70,000 × 25 % × all reached, in the year of approach
        assert line["base"] == pytest.approx(300 * 70_000 * 0.25 * 1.0, rel=1e-12)
        draws = ds["line"].sel(study="woerden-2013", scenario="base", item=OWN).values
        assert [line["p5"], line["p50"], line["p95"]] == np.quantile(draws, [0.05, 0.5, 0.95]).tolist()
        assert line["title"] == "Samenwerkingsrendement complexe huishoudens" and line["kind"] == "financial"
        import csv

        with open(out["outputs"]["summary"], encoding="utf-8") as f:
            csv_rows = {(r["study"], r["scenario"]): r for r in csv.DictReader(f)}
        assert float(csv_rows[("woerden-2013", "base")][f"line_{OWN}_p50"]) == pytest.approx(line["p50"], rel=1e-9)
        assert csv_rows[("steenwijkerland-doorkijk", "base")][f"line_{OWN}_p50"] == ""

    def test_console_names_the_line_by_its_title(self, result, tmp_path, capsys):
        assert main(["batch", str(mixed_batch(tmp_path)), "--workers", "0", "--out", str(tmp_path / "o"),
                     "--no-chart", "--draws", "300"]) == 0
        text = capsys.readouterr().out
        woerden = text[text.index("Studie: Inverdieneffecten sociaal makelpunt Woerden"):
                       text.index("Studie: MKBA De Kop, Steenwijkerland")]
        assert woerden.count("Samenwerkingsrendement complexe") == 2  # base and pilot
        assert OWN not in text and "Samenwerkingsrendement" not in text[text.index("Studie: MKBA De Kop"):]


def test_one_line_name_with_two_meanings_is_refused(tmp_path, capsys):
    text = (STUDIES / "woerden-2013.toml").read_text(encoding="utf-8")
    text = text.replace('name = "woerden-2013"', 'name = "woerden-b"', 1).replace(
        'kind = "financial"', 'kind = "immaterial"', 1)
    (tmp_path / "woerden-b.toml").write_text(text, encoding="utf-8")
    batch = mixed_batch(tmp_path, f'[[studies]]\nfile = "{tmp_path / "woerden-b.toml"}"\n')
    assert main(["batch", str(batch), "--workers", "0", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{batch}: studies[2]: " in err and f"own line '{OWN}'" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("store", ["full", "lean"])
def test_a_plan_in_a_batch_keeps_its_years(tmp_path, store):
    plan = plan_study_file(tmp_path)
    batch = mixed_batch(tmp_path, f'[[studies]]\nfile = "{plan}"\n')
    out = run_json(["batch", str(batch), "--workers", "0", "--out", str(tmp_path / "out"), "--json", "--no-chart",
                    "--store", store, "--draws", "1500"])
    ds = load(Path(out["outputs"]["results"]))
    study = Study.from_toml(plan)
    ref = simulate(study, draws=1500, seed=17, store=store, stream=study.name)
    assert ds["plan_year"].values.tolist() == ref["plan_year"].values.tolist()  # the only plan of the batch
    assert "investment" in ds["item"].values and OWN in ds["item"].values
    same_case(ds.sel(study="doorkijk-plan", scenario="base"), ref)
    view = case_view(ds, "doorkijk-plan", "base")
    assert view["item"].values.tolist() == ref["item"].values.tolist()
    assert_array_equal(view["plan_municipal"].values, ref["plan_municipal"].values)
    assert "plan_year" not in case_view(ds, "woerden-2013", "base").dims
    assert ("plan_costs" in ds) == (store == "full")
    no_plan = ds.sel(study="woerden-2013", scenario="base")
    assert np.isnan(no_plan["plan_municipal"].values).all() and np.isnan(no_plan["base_plan_municipal"].values).all()
    rows = {(r["study"], r["scenario"]): r for r in out["cases"]}
    assert "plan" not in rows[("woerden-2013", "base")]
    from mkba.outputs.summary import summarise

    got, want = rows[("doorkijk-plan", "base")]["plan"], summarise(ref)["plan"]
    assert got["years"] == want["years"]
    for k in ("base", "mean", "p5", "p50", "p95"):
        np.testing.assert_allclose(got["municipal"][k], want["municipal"][k], rtol=1e-6, atol=1e-3, err_msg=k)
    assert rows[("doorkijk-plan", "base")]["lines"]["investment"]["base"] == pytest.approx(100_000)
