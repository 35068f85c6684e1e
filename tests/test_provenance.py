"""Provenance (issue 9 item 2): a value's `source` and `note` travel from the study file into results.nc,
the report, summary.xlsx and `--json`; an input left at a default cites mkba's default; no user-facing
file names an internal file or the developers' spec."""

from __future__ import annotations

import html
import json
import re
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xarray as xr

from mkba.distributions import from_spec
from mkba.simulator.sources import DOCUMENTS
from mkba.simulator.study import Study, StudyError, bundled_studies, set_path
from cli_run import run_cli

INTERNAL = re.compile(r"[0-9a-f]{16}\.txt|model-spec")


_run = run_cli


def _toml(value) -> str:
    """A minimal TOML writer for the plain tables of a study (strings, numbers, bools, lists, tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{ " + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + " }"


def write_study(raw: dict, path: Path) -> Path:
    lines = []
    for block, body in raw.items():
        if isinstance(body, list):
            for item in body:
                lines.append(f"[[{block}]]")
                lines += [f'"{k}" = {_toml(v)}' for k, v in item.items()]
        else:
            lines.append(f"[{block}]")
            lines += [f'"{k}" = {_toml(v)}' for k, v in body.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _raw_value(raw: dict, name: str):
    node = raw
    for key in name.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def fully_sourced(forward_path: Path) -> tuple[dict, dict[str, str]]:
    """The forward look with a distinct `source` (and `note`) on every input, defaults included."""
    study = Study.from_toml(forward_path)
    raw = tomllib.loads(forward_path.read_text(encoding="utf-8"))
    raw.pop("scenarios")
    expected: dict[str, str] = {}
    for name, p in study.parameters.items():
        parts = name.split(".")
        if parts[:2] in (["reach", "share_type"], ["reach", "share_severity"]):  # tables of shares
            table = ".".join(parts[:-1])
            src = f"Bron {table} (tabel)"
            set_path(raw, f"{table}.source", src)
            expected[name] = src
            continue
        given = _raw_value(raw, name)
        spec = dict(given) if isinstance(given, dict) else {"value": p.base}
        spec.update(source=f"Bron {name}, p. {len(expected) + 1}", note=f"opmerking {name}")
        set_path(raw, name, spec)
        expected[name] = spec["source"]
    return raw, expected


class TestValueForms:
    def test_number_and_distribution_forms_carry_source_and_note(self, forward_path):
        raw = tomllib.loads(forward_path.read_text(encoding="utf-8"))
        raw["reach"]["n_households"] = {"value": 420, "source": "Jaarverslag 2018, p. 4", "note": "telling"}
        raw["costs"]["cost_per_fte"] = {"dist": "pert", "min": 76665, "mode": 80700, "max": 84735,
                                        "source": "Begroting 2019"}
        raw["costs"]["funding"] = {"welzijn": 1.0, "source": "Raadsbesluit 12"}
        p = Study.from_dict(raw, source="x.toml").parameters
        assert (p["reach.n_households"].base, p["reach.n_households"].source, p["reach.n_households"].note) == (
            420.0, "Jaarverslag 2018, p. 4", "telling")
        assert p["reach.n_households"].origin == "study"
        assert p["costs.cost_per_fte"].uncertain and p["costs.cost_per_fte"].source == "Begroting 2019"
        assert from_spec({"value": 3, "source": "s"}).base == 3.0

    def test_shares_left_out_of_a_table_are_the_tables(self, forward_path):
        raw = tomllib.loads(forward_path.read_text(encoding="utf-8"))
        raw["reach"]["share_severity"]["families"] = {"mv_nzr": 1.0, "source": "Wijkscan", "note": "alle mv"}
        p = Study.from_dict(raw, source="x.toml").parameters
        for sev in ("ev", "mv_zr", "mv_nzr", "top"):  # ev, mv_zr, top are 0 by the study's table, not defaults
            q = p[f"reach.share_severity.families.{sev}"]
            assert (q.origin, q.source, q.note) == ("study", "Wijkscan", "alle mv"), sev
        assert p["prices.trajectory.reintegration"].origin == "default"  # a block is no table of shares

    def test_default_cites_a_document_title_never_a_file(self, forward_path):
        p = Study.from_toml(forward_path).parameters
        # the study never sets attribution: it is mkba's default with the meta-analysis as citation
        att = p["effects.escalation.attribution"]
        assert att.origin == "default"
        assert att.source.startswith("mkba default: " + DOCUMENTS["meta-2014"])
        for q in p.values():
            assert not INTERNAL.search(q.source), (q.name, q.source)
            if q.origin == "default":
                assert q.source.startswith("mkba default"), q.name

    def test_scenario_override_is_the_scenarios(self, forward_path):
        sc = Study.from_toml(forward_path).scenario("geen-escalatie").parameters
        rate = sc["effects.escalation.rate.families"]
        assert rate.origin == "scenario" and rate.source.startswith("scenario: Geen voorkomen escalatie")
        assert sc["effects.escalation.duration_years"].origin == "study"  # not set by the scenario

    def test_nested_scenario_override_marks_only_its_leaves(self, forward_path):
        raw = tomllib.loads(forward_path.read_text(encoding="utf-8"))
        raw["scenarios"] = [{"name": "half", "title": "Half", "set": {"effects": {"escalation": {"rate": {
            "families": {"value": 0.005, "source": "Wijkscan 2020"}}}}}}]
        p = Study.from_dict(raw).scenario("half").parameters
        assert (p["effects.escalation.rate.families"].origin, p["effects.escalation.rate.families"].source) == (
            "scenario", "Wijkscan 2020")
        assert p["effects.escalation.rate.elderly"].origin == "study"

    @pytest.mark.parametrize("bad", [{"value": 1, "source": 3}, {"dist": "uniform", "min": 0, "max": 1, "note": []}])
    def test_source_must_be_text(self, forward_path, bad):
        raw = tomllib.loads(forward_path.read_text(encoding="utf-8"))
        raw["reach"]["share_newly_found"] = bad
        with pytest.raises(StudyError, match=r"reach\.share_newly_found: .*must be text"):
            Study.from_dict(raw, source="x.toml")


class TestSourcesEndToEnd:
    @pytest.fixture(scope="class")
    @classmethod
    def run(cls, tmp_path_factory, forward_path):
        tmp = tmp_path_factory.mktemp("sourced")
        raw, expected = fully_sourced(forward_path)
        path = write_study(raw, tmp / "sourced.toml")
        code, out, err = _run(["run", str(path), "--draws", "300", "--out", str(tmp / "out"), "--json", "--lang", "en"])
        assert code == 0, err
        return tmp / "out" / raw["study"]["name"], json.loads(out), expected

    def test_results_nc_attrs(self, run):
        folder, _, expected = run
        with xr.open_dataset(folder / "results.nc", engine="h5netcdf") as ds:
            params = json.loads(ds.attrs["parameters"])
        assert {n: p["source"] for n, p in params.items()} == expected
        assert all(p["origin"] == "study" for p in params.values())
        assert params["reach.n_households"]["note"] == "opmerking reach.n_households"

    def test_json_sources(self, run):
        _, result, expected = run
        assert result["sources"] == expected

    def test_report_html_shows_every_source_and_no_default(self, run):
        folder, _, expected = run
        text = html.unescape((folder / "report.html").read_text(encoding="utf-8"))
        for name, src in expected.items():
            assert src in text, name
        assert "mkba default:" not in text
        assert "Every input has a source" in text

    def test_xlsx_inputs_sheet(self, run):
        folder, _, expected = run
        wb = openpyxl.load_workbook(folder / "summary.xlsx", read_only=True)
        rows = list(wb["Inputs"].iter_rows(values_only=True))
        head = rows[0]
        got = {r[head.index("key")]: r[head.index("source")] for r in rows[1:]}
        for name, src in expected.items():
            assert got[name].startswith(src), name  # the note follows in parentheses
        assert got["reach.n_households"] == f"{expected['reach.n_households']} (opmerking reach.n_households)"


class TestUnsourcedListed:
    def test_report_lists_inputs_without_a_source(self, tmp_path, forward_path):
        raw = tomllib.loads(forward_path.read_text(encoding="utf-8"))
        raw["reach"]["n_households"] = 420  # given, but without a source
        path = write_study(raw, tmp_path / "s.toml")
        code, _, err = _run(["run", str(path), "--draws", "200", "--out", str(tmp_path / "o")])
        assert code == 0, err
        text = (tmp_path / "o" / raw["study"]["name"] / "report.md").read_text(encoding="utf-8")
        line = next(x.strip("*") for x in text.splitlines() if x.strip("*").startswith("Invoer zonder bron"))
        # listed by its label: a council document shows no input paths
        assert line.startswith("Invoer zonder bron (1;") and line.endswith(": Aantal huishoudens in de aanpak.")
        assert "standaardwaarde mkba: " + DOCUMENTS["meta-2014"] in text  # a default, in Dutch


def _user_facing_text(folder: Path) -> dict[str, str]:
    texts = {}
    for f in folder.rglob("*"):
        if f.suffix in (".md", ".html", ".csv", ".svg"):
            texts[f.name] = f.read_text(encoding="utf-8", errors="replace")
        elif f.suffix == ".xlsx":
            with zipfile.ZipFile(f) as z:
                texts[f.name] = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        elif f.suffix == ".nc":
            with xr.open_dataset(f, engine="h5netcdf") as ds:
                texts[f.name] = json.dumps({k: str(v) for k, v in ds.attrs.items()})
    return texts


class TestNoInternalNames:
    def test_bundled_study_files(self):
        for f in Path(bundled_studies()[0]).parent.glob("*.toml"):
            assert not INTERNAL.search(f.read_text(encoding="utf-8")), f.name

    @pytest.mark.parametrize("study", [p.name for p in bundled_studies()])
    def test_outputs_of_every_bundled_study(self, tmp_path, study):
        path = Path(bundled_studies()[0]).parent / study
        code, _, err = _run(["run", str(path), "--draws", "200", "--out", str(tmp_path)])
        assert code == 0, err
        texts = _user_facing_text(tmp_path)
        assert {"report.md", "report.html", "summary.xlsx", "results.nc"} <= texts.keys()
        for name, text in texts.items():
            hit = INTERNAL.search(text)
            assert hit is None, f"{name}: {text[max(0, hit.start() - 80):hit.end() + 20]}"


def test_batch_grid_values_cite_the_grid():
    from mkba.simulator.batch import Batch

    batch = Batch.from_toml(Path(bundled_studies()[0]).parent / "steenwijkerland-doorkijk-batch.toml")
    cases = {c.scenario: c.build().parameters for c in batch.cases}
    assert cases["base"]["prices.qaly_value"].origin == "study"
    grid = cases["qaly-20000"]["prices.qaly_value"]
    assert grid.origin == "scenario" and grid.source.startswith("scenario: QALY-waarde")
    assert cases["geen-escalatie"]["effects.escalation.rate.families"].origin == "scenario"
