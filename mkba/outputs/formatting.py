"""Numbers as a Dutch or English report writes them: money, money ranges, ratios, percentages.

Conventions (also in the README, section "Reports"):

- Scale by the larger absolute end of a range: ≥ € 1 billion in "mld"/"B"; ≥ € 1 million in millions ("€ 1,1–1,5 mln" /
  "€1.1–1.5M"); ≥ € 1,000 in thousands, written out in Dutch ("€ 85.000–120.000", as a Dutch council
  document writes it) and with "k" in English ("€85–120k"); below that in euros.
- Two significant figures on the larger end; more decimals (up to three more) only when the two ends
  would otherwise look equal, so a range never collapses into one number by rounding.
- A range with a negative end is joined with "tot"/"to" instead of a dash, because "−0,4–0,2" is
  unreadable: "€ −0,4 tot 0,2 mln" / "−€0.4M to €0.2M". Negative numbers use the minus sign (U+2212).
- Ratios (B/C) are shown rounded to the nearest 0.05, like the published MKBA-tool ("1,20" / "1.20");
  files (NetCDF, CSV, Excel) keep full precision.
- Percentages: "90 %" (nl, with a space) and "90%" (en). Probabilities near 0 or 1 are not rounded to
  a certainty: "> 0,99" and "< 0,01".
"""

from __future__ import annotations

import math
from typing import Literal

__all__ = [
    "Lang",
    "format_number",
    "format_money",
    "format_money_range",
    "format_money_ends",
    "format_thousands",
    "format_thousands_range",
    "format_ratio",
    "format_ratio_range",
    "format_percent",
    "format_probability",
    "format_probability_claim",
    "round_to",
    "NOT_APPLICABLE",
    "format_source",
]

Lang = Literal["nl", "en"]
NOT_APPLICABLE = {"nl": "n.v.t.", "en": "n/a"}  # an undefined value, e.g. a ratio with no costs
MINUS = "\u2212"
_SIG = 2  # significant figures on the larger end of a range
_MAX_EXTRA = 3  # extra decimals allowed to keep the two ends of a range apart
_NL_SUFFIX = {"B": " mld", "M": " mln", "k": "", "": ""}


def _check_lang(lang: str) -> None:
    if lang not in ("nl", "en"):
        raise ValueError(f"lang must be 'nl' or 'en', got {lang!r}")


def format_number(value: float, decimals: int = 0, *, lang: Lang = "nl", sign: bool = True) -> str:
    """``1234567.8`` → "1.234.568" (nl) / "1,234,568" (en); negative with U+2212."""
    _check_lang(lang)
    if not math.isfinite(value):
        return "—"
    text = f"{abs(value):,.{max(decimals, 0)}f}"
    if lang == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    negative = value < 0 and float(text.replace(".", "").replace(",", "") or 0) != 0  # "−0" is just "0"
    return (MINUS if negative and sign else "") + text


def round_to(value: float, step: float) -> float:
    """Round to the nearest multiple of ``step`` (half away from zero, as the tool does)."""
    q = abs(value) / step
    return math.copysign(math.floor(q + 0.5 + 1e-9) * step, value)


def _scale(max_abs: float) -> tuple[float, str]:
    if max_abs >= 999_500_000:
        return 1e9, "B"
    if max_abs >= 999_500:  # values that round to € 1.000.000 are written in millions
        return 1e6, "M"
    if max_abs >= 999.5:
        return 1e3, "k"
    return 1.0, ""


def _decimals(max_scaled: float, values_scaled: tuple[float, ...]) -> int:
    """Decimals giving ``_SIG`` significant figures on the larger end, more if the ends collide."""
    if max_scaled == 0:
        return 0
    d = max(0, _SIG - 1 - math.floor(math.log10(max_scaled)))
    if len(values_scaled) == 2 and values_scaled[0] != values_scaled[1]:
        for extra in range(_MAX_EXTRA + 1):
            lo, hi = (round(v, d + extra) for v in values_scaled)
            if lo != hi:
                return d + extra
        return d + _MAX_EXTRA
    return d


def _amount(v_scaled: float, decimals: int, unit: str, lang: Lang) -> str:
    """One scaled amount without the currency sign or unit suffix, unsigned."""
    if unit == "k" and lang == "nl":
        # Dutch reports write thousands out in full: € 85.000, not "85 dzd".
        return format_number(round(abs(v_scaled), decimals) * 1e3, 0, lang=lang)
    return format_number(abs(v_scaled), decimals, lang=lang)


