"""The study format as data, generated from the one schema (:mod:`mkba.simulator.schema`):

- :func:`json_schema` — a JSON Schema (draft 2020-12) that editors use to complete and check keys
  (`mkba schema`); unknown keys are rejected;
- :func:`template` — the study file `mkba new` writes: every block, every key with its meaning, unit,
  allowed forms and default (and its source);
- :func:`markdown` — docs/study-format.md.

Regenerate the two checked-in copies after a schema change with ``python -m mkba.simulator.study_format``
(``--check`` only compares; ``tests/test_writing_a_study.py`` fails while they are stale).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import re
import sys
import typing
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo

from ..distributions import Composition, Distribution, Fixed
from ..distributions.parse import DIST_KEYS
from ..distributions.parse import META_KEYS
from .domain import ACTORS, HOUSEHOLD_TYPES, SEVERITIES, TRAJECTORIES
from .model import DEFAULT_TIMING
from .schema import ALTERNATIVES, StudyModel
from .schema_docs import BLOCK_DOCS, KEY_DOCS
from .sources import DEFAULT

__all__ = ["json_schema", "template", "markdown", "new_study", "study_rows", "TEMPLATE_NAME", "template_path",
           "docs_path"]

TEMPLATE_NAME = "template"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

# Allowed keys of the tables of shares, by key name (the schema's validators check the same sets).
_SHARE_KEYS: dict[str, tuple[str, ...]] = {
    "share_type": HOUSEHOLD_TYPES,
    "mix": TRAJECTORIES,
    "funding": ACTORS,
    "actors": ACTORS,
    "investment_actors": ACTORS,
}
# Example values for the keys a study must give (the template's placeholders).
_EXAMPLES: dict[str, Any] = {
    "study.name": TEMPLATE_NAME,
    "reach.n_households": 1000,
    "reach.share_type": {"families": 0.3, "elderly": 0.4, "other": 0.3},
    "reach.share_severity": {t: {"ev": 0.4, "mv_zr": 0.3, "mv_nzr": 0.25, "top": 0.05} for t in HOUSEHOLD_TYPES},
    "costs.team_fte": 10,
    "study.year": 2024,
    "costs.team.consultants.title": "consulenten",
    "costs.team.consultants.fte": 25,
    "costs.team.consultants.cost_per_fte": 74000,
    "effects.tailored.groups.youth.title": "jeugdtrajecten",
    "effects.tailored.groups.youth.trajectories": 250,
    "effects.tailored.groups.youth.cost_reduction": 0.1,
    "effects.tailored.groups.youth.price": 5000,
    "effects.tailored.groups.youth.actors": {"jeugd": 1.0},
    "plan.years": [2021, 2022, 2023],
    "plan.team_fte": [10, 15, 20],
    "plan.ramp_up": [0.3, 0.7, 1.0],
    "plan.investments": [1200000, 600000, 300000],
}
# The keys the template gives (with the examples above); all others keep their defaults.
_GIVEN = {"study.name", "reach.n_households", "reach.share_type", "reach.share_severity", "costs.team_fte"}
# Array keys of a distribution table (all others are numbers, "family" a name).
_ARRAY_KEYS = {"values", "weights", "samples"}


# --- JSON Schema -------------------------------------------------------------------------------------

def _meta_properties() -> dict[str, Any]:
    return {k: {"type": "string", "description": f"{k} of this value (text; never changes the number)"}
            for k in META_KEYS}


def _value_schema() -> dict[str, Any]:
    """A study value: a number, ``{ value = … }``, a distribution table or the ``{ p5, p95 }`` range."""
    meta = _meta_properties()
    forms: list[dict[str, Any]] = [
        {"type": "number"},
        {"type": "object", "title": "number with source",
         "properties": {"value": {"type": "number"}, **meta}, "required": ["value"], "additionalProperties": False},
        {"type": "object", "title": "90 % range (P5, P95)",
         "properties": {"p5": {"type": "number"}, "p95": {"type": "number"},
                        "family": {"enum": ["normal", "lognormal", "beta"]}, "base": {"type": "number"}, **meta},
         "required": ["p5", "p95"], "additionalProperties": False},
    ]
    for name, (required, optional) in sorted(DIST_KEYS.items()):
        props: dict[str, Any] = {"dist": {"const": name}}
        for key in sorted(required | optional):
            props[key] = ({"type": "array", "items": {"type": "number"}, "minItems": 1} if key in _ARRAY_KEYS
                          else {"type": "number"})
        forms.append({"type": "object", "title": name, "properties": {**props, **meta},
                      "required": ["dist", *sorted(required)], "additionalProperties": False})
    return {"description": "A number, or a distribution table { dist = \"...\", ... }, or a 90 % range "
                           "{ p5 = ..., p95 = ... }; any of them may carry source and note.", "anyOf": forms}


def _share_table(keys: tuple[str, ...] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}}
    props = {k: {"type": "number", "minimum": 0, "maximum": 1} for k in keys or ()}
    out["properties"] = {**props, **{k: {"type": "string"} for k in ("source", "note")}}
    if keys:
        out["additionalProperties"] = False
    return out


def _shares_schema(keys: tuple[str, ...] | None) -> dict[str, Any]:
    """A set of shares summing to 1: a table of numbers, or a Dirichlet over them."""
    dirichlet = {"type": "object", "title": "dirichlet",
                 "properties": {"dist": {"const": "dirichlet"}, "mean": _share_table(keys),
                                "concentration": {"type": "number", "exclusiveMinimum": 0},
                                "source": {"type": "string"}, "note": {"type": "string"}},
                 "required": ["dist", "mean", "concentration"], "additionalProperties": False}
    table = {**_share_table(keys), "not": {"required": ["dist"]}}
    return {"anyOf": [table, dirichlet]}


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    """``X | None`` → ``X``: TOML has no null (a key left out is the None)."""
    alts = prop.get("anyOf")
    if not alts or {"type": "null"} not in alts:
        return prop
    rest = [a for a in alts if a != {"type": "null"}]
    out = {k: v for k, v in prop.items() if k != "anyOf"}
    if len(rest) == 1:
        out.update(rest[0])
    else:
        out["anyOf"] = rest
    if out.get("default", 0) is None:
        out.pop("default")
    return out


def _weights_schema() -> dict[str, Any]:
    weights = {"type": "array", "items": {"type": "number", "minimum": 0}, "minItems": 10, "maxItems": 10}
    return {"anyOf": [weights, {"type": "object", "properties": {"weights": weights, "total": {"type": "number"},
                                                                  "source": {"type": "string"},
                                                                  "note": {"type": "string"}},
                                "required": ["weights", "total"], "additionalProperties": False}]}


def _classes(model: type[BaseModel] = StudyModel) -> dict[str, type[BaseModel]]:
    """Every block class reachable from ``model``, by name."""
    out = {model.__name__: model}
    for info in model.model_fields.values():
        for t in _types(info.annotation):
            if isinstance(t, type) and issubclass(t, BaseModel) and t.__name__ not in out:
                out.update(_classes(t))
    return out


def _types(annotation: Any) -> Iterator[Any]:
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _types(arg)


def _plain(value: Any) -> Any:
    """A default as plain data (what a study file would write), or None when there is nothing to show."""
    if isinstance(value, Composition):
        return {k: (int(v) if float(v).is_integer() else v) for k, v in zip(value.keys, value.mean)}
    if isinstance(value, Fixed):
        v = float(value.value)
        return int(v) if v.is_integer() and abs(v) < 1e15 else v
    if isinstance(value, Distribution):
        return None
    if isinstance(value, BaseModel):
        return _plain({k: getattr(value, k) for k in type(value).model_fields})
    if isinstance(value, dict):
        return {k: p for k, v in value.items() if (p := _plain(v)) is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _default(info: FieldInfo) -> Any:
    """A field's default as the study would hold it: a block left out is validated from its default table
    (``schema.Default``)."""
    value = info.get_default(call_default_factory=True)
    if info.validate_default and isinstance(value, dict):
        return TypeAdapter(info.annotation).validate_python(value)
    return value


def _key_doc(cls: type[BaseModel] | None, name: str, key: str) -> str:
    """The description of ``key`` of block ``name``: its own, else that of the class it extends."""
    for c in (cls.__mro__ if cls is not None else ()):
        doc = KEY_DOCS.get(f"{c.__name__}.{key}")
        if doc:
            return doc
    return KEY_DOCS.get(f"{name}.{key}", "")


def _replace_refs(node: Any) -> Any:
    if isinstance(node, dict):
        if node.get("$ref") == "#/$defs/Distribution":
            node = {**node, "$ref": "#/$defs/Value"}
        return {k: _replace_refs(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_refs(v) for v in node]
    return node


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a study file, from the pydantic schema."""
    raw = StudyModel.model_json_schema(mode="validation")
    defs = raw.pop("$defs")
    defs.pop("Distribution", None)
    defs.pop("Composition", None)
    classes = _classes()
    out_defs: dict[str, Any] = {"Value": _value_schema()}
    for name, d in list(defs.items()) + [("StudyModel", raw)]:
        d = _replace_refs(copy.deepcopy(d))
        d.pop("title", None)
        cls = classes.get(name)
        if name in BLOCK_DOCS:
            d["description"] = BLOCK_DOCS[name]
        if "required" in d:  # a key with an alternative form (team_fte or team, …) is never required alone
            d["required"] = [k for k in d["required"] if k not in ALTERNATIVES]
            if not d["required"]:
                d.pop("required")
        for key in list(d.get("properties", {})):
            info = cls.model_fields.get(key) if cls is not None else None
            extra = info.json_schema_extra if info is not None and isinstance(info.json_schema_extra, dict) else {}
            if info is not None and not isinstance(info.default, (str, int, float, type(None))) and "default" not in extra:
                # pydantic's form of a block, list or shares default; ours is set below, as plain data
                d["properties"][key].pop("default", None)
            d["properties"][key] = _without_null(d["properties"][key])
        for key, prop in d.get("properties", {}).items():
            unit, src = prop.pop("unit", ""), prop.pop("source", "")
            prop.pop("title", None)
            if cls is not None and key in cls.model_fields:
                info = cls.model_fields[key]
                if not info.is_required() and _default(info) is None:
                    prop["x-optional"] = True  # left out = not used (e.g. [plan], the count form of an effect)
                if not info.is_required():
                    default = _plain(_default(info))
                    if default is not None and not (isinstance(default, dict) and not default):
                        prop["default"] = default
                    else:
                        prop.pop("default", None)
            if name == "Timing":
                prop.clear()
                prop.update(_weights_schema())
                if key in DEFAULT_TIMING:
                    prop["default"] = [int(w) if float(w).is_integer() else w for w in DEFAULT_TIMING[key]]
            elif key in _SHARE_KEYS or key == "share_severity" or prop.get("$ref") == "#/$defs/Composition":
                keep = {k: prop[k] for k in ("default",) if k in prop}
                prop.clear()
                if key == "share_severity":
                    prop.update({"type": "object", "properties": {t: _shares_schema(SEVERITIES) for t in HOUSEHOLD_TYPES},
                                 "additionalProperties": False,
                                 "required": list(HOUSEHOLD_TYPES)})
                    prop["properties"].update({k: {"type": "string"} for k in ("source", "note")})
                else:
                    prop.update(_shares_schema(_SHARE_KEYS.get(key)))
                prop.update(keep)
            ref = prop.get("$ref") or prop.get("items", {}).get("$ref") or ""
            doc = _key_doc(cls, name, key) or prop.get("description", "") or BLOCK_DOCS.get(ref.rsplit("/", 1)[-1], "")
            if doc:
                prop["description"] = doc
            if unit:
                prop["x-unit"] = unit
            if src:
                prop["x-default-source"] = src
        out_defs[name] = d
    # A block's default shows in its own keys; only a block that must be given whole (all its keys
    # required, e.g. reach.share_debts_mv) keeps the default table.
    for d in out_defs.values():
        for prop in d.get("properties", {}).values():
            ref = prop.get("$ref", "")
            target = out_defs.get(ref.rsplit("/", 1)[-1]) if ref and ref != "#/$defs/Value" else None
            if target is not None and not target.get("required"):
                prop.pop("default", None)
    top = out_defs.pop("StudyModel")
    return {"$schema": DRAFT, "$id": "urn:mkba:study-format", "title": "mkba study file",
            "description": "An mkba study file (TOML): one social-team approach in one municipality. Generated "
                           "from mkba's schema (`mkba schema`); see docs/study-format.md.",
            **{k: v for k, v in top.items() if k != "description"}, "$defs": out_defs}


