"""The validated model of a briefing project: frozen data, no I/O.

The pydantic models here are the schema too: ``validate`` feeds them the parsed YAML and turns their errors
into located diagnostics. Text fields are parsed into inline trees (``markup``) while validating, and fact
references are checked against the project's facts, passed in the validation context.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo, model_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from briefgen import markup
from briefgen.mail.settings import MailSettings

KEY = re.compile(r"^[a-z][a-z0-9_]*$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # no "--": heading anchors use it
# C0 controls other than tab and newline, DEL and C1 controls: XML forbids most of them, and none belong
# in prose.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they make text show in
#: another order than it is stored ("Trojan Source"), so a reader could see another figure than was written.
#: The direction marks U+200E, U+200F and U+061C stay allowed: they reorder nothing by themselves.
BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: Lone surrogates and the non-characters U+FFFE and U+FFFF: not text, and XML (so DOCX) cannot hold them.
NOT_TEXT = re.compile("[\ud800-\udfff\ufffe\uffff]")
#: The largest magnitude a figure may have; beyond it a value is a typo, not a briefing figure.
MAX_MAGNITUDE = 1e18


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def to_date(self) -> dt.date:
        """Return the first day the partial date covers."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month:
            text += f"-{self.month:02d}"
        if self.day:
            text += f"-{self.day:02d}"
        return text


_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_partial_date(value: object) -> PartialDate:
    """Read ``2015``, ``"2023-05"``, ``"2025-01-20"`` or a YAML date into a PartialDate."""
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, dt.datetime):  # a time would be dropped silently: say so instead
        raise PydanticCustomError(
            "date_time",
            "expected a date, found a date and time: write {day}",
            {"day": value.date().isoformat()},
        )
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "expected a date such as 2025, 2025-01 or 2025-01-20")
    match = _ISO.match(value.strip())
    if not match:
        raise PydanticCustomError(
            "date_format", "'{value}' is not a date: write 2025, 2025-01 or 2025-01-20", {"value": value}
        )
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError as exc:
        raise PydanticCustomError(
            "date_value", "'{value}' is not a valid date: {reason}", {"value": value, "reason": str(exc)}
        ) from None
    return PartialDate(year, month, day)


def _number(value: object) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, str):
            raise PydanticCustomError(
                "number_text", "expected a number, found the text '{value}'", {"value": value}
            )
        raise PydanticCustomError("number_type", "expected a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("number_finite", "'{value}' is not a finite number", {"value": value})
    if abs(value) > MAX_MAGNITUDE:
        raise PydanticCustomError(
            "number_magnitude", "{value} is too large for a figure (at most 1e18)", {"value": value}
        )
    return value


def _currency(value: object) -> str:
    from babel.numbers import list_currencies

    if not isinstance(value, str):
        raise PydanticCustomError("currency_type", "expected an ISO 4217 currency code such as USD")
    known = list_currencies()
    if value in known:
        return value
    if value.upper() in known:
        raise PydanticCustomError(
            "currency_case", "currency codes are upper case: write '{upper}'", {"upper": value.upper()}
        )
    from briefgen import suggestions

    if suggestions.not_a_currency(value):
        raise PydanticCustomError(
            "currency_none",
            "'{value}' is not a currency: it has no ISO 4217 code to format it with "
            "(make the fact a count, and name the unit in the text)",
            {"value": value},
        )
    meant = suggestions.currency(value)
    hint = f"did you mean '{meant}'?" if meant else "write an ISO 4217 code such as USD, EUR, KRW or JPY"
    raise PydanticCustomError(
        "currency_unknown", "unknown currency '{value}' ({hint})", {"value": value, "hint": hint}
    )


def unsafe_character(text: str) -> str | None:
    """Say what is wrong with the first character of ``text`` that does not belong in a briefing, if any.

    Every text of a briefing passes this check (``sources`` checks every YAML scalar and key, the model every
    text field), so the PDF, HTML and DOCX never disagree about such a character: none of them gets it.
    """
    for pattern, what in (
        (CONTROL, "the control character"),
        (BIDI_CONTROL, "the bidirectional control character"),
        (NOT_TEXT, "the non-character"),
    ):
        bad = pattern.search(text)
        if bad:
            return f"text contains {what} U+{ord(bad.group()):04X}"
    return None


def _plain(value: object) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "expected text")
    problem = unsafe_character(value)
    if problem:
        raise PydanticCustomError("control_character", "{problem}", {"problem": problem})
    return value


