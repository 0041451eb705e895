"""The locale formatter: every figure a reader sees is formatted here."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.i18n import Formatter
from briefgen.i18n import format as fmt_module
from briefgen.model import ExchangeRate, PartialDate

USD_KRW = ExchangeRate(kind="exchange_rate", base="USD", quote="KRW", rate=1500)


@pytest.mark.parametrize(
    ("lang", "call", "expected"),
    [
        ("ko", lambda f: f.money(5_580_000, "USD"), "558만 달러"),
        ("ko", lambda f: f.count(671_000_000_000), "6,710억"),
        ("ko", lambda f: f.money(123_450_000, "KRW"), "1억 2,345만 원"),
        ("ko", lambda f: f.money(0.55, "USD"), "0.55달러"),
        ("ko", lambda f: f.money(1, "CNY"), "1위안"),
        ("ko", lambda f: f.converted(5_580_000, "USD", USD_KRW), "558만 달러(약 84억 원)"),
        ("ko", lambda f: f.converted(10_000_000_000, "USD", USD_KRW), "100억 달러(약 15조 원)"),
        ("ko", lambda f: f.date(PartialDate(2023, 5)), "2023년 5월"),
        ("ko", lambda f: f.date(PartialDate(2025, 1, 20)), "2025년 1월 20일"),
        ("ko", lambda f: f.range(90, 95, "percent"), "90~95%"),
        ("ko", lambda f: f.range(1, 2, "duration-year"), "1~2년"),
        ("ko", lambda f: f.ratio(18), "18배"),
        ("ko", lambda f: f.list(["A", "B", "C"]), "A, B 및 C"),
        ("ko", lambda f: f.count(1200), "1,200"),
        ("ko", lambda f: f.count(20_000), "2만"),
        ("ko", lambda f: f.exchange_rate(USD_KRW), "1달러 = 1,500원"),
        ("en", lambda f: f.money(5_580_000, "USD"), "$5.58 million"),
        ("en", lambda f: f.count(671_000_000_000), "671 billion"),
        ("en", lambda f: f.money(0.55, "USD"), "$0.55"),
        ("en", lambda f: f.money(15, "USD"), "$15"),
        ("en", lambda f: f.date(PartialDate(2023, 5)), "May 2023"),
        ("en", lambda f: f.range(90, 95, "percent"), "90–95%"),
        ("en", lambda f: f.range(1, 2, "duration-year"), "1–2 years"),
        ("en", lambda f: f.ratio(None, 1, 30), "1/30"),
        ("en", lambda f: f.list(["A", "B", "C"]), "A, B, and C"),
        ("en", lambda f: f.quantity(3, "duration-month"), "3 months"),
        ("en", lambda f: f.converted(5_580_000, "USD", USD_KRW), "$5.58 million (about ₩8.4 billion)"),
        ("ja", lambda f: f.money(5_580_000, "USD"), "558万ドル"),
        ("ja", lambda f: f.count(671_000_000_000), "6710億"),
        ("ja", lambda f: f.count(123_456_789), "1億2345万6789"),
        ("ja", lambda f: f.date(PartialDate(2023, 5)), "2023年5月"),
    ],
)
def test_formats_figures_as_the_press_writes_them(lang: str, call: object, expected: str) -> None:
    assert call(Formatter(lang)) == expected  # type: ignore[operator]


def test_compact_falls_back_when_babel_lacks_long_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    # Babel 2.18 raised KeyError for format_type='long' in Korean; other locales may still lack it.
    calls: list[str] = []

    def missing_long(value: float, *, format_type: str, **kwargs: object) -> str:
        calls.append(format_type)
        if format_type == "long":
            raise KeyError("long")
        return "671B"

    monkeypatch.setattr(fmt_module, "format_compact_decimal", missing_long)
    assert Formatter("en").compact(671e9) == "671B"
    assert calls == ["long", "short"]


def test_korean_compact_uses_myriads_not_babel() -> None:
    assert Formatter("ko").compact(671e9) == "6,710억"


def test_approximate_amounts_keep_two_significant_digits() -> None:
    # 5.58M USD x 1,500 = 8,370,000,000 KRW, shown as about 84억 (half-even rounding of 8.37 to 8.4)
    assert Formatter("ko").converted(5_580_000, "USD", USD_KRW).endswith("(약 84억 원)")


finite = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0, max_value=1e15, allow_nan=False, allow_infinity=False)
LOCALES = ["ko", "en", "ja", "de", "fr", "zh", "es", "de-CH", "pt-BR", "ar-EG", "hi"]
CURRENCIES = ["USD", "KRW", "CNY", "EUR", "JPY", "CHF", "BHD"]


@settings(max_examples=150, deadline=None)
@given(lang=st.sampled_from(LOCALES), value=finite, currency=st.sampled_from(CURRENCIES))
def test_any_money_formats_in_every_locale(lang: str, value: float, currency: str) -> None:
    text = Formatter(lang).money(value, currency)
    assert text and "nan" not in text.lower()


@settings(max_examples=200, deadline=None)
@given(
    lang=st.sampled_from(LOCALES),
    value=st.floats(min_value=1e-9, max_value=1e15, allow_nan=False, allow_infinity=False),
    negative=st.booleans(),
    currency=st.sampled_from(CURRENCIES),
)
def test_a_non_zero_amount_never_shows_as_zero(
    lang: str, value: float, negative: bool, currency: str
) -> None:
    text = Formatter(lang).money(-value if negative else value, currency)
    digits = [int(ch) for ch in text if ch.isdigit()]
    assert digits and any(digits), text


@settings(max_examples=100, deadline=None)
@given(
    lang=st.sampled_from(LOCALES),
    start=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    days=st.integers(0, 4000),
    precision=st.sampled_from(["year", "month", "day"]),
)
def test_any_date_range_formats_in_every_locale(lang: str, start: dt.date, days: int, precision: str) -> None:
    end = start + dt.timedelta(days=days)
    cut = {"year": 1, "month": 2, "day": 3}[precision]
    first = PartialDate(*(start.year, start.month, start.day)[:cut])
    last = PartialDate(*(end.year, end.month, end.day)[:cut])
    assert Formatter(lang).date_range(first, last)


@settings(max_examples=150, deadline=None)
@given(
    lang=st.sampled_from(LOCALES),
    low=positive,
    span=positive,
    unit=st.sampled_from(["percent", "number", "duration-year", "duration-month"]),
)
def test_any_range_and_count_formats_in_every_locale(lang: str, low: float, span: float, unit: str) -> None:
    f = Formatter(lang)
    assert f.range(low, low + span, unit)
    assert f.count(low)
    assert f.percent(low)
    assert not math.isnan(low)


@settings(max_examples=100, deadline=None)
@given(
    lang=st.sampled_from(LOCALES),
    year=st.integers(1900, 2100),
    month=st.integers(1, 12),
    day=st.integers(1, 28),
)
def test_any_date_formats_in_every_locale(lang: str, year: int, month: int, day: int) -> None:
    f = Formatter(lang)
    for value in (PartialDate(year), PartialDate(year, month), PartialDate(year, month, day)):
        latin = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in f.date(value))
        assert str(year) in latin  # ar-EG writes ١٩٠٠
