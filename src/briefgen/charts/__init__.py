"""Charts: the view of a chart block (values, labels and ticks already formatted) and how to draw it.

Building the view is pure and cheap; drawing (``charts.draw``) imports matplotlib only when a chart is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

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

    def key(self) -> str:
        """Return a stable text of everything that decides the picture, for caching."""
        return repr(self)


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
        first, last = math.floor(min(e.when for e in events)), math.floor(max(e.when for e in events))
        ticks = [(float(y), fmt.date(PartialDate(y))) for y in range(first, last + 1)]
    else:
        if chart.bars:  # one series; each bar is a category
            categories = tuple(text(b.label) for b in chart.bars)
            groups = [("", [b.fact for b in chart.bars])]
        else:
            categories = tuple(text(c) for c in chart.categories)
            groups = [(text(s.label), list(s.facts)) for s in chart.series]
        unit = chart_units(chart, [facts[k] for _, keys in groups for k in keys], facts)
        for label, keys in groups:
            values = tuple(chart_value(facts[k], chart.currency, facts) for k in keys)
            series.append(SeriesView(label, values, tuple(fmt.value(v, unit) for v in values)))
        everything = [v for s in series for v in s.values]
        positions = (
            log_ticks(min(everything), max(everything))
            if chart.scale == "log"
            else nice_ticks(min(everything), max(everything))
        )
        ticks = [(p, fmt.short(p, unit)) for p in positions]
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
    )
