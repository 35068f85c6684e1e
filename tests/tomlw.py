"""A minimal TOML writer for tests that build study files from dicts (the standard library only reads).

Top-level tables become ``[name]`` sections, lists of tables ``[[name]]``, everything below inline
values. Keys that are not bare words are quoted, so dotted paths stay one key.
"""

from __future__ import annotations

from typing import Any

# one TOML value writer: the package's, which also writes the template
from mkba.simulator.study_format import toml_key as key, toml_value as value


def dumps(doc: dict[str, Any]) -> str:
    out: list[str] = []
    for k, v in doc.items():
        if not isinstance(v, (dict, list)) or (isinstance(v, list) and not all(isinstance(x, dict) for x in v)) or (
            isinstance(v, list) and not v
        ):
            out.append(f"{key(k)} = {value(v)}")
    for k, v in doc.items():
        if isinstance(v, dict):
            out.append(f"\n[{key(k)}]")
            out.extend(f"{key(str(a))} = {value(b)}" for a, b in v.items())
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for item in v:
                out.append(f"\n[[{key(k)}]]")
                out.extend(f"{key(str(a))} = {value(b)}" for a, b in item.items())
    return "\n".join(out) + "\n"