def _rich(value: object, info: ValidationInfo) -> markup.RichText:
    text = _plain(value)
    facts: dict[str, Fact] | None = (info.context or {}).get("facts")
    try:
        tree = markup.parse_inline(text)
    except markup.MarkupProblem as exc:
        raise _markup_error(exc, facts) from None
    if facts is not None:
        for ref in markup.fact_refs(tree):
            check_fact_ref(ref, facts, declared=(info.context or {}).get("declared", ()))
    return tree


def _markup_error(problem: markup.MarkupProblem, facts: dict[str, Fact] | None) -> PydanticCustomError:
    """Say what is wrong with braces that are not a fact reference, or a link that is not allowed."""
    if problem.kind == "link":
        return PydanticCustomError(
            "markup_link",
            "a link to '{href}' is not allowed: links in content go to the web (https://…) or to an "
            "address (mailto:…)",
            {"href": problem.written, "offset": problem.offset},
        )
    inside = problem.written.strip("{}")
    key = re.sub(r"[^a-z0-9_]", "", inside.lower().split(".")[0].split("!")[0].split(":")[0])
    if facts and key in facts and key != inside:
        hint = f"a fact reference is a key in braces: did you mean {{{key}}}?"
    else:
        hint = (
            "a fact reference is a key of content/facts.yaml in braces, such as {cost}; write \\{ for a brace"
        )
    return PydanticCustomError(
        "markup_reference",
        "'{written}' is not a fact reference ({hint})",
        {"written": problem.written, "hint": hint, "offset": problem.offset},
    )


def check_fact_ref(
    ref: markup.FactRef, facts: dict[str, Fact], kinds: tuple[str, ...] = (), declared: Collection[str] = ()
) -> Fact | None:
    """Return the fact a reference names, or raise a validation error saying what is wrong.

    A key in ``declared`` names a fact that exists but is invalid (already reported): it returns None.
    """
    from briefgen.errors import did_you_mean

    fact = facts.get(ref.key)
    if fact is None and ref.key in declared:
        return None
    if fact is None:
        hint = did_you_mean(ref.key, facts)
        raise PydanticCustomError(
            "unknown_fact",
            "unknown fact '{key}'{hint}",
            {"key": ref.key, "hint": f" ({hint})" if hint else ""},
        )
    if kinds and fact.kind not in kinds:
        raise PydanticCustomError(
            "fact_kind",
            "fact '{key}' is a {kind}, expected {expected}",
            {"key": ref.key, "kind": fact.kind, "expected": " or ".join(kinds)},
        )
    if ref.also:
        if not isinstance(fact, Money):
            raise PydanticCustomError(
                "fact_conversion",
                "only money can be shown in a second currency; '{key}' is a {kind}",
                {"key": ref.key, "kind": fact.kind},
            )
        if find_rate(facts, fact.currency, ref.also) is None:
            from briefgen import suggestions

            meant = suggestions.currency(ref.also)
            raise PydanticCustomError(
                "fact_rate",
                "no exchange_rate fact from {base} to {quote} for '{key}+{quote}'{hint}",
                {
                    "base": fact.currency,
                    "quote": ref.also,
                    "key": ref.key,
                    "hint": f" (did you mean '{ref.key}+{meant}'?)"
                    if meant and meant != ref.also and find_rate(facts, fact.currency, meant)
                    else "",
                },
            )
    return fact


def find_rate(facts: dict[str, Fact], base: str, quote: str) -> ExchangeRate | None:
    """Return the exchange rate for a currency pair, if the project has one for it in either direction.

    A USD→KRW rate of 1,500 also converts KRW to USD, at 1/1,500; the rate returned for the other direction
    keeps the key of the fact it came from.
    """
    for fact in facts.values():
        if isinstance(fact, ExchangeRate) and fact.base == base and fact.quote == quote:
            return fact
    for fact in facts.values():
        if isinstance(fact, ExchangeRate) and fact.base == quote and fact.quote == base:
            return fact.model_copy(update={"base": base, "quote": quote, "rate": 1 / fact.rate})
    return None


