"""What ``mkba run`` and ``mkba decide`` print, in the reader's language (``--lang``, default the study's).

Every label comes from the one place that holds them (:mod:`mkba.simulator.labels` for lines, actors and
inputs; the report's sentences for the decision section), so the console never shows an internal line
name or input path, and a Dutch console is Dutch throughout. Numbers use the language's separators.
``--json`` is unchanged: scripts read its keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..simulator.labels import ACTOR_LABELS, ITEM_LABELS, Label, label
from .formatting import Lang, format_number, format_probability, format_ratio, format_thousands
from .summary import RATIOS, summary_rows

__all__ = ["text_table", "run_lines", "plan_lines", "budget_lines", "convergence_lines", "blocks_lines",
           "written_line", "target_text", "lang_of", "decision_head", "batch_head"]

_T: dict[str, dict[str, str]] = {
    "nl": {
        "head": "{title}: {draws} trekkingen, startgetal {seed}, {sampler}",
        "line": "Post", "base": "Basisgeval", "mean": "Gemiddelde",
        "costs": "Totaal kosten", "benefits": "Totaal baten", "saldo": "Saldo",
        "bc_social": "B/K maatschappelijk", "bc_financial": "B/K financieel", "bc_municipal": "B/K gemeente",
        "p": "Kans {what} > {t} {p}", "rounded": "B/K-verhoudingen afgerond op 0,05, zoals in het rapport; "
                                               "basisgeval onafgerond: {values}",
        "undefined": "let op: {what} is in {share} van de trekkingen niet gedefinieerd (n.v.t.): de kosten zijn "
                     "daar 0{muni}",
        "undefined_muni": " (bijv. geen gemeentelijke kosten)",
        "plan": "Begroting van de gemeente per jaar (kasstromen, niet verdisconteerd; bedragen × € 1.000)",
        "year": "Jaar", "invest": "Investeringen", "savings": "Besparingen", "plan_base": "Saldo (basisgeval)",
        "budget_pv": " (contante waarde; bedragen × € 1.000)",
        "conv": "precisie ± € {precision} en ± {prob} voor de kans B/K > 1, 95 % betrouwbaarheid: {state} na "
                "{draws} trekkingen",
        "reached": "bereikt", "not_reached": "NIET bereikt (maximum {cap} trekkingen)",
        "skipped": "  {what}: in geen enkele trekking gedefinieerd (n.v.t.), niet gevolgd",
        "written": "geschreven", "mc": "Monte Carlo", "lhs": "Latin hypercube", "sobol": "Sobol'-reeks",
        "base_scenario": "basis", "municipality": "Gemeente (totaal)", "saldo_short": "saldo",
        "decide": "{title}: besluit over {target}, {draws} trekkingen, startgetal {seed}",
        "batch": "{title}: {cases} gevallen (studie × scenario), elk {draws} trekkingen, startgetal {seed}, {sampler}; "
                 "{computed} taken berekend, {reused} hergebruikt ({seconds} s)",
    },
    "en": {
        "head": "{title}: {draws} draws, seed {seed}, {sampler}",
        "line": "Line", "base": "Base case", "mean": "Mean",
        "costs": "Total costs", "benefits": "Total benefits", "saldo": "Balance (saldo)",
        "bc_social": "Social B/C", "bc_financial": "Financial B/C", "bc_municipal": "Municipal B/C",
        "p": "P({what} > {t}) {p}", "rounded": "ratios at the report's precision (nearest 0.05); base case "
                                              "unrounded: {values}",
        "undefined": "note: {what} is undefined (n/a) in {share} of the draws: its costs are 0 there{muni}",
        "undefined_muni": " (e.g. no municipal costs)",
        "plan": "Municipal budget per year (cash flows, undiscounted; amounts in € thousand)",
        "year": "Year", "invest": "Investments", "savings": "Savings", "plan_base": "Balance (base case)",
        "budget_pv": " (present value; amounts in € thousand)",
        "conv": "precision ± € {precision} and ± {prob} for P(B/C > 1), 95 % confidence: {state} after {draws} "
                "draws",
        "reached": "reached", "not_reached": "NOT reached (cap {cap} draws)",
        "skipped": "  {what}: undefined in every draw (n/a), not watched",
        "written": "written", "mc": "Monte Carlo", "lhs": "Latin hypercube", "sobol": "Sobol' sequence",
        "base_scenario": "base", "municipality": "Municipality (total)", "saldo_short": "balance",
        "decide": "{title}: decision on {target}, {draws} draws, seed {seed}",
        "batch": "{title}: {cases} study × scenario cases, {draws} draws each, seed {seed}, {sampler}; tasks "
                 "{computed} computed, {reused} reused ({seconds} s)",
    },
}


def lang_of(lang: str | None, study_language: str | None = None) -> Lang:
    """``--lang`` if given, else the study's language; anything but Dutch is English."""
    return "nl" if (lang or study_language or "nl") == "nl" else "en"


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> list[str]:
    """A plain-text table: columns as wide as their widest cell, numbers right-aligned (``align``: one
    letter l/r per column; default first left, the rest right), a rule under the header."""
    align = align or "l" + "r" * (len(header) - 1)
    widths = [max(len(str(r[j])) for r in (header, *rows)) for j in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) if a == "l" else str(c).rjust(w)
                         for c, w, a in zip(cells, widths, align)).rstrip()

    head = line(header)
    return [head, "-" * len(head), *(line(r) for r in rows)]


