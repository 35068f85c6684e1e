"""Section with the charts of the distribution of the results (costs and benefits, balance, ratios)."""

from __future__ import annotations

from ..summary import RATIOS
from .context import Context
from .document import Block, Figure, Heading

__all__ = ["section"]


def section(ctx: Context) -> list[Block]:
    figs: list[Block] = []
    if "costs_benefits" in ctx.charts:
        figs.append(Figure("costs_benefits", ctx.t("cb_caption")))
    for var in ("saldo", *RATIOS):
        if var in ctx.charts:
            figs.append(Figure(var, ctx.t("dist_caption", what=ctx.t(var).lower() if ctx.lang == "en"
                                          else ctx.t(var))))
    return [Heading(ctx.t("figures")), *figs] if figs else []
