"""Format every figure of a briefing for one locale: the only place in briefgen that formats a number.

Built on Babel (``babel.support.Format`` is the model): a Formatter is bound to one locale and formats money,
plain and compact numbers, percentages, ranges, ratios, dates, date ranges and lists with that locale's CLDR
patterns, symbols, spacing and currency digits. Three languages follow their own press instead, on purpose:

- Korean and Japanese count large numbers in groups of four digits (만/억/조, 万/億/兆) and write every
  currency as a word after the amount (``558만 달러``, ``16万7500ウォン``): CLDR's compact forms cannot mix
  units (``1억 2,345만``). Japanese writes no thousands separator (``4980円``).
- English writes large amounts with a word (``$5.58 million``, not CLDR's ``$5.58M``).

The words the formatter adds ("about", the secondary-currency brackets, "×", the link of a date range, the
Korean and Japanese currency words) are messages of the language's catalogue (``catalog.figure_messages``);
without a catalogue, CLDR's own patterns stand in (``~{0}`` for "about").

Rounding is half to even, on the decimal number as written, and the same in every language: see
docs/content.md ("Rounding").
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Literal

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.numbers import (
    NumberPattern,
    format_compact_currency,
    format_compact_decimal,
    format_decimal,
    format_percent,
    get_currency_name,
    get_currency_precision,
    get_currency_symbol,
    get_minus_sign_symbol,
)
from babel.units import format_unit

from briefgen.i18n import cldr
from briefgen.model import (
    Count,
    DateFact,
    DateRange,
    ExchangeRate,
    Fact,
    Money,
    PartialDate,
    Percent,
    Quantity,
    Range,
    Ratio,
)

#: Message contexts of the catalogue entries the formatter uses.
FIGURE = "figure"
CURRENCY = "currency"
#: The formatter's messages (context ``figure``), with what each one is for.
MESSAGES: dict[str, str] = {
    "about %(figure)s": "an approximate figure, such as a converted amount",
    "%(amount)s (%(converted)s)": "an amount followed by its approximate value in a second currency",
    "%(value)s×": "a ratio: how many times as much",
    "%(start)s–%(end)s": "a span of dates; without a translation, CLDR's interval format is used",
}


#: How a figure is rounded where it is shown: half away from zero, as the press rounds (반올림,
#: kaufmännisches Runden, "round half up"): ¥1,234.5 is ¥1,235, -2.5 is -3. Babel quantizes in the
#: current decimal context, so every call into Babel runs inside ``_rounding()``.
ROUNDING = ROUND_HALF_UP


def _rounding() -> AbstractContextManager[object]:
    """Return the decimal context in which Babel rounds a figure as briefgen does (``ROUNDING``)."""
    return localcontext(rounding=ROUNDING)


@dataclass(frozen=True)
class NumberStyle:
    """How a language writes figures in prose where its press departs from CLDR."""

    #: units of 10^4, 10^8, 10^12, 10^16 for languages that count in groups of four digits; empty otherwise
    myriads: tuple[str, ...] = ()
    #: thousands separators in the digits: Korean 6,710억, Japanese 6710億
    grouping: bool = True
    #: what stands between groups of four digits: Korean 1억 2,345만, Japanese 1億2345万
    myriad_joiner: str = " "
    #: a space between a myriad unit and a currency word (558만 달러) but not after digits (0.55달러)
    space_after_myriad: bool = False
    #: write compact forms (5.58 million) from this magnitude on; 0 never (myriads take over)
    compact_from: float = 1_000_000
    #: large money as symbol and word (English $5.58 million) instead of CLDR's short form (48,75 Mrd. €)
    long_money: bool = False
    #: no space between a number and its unit word (Japanese 3か月, 1～2年; CLDR writes "3 か月")
    tight_units: bool = False


STYLES: dict[str, NumberStyle] = {
    "ko": NumberStyle(myriads=("만", "억", "조", "경"), space_after_myriad=True, compact_from=0),
    "ja": NumberStyle(
        myriads=("万", "億", "兆", "京"), grouping=False, myriad_joiner="", compact_from=0, tight_units=True
    ),
    "en": NumberStyle(long_money=True),
}


def style_for(locale: str) -> NumberStyle:
    """Return the number style of a locale's language; other languages get CLDR's forms."""
    return STYLES.get(Locale.parse(locale.replace("-", "_")).language, NumberStyle())


@dataclass(frozen=True)
class FigureWords:
    """The words the formatter puts around figures, in one language (``str.format`` fields by name)."""

    approximately: str = "{figure}"
    with_secondary: str = "{amount} ({converted})"
    times: str = "{value}×"
    #: None: CLDR's interval pattern (``March – September 2025``)
    date_range: str | None = None
    #: the word of a currency for languages that write one after the amount (Korean 달러); by ISO code
    currency_words: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def for_locale(cls, locale: Locale, messages: Mapping[tuple[str, str], str]) -> FigureWords:
        """Take each word from the catalogue's messages, else from CLDR (``~{0}``), else a neutral mark."""

        def message(msgid: str) -> str | None:
            text = messages.get((FIGURE, msgid))
            return (
                re.sub(r"%\((\w+)\)s", r"{\1}", text.replace("{", "{{").replace("}", "}}")) if text else None
            )

        return cls(
            approximately=message("about %(figure)s")
            or cldr.approximately(locale).replace("{0}", "{figure}"),
            with_secondary=message("%(amount)s (%(converted)s)") or "{amount} ({converted})",
            times=message("%(value)s×") or "{value}×",
            date_range=message("%(start)s–%(end)s"),
            currency_words={k: v for (ctx, k), v in messages.items() if ctx == CURRENCY},
        )


