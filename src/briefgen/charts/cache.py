"""Keep drawn charts by a hash of everything that decides them, so that a rebuild does not draw them again."""

from __future__ import annotations

import hashlib
from pathlib import Path

from briefgen import __version__
from briefgen.charts import ChartView
from briefgen.output import write_file


def chart_bytes(view: ChartView, fmt: str, font: str, folder: Path | None) -> bytes:
    """Return the chart drawn as ``fmt``, from the cache folder when it was drawn before (None: no cache)."""
    from briefgen.charts import draw as drawing

    if folder is None:
        return drawing.draw(view, fmt, font)
    from importlib.metadata import version

    code = hashlib.sha256(Path(drawing.__file__).read_bytes()).hexdigest()  # a change in drawing redraws
    key = hashlib.sha256(
        "\0".join((view.key(), fmt, font, version("matplotlib"), __version__, code)).encode("utf-8")
    ).hexdigest()[:32]
    path = folder / f"{key}.{fmt}"
    if path.is_file():
        return path.read_bytes()
    data = drawing.draw(view, fmt, font)
    write_file(path, data)
    return data