def _is_negative(v_scaled: float, decimals: int) -> bool:
    return round(v_scaled, decimals) < 0


def _money_parts(values: tuple[float, ...]) -> tuple[float, str, int, tuple[float, ...]]:
    max_abs = max(abs(v) for v in values)
    div, unit = _scale(max_abs)
    scaled = tuple(v / div for v in values)
    return div, unit, _decimals(max_abs / div, scaled), scaled


def format_money(value: float, *, lang: Lang = "nl") -> str:
    """One amount: "€ 1,2 mln" / "€1.2M"; "€ 85.000" / "€85k"; "€ −0,41 mln" / "−€0.41M"."""
    _check_lang(lang)
    if not math.isfinite(value):
        return "—"
    _, unit, d, (s,) = _money_parts((value,))
    neg = _is_negative(s, d)
    amount = _amount(s, d, unit, lang)
    if lang == "nl":
        suffix = _NL_SUFFIX[unit]
        return f"€ {MINUS if neg else ''}{amount}{suffix}"
    return f"{MINUS if neg else ''}€{amount}{unit}"


def format_money_range(low: float, high: float, *, lang: Lang = "nl") -> str:
    """A range as a report writes it (see the module docstring for the conventions).

    >>> format_money_range(1.1e6, 1.5e6, lang="nl"), format_money_range(1.1e6, 1.5e6, lang="en")
    ('€ 1,1–1,5 mln', '€1.1–1.5M')
    >>> format_money_range(-4e5, 2e5, lang="nl"), format_money_range(-4e5, 2e5, lang="en")
    ('€ −400.000 tot 200.000', '−€400k to €200k')
    >>> format_money_range(-1.4e6, -0.2e6, lang="nl"), format_money_range(-1.4e6, -0.2e6, lang="en")
    ('€ −1,4 tot −0,2 mln', '−€1.4M to −€0.2M')
    """
    _check_lang(lang)
    if not (math.isfinite(low) and math.isfinite(high)):
        return "—"
    if low > high:
        low, high = high, low
    _, unit, d, (lo, hi) = _money_parts((low, high))
    neg_lo, neg_hi = _is_negative(lo, d), _is_negative(hi, d)
    a_lo, a_hi = _amount(lo, d, unit, lang), _amount(hi, d, unit, lang)
    if lang == "nl":
        suffix = _NL_SUFFIX[unit]
        if not neg_lo:
            return f"€ {a_lo}–{a_hi}{suffix}"
        return f"€ {MINUS}{a_lo} tot {MINUS if neg_hi else ''}{a_hi}{suffix}"
    if not neg_lo:
        return f"€{a_lo}–{a_hi}{unit}"
    return f"{MINUS}€{a_lo}{unit} to {MINUS if neg_hi else ''}€{a_hi}{unit}"


def format_money_ends(low: float, high: float, *, lang: Lang = "nl") -> tuple[str, str]:
    """The two ends of a range as separate amounts on one scale, for "between … and …" sentences:
    ``(2.5e5, 4.7e5)`` → ("€ 250.000", "€ 470.000"); ``(-4e5, 1.2e6)`` → ("€ −0,4 mln", "€ 1,2 mln")."""
    _check_lang(lang)
    if not (math.isfinite(low) and math.isfinite(high)):
        return "—", "—"
    _, unit, d, scaled = _money_parts((low, high))
    out = []
    for s in scaled:
        neg = MINUS if _is_negative(s, d) else ""
        amount = _amount(s, d, unit, lang)
        out.append(f"€ {neg}{amount}{_NL_SUFFIX[unit]}" if lang == "nl" else f"{neg}€{amount}{unit}")
    return out[0], out[1]


# Budget tables (who pays, who gains; the municipal budget per year) write every amount in whole thousands
# of euros, as a Dutch municipal budget does ("bedragen × € 1.000"): one rule for every cell, so that
# benefits − costs visibly equals the balance on every row (to ±1, the rounding of three numbers).


def format_thousands(value: float, *, lang: Lang = "nl") -> str:
    """An amount in whole thousands of euros, without the currency sign (the table states the unit):
    ``-985_512`` → "−986" (nl and en); ``12_272_315`` → "12.272" (nl) / "12,272" (en)."""
    _check_lang(lang)
    if not math.isfinite(value):
        return "—"
    return format_number(round_to(value / 1e3, 1.0), 0, lang=lang)


