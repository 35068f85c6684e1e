"""Dutch and English labels of everything a reader sees: inputs, lines, actors, units, groups.

One place beside the schema (the schema keeps names, units as data, defaults and sources; this module
keeps the words). Every user-facing output — report, charts, workbook, console — asks here, never
prints an input path such as ``prices.qaly_value``. A study's own inputs and lines (``[inputs]``,
``[[lines]]`` with a ``title``) bring their own labels; :func:`input_label` takes them as ``own``.

A label is a pair ``(nl, en)``. Inputs that repeat over an index set (household type, severity,
trajectory type) are labelled from a pattern and the label of each index value, so a new household
type or trajectory needs one entry here, not one per input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

__all__ = [
    "Label",
    "ACTOR_LABELS",
    "ITEM_LABELS",
    "GROUP_LABELS",
    "UNIT_LABELS",
    "HOUSEHOLD_TYPE_LABELS",
    "SEVERITY_LABELS",
    "TRAJECTORY_LABELS",
    "INPUT_LABELS",
    "INPUT_DESCRIPTIONS",
    "label",
    "input_label",
    "input_description",
    "unit_label",
    "group_label",
    "actor_label",
    "item_label",
    "has_input_label",
    "readable_source",
    "DOCUMENTS",
]

Label = tuple[str, str]
Lang = Literal["nl", "en"]

ACTOR_LABELS: dict[str, Label] = {
    "wi": ("Werk en Inkomen", "Work & Income"),
    "wmo": ("Wmo", "Social support (Wmo)"),
    "welzijn": ("Welzijn", "Welfare"),
    "jeugd": ("Jeugd", "Youth"),
    "municipality_other": ("Gemeente overig", "Municipality, other"),
    "zvw": ("Zorgverzekeraar", "Health insurer"),
    "rijk": ("Rijk", "National government"),
    "corporations": ("Woningcorporaties", "Housing corporations"),
    "households": ("Huishoudens", "Households"),
}

# Output lines of the tool's part A (model-spec §3.1).
ITEM_LABELS: dict[str, Label] = {
    "null_situation": ("Kosten in 0-situatie", "Costs in null situation"),
    "additional": ("Additionele teamkosten", "Additional team costs"),
    "friction": ("Frictiekosten (inwerktijd)", "Friction costs (induction time)"),
    "extra_care": ("Kosten a.g.v. extra inzetten zorg", "Costs of extra care"),
    "new_for_old": ("Nieuw voor oud", "New-for-old"),
    "tailored": ("Meer op maat", "More tailored"),
    "substitution": ("Minder trajecten a.g.v. substitutie", "Fewer trajectories (substitution)"),
    "effectiveness": ("Toename effectiviteit trajecten", "More effective trajectories"),
    "escalation": ("Voorkomen escalatiekosten", "Prevented escalation"),
    "children": ("Ontwikkelingskansen kinderen", "Children's development chances"),
    "quality_of_life": ("Toename kwaliteit van leven", "Quality of life"),
    "nuisance": ("Reductie overlast en onveiligheid", "Less nuisance and insecurity"),
}

# Input groups (the study file's blocks; grouped sensitivity indices use them).
GROUP_LABELS: dict[str, Label] = {
    "reach": ("Bereik", "Reach"),
    "costs": ("Kosten", "Costs"),
    "team": ("Team", "Team"),
    "extra_care": ("Extra inzet zorg", "Extra care"),
    "substitution": ("Substitutie", "Substitution"),
    "tailored": ("Meer op maat", "More tailored"),
    "work": ("Werk", "Work"),
    "debt": ("Schulden", "Debts"),
    "school": ("School", "School"),
    "consults": ("Consulten eerste lijn", "First-line consultations"),
    "referrals": ("Verwijzingen tweede lijn", "Second-line referrals"),
    "escalation": ("Voorkomen escalatie", "Prevented escalation"),
    "quality_of_life": ("Kwaliteit van leven", "Quality of life"),
    "nuisance": ("Overlast", "Nuisance"),
    "prices": ("Prijzen", "Prices"),
    "finance": ("Financiën", "Finance"),
    "inputs": ("Eigen invoer", "Own inputs"),
}

# The schema's unit strings (data) → what a reader sees.
UNIT_LABELS: dict[str, Label] = {
    "": ("", ""),
    "fraction": ("aandeel", "share"),
    "fraction of team cost": ("aandeel van de teamkosten", "share of team cost"),
    "fraction of households": ("aandeel van de huishoudens", "share of households"),
    "fraction of households with debts": ("aandeel van huishoudens met schulden", "share of households with debts"),
    "fraction of mv households": ("aandeel van de meervoudige huishoudens", "share of multi-problem households"),
    "fraction of non-working mv adults": ("aandeel van niet-werkende meervoudige volwassenen",
                                          "share of non-working multi-problem adults"),
    "fraction of children": ("aandeel van de kinderen", "share of children"),
    "fraction of cost per trajectory": ("aandeel van de kosten per traject", "share of cost per trajectory"),
    "signed fraction (negative = fewer)": ("relatieve verandering (negatief = minder)",
                                           "relative change (negative = fewer)"),
    "trajectories/household": ("trajecten per huishouden", "trajectories per household"),
    "trajectories": ("trajecten", "trajectories"),
    "households": ("huishoudens", "households"),
    "children/family": ("kinderen per gezin", "children per family"),
    "per year": ("per jaar", "per year"),
    "year": ("jaar", "year"),
    "years": ("jaren", "years"),
    "fte": ("fte", "FTE"),
    "QALY": ("QALY (gewonnen gezond levensjaar)", "QALY"),
    "1/yr": ("per jaar", "per year"),
    "€": ("€", "€"),
    "€/yr": ("€ per jaar", "€ per year"),
    "€/fte/yr": ("€ per fte per jaar", "€ per FTE per year"),
    "€/person/yr": ("€ per persoon per jaar", "€ per person per year"),
    "€/household": ("€ per huishouden", "€ per household"),
    "€/consult": ("€ per consult", "€ per consultation"),
    "€/referral": ("€ per verwijzing", "€ per referral"),
    "€/trajectory": ("€ per traject", "€ per trajectory"),
    "€/QALY": ("€ per QALY", "€ per QALY"),
    "persons": ("personen", "persons"),
    "youths": ("jongeren", "young people"),
    "persons to work": ("personen aan het werk", "persons finding work"),
    "€/youth (lifetime NPV)": ("€ per jongere (contante waarde over het leven)", "€ per young person (lifetime NPV)"),
    "× profile": ("× zorgconsumptieprofiel", "× care-consumption profile"),
}

HOUSEHOLD_TYPE_LABELS: dict[str, Label] = {
    "families": ("gezinnen", "families"),
    "elderly": ("ouderen", "elderly"),
    "other": ("overige huishoudens", "other households"),
}
SEVERITY_LABELS: dict[str, Label] = {
    "ev": ("geen of enkelvoudig probleem", "no or single problem"),
    "mv_zr": ("meervoudig, zelfredzaam", "multi-problem, self-reliant"),
    "mv_nzr": ("meervoudig, niet zelfredzaam", "multi-problem, not self-reliant"),
    "top": ("top / intramuraal", "top / intramural"),
}
TRAJECTORY_LABELS: dict[str, Label] = {
    "debt_help": ("schuldhulpverlening", "debt help"),
    "reintegration": ("re-integratie", "re-integration"),
    "day_care": ("activerende dagbesteding", "activating day care"),
    "social_work": ("algemeen maatschappelijk werk", "general social work"),
    "household_help": ("hulp bij het huishouden", "household help"),
    "individual_guidance": ("individuele begeleiding", "individual guidance"),
    "youth_parenting": ("jeugd- en opvoedhulp", "youth and parenting help"),
    "youth_mental_health": ("jeugd-ggz", "youth mental health care"),
    "mental_health": ("ggz volwassenen", "adult mental health care"),
}

INPUT_LABELS: dict[str, Label] = {
    "finance.discount_rate_real": ("Reële discontovoet", "Real discount rate"),
    "finance.risk_premium": ("Risico-opslag", "Risk premium"),
    "reach.n_households": ("Aantal huishoudens in de aanpak", "Households in the approach"),
    "reach.share_newly_found": ("Aandeel nieuw gevonden huishoudens", "Share of newly found households"),
    "reach.avg_children_per_family": ("Kinderen per gezin", "Children per family"),
    "costs.team_fte": ("Omvang team (fte)", "Team size (FTE)"),
    "costs.cost_per_fte": ("Kosten per fte", "Cost per FTE"),
    "costs.other_team_costs": ("Overige teamkosten", "Other team costs"),
    "costs.additional_share": ("Aandeel additionele financiering", "Share of additional funding"),
    "costs.friction_share": ("Frictiekosten (aandeel teamkosten)", "Friction costs (share of team cost)"),
    "costs.one_off_costs": ("Eenmalige kosten", "One-off costs"),
    "costs.extra_care.new_cases": ("Extra zorg: trajecten per nieuw gevonden huishouden",
                                   "Extra care: trajectories per newly found household"),
    "costs.extra_care.existing_cases": ("Extra zorg: trajecten per bestaand huishouden",
                                        "Extra care: trajectories per existing household"),
    "effects.substitution.new_cases": ("Substitutie: minder trajecten per nieuw gevonden huishouden",
                                       "Substitution: fewer trajectories per newly found household"),
    "effects.substitution.existing_cases": ("Substitutie: minder trajecten per bestaand huishouden",
                                            "Substitution: fewer trajectories per existing household"),
    "effects.tailored.new_cases": ("Meer op maat: trajecten per nieuw gevonden huishouden",
                                   "More tailored: trajectories per newly found household"),
    "effects.tailored.existing_cases": ("Meer op maat: trajecten per bestaand huishouden",
                                        "More tailored: trajectories per existing household"),
    "effects.tailored.eligible_trajectories": ("Meer op maat: trajecten die in aanmerking komen",
                                               "More tailored: eligible trajectories"),
    "effects.tailored.cost_reduction": ("Meer op maat: lagere kosten per traject",
                                        "More tailored: lower cost per trajectory"),
    "effects.work.p_to_work": ("Kans op werk (meervoudige volwassenen zonder werk)",
                               "Chance of work (multi-problem adults without work)"),
    "effects.work.start_year": ("Werk: eerste jaar van het effect", "Work: first year of the effect"),
    "effects.work.benefit_years": ("Werk: duur van het effect", "Work: duration of the effect"),
    "effects.debt.p_stable": ("Schulden: kans op een stabiele situatie", "Debts: chance of a stable situation"),
    "effects.school.p_dropout_reduction": ("Minder voortijdig schoolverlaten", "Fewer early school leavers"),
    "effects.consults.change": ("Verandering consulten eerste lijn", "Change in first-line consultations"),
    "effects.consults.base_volume": ("Consulten eerste lijn in de 0-situatie",
                                     "First-line consultations in the null situation"),
    "effects.referrals.change": ("Verandering verwijzingen tweede lijn", "Change in second-line referrals"),
    "effects.referrals.base_volume": ("Verwijzingen tweede lijn in de 0-situatie",
                                      "Second-line referrals in the null situation"),
    "effects.escalation.attribution": ("Escalatie: attributie aan de aanpak", "Escalation: attribution to the approach"),
    "effects.escalation.relapse": ("Escalatie: terugval", "Escalation: relapse"),
    "effects.escalation.start_year": ("Escalatie: eerste jaar van het effect", "Escalation: first year of the effect"),
    "effects.escalation.duration_years": ("Escalatie: duur van het effect", "Escalation: duration of the effect"),
    "effects.quality_of_life.qalys": ("Gewonnen gezonde levensjaren (QALY)", "Quality-adjusted life years gained"),
    "effects.nuisance.households": ("Huishoudens met minder overlast", "Households with less nuisance"),
    "prices.qaly_value": ("Waarde van een QALY", "Value of a QALY"),
    "prices.assistance_saving": ("Besparing bijstand per persoon aan het werk", "Benefit saving per person in work"),
    "prices.income_gain": ("Inkomenswinst per persoon aan het werk", "Income gain per person in work"),
    "prices.debt_saving": ("Besparing per stabiel schuldenhuishouden", "Saving per household with stable debts"),
    "prices.first_line_consult": ("Prijs consult eerste lijn", "Price of a first-line consultation"),
    "prices.second_line_referral": ("Prijs verwijzing tweede lijn", "Price of a second-line referral"),
    "prices.average_trajectory": ("Gemiddelde prijs per traject", "Average price per trajectory"),
    "prices.care_profile_factor": ("Factor op het zorgconsumptieprofiel", "Factor on the care-consumption profile"),
    "prices.school_qualification": ("Waarde van een startkwalificatie", "Value of a start qualification"),
    "prices.nuisance_per_household": ("Waarde minder overlast per huishouden", "Value of less nuisance per household"),
    "costs.extra_care.trajectories": ("Extra zorg: aantal trajecten", "Extra care: number of trajectories"),
    "costs.extra_care.price": ("Extra zorg: prijs per traject", "Extra care: price per trajectory"),
    "effects.substitution.trajectories": ("Substitutie: aantal trajecten minder", "Substitution: trajectories fewer"),
    "effects.substitution.price": ("Substitutie: prijs per traject", "Substitution: price per trajectory"),
    "effects.tailored.trajectories": ("Meer op maat: aantal trajecten", "More tailored: number of trajectories"),
    "effects.tailored.price": ("Meer op maat: prijs per traject", "More tailored: price per trajectory"),
    "effects.work.persons": ("Werk: aantal personen aan het werk", "Work: persons finding work"),
    "effects.debt.households": ("Schulden: aantal huishoudens stabiel", "Debts: households with stable debts"),
    "effects.school.youths": ("School: aantal jongeren met een startkwalificatie",
                              "School: young people with a start qualification"),
}

# Inputs over an index set: (regex on the input name, nl template, en template); {0}, {1} are the labels of
# the captured keys (household type, severity, trajectory, actor, or a study's own role, group or line,
# whose title the study gives).
_PATTERNS: tuple[tuple[str, str, str], ...] = (
    (r"reach\.share_type\.(\w+)", "Aandeel {0}", "Share of {0}"),
    (r"reach\.share_severity\.(\w+)\.(\w+)", "Aandeel {1} ({0})", "Share {1} ({0})"),
    (r"reach\.share_no_work_mv\.(\w+)", "Meervoudig zonder werk ({0})", "Multi-problem without work ({0})"),
    (r"reach\.share_debts_mv\.(\w+)", "Meervoudig met problematische schulden ({0})",
     "Multi-problem with problematic debts ({0})"),
    (r"effects\.escalation\.rate\.(\w+)", "Voorkomen escalatie ({0})", "Prevented escalation ({0})"),
    (r"effects\.escalation\.households\.(\w+)", "Voorkomen escalatie: aantal huishoudens ({0})",
     "Prevented escalation: number of households ({0})"),
    (r"prices\.trajectory\.(\w+)", "Prijs traject {0}", "Price of a trajectory: {0}"),
    (r"costs\.funding\.(\w+)", "Financiering team: aandeel {0}", "Team funding: share of {0}"),
    (r"costs\.team\.(\w+)\.fte", "Team, {0}: fte", "Team, {0}: FTE"),
    (r"costs\.team\.(\w+)\.cost_per_fte", "Team, {0}: kosten per fte", "Team, {0}: cost per FTE"),
    (r"costs\.(extra_care)\.mix\.(\w+)", "{0}: aandeel {1}", "{0}: share of {1}"),
    (r"effects\.(substitution|tailored)\.mix\.(\w+)", "{0}: aandeel {1}", "{0}: share of {1}"),
    (r"effects\.(referrals)\.actors\.(\w+)", "{0}: aandeel {1}", "{0}: share of {1}"),
    (r"effects\.tailored\.groups\.(\w+)\.(trajectories|cost_reduction|price)", "Meer op maat, {0}: {1}",
     "More tailored, {0}: {1}"),
    (r"effects\.tailored\.groups\.(\w+)\.actors\.(\w+)", "Meer op maat, {0}: aandeel {1}",
     "More tailored, {0}: share of {1}"),
    (r"lines\.(\w+)\.actors\.(\w+)", "{0}: aandeel {1}", "{0}: share of {1}"),
    (r"lines\.(\w+)\.start_year", "{0}: eerste jaar van het effect", "{0}: first year of the effect"),
    (r"lines\.(\w+)\.duration_years", "{0}: duur van het effect", "{0}: duration of the effect"),
    (r"plan\.investment_actors\.(\w+)", "Investering: aandeel {0}", "Investment: share of {0}"),
    (r"inputs\.(\w+)", "{0}", "{0}"),  # a study's own input: its own name
)
_FIELDS: dict[str, Label] = {
    "trajectories": ("trajecten", "trajectories"), "cost_reduction": ("lagere kosten per traject",
                                                                     "lower cost per trajectory"),
    "price": ("prijs per traject", "price per trajectory"),
}
_INDEX: dict[str, Label] = {**HOUSEHOLD_TYPE_LABELS, **SEVERITY_LABELS, **TRAJECTORY_LABELS, **ACTOR_LABELS,
                            **_FIELDS, "extra_care": ("Extra zorg", "Extra care"),
                            "substitution": ("Substitutie", "Substitution"), "tailored": ("Meer op maat", "More tailored"),
                            "referrals": ("Verwijzingen tweede lijn", "Second-line referrals")}

INPUT_DESCRIPTIONS: dict[str, Label] = {
    "finance.discount_rate_real": ("Reële discontovoet waarmee toekomstige bedragen contant worden gemaakt.",
                                   "Real discount rate that turns future amounts into present values."),
    "finance.risk_premium": ("Opslag op de discontovoet voor het risico van het project.",
                             "Premium on the discount rate for the project's risk."),
    "reach.n_households": ("Huishoudens die in één jaar van de aanpak worden bereikt.",
                           "Households reached in one year of the approach."),
    "reach.share_newly_found": ("Huishoudens zonder lopende hulp bij aanmelding, als aandeel van alle bereikte.",
                                "Households without any active help at intake, as a share of all reached."),
    "costs.team_fte": ("Formatie van het team.", "Staffing of the team."),
    "costs.cost_per_fte": ("Loonkosten per fte, inclusief huisvesting en overhead.",
                           "Cost per FTE including housing and overhead."),
    "effects.substitution.new_cases": ("Trajecten die niet meer nodig zijn dankzij eigen kracht, netwerk of "
                                       "het team, per nieuw gevonden huishouden.",
                                       "Trajectories no longer needed thanks to own strength, network or the "
                                       "team, per newly found household."),
    "effects.substitution.existing_cases": ("Idem, per huishouden dat al hulp had.",
                                            "The same, per household that already had help."),
    "prices.qaly_value": ("Maatschappelijke waarde van één gewonnen gezond levensjaar.",
                          "Social value of one quality-adjusted life year."),
    "prices.care_profile_factor": ("Schaalt de kosten van het zorgconsumptieprofiel (onzekerheid over het profiel).",
                                   "Scales the care-consumption profile's costs (uncertainty about the profile)."),
}


def label(table: Mapping[str, Label], key: str, lang: str) -> str:
    """The label of ``key`` in ``table`` for ``lang`` ("nl" or anything else → English); the key
    itself when it has none."""
    nl, en = table.get(key, (key, key))
    return nl if lang == "nl" else en


def actor_label(actor: str, lang: str) -> str:
    return label(ACTOR_LABELS, actor, lang)


def item_label(item: str, lang: str, own: Mapping[str, Label] | None = None) -> str:
    """A line's label; a study's own ``[[lines]]`` bring theirs in ``own``."""
    if own and item in own:
        return label(own, item, lang)
    return label(ITEM_LABELS, item, lang)


def group_label(group: str, lang: str) -> str:
    if group in GROUP_LABELS:
        return label(GROUP_LABELS, group, lang)
    return _humanise(group)


def unit_label(unit: str, lang: str) -> str:
    return label(UNIT_LABELS, unit, lang)


def _key_label(key: str, lang: str, own: Mapping[str, Label] | None) -> str:
    if own and key in own:
        return label(own, key, lang)
    if key in _INDEX:
        return label(_INDEX, key, lang)
    return _humanise(key)  # a study's own key (role, group, line, input) as the study spells it


def _from_pattern(name: str, lang: str, own: Mapping[str, Label] | None = None) -> str | None:
    for pattern, nl, en in _PATTERNS:
        m = re.fullmatch(pattern, name)
        if m:
            return (nl if lang == "nl" else en).format(*(_key_label(g, lang, own) for g in m.groups()))
    return None


def has_input_label(name: str, own: Mapping[str, Label] | None = None) -> bool:
    """Whether ``name`` has a real label (not the fallback)."""
    return bool(own and name in own) or name in INPUT_LABELS or _from_pattern(name, "nl") is not None


def input_label(name: str, lang: str, own: Mapping[str, Label] | None = None) -> str:
    """The reader's name of an input: the study's own label first (``own``: name → (nl, en); also the
    titles of the study's roles, groups and lines by their key), then this module's; never the dotted
    path. An input without any label gets its last part, readable."""
    if own and name in own:
        return label(own, name, lang)
    if name in INPUT_LABELS:
        return label(INPUT_LABELS, name, lang)
    found = _from_pattern(name, lang, own)
    if found is not None:
        return found
    return _humanise(name.rsplit(".", 1)[-1])


def input_description(name: str, lang: str, own: Mapping[str, Label] | None = None) -> str:
    if own and name in own:
        return label(own, name, lang)
    return label(INPUT_DESCRIPTIONS, name, lang) if name in INPUT_DESCRIPTIONS else ""


def _humanise(key: str) -> str:
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


# The source documents behind the bundled studies and the schema defaults, by the file names under
# which they are cited internally; a reader sees the document, never the file name.
DOCUMENTS: dict[str, Label] = {
    "000_42e9e768fe09c239.txt": ("Gemeente Woerden, raadsinformatiebrief inverdieneffecten sociaal makelpunt (2013)",
                                 "Woerden municipality, council letter on the savings of the social brokerage point "
                                 "(2013)"),
    "001_89b8683f98a68fb5.txt": ("LPBL, meta-analyse van 13 MKBA's van sociale wijkteams (2014)",
                                 "LPBL, meta-analysis of 13 SCBAs of social neighbourhood teams (2014)"),
    "002_e228546e45fca143.txt": ("LPBL, MKBA Sociaal werk De Kop, Steenwijkerland (2019)",
                                 "LPBL, SCBA of social work De Kop, Steenwijkerland (2019)"),
    "003_bc252799b8719939.txt": ("Gemeente Woerden, evaluatie pilot Integraal werken (2013)",
                                 "Woerden municipality, evaluation of the pilot Integral working (2013)"),
    "004_751544b10adaf2c1.txt": ("LPBL, MKBA West Betuwe, Bouwen aan sociale kracht (2020)",
                                 "LPBL, SCBA West Betuwe, Building social strength (2020)"),
}
_SPEC_REF = re.compile(r"\(?model-spec(?: §[\d.]+(?:[–-][\d.]+)?)*(?: \[[^\]]*\])?\)?")
# The English wording of the schema's default citations (data in schema.py), as a Dutch reader reads it.
_PHRASES: dict[str, Label] = {
    "not published (price mode of 'more tailored')": ("niet gepubliceerd (prijsvariant van meer op maat)",
                                                      "not published (price mode of 'more tailored')"),
    "not published: calibrate": ("niet gepubliceerd: te kalibreren", "not published: calibrate"),
    "not published": ("niet gepubliceerd", "not published"),
    ": calibrate": (": te kalibreren", ": calibrate"),
    "not in the documents": ("niet in de documenten", "not in the documents"),
    "study file (shares are fixed inputs)": ("studiebestand (aandelen zijn vaste invoer)",
                                             "study file (shares are fixed inputs)"),
    "multiplier on the care-consumption profile": ("factor op het zorgconsumptieprofiel",
                                                   "multiplier on the care-consumption profile"),
    "(qualitative only)": ("(alleen kwalitatief)", "(qualitative only)"),
    "(apply 0.5 to gross rates only)": ("(0,5 alleen toepassen op bruto percentages)", "(apply 0.5 to gross rates only)"),
    "(apply 0.2 to gross rates only)": ("(0,2 alleen toepassen op bruto percentages)", "(apply 0.2 to gross rates only)"),
    "Table ": ("tabel ", "Table "),
}
_TAGS: dict[str, Label] = {
    "[INFERENCE]": ("(afgeleid)", "(inferred)"),
    "[INFERENCE, calibrated]": ("(afgeleid, gekalibreerd)", "(inferred, calibrated)"),
    "[FACT]": ("", ""),
    "[DERIVED]": ("(berekend)", "(derived)"),
}


def readable_source(source: str, lang: str) -> str:
    """A citation as a reader can follow it: document titles for internal file names, "mkba" model
    choices instead of references to the developers' specification."""
    out = source
    for file, names in DOCUMENTS.items():
        out = out.replace(file, label(DOCUMENTS, file, lang))
    for tag, names in _TAGS.items():
        out = out.replace(tag, label(_TAGS, tag, lang))
    choice = "modelkeuze mkba" if lang == "nl" else "mkba modelling choice"
    out = _SPEC_REF.sub(lambda m: f"({choice})" if m.group(0).startswith("(") else choice, out)
    for phrase in _PHRASES:
        out = out.replace(phrase, label(_PHRASES, phrase, lang))
    return re.sub(r"\s{2,}", " ", out).strip()
