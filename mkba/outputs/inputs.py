"""The inputs of a run as a reader sees them: label, group, unit, distribution in words, base value,
P5–P95 and source. Plain data shared by the report and the workbook (neither imports the other)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from ..simulator.labels import Label, group_label, input_description, input_label, readable_source, unit_label
from .formatting import Lang, format_number, format_source

if TYPE_CHECKING:
    from ..simulator.study import Study

__all__ = ["input_table", "describe_distribution", "format_value", "own_labels"]

_DIST_NAMES: dict[str, tuple[str, str]] = {
    "uniform": ("Uniform", "Uniform"), "triangular": ("Driehoek", "Triangular"), "pert": ("PERT", "PERT"),
    "normal": ("Normaal", "Normal"), "lognormal": ("Lognormaal", "Lognormal"), "beta": ("Bèta", "Beta"),
    "discrete": ("Discreet", "Discrete"), "empirical": ("Empirisch", "Empirical"), "scaled": ("Geschaald", "Scaled"),
}
_WORDS: dict[str, tuple[str, str]] = {
    "min": ("min", "min"), "max": ("max", "max"), "mode": ("meest waarschijnlijk", "most likely"),
    "mean": ("gemiddelde", "mean"), "sd": ("standaardafwijking", "standard deviation"), "median": ("mediaan", "median"),
    "sigma": ("spreiding (log)", "spread (log)"), "lam": ("vormfactor", "shape"), "alpha": ("α", "α"), "beta": ("β", "β"),
    "values": ("waarden", "values"), "weights": ("kansen", "weights"), "samples": ("waarnemingen", "observations"),
}


def format_value(v: float, lang: Lang) -> str:
    """An input value with about four significant figures in the report language's notation."""
    if not math.isfinite(v):
        return "—"
    if v == 0:
        return "0"
    mag = math.floor(math.log10(abs(v)))
    if mag >= 3:
        return format_number(v, 0, lang=lang)
    text = format_number(v, max(0, 3 - mag), lang=lang)
    sep = "," if lang == "nl" else "."
    return text.rstrip("0").rstrip(sep) if sep in text else text


def describe_distribution(spec: Any, lang: Lang) -> str:
    """A distribution as a reader understands it: "PERT: min 0,10 – meest waarschijnlijk 0,30 – max 0,35";
    a fixed value → "vast" / "fixed"."""
    if not isinstance(spec, Mapping):
        return "vast" if lang == "nl" else "fixed"
    i = 0 if lang == "nl" else 1
    kind = str(spec.get("dist", ""))
    name = _DIST_NAMES.get(kind, (kind, kind))[i]

    def w(key: str) -> str:
        return _WORDS.get(key, (key, key))[i]

    def v(x: Any) -> str:
        return format_value(float(x), lang)

    parts: list[str] = []
    if kind == "lognormal" and "mu" in spec:  # stored on the log scale: the median is what a reader knows
        parts = [f"{w('median')} {v(math.exp(float(spec['mu'])))}", f"{w('sigma')} {v(spec['sigma'])}"]
    elif kind == "normal":
        parts = [f"{w('mean')} {v(spec['mu'])}", f"{w('sd')} {v(spec['sd'])}"]
    elif kind in ("discrete", "empirical"):
        for key in ("values", "weights", "samples"):
            if spec.get(key):
                xs = list(spec[key])
                shown = "; ".join(v(x) for x in xs[:6]) + ("; …" if len(xs) > 6 else "")
                parts.append(f"{w(key)} {shown}" + (f" ({len(xs)})" if key == "samples" else ""))
    else:
        for key in ("min", "mode", "max", "alpha", "beta"):
            if key in spec and spec[key] is not None:
                parts.append(f"{w(key)} {v(spec[key])}")
        if kind == "pert" and float(spec.get("lam", 4.0)) != 4.0:
            parts.append(f"{w('lam')} {v(spec['lam'])}")
    for key in ("min", "max"):  # truncation bounds of normal / lognormal
        if kind in ("normal", "lognormal") and spec.get(key) is not None:
            parts.append(f"{w(key)} {v(spec[key])}")
    return f"{name}: " + " – ".join(parts) if parts else name


