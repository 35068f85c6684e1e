"""Index sets and reference tables of the MKBA domain (model-spec §4, §7.1)."""

from __future__ import annotations

import numpy as np

from .labels import ACTOR_LABELS, ITEM_LABELS  # noqa: F401 - re-exported: the words live in labels.py

HOUSEHOLD_TYPES = ("families", "elderly", "other")
SEVERITIES = ("ev", "mv_zr", "mv_nzr", "top")
DOMAINS = ("wi", "wmo", "welzijn", "jeugd", "zvw", "rijk")  # columns of the care-consumption profile
YEARS = tuple(range(10))  # one year of approach: costs in year 0, effects over years 0..9

ACTORS = (
    "wi",
    "wmo",
    "welzijn",
    "jeugd",
    "municipality_other",
    "zvw",
    "rijk",
    "corporations",
    "households",
)
MUNICIPAL_ACTORS = ("wi", "wmo", "welzijn", "jeugd", "municipality_other")

# Output lines of the tool's part A (model-spec §3.1), with their kind.
ITEMS = (
    "null_situation",
    "additional",
    "friction",
    "extra_care",
    "new_for_old",
    "tailored",
    "substitution",
    "effectiveness",
    "escalation",
    "children",
    "quality_of_life",
    "nuisance",
)
ITEM_KIND = {
    "null_situation": "cost",
    "additional": "cost",
    "friction": "cost",
    "extra_care": "cost",
    "new_for_old": "financial",
    "tailored": "financial",
    "substitution": "financial",
    "effectiveness": "financial",
    "escalation": "financial",
    "children": "immaterial",
    "quality_of_life": "immaterial",
    "nuisance": "immaterial",
}
# Monetary values that multiply exactly one line, so the line is proportional to the value in every draw
# (model-spec §7.3.6): decision analysis re-weights that line to any other value without a re-run.
VALUE_LINES = {
    "prices.qaly_value": "quality_of_life",
    "prices.school_qualification": "children",
    "prices.nuisance_per_household": "nuisance",
}
# Names an own line may not take: the built-in lines, totals and ratios (and the plan's investment line).
BUILTIN_NAMES = frozenset((*ITEMS, "investment", "costs", "benefits", "saldo", "immaterial", "bc_social",
                           "bc_financial", "bc_municipal", "municipal_costs", "municipal_benefits", "line",
                           "npv", "cashflow", "net_cashflow", "plan_municipal", "plan_investment",
                           "plan_savings"))
COST_ITEMS = tuple(i for i in ITEMS if ITEM_KIND[i] == "cost")
BENEFIT_ITEMS = tuple(i for i in ITEMS if ITEM_KIND[i] != "cost")
IMMATERIAL_ITEMS = tuple(i for i in ITEMS if ITEM_KIND[i] == "immaterial")

# Trajectory types and the budget (actor) that pays for them [INFERENCE, model-spec §7.3.9].
TRAJECTORY_ACTOR = {
    "debt_help": "wi",
    "reintegration": "wi",
    "day_care": "wi",
    "social_work": "welzijn",
    "household_help": "wmo",
    "individual_guidance": "wmo",
    "youth_parenting": "jeugd",
    "youth_mental_health": "jeugd",
    "mental_health": "zvw",
}
TRAJECTORIES = tuple(TRAJECTORY_ACTOR)

# West Betuwe care-consumption profile, € per household per year, [type][severity] → DOMAINS
# [FACT 004_751544b10adaf2c1.txt §3.3 Fig. 3.8; model-spec §4.1].
WEST_BETUWE_PROFILE: dict[str, dict[str, tuple[float, ...]]] = {
    "families": {
        "ev": (100, 0, 0, 1600, 2800, 100),
        "mv_zr": (5100, 500, 100, 3200, 3700, 200),
        "mv_nzr": (5000, 500, 100, 11100, 4300, 100),
        "top": (8000, 1100, 800, 40900, 5700, 100),
    },
    "elderly": {
        "ev": (200, 600, 100, 0, 4800, 1100),
        "mv_zr": (600, 3300, 900, 0, 5000, 1300),
        "mv_nzr": (700, 3600, 300, 0, 5100, 1600),
        "top": (0, 0, 0, 0, 2900, 44400),
    },
    "other": {
        "ev": (200, 0, 0, 0, 2100, 0),
        "mv_zr": (6700, 1200, 300, 0, 3200, 100),
        "mv_nzr": (6700, 2600, 200, 0, 3200, 100),
        "top": (6600, 3600, 600, 0, 4700, 9400),
    },
}
PROFILE_SOURCE = "004_751544b10adaf2c1.txt §3.3 Fig. 3.8 (West Betuwe care-consumption profile)"


def profile_array(profile: dict[str, dict[str, tuple[float, ...]]]) -> np.ndarray:
    """(type, severity, domain) array of a profile table."""
    return np.array([[profile[t][s] for s in SEVERITIES] for t in HOUSEHOLD_TYPES], dtype=float)
