"""Section "Tijdprofiel" / "Time profile": net cash flow per year."""

from __future__ import annotations

from ..charts import net_cashflow
from ..formatting import format_money, format_money_range
from ..summary import cashflow_bands
from .context import Context
from .document import Block, Figure, Heading, Paragraph, Table

__all__ = ["section"]


def section(ctx: Context) -> list[Block]:
    ds, lang = ctx.ds, ctx.lang
    base = net_cashflow(ds, base=True).values
    years = [str(int(y)) for y in ds["year"].values]
    out: list[Block] = [Heading(ctx.t("time"))]
    q = cashflow_bands(ds, (0.05, 0.5, 0.95))  # every store keeps the bands (computed as the draws stream)
    if q is None:  # results of older versions without per-draw cash flows
        out.append(Paragraph(ctx.t("lean_note"), "note"))
        rows = [[y, format_money(float(b), lang=lang)] for y, b in zip(years, base)]
        out.append(Table([ctx.t("year"), ctx.t("base")], rows, name="time"))
    else:
        rows = [[y, format_money(float(base[j]), lang=lang), format_money(float(q[1, j]), lang=lang),
                 format_money_range(float(q[0, j]), float(q[2, j]), lang=lang)] for j, y in enumerate(years)]
        out.append(Table([ctx.t("year"), ctx.t("base"), ctx.t("median"), ctx.t("range")], rows, name="time"))
    if "cashflow" in ctx.charts:
        out.append(Figure("cashflow", ctx.t("time_caption")))
    return out
