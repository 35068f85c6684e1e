"""The report section "Besluit en onzekerheid" / "Decision and uncertainty" as plain blocks.

:func:`section_blocks` returns ``[(kind, content), ...]`` with kind ``h2`` / ``h3`` / ``p`` (text) or
``table`` (``{"header": [...], "rows": [[...]], "align": "lrr"}``) or ``figure`` (``{"name", "caption"}``,
the chart file stem, drawn by the caller); any report renderer turns them into its own format.
:func:`headline` is the section's first sentence; :func:`report_section` analyses a run's Dataset and
returns the blocks (or a short note when the run kept no per-draw inputs).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from ..outputs.formatting import (format_money, format_number, format_percent, format_probability,
                                  format_probability_percent)
from ..simulator.domain import ACTOR_LABELS
from .analysis import DecisionAnalysis, is_clear
from .targets import ACTOR_PREFIX, MUNICIPALITY
from .value import GO

__all__ = ["section_blocks", "report_section", "headline", "input_label", "group_label", "target_label", "worth_mentioning",
           "TEXT"]

Lang = Literal["nl", "en"]
Block = tuple[str, Any]
TOP = 8  # inputs in the "what to measure first" table

TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Besluit en onzekerheid",
        "go": "doorgaan", "stop": "stoppen",
        "headline": "Kans dat {choice} de verkeerde keuze is: {p}; meer zekerheid is hooguit {evpi} waard; "
                    "meet eerst {first}.",
        "headline_clear": "Kans dat {choice} de verkeerde keuze is: {p}; meer zekerheid verandert het besluit "
                          "niet (de waarde van volledige informatie is {evpi}).",
        "decision": "Het besluit nu ({target}): {choice}, want de verwachte waarde is {mean}. In {p} van de "
                    "trekkingen is dat de verkeerde keuze; dan is het verlies gemiddeld {loss}. Het verwachte "
                    "verlies van nu besluiten, gelijk aan de waarde van volledige informatie (EVPI), is {evpi}.",
        "decision_sure": "Het besluit nu ({target}): {choice}, want de verwachte waarde is {mean}; in geen "
                         "enkele trekking was het andere besluit beter.",
        "nothing_to_measure": "Geen enkele invoer hoeft eerst gemeten te worden: binnen de onzekerheid van de "
                              "studie verandert meer kennis het besluit niet.",
        "measure": "Wat eerst meten?",
        "measure_note": "De waarde van volledige informatie over één invoer (EVPPI): wat het waard is die invoer "
                        "precies te kennen voordat men besluit. Geschat met niet-parametrische regressie op "
                        "dezelfde trekkingen (Strong e.a. 2014), met standaardfout.",
        "correlated": " De invoer is deels gecorreleerd getrokken; de schatting houdt daar rekening mee: wie één "
                      "invoer meet, leert ook iets over de invoer die ermee samenhangt.",
        "input": "Invoer", "group": "Groep", "evppi": "EVPPI", "se": "Standaardfout", "share": "Deel van EVPI",
        "groups": "Per groep invoer",
        "no_single": "Geen enkele invoer afzonderlijk is € 1 of meer waard om eerst te meten.",
        "no_group": "Ook geen groep invoer is € 1 of meer waard om eerst te meten.",
        "actors": "Per actor", "actor": "Actor", "net": "Verwacht netto", "p_net": "P(netto > 0)", "evpi": "EVPI", "first": "Meet eerst",
        "actors_note": "Per budgethouder: het verwachte netto resultaat, de kans dat het positief is, de waarde van volledige "
                       "informatie voor het besluit van die actor alleen, en de invoer die dat het meest beslist.",
        "accept": "Waarde van een QALY",
        "accept_note": "P(saldo > 0) is {p20} bij {v20}, {p50} bij {v50} en {p100} bij {v100} per QALY.",
        "accept_be": " Het verwachte saldo is nul bij {be} per QALY; per trekking ligt dat omslagpunt in 90 % "
                     "van de gevallen tussen {lo} en {hi}.",
        "accept_below": " Ook zonder waarde voor QALY's (€ 0) is het verwachte saldo positief.",
        "accept_none": "De waarde van een QALY doet er in deze studie niet toe (geen QALY-baten).",
        "accept_caption": "Kans op een positief saldo en op B/K maatschappelijk > 1 naar de waarde van een QALY, "
                          "berekend uit dezelfde trekkingen; met het omslagpunt van het verwachte saldo en het "
                          "90 %-interval van het omslagpunt per trekking.",
        "no_inputs": "Deze analyse vraagt de getrokken invoer per trekking; bij deze run (meer dan 200.000 "
                     "trekkingen) is die niet bewaard. Gebruik mkba decide.",
        "failure": "Waar gaat het mis?",
        "failure_text": "Het saldo is negatief in {density} van de trekkingen waar {where} (dat gebied bevat "
                        "{coverage} van alle trekkingen met een negatief saldo; gevonden met PRIM).",
        "failure_none": "Er zijn te weinig trekkingen met een negatief saldo om een gebied te beschrijven.",
        "and": " en ", "none": "—",
        "alternatives": "Alternatieven",
        "alt_text": "Beste alternatief nu: {best} (kans dat een ander beter is: {p}; waarde van volledige "
                    "informatie over de keuze: {evpi}).",
        "option": "Alternatief", "expected": "Verwacht", "p_best": "P(beste)", "incremental": "Δ t.o.v. {base} (P5–P95)",
    },
    "en": {
        "title": "Decision and uncertainty",
        "go": "going on", "stop": "stopping",
        "headline": "Probability that {choice} is the wrong choice: {p}; more certainty is worth at most {evpi}; "
                    "measure {first} first.",
        "headline_clear": "Probability that {choice} is the wrong choice: {p}; more certainty would not change "
                          "the decision (the value of perfect information is {evpi}).",
        "decision": "The decision now ({target}): {choice}, as the expected value is {mean}. In {p} of the draws "
                    "that is the wrong choice, losing {loss} on average then. The expected loss of deciding now, "
                    "equal to the expected value of perfect information (EVPI), is {evpi}.",
        "decision_sure": "The decision now ({target}): {choice}, as the expected value is {mean}; in no draw was "
                         "the other decision better.",
        "nothing_to_measure": "No input needs measuring first: within the study's uncertainty, more knowledge "
                              "does not change the decision.",
        "measure": "What to measure first?",
        "measure_note": "The expected value of perfect information on one input (EVPPI): what knowing that input "
                        "exactly before deciding is worth. Estimated by non-parametric regression on the same draws "
                        "(Strong et al. 2014), with its standard error.",
        "correlated": " Some inputs are sampled as correlated; the estimate respects that: measuring one input also "
                      "tells something about the inputs correlated with it.",
        "input": "Input", "group": "Group", "evppi": "EVPPI", "se": "Standard error", "share": "Share of EVPI",
        "groups": "Per group of inputs",
        "no_single": "No single input on its own is worth €1 or more to measure first.",
        "no_group": "No group of inputs is worth €1 or more to measure first either.",
        "actors": "Per actor", "actor": "Actor", "net": "Expected net", "p_net": "P(net > 0)", "evpi": "EVPI", "first": "Measure first",
        "actors_note": "Per budget holder: the expected net result, the probability that it is positive, the value of perfect "
                       "information for that actor's own decision, and the input that settles it most.",
        "accept": "Value of a QALY",
        "accept_note": "P(saldo > 0) is {p20} at {v20}, {p50} at {v50} and {p100} at {v100} per QALY.",
        "accept_be": " The expected saldo is zero at {be} per QALY; per draw that break-even lies between {lo} "
                     "and {hi} in 90% of the cases.",
        "accept_below": " Even without a value for QALYs (€0) the expected saldo is positive.",
        "accept_none": "The value of a QALY does not matter in this study (no QALY benefits).",
        "accept_caption": "Probability of a positive saldo and of B/C social > 1 by the value of a QALY, computed "
                          "from the same draws; with the break-even of the expected saldo and the 90% interval of "
                          "the break-even per draw.",
        "no_inputs": "This analysis needs the sampled inputs of every draw; this run (more than 200,000 draws) "
                     "did not keep them. Use mkba decide.",
        "failure": "Where does it fail?",
        "failure_text": "The saldo is negative in {density} of the draws where {where} (that region holds "
                        "{coverage} of all draws with a negative saldo; found with PRIM).",
        "failure_none": "Too few draws have a negative saldo to describe a region.",
        "and": " and ", "none": "—",
        "alternatives": "Alternatives",
        "alt_text": "Best alternative now: {best} (probability that another is better: {p}; value of perfect "
                    "information on the choice: {evpi}).",
        "option": "Alternative", "expected": "Expected", "p_best": "P(best)", "incremental": "Δ vs {base} (P5–P95)",
    },
}


def _labels() -> Any:
    try:  # the nl/en labels beside the schema (issue 13), once present
        from ..simulator import labels
    except ImportError:
        return None
    return labels


def input_label(name: str, lang: Lang) -> str:
    """How an input is named in a report: its label in the report's language where one exists."""
    labels = _labels()
    return labels.input_label(name, lang) if labels is not None else name