def target_text(target: str, lang: Lang, own: Mapping[str, Label] | None = None) -> str:
    """A watched target (saldo, a ratio, a total, a line or ``actor:NAME``) by its label."""
    t = _T[lang]
    if target in t and target in ("costs", "benefits", "saldo", *RATIOS):
        return t[target]
    if target.startswith("actor:"):
        who = target[len("actor:"):]
        return t["municipality"] if who == "municipality" else label(ACTOR_LABELS, who, lang)
    return label({**ITEM_LABELS, **(own or {})}, target, lang)


def _amount(v: float, ratio: bool, lang: Lang) -> str:
    if v != v:  # NaN: an undefined ratio (its denominator is 0)
        return "n.v.t." if lang == "nl" else "n/a"
    return format_ratio(v, lang=lang) if ratio else format_number(v, 0, lang=lang)


def _claim(p: float, lang: Lang) -> str:
    """"= 0,957", "> 0,999" or "n.v.t.": a finite sample is never a certainty."""
    text = format_probability(p, lang=lang, decimals=3)
    return text if text[:1] in "<>" or p != p else f"= {text}"


def run_lines(result: Mapping[str, Any], lang: Lang, *, title: str = "",
              own: Mapping[str, Label] | None = None) -> list[str]:
    """The line table of ``mkba run``: every line by its label, the totals and ratios (base case, mean,
    P5, P50, P95), the probabilities and a note for any ratio undefined in some draws."""
    t = _T[lang]
    labels = {**ITEM_LABELS, **(own or {})}
    rows, rules = [], []
    for r in summary_rows(result):
        ratio = r["kind"] == "ratio"
        if r["name"] in ("costs", "bc_social"):
            rules.append(len(rows))
        name = t[r["name"]] if r["kind"] in ("total", "ratio") else label(labels, r["name"], lang)
        rows.append([name, *(_amount(r[k], ratio, lang) for k in ("base", "mean", "p5", "p50", "p95"))])
    table = text_table([t["line"], t["base"], t["mean"], "P5", "P50", "P95"], rows)
    rule = table[1]
    body = table[2:]
    for k in reversed(rules):  # a rule above the totals and above the ratios
        body.insert(k, rule)
    sampler = t.get(str(result.get("sampler", "mc")), str(result.get("sampler", "")))
    out = [t["head"].format(title=title or result.get("study", ""), draws=format_number(result["draws"], lang=lang),
                            seed=result["seed"], sampler=sampler), *table[:2], *body, rule]
    p = result["probabilities"]
    what = [(t["bc_social"], "1", p["bc_social_gt_1"]), (t["bc_financial"], "1", p["bc_financial_gt_1"]),
            (t["bc_municipal"], "1", p["bc_municipal_gt_1"]), (t["saldo_short"], "0", p["saldo_gt_0"])]
    out.append("   ".join(t["p"].format(what=w, t=th, p=_claim(v, lang)) for w, th, v in what))
    base = {r["name"]: r["base"] for r in summary_rows(result) if r["kind"] == "ratio"}
    out.append(t["rounded"].format(values=", ".join(f"{t[k]} {format_number(v, 3, lang=lang)}"
                                                    for k, v in base.items() if v == v)))
    for name, share in result.get("undefined", {}).items():
        if share > 0:
            pct = format_number(100 * share, 1, lang=lang) + (" %" if lang == "nl" else "%")
            out.append(t["undefined"].format(what=t[name], share=pct,
                                             muni=t["undefined_muni"] if name == "bc_municipal" else ""))
    return out


def budget_lines(result: Mapping[str, Any], lang: Lang) -> list[str]:
    """The budget view "Wie betaalt, wie wint" / "Who pays, who gains" (present value, × € 1.000)."""
    from .budget import BUDGET_TITLE, budget_ratio_sentence, budget_table

    if "actors" not in result:
        return []
    header, rows, indent = budget_table(result, lang)
    rows = [[("  " * k) + r[0], *r[1:]] for r, k in zip(rows, indent)]
    return ["", BUDGET_TITLE[lang] + _T[lang]["budget_pv"], *text_table(header, rows),
            budget_ratio_sentence(result, lang)]


