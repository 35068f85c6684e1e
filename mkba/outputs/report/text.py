"""The report's sentences and headings in Dutch and English (the labels of inputs, lines, actors and
units live in :mod:`mkba.simulator.labels`)."""

from __future__ import annotations

__all__ = ["TEXT", "text"]

TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "mkba_title": "Monte Carlo-onzekerheidsanalyse van de MKBA",
        "headline": "Met 90 % waarschijnlijkheid ligt het saldo tussen {lo} en {hi}; de kans dat de "
                    "maatschappelijke B/K-verhouding groter is dan 1 is {p}.",
        "base_published": "In het basisgeval (de gepubliceerde puntschatting{ref}) is het saldo {saldo} en de "
                          "maatschappelijke B/K-verhouding {bc}.",
        "base_unpublished": "In het basisgeval (de waarden zonder onzekerheid: elke invoer op zijn basiswaarde) is "
                            "het saldo {saldo} en de maatschappelijke B/K-verhouding {bc}.",
        "no_study": "{why}; dit rapport is alleen uit de resultaten gemaakt, zonder tornado en zonder "
                    "scenariovergelijking.",
        "study_missing": "Het studiebestand {file} is niet gevonden",
        "study_changed": "Het studiebestand {file} is gewijzigd sinds de berekening",
        "study_invalid": "Het studiebestand {file} is niet meer geldig",
        "results": "Kosten en baten", "line": "Post", "base": "Basisgeval", "median": "Mediaan",
        "mean": "Gemiddelde", "range": "90 %-interval", "p_gt": "Kans > 1", "p_saldo": "Kans saldo > 0: {p}",
        "costs": "Totaal kosten", "benefits": "Totaal baten", "saldo": "Saldo",
        "bc_social": "B/K maatschappelijk", "bc_financial": "B/K financieel", "bc_municipal": "B/K gemeente",
        "ratio_note": "Bedragen zijn contante waarden. B/K-verhoudingen zijn afgerond op 0,05, zoals in de "
                      "MKBA-tool; de bestanden (NetCDF, CSV, Excel) bevatten de volledige precisie. Het "
                      "90 %-interval loopt van het 5e tot het 95e percentiel van de trekkingen.",
        "undefined_all": "{what}: n.v.t. — de noemer (de kosten) is in elke trekking 0, dus de verhouding "
                         "bestaat niet.",
        "undefined_some": "{what}: in {share} van de trekkingen n.v.t. (kosten 0); mediaan, interval en kans "
                          "gaan over de andere trekkingen.",
        "budget_intro": "Per partij de kosten en baten (contante waarde) van het basisgeval en het saldo met zijn "
                        "onzekerheid; de gemeente als geheel en per domein. Bedragen × € 1.000, zodat baten − "
                        "kosten = saldo op elke regel te lezen is (op afronding na).",
        "plan": "Begroting van de gemeente per jaar",
        "plan_intro": "Per kalenderjaar van het meerjarenplan de kasstromen van de gemeente (alle gemeentelijke "
                      "domeinen samen, niet verdisconteerd). Per domein worden de kosten en baten van een jaar "
                      "verrekend: investeringen zijn de netto extra uitgaven van de domeinen die dat jaar meer "
                      "uitgeven dan zij besparen, besparingen de netto lagere uitgaven van de andere domeinen; "
                      "saldo = besparingen − investeringen. Bedragen × € 1.000.",
        "plan_year": "Jaar", "plan_invest": "Investeringen", "plan_savings": "Besparingen",
        "plan_invest_range": "Investeringen 90 %-interval", "plan_savings_range": "Besparingen 90 %-interval",
        "plan_balance": "Saldo (basisgeval)", "plan_balance_p50": "Saldo (mediaan)",
        "plan_balance_range": "Saldo 90 %-interval", "plan_p": "Kans saldo > 0",
        "plan_base_note": "Investeringen en besparingen in het basisgeval; het saldo met de verdeling over de "
                          "trekkingen. Deze resultaten zijn met een oudere versie van mkba berekend, die de "
                          "verdeling van investeringen en besparingen per jaar nog niet bewaarde; een nieuwe "
                          "berekening geeft ook hun intervallen.",
        "plan_caption": "Investeringen (onder de nul) en besparingen (boven de nul) van de gemeente per jaar, "
                        "niet verdisconteerd, met het saldo: mediaan en 90 %-interval van de trekkingen en het "
                        "basisgeval.",
        "actor_caption": "Saldo per partij (baten − kosten, contante waarde): gemiddelde met 90 %-interval en de "
                         "kans op een positief saldo.",
        "figures": "Verdeling van de uitkomsten",
        "cb_caption": "Kosten (links) en baten (rechts) per post: gemiddelde over de trekkingen met het "
                      "90 %-interval van die post; nieuw voor oud en de kosten in de nulsituatie staan als getal "
                      "onder de grafiek, omdat ze de andere posten anders onleesbaar maken.",
        "dist_caption": "Verdeling en cumulatieve kans van {what}, met P5, P50, P95 en het omslagpunt.",
        "ratios_caption": "De baten-kostenverhoudingen (maatschappelijk, financieel, gemeente, elk waar gedefinieerd): per verhouding de "
                          "verdeling van de trekkingen met P5, P50 en P95 en de kans dat de verhouding groter is dan "
                          "1; de stippellijn is het omslagpunt 1.",
        "time": "Tijdprofiel", "year": "Jaar",
        "time_caption": "Netto kasstroom per jaar (niet verdisconteerd): 90 %- en 50 %-interval, mediaan en "
                        "basisgeval.",
        "lean_note": "Bij meer dan 200.000 trekkingen worden de kasstromen per jaar niet per trekking bewaard; "
                     "het tijdprofiel toont daarom alleen het basisgeval.",
        "drivers": "Wat bepaalt de uitkomst",
        "tornado_caption": "Tornado: het saldo wanneer één invoer naar zijn P5 of P95 gaat en alle andere op "
                           "hun basiswaarde blijven (grootste effect bovenaan; dezelfde {n} invoer als de tabel).",
        "input": "Invoer", "low": "Saldo bij P5", "high": "Saldo bij P95", "swing": "Bereik",
        "no_tornado": "De tornado ontbreekt: {why}.",
        "no_study_short": "het studiebestand is niet beschikbaar",
        "saved_sa": "Globale gevoeligheidsanalyse ({method}, doel {target}, {n} modelberekeningen; {file}); de "
                    "belangrijkste invoer:",
        "scenarios": "Wat-als-scenario's", "scenario": "Scenario", "base_scenario": "Basis", "this_run": "{label} (deze run)",
        "delta_def": "Δ saldo is per trekking het saldo van het scenario min dat van de basis, met dezelfde "
                     "toevalsgetallen (gemeenschappelijke trekkingen): het effect van het scenario zelf, geen "
                     "steekproefruis. De tabel toont het verschil van de basisgevallen en de mediaan en het "
                     "90 %-interval van de verschillen per trekking.",
        "scen_same": "Alle scenario's gebruiken dezelfde {n} trekkingen als de kopregel; de rij ‘deze run’ is de kopregel zelf.",
        "scen_fewer": "De scenario's gebruiken de eerste {n} van de {total} trekkingen van deze run; de rij ‘deze "
                      "run’ toont de cijfers van de hele run, Δ saldo is berekend op de eerste {n} trekkingen.",
        "no_scenarios": "De studie heeft geen benoemde scenario's.",
        "sc_base_saldo": "Saldo basisgeval", "sc_range": "Saldo 90 %-interval", "sc_bc": "B/K maatsch. 90 %-interval",
        "sc_p": "Kans B/K maatsch. > 1", "sc_d_base": "Δ saldo basisgeval", "sc_d": "Δ saldo mediaan (90 %-interval)",
        "assumptions": "Aannames", "uncertain": "Onzekere invoer", "fixed": "Vaste invoer", "group": "Groep",
        "dist": "Verdeling", "p5p95": "P5 – P95", "unit": "Eenheid", "source": "Bron", "value": "Waarde",
        "method": "Methode", "provenance": "Herkomst",
        "method_text": "{draws} trekkingen ({sampler}, startgetal {seed}); alle onzekere invoer wordt tegelijk "
                       "getrokken{corr}. Disconteringsvoet {rate} (reëel plus risico-opslag). Intervallen zijn "
                       "90 %-intervallen (P5–P95) over de trekkingen; het basisgeval is het model met elke invoer op "
                       "zijn basiswaarde.",
        "method_corr": ", met de rangcorrelaties van de studie",
        "method_tornado": " De tornado is een één-voor-één-analyse: elke invoer op zijn P5 en P95, de rest op de "
                          "basiswaarde.",
        "conv_caption": "Lopende P5, P50 en P95 van het saldo tegen het aantal trekkingen.",
        "mc": "Monte Carlo", "lhs": "gestratificeerde steekproef (Latin hypercube)",
        "sobol": "quasi-Monte Carlo (Sobol'-reeks)",
        "prov_study": "Studie", "prov_scenario": "Scenario", "prov_file": "Studiebestand", "prov_hash": "Kenmerk "
        "studiebestand", "prov_run": "mkba-versie van de run", "prov_created": "Run gemaakt op",
        "prov_report": "mkba-versie van dit rapport", "prov_draws": "Trekkingen", "prov_bundled": "meegeleverd "
        "voorbeeld: {name}",
        "key": "Kenmerk", "fixed_dist": "vast", "decision_progress": "besluitanalyse",
        "no_uncertain": "de studie heeft geen onzekere invoer",
        "dep_intro": "Deze studie bevat {n} rangcorrelaties tussen invoer. De tornado en globale methoden met een "
                     "eigen ontwerp (Sobol', Morris, FAST) behandelen de invoer als onafhankelijk en negeren die "
                     "samenhang. De rangorde hieronder komt uit de {draws} trekkingen van deze run zelf, mét de "
                     "correlaties: δ (Borgonovo; hoeveel de verdeling van het saldo verschuift als de invoer bekend "
                     "is) en S1 (het deel van de variantie dat de invoer alleen verklaart, met wat hij via "
                     "correlaties meeneemt).",
        "dep_none": "Deze studie bevat {n} rangcorrelaties tussen invoer; de tornado en globale methoden met een "
                    "eigen ontwerp (Sobol', Morris, FAST) behandelen de invoer als onafhankelijk. Een rangorde mét de "
                    "correlaties vraagt de getrokken invoer per trekking (bewaard tot 200.000 trekkingen) of de "
                    "Shapley-methode van mkba sensitivity.",
        "independent_sa": "Let op: deze methode behandelt de invoer als onafhankelijk; de {n} rangcorrelaties van "
                          "de studie zijn hier genegeerd.",
        "inert_col": "Te onderscheiden van inerte invoer", "yes": "ja", "no": "nee",
        "unsourced": "Invoer zonder bron ({n}; de studie geeft de waarde, maar niet waar die vandaan komt): "
                     "{names}.",
        "all_sourced": "Alle invoer heeft een bron: de studie of een standaardwaarde van mkba.",
    },
    "en": {
        "mkba_title": "Monte Carlo uncertainty analysis of the SCBA",
        "headline": "With 90% probability the balance lies between {lo} and {hi}; the probability that the social "
                    "B/C ratio exceeds 1 is {p}.",
        "base_published": "In the base case (the published point estimate{ref}) the balance is {saldo} and the "
                          "social B/C ratio {bc}.",
        "base_unpublished": "In the base case (the values without uncertainty: every input at its base value) the "
                            "balance is {saldo} and the social B/C ratio {bc}.",
        "no_study": "{why}; this report was made from the results alone, without the tornado and without the "
                    "scenario comparison.",
        "study_missing": "The study file {file} was not found",
        "study_changed": "The study file {file} has changed since the run",
        "study_invalid": "The study file {file} is no longer valid",
        "results": "Costs and benefits", "line": "Line", "base": "Base case", "median": "Median", "mean": "Mean",
        "range": "90% interval", "p_gt": "Probability > 1", "p_saldo": "Probability balance > 0: {p}",
        "costs": "Total costs", "benefits": "Total benefits", "saldo": "Balance (saldo)",
        "bc_social": "B/C social", "bc_financial": "B/C financial", "bc_municipal": "B/C municipal",
        "ratio_note": "Amounts are present values. B/C ratios are rounded to the nearest 0.05, as in the MKBA "
                      "tool; the files (NetCDF, CSV, Excel) keep full precision. The 90% interval runs from the "
                      "5th to the 95th percentile of the draws.",
        "undefined_all": "{what}: n/a — its denominator (the costs) is 0 in every draw, so the ratio does not "
                         "exist.",
        "undefined_some": "{what}: n/a in {share} of the draws (costs 0); median, interval and probability refer "
                          "to the other draws.",
        "budget_intro": "Per party the costs and benefits (present value) of the base case and the balance with "
                        "its uncertainty; the municipality as a whole and per domain. Amounts in € thousand, so "
                        "that benefits − costs = balance can be read on every row (up to rounding).",
        "plan": "Municipal budget per year",
        "plan_intro": "Per calendar year of the multi-year plan the cash flows of the municipality (all municipal "
                      "domains together, undiscounted). Within each domain a year's costs and benefits are "
                      "netted: investments are the net extra spending of the domains that spend more than they "
                      "save that year, savings the net lower spending of the other domains; balance = savings − "
                      "investments. Amounts in € thousand.",
        "plan_year": "Year", "plan_invest": "Investments", "plan_savings": "Savings",
        "plan_invest_range": "Investments 90% interval", "plan_savings_range": "Savings 90% interval",
        "plan_balance": "Balance (base case)", "plan_balance_p50": "Balance (median)",
        "plan_balance_range": "Balance 90% interval", "plan_p": "Probability balance > 0",
        "plan_base_note": "Investments and savings of the base case; the balance with its distribution over the "
                          "draws. These results were computed by an older version of mkba, which did not yet keep "
                          "the distribution of investments and savings per year; a new run gives their intervals "
                          "too.",
        "plan_caption": "Investments (below zero) and savings (above zero) of the municipality per year, "
                        "undiscounted, with the balance: median and 90% interval of the draws, and the base case.",
        "actor_caption": "Balance per party (benefits − costs, present value): mean with 90% interval and the "
                         "probability of a positive balance.",
        "figures": "Distribution of the results",
        "cb_caption": "Costs (left) and benefits (right) per line: mean over the draws with that line's 90% "
                      "interval; new-for-old and the costs in the null situation are given as figures below the "
                      "chart, as they would otherwise make the other lines unreadable.",
        "dist_caption": "Distribution and cumulative probability of {what}, with P5, P50, P95 and the break-even "
                        "point.",
        "ratios_caption": "The benefit-cost ratios (social, financial, municipal, each where defined): for each ratio the "
                          "distribution of the draws with P5, P50 and P95 and the probability that the ratio exceeds "
                          "1; the dotted line is the break-even point 1.",
        "time": "Time profile", "year": "Year",
        "time_caption": "Net cash flow per year (undiscounted): 90% and 50% intervals, median and base case.",
        "lean_note": "Above 200,000 draws the cash flows per year are not kept per draw; the time profile "
                     "therefore shows the base case only.",
        "drivers": "What drives the result",
        "tornado_caption": "Tornado: the balance when one input moves to its P5 or P95 while all others stay at "
                           "their base value (largest effect on top; the same {n} inputs as the table).",
        "input": "Input", "low": "Balance at P5", "high": "Balance at P95", "swing": "Swing",
        "no_tornado": "The tornado is missing: {why}.",
        "no_study_short": "the study file is not available",
        "saved_sa": "Global sensitivity analysis ({method}, target {target}, {n} model evaluations; {file}); the "
                    "most important inputs:",
        "scenarios": "What-if scenarios", "scenario": "Scenario", "base_scenario": "Base", "this_run": "{label} (this run)",
        "delta_def": "Δ balance is, per draw, the balance of the scenario minus that of the base, with the same "
                     "random numbers (common random numbers): the effect of the scenario itself, not sampling "
                     "noise. The table shows the difference of the base cases and the median and 90% interval "
                     "of the per-draw differences.",
        "scen_same": "All scenarios use the same {n} draws as the headline; the row ‘this run’ is the headline itself.",
        "scen_fewer": "The scenarios use the first {n} of this run's {total} draws; the row ‘this run’ shows the "
                      "figures of the whole run, Δ balance is computed on the first {n} draws.",
        "no_scenarios": "The study has no named scenarios.",
        "sc_base_saldo": "Balance, base case", "sc_range": "Balance, 90% interval", "sc_bc": "Social B/C, 90% interval",
        "sc_p": "Probability social B/C > 1", "sc_d_base": "Δ balance, base case",
        "sc_d": "Δ balance, median (90% interval)",
        "assumptions": "Assumptions", "uncertain": "Uncertain inputs", "fixed": "Fixed inputs", "group": "Group",
        "dist": "Distribution", "p5p95": "P5 – P95", "unit": "Unit", "source": "Source", "value": "Value",
        "method": "Method", "provenance": "Provenance",
        "method_text": "{draws} draws ({sampler}, seed {seed}); all uncertain inputs are sampled together{corr}. "
                       "Discount rate {rate} (real plus risk premium). Intervals are 90% intervals (P5–P95) over "
                       "the draws; the base case is the model with every input at its base value.",
        "method_corr": ", with the study's rank correlations",
        "method_tornado": " The tornado is a one-way analysis: each input at its P5 and P95, all others at their "
                          "base value.",
        "conv_caption": "Running P5, P50 and P95 of the balance against the number of draws.",
        "mc": "Monte Carlo", "lhs": "Latin hypercube", "sobol": "quasi-Monte Carlo (Sobol' sequence)",
        "prov_study": "Study", "prov_scenario": "Scenario", "prov_file": "Study file", "prov_hash": "Study file "
        "hash", "prov_run": "mkba version of the run", "prov_created": "Run created", "prov_report": "mkba "
        "version of this report", "prov_draws": "Draws", "prov_bundled": "bundled example: {name}",
        "key": "Key", "fixed_dist": "fixed", "decision_progress": "decision analysis",
        "no_uncertain": "the study has no uncertain inputs",
        "dep_intro": "This study has {n} rank correlations between inputs. The tornado and the global methods with "
                     "their own design (Sobol', Morris, FAST) treat the inputs as independent and ignore them. The "
                     "ranking below comes from the {draws} draws of this run itself, with the correlations: δ "
                     "(Borgonovo; how much the distribution of the balance shifts when the input is known) and S1 "
                     "(the share of variance the input explains alone, including what it carries through its "
                     "correlations).",
        "dep_none": "This study has {n} rank correlations between inputs; the tornado and the global methods with "
                    "their own design (Sobol', Morris, FAST) treat the inputs as independent. A ranking with the "
                    "correlations needs the sampled inputs per draw (kept up to 200,000 draws) or the Shapley "
                    "method of mkba sensitivity.",
        "independent_sa": "Note: this method treats the inputs as independent; the study's {n} rank correlations "
                          "are ignored here.",
        "inert_col": "Distinguishable from an inert input", "yes": "yes", "no": "no",
        "unsourced": "Inputs without a source ({n}; the study gives the value but not where it comes from): "
                     "{names}.",
        "all_sourced": "Every input has a source: the study or an mkba default.",
    },
}


def text(lang: str, key: str, **fields: object) -> str:
    """The sentence ``key`` in ``lang``, with ``fields`` filled in."""
    s = TEXT["nl" if lang == "nl" else "en"][key]
    return s.format(**fields) if fields else s