def group_label(group: str, lang: Lang) -> str:
    labels = _labels()
    return labels.group_label(group, lang) if labels is not None else group


def target_label(target: str, lang: Lang) -> str:
    if target.startswith(ACTOR_PREFIX):
        who = target[len(ACTOR_PREFIX):]
        if who == MUNICIPALITY:
            return "gemeente (totaal)" if lang == "nl" else "municipality (total)"
        nl, en = ACTOR_LABELS.get(who, (who, who))
        return nl if lang == "nl" else en
    return {"saldo": ("saldo", "saldo")}.get(target, (target, target))[0 if lang == "nl" else 1]


def _clear(a: DecisionAnalysis) -> bool:
    """The decision is clear when perfect information is worth less than 0.1 % of the expected value."""
    return is_clear(a.decision.evpi, a.expected[0])


def headline(a: DecisionAnalysis, lang: Lang) -> str:
    t = TEXT[lang]
    choice = t["go"] if a.decision.best == GO else t["stop"]
    p = format_probability_percent(a.decision.p_wrong, 0, lang=lang)
    if a.decision.p_wrong > 0 and p in ("0 %", "0%"):
        p = "< 1 %" if lang == "nl" else "< 1%"
    evpi = format_money(a.decision.evpi, lang=lang)
    if _clear(a):
        return t["headline_clear"].format(choice=choice, p=p, evpi=evpi)
    return t["headline"].format(choice=choice, p=p, evpi=evpi, first=input_label(a.ranking()[0], lang))