_HOST_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_HOST_LABEL}(?:\.{_HOST_LABEL})*$")


def _host(value: object) -> str:
    """Accept a host name or an IP address as a URL writes it (no scheme, port or path), in lower case."""
    import ipaddress

    text = _plain(value).strip().lower()
    try:
        return str(ipaddress.ip_address(text.removeprefix("[").removesuffix("]")))
    except ValueError:
        pass
    if not _HOST_NAME.match(text):
        raise PydanticCustomError(
            "host_name",
            "'{value}' is not a host name or an IP address (write example.org, without http:// or a port)",
            {"value": text},
        )
    return text


@dataclass(frozen=True)
class JsonSchema:
    """What a value checked by a plain validator looks like in JSON Schema (``briefgen schema``).

    ``make`` runs only when a schema is asked for, so that building the models stays cheap.
    """

    make: Callable[[], dict[str, Any]]

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        import copy

        # a copy: pydantic adds the field's default and description to what it is given
        return copy.deepcopy(self.make())


def _currency_schema() -> dict[str, Any]:
    from babel.numbers import list_currencies

    return {
        "type": "string",
        "enum": sorted(list_currencies()),
        "description": "An ISO 4217 currency code in capitals: USD, KRW, EUR…",
    }


DATE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
        {"type": "integer", "minimum": 1, "maximum": 9999},
    ],
    "description": "A date known to the year, the month or the day: 2025, 2025-01 or 2025-01-20.",
}
TEXT_SCHEMA: dict[str, Any] = {"type": "string"}
RICH_SCHEMA: dict[str, Any] = {
    "type": "string",
    "description": "Text with **bold**, *italic*, `code`, [links](https://…), {fact_key} (a fact, formatted "
    "for the language; {key+KRW} adds a second currency) and ^[footnotes].",
}


def _language_schema() -> dict[str, Any]:
    from babel.localedata import locale_identifiers

    codes = sorted(locale_identifiers())
    return {
        "type": "string",
        "enum": sorted({*codes, *(code.replace("_", "-") for code in codes)}),
        "description": "A language code Babel knows: ko, en, ja, en-GB…",
    }


Number = Annotated[
    float | int,
    PlainValidator(_number),
    JsonSchema(lambda: {"type": "number", "minimum": -MAX_MAGNITUDE, "maximum": MAX_MAGNITUDE}),
]
Currency = Annotated[str, PlainValidator(_currency), JsonSchema(_currency_schema)]
Plain = Annotated[str, PlainValidator(_plain), JsonSchema(lambda: TEXT_SCHEMA)]
Host = Annotated[
    str,
    PlainValidator(_host),
    JsonSchema(lambda: {"type": "string", "description": "A host name or IP address, e.g. cdn.example.org."}),
]
if TYPE_CHECKING:
    Date = PartialDate
    Rich = markup.RichText
else:
    # Pydantic sees Any where a plain validator makes a dataclass: given the dataclass, it would build the
    # schema of it (for Rich, a recursive union of seven) only to serialise values nobody serialises,
    # which was most of the time spent building the validators, ahead of every build's validation.
    Date = Annotated[Any, PlainValidator(parse_partial_date), JsonSchema(lambda: DATE_SCHEMA)]
    Rich = Annotated[Any, PlainValidator(_rich), JsonSchema(lambda: RICH_SCHEMA)]
#: A language code; validate.check_locale checks it against Babel's locales, with a located message
Language = Annotated[str, PlainValidator(_plain), JsonSchema(_language_schema)]


class Frozen(BaseModel):
    # defer_build: validators are built on first use, so commands that validate nothing start faster.
    # The docstrings under the fields are the descriptions editors show: briefgen schema reads them
    # (schema.described), not every start of briefgen.
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True, defer_build=True)


# ---------------------------------------------------------------- facts


