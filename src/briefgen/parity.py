"""Check that the PDF and the DOCX of an edition show a reader the same headings and the same figures.

Both are rendered in memory from one render context, which is the reference: each document must show every
heading of ``ctx.headings()`` twice in reading order (in the table of contents, then in the body), and every
formatted figure of ``ctx.figures()`` at least as often as the context has it. What the reader sees is
extracted from the real files: the PDF through poppler's ``pdftotext`` (page headers and footers, the top
and bottom 6% of each page, left out), the DOCX from its body and footnotes (not its header and footer).

Text is compared without any whitespace, since each layout breaks lines in different places, and without
U+2060 WORD JOINER, which the PDF path puts inside Korean words.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen.errors import Diagnostic, Location, RenderError

if TYPE_CHECKING:
    from briefgen.build import Loaded
    from briefgen.context import RenderContext

#: Words whose vertical middle lies in the top or bottom band of a page are running headers and footers.
FURNITURE = 0.06
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(
    r'<word xMin="[\d.-]+" yMin="([\d.-]+)" xMax="[\d.-]+" yMax="([\d.-]+)">(.*?)</word>', re.S
)
_INVISIBLE = dict.fromkeys(map(ord, "\u2060\u00ad\u200b\ufeff"))
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def normalise(text: str) -> str:
    """Return text as compared: NFC, without whitespace, word joiners or soft hyphens."""
    return "".join(unicodedata.normalize("NFC", text).translate(_INVISIBLE).split())


# ---------------------------------------------------------------- what a reader sees


def pdf_text(data: bytes) -> str:
    """Return the text of a PDF in content order, without running headers and footers."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        raise RenderError(
            "pdftotext is not installed; the parity check needs it", None, "install Debian's poppler-utils"
        )
    result = subprocess.run(
        [pdftotext, "-raw", "-bbox", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        raise RenderError(f"pdftotext failed: {result.stderr.decode(errors='replace').strip()}")
    pages: list[str] = []
    for _width, height_text, body in _PAGE.findall(result.stdout.decode("utf-8")):
        height = float(height_text)
        words = []
        for y_min, y_max, word in _WORD.findall(body):
            middle = (float(y_min) + float(y_max)) / 2 / height
            if FURNITURE < middle < 1 - FURNITURE:
                words.append(html.unescape(word))
        pages.append(" ".join(words))
    return "\n".join(pages)


def docx_text(data: bytes) -> str:
    """Return the text of a DOCX body (tables included, in order) followed by its footnotes."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml

    document = docx.Document(io.BytesIO(data))
    parts = [_paragraphs_text(document.element.body)]
    for rel in document.part.rels.values():
        if rel.reltype == RT.FOOTNOTES and not rel.is_external:
            notes = parse_xml(rel.target_part.blob)
            for note in notes.iter(f"{_W}footnote"):
                if note.get(f"{_W}type") in (None, "normal"):
                    parts.append(_paragraphs_text(note))
    return "\n".join(parts)


def _paragraphs_text(root: object) -> str:
    lines: list[str] = []
    for p in root.iter(f"{_W}p"):  # type: ignore[attr-defined]
        pieces: list[str] = []
        for node in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}noBreakHyphen"):
            if node.tag == f"{_W}t":
                pieces.append(node.text or "")
            elif node.tag == f"{_W}noBreakHyphen":
                pieces.append("-")
            else:
                pieces.append(" ")
        lines.append("".join(pieces))
    return "\n".join(lines)


# ---------------------------------------------------------------- comparing


@dataclass(frozen=True)
class Seen:
    """What one document shows, for the messages: its name and its normalised text."""

    name: str
    text: str


def check_text(ctx: RenderContext, name: str, text: str) -> list[Diagnostic]:
    """Compare the text a reader sees in one document with its render context; return the differences."""
    seen = Seen(name, normalise(text))
    return _check_headings(ctx, seen) + _check_figures(ctx, seen)


def _check_headings(ctx: RenderContext, seen: Seen) -> list[Diagnostic]:
    headings = ctx.headings()
    expected = [(i, where) for where in ("table of contents", "body") for i in range(len(headings))]
    occurrences: list[tuple[int, int]] = []  # (position, heading index) of every heading's text
    for index, heading in enumerate(headings):
        needle = normalise(heading)
        start = seen.text.find(needle)
        while needle and start >= 0:
            occurrences.append((start, index))
            start = seen.text.find(needle, start + 1)
    occurrences.sort()
    matched = _longest_common_subsequence([i for i, _ in expected], [i for _, i in occurrences])
    problems = []
    for position, (index, where) in enumerate(expected):
        if position not in matched:
            message = f"heading '{headings[index]}' is missing from the {where}, or out of order"
            problems.append(Diagnostic(message, Location(seen.name)))
    return problems


def _longest_common_subsequence(expected: Sequence[int], found: Sequence[int]) -> set[int]:
    """Return the positions in ``expected`` that an LCS with ``found`` keeps."""
    rows, cols = len(expected), len(found)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            if expected[i] == found[j]:
                table[i][j] = table[i + 1][j + 1] + 1
            else:
                table[i][j] = max(table[i + 1][j], table[i][j + 1])
    kept: set[int] = set()
    i = j = 0
    while i < rows and j < cols:
        if expected[i] == found[j]:
            kept.add(i)
            i += 1
            j += 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return kept


def _check_figures(ctx: RenderContext, seen: Seen) -> list[Diagnostic]:
    problems = []
    for figure, wanted in sorted(Counter(ctx.figures()).items()):
        shown = seen.text.count(normalise(figure))
        if shown < wanted:
            times = "once" if wanted == 1 else f"{wanted} times"
            problems.append(
                Diagnostic(f"figure '{figure}' should appear {times}, found {shown}", Location(seen.name))
            )
    return problems


# ---------------------------------------------------------------- the check


def compare(ctx: RenderContext, pdf: bytes, docx: bytes, names: tuple[str, str]) -> list[Diagnostic]:
    """Compare a PDF and a DOCX rendered from ``ctx``; ``names`` name them in messages."""
    return check_text(ctx, names[0], pdf_text(pdf)) + check_text(ctx, names[1], docx_text(docx))


def check_parity(loaded: Loaded, languages: Sequence[str] = ()) -> list[Diagnostic]:
    """Render the PDF and the DOCX of every language in memory and return where they disagree."""
    from briefgen import renderers
    from briefgen.context import build_context
    from briefgen.output import output_name
    from briefgen.plan import search_path
    from briefgen.renderers import Setup

    root: Path = loaded.root
    # The same setup as briefgen.build.build, sharing its chart cache.
    setup = Setup.for_project(root)
    problems: list[Diagnostic] = []
    for lang in languages or list(loaded.brief.editions):
        ctx = build_context(loaded.brief, lang, folders=search_path(loaded.root))
        pdf, docx = renderers.get("pdf"), renderers.get("docx")
        names = (output_name(ctx.brief, lang, pdf.extension), output_name(ctx.brief, lang, docx.extension))
        problems += compare(ctx, pdf.render(ctx, setup), docx.render(ctx, setup), names)
    return problems
