"""What a reader sees of a PDF's pages: how full each one is, read from the rendered picture."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

#: Dots per inch of the pictures measured: enough to see a line of 7.5 pt text.
DPI = 30
#: The page's top and bottom margins (the running header and footer sit in them), in millimetres.
TOP_MM, BOTTOM_MM = 22, 20
#: Gaps narrower than this, in millimetres, count as covered: the space between lines, paragraphs and
#: blocks. A wider gap is empty page.
GAP_MM = 12
#: A pixel darker than this (of 255) is ink; the lightest panel background is far lighter.
INK = 200


def page_fill(pdf: Path) -> list[float]:
    """Return, for each page, the fraction of the text block (between the margins) covered by text and
    figures: rows with ink, and the gaps between them narrower than GAP_MM."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            ["pdftoppm", "-r", str(DPI), "-gray", str(pdf), f"{folder}/page"], check=True, capture_output=True
        )
        pictures = sorted(Path(folder).glob("page-*.pgm"), key=lambda p: int(p.stem.split("-")[-1]))
        return [_fill(Image.open(path)) for path in pictures]


def _fill(picture: Image.Image) -> float:
    width, height = picture.size
    per_mm = height / 297 if height > width else height / 210
    top, bottom = round(TOP_MM * per_mm), height - round(BOTTOM_MM * per_mm)
    pixels = picture.load()
    assert pixels is not None
    inked = [any(pixels[x, y] < INK for x in range(width)) for y in range(top, bottom)]  # type: ignore[operator]
    covered = list(inked)
    gap = GAP_MM * per_mm
    last = None
    for row, ink in enumerate(inked):
        if ink:
            if last is not None and row - last - 1 <= gap:
                covered[last + 1 : row] = [True] * (row - last - 1)
            last = row
    return sum(covered) / len(covered)


def front_matter(pdf: Path) -> int:
    """Return the number of pages before the first section (the cover and the contents): the PDF
    outline's first section entry, after the title's."""
    reader = PdfReader(pdf)
    pages: list[int] = []

    def walk(items: list[object]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                pages.append(reader.get_destination_page_number(item))  # type: ignore[arg-type]

    walk(reader.outline)
    return pages[1] if len(pages) > 1 else 0


def underfull_pages(pdf: Path, least: float = 1 / 3) -> list[tuple[int, float]]:
    """Return the pages (1-based, with their fill) less than ``least`` full, other than those ending a
    part (the cover, the contents) and the last page."""
    fills = page_fill(pdf)
    start = front_matter(pdf)
    return [(n, fill) for n, fill in enumerate(fills, 1) if start < n < len(fills) and fill < least]