# --- template and markdown -----------------------------------------------------------------------------

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(k: str) -> str:
    """A TOML key: bare where it can be, quoted otherwise (a dotted path stays one key)."""
    return k if _BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def toml_value(value: Any) -> str:
    """A value as inline TOML (the standard library only reads TOML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _resolve(schema: dict[str, Any], prop: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(name of the def a property refers to, the def) or (None, prop)."""
    ref = prop.get("$ref")
    if ref is None:
        for alt in prop.get("anyOf", ()):
            if "$ref" in alt:
                ref = alt["$ref"]
    if ref is None:
        return None, prop
    name = ref.rsplit("/", 1)[-1]
    return name, schema["$defs"][name]


def _is_block(schema: dict[str, Any], prop: dict[str, Any]) -> bool:
    name, d = _resolve(schema, prop)
    return name is not None and name != "Value" and d.get("type") == "object"


def _forms(schema: dict[str, Any], key: str, prop: dict[str, Any]) -> str:
    """The allowed forms of a key, in words."""
    name, d = _resolve(schema, prop)
    if name == "Value":
        return "number or distribution"
    if "enum" in prop or "const" in prop:
        return "one of " + ", ".join(json.dumps(v) for v in prop.get("enum", [prop.get("const")]))
    if prop.get("type") == "boolean":
        return "true or false"
    if prop.get("type") == "integer":
        lo = prop.get("minimum", prop.get("exclusiveMinimum"))
        return "whole number" + (f" ≥ {lo}" if lo is not None else "")
    if prop.get("type") == "string":
        return "text"
    if key == "share_severity":
        return f"per household type ({', '.join(HOUSEHOLD_TYPES)}) a table of shares of {', '.join(SEVERITIES)}"
    if key in _SHARE_KEYS:
        return "table of shares of " + ", ".join(_SHARE_KEYS[key]) + " (sum to 1)"
    if "anyOf" in prop and any(a.get("type") == "array" for a in prop["anyOf"]):
        if any(a.get("maxItems") == 10 for a in prop["anyOf"]):
            return "10 weights (years 0..9) summing to 1, or { weights = [...], total = T }"
    if any(t in prop for t in ("anyOf", "type")) and "integer" in json.dumps(prop) and "null" in json.dumps(prop):
        return "whole number"
    if prop.get("type") == "number":
        return "number"
    if prop.get("type") == "array":
        return "list of names" if json.dumps(prop).count('"string"') else "list of numbers"
    if prop.get("type") == "object" or "object" in json.dumps(prop.get("anyOf", "")):
        return "table"
    return "value"


