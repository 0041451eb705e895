"""Suggestions that understand what was meant by a language or currency code, not only how it is spelt.

Spelling alone suggests 'RON' for 'WON' and 'UZS' for 'US$'. People write what they know: a country code
for a language (``jp``, ``kr``), a currency's name, word or sign (``WON``, ``US$``, ``€``, ``원``), or a
crypto-asset where a currency goes. The tables here come first; spelling is the fallback, among the codes
in use today.
"""

from __future__ import annotations

import functools

from briefgen.errors import closest

#: Country codes and names people write for a language, and the language code they mean.
LANGUAGE_ALIASES = {
    "jp": "ja",
    "kr": "ko",
    "kp": "ko",
    "cn": "zh",
    "tw": "zh",
    "gr": "el",
    "dk": "da",
    "se": "sv",
    "cz": "cs",
    "ua": "uk",
    "vn": "vi",
    "il": "he",
    "us": "en",
    "gb": "en",
    "english": "en",
    "korean": "ko",
    "japanese": "ja",
    "chinese": "zh",
    "german": "de",
    "french": "fr",
    "spanish": "es",
}

#: Names, words and signs people write for a currency, and its ISO 4217 code.
CURRENCY_ALIASES = {
    "WON": "KRW",
    "₩": "KRW",
    "원": "KRW",
    "US$": "USD",
    "$": "USD",
    "USD$": "USD",
    "DOLLAR": "USD",
    "DOLLARS": "USD",
    "달러": "USD",
    "EURO": "EUR",
    "EUROS": "EUR",
    "€": "EUR",
    "유로": "EUR",
    "YEN": "JPY",
    "JPN": "JPY",
    "¥": "JPY",
    "円": "JPY",
    "엔": "JPY",
    "YUAN": "CNY",
    "RMB": "CNY",
    "元": "CNY",
    "위안": "CNY",
    "POUND": "GBP",
    "POUNDS": "GBP",
    "£": "GBP",
    "STG": "GBP",
    "UKP": "GBP",
    "FRANC": "CHF",
    "SFR": "CHF",
    "RUPEE": "INR",
    "₹": "INR",
    "A$": "AUD",
    "C$": "CAD",
    "HK$": "HKD",
    "NT$": "TWD",
    "S$": "SGD",
}

#: Crypto-assets and other units written where a currency goes; none has an ISO 4217 code to format with.
NOT_CURRENCIES = frozenset(
    {"BTC", "XBT", "ETH", "USDT", "USDC", "BNB", "XRP", "SOL", "DOGE", "ADA", "TRX", "DAI", "LTC", "DOT"}
)


def language(code: str, known: list[str] | tuple[str, ...]) -> str | None:
    """Return the language among ``known`` that ``code`` most likely means, or None."""
    folded = code.strip().lower().replace("-", "_")
    meant = LANGUAGE_ALIASES.get(folded, folded)
    for candidate in (meant, meant.split("_")[0]):
        for name in known:
            if name.lower().replace("-", "_") == candidate:
                return name
    return closest(code, known)


def alias_language(code: str) -> str | None:
    """Return the language code a country code or language name stands for (``jp`` → ``ja``), or None."""
    return LANGUAGE_ALIASES.get(code.strip().lower())


def currency(code: str) -> str | None:
    """Return the ISO 4217 code ``code`` most likely means (``WON`` → ``KRW``), or None."""
    folded = code.strip().upper()
    if folded in CURRENCY_ALIASES:
        return CURRENCY_ALIASES[folded]
    if code.strip() in CURRENCY_ALIASES:  # signs and words in other scripts: no upper case to fold to
        return CURRENCY_ALIASES[code.strip()]
    return _closest_currency(folded)


#: The currencies most traded, most used first: a tie in spelling goes to the one more likely meant.
MAJOR_CURRENCIES = ("USD", "EUR", "JPY", "GBP", "CNY", "AUD", "CAD", "CHF", "HKD", "SGD", "KRW", "INR")


def _closest_currency(code: str) -> str | None:
    import difflib

    scored: dict[float, list[str]] = {}
    for candidate in currencies_in_use():
        ratio = difflib.SequenceMatcher(None, code, candidate).ratio()
        if ratio >= 0.6:
            scored.setdefault(ratio, []).append(candidate)
    if not scored:
        return None
    best = scored[max(scored)]
    major = [c for c in MAJOR_CURRENCIES if c in best]
    return major[0] if major else min(best)


def not_a_currency(code: str) -> bool:
    """Tell whether ``code`` names a crypto-asset or other unit that has no ISO 4217 code."""
    return code.strip().upper() in NOT_CURRENCIES


@functools.lru_cache(maxsize=1)
def currencies_in_use() -> frozenset[str]:
    """Return the ISO 4217 codes that some territory uses as legal tender today (CLDR, through Babel)."""
    from babel.core import get_global

    return frozenset(
        code
        for spans in get_global("territory_currencies").values()
        for code, _start, end, tender in spans
        if end is None and tender
    )
