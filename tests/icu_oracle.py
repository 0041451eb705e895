"""ICU through PyICU: the independent oracle for the formats briefgen takes from CLDR through Babel.

ICU is a separate implementation of CLDR (C++, its own copy of the data), so agreeing with it checks
Babel's data, briefgen's use of it, and what briefgen adds that Babel lacks (currency spacing, minimum
grouping, range collapsing, native digits). Each function formats one figure the way briefgen's
documented rule asks for, in ICU's terms (a number skeleton, a range formatter, a date pattern).
"""

from __future__ import annotations

import datetime as dt
import re

import icu

#: CLDR data that changed between ICU's copy (ICU 72: CLDR 42) and Babel's (CLDR 49). For these, the ICU
#: result is rewritten to the newer data before comparing; each entry is a single symbol or spacing change.
DATA_CHANGES: dict[str, tuple[tuple[str, str], ...]] = {
    # de-CH groups thousands with the ASCII apostrophe now (1'234), not U+2019.
    "de_CH": (("’", "'"),),
    # Spanish puts a no-break space between a compact unit and the currency symbol (1500 B US$).
    "es": ((r"(?<=\b[MB])(?=€|JPY|US\$|CHF|KRW)", "\u00a0"),),
    # Simplified Chinese writes the won with the ordinary sign, not the full-width one.
    "zh_Hans": (("￦", "₩"), ("(?<=日)至", "\u2009–\u2009"), ("(?<=月)至", " – ")),
    # Arabic: the bidirectional marks around signs and amounts changed; they order the text and show no
    # glyph, and laying out right-to-left text is outside what briefgen typesets. Compared without them.
    "ar_EG": (("[\u061c\u200e\u200f]", ""), ("، (?=[٠-٩])", " ")),
}
#: Locales whose results are compared without bidirectional marks (see DATA_CHANGES).
WITHOUT_BIDI_MARKS = ("ar_EG",)


# Dates are calendar days: format them in UTC, whatever the machine's zone.
icu.TimeZone.setDefault(icu.TimeZone.getGMT())


#: briefgen rounds half away from zero, as the press does (ICU's default is half to even)
HALF_UP = "rounding-mode-half-up"


def _locale(code: str) -> icu.Locale:
    return icu.Locale(code.replace("-", "_"))


def updated(code: str, text: str) -> str:
    """Apply the CLDR changes between ICU's data and Babel's (DATA_CHANGES) to an ICU result."""
    for old, new in DATA_CHANGES.get(code.replace("-", "_"), ()):
        text = re.sub(old, new, text)
    return text


def number(code: str, skeleton: str, value: float) -> str:
    """Format a number with an ICU skeleton (``currency/EUR precision-currency-standard/w``)."""
    formatter = icu.NumberFormatter.forSkeleton(f"{skeleton} {HALF_UP}").locale(_locale(code))
    return updated(code, str(formatter.formatDouble(float(value))))


def number_range(code: str, skeleton: str, low: float, high: float) -> str:
    """Format a range as ICU does, a unit shared by both ends written once (collapse UNIT)."""
    formatter = (
        icu.NumberRangeFormatter.withLocale(_locale(code))
        .numberFormatterBoth(icu.NumberFormatter.forSkeleton(f"{skeleton} {HALF_UP}"))
        .collapse(icu.UNumberRangeCollapse.UNIT)
    )
    return updated(code, str(formatter.formatDoubleRange(float(low), float(high))))


def approximately(code: str, value: float) -> str:
    """Format an approximate number with CLDR's pattern (``~5``, German ``≈5``)."""
    formatter = (
        icu.NumberRangeFormatter.withLocale(_locale(code))
        .numberFormatterBoth(icu.NumberFormatter.forSkeleton(f".## {HALF_UP}"))
        .identityFallback(icu.UNumberRangeIdentityFallback.APPROXIMATELY)
    )
    return updated(code, str(formatter.formatDoubleRange(float(value), float(value))))


def money(code: str, amount: float, currency: str, digits: int) -> str:
    """Format an amount by briefgen's rule: the currency's digits, none if whole, two significant if tiny."""
    rounded = round(amount, digits)
    if amount != 0 and rounded == 0:
        return number(code, f"currency/{currency} @#", amount)
    return number(code, f"currency/{currency} precision-currency-standard/w", amount)


def currency_name(code: str, currency: str) -> str:
    """Return CLDR's name of a currency in a language, as ICU's full-name currency format writes it."""
    text = number(code, f"currency/{currency} unit-width-full-name", 2.0)
    return re.sub(r"^[\d.,\s]+|[\d.,\s]+$", "", text)


def money_with_word(code: str, amount: float, currency: str) -> str:
    """Format money as ICU does, then give the number CLDR's long word: English ``$5.58 million``.

    The currency pattern comes from ICU's ``$1.00``, the number from ICU's long compact form.
    """
    template = number(code, f"currency/{currency} precision-integer", -1.0 if amount < 0 else 1.0)
    digits = re.search(r"\d+", template)
    assert digits is not None
    compact = number(code, "compact-long .##", abs(amount))
    return template[: digits.start()] + compact + template[digits.end() :]


def _timestamp(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def date(code: str, day: dt.date, precision: str) -> str:
    """Format a date to a precision: the skeletons ``y`` and ``yMMMM``, or the long date style."""
    locale = _locale(code)
    if precision == "day":
        formatter = icu.DateFormat.createDateInstance(icu.DateFormat.kLong, locale)
    else:
        pattern = icu.DateTimePatternGenerator.createInstance(locale).getBestPattern(
            "y" if precision == "year" else "yMMMM"
        )
        formatter = icu.SimpleDateFormat(pattern, locale)
    formatter.setTimeZone(icu.TimeZone.getGMT())
    return updated(code, str(formatter.format(_timestamp(day))))


def date_interval(code: str, start: dt.date, end: dt.date, precision: str) -> str:
    """Format a span of dates with CLDR's interval formats."""
    skeleton = {"year": "y", "month": "yMMMM", "day": "yMMMMd"}[precision]
    formatter = icu.DateIntervalFormat.createInstance(skeleton, _locale(code))
    return updated(code, str(formatter.format(icu.DateInterval(_timestamp(start), _timestamp(end)))))


def significant(value: float, digits: int = 2) -> float:
    """Round to significant digits as ICU's ``@@`` does (half away from zero, as briefgen rounds)."""
    return float(number("en", "@" * digits + " group-off", value))
