"""Writing a study (issue 9 item 8, issue 15 item 4): `mkba studies`, `mkba new [--from]`, `mkba schema`, the
template and docs/study-format.md, all generated from the one schema."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest

from mkba.simulator.study import Study, bundled_studies
from mkba.simulator.study_format import docs_path, json_schema, markdown, template, template_path
from cli_run import run_cli

ROOT = Path(__file__).resolve().parents[1]
REGENERATE = "python -m mkba.simulator.study_format"


_run = run_cli


@pytest.fixture(scope="module")
def schema() -> dict:
    return json_schema()


@pytest.fixture(scope="module")
def validator(schema) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _all_files() -> list[Path]:
    return [*bundled_studies(), template_path()]


class TestGeneratedFilesAreCurrent:
    def test_template(self):
        assert template_path().read_text(encoding="utf-8") == template(), f"stale: run `{REGENERATE}`"

    def test_docs(self):
        assert docs_path().read_text(encoding="utf-8") == markdown(), f"stale: run `{REGENERATE}`"


class TestJsonSchema:
    def test_is_draft_2020_12(self, schema):
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    @pytest.mark.parametrize("path", _all_files(), ids=lambda p: p.stem)
    def test_accepts_every_bundled_study(self, validator, path):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        assert [e.message for e in validator.iter_errors(raw)] == []

    @pytest.mark.parametrize("path, bad", [
        ("costs.team_ftee", 3),                         # a misspelt key in a block
        ("effects.work.p_to_wrok", 0.1),                # ... in a nested block
        ("spelling", {"x": 1}),                         # an unknown block
        ("reach.share_type.famillies", 0.1),            # an unknown share
        ("costs.cost_per_fte", {"dist": "pert", "min": 1, "mode": 2, "max": 3, "lamda": 4}),  # dist key
        ("costs.cost_per_fte", {"dist": "gamma", "shape": 2}),                              # unknown family
        ("costs.cost_per_fte", {"value": 80700, "source": 12}),                              # source not text
    ])
    def test_rejects_unknown_keys_and_bad_forms(self, validator, forward_path, path, bad):
        raw = tomllib.loads(forward_path.read_text(encoding="utf-8"))
        node = raw
        *parents, last = path.split(".")
        for k in parents:
            node = node.setdefault(k, {})
        node[last] = bad
        assert list(validator.iter_errors(raw)), path

    def test_every_key_is_described(self, schema):
        missing = [f"{name}.{key}" for name, d in schema["$defs"].items() if name != "Value"
                   for key, p in d.get("properties", {}).items() if not p.get("description")]
        missing += [k for k, p in schema["properties"].items() if not p.get("description")]
        assert missing == [], "describe these keys in mkba/simulator/schema_docs.py"

    def test_defaults_match_the_schema(self, schema):
        # the JSON Schema's defaults are the defaults pydantic applies
        study = Study.from_toml(template_path())
        assert schema["$defs"]["Costs"]["properties"]["cost_per_fte"]["default"] == \
            study.spec.costs.cost_per_fte.value == 80700
        assert schema["$defs"]["Simulation"]["properties"]["draws"]["default"] == study.spec.simulation.draws

    def test_cli_prints_it(self, schema):
        code, out, _ = _run(["schema"])
        assert code == 0 and json.loads(out) == schema


class TestNew:
    def test_new_then_validate(self, tmp_path):
        code, out, err = _run(["new", "x", "--out", str(tmp_path)])
        assert code == 0, err
        assert "written:" in out
        code, out, err = _run(["validate", str(tmp_path / "x.toml")])
        assert code == 0 and "study 'x'" in out, err

    def test_template_has_every_block_and_key(self, schema):
        text = template()
        lines = text.splitlines()

        def walk(d: dict, path: str) -> None:
            for key, prop in d.get("properties", {}).items():
                ref = prop.get("$ref") or next((a["$ref"] for a in prop.get("anyOf", ()) if "$ref" in a), None)
                sub = schema["$defs"].get(ref.rsplit("/", 1)[-1]) if ref else None
                inner = prop.get("additionalProperties")
                if sub is not None and ref != "#/$defs/Value" and sub.get("type") == "object":
                    assert f"[{path}.{key}]" in text, f"[{path}.{key}]"
                    walk(sub, f"{path}.{key}")
                elif isinstance(inner, dict) and inner.get("$ref", "#/$defs/Value") != "#/$defs/Value":
                    m = re.search(rf"\[{re.escape(path)}\.{key}\.(\w+)\]", text)  # a table of named blocks
                    assert m, f"[{path}.{key}.<name>]"
                    walk(schema["$defs"][inner["$ref"].rsplit("/", 1)[-1]], f"{path}.{key}.{m.group(1)}")
                else:
                    at = [i for i, ln in enumerate(lines) if re.match(rf"^(# )?{key} = ", ln)
                          or (key == "care_profile" and "Yearly care cost" in ln)]
                    assert at, f"{path}.{key}"
                    assert lines[at[0] - 1].startswith("#"), f"{path}.{key} has no comment"

        for key, prop in schema["properties"].items():
            if prop.get("type") == "array":
                assert f"[[{key}]]" in text
                continue
            assert f"[{key}]" in text
            ref = prop.get("$ref")
            if ref is None:  # [inputs]: a table of named values
                continue
            walk(schema["$defs"][ref.rsplit("/", 1)[-1]], key)

    def test_template_cites_defaults_and_units(self):
        text = template()
        assert "# cost_per_fte = 80700" in text
        assert "[€/fte/yr]" in text and "LPBL, MKBA Sociaal werk De Kop" in text
        assert not re.search(r"[0-9a-f]{16}\.txt|model-spec", text)

    def test_from_copies_a_bundled_study(self, tmp_path, retro_path):
        code, _, err = _run(["new", "mijn-gemeente", "--from", "steenwijkerland-2018", "--out", str(tmp_path)])
        assert code == 0, err
        copy = Study.from_toml(tmp_path / "mijn-gemeente.toml")
        orig = Study.from_toml(retro_path)
        assert copy.name == "mijn-gemeente"
        assert copy.spec.model_copy(update={"study": orig.spec.study}) == orig.spec
        text = (tmp_path / "mijn-gemeente.toml").read_text(encoding="utf-8")
        assert "CALIBRATED" in text  # the comments travel with the copy

    def test_never_overwrites(self, tmp_path):
        (tmp_path / "x.toml").write_text("keep", encoding="utf-8")
        code, _, err = _run(["new", "x", "--out", str(tmp_path)])
        assert code == 2 and "exists" in err
        assert (tmp_path / "x.toml").read_text(encoding="utf-8") == "keep"

    @pytest.mark.parametrize("argv, message", [
        (["new", "bad name"], "NAME 'bad name'"),
        (["new", "x", "--from", "utrecht-2030"], "no bundled study of that name"),
        (["new", "x", "--from", "steenwijkerland-doorkijk-batch"], "a batch file"),
    ])
    def test_bad_arguments(self, tmp_path, argv, message):
        code, _, err = _run([*argv, "--out", str(tmp_path)])
        assert code == 2 and message in err and err.count("\n") == 1
        assert list(tmp_path.iterdir()) == []


class TestStudies:
    def test_lists_bundled_studies(self):
        code, out, _ = _run(["studies"])
        assert code == 0
        assert re.search(r"^steenwijkerland-2018\s+Steenwijkerland\s+MKBA De Kop", out, flags=re.M)
        assert re.search(r"^steenwijkerland-doorkijk\s+Steenwijkerland\s+MKBA De Kop", out, flags=re.M)
        assert "template" not in out.split("copy one")[0] and "batch" not in out

    def test_json(self):
        code, out, _ = _run(["studies", "--json"])
        rows = json.loads(out)
        assert {r["name"] for r in rows} == {p.stem for p in bundled_studies()}
        assert all(Path(r["file"]).is_file() for r in rows)


def test_one_copy_of_each_bundled_study():
    """The package data is the only copy: the repository's studies/ is (a link to) it."""
    folder = template_path().parent
    root = ROOT / "studies"
    if root.exists():
        assert root.resolve() == folder.resolve()
    contents = {p.read_bytes() for p in folder.glob("*.toml")}
    for p in ROOT.rglob("*.toml"):
        if ".venv" in p.parts or p.resolve().parent == folder.resolve() or "pyproject" in p.name:
            continue
        assert p.read_bytes() not in contents, p