def own_labels(ds: xr.Dataset, study: Study | None = None) -> dict[str, Label]:
    """Labels a study brings itself, by key: the titles of its own lines (results attribute
    ``line_titles``) and, when the study is at hand, of its team roles and tailored groups; used for
    the inputs that belong to them (e.g. ``lines.<name>.actors.wmo``)."""
    out: dict[str, Label] = {}
    try:
        raw = json.loads(ds.attrs.get("line_titles", "{}") or "{}")
    except (TypeError, ValueError):
        raw = {}
    out.update({str(k): (str(v[0]), str(v[1])) for k, v in raw.items() if isinstance(v, (list, tuple)) and len(v) == 2})
    if study is not None:
        for key, entry in (study.raw.get("inputs") or {}).items():  # [inputs]: { …, title = "…", title_en = "…" }
            if isinstance(entry, Mapping) and entry.get("title"):
                out[f"inputs.{key}"] = (str(entry["title"]), str(entry.get("title_en") or entry["title"]))
        spec = study.spec
        for key, role in (getattr(spec.costs, "team", None) or {}).items():
            if getattr(role, "title", ""):
                out[key] = (role.title, role.title)
        for key, group in (getattr(spec.effects.tailored, "groups", None) or {}).items():
            if getattr(group, "title", ""):
                out[key] = (group.title, group.title)
    return out


def _dist_from_spec(spec: Any) -> Any:
    """Rebuild a distribution from the Dataset's stored spec (when the study file is gone)."""
    from .. import distributions as d

    classes = {"uniform": d.Uniform, "triangular": d.Triangular, "pert": d.Pert, "normal": d.Normal,
               "lognormal": d.LogNormal, "beta": d.Beta, "discrete": d.Discrete, "empirical": d.Empirical}
    if not isinstance(spec, dict) or spec.get("dist") not in classes:
        return None
    kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in spec.items() if k != "dist"}
    try:
        return classes[spec["dist"]](**kw)
    except Exception:  # noqa: BLE001 - a spec we cannot rebuild just gets no P5–P95 column
        return None


def input_table(ds: xr.Dataset, study: Study | None = None, *, lang: Lang = "nl") -> list[dict[str, Any]]:
    """Every input with its reader's label, group, unit, distribution (spec and words), base, P5, P95 and
    source. P5/P95 come from the distribution itself (study or stored spec), else from the sampled
    inputs, else are NaN. ``name`` stays the internal key (for files and tests), never for display."""
    params = json.loads(ds.attrs.get("parameters", "{}"))
    live = study.scenario(str(ds.attrs.get("scenario", "base"))).parameters if study is not None else None
    own = own_labels(ds, study)
    rows = []
    for name, p in params.items():
        spec = p.get("dist")
        uncertain = isinstance(spec, dict)
        p5 = p95 = float(p["base"])
        if uncertain:
            dist = live[name].dist if live is not None and name in live else _dist_from_spec(spec)
            if dist is not None:
                p5, p95 = (float(x) for x in dist.ppf([0.05, 0.95]))
            elif "inputs" in ds and name in ds["input"].values:
                q = np.quantile(ds["inputs"].sel(input=name).values, (0.05, 0.95))
                p5, p95 = float(q[0]), float(q[1])
            else:
                p5 = p95 = math.nan
        unit, group = str(p.get("unit", "")), str(p.get("group", ""))
        if not unit and study is not None and name.startswith("inputs."):  # a study input's own unit
            entry = (study.raw.get("inputs") or {}).get(name[len("inputs."):])
            unit = str(entry.get("unit", "")) if isinstance(entry, Mapping) else ""
        rows.append({"name": name, "label": input_label(name, lang, own),
                     "description": input_description(name, lang),
                     "group": group, "group_label": group_label(group, lang),
                     "unit": unit, "unit_label": unit_label(unit, lang), "spec": spec,
                     "dist_text": describe_distribution(spec, lang), "uncertain": uncertain,
                     "base": float(p["base"]), "p5": p5, "p95": p95, "source": str(p.get("source", "")),
                     "note": str(p.get("note", "")), "origin": str(p.get("origin", "")),
                     "source_text": readable_source(format_source(str(p.get("source", "")), str(p.get("note", "")),
                                                                  lang), lang)})
    return rows
