"""Draw a chart view with matplotlib: SVG (text kept as text) for HTML/PDF, PNG at print resolution for DOCX.

Uses matplotlib's object API (no pyplot state), the SVG and Agg backends, and fixed ticks and labels that the
view brings already formatted: no number is formatted here.
"""

from __future__ import annotations

import io
from typing import Any, cast

from briefgen.charts import ChartView

WIDTH_IN = 6.3  # the text column of an A4 page with 20 mm margins, a little less
HEIGHT_IN = {"bar": 2.6, "grouped_bar": 2.8, "horizontal_bar": 2.4, "timeline": 2.3}
#: Charts drawn two to a row share one height, so that paired plots line up.
PAIRED_HEIGHT_IN = 2.3
PNG_DPI = 220
#: The others, beside the subject: greys of distinct lightness, each far from the accent colours in
#: greyscale too (the subject is drawn in the palette's first colour).
GREYS = ("#a3a9b0", "#6f767e", "#ccd0d5", "#4d535a")
GRID = "#e3e6ea"
HATCHES = ("", "///", "...", "xx", "\\\\\\", "oo")  # only when printing in greyscale is asked for


def draw(view: ChartView, fmt: str, font: str) -> bytes:
    """Return the chart as ``svg`` or ``png`` bytes, set in the font family ``font``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    _register(font)

    params = {
        "font.family": [font, "DejaVu Sans"],
        "font.size": 8.5,
        "svg.fonttype": "none",  # text stays text: searchable, selectable, set in the document's font
        "svg.hashsalt": "briefgen",  # stable ids: the same chart gives the same bytes
        "axes.edgecolor": view.muted,
        "axes.labelcolor": view.ink,
        "text.color": view.ink,
        "xtick.color": view.muted,
        "ytick.color": view.muted,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "path.simplify": False,
    }
    with rc_context(cast(Any, params)):
        figure = Figure(figsize=figure_size(view), layout="constrained")
        axes = figure.add_subplot()
        {"bar": _bars, "horizontal_bar": _bars, "grouped_bar": _grouped, "timeline": _timeline}[view.kind](
            axes, view
        )
        buffer = io.BytesIO()
        if fmt == "svg":
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        else:
            figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return buffer.getvalue()


def figure_size(view: ChartView) -> tuple[float, float]:
    """Return the size a chart is drawn at, in inches: the whole column, or half of it for a pair."""
    width = WIDTH_IN if view.columns == 1 else WIDTH_IN / 2 - 0.1
    height = HEIGHT_IN[view.kind] if view.columns == 1 else PAIRED_HEIGHT_IN
    return width, height


def svg_size(view: ChartView) -> tuple[float, float]:
    """Return the size of a chart's SVG in points, as matplotlib computes it from the figure's size."""
    width, height = figure_size(view)
    return width * 72, height * 72


def _register(family: str) -> None:
    """Make sure matplotlib knows a font family that fontconfig has (its font list is cached on disk)."""
    import logging

    from matplotlib import font_manager

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    if any(entry.name == family for entry in font_manager.fontManager.ttflist):
        return
    from briefgen.fonts import font_file

    path = font_file(family)
    if path is not None:
        font_manager.fontManager.addfont(path)


def _value_axis(axes: Any, view: ChartView, horizontal: bool, headroom: float = 1.08) -> None:
    """Set the value axis: the view's ticks, a light grid, and the unit once, as the axis title."""
    positions = [p for p, _ in view.ticks]
    labels = [label for _, label in view.ticks]
    if horizontal:
        if view.scale == "log":
            axes.set_xscale("log")
        axes.set_xticks(positions, labels)
        axes.set_xlim(min(positions), max(positions) * (1.35 if view.scale == "log" else 1.12))
        axes.xaxis.set_minor_locator(_null())
        axes.grid(axis="x", color=GRID, linewidth=0.6)
        if view.unit_label:
            axes.set_xlabel(view.unit_label, loc="right", fontsize=7.5, color=view.muted, labelpad=2)
    else:
        if view.scale == "log":
            axes.set_yscale("log")
        axes.set_yticks(positions, labels)
        axes.set_ylim(min(positions), max(positions) * (1.6 if view.scale == "log" else headroom))
        axes.yaxis.set_minor_locator(_null())
        axes.grid(axis="y", color=GRID, linewidth=0.6)
        if view.unit_label:
            # above the axis, level, where the eye starts reading a column chart
            axes.annotate(
                view.unit_label,
                (0, 1),
                xycoords="axes fraction",
                xytext=(0, 6),
                textcoords="offset points",
                ha="right",
                va="bottom",
                fontsize=7.5,
                color=view.muted,
            )
    axes.set_axisbelow(True)


