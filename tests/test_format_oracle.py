"""Every kind of figure in twelve locales, checked against ICU (PyICU), which is independent of Babel.

Where briefgen departs from CLDR on purpose, the expected text is built from ICU's pieces by the named rule,
with the source of the convention:

- English writes large amounts with the word, ``$5.58 million`` (CLDR: ``$5.58M``): the AP Stylebook's
  "millions, billions" entry (``$1.4 million``), as English-language newspapers write.
- Korean and Japanese count in groups of four digits with the currency as a word after the amount (see
  ``test_myriad_press_style``).
- The words around figures ("about", "×", the link of a date range) are the language's catalogue messages;
  without a catalogue (es, pt-BR, zh-Hans, hi, ar-EG) they are CLDR's own patterns, checked here too.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from babel.numbers import get_currency_precision

from briefgen.i18n import Formatter
from briefgen.model import ExchangeRate, PartialDate
from tests import icu_oracle as icu

#: The matrix of the issue (ten locales) and two whose digits are not Latin or whose grouping is Indian.
LOCALES = ["ko", "ja", "en", "en-GB", "de", "de-CH", "fr", "es", "pt-BR", "zh-Hans", "ar-EG", "hi"]
CLDR_LOCALES = [code for code in LOCALES if code not in ("ko", "ja")]
ENGLISH = ("en", "en-GB")

MONEY = [
    (1234.5, "EUR"),  # positive, with cents
    (-2500, "CHF"),  # negative; a symbol made of letters takes a no-break space before digits
    (0, "USD"),  # zero
    (0.004, "EUR"),  # smaller than a cent: two significant digits, never 0.00
    (-0.0045, "USD"),
    (15, "USD"),  # whole: no decimals
    (4980, "JPY"),  # a currency without minor unit
    (1234.5, "JPY"),  # rounded to whole yen, half away from zero: ¥1,235
    (999.5, "KRW"),
    (167500, "KRW"),
    (2_500_000, "CHF"),  # from a million on: a compact form
    (48_750_000_000, "EUR"),
    (1.5e15, "USD"),  # huge
]
COUNTS = [1234, -5, 0, 0.5, 999_999, 1_234_567, 671_000_000_000, -2_000_000]
PERCENTS = [7.5, -3.25, 0, 0.001, 12.3456, 1234.5]
UNITS = [(3, "duration-month"), (1, "duration-year"), (1234.5, "length-kilometer")]
RANGES = [(42, 51, "percent"), (-5, 3, "percent"), (1, 2, "duration-year"), (90, 95, "percent")]
DATES = [PartialDate(2025, 1, 20), PartialDate(2023, 5), PartialDate(2015)]
DATE_RANGES = [
    (PartialDate(2025, 3), PartialDate(2025, 9)),
    (PartialDate(2024, 11), PartialDate(2025, 2)),
    (PartialDate(2025, 3, 3), PartialDate(2025, 3, 9)),
    (PartialDate(2024), PartialDate(2025)),
]
USD_KRW = ExchangeRate(kind="exchange_rate", base="USD", quote="KRW", rate=1500)
EUR_USD = ExchangeRate(kind="exchange_rate", base="EUR", quote="USD", rate=1.0845)


def expected_money(code: str, amount: float, currency: str) -> str:
    if abs(amount) >= 1_000_000:
        if code in ENGLISH:
            return icu.money_with_word(code, amount, currency)  # AP: $5.58 million
        return icu.number(code, f"compact-short currency/{currency} .##", amount)
    return icu.money(code, amount, currency, int(get_currency_precision(currency)))


def expected_count(code: str, value: float) -> str:
    return icu.number(code, "compact-long .##" if abs(value) >= 1_000_000 else ".##", value)


Case = tuple[str, Callable[[Formatter], str], Callable[[str], str]]


def cases() -> list[Case]:
    found: list[Case] = []
    for amount, currency in MONEY:
        found.append(
            (
                f"money {amount} {currency}",
                lambda f, a=amount, c=currency: f.money(a, c),
                lambda code, a=amount, c=currency: expected_money(code, a, c),
            )
        )
    for value in COUNTS:
        found.append(
            (f"count {value}", lambda f, v=value: f.count(v), lambda code, v=value: expected_count(code, v))
        )
    for value in PERCENTS:
        found.append(
            (
                f"percent {value}",
                lambda f, v=value: f.percent(v),
                lambda code, v=value: icu.number(code, "percent precision-unlimited", v),
            )
        )
    for value, unit in UNITS:
        found.append(
            (
                f"quantity {value} {unit}",
                lambda f, v=value, u=unit: f.quantity(v, u),
                lambda code, v=value, u=unit: icu.number(
                    code, f"measure-unit/{u} unit-width-full-name .##", v
                ),
            )
        )
    for low, high, unit in RANGES:
        skeleton = (
            "percent precision-unlimited"
            if unit == "percent"
            else f"measure-unit/{unit} unit-width-full-name"
        )
        found.append(
            (
                f"range {low}..{high} {unit}",
                lambda f, lo=low, hi=high, u=unit: f.range(lo, hi, u),
                lambda code, lo=low, hi=high, s=skeleton: icu.number_range(code, s, lo, hi),
            )
        )
    for day in DATES:
        found.append(
            (
                f"date {day}",
                lambda f, d=day: f.date(d),
                lambda code, d=day: icu.date(code, d.to_date(), d.precision),
            )
        )
    found.append(
        (
            "exchange rate USD/KRW",
            lambda f: f.exchange_rate(USD_KRW),
            lambda code: f"{icu.money(code, 1, 'USD', 2)} = {icu.money(code, 1500, 'KRW', 0)}",
        )
    )
    found.append(
        (
            "exchange rate EUR/USD, every decimal kept",
            lambda f: f.exchange_rate(EUR_USD),
            lambda code: (
                f"{icu.money(code, 1, 'EUR', 2)} = {icu.number(code, 'currency/USD .00+/w', 1.0845)}"
            ),
        )
    )
    return found


CASES = cases()


#: Where ICU 72 itself departs from CLDR, the text CLDR's data gives, by hand. ICU builds compact money from
#: the decimal compact pattern and the currency pattern; CLDR has compact currency patterns of their own,
#: which Babel follows: de-CH writes the code first (``¤ 0 Mio.``).
ICU_GAPS: dict[tuple[str, str], str] = {
    ("de-CH", "money 2500000 CHF"): "CHF\u00a02.5\u00a0Mio.",
    ("de-CH", "money 48750000000 EUR"): "EUR\u00a048.75\u00a0Mrd.",
    ("de-CH", "money 1500000000000000.0 USD"): "$\u00a01500\u00a0Bio.",
}


def ours_compared(code: str, text: str) -> str:
    return icu.updated(code, text) if code.replace("-", "_") in icu.WITHOUT_BIDI_MARKS else text


@pytest.mark.parametrize("code", CLDR_LOCALES)
@pytest.mark.parametrize(("what", "ours", "theirs"), CASES, ids=[c[0] for c in CASES])
def test_figures_match_icu(
    code: str, what: str, ours: Callable[[Formatter], str], theirs: Callable[[str], str]
) -> None:
    expected = ICU_GAPS.get((code, what)) or theirs(code)
    assert ours_compared(code, ours(Formatter(code))) == expected, what


def _link(f: Formatter) -> str | None:
    """Return the catalogue's link of a date range ("–", German " bis "), or None: CLDR's own."""
    if f.words.date_range is None:
        return None
    return f.words.date_range.removeprefix("{start}").removesuffix("{end}")


@pytest.mark.parametrize("code", LOCALES)
@pytest.mark.parametrize(("start", "end"), DATE_RANGES, ids=[f"{a}..{b}" for a, b in DATE_RANGES])
def test_date_ranges_match_icu(code: str, start: PartialDate, end: PartialDate) -> None:
    import re

    f = Formatter(code)
    theirs = icu.date_interval(code, start.to_date(), end.to_date(), start.precision)
    link = _link(f)
    if link is not None:  # the catalogue's word replaces CLDR's dash: German "März bis September 2025"
        theirs = re.sub(r"\s*[–~～\-]\s*", link, theirs, count=1)
    assert ours_compared(code, f.date_range(start, end)) == theirs


@pytest.mark.parametrize("code", ["es", "pt-BR", "zh-Hans", "hi", "ar-EG"])
def test_a_language_without_catalogue_uses_cldr_words(code: str) -> None:
    f = Formatter(code)
    about = icu.approximately(code, 1).replace(icu.number(code, ".##", 1), "{}")
    assert ours_compared(code, f.approximately(f.number(5))) == icu.approximately(code, 5)
    assert ours_compared(code, f.ratio(18)) == icu.number(code, ".##", 18) + "×"
    rounded = icu.significant(5_580_000 * 1500)
    assert ours_compared(code, f.converted(5_580_000, "USD", USD_KRW)) == (
        f"{expected_money(code, 5_580_000, 'USD')} ({about.format(expected_money(code, rounded, 'KRW'))})"
    )


# ---------------------------------------------------------------- the Korean and Japanese press style

#: Korean: 한글 맞춤법 제44항 ("수를 적을 적에는 '만(萬)' 단위로 띄어 쓴다": 12억 3456만 7898), with the
#: thousands separators Korean newspapers keep inside each group (Yonhap: 1억 2,345만) and the currency as a
#: word after the amount (558만 달러). Japanese: Kyodo News, 記者ハンドブック (万・億・兆 with Arabic
#: numerals and no comma inside a group: 1億2345万円; 4980円), the currency as a word after the amount.
MYRIAD = [
    ("ko", lambda f: f.money(5_580_000, "USD"), "558만 달러"),
    ("ko", lambda f: f.money(123_450_000, "KRW"), "1억 2,345만 원"),
    ("ko", lambda f: f.money(2_500_000, "CHF"), "250만 스위스 프랑"),  # every currency alike
    ("ko", lambda f: f.money(4980, "JPY"), "4,980엔"),
    ("ko", lambda f: f.money(999.5, "KRW"), "1,000원"),  # no minor unit: whole won, half away from zero
    ("ko", lambda f: f.money(0.55, "USD"), "0.55달러"),
    ("ko", lambda f: f.money(0.004, "EUR"), "0.004유로"),  # never 0.00유로
    ("ko", lambda f: f.money(-2500, "CHF"), "-2,500스위스 프랑"),
    ("ko", lambda f: f.money(1.5e15, "USD"), "1,500조 달러"),
    ("ko", lambda f: f.count(671_000_000_000), "6,710억"),
    ("ko", lambda f: f.count(0), "0"),
    ("ko", lambda f: f.range(1, 2, "duration-year"), "1~2년"),
    ("ko", lambda f: f.converted(5_580_000, "USD", USD_KRW), "558만 달러(약 84억 원)"),
    ("ko", lambda f: f.ratio(18), "18배"),
    ("ja", lambda f: f.money(4980, "JPY"), "4980円"),
    ("ja", lambda f: f.money(167_500, "KRW"), "16万7500ウォン"),  # one rule for every currency
    ("ja", lambda f: f.money(1234.5, "JPY"), "1235円"),
    ("ja", lambda f: f.money(2_500_000, "CHF"), "250万スイス フラン"),
    ("ja", lambda f: f.count(123_456_789), "1億2345万6789"),
    ("ja", lambda f: f.count(1234), "1234"),
    ("ja", lambda f: f.quantity(3, "duration-month"), "3か月"),  # no space before a counter (CLDR: 3 か月)
    ("ja", lambda f: f.converted(5_580_000, "USD", USD_KRW), "558万ドル（約84億ウォン）"),
]


@pytest.mark.parametrize(("code", "call", "shown"), MYRIAD)
def test_myriad_press_style(code: str, call: Callable[[Formatter], str], shown: str) -> None:
    assert call(Formatter(code)) == shown


@pytest.mark.parametrize("code", ["ko", "ja"])
@pytest.mark.parametrize("currency", ["CHF", "GBP", "INR", "BRL"])
def test_myriad_currency_words_are_cldr_names_unless_the_catalogue_has_one(code: str, currency: str) -> None:
    f = Formatter(code)
    word = f.currency_word(currency)
    if currency in f.words.currency_words:
        assert word == f.words.currency_words[currency]
    else:
        assert word == icu.currency_name(code, currency)


@pytest.mark.parametrize("code", ["ko", "ja"])
@pytest.mark.parametrize("value", [0.55, 7.5, 1234.5, -5])
def test_myriad_languages_take_small_numbers_and_percentages_from_cldr(code: str, value: float) -> None:
    f = Formatter(code)
    grouping = "" if code == "ko" else " group-off"  # Japanese press: no comma (4980)
    assert f.count(value) == icu.number(code, ".##" + grouping, value)
    assert f.percent(value) == icu.number(code, "percent precision-unlimited" + grouping, value)
