"""The frame around the sections: cover page or title block, contents, page header and footer.

The words come from the labels (the gettext catalogues); the look from the reference document's styles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from briefgen.context import CaptionEntry, Meta, RenderContext, TocEntry
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
        contents(writer, ctx.toc, ctx.captions if include.figure_list else ())
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
    details = [
        (writer.labels.date, meta.date),
        (writer.labels.prepared_by, meta.author),
        (writer.labels.prepared_for, presentation.distribution),
        (writer.labels.classification, meta.classification),
        (writer.labels.scope, writer.labels.sections(len(ctx.sections))),
    ]
    for label, value in details:
        if value:
            last = writer.paragraph(flow, "Cover Detail")
            last.append(writer.run(label, Look(style=writer.styles("Cover Label", "character"))))
            last.append(writer.run(f"\t{value}"))
    return last


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
    if ctx.presentation.distribution:
        line = writer.paragraph(writer.body, "Cover Organisation")
        line.append(writer.run(writer.labels.prepared_for_line(ctx.presentation.distribution)))
    writer.runs_on = True


def contents(writer: Writer, toc: Sequence[TocEntry], captions: Sequence[CaptionEntry] = ()) -> None:
    """Write the table of contents, and the lists of tables and figures when ``captions`` are given.

    Each entry links to its heading's (or caption's) bookmark and ends with a PAGEREF field at the right
    margin: a word processor computes the page when it lays the document out (LibreOffice at once; Word
    when the fields are updated, which it offers on opening). The entries are not wrapped in a TOC field:
    LibreOffice keeps a TOC field's stored text, page fields included, until the reader updates it.
    """
    if not toc:
        return
    writer.paragraph(writer.body, "TOC Heading", text=writer.labels.contents)
    for entry in toc:
        p = writer.paragraph(writer.body, "toc 1" if entry.level == 1 else "toc 2")
        # an entry without a number starts where numbered ones' text does, as in the PDF
        _entry(writer, p, f"{entry.number}\t{entry.text}", entry.anchor)
    for kind, title in (("table", writer.labels.list_of_tables), ("figure", writer.labels.list_of_figures)):
        entries = [c for c in captions if c.kind == kind]
        if entries:
            writer.paragraph(writer.body, "toc 1", text=title)
            label = writer.labels.table_label if kind == "table" else writer.labels.figure_label
            for caption in entries:
                p = writer.paragraph(writer.body, "toc 2")
                _entry(writer, p, f"{label(str(caption.number))}\t{caption.text}", caption.anchor)
    writer.new_page = True
    writer.page_fields = True


def _entry(writer: Writer, p: Element, text: str, anchor: str) -> None:
    """Fill a contents entry: a link to the bookmark, holding the text, a tab and the page field."""
    name = writer.bookmark_name(anchor)
    link = oxml.hyperlink(anchor=name)
    link.append(writer.run(f"{text}\t"))
    # the stored result is empty: a page number guessed without Word's layout could be wrong
    for r in oxml.field(f"PAGEREF {name} \\h", [], writer.properties()):
        link.append(r)
    p.append(link)


def header(writer: Writer, element: Element, meta: Meta) -> None:
    """Fill a page header: the brief's title."""
    _clear(element)
    p = oxml.paragraph(writer.styles("header"))
    p.append(writer.run(meta.title))
    element.append(p)


def footer(writer: Writer, element: Element, meta: Meta) -> None:
    """Fill a page footer: the classification, then the localized "page X of Y" at the right margin."""
    _clear(element)
    p = oxml.paragraph(writer.styles("footer"))
    tabs = oxml.el("w:tabs", children=[oxml.el("w:tab", {"w:val": "right", "w:pos": writer.body.width})])
    oxml.set_child(oxml.paragraph_properties(p), tabs, oxml.PPR_ORDER)
    if meta.classification:
        p.append(writer.run(meta.classification, Look(style=writer.styles("Classification", "character"))))
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
