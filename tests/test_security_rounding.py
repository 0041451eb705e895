"""Numbers as the reader sees them: the rounding rules documented in docs/content.md ("Rounding"), one by one.

Part of "clear on every error, nothing lost": a figure is never shown rounded in a way the documentation
does not say.
"""

from __future__ import annotations

import pytest

from briefgen.i18n import Formatter
from briefgen.model import ExchangeRate

USD_KRW = ExchangeRate(kind="exchange_rate", base="USD", quote="KRW", rate=1500)


@pytest.mark.parametrize(
    ("lang", "call", "shown"),
    [
        # half away from zero, on the decimal number as written
        ("en", lambda f: f.number(0.125), "0.13"),
        ("en", lambda f: f.number(0.135), "0.14"),
        ("en", lambda f: f.number(1.005), "1.01"),
        # plain numbers: at most two decimals, no trailing zeros
        ("en", lambda f: f.number(1234.5), "1,234.5"),
        ("en", lambda f: f.number(2.0), "2"),
        # money: no decimals for a whole amount, exactly two otherwise
        ("en", lambda f: f.money(15, "USD"), "$15"),
        ("en", lambda f: f.money(15.5, "USD"), "$15.50"),
        ("en", lambda f: f.money(0.125, "USD"), "$0.13"),
        ("en", lambda f: f.money(0.135, "USD"), "$0.14"),
        # English from a million on: a word, at most two decimals of it
        ("en", lambda f: f.money(5_585_000, "USD"), "$5.59 million"),
        ("en", lambda f: f.count(671_500_000_000), "671.5 billion"),
        ("en", lambda f: f.count(1_005_000), "1.01 million"),
        ("en", lambda f: f.count(999_999), "999,999"),
        # Korean and Japanese from 10,000 on: groups of four digits, whole numbers, nothing else dropped
        ("ko", lambda f: f.count(12_345.6), "1만 2,346"),
        ("ko", lambda f: f.count(12_345.5), "1만 2,346"),
        ("ko", lambda f: f.money(5_585_000, "USD"), "558만 5,000달러"),
        ("ja", lambda f: f.count(12_345.6), "1万2346"),
        # percentages as written
        ("en", lambda f: f.percent(12.3456), "12.3456%"),
        ("ko", lambda f: f.percent(5), "5%"),
        # converted amounts: approximate, two significant digits, half away from zero
        ("ko", lambda f: f.converted(5_580_000, "USD", USD_KRW), "558만 달러(약 84억 원)"),
        ("ko", lambda f: f.converted(5_500_000, "USD", USD_KRW), "550만 달러(약 83억 원)"),
        ("en", lambda f: f.converted(5_500_000, "USD", USD_KRW), "$5.5 million (about ₩8.3 billion)"),
    ],
)
def test_figures_are_rounded_as_documented(lang: str, call: object, shown: str) -> None:
    assert call(Formatter(lang)) == shown  # type: ignore[operator]


def test_facts_keep_the_value_written() -> None:
    from briefgen.model import Money

    fact = Money(kind="money", amount=5_585_000.125, currency="USD")
    assert fact.amount == 5_585_000.125  # rounding happens when a figure is shown, never when it is read