class FactBase(Frozen):
    key: SkipJsonSchema[str] = ""  # set from the mapping key by the validator
    as_of: Date | None = None
    """When the figure was true; shown with key figures ("as of January 2025")."""
    note: Plain | None = None
    """A remark for the people who keep the facts; not shown."""
    source: Plain | None = None
    """Where the figure comes from."""


class Money(FactBase):
    """An amount of money: 5.58 million dollars is shown as 558만 달러 or $5.58 million."""

    kind: Literal["money"]
    amount: Number
    """The amount in units of the currency, written out: 5580000, not 5.58M."""
    currency: Currency


class Count(FactBase):
    """A number of things: 139, 1,200, 617."""

    kind: Literal["count"]
    value: Number


class Quantity(FactBase):
    """A number with a unit: 671 billion parameters, 2.788 million GPU hours."""

    kind: Literal["quantity"]
    value: Number
    unit: Plain
    """What is counted, e.g. parameters or GPU hours."""


class Percent(FactBase):
    """A percentage: write 95 for 95%."""

    kind: Literal["percent"]
    value: Number


class Range(FactBase):
    """A range from low to high: 90–95%, 90~95%."""

    kind: Literal["range"]
    low: Number
    high: Number
    unit: Plain = "number"
    """number, percent, or a currency code for money."""

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low > self.high:
            raise PydanticCustomError(
                "range_order", "low ({low}) is above high ({high})", {"low": self.low, "high": self.high}
            )
        return self


class Ratio(FactBase):
    """How many times one thing is another: either 'value' (18) or 'numerator' and 'denominator' (1/30)."""

    kind: Literal["ratio"]
    value: Number | None = None
    numerator: Number | None = None
    denominator: Number | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Ratio:
        fraction = self.numerator is not None or self.denominator is not None
        if (self.value is None) == (not fraction) or (
            fraction and None in (self.numerator, self.denominator)
        ):
            raise PydanticCustomError(
                "ratio_form", "a ratio has either 'value' or both 'numerator' and 'denominator'"
            )
        if self.denominator == 0:
            raise PydanticCustomError("ratio_zero", "the denominator is zero")
        return self


class DateFact(FactBase):
    """A date, shown the way the language writes dates: 2025년 1월 20일, January 20, 2025."""

    kind: Literal["date"]
    value: Date


class DateRange(FactBase):
    """A span of time from one date to another: ``March–September 2025``."""

    kind: Literal["date_range"]
    start: Date
    end: Date

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end.to_date() < self.start.to_date():
            raise PydanticCustomError(
                "date_range_order",
                "the range ends ({end}) before it starts ({start})",
                {"start": str(self.start), "end": str(self.end)},
            )
        return self


class ExchangeRate(FactBase):
    """How many units of 'quote' one unit of 'base' buys; {amount+KRW} in prose converts money with it."""

    kind: Literal["exchange_rate"]
    base: Currency
    quote: Currency
    rate: Number

    @model_validator(mode="after")
    def _positive(self) -> ExchangeRate:
        if self.rate <= 0:
            raise PydanticCustomError("rate_positive", "an exchange rate must be above zero")
        return self


Fact = Money | Count | Quantity | Percent | Range | Ratio | DateFact | DateRange | ExchangeRate
FACT_KINDS: dict[str, type[FactBase]] = {
    "money": Money,
    "count": Count,
    "quantity": Quantity,
    "percent": Percent,
    "range": Range,
    "ratio": Ratio,
    "date": DateFact,
    "date_range": DateRange,
    "exchange_rate": ExchangeRate,
}

# ---------------------------------------------------------------- blocks


def _date_or_fact(value: object, info: ValidationInfo) -> PartialDate | str:
    if isinstance(value, str) and KEY.match(value):
        facts = (info.context or {}).get("facts")
        if facts is not None:
            check_fact_ref(markup.FactRef(value), facts, ("date",), (info.context or {}).get("declared", ()))
        return value
    return parse_partial_date(value)


#: A date, or the key of a date fact
if TYPE_CHECKING:
    DateOrFact = PartialDate | str
