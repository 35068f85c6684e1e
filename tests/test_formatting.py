"""Money, range, ratio and percentage formatting (mkba.outputs.formatting), nl and en."""

from __future__ import annotations

import pytest

from mkba.outputs.formatting import (
    MINUS,
    format_money,
    format_money_range,
    format_number,
    format_percent,
    format_probability,
    format_ratio,
    format_ratio_range,
    round_to,
)


class TestMillions:
    def test_issue_examples(self):
        assert format_money_range(1.1e6, 1.5e6, lang="nl") == "€ 1,1–1,5 mln"
        assert format_money_range(1.1e6, 1.5e6, lang="en") == "€1.1–1.5M"

    def test_swapped_ends_are_ordered(self):
        assert format_money_range(1.5e6, 1.1e6, lang="en") == "€1.1–1.5M"

    def test_two_significant_figures_on_larger_end(self):
        assert format_money_range(12.3e6, 15.7e6, lang="nl") == "€ 12–16 mln"
        assert format_money_range(0.8e6, 1.26e6, lang="en") == "€0.8–1.3M"

    def test_close_ends_get_extra_decimals_instead_of_collapsing(self):
        nl = format_money_range(1.001e6, 1.004e6, lang="nl")
        assert nl == "€ 1,001–1,004 mln"
        lo, hi = nl.removeprefix("€ ").removesuffix(" mln").split("–")
        assert lo != hi

    def test_billions(self):
        assert format_money(2.1e9, lang="nl") == "€ 2,1 mld"
        assert format_money(2.1e9, lang="en") == "€2.1B"

    def test_rounding_up_to_a_million_switches_scale(self):
        assert format_money(999_700, lang="nl") == "€ 1,00 mln"


class TestThousands:
    def test_nl_writes_thousands_in_full(self):
        assert format_money_range(85_000, 120_000, lang="nl") == "€ 85.000–120.000"

    def test_en_uses_k(self):
        assert format_money_range(85_000, 120_000, lang="en") == "€85–120k"

    def test_single_amounts(self):
        assert format_money(312_292, lang="nl") == "€ 312.000"
        assert format_money(312_292, lang="en") == "€312k"
        assert format_money(1_234, lang="en") == "€1.2k"

    def test_below_a_thousand_in_euros(self):
        assert format_money_range(300, 900, lang="nl") == "€ 300–900"
        assert format_money(950, lang="en") == "€950"


class TestNegative:
    def test_both_negative_millions(self):
        assert format_money_range(-1.4e6, -0.2e6, lang="nl") == f"€ {MINUS}1,4 tot {MINUS}0,2 mln"
        assert format_money_range(-1.4e6, -0.2e6, lang="en") == f"{MINUS}€1.4M to {MINUS}€0.2M"

    def test_both_negative_thousands(self):
        assert format_money_range(-85_000, -12_000, lang="nl") == f"€ {MINUS}85.000 tot {MINUS}12.000"
        assert format_money_range(-85_000, -12_000, lang="en") == f"{MINUS}€85k to {MINUS}€12k"

    def test_crossing_zero(self):
        assert format_money_range(-0.4e6, 1.2e6, lang="nl") == f"€ {MINUS}0,4 tot 1,2 mln"
        assert format_money_range(-0.4e6, 1.2e6, lang="en") == f"{MINUS}€0.4M to €1.2M"
        assert format_money_range(-4e5, 2e5, lang="nl") == f"€ {MINUS}400.000 tot 200.000"

    def test_negative_single_amount(self):
        assert format_money(-414_114, lang="nl") == f"€ {MINUS}414.000"
        assert format_money(-414_114, lang="en") == f"{MINUS}€414k"

    def test_no_negative_zero(self):
        assert MINUS not in format_money_range(-1.0, 2e6, lang="nl")
        assert format_number(-0.0001, 2, lang="en") == "0.00"

    def test_non_finite(self):
        assert format_money_range(float("nan"), 1.0) == "—"
        assert format_money(float("inf"), lang="en") == "—"


class TestNumbersRatiosPercentages:
    def test_separators(self):
        assert format_number(1234567.891, 2, lang="nl") == "1.234.567,89"
        assert format_number(1234567.891, 2, lang="en") == "1,234,567.89"
        assert format_number(-1234.0, lang="nl") == f"{MINUS}1.234"

    @pytest.mark.parametrize(
        ("value", "nl", "en"),
        [(1.122, "1,10", "1.10"), (1.204, "1,20", "1.20"), (0.772, "0,75", "0.75"), (1.281, "1,30", "1.30"),
         (0.804, "0,80", "0.80"), (1.125, "1,15", "1.15")],
    )
    def test_ratio_nearest_005_as_published(self, value, nl, en):
        assert format_ratio(value, lang="nl") == nl
        assert format_ratio(value, lang="en") == en

    def test_round_to_is_symmetric(self):
        assert round_to(-1.125, 0.05) == pytest.approx(-1.15)
        assert round_to(1.124, 0.05) == pytest.approx(1.10)

    def test_ratio_range(self):
        assert format_ratio_range(1.04, 1.33, lang="nl") == "1,05–1,35"
        assert format_ratio_range(-0.1, 0.4, lang="en") == f"{MINUS}0.10 to 0.40"

    def test_percent(self):
        assert format_percent(0.9, lang="nl") == "90 %"
        assert format_percent(0.9, lang="en") == "90%"
        assert format_percent(0.0526, 1, lang="nl") == "5,3 %"

    def test_probability_never_rounds_to_certainty(self):
        assert format_probability(0.999, lang="nl") == "> 0,99"
        assert format_probability(0.001, lang="en") == "< 0.01"
        # every draw above 1 is still a finite sample, not a certainty
        assert format_probability(1.0, lang="en") == "> 0.99"
        assert format_probability(0.0, lang="nl") == "< 0,01"
        assert format_probability(0.874, lang="nl") == "0,87"
        assert format_probability(1.0, lang="en", decimals=3) == "> 0.999"
        assert format_probability(0.9994, lang="en", decimals=3) == "0.999"
        assert format_probability(0.0, lang="en", decimals=3) == "< 0.001"

    def test_undefined_is_not_applicable(self):
        assert format_probability(float("nan"), lang="nl") == "n.v.t."
        assert format_ratio(float("nan"), lang="en") == "n/a"
        assert format_ratio_range(float("nan"), float("nan"), lang="nl") == "n.v.t."

    def test_bad_language(self):
        with pytest.raises(ValueError, match="lang"):
            format_money(1.0, lang="de")  # type: ignore[arg-type]


def test_probability_claim_in_running_text():
    from mkba.outputs.formatting import format_probability_claim

    assert format_probability_claim(0.957) == "= 0,96" and format_probability_claim(0.957, lang="en") == "= 0.96"
    assert format_probability_claim(1.0) == "> 0,99" and format_probability_claim(0.0, lang="en") == "< 0.01"
    assert format_probability_claim(0.9996, decimals=3) == "> 0,999"


def test_probability_percent_never_a_certainty():
    from mkba.outputs.formatting import format_probability_percent as pp

    assert pp(0.04) == "4 %" and pp(0.04, lang="en") == "4%"
    assert pp(1.0) == "> 99 %" and pp(0.996) == "> 99 %" and pp(0.994) == "99 %"
    assert pp(0.0, lang="en") == "< 1%" and pp(0.004) == "< 1 %" and pp(0.006) == "1 %"
    assert pp(0.9996, 1) == "> 99,9 %" and pp(float("nan")) == "n.v.t."
