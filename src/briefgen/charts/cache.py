"""Keep drawn charts by a hash of everything that decides them, so that a rebuild does not draw them again.

A chart missing from the cache is drawn in this process, or by the build's Drawer child when one is in use
(``drawn_by``), which keeps matplotlib out of this process.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen import __version__
from briefgen.charts import ChartView
from briefgen.output import write_file

if TYPE_CHECKING:
    from briefgen.charts.drawer import Drawer

_drawer: Drawer | None = None
#: Charts a page links to before they are drawn (``deferred``), by key: what the drawer was asked for.
_deferred: dict[str, tuple[ChartView, str, str, Path | None]] = {}


@contextlib.contextmanager
def drawn_by(drawer: Drawer | None) -> Iterator[None]:
    """Have charts missing from the cache drawn by ``drawer`` (None: in this process) while the block runs."""
    global _drawer
    previous, _drawer = _drawer, drawer
    try:
        yield
    finally:
        _drawer = previous
        _deferred.clear()


@functools.lru_cache(maxsize=1)
def _fingerprint() -> str:
    """Return what, besides the view, decides a drawing: matplotlib's version and the drawing code."""
    from importlib.metadata import version

    from briefgen.charts import draw as drawing

    code = hashlib.sha256(Path(drawing.__file__).read_bytes()).hexdigest()  # a change in drawing redraws
    return "\0".join((version("matplotlib"), __version__, code))


def chart_key(view: ChartView, fmt: str, font: str) -> str:
    """Return the cache key of a chart drawn as ``fmt`` in ``font``."""
    text = "\0".join((view.key(), fmt, font, _fingerprint()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _draw(key: str, view: ChartView, fmt: str, font: str) -> bytes:
    if _drawer is not None:
        return _drawer.take(key, view, fmt, font)
    from briefgen.charts import draw as drawing

    return drawing.draw(view, fmt, font)


def chart_bytes(view: ChartView, fmt: str, font: str, folder: Path | None) -> bytes:
    """Return the chart drawn as ``fmt``, from the cache folder when it was drawn before (None: no cache)."""
    key = chart_key(view, fmt, font)
    if folder is None:
        return _draw(key, view, fmt, font)
    path = folder / f"{key}.{fmt}"
    if path.is_file():
        return path.read_bytes()
    data = _draw(key, view, fmt, font)
    write_file(path, data)
    return data


def chart_font(lang: str) -> str:
    """Return the font family charts of a language are set in: the one its text is set in."""
    from briefgen import fonts

    return fonts.choose(lang).installed or fonts.stack_for(lang)[0]


def prefetch(views: Iterable[ChartView], fmt: str, folder: Path | None) -> None:
    """Ask the drawer in use for the charts the cache lacks, so that they are drawn while the page is made."""
    if _drawer is None:
        return
    for view in views:
        font = chart_font(view.lang)
        key = chart_key(view, fmt, font)
        if folder is None or not (folder / f"{key}.{fmt}").is_file():
            _drawer.request(key, view, fmt, font)


def deferred(view: ChartView, fmt: str, font: str, folder: Path | None) -> str | None:
    """Return the key of a chart the drawer in use is drawing, for ``deliver`` to return later; None when
    the chart is in the cache folder, or no drawer is in use (``chart_bytes`` returns it now)."""
    if _drawer is None:
        return None
    key = chart_key(view, fmt, font)
    if folder is not None and (folder / f"{key}.{fmt}").is_file():
        return None
    _drawer.request(key, view, fmt, font)
    _deferred[key] = (view, fmt, font, folder)
    return key


def deliver(key: str) -> bytes:
    """Return a chart ``deferred`` returned the key of, once drawn, and keep it in its cache folder."""
    view, fmt, font, folder = _deferred.pop(key)
    data = _draw(key, view, fmt, font)
    if folder is not None:
        write_file(folder / f"{key}.{fmt}", data)
    return data
