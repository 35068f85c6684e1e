"""Reports never crash on valid data and JSON is strict (issue 11 item 6); tampered results are refused."""

from __future__ import annotations

import copy
import io
import json
import tomllib
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest
import tomlw
import xarray as xr

from mkba.cli import main

ROOT = Path(__file__).resolve().parents[1]
FORWARD = ROOT / "studies" / "steenwijkerland-doorkijk.toml"


def call(argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def strict(text: str):
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"invalid JSON constant {c}"))


def _fixed(node):
    if isinstance(node, dict):
        for k, v in list(node.items()):
            if isinstance(v, dict) and "dist" in v:
                node[k] = v.get("mode", v.get("median", v.get("mean", v.get("min", 0))))
            else:
                _fixed(v)
    elif isinstance(node, list):
        for x in node:
            _fixed(x)


def variants() -> dict:
    raw = tomllib.loads(FORWARD.read_text(encoding="utf-8"))
    out = {}
    a = copy.deepcopy(raw)
    _fixed(a)
    a.pop("correlations", None)
    out["all-fixed"] = a
    b = copy.deepcopy(raw)
    b["costs"]["team_fte"] = 0
    b["costs"]["extra_care"].update(new_cases=0, existing_cases=0)
    out["zero-costs"] = b
    c = copy.deepcopy(raw)
    c["costs"]["funding"] = {"zvw": 1.0}  # a team funded only by the health insurer: no municipal costs
    c["prices"]["qaly_value"] = {"dist": "discrete", "values": [0, 5e7], "weights": [99, 1]}  # rare event
    out["insurer-rare"] = c
    d = copy.deepcopy(raw)
    d["costs"]["cost_per_fte"] = {"dist": "uniform", "min": 0, "max": 1e9}  # very wide
    out["wide"] = d
    return out


@pytest.mark.parametrize("name", ["all-fixed", "insurer-rare"])
def test_report_on_edge_studies(tmp_path, name):
    p = tmp_path / f"{name}.toml"
    p.write_text(tomlw.dumps(variants()[name]), encoding="utf-8")
    code, out, err = call(["run", str(p), "--draws", "400", "--json", "--out", str(tmp_path / "o")])
    assert code == 0, err
    res = strict(out)
    md = Path(res["outputs"]["report_md"]).read_text(encoding="utf-8")
    assert md.startswith("# ") and "Traceback" not in err


@pytest.mark.parametrize("name", ["zero-costs", "wide"])
def test_json_is_strict_on_edge_studies(tmp_path, name):
    p = tmp_path / f"{name}.toml"
    p.write_text(tomlw.dumps(variants()[name]), encoding="utf-8")
    code, out, err = call(["run", str(p), "--draws", "400", "--json", "--no-report", "--out", str(tmp_path / "o")])
    assert code == 0, err
    res = strict(out)
    if name == "zero-costs":  # every ratio undefined: null, not NaN
        assert res["summary"]["bc_social"]["mean"] is None


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    d = tmp_path_factory.mktemp("saved")
    assert call(["run", "--draws", "300", "--no-report", "--out", str(d)])[0] == 0
    return d / "steenwijkerland-doorkijk" / "results.nc"


@pytest.mark.parametrize(("change", "needle"), [
    (lambda ds: ds.assign_attrs(draws="x"), "attribute draws is 'x'"),
    (lambda ds: ds.assign_attrs(parameters="not json"), "attribute parameters"),
    (lambda ds: ds.assign_attrs(design="{"), "attribute design"),
    (lambda ds: ds.rename_dims({"draw": "trekking"}), "not an mkba results file"),
    (lambda ds: ds.drop_vars("line"), "missing line"),
])
def test_tampered_results_are_one_line(tmp_path, saved, change, needle):
    ds = xr.open_dataset(saved, engine="h5netcdf").load()
    bad = change(ds)
    bad.encoding = {}
    bad.attrs.pop("data_sha256", None)
    p = tmp_path / "results.nc"
    bad.to_netcdf(p, engine="h5netcdf")
    code, _, err = call(["report", str(p)])
    assert code == 2 and needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert sorted(x.name for x in tmp_path.iterdir()) == ["results.nc"]  # nothing written


def test_nan_and_inf_draws_report(tmp_path, saved):
    ds = xr.open_dataset(saved, engine="h5netcdf").load()
    bc = ds["bc_social"].values.copy()
    bc[::2] = np.inf
    bc[1::4] = np.nan
    ds = ds.assign(bc_social=("draw", bc))
    ds.attrs.pop("data_sha256", None)
    p = tmp_path / "results.nc"
    ds.to_netcdf(p, engine="h5netcdf")
    code, _, err = call(["report", str(p), "--lang", "en"])
    assert code == 0 and "Traceback" not in err
    assert (tmp_path / "report.md").stat().st_size > 0