def _money(v: float, lang: Lang) -> str:
    return format_money(v, lang=lang) if math.isfinite(v) else TEXT[lang]["none"]


def _value(v: float, lang: Lang) -> str:
    """An input's value with three significant figures, in the report language's separators."""
    if v == 0 or not math.isfinite(v):
        return format_number(v, 0, lang=lang)
    mag = math.floor(math.log10(abs(v)))
    if mag >= 2:
        return format_number(round(v, 2 - mag), 0, lang=lang)
    text = format_number(v, 2 - mag, lang=lang)
    return text.rstrip("0").rstrip(",.")


def _bound(r: dict, lang: Lang) -> str:
    name = input_label(r["input"], lang)
    lo, hi = r["lower"], r["upper"]

    def fmt(v: float) -> str:
        return _value(v, lang)

    if lo is not None and hi is not None:
        return f"{fmt(lo)} ≤ {name} ≤ {fmt(hi)}"
    return f"{name} ≥ {fmt(lo)}" if lo is not None else f"{name} ≤ {fmt(hi)}"


def section_blocks(a: DecisionAnalysis, lang: Lang, titles: Mapping[str, str] | None = None) -> list[Block]:
    """The section's blocks (see the module docstring); ``titles``: the reader's name of each alternative
    (a scenario's title, another study's title), else its name."""
    t = TEXT[lang]
    d = a.decision
    out: list[Block] = [("h2", t["title"]), ("p", headline(a, lang))]
    choice = t["go"] if d.best == GO else t["stop"]
    out.append(("p", t["decision" if d.p_wrong > 0 else "decision_sure"].format(
        target=target_label(a.target, lang), choice=choice, mean=format_money(a.expected[0], lang=lang),
        p=format_probability_percent(d.p_wrong, 1, lang=lang), loss=_money(d.loss_if_wrong, lang),
        evpi=format_money(d.evpi, lang=lang))))

    out.append(("h3", t["measure"]))
    out.append(("p", t["measure_note"] + (t["correlated"] if a.correlated else "")))
    if _clear(a):
        out.append(("p", t["nothing_to_measure"]))
    else:
        out += _measure_tables(a, lang)
    out += _rest(a, lang, titles or {})
    return out