else:
    DateOrFact = Annotated[
        Any,  # for pydantic: see Date
        PlainValidator(_date_or_fact),
        JsonSchema(
            lambda: {
                "anyOf": [*DATE_SCHEMA["anyOf"], {"type": "string", "pattern": KEY.pattern}],
                "description": "A date (2025, 2025-01 or 2025-01-20) or the key of a date fact.",
            }
        ),
    ]


class Block(Frozen):
    type: ClassVar[str]
    #: the field a block's YAML value fills when it is not a mapping (``- bullets: [...]``)
    shorthand: ClassVar[str | None] = None


class Paragraph(Block):
    """A paragraph of text (a plain text item in a block list is one too)."""

    type = "paragraph"
    shorthand = "text"
    text: Rich


class Heading(Block):
    """A sub-heading inside a section, numbered (3.1) in theme sections."""

    type = "heading"
    shorthand = "text"
    text: Rich


class BulletItem(Frozen):
    """A bullet: a text, or a mapping with 'text' and nested 'items'."""

    text: Rich
    items: tuple[BulletItem, ...] = ()
    """Bullets nested under this one."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"text": data} if isinstance(data, str) else data


class Bullets(Block):
    """A bulleted list: a list of texts, or of mappings with 'text' and nested 'items'."""

    type = "bullets"
    shorthand = "items"
    items: tuple[BulletItem, ...] = Field(min_length=1)


Align = Literal["left", "right", "center"]


class Table(Block):
    """A table whose header row repeats across pages."""

    type = "table"
    caption: Rich | None = None
    header: tuple[Rich, ...] = Field(min_length=1)
    """The column headings."""
    rows: tuple[tuple[Rich, ...], ...] = Field(min_length=1)
    """Rows of cells, as many as the header has columns."""
    align: tuple[Align, ...] | None = None
    """left, right or center per column; default: right for columns of figures only, else left."""
    unit: Rich | None = None
    """What the table's figures measure ("달러", "US$"): said once above it; the money and quantities
    that fill a cell alone are then written without their unit."""
    source: Rich | None = None
    """Where the figures come from, shown under the table after "Source:"."""

    @model_validator(mode="after")
    def _rectangular(self) -> Table:
        width = len(self.header)
        for i, row in enumerate(self.rows, 1):
            if len(row) != width:
                raise PydanticCustomError(
                    "table_shape",
                    "row {row} has {cells} cells, the header has {width}",
                    {"row": i, "cells": len(row), "width": width},
                )
        if self.align is not None and len(self.align) != width:
            raise PydanticCustomError(
                "table_align",
                "'align' names {n} columns, the header has {width}",
                {"n": len(self.align), "width": width},
            )
        return self


class Callout(Block):
    """A box that stands out: a takeaway, a note or a warning, with a text, bullets or both."""

    type = "callout"
    kind: Literal["takeaway", "note", "warning"] = "note"
    title: Rich | None = None
    text: Rich | None = None
    items: tuple[BulletItem, ...] = ()

    @model_validator(mode="after")
    def _not_empty(self) -> Callout:
        if self.text is None and not self.items:
            raise PydanticCustomError("callout_empty", "a callout needs 'text', 'items' or both")
        return self


class TimelineEntry(Frozen):
    date: DateOrFact
    event: Rich


class Timeline(Block):
    """Dated events in order."""

    type = "timeline"
    shorthand = "entries"
    entries: tuple[TimelineEntry, ...] = Field(min_length=1)


class Quote(Block):
    """A quotation and who said it."""

    type = "quote"
    text: Rich
    source: Rich | None = None


class KeyFigure(Frozen):
    fact: Plain
    """The key of the fact to show."""
    label: Rich
    also: Currency | None = None
    """Show money in this currency too, through an exchange_rate fact."""

    @model_validator(mode="after")
    def _known(self, info: ValidationInfo) -> KeyFigure:
        facts = (info.context or {}).get("facts")
        if facts is not None:
            check_fact_ref(
                markup.FactRef(self.fact, self.also), facts, (), (info.context or {}).get("declared", ())
            )
        return self


class KeyFigures(Block):
    """A panel of headline figures, each a fact with a label."""

    type = "key_figures"
    shorthand = "items"
    items: tuple[KeyFigure, ...] = Field(min_length=1)


class GlossaryEntry(Frozen):
    term: Rich
    definition: Rich


class Glossary(Block):
    """Terms and their definitions."""

    type = "glossary"
    shorthand = "items"
    items: tuple[GlossaryEntry, ...] = Field(min_length=1)


class ChartBar(Frozen):
    label: Rich
    fact: Plain


class ChartSeries(Frozen):
    label: Rich
    facts: tuple[Plain, ...] = Field(min_length=1)


class ChartEvent(Frozen):
    label: Rich
    date: DateOrFact


class Chart(Block):
    """A chart drawn from facts: bars, grouped bars, horizontal bars, or events on a time line."""

    type = "chart"
    kind: Literal["bar", "grouped_bar", "horizontal_bar", "timeline"]
    title: Rich
    alt: Rich
    """What the chart shows, for readers who cannot see it (facts allowed)."""
    caption: Rich | None = None
    source: Rich | None = None
    unit: Rich | None = None
    """The value axis's title; absent, the facts' unit ("달러", "US dollars"). Ticks carry no unit."""
    highlight: Literal["first", "none"] = "first"
    """first: the first bar or series (the subject) in the accent colour, the others grey; none: every
    bar in the accent colour, series in the palette's colours."""
    scale: Literal["linear", "log"] = "linear"
    currency: Currency | None = None
    """Show money in this currency, converted through the project's exchange_rate facts."""
    bars: tuple[ChartBar, ...] = ()
    """bar and horizontal_bar: one bar per fact."""
    categories: tuple[Rich, ...] = ()
    """grouped_bar: the groups along the axis."""
    series: tuple[ChartSeries, ...] = ()
    """grouped_bar: one fact per category each."""
    events: tuple[ChartEvent, ...] = ()
    """timeline: labelled dates."""

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Chart:
        if not markup.plain_text(self.alt).strip():
            raise PydanticCustomError("chart_alt", "'alt' must say what the chart shows")
        needs = {"bar": "bars", "horizontal_bar": "bars", "grouped_bar": "series", "timeline": "events"}[
            self.kind
        ]
        if not getattr(self, needs):
            raise PydanticCustomError(
                "chart_shape", "a {kind} chart needs '{field}'", {"kind": self.kind, "field": needs}
            )
        for series in self.series:
            if len(series.facts) != len(self.categories):
                raise PydanticCustomError(
                    "chart_shape",
                    "series has {n} facts for {m} categories",
                    {"n": len(series.facts), "m": len(self.categories)},
                )
        facts: dict[str, Fact] | None = (info.context or {}).get("facts")
        if facts is None or self.kind == "timeline":
            return self
        keys = [b.fact for b in self.bars] + [k for s in self.series for k in s.facts]
        found = [
            check_fact_ref(
                markup.FactRef(k),
                facts,
                ("money", "count", "percent", "quantity"),
                (info.context or {}).get("declared", ()),
            )
            for k in keys
        ]
        chart_units(self, [f for f in found if f is not None], facts)
        if self.scale == "log" and any(
            chart_value(f, self.currency, facts) <= 0 for f in found if f is not None
        ):
            raise PydanticCustomError("chart_log", "a log scale needs values above zero")
        return self


