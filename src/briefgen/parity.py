"""Check that the PDF and the DOCX of an edition show a reader the same headings, figures and branding.

Both are rendered in memory from one render context, which is the reference: each document must show every
heading of ``ctx.headings()`` twice in reading order (in the table of contents, then in the body; once in an
edition without contents), and every formatted figure of ``ctx.figures()`` at least as often as the context
has it. What the reader sees is extracted from the real files: the PDF through poppler's ``pdftotext`` (page
headers and footers, the top and bottom 6% of each page, left out), the DOCX from its body and footnotes
(not its header and footer).

The branding is compared too: the organisation and classification appear in each document, the header and
footer texts in its page headers and footers (the PDF's top and bottom bands, the DOCX's header and footer
parts), and a PNG or JPEG logo is an image of the PDF (``pdfimages``) and a picture of the DOCX.

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


def pdf_text(data: bytes, furniture: bool = False) -> str:
    """Return the text of a PDF in content order, without running headers and footers (or only those)."""
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
            if (FURNITURE < middle < 1 - FURNITURE) != furniture:
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


def docx_furniture(data: bytes) -> str:
    """Return the text of a DOCX's page headers and footers."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml

    document = docx.Document(io.BytesIO(data))
    return "\n".join(
        _paragraphs_text(parse_xml(rel.target_part.blob))
        for rel in document.part.rels.values()
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external
    )


def pdf_images(data: bytes) -> set[tuple[int, int]]:
    """Return the pixel sizes of the images a PDF shows, from poppler's ``pdfimages -list``."""
    pdfimages = shutil.which("pdfimages")
    if pdfimages is None:
        raise RenderError(
            "pdfimages is not installed; the parity check needs it", None, "install Debian's poppler-utils"
        )
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:  # pdfimages reads no standard input
        handle.write(data)
        handle.flush()
        result = subprocess.run(
            [pdfimages, "-list", handle.name], capture_output=True, timeout=120, check=False
        )
    if result.returncode != 0:
        raise RenderError(f"pdfimages failed: {result.stderr.decode(errors='replace').strip()}")
    sizes = set()
    for line in result.stdout.decode("utf-8", errors="replace").splitlines()[2:]:
        fields = line.split()
        if len(fields) > 4 and fields[3].isdigit() and fields[4].isdigit():
            sizes.add((int(fields[3]), int(fields[4])))
    return sizes


def docx_media(data: bytes) -> list[bytes]:
    """Return the pictures a DOCX holds (its ``word/media`` parts)."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return [package.read(name) for name in package.namelist() if name.startswith("word/media/")]


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
    places = ("table of contents", "body") if ctx.presentation.include.toc else ("body",)
    expected = [(i, where) for where in places for i in range(len(headings))]
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


def check_branding(ctx: RenderContext, name: str, text: str, furniture: str, logo: bool) -> list[Diagnostic]:
    """Compare the branding one document shows with the render context's; ``logo``: whether it shows it."""
    branding = ctx.presentation.branding
    everywhere, margins = normalise(text + furniture), normalise(furniture)
    problems = []
    for what, value, seen, where in (
        ("organisation", branding.organisation, everywhere, "the document"),
        ("classification", branding.classification, margins, "the page footers"),
        ("header text", branding.header, margins, "the page headers"),
        ("footer text", branding.footer, margins, "the page footers"),
    ):
        if value and normalise(value) not in seen:
            problems.append(Diagnostic(f"the {what} '{value}' is missing from {where}", Location(name)))
    if branding.logo is not None and not logo:
        problems.append(Diagnostic(f"the logo {branding.logo.path} is missing", Location(name)))
    return problems


def compare(ctx: RenderContext, pdf: bytes, docx: bytes, names: tuple[str, str]) -> list[Diagnostic]:
    """Compare a PDF and a DOCX rendered from ``ctx``; ``names`` name them in messages."""
    problems = check_text(ctx, names[0], pdf_text(pdf)) + check_text(ctx, names[1], docx_text(docx))
    logo = ctx.presentation.branding.logo
    # An SVG logo is drawn as vectors in the PDF, and as a PNG in the DOCX: only a raster one is compared.
    raster = logo is not None and logo.mime != "image/svg+xml"
    in_pdf = not raster or (logo is not None and (logo.width, logo.height) in pdf_images(pdf))
    in_docx = not raster or (logo is not None and logo.data in docx_media(docx))
    problems += check_branding(ctx, names[0], pdf_text(pdf), pdf_text(pdf, furniture=True), in_pdf)
    problems += check_branding(ctx, names[1], docx_text(docx), docx_furniture(docx), in_docx)
    return problems


def check_parity(
    loaded: Loaded, languages: Sequence[str] = (), audiences: Sequence[str | None] | None = None
) -> list[Diagnostic]:
    """Render the PDF and the DOCX of every edition in memory and return where they disagree.

    ``audiences`` names the editions (None in it: the whole briefing); by default the whole briefing and
    every audience profile.
    """
    from briefgen import audience, renderers
    from briefgen.context import build_context
    from briefgen.output import output_name
    from briefgen.plan import search_path
    from briefgen.renderers import Setup

    root: Path = loaded.root
    folders = search_path(root)
    names_of = [None, *sorted(audience.available(folders))] if audiences is None else list(audiences)
    profiles = {name: audience.load(name, folders, root, loaded.brief) for name in names_of if name}
    problems: list[Diagnostic] = []
    for who in names_of:
        profile = profiles.get(who or "")
        for lang in languages or list(loaded.brief.editions):
            ctx = build_context(loaded.brief, lang, profile, folders=folders)
            # The same setup as briefgen.build.build, sharing its chart cache; a plain PDF, since a PDF
            # standard (the profile's pdf_variant) changes nothing a reader sees.
            setup = Setup.for_project(root, allow_hosts=loaded.brief.config.allow_hosts)
            pdf, docx = renderers.get("pdf"), renderers.get("docx")
            names = (
                output_name(ctx.brief, lang, pdf.extension, who),
                output_name(ctx.brief, lang, docx.extension, who),
            )
            problems += compare(ctx, pdf.render(ctx, setup), docx.render(ctx, setup), names)
    return problems