def _measure_tables(a: DecisionAnalysis, lang: Lang) -> list[Block]:
    t = TEXT[lang]
    out: list[Block] = []
    evpi = float(a.evpi[0])
    rows = []
    for name in [n for n in a.ranking() if a.evppi[0, a.inputs.index(n)] >= 0.5][:TOP]:  # (€ 0 rows say nothing)
        i = a.inputs.index(name)
        v, se = float(a.evppi[0, i]), float(a.evppi_se[0, i])
        rows.append([input_label(name, lang), format_money(v, lang=lang), format_money(se, lang=lang),
                     format_percent(v / evpi, 0, lang=lang) if evpi > 0 else t["none"]])
    out.append(("table", {"header": [t["input"], t["evppi"], t["se"], t["share"]], "rows": rows, "align": "lrrr"})
               if rows else ("p", t["no_single"]))
    order = [k for k in sorted(range(len(a.groups)), key=lambda k: -a.evppi_groups[0, k]) if a.evppi_groups[0, k] >= 0.5]
    grows = [[group_label(g, lang), format_money(float(a.evppi_groups[0, k]), lang=lang),
              format_money(float(a.evppi_groups_se[0, k]), lang=lang),
              format_percent(float(a.evppi_groups[0, k]) / evpi, 0, lang=lang) if evpi > 0 else t["none"]]
             for k in order for g in [list(a.groups)[k]]]
    out.append(("h3", t["groups"]))
    out.append(("table", {"header": [t["group"], t["evppi"], t["se"], t["share"]], "rows": grows, "align": "lrrr"})
               if grows else ("p", t["no_group"]))
    return out


def worth_mentioning(evpi: float, expected: float) -> bool:
    """Whether more certainty is worth mentioning for a decision (≥ 0.1 % of the stake, ≥ € 1)."""
    return not is_clear(evpi, expected) and evpi >= 0.5  # (rounds to at least € 1)


