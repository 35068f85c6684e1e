"""`mkba report` finds the study of saved results from any folder, and says clearly when it cannot (issue 15)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import xarray as xr

from mkba.outputs.report import locate_study
from mkba.simulator.study import Study
from cli_run import run_cli

DRAWS = 1000


_run = run_cli


@pytest.fixture(scope="module")
def saved(tmp_path_factory, forward_path) -> Path:
    """A run made from a relative study path in its own folder: work/studies/x.toml → work/out/x/results.nc."""
    work = tmp_path_factory.mktemp("work")
    (work / "studies").mkdir()
    shutil.copy(forward_path, work / "studies" / "forward.toml")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        code, _, err = _run(["run", "studies/forward.toml", "--draws", str(DRAWS), "--out", "out", "--no-report"])
    assert code == 0, err
    return work


def _results(work: Path) -> Path:
    return work / "out" / "steenwijkerland-doorkijk" / "results.nc"


def test_results_record_the_absolute_study_path_and_hash(saved):
    with xr.open_dataset(_results(saved), engine="h5netcdf") as ds:
        attrs = dict(ds.attrs)
    path = Path(attrs["study_file"])
    assert path.is_absolute() and path == (saved / "studies" / "forward.toml").resolve()
    assert attrs["study_hash"] == Study.from_toml(path).content_hash


def test_report_from_another_folder_has_tornado_and_scenarios(saved, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, _, err = _run(["report", str(_results(saved)), "--out", "rep"])
    assert code == 0 and err == "", err
    md = (elsewhere / "rep" / "report.md").read_text(encoding="utf-8")
    assert "charts/tornado.png" in md and (elsewhere / "rep" / "charts" / "tornado.png").is_file()
    assert "## Wat-als-scenario's" in md and "Geen voorkomen escalatie" in md
    assert "niet gevonden" not in md and "gewijzigd" not in md
    assert str(saved) not in md  # the analyst's folders stay out of the council document


def test_changed_study_file_is_said_clearly(saved, tmp_path, forward_path):
    work = tmp_path / "w"
    shutil.copytree(saved, work)
    ds = xr.open_dataset(_results(saved), engine="h5netcdf").load()
    study = work / "studies" / "forward.toml"
    ds.attrs["study_file"] = str(study)
    nc = tmp_path / "results.nc"
    ds.to_netcdf(nc, engine="h5netcdf")
    text = study.read_text(encoding="utf-8")
    assert 'title = "MKBA De Kop' in text
    study.write_text(text.replace('title = "MKBA De Kop', 'title = "Edited MKBA De Kop', 1), encoding="utf-8")
    lookup = locate_study(ds)
    assert lookup.study is None and lookup.status == "changed" and lookup.path == str(study.resolve())
    code, _, err = _run(["report", str(nc), "--out", str(tmp_path / "rep")])
    assert code == 0
    assert f"note: the study file {study.resolve()} has changed since the run" in err
    md = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    assert "Het studiebestand forward.toml is gewijzigd sinds de berekening" in md
    assert "charts/tornado.png" not in md and "Geen voorkomen escalatie" not in md
    # the original file, given explicitly, brings the tornado and the scenarios back
    code, _, err = _run(["report", str(nc), "--out", str(tmp_path / "rep2"), "--study", str(forward_path)])
    assert code == 0 and err == "", err
    assert "charts/tornado.png" in (tmp_path / "rep2" / "report.md").read_text(encoding="utf-8")


def test_missing_study_file_is_said_clearly(saved, tmp_path):
    ds = xr.open_dataset(_results(saved), engine="h5netcdf").load()
    ds.attrs["study_file"] = str(tmp_path / "gone" / "forward.toml")
    nc = tmp_path / "results.nc"
    ds.to_netcdf(nc, engine="h5netcdf")
    code, _, err = _run(["report", str(nc), "--lang", "en"])
    assert code == 0 and "was not found" in err
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "The study file forward.toml was not found; this report was made from the results alone" in md
    assert str(tmp_path) not in md


def test_relative_path_of_older_results_and_bundled_fallback(saved, tmp_path, forward_path):
    ds = xr.open_dataset(_results(saved), engine="h5netcdf").load()
    # older versions recorded the path as typed: found from the folders above the results file
    ds.attrs["study_file"] = "studies/forward.toml"
    lookup = locate_study(ds, results_file=_results(saved))
    assert lookup.status == "found" and lookup.path == str((saved / "studies" / "forward.toml").resolve())
    # made on another machine from the bundled study: the installed copy with the same hash is used
    ds.attrs["study_file"] = "/elsewhere/site-packages/mkba/studies/" + forward_path.name
    assert locate_study(ds).status == "found"


def test_study_flag_must_name_a_file(saved, tmp_path):
    code, _, err = _run(["report", str(_results(saved)), "--out", str(tmp_path), "--study", str(tmp_path / "no.toml")])
    assert code == 2 and "--study: no such file" in err