def _line_comment(schema: dict[str, Any], key: str, prop: dict[str, Any], required: bool) -> list[str]:
    desc = prop.get("description", "")
    unit = prop.get("x-unit", "")
    bits = [desc.rstrip(".") + (f" [{unit}]" if unit else "") + "."]
    forms = _forms(schema, key, prop)
    bits.append(forms[0].upper() + forms[1:] + ".")
    if required:
        bits.append("REQUIRED: replace the example with your municipality's figure and cite its source."
                    if forms == "number or distribution" or forms.startswith(("table", "per household")) else "REQUIRED.")
    elif "default" in prop and not isinstance(prop["default"], (list, dict)):  # tables show on the next line
        src = prop.get("x-default-source", "")
        bits.append(f"Default {toml_value(prop['default'])}" + (f" ({src})" if src else "") + ".")
    return _wrap(" ".join(bits), "# ")


def _wrap(text: str, prefix: str, width: int = 110) -> list[str]:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(prefix) + len(cur) + 1 + len(w) > width:
            lines.append(prefix + cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    if cur:
        lines.append(prefix + cur)
    return lines


def _example(path: str, prop: dict[str, Any]) -> Any:
    return _EXAMPLES.get(path, prop.get("default", 1))


def _with_defaults(d: dict[str, Any], default: Any) -> dict[str, Any]:
    """A sub-block whose parent key has a default table: its keys take those defaults (none required)."""
    if not isinstance(default, dict):
        return d
    props = {k: ({**p, "default": default[k]} if k in default and default[k] is not None else p)
             for k, p in d.get("properties", {}).items()}
    return {**d, "properties": props, "required": [], "x-whole": bool(d.get("required"))}


def _map_of_blocks(schema: dict[str, Any], prop: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """A table of named blocks (``[costs.team.<role>]``): (def name, def), else None."""
    inner = prop.get("additionalProperties")
    if prop.get("type") != "object" or not isinstance(inner, dict) or "$ref" not in inner:
        return None
    name, d = _resolve(schema, inner)
    return (name, d) if name not in (None, "Value") else None


def _block(schema: dict[str, Any], d: dict[str, Any], path: str, out: list[str], name: str,
           commented: bool = False) -> None:
    """One [table]: its keys (given ones active, defaults commented out), then its sub-tables. A table that
    must be given whole, is optional or is the alternative of another key stays commented out as a whole."""
    props = d.get("properties", {})
    required = set(d.get("required", ()))
    out.append("")
    out.extend(_wrap(d.get("description", ""), "# "))
    commented = commented or d.get("x-whole", False)
    c = "# " if commented else ""
    if commented:
        out.append("# Uncomment the header and the keys to use this table" +
                   (" (give all of its keys)." if required or d.get("x-whole") else "."))
    out.append(f"{c}[{path}]")
    subs, maps = [], []
    for key, prop in props.items():
        if _is_block(schema, prop):
            subs.append((key, prop))
            continue
        if _map_of_blocks(schema, prop):
            maps.append((key, prop))
            continue
        given = key in required or f"{path}.{key}" in _GIVEN
        out.extend(_line_comment(schema, key, prop, given and not commented))
        if given:
            out.append(f"{c}{key} = {toml_value(_example(f'{path}.{key}', prop))}")
        elif "default" in prop:
            out.append(f"# {key} = {toml_value(prop['default'])}")
        elif f"{path}.{key}" in _EXAMPLES:
            out.append(f"# {key} = {toml_value(_EXAMPLES[f'{path}.{key}'])}")
        else:  # an optional key without a default (a count instead of a share, …): a placeholder
            out.append(f"# {key} = <{_forms(schema, key, prop)}>")
    for key, prop in subs:
        sub_name, sub = _resolve(schema, prop)
        sub = _with_defaults({**sub, "description": prop.get("description") or sub.get("description", "")},
                             prop.get("default"))
        optional = key in ALTERNATIVES or prop.get("x-optional", False)
        _block(schema, sub, f"{path}.{key}", out, sub_name or key, commented or optional)
    for key, prop in maps:
        sub_name, sub = _map_of_blocks(schema, prop)  # type: ignore[misc]
        example = _MAP_EXAMPLES.get(key, "name")
        desc = (prop.get("description") or "") + f" One table per {key} entry, named freely (here: {example})."
        _block(schema, {**sub, "description": desc}, f"{path}.{key}.{example}", out, sub_name or key, True)


def _has_defaults(d: dict[str, Any]) -> bool:
    """Whether an empty table of this block is valid (nothing required)."""
    return not d.get("required")


_MAP_EXAMPLES = {"team": "consultants", "groups": "youth"}


def _array_block(schema: dict[str, Any], key: str, prop: dict[str, Any], out: list[str]) -> None:
    _, d = _resolve(schema, prop.get("items", {}))
    out.append("")
    out.extend(_wrap(prop.get("description") or d.get("description", ""), "# "))
    out.append(f"# Any number of [[{key}]] tables, each with:")
    examples = _ARRAY_EXAMPLES.get(key, {})
    for k, p in d.get("properties", {}).items():
        out.extend("#   " + line[2:] for line in _line_comment(schema, k, p, False))
        out.append(f"#   {k} = " + examples.get(k, toml_value(p["default"]) if "default" in p else "..."))
    out.append(f"# [[{key}]]")
    for k in d.get("required", ()):
        out.append(f"# {k} = {examples.get(k, '...')}")


def _inputs_block(schema: dict[str, Any], key: str, prop: dict[str, Any], out: list[str]) -> None:
    out.append("")
    out.extend(_wrap(prop.get("description", ""), "# "))
    out.append("# Any number of named inputs (number or distribution, with source); use them in [[lines]] factors")
    out.append("# as \"inputs.<name>\", in [[correlations]] and in [[scenarios]] like any other input.")
    out.append(f"# [{key}]")
    out.extend(f"# {ln}" for ln in _INPUT_EXAMPLES)


_INPUT_EXAMPLES = (
    'complex_households = { dist = "pert", min = 250, mode = 300, max = 350, source = "…" }',
    'cost_per_household = { value = 70000, source = "…" }',
    'reduction = { dist = "uniform", min = 0.25, max = 0.60, source = "…" }',
)


# Families with more than one parametrisation, in words.
_DIST_FORMS = {
    "lognormal": "`median` and `sigma`, or `mean` and `sd`; optional `min`, `max` (truncation), `base`",
    "beta": "`alpha` and `beta`, or `mean` and `sd`; optional `min`, `max` (default 0 and 1), `base`",
    "normal": "`mean`, `sd`; optional `min`, `max` (truncation), `base`",
    "pert": "`min`, `mode`, `max`; optional `lambda` (default 4), `base`",
}

_ARRAY_EXAMPLES = {
    "correlations": {"inputs": '["effects.substitution.new_cases", "effects.substitution.existing_cases"]',
                     "rank": "0.6", "note": '"..."'},
    "lines": {"name": '"samenwerkingsrendement"', "title": '"Samenwerkingsrendement complexe huishoudens"',
              "kind": '"financial"',
              "factors": '["inputs.complex_households", "inputs.cost_per_household", "inputs.reduction"]',
              "timing": "[1, 0, 0, 0, 0, 0, 0, 0, 0, 0]", "start_year": "1", "duration_years": "3",
              "actors": "{ jeugd = 0.5, wmo = 0.5 }"},
    "scenarios": {"name": '"lage-qaly"', "title": '"QALY-waarde € 20.000"', "description": '"..."',
                  "set": '{ "prices.qaly_value" = 20000 }'},
}

_HEADER = """\
# mkba study file — written by `mkba new`. Every block and every key of the format, with its meaning,
# unit, allowed forms and default; keys left commented out keep mkba's default (the report cites it as
# "{default}: <document>"). Check it with `mkba validate FILE`; run it with `mkba run FILE`.
#
# A value is a number or a distribution, and may say where it comes from:
#   0.3                                          a fixed number
#   {{ value = 420, source = "…", note = "…" }}    a number with its source and a remark
#   {{ dist = "pert", min = 0.1, mode = 0.3, max = 0.35, source = "…" }}
#   {{ p5 = 1.1e6, p95 = 1.5e6 }}                   a 90 % range, fitted to a family that fits the key: beta
#                                                for a share, lognormal for a count or an amount (p5 > 0)
# Distributions: {dists}.
# A table of shares takes source and note beside its shares: {{ families = 0.45, …, source = "…" }}.
# The full reference is docs/study-format.md (also `mkba schema`, a JSON Schema for editors)."""


def template(name: str = TEMPLATE_NAME) -> str:
    """The commented study file of :func:`json_schema` with study name ``name`` (it validates)."""
    schema = json_schema()
    dists = ", ".join(sorted(DIST_KEYS))
    out = _HEADER.format(default=DEFAULT, dists=dists).splitlines()
    required = set(schema.get("required", ()))
    for key, prop in schema["properties"].items():
        if prop.get("type") == "array":
            _array_block(schema, key, prop, out)
            continue
        if prop.get("type") == "object" and "$ref" not in prop:
            _inputs_block(schema, key, prop, out)
            continue
        sub_name, sub = _resolve(schema, prop)
        sub = {**sub, "description": prop.get("description") or sub.get("description", "")}
        optional = key not in required and (prop.get("x-optional", False) or not _has_defaults(sub))
        _block(schema, sub, key, out, sub_name or key, optional)
    text = "\n".join(out) + "\n"
    return text.replace(f'name = "{TEMPLATE_NAME}"', f"name = {json.dumps(name)}", 1)


def markdown() -> str:
    """docs/study-format.md: every block and key of the study format (generated; do not edit by hand)."""
    schema = json_schema()
    out = ["# The study file format", "",
           "<!-- Generated from mkba/simulator/schema.py by `python -m mkba.simulator.study_format`; "
           "do not edit by hand. -->", "",
           "A study is a TOML file. `mkba new NAME` writes a commented study file with every block and key "
           "below; `mkba new NAME --from STUDY` copies a bundled study (`mkba studies` lists them); "
           "`mkba schema` prints this format as a JSON Schema (draft 2020-12) for editors; "
           "`mkba validate FILE` checks a file and lists every problem with its location. Unknown keys are "
           "errors.", "",
           "## Values", "",
           "Every model input (the keys whose form is *number or distribution*) is one of:", "",
           "| form | keys |", "|---|---|",
           "| number | `0.3` |",
           "| number with source | `{ value = 420, source = \"…\", note = \"…\" }` |",
           "| 90 % range | `{ p5 = …, p95 = … }`, optional `family` (normal, lognormal, beta) and `base`; "
           "without `family`: beta for a share, lognormal for a count or an amount (needs p5 > 0), otherwise "
           "lognormal when p5 > 0, else normal |"]
    for name, (req, opt) in sorted(DIST_KEYS.items()):
        keys = _DIST_FORMS.get(name) or ", ".join([f"`{k}`" for k in sorted(req)] +
                                                  [f"`{k}` (optional)" for k in sorted(opt)])
        out.append(f"| `dist = \"{name}\"` | {keys} |")
    out += ["", "Any value may carry `source` (a citation a reader can look up) and `note` (a remark); a table "
            "of shares takes them beside its shares (`{ families = 0.45, elderly = 0.15, other = 0.40, "
            "source = \"…\" }`). They travel into results.nc, the report, summary.xlsx and `mkba run --json`; "
            f"a key the study leaves out is reported as \"{DEFAULT}: <source of the default>\".", ""]

    def block(title: str, d: dict[str, Any], path: str) -> None:
        out.extend([f"## `[{path}]`" if title != "array" else f"## `[[{path}]]`", ""])
        if d.get("description"):
            out.extend([d["description"], ""])
        out.extend(["| key | form | unit | default | meaning |", "|---|---|---|---|---|"])
        subs = []
        req = set(d.get("required", ()))
        for key, prop in d.get("properties", {}).items():
            if _is_block(schema, prop):
                subs.append((key, prop))
                continue
            default = "**required**" if key in req else (f"`{toml_value(prop['default'])}`" if "default" in prop else "—")
            src = prop.get("x-default-source", "")
            meaning = prop.get("description", "") + (f" Default from: {src}." if src and "default" in prop else "")
            out.append(f"| `{key}` | {_forms(schema, key, prop)} | {prop.get('x-unit', '')} | {default} | "
                       f"{meaning.replace('|', '/')} |")
        out.append("")
        for key, prop in subs:
            _, sub = _resolve(schema, prop)
            block("table", _with_defaults({**sub, "description": prop.get("description") or sub.get("description", "")},
                                          prop.get("default")), f"{path}.{key}")

    for key, prop in schema["properties"].items():
        if prop.get("type") == "array":
            _, d = _resolve(schema, prop.get("items", {}))
            block("array", {**d, "description": prop.get("description") or d.get("description", "")}, key)
        else:
            _, d = _resolve(schema, prop)
            block("table", {**d, "description": prop.get("description") or d.get("description", "")}, key)
    return "\n".join(out).rstrip() + "\n"


def study_rows() -> list[dict[str, str]]:
    """The bundled studies: name, title, municipality, year and file (read as plain TOML, no validation)."""
    import tomllib

    from .study import bundled_studies

    rows = []
    for path in bundled_studies():
        info = tomllib.loads(path.read_text(encoding="utf-8")).get("study", {})
        rows.append({"name": str(info.get("name", path.stem)), "title": str(info.get("title", "")),
                     "municipality": str(info.get("municipality", "")),
                     "year": "" if info.get("year") is None else str(info["year"]), "file": str(path)})
    return rows


def _bundled(name: str) -> Path | None:
    folder = template_path().parent
    for path in folder.glob("*.toml"):
        if path.stem == name or path.name == name:
            return path
    return None


def new_study(name: str, from_: str | None = None) -> str:
    """The text of a new study file named ``name``: the template, or a copy of study ``from_`` (a bundled
    study's name, or a study file) with its ``[study] name`` replaced. Comments are kept; the text is
    validated by the caller. ``ValueError`` if ``from_`` names nothing or has no ``[study] name``."""
    import re

    if from_ is None:
        return template(name)
    path = _bundled(from_)
    if path is None:
        candidate = Path(from_)
        if not candidate.is_file():
            names = ", ".join(r["name"] for r in study_rows())
            raise ValueError(f"--from {from_}: no bundled study of that name and no such file; bundled: {names}")
        path = candidate
    text = path.read_text(encoding="utf-8")
    if "[batch]" in text and re.search(r"^\[batch\]", text, flags=re.M):
        raise ValueError(f"--from {from_}: a batch file, not a study; copy a study instead (see `mkba studies`)")
    block = re.search(r"^\[study\][^\n]*\n(?:(?!^\[).*\n?)*", text, flags=re.M)
    if block is None or not re.search(r'^name\s*=\s*"[^"\n]*"', block.group(0), flags=re.M):
        raise ValueError(f"--from {from_}: the file has no [study] name to replace")
    named = re.sub(r'^name\s*=\s*"[^"\n]*"', f"name = {json.dumps(name)}", block.group(0), count=1, flags=re.M)
    origin = f"# Copied by `mkba new {name} --from {from_}` from {path.name} (mkba's bundled studies).\n" \
        if path.parent == template_path().parent else f"# Copied by `mkba new {name} --from {from_}`.\n"
    return origin + text[:block.start()] + named + text[block.end():]


def template_path() -> Path:
    return Path(str(resources.files("mkba") / "studies" / f"{TEMPLATE_NAME}.toml"))


def docs_path() -> Path:
    return Path(__file__).resolve().parents[2] / "docs" / "study-format.md"


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) mkba/studies/template.toml and docs/study-format.md."""
    parser = argparse.ArgumentParser(prog="python -m mkba.simulator.study_format", description=main.__doc__)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a file is stale")
    args = parser.parse_args(argv)
    stale = []
    for path, text in ((template_path(), template()), (docs_path(), markdown())):
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if args.check else 'written'}: {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