def _rest(a: DecisionAnalysis, lang: Lang, titles: Mapping[str, str]) -> list[Block]:
    t = TEXT[lang]
    out: list[Block] = []
    if len(a.targets) > 1:
        out.append(("h3", t["actors"]))
        out.append(("p", t["actors_note"]))
        arows = []
        for k, name in enumerate(a.targets[1:], start=1):
            first = t["none"]
            if worth_mentioning(float(a.evpi[k]), float(a.expected[k])):
                first = input_label(a.ranking(name)[0], lang)
            who = target_label(name, lang)
            arows.append([who[:1].upper() + who[1:], format_money(float(a.expected[k]), lang=lang),
                          format_probability(float(a.p_gt_0[k]), lang=lang),
                          format_money(float(a.evpi[k]), lang=lang), first])
        out.append(("table", {"header": [t["actor"], t["net"], t["p_net"], t["evpi"], t["first"]], "rows": arows,
                              "align": "lrrrl"}))

    if a.acceptability is not None:
        acc = a.acceptability
        out.append(("h3", t["accept"]))
        if not math.isfinite(acc.break_even):  # no QALY benefits in any draw
            out.append(("p", t["accept_none"]))
        else:
            (p20, v20), (p50, v50), (p100, v100) = ((format_probability_percent(p, 0, lang=lang), format_money(v, lang=lang))
                                                    for v, p in acc.reference)
            out.append(("figure", {"name": "acceptability", "caption": t["accept_caption"]}))
            text = t["accept_note"].format(p20=p20, v20=v20, p50=p50, v50=v50, p100=p100, v100=v100)
            # the expected saldo rises with the value (a benefit line): positive from the break-even on
            if acc.break_even <= 0:
                text += t["accept_below"]
            else:
                text += t["accept_be"].format(be=_money(acc.break_even, lang), lo=_money(acc.break_even_p5, lang),
                                              hi=_money(acc.break_even_p95, lang))
            out.append(("p", text))
    if a.alternatives is not None:
        alt = a.alternatives
        name_of = lambda n: titles.get(n) or n  # noqa: E731
        out.append(("h3", t["alternatives"]))
        out.append(("p", t["alt_text"].format(best=name_of(alt.decision.best), p=format_probability_percent(alt.decision.p_wrong, 0, lang=lang),
                                              evpi=format_money(alt.decision.evpi, lang=lang))))
        rows = []
        for j, name in enumerate(alt.names):
            m, lo, hi = alt.incremental[name]
            shown = name_of(name)
            rows.append([shown[:1].upper() + shown[1:], format_money(alt.decision.expected[j], lang=lang),
                         format_probability(alt.decision.p_best[j], lang=lang),
                         t["none"] if name == alt.base else f"{format_money(m, lang=lang)} "
                         f"({format_money(lo, lang=lang)} … {format_money(hi, lang=lang)})"])
        out.append(("table", {"header": [t["option"], t["expected"], t["p_best"],
                                         t["incremental"].format(base=name_of(alt.base))], "rows": rows, "align": "lrrr"}))
    out.append(("h3", t["failure"]))
    if a.failure is None:
        out.append(("p", t["failure_none"]))
    else:
        b = a.failure
        where = t["and"].join(_bound(r, lang) for r in b.to_list())
        out.append(("p", t["failure_text"].format(density=format_percent(b.density, 0, lang=lang), where=where,
                                                  coverage=format_percent(b.coverage, 0, lang=lang))))
    return out



def report_section(ds: Any, lang: Lang, *, study: Any = None) -> tuple[list[Block], DecisionAnalysis | None]:
    """The section for the report of a run: (blocks, the analysis or None when the run kept no inputs;
    its EVPPI is NaN where the section does not show it, see analyse(evppi="unclear")).
    ``study``: the Study of the run, if known (its correlations and own lines)."""
    from .acceptability import value_lines
    from .analysis import DEFAULT_GRID, QALY_VALUE, analyse

    if "inputs" not in ds:
        return [("h2", TEXT[lang]["title"]), ("p", TEXT[lang]["no_inputs"])], None
    kw = {}
    if study is not None:
        kw = {"correlated": bool(study.parameters.correlations),
              "qaly_lines": value_lines(QALY_VALUE, study.options.own_lines)}
    # the section shows EVPPI only where a decision is not clear: the regressions only then
    a = analyse(ds, target="saldo", grid=DEFAULT_GRID, evppi="unclear", **kw)
    return section_blocks(a, lang), a
