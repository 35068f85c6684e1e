"""Section "Wie betaalt, wie wint" / "Who pays, who gains": output part B as a per-party split, and with a
``[plan]`` the municipal budget per year (:mod:`.plan`). The tables come first, the charts after them,
so that the first printed page holds the tables."""

from __future__ import annotations

from ..budget import BUDGET_TITLE, budget_ratio_sentence, budget_table
from . import plan
from .context import Context
from .document import Block, Figure, Heading, Paragraph, Table

__all__ = ["section"]


def section(ctx: Context) -> list[Block]:
    if "actors" not in ctx.res:  # results without per-actor totals (written by an older mkba)
        return plan.section(ctx)
    header, rows, indent = budget_table(ctx.res, ctx.lang)
    out: list[Block] = [Heading(BUDGET_TITLE[ctx.lang]), Paragraph(ctx.t("budget_intro")),
                        Table(header, rows, indent=tuple(indent), bold=(0,), name="budget"),
                        Paragraph(budget_ratio_sentence(ctx.res, ctx.lang))]
    per_year = plan.section(ctx)
    out += [b for b in per_year if not isinstance(b, Figure)]
    if "actors" in ctx.charts:
        out.append(Figure("actors", ctx.t("actor_caption")))
    return out + [b for b in per_year if isinstance(b, Figure)]
