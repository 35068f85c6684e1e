"""All-or-nothing output folders, never overwriting silently, checksums, sizes (issue 11 items 2, 4, 5;
issue 15 item 6)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

from mkba.cli import main
from mkba.outputs.folder import FolderBusy, output_folder, staged_files

NAME = "steenwijkerland-doorkijk"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["run", "--draws", "500", "--no-report", *args])
    out, err = capsys.readouterr()
    return code, out, err


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


class TestNeverOverwrite:
    def test_second_run_gets_a_numbered_folder(self, tmp_path, capsys):
        assert run(capsys, "--out", str(tmp_path), "--seed", "11")[0] == 0
        first = (tmp_path / NAME / "results.nc").read_bytes()
        code, out, _ = run(capsys, "--out", str(tmp_path), "--seed", "22", "--json")
        assert code == 0
        assert json.loads(out)["outputs"]["dir"] == str(tmp_path / f"{NAME}-2")
        assert (tmp_path / NAME / "results.nc").read_bytes() == first  # the first run is intact
        with xr.open_dataset(tmp_path / f"{NAME}-2" / "results.nc", engine="h5netcdf") as ds:
            assert ds.attrs["seed"] == 22 and len(ds.attrs["run_id"]) > 10
        assert listing(tmp_path) == [NAME, f"{NAME}-2"]  # no lock or temporary left

    def test_overwrite_replaces_whole(self, tmp_path, capsys):
        assert run(capsys, "--out", str(tmp_path), "--seed", "11")[0] == 0
        (tmp_path / NAME / "stray.txt").write_text("from before")
        assert run(capsys, "--out", str(tmp_path), "--seed", "22", "--overwrite")[0] == 0
        assert listing(tmp_path) == [NAME]
        assert listing(tmp_path / NAME) == ["results.nc", "summary.csv"]  # the old folder's files are gone
        with xr.open_dataset(tmp_path / NAME / "results.nc", engine="h5netcdf") as ds:
            assert ds.attrs["seed"] == 22


class TestAllOrNothing:
    def test_failure_leaves_nothing(self, tmp_path, capsys, monkeypatch):
        import mkba.outputs.summary as summary

        def boom(*a, **k):
            raise OSError(28, "No space left on device", "summary.csv")

        monkeypatch.setattr(summary, "to_csv_text", boom)
        code, _, err = run(capsys, "--out", str(tmp_path))
        assert code == 1 and err.strip() == "error: summary.csv: No space left on device"
        assert listing(tmp_path) == []

    def test_failure_keeps_the_earlier_run(self, tmp_path, capsys, monkeypatch):
        assert run(capsys, "--out", str(tmp_path))[0] == 0
        before = {p.name: p.read_bytes() for p in (tmp_path / NAME).iterdir()}
        import mkba.outputs.summary as summary

        monkeypatch.setattr(summary, "to_csv_text", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
        assert run(capsys, "--out", str(tmp_path), "--overwrite")[0] == 130
        assert {p.name: p.read_bytes() for p in (tmp_path / NAME).iterdir()} == before
        assert listing(tmp_path) == [NAME]

    def test_concurrent_run_is_refused(self, tmp_path, capsys):
        with output_folder(tmp_path, NAME) as stage:
            code, _, err = run(capsys, "--out", str(tmp_path))
            assert code == 2 and f"process {os.getpid()} is writing this output folder" in err
            (stage.path / "x").write_text("mine")
        assert listing(tmp_path) == [NAME] and listing(tmp_path / NAME) == ["x"]

    def test_lock_is_refused_in_the_library_too(self, tmp_path):
        with output_folder(tmp_path, "a"), pytest.raises(FolderBusy), output_folder(tmp_path, "a"):
            pass
        with output_folder(tmp_path, "a"), output_folder(tmp_path, "b"):  # other names are independent
            pass

    def test_stale_temporaries_are_removed(self, tmp_path, capsys):
        stale = tmp_path / f".{NAME}.tmp-killed"
        stale.mkdir()
        (stale / "results.nc").write_bytes(b"half")
        assert run(capsys, "--out", str(tmp_path))[0] == 0
        assert listing(tmp_path) == [NAME]

    def test_interrupted_swap_is_undone(self, tmp_path, capsys):
        # killed between moving the old folder aside and renaming the new one in: put the old one back
        old = tmp_path / f".{NAME}.old-12345"
        old.mkdir()
        (old / "results.nc").write_bytes(b"previous")
        with output_folder(tmp_path, NAME) as stage:
            assert stage.final == tmp_path / f"{NAME}-2"
        assert (tmp_path / NAME / "results.nc").read_bytes() == b"previous"

    def test_staged_report_files(self, tmp_path):
        (tmp_path / "report.md").write_text("old")
        with pytest.raises(RuntimeError), staged_files(tmp_path) as tmp:
            (tmp / "report.md").write_text("new")
            raise RuntimeError("charts failed")
        assert (tmp_path / "report.md").read_text() == "old" and listing(tmp_path) == ["report.md"]
        with staged_files(tmp_path) as tmp:
            (tmp / "report.md").write_text("new")
            (tmp / "charts").mkdir()
        assert (tmp_path / "report.md").read_text() == "new" and listing(tmp_path) == ["charts", "report.md"]


class TestChecksum:
    def test_changed_data_are_refused_by_report(self, tmp_path, capsys):
        assert run(capsys, "--out", str(tmp_path))[0] == 0
        nc = tmp_path / NAME / "results.nc"
        assert main(["report", str(nc)]) == 0
        capsys.readouterr()
        with h5py.File(nc, "r+") as f:
            f["saldo"][3] = f["saldo"][3] + 1e6
        before = listing(tmp_path / NAME)
        assert main(["report", str(nc)]) == 2
        err = capsys.readouterr().err
        assert "the data do not match the checksum" in err and "Traceback" not in err
        assert listing(tmp_path / NAME) == before

    def test_flipped_bytes(self, tmp_path, capsys):
        assert run(capsys, "--out", str(tmp_path))[0] == 0
        nc = tmp_path / NAME / "results.nc"
        with h5py.File(nc, "r") as f:  # the data of `costs` (streamed files store it in chunks)
            dset = f["costs"].id
            offset = dset.get_offset() if dset.get_offset() is not None else dset.get_chunk_info(0).byte_offset
        data = bytearray(nc.read_bytes())
        data[offset + 100 : offset + 164] = bytes(64)
        nc.write_bytes(bytes(data))
        assert main(["report", str(nc)]) == 2
        assert "checksum" in capsys.readouterr().err


class TestSizes:
    @pytest.mark.parametrize("draws", ["1_000_000_000_000", str(2**62)])
    def test_too_many_draws_refused_up_front(self, tmp_path, capsys, draws):
        # with the report, the per-draw series pass through memory: refused on memory
        code = main(["run", "--draws", draws, "--out", str(tmp_path)])
        err = capsys.readouterr().err
        assert code == 2 and "of memory; this machine has" in err and "draws need ≈" in err
        assert not tmp_path.exists() or listing(tmp_path) == []
        # streamed to disk without the report, only the disk counts
        code, _, err = run(capsys, "--out", str(tmp_path), "--draws", draws)
        assert code == 2 and "on disk;" in err and "of memory" not in err
        assert not tmp_path.exists() or listing(tmp_path) == []

    def test_disk_too_small_refused(self, tmp_path, capsys, monkeypatch):
        import mkba.simulator.sizes as sizes

        monkeypatch.setattr(sizes, "free_disk", lambda folder: 1000)
        code, _, err = run(capsys, "--out", str(tmp_path))
        assert code == 2 and "on disk;" in err and "has 1.0 kB free" in err

    def test_per_draw_bytes_match_the_store(self):
        from mkba.simulator.results import simulate
        from mkba.simulator.sizes import per_draw_bytes
        from mkba.simulator.study import Study, default_study_path

        s = Study.from_toml(default_study_path())
        for mode in ("full", "lean"):
            a, b = (simulate(s, draws=n, store=mode).nbytes for n in (1000, 2000))
            assert per_draw_bytes(s, mode) == pytest.approx((b - a) / 1000, rel=0.02)

    def test_seed_beyond_int64(self, capsys):
        with pytest.raises(SystemExit) as exc:
            main(["run", "--seed", str(2**64), "--no-report"])
        assert exc.value.code == 2
        assert "must be < 9,223,372,036,854,775,808" in capsys.readouterr().err


def test_checksum_covers_every_variable():
    from mkba.simulator.results import data_checksum

    ds = xr.Dataset({"a": ("d", np.arange(4.0)), "b": ("d", np.ones(4, dtype=np.float32))},
                    coords={"n": ("d", list("wxyz"))})
    ref = data_checksum(ds)
    for change in (lambda d: d.assign(a=d.a + 1e-9), lambda d: d.assign(b=d.b.astype(np.float64)),
                   lambda d: d.assign_coords(n=("d", list("wxyq"))), lambda d: d.drop_vars("b")):
        assert data_checksum(change(ds)) != ref
    assert data_checksum(ds.assign_attrs(title="other")) == ref  # attrs are provenance, not data


class TestSensitivityNames:
    """Grouped and ungrouped results have distinct names, nothing is overwritten silently, and the
    report cites the exact file it used with its run id (issue 15 item 6)."""

    def sens(self, capsys, out: Path, *extra: str) -> dict:
        assert main(["sensitivity", "--method", "morris", "--n", "4", "--out", str(out), *extra]) == 0
        capsys.readouterr()
        return {}

    def test_distinct_names_and_report_link(self, tmp_path, capsys):
        self.sens(capsys, tmp_path)
        self.sens(capsys, tmp_path, "--groups")
        self.sens(capsys, tmp_path, "--groups")  # the same again: a numbered folder, the first kept
        self.sens(capsys, tmp_path, "--target", "actor:jeugd")
        names = listing(tmp_path)
        assert names == [f"{NAME}.sensitivity-morris", f"{NAME}.sensitivity-morris-actor-jeugd",
                         f"{NAME}.sensitivity-morris-grouped", f"{NAME}.sensitivity-morris-grouped-2"]
        grouped = tmp_path / f"{NAME}.sensitivity-morris-grouped" / "sensitivity-morris-grouped.nc"
        newest = tmp_path / f"{NAME}.sensitivity-morris-grouped-2" / "sensitivity-morris-grouped.nc"
        with xr.open_dataset(grouped, engine="h5netcdf") as a, xr.open_dataset(newest, engine="h5netcdf") as b:
            assert a.attrs["groups"] == 1 and a.attrs["run_id"] < b.attrs["run_id"]
            run_id = b.attrs["run_id"]
        assert main(["run", "--draws", "300", "--out", str(tmp_path)]) == 0
        capsys.readouterr()
        md = (tmp_path / NAME / "report.md").read_text(encoding="utf-8")
        assert f"{NAME}.sensitivity-morris-grouped-2/sensitivity-morris-grouped.nc, run {run_id}" in md
        assert f"{NAME}.sensitivity-morris/sensitivity-morris.nc, run " in md
        assert "sensitivity-morris-grouped/sensitivity-morris-grouped.nc" not in md  # the older one is not used
