"""`mkba report` on a batch result (Zarr or NetCDF): one report with every case (issue 15)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import mkba
from mkba.outputs.formatting import format_money, format_money_range, format_ratio, format_thousands_range
from cli_run import run_cli

DRAWS = 1500


_run = run_cli


@pytest.fixture(scope="module")
def batches(tmp_path_factory, forward_path) -> dict[str, Path]:
    """The bundled batch (forward look × 7 what-ifs) in this process, once as Zarr and once as NetCDF."""
    root = tmp_path_factory.mktemp("batches")
    batch = forward_path.parent / "steenwijkerland-doorkijk-batch.toml"
    out = {}
    for fmt in ("zarr", "netcdf"):
        code, _, err = _run(["batch", str(batch), "--workers", "0", "--draws", str(DRAWS), "--out",
                             str(root / fmt), "--format", fmt, "--no-chart"])
        assert code == 0, err
        name = "results.zarr" if fmt == "zarr" else "results.nc"
        out[fmt] = root / fmt / "steenwijkerland-doorkijk-batch" / name
        assert out[fmt].exists()
    return out


@pytest.fixture(scope="module")
def zarr_report(batches, tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("rep")
    with pytest.MonkeyPatch.context() as mp:  # from an unrelated folder, the result named by its path
        mp.chdir(folder)
        code, stdout, err = _run(["report", str(batches["zarr"]), "--out", "rep"])
    assert code == 0, err
    assert "report.html" in stdout
    return folder / "rep", (folder / "rep" / "report.md").read_text(encoding="utf-8")


def _sections(md: str) -> list[str]:
    return re.findall(r"^## (.+)$", md, re.M)


def test_one_section_per_case_plus_comparison_and_budget(zarr_report, batches):
    folder, md = zarr_report
    ds = xr.open_zarr(batches["zarr"])
    cases = int(ds["present"].values.sum())
    assert cases == 7
    heads = _sections(md)
    assert heads[0] == "Scenariovergelijking" and heads[1] == "Wie betaalt, wie wint: de gemeente per geval"
    assert heads[-1] == "Methode en herkomst"
    case_heads = heads[2:-1]
    assert len(case_heads) == cases and case_heads[0] == "Basis"
    assert "Geen voorkomen escalatie (1 % → 0 %)" in case_heads
    # input paths of grid titles are said in words, never as prices.qaly_value
    assert "prices.qaly_value" not in md and "Waarde van een QALY = 20.000" in md
    # every case has its own costs-and-benefits and budget tables (one level down)
    assert md.count("### Kosten en baten") == cases and md.count("### Wie betaalt, wie wint") == cases
    for name in ("report.md", "report.html", "report.docx", "charts/scenarios.png"):
        assert (folder / name).stat().st_size > 0, name
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and 'src="charts/' not in html  # self-contained


def test_numbers_are_the_cases_own(zarr_report, batches):
    _, md = zarr_report
    ds = xr.open_zarr(batches["zarr"])
    study = "steenwijkerland-doorkijk"
    for scenario in ("geen-escalatie", "extra-trajecten"):
        saldo = ds["saldo"].sel(study=study, scenario=scenario).values
        delta = saldo - ds["saldo"].sel(study=study, scenario="base").values
        p5, p50, p95 = np.quantile(saldo, [0.05, 0.5, 0.95])
        d5, d50, d95 = np.quantile(delta, [0.05, 0.5, 0.95])
        base = float(ds["base_saldo"].sel(study=study, scenario=scenario))
        title = str(ds["case_title"].sel(study=study, scenario=scenario).values)
        row = next(line for line in md.splitlines() if line.startswith(f"| {title} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1:4] == [format_money(base), format_money(p50), format_money_range(p5, p95)]
        assert cells[6] == f"{format_money(d50)}; {format_money_range(d5, d95)}"  # paired, per draw
        bc = np.median(ds["bc_social"].sel(study=study, scenario=scenario).values)
        assert cells[5] == format_ratio(bc)
    # a case's section equals a run of that study with the batch's stream (its own draws)
    s = mkba.Study.from_toml(Path(__file__).resolve().parents[1] / "studies" / "steenwijkerland-doorkijk.toml")
    run = mkba.simulate(s.scenario("geen-escalatie"), draws=DRAWS, seed=int(ds.attrs["seed"]), stream=study)
    np.testing.assert_allclose(run["saldo"].values, ds["saldo"].sel(study=study, scenario="geen-escalatie").values,
                               rtol=1e-12)
    muni = mkba.net(run).sel(actor=list(mkba.simulator.domain.MUNICIPAL_ACTORS)).sum("actor")
    lo, hi = np.quantile(muni.values, [0.05, 0.95])
    budget = next(line for line in md.splitlines() if line.startswith("| Geen voorkomen escalatie")
                  and line.count("|") == 7 and format_thousands_range(lo, hi) in line)
    assert budget


def _without_created(md: str) -> str:
    return re.sub(r"^\| (Gemaakt|Created) \|.*$", "", md, flags=re.M)


def test_netcdf_batch_gives_the_same_report_in_its_own_folder(batches, zarr_report):
    _, md_zarr = zarr_report
    code, _, err = _run(["report", str(batches["netcdf"])])  # default: the batch's own folder
    assert code == 0, err
    md = (batches["netcdf"].parent / "report.md").read_text(encoding="utf-8")
    assert _without_created(md) == _without_created(md_zarr)


def test_english(batches):
    from mkba.outputs.report import render_markdown
    from mkba.outputs.report.batch import build_batch_document, open_batch_results

    md = render_markdown(build_batch_document(open_batch_results(batches["zarr"]), lang="en"))
    assert _sections(md)[:2] == ["Scenario comparison", "Who pays, who gains: the municipality per case"]
    assert "## Method and provenance" in md and "Kosten en baten" not in md and "Saldo gemeente" not in md


def test_bad_batch_inputs_are_one_line_exit_2(tmp_path, batches):
    folder = tmp_path / "not-a-store"
    folder.mkdir()
    code, _, err = _run(["report", str(folder)])
    assert code == 2 and err.startswith("error: ") and "not a readable Zarr folder" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    code, _, err = _run(["report", str(batches["zarr"]), "--study", str(tmp_path / "x.toml")])
    assert code == 2 and "--study" in err
