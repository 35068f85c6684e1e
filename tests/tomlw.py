"""A minimal TOML writer for tests that build study files from dicts (the standard library only reads).

Top-level tables become ``[name]`` sections, lists of tables ``[[name]]``, everything below inline
values. Keys that are not bare words are quoted, so dotted paths stay one key.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k)


def value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{key(str(k))} = {value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


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
