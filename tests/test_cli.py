"""The command line: run/validate, JSON output, exit codes, and bad studies (issue 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr

from mkba.cli import main

GOOD_PREFIX = """
[study]
name = "bad"
[reach]
n_households = 100
share_type = { families = 0.5, elderly = 0.25, other = 0.25 }
[reach.share_severity]
families = { ev = 0.4, mv_zr = 0.3, mv_nzr = 0.3, top = 0.0 }
elderly = { ev = 0.4, mv_zr = 0.3, mv_nzr = 0.3, top = 0.0 }
other = { ev = 0.4, mv_zr = 0.3, mv_nzr = 0.3, top = 0.0 }
[costs]
team_fte = 2
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "studies" / "x.toml"
    p.parent.mkdir(exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


class TestRun:
    def test_json_structure(self, tmp_path, capsys, forward_path):
        code = main(["run", str(forward_path), "--draws", "2000", "--seed", "4", "--out", str(tmp_path), "--json",
                     "--no-report"])
        assert code == 0
        out = capsys.readouterr().out
        result = json.loads(out)  # exactly one JSON object on stdout
        assert result["study"] == "steenwijkerland-doorkijk" and result["draws"] == 2000 and result["seed"] == 4
        for key in ("new_for_old", "escalation", "costs", "benefits", "saldo", "bc_social", "bc_financial",
                    "bc_municipal"):
            assert key in result["base"]
            assert set(result["summary"][key]) == {"mean", "p5", "p50", "p95"}
        assert set(result["probabilities"]) == {"bc_social_gt_1", "bc_financial_gt_1", "bc_municipal_gt_1",
                                                "saldo_gt_0"}
        s = result["summary"]["saldo"]
        assert s["p5"] <= s["p50"] <= s["p95"]
        # files and the Dataset agree with the printed summary
        ds = xr.open_dataset(tmp_path / "steenwijkerland-doorkijk" / "results.nc")
        assert ds.attrs["seed"] == 4 and ds.sizes["draw"] == 2000
        assert abs(float(ds["saldo"].mean()) - s["mean"]) < 1e-6 * abs(s["mean"])
        assert (tmp_path / "steenwijkerland-doorkijk" / "summary.csv").read_text().startswith("name,kind,base")
        assert result["base"]["saldo"] == pytest.approx(312_300, abs=5_000)

    def test_default_study_from_any_folder(self, tmp_path, capsys, monkeypatch):
        monkeypatch.chdir(tmp_path)
        assert main(["run", "--draws", "500"]) == 0
        out = capsys.readouterr().out
        # the console speaks the study's language: the study's title and the labels, no internal names
        assert "MKBA De Kop, Steenwijkerland — doorkijk" in out and "B/K maatschappelijk" in out
        assert "bc_social" not in out and "null_situation" not in out
        assert (tmp_path / "outputs" / "steenwijkerland-doorkijk" / "results.nc").exists()

    def test_scenario(self, tmp_path, capsys, forward_path):
        assert main(["run", str(forward_path), "--scenario", "geen-escalatie", "--draws", "300", "--no-report", "--out",
                     str(tmp_path), "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["scenario"] == "geen-escalatie" and result["base"]["escalation"] == 0

    def test_entry_point_subprocess(self, tmp_path, forward_path):
        proc = subprocess.run([sys.executable, "-m", "mkba.cli", "validate", str(forward_path)],
                              capture_output=True, text=True, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert "ok" in proc.stdout


BAD = {
    "toml syntax": (GOOD_PREFIX + "oops = = 1\n", ["TOML syntax error"]),
    "unknown key": (GOOD_PREFIX + "team_ftee = 3\n", ["costs.team_ftee: unknown key"]),
    "min > max": (
        GOOD_PREFIX + '[effects.substitution]\nnew_cases = { dist = "pert", min = 0.1, mode = 0.3, max = 0.2 }\n',
        ["effects.substitution.new_cases: max (0.2) < mode (0.3)"],
    ),
    "shares": (
        GOOD_PREFIX.replace("other = 0.25 }", "other = 0.35 }"),
        ["reach.share_type: shares must sum to 1, they sum to 1.1"],
    ),
    "string for number": (GOOD_PREFIX + 'cost_per_fte = "80700"\n',
                          ["costs.cost_per_fte: expected a number or a distribution table"]),
    "nan": (GOOD_PREFIX + "one_off_costs = nan\n", ["costs.one_off_costs: value must be finite"]),
    "negative households": (GOOD_PREFIX.replace("n_households = 100", "n_households = -5"),
                            ["reach.n_households: must be >= 0"]),
    "several at once": (
        GOOD_PREFIX.replace("n_households = 100", "n_households = -5") + "team_ftee = 3\n",
        ["reach.n_households", "costs.team_ftee: unknown key"],
    ),
    "bad scenario": (
        GOOD_PREFIX + '[[scenarios]]\nname = "s"\n[scenarios.set]\n"effects.escalation.rate.families" = 2\n',
        ["scenarios[0].set (s): effects.escalation.rate.families: must be <= 1"],
    ),
}


class TestBadStudies:
    @pytest.mark.parametrize("case", list(BAD))
    def test_exit_2_located_messages_nothing_written(self, case, tmp_path, capsys):
        text, expected = BAD[case]
        path = write(tmp_path, text)
        out_dir = tmp_path / "out"
        for argv in (["validate", str(path)], ["run", str(path), "--draws", "100", "--out", str(out_dir)]):
            code = main(argv)
            captured = capsys.readouterr()
            assert code == 2
            errors = captured.err.strip().splitlines()
            assert "Traceback" not in captured.err
            assert len(errors) == len(expected), errors
            for msg in expected:
                assert any(str(path) in line and msg in line for line in errors), (msg, errors)
        assert not out_dir.exists()

    def test_missing_file(self, tmp_path, capsys):
        assert main(["validate", str(tmp_path / "nope.toml")]) == 2
        assert "cannot read the study file" in capsys.readouterr().err

    def test_bad_flag_value(self, capsys):
        with pytest.raises(SystemExit) as exc:
            main(["run", "--draws", "-3"])
        assert exc.value.code == 2

    def test_subprocess_has_no_traceback(self, tmp_path):
        path = write(tmp_path, GOOD_PREFIX + "team_ftee = 3\n")
        env = dict(os.environ)
        proc = subprocess.run([sys.executable, "-m", "mkba.cli", "run", str(path), "--out", str(tmp_path / "o")],
                              capture_output=True, text=True, env=env)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr and "costs.team_ftee" in proc.stderr


def test_unwritable_output_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["run", "--draws", "100", "--no-report", "--out", str(blocker)]) == 1
    err = capsys.readouterr().err
    assert "Not a directory" in err and "Traceback" not in err


def test_bundled_studies_are_valid():
    from mkba.simulator.study import Study, bundled_studies

    paths = bundled_studies()
    assert {p.name for p in paths} >= {"steenwijkerland-2018.toml", "steenwijkerland-doorkijk.toml"}
    for p in paths:
        Study.from_toml(p)


class TestConsole:
    def test_ratios_follow_the_report_rounding(self, tmp_path, capsys, forward_path):
        from mkba.outputs.formatting import format_ratio

        assert main(["run", str(forward_path), "--draws", "2000", "--out", str(tmp_path), "--no-report",
                     "--lang", "en"]) == 0
        out = capsys.readouterr().out
        ds = xr.open_dataset(tmp_path / "steenwijkerland-doorkijk" / "results.nc")
        labels = {"bc_social": "Social B/C", "bc_financial": "Financial B/C", "bc_municipal": "Municipal B/C"}
        for name in ("bc_social", "bc_financial", "bc_municipal"):
            row = next(line for line in out.splitlines() if line.startswith(labels[name] + " "))
            row = [labels[name], *row[len(labels[name]):].split()]
            p5, p95 = (float(ds[name].quantile(q)) for q in (0.05, 0.95))
            # base, mean, P5, P50, P95 exactly as the report's format_ratio writes them (nearest 0.05)
            assert row[1] == format_ratio(float(ds[f"base_{name}"]), lang="en")
            assert row[3] == format_ratio(p5, lang="en") and row[5] == format_ratio(p95, lang="en")
            assert all(round(float(v) / 0.05, 6).is_integer() for v in row[1:])
        # the unrounded base ratios are said once, next to the table: 1.122 is not hidden behind 1.10
        assert f"Financial B/C {float(ds['base_bc_financial']):.3f}" in out
        assert "nearest 0.05" in out

    def test_closed_pipe_ends_quietly_with_exit_0(self, tmp_path):
        # `mkba run | head -1`, made deterministic: the reader is gone before mkba writes anything
        r, w = os.pipe()
        os.close(r)
        env = {k: v for k, v in os.environ.items()}
        proc = subprocess.run([sys.executable, "-m", "mkba.cli", "run", "--draws", "500", "--no-report", "--out",
                               str(tmp_path)], stdout=w, stderr=subprocess.PIPE, text=True, env=env, timeout=120)
        os.close(w)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == ""  # no "error: Broken pipe", no "Exception ignored"

    def test_head_1_in_a_shell_pipeline(self, tmp_path):
        cmd = (f"set -o pipefail; {sys.executable} -m mkba.cli run --draws 500 --no-report --out {tmp_path} | head -1")
        proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and proc.stdout.startswith("MKBA De Kop, Steenwijkerland — doorkijk: 500 trekkingen"), proc.stderr
        assert proc.stderr == ""
