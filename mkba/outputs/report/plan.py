"""Section "Begroting van de gemeente per jaar" / "Municipal budget per year" (studies with a ``[plan]``):
investments, savings and balance per calendar year with their 90 % intervals, as a table and a chart
(see :mod:`mkba.outputs.plan`). Amounts in whole thousands of euros, like the budget view above it."""

from __future__ import annotations

from ..formatting import format_probability, format_thousands, format_thousands_range
from ..plan import plan_view
from .context import Context
from .document import Block, Figure, Heading, Paragraph, Table

__all__ = ["section", "plan_table"]


def plan_table(view: dict, lang: str, t) -> Table:  # noqa: ANN001 - t: Context.t
    """The table of :func:`mkba.outputs.plan.plan_view`: base-case investments, savings and balance (so
    that savings − investments = balance reads on every row), the balance's median, 90 % interval and
    P(balance > 0), and the intervals of investments and savings where the run kept them."""
    k, r = format_thousands, format_thousands_range
    inv, sav, bal = view["investment"], view["savings"], view["balance"]
    ranges = view["draws_per_actor"]
    header = [t("plan_year"), t("plan_invest"), *([t("plan_invest_range")] if ranges else []), t("plan_savings"),
              *([t("plan_savings_range")] if ranges else []), t("plan_balance"), t("plan_balance_p50"),
              t("plan_balance_range"), t("plan_p")]
    rows = []
    for j, year in enumerate(view["years"]):
        rows.append([str(year), k(inv["base"][j], lang=lang),
                     *([r(inv["p5"][j], inv["p95"][j], lang=lang)] if ranges else []),
                     k(sav["base"][j], lang=lang),
                     *([r(sav["p5"][j], sav["p95"][j], lang=lang)] if ranges else []),
                     k(bal["base"][j], lang=lang), k(bal["p50"][j], lang=lang),
                     r(bal["p5"][j], bal["p95"][j], lang=lang),
                     format_probability(view["p_balance_gt_0"][j], lang=lang)])
    return Table(header, rows, name="plan")


def section(ctx: Context) -> list[Block]:
    view = ctx.plan
    if view is None:
        return []
    out: list[Block] = [Heading(ctx.t("plan"), 3), Paragraph(ctx.t("plan_intro")),
                        plan_table(view, ctx.lang, ctx.t)]
    if not view["draws_per_actor"]:
        out.append(Paragraph(ctx.t("plan_base_note"), "note"))
    if "plan_budget" in ctx.charts:
        out.append(Figure("plan_budget", ctx.t("plan_caption")))
    return out
