"""Draw a chart view with matplotlib: SVG (text kept as text) for HTML/PDF, PNG at print resolution for DOCX.

Uses matplotlib's object API (no pyplot state), the SVG and Agg backends, and fixed ticks and labels that the
view brings already formatted: no number is formatted here.
"""

from __future__ import annotations

import io
from typing import Any, cast

from briefgen.charts import ChartView

WIDTH_IN = 6.3  # the text column of an A4 page with 20 mm margins, a little less
HEIGHT_IN = {"bar": 2.6, "grouped_bar": 2.8, "horizontal_bar": 2.4, "timeline": 2.5}
PNG_DPI = 220
HATCHES = ("", "///", "...", "xx", "\\\\\\", "oo")  # series stay apart in greyscale print


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
        width = WIDTH_IN if view.columns == 1 else WIDTH_IN / 2 - 0.1
        height = HEIGHT_IN[view.kind] * (1 if view.columns == 1 else 0.95)
        figure = Figure(figsize=(width, height), layout="constrained")
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


def _value_axis(axes: Any, view: ChartView, horizontal: bool) -> None:
    positions = [p for p, _ in view.ticks]
    labels = [label for _, label in view.ticks]
    if horizontal:
        if view.scale == "log":
            axes.set_xscale("log")
        axes.set_xticks(positions, labels)
        axes.set_xlim(min(positions), max(positions) * (1.35 if view.scale == "log" else 1.12))
        axes.xaxis.set_minor_locator(_null())
        axes.grid(axis="x", color="#e3e6ea", linewidth=0.6)
    else:
        if view.scale == "log":
            axes.set_yscale("log")
        axes.set_yticks(positions, labels)
        axes.set_ylim(min(positions), max(positions) * (1.6 if view.scale == "log" else 1.08))
        axes.yaxis.set_minor_locator(_null())
        axes.grid(axis="y", color="#e3e6ea", linewidth=0.6)
    axes.set_axisbelow(True)


def _null() -> Any:
    from matplotlib.ticker import NullLocator

    return NullLocator()


def _bars(axes: Any, view: ChartView) -> None:
    series = view.series[0]
    places = list(range(len(view.categories)))
    colours = (
        [view.colours[i % len(view.colours)] for i in places]
        if len(places) <= len(view.colours)
        else [view.colours[0]] * len(places)
    )
    if view.kind == "horizontal_bar":
        bars = axes.barh(places, series.values, color=colours, height=0.6)
        axes.set_yticks(places, view.categories)
        axes.invert_yaxis()
        _value_axis(axes, view, horizontal=True)
        axes.bar_label(bars, labels=list(series.labels), padding=3, fontsize=8)
        axes.spines["left"].set_visible(False)
        axes.tick_params(axis="y", length=0)
    else:
        bars = axes.bar(places, series.values, color=colours, width=0.55)
        axes.set_xticks(places, view.categories)
        _value_axis(axes, view, horizontal=False)
        axes.bar_label(bars, labels=list(series.labels), padding=2, fontsize=8)
        axes.tick_params(axis="x", length=0)


def _grouped(axes: Any, view: ChartView) -> None:
    count = len(view.series)
    width = 0.8 / count
    places = list(range(len(view.categories)))
    for i, series in enumerate(view.series):
        offsets = [p - 0.4 + width * (i + 0.5) for p in places]
        bars = axes.bar(
            offsets,
            series.values,
            width=width * 0.92,
            label=series.label,
            color=view.colours[i % len(view.colours)],
            hatch=HATCHES[i % len(HATCHES)],
            edgecolor="white",
            linewidth=0.5,
        )
        axes.bar_label(bars, labels=list(series.labels), padding=2, fontsize=7.5)
    axes.set_xticks(places, view.categories)
    axes.tick_params(axis="x", length=0)
    _value_axis(axes, view, horizontal=False)
    axes.figure.legend(frameon=False, loc="outside upper left", ncols=count)


def _timeline(axes: Any, view: ChartView) -> None:
    years = [p for p, _ in view.ticks]
    axes.axhline(0, color=view.muted, linewidth=1)
    levels = (0.45, -0.45, 1.05, -1.05)  # neighbours alternate above and below, near and far
    for i, event in enumerate(sorted(view.events, key=lambda e: e.when)):
        level = levels[i % len(levels)]
        colour = view.colours[0]
        axes.plot([event.when, event.when], [0, level], color=colour, linewidth=0.8)
        axes.plot([event.when], [0], marker="o", color=colour, markersize=4)
        axes.annotate(
            f"{event.label}\n{event.date}",
            (event.when, level),
            ha="center",
            va="bottom" if level > 0 else "top",
            fontsize=7.5,
            xytext=(0, 2 if level > 0 else -2),
            textcoords="offset points",
        )
    axes.set_xticks(years, [label for _, label in view.ticks])
    latest = max(e.when for e in view.events)
    axes.set_xlim(min(years) - 0.08, max(latest, max(years)) + 0.3)
    axes.set_ylim(-1.6, 1.6)
    axes.set_yticks([])
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)
    axes.tick_params(axis="x", length=0)


def svg_image(svg: bytes, alt: str) -> str:
    """Return an ``<img>`` element showing the SVG, named by its alt text.

    An image, not inline SVG: each chart keeps its own ids and styles, apart from the page and the others.
    """
    import base64

    from markupsafe import escape

    data = base64.b64encode(svg).decode("ascii")
    return f'<img class="chart-svg" src="data:image/svg+xml;base64,{data}" alt="{escape(alt)}">'
