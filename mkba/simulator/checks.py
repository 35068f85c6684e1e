"""Warnings on a valid study: numbers that are allowed but almost certainly not meant.

A price that stays at 0 while its line has a quantity makes that line silently worth € 0. Not an error —
a study may mean it (``Study.warnings`` keeps only the prices left at mkba's default of 0) — but said,
once per price.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..distributions import Distribution
from .model import ModelOptions

__all__ = ["price_warnings"]


def _used(dists: Mapping[str, Distribution], *names: str) -> str | None:
    """The first of ``names`` whose value can differ from 0 (the quantity is used), else None."""
    for n in names:
        d = dists.get(n)
        if d is not None and not (d.is_fixed and d.base == 0.0):
            return n
    return None


def _zero(dists: Mapping[str, Distribution], name: str) -> bool:
    d = dists.get(name)
    return d is not None and d.is_fixed and d.base == 0.0


def price_warnings(dists: Mapping[str, Distribution], o: ModelOptions) -> list[tuple[str, str]]:
    """(price path, message) for every price that stays at 0 while the line it prices is used."""
    out: list[tuple[str, str]] = []

    def check(price: str, quantity: str | None, line: str) -> None:
        if quantity is not None and _zero(dists, price):
            out.append((price, f"stays at its default 0 while {quantity} is used, so the line '{line}' is worth "
                               f"€ 0; give the price (with its source), or set it to 0 with a note if that is meant"))

    blocks = (("extra_care", "costs.extra_care", o.mix_extra_care), ("substitution", "effects.substitution",
              o.mix_substitution), ("tailored", "effects.tailored", o.mix_tailored))
    for block, path, mix in blocks:
        if block == "tailored" and o.tailored_mode == "price":
            continue
        q = _used(dists, f"{path}.trajectories") if block in o.counts else \
            _used(dists, f"{path}.new_cases", f"{path}.existing_cases")
        if block in o.priced:
            check(f"{path}.price", q, block)
            continue
        for k in mix:
            if not _zero(dists, f"{path}.mix.{k}"):
                check(f"prices.trajectory.{k}", q, block)
    if o.tailored_mode == "price" and not o.tailored_groups:
        q = _used(dists, "effects.tailored.eligible_trajectories")
        check("effects.tailored.price" if "tailored" in o.priced else "prices.average_trajectory", q, "tailored")
    work = _used(dists, "effects.work.persons" if "work" in o.counts else "effects.work.p_to_work")
    if work is not None and _zero(dists, "prices.assistance_saving") and _zero(dists, "prices.income_gain"):
        check("prices.assistance_saving", work, "effectiveness")
    check("prices.debt_saving", _used(dists, "effects.debt.households" if "debt" in o.counts
                                      else "effects.debt.p_stable"), "effectiveness")
    check("prices.school_qualification", _used(dists, "effects.school.youths" if "school" in o.counts
                                               else "effects.school.p_dropout_reduction"), "children")
    for block, price in (("consults", "prices.first_line_consult"), ("referrals", "prices.second_line_referral")):
        volume = _used(dists, f"effects.{block}.base_volume")
        check(price, _used(dists, f"effects.{block}.change") if volume else None, block)
    check("prices.nuisance_per_household", _used(dists, "effects.nuisance.households"), "nuisance")
    check("prices.qaly_value", _used(dists, "effects.quality_of_life.qalys"), "quality_of_life")
    return out
