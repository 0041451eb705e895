"""Charts: the view of a chart block (values, labels and ticks already formatted) and how to draw it.

Building the view is pure and cheap; drawing (``charts.draw``) imports matplotlib only when a chart is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from briefgen.i18n import Formatter
from briefgen.model import Chart, DateFact, Fact, PartialDate, chart_units, chart_value


@dataclass(frozen=True)
class SeriesView:
    label: str
    values: tuple[float, ...]
    labels: tuple[str, ...]  # each value as the prose writes it


@dataclass(frozen=True)
class EventView:
    when: float  # years, with the fraction of the year: 2023.83 for November 2023
    date: str  # formatted
    label: str


@dataclass(frozen=True)
class ChartView:
    kind: str
    title: str
    alt: str
    caption: str | None
    source: str | None
    scale: str
    unit: str
    categories: tuple[str, ...]
    series: tuple[SeriesView, ...]
    events: tuple[EventView, ...]
    ticks: tuple[tuple[float, str], ...]  # positions on the value axis (years for a timeline) and labels
    colours: tuple[str, ...]
    ink: str
    muted: str
    lang: str
    columns: int = 1  # 2: drawn for half the text width
    type: str = "chart"
    #: the value axis's title: what the values measure ("달러", "US dollars"); ticks carry no unit
    unit_label: str = ""
    highlight: str = "first"  # "first": the first bar or series in the accent colour, the others grey
    greyscale: bool = False  # printed in greyscale: series told apart by hatching too
    number: int = 0  # "Figure 3": its number in the edition, 0 before numbering
    anchor: str = ""  # the figure's id, for the list of figures

    def key(self) -> str:
        """Return a stable text of everything that decides the picture, for caching."""
        return repr(replace(self, number=0, anchor=""))


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Return round tick positions from 0 (or below) to at least ``high``."""
    low = min(low, 0.0)
    span = (high - low) or abs(high) or 1.0
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def log_ticks(low: float, high: float) -> list[float]:
    """Return powers of ten spanning the values."""
    start, end = math.floor(math.log10(low)), math.ceil(math.log10(high))
    return [10.0**e for e in range(start, end + 1)]


def _year(value: PartialDate) -> float:
    day = value.to_date()
    return day.year + (day.timetuple().tm_yday - 1) / 365.25


def build_chart_view(
    chart: Chart,
    facts: dict[str, Fact],
    fmt: Formatter,
    text: Callable[..., str],
    colours: tuple[str, ...],
    ink: str,
    muted: str,
    lang: str,
    columns: int = 1,
    greyscale: bool = False,
) -> ChartView:
    """Resolve a chart block: plotted numbers, labels in the language, formatted ticks and data labels."""
    events: list[EventView] = []
    series: list[SeriesView] = []
    ticks: list[tuple[float, str]] = []
    unit = "date"
    categories: tuple[str, ...] = ()
    if chart.kind == "timeline":
        dated: dict[PartialDate, list[str]] = {}
        for event in chart.events:
            when = event.date
            if isinstance(when, str):
                fact = facts[when]
                assert isinstance(fact, DateFact)
                when = fact.value
            dated.setdefault(when, []).append(text(event.label))
        # events on the same date share one mark: "VL, V3"
        events = [
            EventView(_year(when), fmt.date(when), fmt.list(labels))
            for when, labels in sorted(dated.items(), key=lambda item: item[0].to_date())
        ]
        # the axis starts at the first event: the years it crosses are its ticks
        start, end = min(e.when for e in events), max(e.when for e in events)
        years = range(math.ceil(start), math.floor(end) + 1)
        ticks = [(float(y), fmt.date(PartialDate(y))) for y in years] or [
            (start, fmt.date(PartialDate(math.floor(start))))
        ]
    else:
        if chart.bars:  # one series; each bar is a category
            categories = tuple(text(b.label) for b in chart.bars)
            groups = [("", [b.fact for b in chart.bars])]
        else:
            categories = tuple(text(c) for c in chart.categories)
            groups = [(text(s.label), list(s.facts)) for s in chart.series]
        unit = chart_units(chart, [facts[k] for _, keys in groups for k in keys], facts)
        # money and quantities carry their unit in the axis title, not on every tick
        shown = "count" if unit.startswith(("money in ", "quantity in ")) else unit
        for label, keys in groups:
            values = tuple(chart_value(facts[k], chart.currency, facts) for k in keys)
            # each bar says its figure as the prose does ("558만 달러"); the axis says the unit once
            series.append(SeriesView(label, values, tuple(fmt.value(v, unit) for v in values)))
        everything = [v for s in series for v in s.values]
        positions = (
            log_ticks(min(everything), max(everything))
            if chart.scale == "log"
            else nice_ticks(min(everything), max(everything))
        )
        ticks = [(p, fmt.short(p, shown)) for p in positions]
    return ChartView(
        kind=chart.kind,
        title=text(chart.title),
        alt=text(chart.alt),
        caption=text(chart.caption) if chart.caption else None,
        source=text(chart.source) if chart.source else None,
        scale=chart.scale,
        unit=unit,
        categories=categories,
        series=tuple(series),
        events=tuple(events),
        ticks=tuple(ticks),
        colours=colours,
        ink=ink,
        muted=muted,
        lang=lang,
        columns=columns,
        unit_label=text(chart.unit) if chart.unit else unit_name(fmt, unit),
        highlight=chart.highlight,
        greyscale=greyscale,
    )


def unit_name(fmt: Formatter, unit: str) -> str:
    """Name what a chart's values measure, in the formatter's words: ``달러``, ``US dollars``, ``개월``.

    Money written with a word after the amount (``0.55달러``) is named by that word; money written with a
    symbol by the currency's name (CLDR); a quantity by its unit word. Counts and percentages: "".
    """
    from babel.numbers import get_currency_name, get_currency_symbol

    two = fmt.number(2)
    if unit.startswith("money in "):
        currency = unit.removeprefix("money in ")
        word = fmt.money(2, currency).removeprefix(two).strip()
        if fmt.money(2, currency).startswith(two) and word != get_currency_symbol(currency, fmt.locale):
            return word  # the word the prose writes after amounts: 달러, ドル
        return str(get_currency_name(currency, count=2, locale=fmt.locale))  # a symbol is no axis title
    if unit.startswith("quantity in "):
        return fmt.quantity(2, unit.removeprefix("quantity in ")).replace(two, "", 1).strip()
    return ""
