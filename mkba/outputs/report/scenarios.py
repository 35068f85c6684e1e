"""Section "Wat-als-scenario's" / "What-if scenarios": the study's scenarios beside the run, on the
run's own draws (see :mod:`mkba.outputs.scenarios`); Δ is defined once, in words, above the table."""

from __future__ import annotations

from ..formatting import format_money, format_money_range, format_number, format_probability, format_ratio_range
from .context import Context
from .document import Block, Heading, Paragraph, Table

__all__ = ["section"]


def section(ctx: Context) -> list[Block]:
    if ctx.study is None:
        return []
    lang, rows = ctx.lang, ctx.scenarios
    out: list[Block] = [Heading(ctx.t("scenarios"))]
    if not rows or len(rows) < 2:
        return [*out, Paragraph(ctx.t("no_scenarios"))]
    n, total = min(r["draws"] for r in rows), rows[0]["run_draws"]
    out.append(Paragraph(ctx.t("delta_def")))
    out.append(Paragraph(ctx.t("scen_same", n=format_number(n, lang=lang)) if n == total else
                         ctx.t("scen_fewer", n=format_number(n, lang=lang), total=format_number(total, lang=lang)),
                         "note"))
    body = []
    own = str(ctx.ds.attrs.get("scenario", "base"))  # the run's own row: the headline's numbers
    mine = 0
    for k, s in enumerate(rows):
        is_base = s["name"] == "base"
        label = ctx.t("base_scenario") if is_base else (s["title"] or s["name"])
        if s["name"] == own:
            label, mine = ctx.t("this_run", label=label), k
        body.append([label, format_money(s["base_saldo"], lang=lang),
                     format_money_range(s["saldo_p5"], s["saldo_p95"], lang=lang),
                     format_ratio_range(s["bc_p5"], s["bc_p95"], lang=lang),
                     format_probability(s["p_bc_gt_1"], lang=lang),
                     "—" if is_base else format_money(s["delta_base"], lang=lang),
                     "—" if is_base else f"{format_money(s['delta_p50'], lang=lang)} "
                                         f"({format_money_range(s['delta_p5'], s['delta_p95'], lang=lang)})"])
    header = [ctx.t("scenario"), ctx.t("sc_base_saldo"), ctx.t("sc_range"), ctx.t("sc_bc"), ctx.t("sc_p"),
              ctx.t("sc_d_base"), ctx.t("sc_d")]
    out.append(Table(header, body, bold=(mine,), name="scenarios"))
    return out