def plan_lines(result: Mapping[str, Any], lang: Lang, split: tuple[Sequence[float], Sequence[float]] | None = None
               ) -> list[str]:
    """With a ``[plan]``: the municipal budget per year (undiscounted): the base-case investments and
    savings (``split``, :func:`mkba.outputs.plan.base_split`; by default the summary's ``"investment"``
    and ``"savings"``, where it has them), the balance's base case and P5, P50, P95. Years after the last
    municipal cash flow are left out."""
    plan = result.get("plan")
    if not plan:
        return []
    if split is None and "investment" in plan and "savings" in plan:
        split = (plan["investment"]["base"], plan["savings"]["base"])
    t, m = _T[lang], plan["municipal"]
    k = format_thousands
    n = len(plan["years"])
    while n > 1 and all(abs(m[q][n - 1]) < 0.5 for q in ("base", "p5", "p50", "p95")) and (
            split is None or all(abs(s[n - 1]) < 0.5 for s in split)):
        n -= 1
    header = [t["year"], *([t["invest"], t["savings"]] if split else []), t["plan_base"], "P5", "P50", "P95"]
    rows = [[str(y), *([k(split[0][i], lang=lang), k(split[1][i], lang=lang)] if split else []),
             *(k(m[q][i], lang=lang) for q in ("base", "p5", "p50", "p95"))]
            for i, y in enumerate(plan["years"][:n])]
    return ["", t["plan"], *text_table(header, rows)]


def convergence_lines(conv: Any, lang: Lang, own: Mapping[str, Label] | None = None) -> list[str]:
    """``--precision``: whether the precision was reached, and each watched estimate with its half-width."""
    t = _T[lang]
    num = lambda v: format_number(v, 0, lang=lang)  # noqa: E731
    state = t["reached"] if conv.converged else t["not_reached"].format(cap=num(conv.max_draws))
    out = [t["conv"].format(precision=num(conv.precision), prob=format_number(conv.prob_precision, 3, lang=lang)
                            .rstrip("0"), state=state, draws=num(conv.draws))]
    last = conv.history[-1]
    for target in conv.watch:
        what = target_text(target, lang, own)
        if target in conv.skipped:
            out.append(t["skipped"].format(what=what))
        elif target.startswith("bc_"):
            key = f"{target}.p_gt_1"
            est = format_probability(last.estimates[key], lang=lang, decimals=4)
            hw = format_number(last.half_widths[key], 4, lang=lang)
            out.append("  " + t["p"].format(what=what, t="1", p=est if est[0] in "<>" else "= " + est) + f" ± {hw}")
        else:
            out.append(f"  {what}: " + "   ".join(f"{q.upper()} {num(last.estimates[f'{target}.{q}'])} ± "
                                                 f"{num(last.half_widths[f'{target}.{q}'])}"
                                                 for q in ("p5", "p50", "p95")))
    return out


def blocks_lines(blocks: Sequence[tuple[str, Any]]) -> list[str]:
    """Plain report blocks (``h2``/``h3``/``p``/``table``/``figure``, see
    :mod:`mkba.decision.section`) as console text; figures are left out (they are files)."""
    out: list[str] = []
    for kind, b in blocks:
        if kind == "h2":
            out += ["", str(b), "=" * len(str(b))]
        elif kind == "h3":
            out += ["", str(b)]
        elif kind == "p":
            out.append(str(b))
        elif kind == "table":
            if b["rows"]:
                out += text_table(b["header"], b["rows"], b.get("align", ""))
    return out[1:] if out and out[0] == "" else out


def decision_head(title: str, target: str, draws: int, seed: int, lang: Lang) -> str:
    """The first line of ``mkba decide``: the study, the decision's target, draws and seed."""
    return _T[lang]["decide"].format(title=title, target=target, draws=format_number(draws, lang=lang), seed=seed)


def batch_head(title: str, cases: int, draws: int, seed: int, sampler: str, computed: int, reused: int,
               seconds: float, lang: Lang) -> str:
    """The first line of ``mkba batch``: the batch, its cases and draws, and what was computed."""
    t = _T[lang]
    return t["batch"].format(title=title, cases=cases, draws=format_number(draws, lang=lang), seed=seed,
                             sampler=t.get(sampler, sampler), computed=computed, reused=reused,
                             seconds=format_number(seconds, 1, lang=lang))


def written_line(paths: Sequence[Any], lang: Lang) -> str:
    return f"{_T[lang]['written']}: " + ", ".join(map(str, paths))
