"""The lines of a result: built-in and own lines, their kind and their (nl, en) titles."""

from __future__ import annotations

import json

import xarray as xr

from ..simulator.domain import ITEM_LABELS

__all__ = ["line_kinds", "line_labels", "line_order"]


def line_kinds(ds: xr.Dataset) -> dict[str, str]:
    """item → cost / financial / immaterial, in the Dataset's item order."""
    return dict(zip(ds["item"].values.tolist(), ds["kind"].values.tolist()))


def line_labels(ds: xr.Dataset) -> dict[str, tuple[str, str]]:
    """item → (nl, en) title: the built-in labels plus the study's own lines (attr ``line_titles``)."""
    out = dict(ITEM_LABELS)
    own = json.loads(ds.attrs.get("line_titles", "{}") or "{}")
    out.update({k: (v[0], v[1]) for k, v in own.items()})
    return out


def line_order(ds: xr.Dataset) -> list[str]:
    """Report order: the cost lines, then the benefit lines (each in the Dataset's order)."""
    kinds = line_kinds(ds)
    return [i for i, k in kinds.items() if k == "cost"] + [i for i, k in kinds.items() if k != "cost"]
