"""Sensitivity results for people and files: the console ranking table and the written outputs
(indices NetCDF + CSV, tornado PNG/SVG, spider PNG, indices bar chart PNG), each written atomically."""

from __future__ import annotations

import math
from pathlib import Path

import xarray as xr

from ..simulator.results import atomic_write

__all__ = ["ranking_table", "write_sensitivity"]


def _num(v: float, conf: float | None = None) -> str:
    if not math.isfinite(v):
        return "—"
    a = abs(v)
    s = f"{v:,.0f}" if a >= 1000 else f"{v:.3g}" if a >= 1 else f"{v:.3f}"
    if conf is not None and math.isfinite(conf):
        c = f"{conf:,.0f}" if a >= 1000 else f"{conf:.3g}" if a >= 1 else f"{conf:.3f}"
        s += f" ±{c}"
    return s


def ranking_table(ds: xr.Dataset, *, switching: xr.Dataset | None = None, top: int | None = None) -> str:
    """A plain-text ranking: rank, parameter, group and every index (± CI half-width where known);
    with ``switching`` also the switching value of each input."""
    idx = [str(i) for i in ds["index"].values]
    names = [str(p) for p in ds["parameter"].values][:top]
    w = max(12, *(len(p) for p in names)) + 2
    groups: dict[str, str] = {}
    if "group" in ds.coords:
        groups = {str(p): str(g) for p, g in zip(ds["parameter"].values, ds["group"].values)}
    inert = {str(p): bool(f) for p, f in zip(ds["parameter"].values, ds["inert"].values)} if "inert" in ds else None
    cols = idx + (["switching value"] if switching is not None else []) + (["vs inert"] if inert is not None else [])
    cw = [max(16, len(c) + 2) for c in cols]
    head = f"{'#':>3}  {'parameter':<{w}}{'group':<16}" + "".join(f"{c:>{n}}" for c, n in zip(cols, cw))
    lines = [head, "-" * len(head)]
    for r, p in enumerate(names, 1):
        row = f"{r:>3}  {p:<{w}}{groups.get(p, ''):<16}"
        for c, n in zip(idx, cw):
            v = float(ds["value"].sel(parameter=p, index=c))
            cf = float(ds["conf"].sel(parameter=p, index=c))
            row += f"{_num(v, cf):>{n}}"
        if switching is not None:
            sv = switching.sel(parameter=p)
            txt = _num(float(sv["switching_value"])) if str(sv["status"].values).startswith("found") else "none"
            row += f"{txt:>{cw[len(idx)]}}"
        if inert is not None:  # δ no larger than the largest δ of inert dummy inputs
            row += f"{'≈ inert' if inert[p] else '':>{cw[-1]}}"
        lines.append(row)
    return "\n".join(lines) + "\n"


def _clean_attrs(ds: xr.Dataset) -> xr.Dataset:
    """NetCDF attributes must be numbers or strings."""
    ds = ds.copy()
    for k, v in list(ds.attrs.items()):
        if isinstance(v, bool):
            ds.attrs[k] = int(v)
        elif not isinstance(v, (str, int, float)):
            ds.attrs[k] = str(v)
    return ds


def sensitivity_stem(method: str, groups: bool = False, target: str = "saldo") -> str:
    """The file and folder stem of a sensitivity result: grouped and ungrouped results, and results for
    different targets, never share a name (``sensitivity-sobol``, ``sensitivity-sobol-grouped``,
    ``sensitivity-morris-bc_social``; ``actor:jeugd`` → ``actor-jeugd``)."""
    stem = f"sensitivity-{method}" + ("-grouped" if groups else "")
    if target != "saldo":
        stem += "-" + "".join(c if c.isalnum() or c in "_." else "-" for c in target)
    return stem


def write_sensitivity(
    out: Path,
    indices: xr.Dataset,
    *,
    oneway: xr.Dataset,
    spider: xr.Dataset,
    switching: xr.Dataset | None = None,
    lang: str = "nl",
    stem: str | None = None,
) -> list[Path]:
    """Write ``<stem>.nc`` and ``.csv`` (default stem ``sensitivity-<method>``), ``tornado.png``/``.svg``,
    ``spider.png`` and (for a global method) ``indices-<method>.png`` under ``out``; return the paths."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    from ..simulator.results import write_netcdf
    from .sensitivity_charts import plot_indices, plot_spider, plot_tornado

    method = str(indices.attrs["method"])
    written: list[Path] = []
    ds = _clean_attrs(indices)
    if switching is not None and method == "oneway":
        sw = switching.reindex(parameter=ds["parameter"].values)
        ds["switching_value"] = sw["switching_value"]
        ds["switching_status"] = sw["status"].astype(str)
        ds.attrs["switching_threshold"] = float(switching.attrs["threshold"])
    stem = stem or f"sensitivity-{method}"
    nc = out / f"{stem}.nc"
    write_netcdf(ds, nc)
    written.append(nc)
    csv = out / f"{stem}.csv"
    frame = indices["value"].to_pandas()
    conf = indices["conf"].to_pandas().add_suffix("_conf")
    table = frame.join(conf.loc[:, conf.notna().any()])
    atomic_write(csv, lambda p: table.to_csv(p, encoding="utf-8"))
    written.append(csv)

    def save(fig: object, name: str) -> None:
        path = out / name
        atomic_write(path, lambda p: fig.savefig(p, dpi=150, format=path.suffix[1:]))  # type: ignore[attr-defined]
        written.append(path)

    fig = plot_tornado(oneway, lang=lang).figure  # type: ignore[arg-type]
    save(fig, "tornado.png")
    save(fig, "tornado.svg")
    plt.close(fig)
    fig = plot_spider(spider, lang=lang).figure  # type: ignore[arg-type]
    save(fig, "spider.png")
    plt.close(fig)
    if method != "oneway":
        fig = plot_indices(indices, lang=lang).figure  # type: ignore[arg-type]
        save(fig, f"indices-{method}.png")
        plt.close(fig)
    return written
