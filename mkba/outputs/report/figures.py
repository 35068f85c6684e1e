"""Section with the charts of the distribution of the results (costs and benefits, balance, ratios)."""

from __future__ import annotations

from .context import Context
from .document import Block, Figure, Heading

__all__ = ["section"]


def section(ctx: Context) -> list[Block]:
    figs: list[Block] = []
    if "costs_benefits" in ctx.charts:
        figs.append(Figure("costs_benefits", ctx.t("cb_caption")))
    if "saldo" in ctx.charts:
        figs.append(Figure("saldo", ctx.t("dist_caption", what=ctx.t("saldo").lower() if ctx.lang == "en"
                                          else ctx.t("saldo"))))
    if "ratios" in ctx.charts:  # the three B/C ratios in one chart
        figs.append(Figure("ratios", ctx.t("ratios_caption")))
    return [Heading(ctx.t("figures")), *figs] if figs else []
