"""The few CLDR number rules that Babel does not carry, as CLDR 42 states them (common/main/*.xml).

Babel ships CLDR's patterns and symbols, but not ``miscPatterns`` (the range and "approximately" patterns),
``minimumGroupingDigits`` or ``currencySpacing``. The values below are the exceptions to CLDR's root locale;
a region inherits its language's value unless it is listed itself.
"""

from __future__ import annotations

import unicodedata

from babel import Locale

#: ``miscPatterns/range``: root writes ``{0}–{1}``.
RANGE: dict[str, str] = {
    "bg": " – ",
    "bs": " – ",
    "bs_Cyrl": "–",
    "ca": "-",
    "da": "-",
    "es": "-",
    "et": "‒",
    "eu": "-",
    "fil": "-",
    "fy": "-",
    "gu": "-",
    "hr": " – ",
    "it": "-",
    "ja": "～",
    "jv": " – ",
    "ka": "-",
    "kea": " – ",
    "ko": "~",
    "mk": "\u2009–\u2009",
    "ml": "-",
    "my": " - ",
    "nl": "-",
    "pt_AO": " - ",
    "pt_CH": " - ",
    "pt_CV": " - ",
    "pt_GQ": " - ",
    "pt_GW": " - ",
    "pt_LU": " - ",
    "pt_MO": " - ",
    "pt_MZ": " - ",
    "pt_PT": " - ",
    "pt_ST": " - ",
    "pt_TL": " - ",
    "ro": " - ",
    "sk": " – ",
    "sq": "-",
    "sv": "‒",
    "th": "-",
    "to": "—",
    "tt": "-",
    "vi": "-",
    "yue": "-",
    "zh": "-",
}

#: ``miscPatterns/approximately``: root writes ``~{0}``.
APPROXIMATELY: dict[str, str] = {
    "be": "≈{0}",
    "bs": "≈{0}",
    "bs_Cyrl": "~{0}",
    "de": "≈{0}",
    "dsb": "≈{0}",
    "et": "≈{0}",
    "fr": "≃{0}",
    "fr_CA": "≈{0}",
    "hsb": "≈{0}",
    "ja": "約{0}",
    "ka": "≈{0}",
    "lt": "∼{0}",
    "mk": "≈{0}",
    "nb": "ca.{0}",
    "nn": "≈{0}",
    "no": "ca.{0}",
    "rm": "≈{0}",
    "ru": "≈{0}",
    "sq": "≈{0}",
}

#: ``minimumGroupingDigits`` 2 (root: 1): a four-digit number is not grouped (Spanish 1234, Polish 1234).
MIN_GROUPING_2: frozenset[str] = frozenset({"be", "bg", "ee", "es", "et", "ia", "ka", "lv", "pl", "sq"})
_LATIN_AMERICA = ("419", "AR", "BO", "BR", "BZ", "CL", "CO", "CR", "CU", "DO", "EC", "GT", "HN", "MX")
_LATIN_AMERICA_TOO = ("NI", "PA", "PE", "PR", "PY", "SV", "US", "UY", "VE")
#: ... but Spanish outside Spain groups from four digits on (1,234), as root does.
MIN_GROUPING_1: frozenset[str] = frozenset(f"es_{r}" for r in _LATIN_AMERICA + _LATIN_AMERICA_TOO)
#: Portuguese outside Brazil, and Russian in Ukraine, do not group four digits either.
MIN_GROUPING_2_REGIONS: frozenset[str] = frozenset(
    {*(f"pt_{r}" for r in ("CH", "CV", "GQ", "GW", "LU", "MO", "MZ", "PT", "ST", "TL")), "ru_UA"}
)


def _lookup(table: dict[str, str], locale: Locale, default: str) -> str:
    for code in _chain(locale):
        if code in table:
            return table[code]
    return default


def _chain(locale: Locale) -> list[str]:
    """Return the codes a locale inherits from, most specific first: ``pt_PT``, ``pt``."""
    codes = [str(locale)]
    if locale.script and locale.territory:
        codes.append(f"{locale.language}_{locale.script}")
    if locale.territory:
        codes.append(f"{locale.language}_{locale.territory}")
    codes.append(locale.language)
    return list(dict.fromkeys(codes))


def range_separator(locale: Locale) -> str:
    """Return what stands between the two ends of a number range: ``–``, Korean ``~``, Spanish ``-``."""
    return _lookup(RANGE, locale, "–")


def approximately(locale: Locale) -> str:
    """Return CLDR's "approximately" pattern, ``{0}`` for the figure: ``~{0}``, German ``≈{0}``."""
    return _lookup(APPROXIMATELY, locale, "~{0}")


def minimum_grouping_digits(locale: Locale) -> int:
    """Return how many digits must stand before the first separator for it to be written."""
    for code in _chain(locale):
        if code in MIN_GROUPING_1:
            return 1
        if code in MIN_GROUPING_2 or code in MIN_GROUPING_2_REGIONS:
            return 2
    return 1


def space_currency(text: str, symbol: str) -> str:
    """Apply CLDR's ``currencySpacing``: a no-break space between a letter-like symbol and a digit.

    ``CHF1,234.50`` becomes ``CHF 1,234.50``; ``€1,234.50`` stays (``€`` is a symbol, category S).
    """
    if not symbol:
        return text
    at = text.find(symbol)
    if at < 0:
        return text
    end = at + len(symbol)
    if end < len(text) and _letter_like(symbol[-1]) and unicodedata.category(text[end]) == "Nd":
        text = text[:end] + "\u00a0" + text[end:]
    if at > 0 and _letter_like(symbol[0]) and unicodedata.category(text[at - 1]) == "Nd":
        text = text[:at] + "\u00a0" + text[at:]
    return text


def _letter_like(ch: str) -> bool:
    """Tell whether a character is neither a symbol nor a separator (CLDR's ``[[:^S:]&[:^Z:]]``)."""
    return unicodedata.category(ch)[0] not in "SZ"


#: The zero of each numeric numbering system a CLDR locale may use by default (``numberingSystems.xml``);
#: the other nine digits follow it. Babel formats such locales with the system's separators but Latin
#: digits, so the formatter puts the native digits in itself.
NATIVE_ZERO: dict[str, str] = {
    "arab": "\u0660",
    "arabext": "\u06f0",
    "beng": "\u09e6",
    "deva": "\u0966",
    "gujr": "\u0ae6",
    "guru": "\u0a66",
    "knda": "\u0ce6",
    "mlym": "\u0d66",
    "mtei": "\uabf0",
    "mymr": "\u1040",
    "olck": "\u1c50",
    "orya": "\u0b66",
    "tamldec": "\u0be6",
    "telu": "\u0c66",
    "thai": "\u0e50",
    "tibt": "\u0f20",
    "khmr": "\u17e0",
    "laoo": "\u0ed0",
    "fullwide": "\uff10",
}


def native_digits(locale: Locale) -> dict[int, int]:
    """Return a ``str.translate`` table from Latin digits to the locale's default digits (empty: Latin)."""
    zero = NATIVE_ZERO.get(str(locale.default_numbering_system))
    if zero is None:
        return {}
    return {ord("0") + i: ord(zero) + i for i in range(10)}
