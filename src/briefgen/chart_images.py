"""How a chart sits in the print HTML: an ``<img>`` with the SVG as a data URI, or a chart still being drawn.

A first build draws its charts in a child (``briefgen.charts.drawer``). Rather than hold the whole page back
until the last chart is drawn, the page can link a chart not drawn yet as ``briefgen-chart:KEY``: the
printing child starts laying out at once, and its fetcher serves an empty SVG of the chart's size
(``size_stub``), which the layout needs, not the drawing. Once the layout is done, the printer waits for
the charts and puts them in place before drawing the pages (``renderers.printing``). The page with every
chart in place (``completed``) is the page a build with the charts drawn before would have made, so the
PDF, identified by a hash of that page, is the same byte for byte.

Imported by the printing child: nothing here may import the content side or matplotlib (which is why it
is not in ``briefgen.charts``, whose package imports the model).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

#: The URL scheme of a chart still being drawn.
SCHEME = "briefgen-chart"


def data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def pending_url(key: str) -> str:
    return f"{SCHEME}:{key}"


def image(src: str, alt: str) -> str:
    """Return an ``<img>`` element showing a chart, named by its alt text.

    An image, not inline SVG: each chart keeps its own ids and styles, apart from the page and the others.
    """
    from markupsafe import escape

    return f'<img class="chart-svg" src="{src}" alt="{escape(alt)}">'


def size_stub(width_pt: float, height_pt: float) -> bytes:
    """Return an empty SVG of a chart's size, written as matplotlib writes a chart's size.

    WeasyPrint lays a chart out by this size while the chart is drawn (``renderers.printing``).
    """
    width, height = _short(width_pt), _short(height_pt)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}pt" height="{height}pt" '
        f'viewBox="0 0 {width} {height}"/>'
    ).encode("ascii")


def _short(number: float) -> str:
    """A number as matplotlib's SVG writes it: ``%f`` without trailing zeros."""
    return f"{number:f}".rstrip("0").rstrip(".")


def completed(html: str, charts: Mapping[str, bytes]) -> str:
    """Return the page with each chart still being drawn in its place, as drawn."""
    for key, svg in charts.items():
        html = html.replace(f'src="{pending_url(key)}"', f'src="{data_uri(svg)}"')
    return html
