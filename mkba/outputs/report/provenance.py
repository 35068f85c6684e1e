"""Sections "Methode" and "Herkomst" / "Method" and "Provenance": how the numbers were made and from what."""

from __future__ import annotations

import math
from pathlib import Path

from ... import __version__
from ..formatting import format_number, format_percent
from .context import Context
from .document import Block, Figure, Heading, Paragraph, Table

__all__ = ["method", "provenance"]


def method(ctx: Context) -> list[Block]:
    a, lang = ctx.ds.attrs, ctx.lang
    draws = format_number(int(a.get("draws", ctx.ds.sizes["draw"])), lang=lang)
    sampler = ctx.t(str(a.get("sampler"))) if a.get("sampler") in ("lhs", "sobol") else ctx.t("mc")
    rate = format_percent(float(a.get("discount_rate", math.nan)), 1, lang=lang)
    corr = ctx.t("method_corr") if ctx.study is not None and ctx.study.parameters.correlations else ""
    body = ctx.t("method_text", draws=draws, sampler=sampler, seed=a.get("seed"), corr=corr, rate=rate)
    if ctx.tornado is not None:
        body += ctx.t("method_tornado")
    out: list[Block] = [Heading(ctx.t("method")), Paragraph(body)]
    if "convergence" in ctx.charts:
        out.append(Figure("convergence", ctx.t("conv_caption")))
    return out


def _study_file(ctx: Context) -> str:
    """The study file by its name; a bundled example by its name only (never a package path)."""
    path = Path(str(ctx.ds.attrs.get("study_file", "")))
    if "site-packages" in path.parts or path.parent.name == "studies" and path.parent.parent.name == "mkba":
        return ctx.t("prov_bundled", name=path.name)
    return path.name


def _scenario(ctx: Context) -> str:
    name = str(ctx.ds.attrs.get("scenario", "base"))
    if name == "base":
        return "basis" if ctx.lang == "nl" else "base"
    return ctx.study.scenario_title(name) if ctx.study is not None and name in ctx.study.scenarios else name


def provenance(ctx: Context) -> list[Block]:
    a = ctx.ds.attrs
    rows = [[ctx.t("prov_study"), str(a.get("title") or a.get("study", ""))],
            [ctx.t("prov_scenario"), _scenario(ctx)],
            [ctx.t("prov_file"), _study_file(ctx)],
            [ctx.t("prov_hash"), str(a.get("study_hash", ""))],
            [ctx.t("prov_draws"), format_number(int(a.get("draws", ctx.ds.sizes["draw"])), lang=ctx.lang)],
            [ctx.t("prov_run"), str(a.get("mkba_version", ""))],
            [ctx.t("prov_created"), str(a.get("created", ""))],
            [ctx.t("prov_report"), __version__]]
    return [Heading(ctx.t("provenance")), Table([ctx.t("key"), ctx.t("value")], rows, align="ll", name="provenance")]