def _round_significant(value: float, digits: int) -> float:
    if value == 0:
        return 0.0
    exponent = math.floor(math.log10(abs(value))) - digits + 1
    quantum = Decimal(1).scaleb(exponent)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUNDING))


def _decimal(value: float | int) -> Decimal:
    """Return the decimal number as written in YAML (``0.135``, not the binary 0.13500000000000000888)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _written_decimals(value: float | int) -> int:
    exponent = _decimal(value).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _with_fraction(pattern: NumberPattern, fraction: tuple[int, int]) -> NumberPattern:
    """Return a copy of a CLDR number pattern showing from ``fraction[0]`` to ``fraction[1]`` decimals."""
    changed = copy.copy(pattern)
    changed.frac_prec = fraction
    return changed


_NUMBER = re.compile(r"\d(?:.*\d)?")


class Formatter:
    """Format figures for one locale (``ko``, ``en_US``, ``de-CH``).

    ``messages`` are the figure words of the language's catalogue (``catalog.figure_messages``); None takes
    briefgen's built-in catalogue.
    """

    def __init__(self, locale: str, messages: Mapping[tuple[str, str], str] | None = None) -> None:
        self.locale = Locale.parse(locale.replace("-", "_"))
        self.style = style_for(str(self.locale))
        if messages is None:
            from briefgen.i18n import catalog

            messages = catalog.builtin_figure_messages(str(self.locale))
        self.words = FigureWords.for_locale(self.locale, messages)
        self.range_separator = cldr.range_separator(self.locale)
        self._min_grouping = cldr.minimum_grouping_digits(self.locale)
        self._decimal_pattern = self.locale.decimal_formats[None]
        self._currency_pattern = self.locale.currency_formats["standard"]
        self._digits_table = cldr.native_digits(self.locale)
        system = str(self.locale.default_numbering_system)
        self._percent_sign = str(self.locale.number_symbols.get(system, {}).get("percentSign", "%"))

    def _native(self, text: str) -> str:
        """Write the locale's own digits (Arabic ١٢٣ in ar-EG): Babel gives its separators, Latin digits."""
        return text.translate(self._digits_table) if self._digits_table else text

    # ------------------------------------------------------------ numbers
    def _digits(
        self, value: float | int | Decimal, fraction: tuple[int, int], pattern: NumberPattern | None = None
    ) -> str:
        """Format with the locale's pattern (grouping, separators, digits) and these fraction digits."""
        number = value if isinstance(value, Decimal) else _decimal(value)
        rounded = abs(number).quantize(Decimal(1).scaleb(-fraction[1]), rounding=ROUNDING)
        group = self.style.grouping and rounded >= 10 ** (2 + self._min_grouping)
        with _rounding():
            text = _with_fraction(pattern or self._decimal_pattern, fraction).apply(
                number,
                self.locale,
                group_separator=group,
                numbering_system="default",
            )
        return self._native(text)

    def number(self, value: float) -> str:
        """Format a plain number with the locale's grouping, up to two decimals: ``1,200``, ``0.55``."""
        return self._digits(value, (0, 2))

    def _myriad(self, value: float) -> str:
        """Write a number in groups of four digits: ``6,710억``, ``1억 2,345만``, ``558만``."""
        if abs(value) < 10_000:
            return self.number(value)
        units = self.style.myriads
        rest = int(abs(_decimal(value)).quantize(Decimal(1), rounding=ROUNDING))
        parts: list[str] = []
        for power in range(len(units), 0, -1):
            group, rest = divmod(rest, 10_000**power)
            if group:
                parts.append(self._digits(group, (0, 0)) + units[power - 1])
        if rest:
            parts.append(self._digits(rest, (0, 0)))
        return (self._minus() if value < 0 else "") + self.style.myriad_joiner.join(parts)

    def _minus(self) -> str:
        return str(get_minus_sign_symbol(self.locale, numbering_system="default"))

    def compact(self, value: float) -> str:
        """Format a large number briefly: ``671 billion``, ``671 Milliarden``, ``6,710억``, ``6710億``."""
        if self.style.myriads:
            return self._myriad(value)
        try:
            return self._compact_number(value, "long")
        except KeyError:
            # Some Babel releases lack long compact patterns for some locales (Korean in Babel 2.18).
            try:
                return self._compact_number(value, "short")
            except KeyError:
                return self.number(value)

    def _compact_number(self, value: float, form: Literal["short", "long"]) -> str:
        """Format with CLDR's compact pattern (``671 Mrd.``, ``671 Milliarden``), at most two decimals."""
        with _rounding():
            text = format_compact_decimal(
                _decimal(value),
                format_type=form,
                locale=self.locale,
                fraction_digits=2,
                numbering_system="default",
            )
        return self._native(text)

    def _compact_money(self, amount: float, currency: str) -> str:
        """Format money with CLDR's compact currency pattern (``48,75 Mrd. €``), at most two decimals."""
        with _rounding():
            text = format_compact_currency(
                _decimal(amount), currency, locale=self.locale, fraction_digits=2, numbering_system="default"
            )
        return cldr.space_currency(self._native(text), str(get_currency_symbol(currency, self.locale)))

    def count(self, value: float) -> str:
        """Format a count the way prose writes it: compact when large, grouped otherwise."""
        if self.style.myriads:
            return self._myriad(value)
        if self.style.compact_from and abs(value) >= self.style.compact_from:
            return self.compact(value)
        return self.number(value)

    def percent(self, value: float) -> str:
        """Format a percentage given in percent (``5`` is 5%), with every decimal written: ``7,5 %``."""
        number = _decimal(value) / 100
        group = self.style.grouping and abs(_decimal(value)) >= 10 ** (2 + self._min_grouping)
        text = str(
            format_percent(
                number,
                locale=self.locale,
                decimal_quantization=False,
                group_separator=group,
                numbering_system="default",
            )
        )
        return self._native(text.replace("%", self._percent_sign))

    def ratio(
        self, value: float | None = None, numerator: float | None = None, denominator: float | None = None
    ) -> str:
        """Format ``18`` as ``18×``/``18배``/``18-mal`` (a catalogue message), or a fraction as ``1/30``."""
        if value is not None:
            return self.words.times.format(value=self.number(value))
        assert numerator is not None and denominator is not None
        return f"{self.number(numerator)}/{self.number(denominator)}"

    def range(self, low: float, high: float, unit: str = "number") -> str:
        """Format a range with CLDR's range pattern: ``90~95%``, ``42–51 %``, ``1~2년``, ``1–2 years``.

        A unit or sign written once for both ends is written once (``42–51 %``), as ICU collapses it; ends
        that cannot share it are written whole, the separator spaced (``-5 % – 3 %``).
        """
        if unit == "percent":
            ends = (self.number_as_written(low), self.number_as_written(high))
            return self._span(low, ends, self.percent(low), self.percent(high))
        if unit == "number":
            return self._pair(self.count(low), self.count(high))
        ends = (self.number(low), self.number(high))
        high_text = self.quantity(high, unit)
        if ends[1] not in high_text:  # a word for the number (Arabic سنتان, two years): CLDR's plural "other"
            high_text = self._unit_pattern(unit).replace("{0}", ends[1])
        return self._span(low, ends, self.quantity(low, unit), high_text)

    def _unit_pattern(self, unit: str) -> str:
        """Return CLDR's long pattern of a unit for the plural category "other": ``{0} years``."""
        from babel.units import _find_unit_pattern

        key = _find_unit_pattern(unit, locale=self.locale) or unit
        return str(self.locale._data["unit_patterns"][key]["long"]["other"])

    def number_as_written(self, value: float) -> str:
        """Format a number with every decimal it was written with (percentages): ``12.3456``."""
        return self._digits(value, (0, _written_decimals(value)))

    def _span(self, low_value: float, numbers: tuple[str, str], low_text: str, high_text: str) -> str:
        """Write ``low–high`` in place of the number in ``high_text``, so that the unit is written once."""
        low, high = numbers
        if low_text == high_text:
            return high_text
        if low_value >= 0 and high_text.count(high) == 1:
            return high_text.replace(high, f"{low}{self.range_separator}{high}", 1)
        return self._pair(low_text, high_text)

    def _pair(self, low: str, high: str) -> str:
        """Join two formatted ends: a shared prefix and suffix are written once, else the link is spaced."""
        if low == high:
            return low
        sep = self.range_separator
        a, b = _NUMBER.search(low), _NUMBER.search(high)
        if a and b and low[: a.start()] == high[: b.start()] and low[a.end() :] == high[b.end() :]:
            return f"{low[: a.start()]}{a.group()}{sep}{b.group()}{low[a.end() :]}"
        if sep.strip() != sep:
            return f"{low}{sep}{high}"
        return f"{low} {sep} {high}"

    def quantity(self, value: float, unit: str) -> str:
        """Format a measured value with a CLDR unit: ``3개월``, ``3 months``, ``3か月``."""
        # Babel chooses the plural form and the pattern; the number in it is written by briefgen's rules
        text = str(
            format_unit(_decimal(value), unit, length="long", locale=self.locale, numbering_system="default")
        )
        theirs = str(format_decimal(_decimal(value), locale=self.locale, numbering_system="default"))
        number = self.number(value)
        text = text.replace(theirs, number, 1)
        if self.style.tight_units:
            text = text.replace(f"{number} ", number, 1).replace(f"{number}\u00a0", number, 1)
        return text

    # ------------------------------------------------------------ money
    def _money_fraction(
        self, amount: float | int, currency: str, as_written: bool = False
    ) -> tuple[int, int]:
        """Return the fraction digits of an amount: the currency's (CLDR), none for a whole amount.

        An amount that would round to zero keeps two significant digits instead (``€0.004``); with
        ``as_written`` (exchange rates) every decimal written is kept.
        """
        digits = int(get_currency_precision(currency))
        number = _decimal(amount)
        most = max(digits, _written_decimals(amount)) if as_written else digits
        rounded = number.quantize(Decimal(1).scaleb(-most), rounding=ROUNDING)
        if rounded == 0 and number != 0:
            exponent = math.floor(math.log10(abs(float(amount))))
            return (0, max(digits, 1 - exponent))
        if rounded == rounded.to_integral_value():
            return (0, 0)
        return (digits, most)

    def money(self, amount: float, currency: str) -> str:
        """Format money: ``558만 달러``, ``$5.58 million``, ``48,75 Mrd. €``, ``1.234,50 €``, ``¥1,235``."""
        return self._money(amount, currency)

    def _money(self, amount: float, currency: str, as_written: bool = False) -> str:
        if self.style.myriads:
            return self._myriad_money(amount, currency, as_written)
        symbol = str(get_currency_symbol(currency, self.locale))
        if self.style.compact_from and abs(amount) >= self.style.compact_from:
            if self.style.long_money:
                return self._in_currency_pattern(self.compact(abs(amount)), symbol, amount < 0)
            return self._compact_money(amount, currency)
        fraction = self._money_fraction(amount, currency, as_written)
        text = self._currency_digits(amount, currency, fraction)
        return cldr.space_currency(text, symbol)

    def _currency_digits(self, amount: float, currency: str, fraction: tuple[int, int]) -> str:
        number = _decimal(amount)
        rounded = abs(number).quantize(Decimal(1).scaleb(-fraction[1]), rounding=ROUNDING)
        with _rounding():
            text = _with_fraction(self._currency_pattern, fraction).apply(
                number,
                self.locale,
                currency=currency,
                currency_digits=False,
                group_separator=self.style.grouping and rounded >= 10 ** (2 + self._min_grouping),
                numbering_system="default",
            )
        return self._native(text)

    def _in_currency_pattern(self, number: str, symbol: str, negative: bool) -> str:
        """Put a formatted number into the locale's currency pattern: ``$`` + ``5.58 million``."""
        pattern = self._currency_pattern
        prefix, suffix = pattern.prefix[1 if negative else 0], pattern.suffix[1 if negative else 0]
        minus = self._minus()
        prefix, suffix = (part.replace("¤", symbol).replace("-", minus) for part in (prefix, suffix))
        return cldr.space_currency(f"{prefix}{number}{suffix}", symbol)

    def currency_word(self, currency: str) -> str:
        """Return the word a myriad-style language writes after an amount: 달러, ユーロ, 스위스 프랑."""
        return self.words.currency_words.get(currency) or str(get_currency_name(currency, locale=self.locale))

    def _myriad_money(self, amount: float, currency: str, as_written: bool = False) -> str:
        if abs(amount) >= 10_000:
            digits = self._myriad(amount)
        else:
            digits = self._digits(amount, self._money_fraction(amount, currency, as_written))
        word = self.currency_word(currency)
        space = " " if self.style.space_after_myriad and digits[-1:] in self.style.myriads else ""
        return f"{digits}{space}{word}"

    def approximately(self, text: str) -> str:
        """Mark a figure as approximate: ``약 84억 원``, ``about ₩8.4 billion``, ``rund 8,4 Mrd. ₩``."""
        return self.words.approximately.format(figure=text)

    def converted(self, amount: float, currency: str, rate: ExchangeRate) -> str:
        """Format money followed by its approximate amount in the rate's quote currency."""
        other = _round_significant(amount * rate.rate, 2)
        return self.words.with_secondary.format(
            amount=self.money(amount, currency),
            converted=self.approximately(self.money(other, rate.quote)),
        )

    def exchange_rate(self, rate: ExchangeRate) -> str:
        """Format a rate as ``1달러 = 1,500원`` / ``$1 = ₩1,500`` / ``1 € = 1,0845 $``, every decimal kept."""
        return f"{self.money(1, rate.base)} = {self._money(rate.rate, rate.quote, as_written=True)}"

    def value(self, value: float, unit: str) -> str:
        """Format a chart's data label as prose writes the figure: ``$5.58 million``, ``558만 달러``, ``90%``.

        ``unit`` says what the chart measures: ``money in USD``, ``count``, ``percent``, ``quantity in UNIT``.
        """
        if unit.startswith("money in "):
            return self.money(value, unit.removeprefix("money in "))
        if unit == "percent":
            return self.percent(value)
        if unit.startswith("quantity in "):
            return self.quantity(value, unit.removeprefix("quantity in "))
        return self.count(value)

    def short(self, value: float, unit: str) -> str:
        """Format a chart's axis tick briefly: ``$5M``, ``50 Mrd. €``, ``558만 달러``, ``6,710억``."""
        if unit.startswith("money in "):
            currency = unit.removeprefix("money in ")
            if self.style.myriads or abs(value) < 1_000_000:
                return self.money(value, currency)
            return self._compact_money(value, currency)
        if unit == "percent" or unit.startswith("quantity in "):
            return self.value(value, unit)
        if self.style.myriads or abs(value) < 10_000:
            return self.count(value)
        return self._compact_number(value, "short")

    # ------------------------------------------------------------ dates and lists
    def date(self, value: PartialDate | dt.date) -> str:
        """Format a date to its precision: ``2015년``, ``2023년 5월``, ``January 20, 2025``."""
        if isinstance(value, dt.date):
            value = PartialDate(value.year, value.month, value.day)
        day = value.to_date()
        if value.precision == "year":
            return self._native(format_skeleton("y", day, locale=self.locale))
        if value.precision == "month":
            return self._native(format_skeleton("yMMMM", day, locale=self.locale))
        return self._native(format_date(day, format="long", locale=self.locale))

    def date_range(self, start: PartialDate, end: PartialDate) -> str:
        """Format a span of dates with CLDR's interval formats: ``2025년 3월~9월``, ``März–September 2025``.

        A catalogue's ``%(start)s–%(end)s`` message replaces the link between the two parts: German
        ``März bis September 2025``. Ends given to different precisions are written in full, both.
        """
        if start == end:
            return self.date(start)
        skeleton = {"year": "y", "month": "yMMMM", "day": "yMMMMd"}[start.precision]
        parts = self._interval_parts(start, end, skeleton) if start.precision == end.precision else None
        if parts is None:
            first, second = self.date(start), self.date(end)
            fallback = str(self.locale.interval_formats.get(None) or "{0} – {1}")
            if self.words.date_range:
                return self.words.date_range.format(start=first, end=second)
            return fallback.replace("{0}", first).replace("{1}", second)
        first, link, second = parts
        if self.words.date_range:
            return self.words.date_range.format(start=first, end=second)
        return f"{first}{link}{second}"

    def _interval_parts(
        self, start: PartialDate, end: PartialDate, skeleton: str
    ) -> tuple[str, str, str] | None:
        """Return the two formatted halves of CLDR's interval pattern and the link between them."""
        formats = self.locale.interval_formats
        found = formats.get(skeleton)
        widen = False
        if not found and skeleton == "yMMMMd":
            found, widen = formats.get("yMMMd"), True
        if not found:
            return None
        a, b = start.to_date(), end.to_date()
        field_name = "y" if a.year != b.year else "M" if a.month != b.month else "d"
        halves = found.get(field_name)
        if not halves:
            return None
        patterns = [str(p) for p in halves]
        if widen and "MMMM" in str(self.locale.datetime_skeletons.get("yMMMM", "")):
            # CLDR has no yMMMMd interval here: widen yMMMd's month as the locale's yMMMM does (ICU too)
            patterns = [re.sub(r"(?<!M)MMM(?!M)", "MMMM", p) for p in patterns]
        link = re.search(r"(\s*[–~～\-‒—]\s*|\s+to\s+|\s*至\s*)$", patterns[0].replace("'", ""))
        first_pattern = patterns[0]
        text_link = ""
        if link:
            text_link = link.group()
            first_pattern = first_pattern[: len(first_pattern) - len(text_link)]
        from babel.dates import format_datetime

        first = self._native(
            format_datetime(dt.datetime.combine(a, dt.time()), first_pattern, locale=self.locale)
        )
        second = self._native(
            format_datetime(dt.datetime.combine(b, dt.time()), patterns[1], locale=self.locale)
        )
        return first, text_link, second

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
        if isinstance(fact, DateRange):
            return self.date_range(fact.start, fact.end)
        if isinstance(fact, ExchangeRate):
            return self.exchange_rate(fact)
        raise TypeError(f"no format for {type(fact).__name__}")  # pragma: no cover
