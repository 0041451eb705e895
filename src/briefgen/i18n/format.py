"""Format every figure of a briefing for one locale: the only place in briefgen that formats a number.

Built on Babel (``babel.support.Format`` is the model): a Formatter is bound to one locale and formats money,
plain and compact numbers, percentages, ranges, ratios, dates and lists the way that language's press writes
them. Korean and Japanese count large numbers in groups of four digits (만/억/조, 万/億/兆), which Babel's
compact forms cannot mix (``1억 2,345만``); that is done here from a small per-language style table.

Rounding: plain numbers keep up to two decimals; English compact forms (``$5.58 million``) keep up to two
decimals of the unit; amounts converted to a second currency are approximations and keep two significant
digits (``약 84억 원``). Rounding is half-even, as Babel does.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.numbers import (
    format_compact_currency,
    format_compact_decimal,
    format_decimal,
    format_percent,
    get_currency_symbol,
)
from babel.units import format_unit

from briefgen.model import (
    Count,
    DateFact,
    ExchangeRate,
    Fact,
    Money,
    PartialDate,
    Percent,
    Quantity,
    Range,
    Ratio,
)


@dataclass(frozen=True)
class NumberStyle:
    """How a language writes figures in prose, beyond what CLDR says."""

    #: units of 10^4, 10^8, 10^12 for languages that count in groups of four digits; empty for the others
    myriads: tuple[str, ...] = ()
    #: thousands separators inside a group of four digits: Korean 6,710억, Japanese 6710億
    group_inside_myriad: bool = True
    #: what stands between groups of four digits: Korean 1억 2,345만, Japanese 1億2345万
    myriad_joiner: str = " "
    #: the word a currency is written with after the amount (Korean 달러); absent: the CLDR symbol before it
    currency_words: dict[str, str] = field(default_factory=dict)
    #: a space between a myriad unit and a currency word (558만 달러) but not after digits (0.55달러)
    space_after_myriad: bool = False
    range_separator: str = "–"
    approximately: str = "about {0}"
    with_secondary: str = "{0} ({1})"
    times: str = "{0}×"
    #: use Babel's long compact forms (5.58 million) from this magnitude on; 0 never
    compact_from: float = 1_000_000
    #: no space between a number and its unit word (Japanese 3か月, 1～2年; CLDR writes "3 か月")
    tight_units: bool = False


STYLES: dict[str, NumberStyle] = {
    "ko": NumberStyle(
        myriads=("만", "억", "조", "경"),
        currency_words={"USD": "달러", "KRW": "원", "CNY": "위안", "JPY": "엔", "EUR": "유로"},
        space_after_myriad=True,
        range_separator="~",
        approximately="약 {0}",
        with_secondary="{0}({1})",
        times="{0}배",
        compact_from=0,
    ),
    "ja": NumberStyle(
        myriads=("万", "億", "兆", "京"),
        group_inside_myriad=False,
        myriad_joiner="",
        currency_words={"USD": "ドル", "KRW": "ウォン", "CNY": "元", "JPY": "円", "EUR": "ユーロ"},
        range_separator="～",
        approximately="約{0}",
        with_secondary="{0}（{1}）",
        times="{0}倍",
        compact_from=0,
        tight_units=True,
    ),
    "en": NumberStyle(),
}


def style_for(locale: str) -> NumberStyle:
    """Return the number style of a locale's language; other languages get CLDR's forms."""
    return STYLES.get(Locale.parse(locale).language, NumberStyle())


def _round_significant(value: float, digits: int) -> float:
    if value == 0:
        return 0.0
    exponent = math.floor(math.log10(abs(value))) - digits + 1
    quantum = Decimal(1).scaleb(exponent)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_EVEN))


class Formatter:
    """Format figures for one locale (``ko``, ``en_US``, ``ja``)."""

    def __init__(self, locale: str) -> None:
        self.locale = Locale.parse(locale.replace("-", "_"))
        self.style = style_for(str(self.locale))

    # ------------------------------------------------------------ numbers
    def number(self, value: float) -> str:
        """Format a plain number with the locale's grouping, up to two decimals: ``1,200``, ``0.55``."""
        return str(format_decimal(value, format="#,##0.##", locale=self.locale))

    def _myriad(self, value: float) -> str:
        """Write a number in groups of four digits: ``6,710억``, ``1억 2,345만``, ``558만``."""
        units = self.style.myriads
        negative = value < 0
        rest = round(abs(value))
        fraction = abs(value) - math.floor(abs(value))
        if abs(value) < 10_000:
            text = self.number(abs(value))
        else:
            parts: list[str] = []
            for power in range(len(units), 0, -1):
                size = 10_000**power
                group, rest = divmod(rest, size)
                if group:
                    parts.append(self._group(group) + units[power - 1])
            if rest or (fraction and not parts):
                parts.append(self._group(rest))
            text = self.style.myriad_joiner.join(parts)
        return ("-" if negative else "") + text

    def _group(self, value: int) -> str:
        if self.style.group_inside_myriad:
            return self.number(value)
        return str(value)

    def compact(self, value: float) -> str:
        """Format a large number briefly: ``671 billion``, ``6,710억``, ``6710億``."""
        if self.style.myriads:
            return self._myriad(value)
        try:
            return str(
                format_compact_decimal(value, format_type="long", locale=self.locale, fraction_digits=2)
            )
        except KeyError:
            # Some Babel releases lack long compact patterns for some locales (Korean in Babel 2.18).
            try:
                return str(
                    format_compact_decimal(value, format_type="short", locale=self.locale, fraction_digits=2)
                )
            except KeyError:
                return self.number(value)

    def count(self, value: float) -> str:
        """Format a count the way prose writes it: compact when large, grouped otherwise."""
        if self.style.myriads:
            return self._myriad(value)
        if self.style.compact_from and abs(value) >= self.style.compact_from:
            return self.compact(value)
        return self.number(value)

    def percent(self, value: float) -> str:
        """Format a percentage given in percent (``5`` is 5%)."""
        return str(
            format_percent(value / 100, format="#,##0.##%", locale=self.locale, decimal_quantization=False)
        )

    def ratio(
        self, value: float | None = None, numerator: float | None = None, denominator: float | None = None
    ) -> str:
        """Format ``18`` as ``18배``/``18×``, or a fraction as ``1/30``."""
        if value is not None:
            return self.style.times.format(self.number(value))
        assert numerator is not None and denominator is not None
        return f"{self.number(numerator)}/{self.number(denominator)}"

    def range(self, low: float, high: float, unit: str = "number") -> str:
        """Format a range: ``90~95%``, ``90–95%``, ``1~2년``, ``1–2 years``."""
        sep = self.style.range_separator
        if unit == "percent":
            high_text = self.percent(high)
            number = self.number(high)
            return high_text.replace(number, f"{self.number(low)}{sep}{number}", 1)
        if unit == "number":
            return f"{self.count(low)}{sep}{self.count(high)}"
        high_text = self.quantity(high, unit)
        number = self.number(high)
        return high_text.replace(number, f"{self.number(low)}{sep}{number}", 1)

    def quantity(self, value: float, unit: str) -> str:
        """Format a measured value with a CLDR unit: ``3개월``, ``3 months``, ``3か月``."""
        text = str(format_unit(value, unit, length="long", locale=self.locale, format="#,##0.##"))
        if self.style.tight_units:
            number = self.number(value)
            text = text.replace(f"{number} ", number, 1).replace(f"{number}\u00a0", number, 1)
        return text

    # ------------------------------------------------------------ money
    def money(self, amount: float, currency: str) -> str:
        """Format money: ``558만 달러``, ``0.55달러``, ``$5.58 million``, ``$0.55``."""
        word = self.style.currency_words.get(currency)
        if word is not None:
            digits = self._myriad(amount) if self.style.myriads else self.count(amount)
            if self.style.myriads and abs(amount) < 10_000:
                digits = self._money_digits(amount)
            space = " " if self.style.space_after_myriad and digits[-1:] in self.style.myriads else ""
            return f"{digits}{space}{word}"
        symbol = get_currency_symbol(currency, self.locale)
        if self.style.compact_from and abs(amount) >= self.style.compact_from:
            return f"{symbol}{self.compact(amount)}"
        return f"{symbol}{self._money_digits(amount)}"

    def _money_digits(self, amount: float) -> str:
        pattern = "#,##0" if float(amount).is_integer() else "#,##0.00"
        return str(format_decimal(amount, format=pattern, locale=self.locale))

    def approximately(self, text: str) -> str:
        """Mark a figure as approximate: ``약 84억 원``, ``about ₩8.4 billion``."""
        return self.style.approximately.format(text)

    def converted(self, amount: float, currency: str, rate: ExchangeRate) -> str:
        """Format money followed by its approximate amount in the rate's quote currency."""
        other = _round_significant(amount * rate.rate, 2)
        return self.style.with_secondary.format(
            self.money(amount, currency), self.approximately(self.money(other, rate.quote))
        )

    def exchange_rate(self, rate: ExchangeRate) -> str:
        """Format a rate as ``1달러 = 1,500원`` / ``$1 = ₩1,500``."""
        return f"{self.money(1, rate.base)} = {self.money(rate.rate, rate.quote)}"

    def short(self, value: float, unit: str) -> str:
        """Format a chart's tick or data label briefly: ``$5.58M``, ``558만 달러``, ``6,710억``, ``90%``.

        ``unit`` says what the chart measures: ``money in USD``, ``count``, ``percent``, ``quantity in UNIT``.
        """
        if unit.startswith("money in "):
            currency = unit.removeprefix("money in ")
            if self.style.currency_words.get(currency) or abs(value) < 1_000_000:
                return self.money(value, currency)
            return str(format_compact_currency(value, currency, locale=self.locale, fraction_digits=2))
        if unit == "percent":
            return self.percent(value)
        if unit.startswith("quantity in "):
            return self.quantity(value, unit.removeprefix("quantity in "))
        if self.style.myriads or abs(value) < 10_000:
            return self.count(value)
        return str(format_compact_decimal(value, format_type="short", locale=self.locale, fraction_digits=2))

    # ------------------------------------------------------------ dates and lists
    def date(self, value: PartialDate | dt.date) -> str:
        """Format a date to its precision: ``2015년``, ``2023년 5월``, ``January 20, 2025``."""
        if isinstance(value, dt.date):
            value = PartialDate(value.year, value.month, value.day)
        day = value.to_date()
        if value.precision == "year":
            return str(format_skeleton("y", day, locale=self.locale))
        if value.precision == "month":
            return str(format_skeleton("yMMMM", day, locale=self.locale))
        return str(format_date(day, format="long", locale=self.locale))

    def list(self, items: Sequence[str]) -> str:
        """Join items the way the language lists them: ``A, B 및 C``, ``A, B, and C``."""
        return str(format_list(list(items), locale=self.locale))

    # ------------------------------------------------------------ facts
    def fact(self, fact: Fact, also: ExchangeRate | None = None) -> str:
        """Format a fact; with ``also``, a money fact is followed by its converted amount."""
        if isinstance(fact, Money):
            if also is not None:
                return self.converted(fact.amount, fact.currency, also)
            return self.money(fact.amount, fact.currency)
        if isinstance(fact, Count):
            return self.count(fact.value)
        if isinstance(fact, Quantity):
            return self.quantity(fact.value, fact.unit)
        if isinstance(fact, Percent):
            return self.percent(fact.value)
        if isinstance(fact, Range):
            return self.range(fact.low, fact.high, fact.unit)
        if isinstance(fact, Ratio):
            return self.ratio(fact.value, fact.numerator, fact.denominator)
        if isinstance(fact, DateFact):
            return self.date(fact.value)
        if isinstance(fact, ExchangeRate):
            return self.exchange_rate(fact)
        raise TypeError(f"no format for {type(fact).__name__}")  # pragma: no cover