def chart_units(chart: Chart, found: list[Fact], facts: dict[str, Fact]) -> str:
    """Return what a chart's values measure ("money USD", "count", ...); refuse a chart that mixes them."""
    units = set()
    for fact in found:
        if isinstance(fact, Money):
            currency = chart.currency or fact.currency
            if currency != fact.currency and find_rate(facts, fact.currency, currency) is None:
                raise PydanticCustomError(
                    "chart_rate",
                    "no exchange_rate fact from {base} to {quote} to show '{key}' in {quote}",
                    {"base": fact.currency, "quote": currency, "key": fact.key},
                )
            units.add(f"money in {currency}")
        elif isinstance(fact, Quantity):
            units.add(f"quantity in {fact.unit}")
        else:
            units.add(fact.kind)
    if len(units) > 1:
        raise PydanticCustomError(
            "chart_units",
            "a chart cannot mix {units}; chart one unit, or set 'currency' to convert money",
            {"units": " and ".join(sorted(units))},
        )
    return next(iter(units), "count")


def chart_value(fact: Fact, currency: str | None, facts: dict[str, Fact]) -> float:
    """Return the number a chart plots for a fact, converted to ``currency`` for money."""
    if isinstance(fact, Money):
        if currency and currency != fact.currency:
            rate = find_rate(facts, fact.currency, currency)
            assert rate is not None
            return float(fact.amount * rate.rate)
        return float(fact.amount)
    if isinstance(fact, Count | Quantity | Percent):
        return float(fact.value)
    raise TypeError(f"a {fact.kind} fact has no chart value")


