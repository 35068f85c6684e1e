"""Section "Aannames" / "Assumptions": every input with its label, distribution in words, base value,
P5–P95, unit and source (from :func:`mkba.outputs.inputs.input_table`)."""

from __future__ import annotations

from ..inputs import format_value
from .context import Context
from .document import Block, Heading, Paragraph, Table

__all__ = ["section"]


def section(ctx: Context) -> list[Block]:
    lang = ctx.lang
    unc = [r for r in ctx.inputs if r["uncertain"]]
    fixed = [r for r in ctx.inputs if not r["uncertain"]]
    unsourced = [r["label"] for r in ctx.inputs if not r["source"]]
    return [
        Heading(ctx.t("assumptions")),
        Heading(f"{ctx.t('uncertain')} ({len(unc)})", 3),
        Table([ctx.t("input"), ctx.t("dist"), ctx.t("base"), ctx.t("p5p95"), ctx.t("unit"), ctx.t("source")],
              [[r["label"], r["dist_text"], format_value(r["base"], lang),
                f"{format_value(r['p5'], lang)} – {format_value(r['p95'], lang)}", r["unit_label"], r["source_text"]]
               for r in unc], align="llrrll", name="uncertain_inputs"),
        Heading(f"{ctx.t('fixed')} ({len(fixed)})", 3),
        Table([ctx.t("input"), ctx.t("value"), ctx.t("unit"), ctx.t("source")],
              [[r["label"], format_value(r["base"], lang), r["unit_label"], r["source_text"]] for r in fixed],
              align="lrll", name="fixed_inputs"),
        Paragraph(ctx.t("unsourced", n=len(unsourced), names=", ".join(unsourced)) if unsourced
                  else ctx.t("all_sourced"), "note"),
    ]