def format_thousands_range(low: float, high: float, *, lang: Lang = "nl") -> str:
    """A range in whole thousands of euros: "1.024–1.195"; with a negative end "−1.493 tot −602" /
    "−1,493 to −602" (a dash between two signed numbers is unreadable)."""
    _check_lang(lang)
    if not (math.isfinite(low) and math.isfinite(high)):
        return "—"
    if low > high:
        low, high = high, low
    a, b = format_thousands(low, lang=lang), format_thousands(high, lang=lang)
    if a.startswith(MINUS):
        return f"{a} {'tot' if lang == 'nl' else 'to'} {b}"
    return f"{a}–{b}"


def format_ratio(value: float, *, lang: Lang = "nl", step: float = 0.05) -> str:
    """A B/C ratio shown at the tool's precision: 1.204 → "1,20" (nl) / "1.20" (en)."""
    _check_lang(lang)
    if not math.isfinite(value):
        return NOT_APPLICABLE[lang]
    return format_number(round_to(value, step), 2, lang=lang)


def format_ratio_range(low: float, high: float, *, lang: Lang = "nl", step: float = 0.05) -> str:
    """"1,05–1,35"; with a negative end "−0,10 tot 0,40" / "−0.10 to 0.40"."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return NOT_APPLICABLE[lang]
    a, b = format_ratio(low, lang=lang, step=step), format_ratio(high, lang=lang, step=step)
    if a.startswith(MINUS):
        return f"{a} {'tot' if lang == 'nl' else 'to'} {b}"
    return f"{a}–{b}"


def format_percent(fraction: float, decimals: int = 0, *, lang: Lang = "nl") -> str:
    """0.9 → "90 %" (nl) / "90%" (en)."""
    _check_lang(lang)
    if not math.isfinite(fraction):
        return "—"
    text = format_number(fraction * 100, decimals, lang=lang)
    return f"{text} %" if lang == "nl" else f"{text}%"


def format_probability(p: float, *, lang: Lang = "nl", decimals: int = 2) -> str:
    """A probability that never reads as a certainty: over a finite sample 1 is "> 0,99" and 0 is
    "< 0,01" (with ``decimals`` = 3: "> 0,999", "< 0,001"); undefined (NaN) is "n.v.t." / "n/a"."""
    _check_lang(lang)
    if not math.isfinite(p):
        return NOT_APPLICABLE[lang]
    top = 1 - 10.0**-decimals
    if p >= 1 - 0.5 * 10.0**-decimals:
        return "> " + format_number(top, decimals, lang=lang)
    if p < 0.5 * 10.0**-decimals:
        return "< " + format_number(10.0**-decimals, decimals, lang=lang)
    return format_number(p, decimals, lang=lang)


def format_probability_percent(p: float, decimals: int = 0, *, lang: Lang = "nl") -> str:
    """A probability as a percentage that never reads as a certainty: "4 %", but "> 99 %" / "< 1 %"
    where rounding would print 100 % or 0 % (over a finite sample neither is known); NaN is "n.v.t."."""
    _check_lang(lang)
    if not math.isfinite(p):
        return NOT_APPLICABLE[lang]
    step = 10.0**-decimals / 100
    if p >= 1 - 0.5 * step:
        return "> " + format_percent(1 - step, decimals, lang=lang)
    if p < 0.5 * step:
        return "< " + format_percent(step, decimals, lang=lang)
    return format_percent(p, decimals, lang=lang)


_DEFAULT = "mkba default"  # as the run records it (simulator.sources.DEFAULT)


def format_source(source: str, note: str = "", lang: Lang = "nl") -> str:
    """An input's source as a report cites it: "mkba default: …" becomes "standaardwaarde mkba: …" in
    Dutch; the study's note follows in parentheses."""
    text = source
    if lang == "nl" and text.startswith(_DEFAULT):
        text = "standaardwaarde mkba" + text[len(_DEFAULT):]
    if note:
        text = f"{text} ({note})" if text else note
    return text


def format_probability_claim(p: float, *, lang: Lang = "nl", decimals: int = 2) -> str:
    """A probability as it follows "P(…)" in running text: "= 0,96", "> 0,99" or "< 0,01" (never
    "= > 0,99")."""
    text = format_probability(p, lang=lang, decimals=decimals)
    return text if text[:1] in "<>" else f"= {text}"