BLOCK_TYPES: dict[str, type[Block]] = {
    cls.type: cls
    for cls in (Paragraph, Heading, Bullets, Table, Callout, Timeline, Quote, KeyFigures, Glossary, Chart)
}
AnyBlock = Paragraph | Heading | Bullets | Table | Callout | Timeline | Quote | KeyFigures | Glossary | Chart

# ---------------------------------------------------------------- documents

Role = Literal["summary", "key_figures", "theme", "glossary", "sources"]


class Section(Frozen):
    """One section of a briefing, in one language: a file such as content/ko/03-cost.yaml."""

    id: Plain
    """The same in every language: lower case, digits and '-', e.g. cost."""
    role: Role = "theme"
    """theme sections are numbered; summary, key_figures, glossary and sources have their own place."""
    title: Rich
    tags: tuple[Plain, ...] = ()
    """Topics the section is about (cost, risks…): audiences with a focus put these sections first. Read
    from the default language; translations need not repeat them."""
    summary: tuple[AnyBlock, ...] = ()
    """What every reader gets, executives included."""
    detail: tuple[AnyBlock, ...] = ()
    """What readers of the full briefing get as well."""
    source_path: SkipJsonSchema[str] = ""  # the file the section came from, for messages


class BriefMeta(Frozen):
    """A language's brief.yaml: the title page."""

    title: Plain
    subtitle: Plain | None = None
    date: Date
    organisation: Plain | None = None
    author: Plain | None = None
    classification: Plain | None = None
    """The marking on the cover and in the footer, e.g. 대외비 or Internal."""
    keywords: tuple[Plain, ...] = ()
    """Document keywords (PDF and DOCX metadata)."""
    document_number: Plain | None = None
    """The briefing's reference, e.g. SP-2025-014: on the cover, with the version."""
    version: Plain | None = None
    """The briefing's version, e.g. 1.0: on the cover."""
    contact: Plain | None = None
    """Whom to ask about the briefing (a team, an address): on the cover."""
    bottom_line: Rich | None = None
    """The briefing in one sentence: on the cover, and first in editions that ask for a lead."""


class ProjectConfig(Frozen):
    """The project file, briefgen.yaml."""

    brief: Plain
    """Names the output files: lower case, digits and '-', e.g. deepseek-briefing."""
    default_language: Language
    languages: tuple[Language, ...] = Field(min_length=1)
    """Each has a folder content/<lang>/."""
    language_fallback: bool = False
    """A section missing in a language is a warning, and the default language's text stands in, marked."""
    allow_hosts: tuple[Host, ...] = ()
    """Hosts a document may fetch resources from over http(s); none by default: no network access at all."""
    mail: MailSettings | None = None
    """SMTP settings for briefgen mail (docs/mail.md); absent: only the environment sets them."""


class Edition(Frozen):
    """One language's briefing: its metadata and sections."""

    lang: str
    meta: BriefMeta
    sections: tuple[Section, ...]


class Brief(Frozen):
    """A whole validated project: configuration, facts and one edition per language."""

    config: ProjectConfig
    facts: dict[str, Fact]
    editions: dict[str, Edition]
    #: the project's _brand.yml, mapped (a brand.Brand), or None: the defaults of every edition's branding
    brand: SkipJsonSchema[Any] = None
