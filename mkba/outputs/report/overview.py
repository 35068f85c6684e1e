"""First section: the headline, the base case described honestly, and the costs and benefits per line."""

from __future__ import annotations

from pathlib import Path

from ...simulator.labels import label
from ..formatting import (
    format_money,
    format_money_ends,
    format_money_range,
    format_percent,
    format_probability,
    format_ratio,
    format_ratio_range,
)
from ..lines import line_labels, line_order
from ..summary import RATIOS
from .context import Context
from .document import Block, Heading, Paragraph, Table

__all__ = ["headline", "costs_benefits", "base_phrase"]


def base_phrase(ctx: Context) -> str:
    """The base-case sentence: "the published point estimate (reference)" only for a study that says it
    published one (``[study] published = true``), else "the values without uncertainty"."""
    a, lang, base = ctx.ds.attrs, ctx.lang, ctx.res["base"]
    fields = {"saldo": format_money(base["saldo"], lang=lang), "bc": format_ratio(base["bc_social"], lang=lang)}
    if int(a.get("published", 0)):
        ref = str(a.get("reference", ""))
        return ctx.t("base_published", ref=f": {ref}" if ref else "", **fields)
    return ctx.t("base_unpublished", **fields)


def headline(ctx: Context) -> list[Block]:
    summ, prob = ctx.res["summary"], ctx.res["probabilities"]
    lo, hi = format_money_ends(summ["saldo"]["p5"], summ["saldo"]["p95"], lang=ctx.lang)
    out: list[Block] = [
        Paragraph(ctx.t("headline", lo=lo, hi=hi, p=format_probability(prob["bc_social_gt_1"], lang=ctx.lang)),
                  style="headline"),
        Paragraph(base_phrase(ctx)),
    ]
    if ctx.study is None:  # the file's name only: a council document shows no paths of the analyst's machine
        name = Path(str(ctx.ds.attrs.get("study_file", "") or "?")).name
        status = ctx.study_status if ctx.study_status in ("missing", "changed", "invalid") else "missing"
        out.append(Paragraph(ctx.t("no_study", why=ctx.t(f"study_{status}", file=name)), "note"))
    return out


def costs_benefits(ctx: Context) -> list[Block]:
    lang, summ, base, prob = ctx.lang, ctx.res["summary"], ctx.res["base"], ctx.res["probabilities"]
    header = [ctx.t("line"), ctx.t("base"), ctx.t("median"), ctx.t("range"), ctx.t("p_gt")]
    rows, bold = [], []
    items, labels = line_order(ctx.ds), line_labels(ctx.ds)  # built-in and the study's own lines
    for name in (*items, "costs", "benefits", "saldo", *RATIOS):
        s = summ[name]
        if name in RATIOS:
            rows.append([ctx.t(name), format_ratio(base[name], lang=lang), format_ratio(s["p50"], lang=lang),
                         format_ratio_range(s["p5"], s["p95"], lang=lang),
                         format_probability(prob[f"{name}_gt_1"], lang=lang)])
            continue
        if name in items and base[name] == 0 and s["p5"] == 0 and s["p95"] == 0:
            continue  # a line this study does not use
        text = label(labels, name, lang) if name in items else ctx.t(name)
        last = ctx.t("p_saldo", p=format_probability(prob["saldo_gt_0"], lang=lang)) if name == "saldo" else ""
        if name in ("costs", "benefits", "saldo"):
            bold.append(len(rows))
        rows.append([text, format_money(base[name], lang=lang), format_money(s["p50"], lang=lang),
                     format_money_range(s["p5"], s["p95"], lang=lang), last])
    out: list[Block] = [Heading(ctx.t("results")), Table(header, rows, bold=tuple(bold), name="results"),
                        Paragraph(ctx.t("ratio_note"), "note")]
    for name in RATIOS:  # one line per ratio that is undefined in some draws (a denominator of 0)
        share = ctx.res.get("undefined", {}).get(name, 0.0)
        if share >= 1.0:
            out.append(Paragraph(ctx.t("undefined_all", what=ctx.t(name)), "note"))
        elif share > 0.0:
            out.append(Paragraph(ctx.t("undefined_some", what=ctx.t(name), share=format_percent(share, 1, lang=lang)),
                                 "note"))
    return out