def colours(view: ChartView, count: int) -> list[str]:
    """Return the colour of each of ``count`` bars or series: the subject in the accent colour, the
    others in greys; with no highlight, the palette in order."""
    if view.highlight == "first":
        return [view.colours[0], *(GREYS[i % len(GREYS)] for i in range(count - 1))]
    return [view.colours[i % len(view.colours)] for i in range(count)]


def _null() -> Any:
    from matplotlib.ticker import NullLocator

    return NullLocator()


def _bars(axes: Any, view: ChartView) -> None:
    series = view.series[0]
    places = list(range(len(view.categories)))
    # one subject against the others: the others share one grey
    fills = [view.colours[0]] + [GREYS[0] if view.highlight == "first" else view.colours[0]] * (
        len(places) - 1
    )
    if view.kind == "horizontal_bar":
        bars = axes.barh(places, series.values, color=fills, height=0.6)
        axes.set_yticks(places, view.categories)
        axes.invert_yaxis()
        _value_axis(axes, view, horizontal=True)
        axes.bar_label(bars, labels=list(series.labels), padding=3, fontsize=8)
        axes.spines["left"].set_visible(False)
        axes.tick_params(axis="y", length=0)
    else:
        bars = axes.bar(places, series.values, color=fills, width=0.55)
        axes.set_xticks(places, view.categories)
        _value_axis(axes, view, horizontal=False)
        axes.bar_label(bars, labels=list(series.labels), padding=2, fontsize=8)
        axes.tick_params(axis="x", length=0)


def _grouped(axes: Any, view: ChartView) -> None:
    count = len(view.series)
    width = 0.8 / count
    places = list(range(len(view.categories)))
    fills = colours(view, count)
    for i, series in enumerate(view.series):
        offsets = [p - 0.4 + width * (i + 0.5) for p in places]
        bars = axes.bar(
            offsets,
            series.values,
            width=width * 0.92,
            label=series.label,
            color=fills[i],
            hatch=HATCHES[i % len(HATCHES)] if view.greyscale else None,
            edgecolor="white",
            linewidth=0.5,
        )
        axes.bar_label(bars, labels=list(series.labels), padding=2, fontsize=7.5)
    axes.set_xticks(places, view.categories)
    axes.tick_params(axis="x", length=0)
    # the legend sits inside the plot, above the bars, so that a grouped chart's plot is as tall as a
    # plain one beside it
    _value_axis(axes, view, horizontal=False, headroom=1.3)
    # half a column is too narrow for the series side by side: one above the other
    ncols = count if view.columns == 1 else 1
    axes.legend(frameon=False, loc="upper left", ncols=ncols, fontsize=7.5, handlelength=1.2)


def _timeline(axes: Any, view: ChartView) -> None:
    """Events on a time line that starts at the first: each a stem rising from the line to its label,
    neighbours at three heights so labels do not collide; the years the line crosses marked under it."""
    events = sorted(view.events, key=lambda e: e.when)
    first, last = events[0].when, events[-1].when
    span = max(last - first, 0.25)
    colour = view.colours[0]
    axes.axhline(0, color=view.muted, linewidth=1, zorder=1)
    levels = (0.35, 0.95, 1.55)
    for i, event in enumerate(events):
        level = levels[i % len(levels)]
        axes.plot([event.when, event.when], [0, level], color=GREYS[0], linewidth=0.7, zorder=1)
        axes.plot([event.when], [0], marker="o", color=colour, markersize=4.5, zorder=2)
        axes.annotate(
            f"{event.label}\n{event.date}",
            (event.when, level),
            ha="left",
            va="center",
            fontsize=7.5,
            xytext=(2, 0),
            textcoords="offset points",
            linespacing=1.15,
        )
    for year, label in view.ticks:  # year marks sit on the line, their labels just under it
        axes.plot([year, year], [-0.12, 0.12], color=view.muted, linewidth=0.8, zorder=1)
        axes.annotate(label, (year, -0.2), ha="center", va="top", fontsize=7.5, color=view.muted)
    axes.set_xlim(first - span * 0.03, last + span * 0.16)  # room on the right for the last label
    axes.set_ylim(-0.6, 1.95)
    axes.set_xticks([])
    axes.set_yticks([])
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)
