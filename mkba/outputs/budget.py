"""The budget view "Wie betaalt, wie wint" / "Who pays, who gains" as formatted rows.

One table for the console, the report and the workbook: per party (the municipality as a whole, then its
domains, then the other parties) the costs and benefits of the base case and the balance (base case,
median, 90 % interval, P(balance > 0)); the municipal B/C ratio in a sentence below. The numbers come
from :func:`mkba.outputs.summary.budget`. Every amount is in whole thousands of euros (one rule for every
cell, as a municipal budget writes it), so that benefits − costs = balance can be read on every row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..simulator.domain import ACTOR_LABELS, MUNICIPAL_ACTORS
from .formatting import (Lang, format_probability, format_probability_claim, format_ratio,
                         format_ratio_range, format_thousands, format_thousands_range)

__all__ = ["budget_table", "budget_ratio_sentence", "budget_unit", "BUDGET_TITLE"]

BUDGET_TITLE = {"nl": "Wie betaalt, wie wint", "en": "Who pays, who gains"}
_T = {
    "nl": {"party": "Partij", "costs": "Kosten (basisgeval)", "benefits": "Baten (basisgeval)",
           "balance_base": "Saldo (basisgeval)", "balance_p50": "Saldo (mediaan)",
           "balance_range": "Saldo 90 %-interval", "p": "Kans saldo > 0", "municipality": "Gemeente (totaal)",
           "ratio": "B/K-verhouding gemeente (alleen financiële baten): {base} in het basisgeval, mediaan {p50}, "
                    "90 %-interval {range}; kans dat deze groter is dan 1: {p}."},
    "en": {"party": "Party", "costs": "Costs (base case)", "benefits": "Benefits (base case)",
           "balance_base": "Balance (base case)", "balance_p50": "Balance (median)",
           "balance_range": "Balance 90% interval", "p": "Probability balance > 0", "municipality": "Municipality (total)",
           "ratio": "Municipal B/C ratio (financial benefits only): {base} in the base case, median {p50}, "
                    "90% interval {range}; probability that it exceeds 1: {p}."},
}


def _label(actor: str, lang: Lang) -> str:
    nl, en = ACTOR_LABELS.get(actor, (actor, actor))
    return nl if lang == "nl" else en


def _row(label: str, e: Mapping[str, Any], lang: Lang) -> list[str]:
    if not e["involved"]:
        return [label, "—", "—", "—", "—", "—", "—"]
    b = e["balance"]
    return [label, format_thousands(e["costs"]["base"], lang=lang), format_thousands(e["benefits"]["base"], lang=lang),
            format_thousands(b["base"], lang=lang), format_thousands(b["p50"], lang=lang),
            format_thousands_range(b["p5"], b["p95"], lang=lang), format_probability(e["p_balance_gt_0"], lang=lang)]


def budget_unit(lang: Lang) -> str:
    """The unit line under (or above) a budget table: "Bedragen × € 1.000, contante waarde."."""
    return {"nl": "Bedragen × € 1.000, contante waarde.", "en": "Amounts in € thousand, present value."}[lang]


def budget_table(result: Mapping[str, Any], lang: Lang) -> tuple[list[str], list[list[str]], list[int]]:
    """(header, rows, indent) of the budget view from a summary (``summarise`` or ``budget``): the
    municipality first, its domains indented below it (``indent`` 1), then the other parties."""
    t = _T[lang]
    header = [t["party"], t["costs"], t["benefits"], t["balance_base"], t["balance_p50"], t["balance_range"], t["p"]]
    actors = result["actors"]
    rows, indent = [_row(t["municipality"], result["municipality"], lang)], [0]
    for a in MUNICIPAL_ACTORS:
        rows.append(_row(_label(a, lang), actors[a], lang))
        indent.append(1)
    for a, e in actors.items():
        if a not in MUNICIPAL_ACTORS:
            rows.append(_row(_label(a, lang), e, lang))
            indent.append(0)
    return header, rows, indent


def budget_ratio_sentence(result: Mapping[str, Any], lang: Lang) -> str:
    """The municipal B/C ratio in words (base, median, 90 % interval, P(B/C > 1))."""
    m = result["municipality"]
    bc = m["bc"]
    return _T[lang]["ratio"].format(base=format_ratio(bc["base"], lang=lang), p50=format_ratio(bc["p50"], lang=lang),
                                    range=format_ratio_range(bc["p5"], bc["p95"], lang=lang),
                                    p=format_probability_claim(m["p_bc_gt_1"], lang=lang))
