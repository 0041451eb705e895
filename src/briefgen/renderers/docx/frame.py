"""The frame around the sections: cover page or title block, contents, page header and footer.

The words come from the labels (the gettext catalogues); the look from the reference document's styles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from briefgen.context import Marking, Meta, RenderContext, TocEntry
from briefgen.renderers.docx import oxml
from briefgen.renderers.docx.oxml import Element
from briefgen.renderers.docx.writer import Look, Writer

if TYPE_CHECKING:
    from briefgen.renderers.docx.reference import Language


def write(
    writer: Writer,
    ctx: RenderContext,
    logo: Callable[[Element], None] | None,
    language_of: Callable[[str], Language],
) -> Element | None:
    """Write the whole briefing; return the cover's last paragraph, None without a cover page."""
    include = ctx.presentation.include
    cover_end = cover(writer, ctx, logo) if include.cover else None
    if cover_end is None:
        title_block(writer, ctx)
    if include.toc:
        contents(writer, ctx.toc)
    for section in ctx.sections:
        lang = section.fallback_lang
        writer.section(section, language_of(lang) if lang else writer.language)
    return cover_end


def cover(writer: Writer, ctx: RenderContext, logo: Callable[[Element], None] | None) -> Element:
    """Write the cover page; return its last paragraph (where the section break goes).

    ``logo`` puts the audience's logo into a paragraph, if there is one.
    """
    meta, presentation = ctx.meta, ctx.presentation
    flow = writer.body
    if logo is not None:
        logo(writer.paragraph(flow, "Cover Organisation"))
    if meta.classification:
        writer.paragraph(flow, "Cover Marking", text=meta.classification)
    if meta.organisation:
        writer.paragraph(flow, "Cover Organisation", text=meta.organisation)
    last = writer.paragraph(flow, "Title", text=meta.title)
    if meta.subtitle:
        last = writer.paragraph(flow, "Subtitle", text=meta.subtitle)
    marking = ctx.marking
    details = [
        (writer.labels.date, meta.date),
        (writer.labels.prepared_by, meta.author),
        (writer.labels.prepared_for, None if marking else presentation.distribution),
        (writer.labels.classification, meta.classification),
        (writer.labels.scope, writer.labels.sections(len(ctx.sections))),
    ]
    for label, value in details:
        if value:
            last = writer.paragraph(flow, "Cover Detail")
            last.append(writer.run(label, Look(style=writer.styles("Cover Label", "character"))))
            last.append(writer.run(f"\t{value}"))
    if marking is not None:  # a personal copy: whom it is for, and its number
        last = writer.paragraph(flow, "Cover Detail")
        last.append(writer.run(writer.labels.copy_line(marking), _marking_look(writer)))
    return last


def _marking_look(writer: Writer) -> Look:
    return Look(style=writer.styles("Classification", "character"))


def title_block(writer: Writer, ctx: RenderContext) -> None:
    """Write the title block that replaces the cover page of short briefings: sections then run on."""
    meta = ctx.meta
    line = writer.paragraph(writer.body, "Cover Organisation")
    pieces: list[Element] = []
    if meta.classification:
        marking = Look(style=writer.styles("Classification", "character"))
        pieces.append(writer.run(meta.classification, marking))
    pieces += [writer.run(text) for text in (meta.organisation, meta.date) if text]
    for index, piece in enumerate(pieces):
        if index:
            line.append(writer.run("\u2003"))
        line.append(piece)
    writer.paragraph(writer.body, "Title", text=meta.title)
    if meta.subtitle:
        writer.paragraph(writer.body, "Subtitle", text=meta.subtitle)
    if ctx.marking is not None:
        line = writer.paragraph(writer.body, "Cover Organisation")
        line.append(writer.run(writer.labels.copy_line(ctx.marking), _marking_look(writer)))
    elif ctx.presentation.distribution:
        line = writer.paragraph(writer.body, "Cover Organisation")
        line.append(writer.run(writer.labels.prepared_for_line(ctx.presentation.distribution)))
    writer.runs_on = True


def contents(writer: Writer, toc: Sequence[TocEntry]) -> None:
    """Write the table of contents: a TOC field whose result is already the list of headings.

    Page numbers are left to the word processor (they depend on its layout): updating the field in Word
    or LibreOffice adds them. Each entry links to its heading's bookmark.
    """
    if not toc:
        return
    writer.paragraph(writer.body, "TOC Heading", text=writer.labels.contents)
    for index, entry in enumerate(toc):
        p = writer.paragraph(writer.body, "toc 1" if entry.level == 1 else "toc 2")
        if index == 0:
            for r in oxml.field_begin('TOC \\o "1-2" \\h \\z \\u', writer.properties()):
                p.append(r)
        link = oxml.hyperlink(anchor=writer.bookmark_name(entry.anchor))
        link.append(writer.run(f"{entry.number}\t{entry.text}" if entry.number else entry.text))
        p.append(link)
        if index == len(toc) - 1:
            p.append(oxml.field_end(writer.properties()))


def header(writer: Writer, element: Element, meta: Meta) -> None:
    """Fill a page header: the brief's title."""
    _clear(element)
    p = oxml.paragraph(writer.styles("header"))
    p.append(writer.run(meta.title))
    element.append(p)


def footer(writer: Writer, element: Element, meta: Meta, marking: Marking | None = None) -> None:
    """Fill a page footer: the classification, a personal copy's marking in the middle, then the localized
    "page X of Y" at the right margin."""
    _clear(element)
    p = oxml.paragraph(writer.styles("footer"))
    stops = [oxml.el("w:tab", {"w:val": "right", "w:pos": writer.body.width})]
    if marking is not None:
        stops.insert(0, oxml.el("w:tab", {"w:val": "center", "w:pos": str(int(writer.body.width) // 2)}))
    tabs = oxml.el("w:tabs", children=stops)
    oxml.set_child(oxml.paragraph_properties(p), tabs, oxml.PPR_ORDER)
    if meta.classification:
        p.append(writer.run(meta.classification, Look(style=writer.styles("Classification", "character"))))
    if marking is not None:
        p.append(writer.run("\t" + writer.labels.copy_line(marking)))
    p.append(writer.run("\t"))
    for piece in re.split(r"(\{page\}|\{pages\})", writer.labels.page_of):
        if piece in ("{page}", "{pages}"):
            # The cached result is a placeholder: every word processor computes these when it lays out.
            result = [writer.run("1")]
            for r in oxml.field("PAGE" if piece == "{page}" else "NUMPAGES", result, writer.properties()):
                p.append(r)
        elif piece:
            p.append(writer.run(piece))
    element.append(p)


def _clear(element: Element) -> None:
    for child in list(element):
        element.remove(child)
