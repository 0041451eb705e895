"""The frame around the sections: the Word template's page furniture, filled in, and the generated body.

The Word template (``reference.docx``) holds the cover (or the title block of a briefing without one), the
page headers and footers, all with Jinja placeholders (see ``placeholders``), and a paragraph ``{{ body }}``
where the briefing goes. This module fills the placeholders with one edition's values and writes the body,
the table of contents and the sections, in place of ``{{ body }}`` and whatever follows it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT

from briefgen.context import CaptionEntry, RenderContext, TocEntry
from briefgen.errors import Location, TemplateError
from briefgen.renderers.docx import oxml
from briefgen.renderers.docx.oxml import Element, qn
from briefgen.renderers.docx.placeholders import Fields, Placeholders, Where
from briefgen.renderers.docx.writer import Writer

if TYPE_CHECKING:
    from docx.document import Document

    from briefgen.renderers.docx.labels import Labels
    from briefgen.renderers.docx.reference import Language

BODY = re.compile(r"^\s*\{\{-?\s*body\s*-?\}\}\s*$")
_KINDS = {"default": "", "first": "first-page ", "even": "even-page "}


def template_values(ctx: RenderContext, words: Labels) -> dict[str, Any]:
    """Return what the placeholders of a Word template can name (documented in docs/docx.md)."""
    p = ctx.presentation
    return {
        "meta": ctx.meta,
        "branding": p.branding,
        "audience": p.edition,
        "include": p.include,
        "lang": ctx.lang,
        "brief": ctx.brief,
        "page": Fields((("field", "PAGE"),)),
        "pages": Fields((("field", "NUMPAGES"),)),
        "page_of": Fields.from_pattern(words.page_of),
        "scope": words.sections(ctx.meta.chapters),  # the chapters the contents number
        # a personal copy (briefgen batch): whom it is for, and its words from marking.j2; none otherwise
        "marking": ctx.marking,
        "marking_line": words.copy_line(ctx.marking) if ctx.marking else "",
    }


def fill_template(doc: Document, shown: str, placeholders: Placeholders) -> None:
    """Fill a Word template's placeholders: the document up to ``{{ body }}``, then its headers and footers.

    ``{{ body }}`` and everything after it (the specimen of the styles) is removed: the body goes there.
    """
    body = doc.element.body
    where = Where(shown, "word/document.xml", "the document: cover and title block")
    placeholders.prepare(body, where)
    anchors = [child for child in body if child.tag == qn("w:p") and BODY.match(_text(child))]
    if len(anchors) != 1:
        raise TemplateError(
            "the Word template has no paragraph {{ body }}, where the briefing goes"
            if not anchors
            else "the Word template has more than one paragraph {{ body }}",
            Location(shown),
            "write {{ body }} alone in a paragraph of the document, after the cover, in Word",
        )
    anchor = anchors[0]
    if anchor.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None:
        raise TemplateError(
            "the paragraph {{ body }} ends a section; the briefing would have no page setup",
            Location(shown),
            "put {{ body }} in the last section, after the section break",
        )
    for child in list(body)[list(body).index(anchor) :]:
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    placeholders.fill(body, doc.part, where)
    _drop_unused_furniture(doc)
    for part, what in furniture(doc):
        element = part.element
        part_where = Where(shown, str(part.partname).lstrip("/"), what)
        placeholders.prepare(element, part_where)
        placeholders.fill(element, part, part_where)


def furniture(doc: Document) -> list[tuple[Any, str]]:
    """Return the header and footer parts the sections use, in order, each with what it is."""
    found: dict[str, tuple[Any, str]] = {}
    for number, sect_pr in enumerate(doc.element.body.iter(qn("w:sectPr")), 1):
        for kind in ("header", "footer"):
            for ref in sect_pr.findall(qn(f"w:{kind}Reference")):
                rel_id = ref.get(qn("r:id"))
                if rel_id not in doc.part.rels or rel_id in found:
                    continue
                what = f"the {_KINDS.get(ref.get(qn('w:type')) or 'default', '')}{kind} of section {number}"
                found[rel_id] = (doc.part.rels[rel_id].target_part, what)
    return list(found.values())


def _drop_unused_furniture(doc: Document) -> None:
    """Forget header and footer parts no section refers to any more (a cover that was left out)."""
    used = {
        ref.get(qn("r:id")) for ref in doc.element.body.iter(qn("w:headerReference"), qn("w:footerReference"))
    }
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype in (RT.HEADER, RT.FOOTER) and rel_id not in used:
            del doc.part.rels[rel_id]


def _text(p: Element) -> str:
    return "".join(t.text or "" for t in p.iter(qn("w:t")))


def write(writer: Writer, ctx: RenderContext, language_of: Callable[[str], Language]) -> None:
    """Write the body: the table of contents, the lead (for editions that ask for one), every section."""
    # Without a cover page, the title block is on the first page and the sections run on after it.
    writer.runs_on = not ctx.presentation.include.cover
    writer.figures_per_row = 2 if ctx.presentation.include.cover else 4
    if ctx.presentation.include.toc:
        contents(writer, ctx.toc, ctx.captions if ctx.presentation.include.figure_list else ())
    if ctx.lead is not None:
        writer.lead(ctx.lead)
    for section in ctx.sections:
        lang = section.fallback_lang
        writer.section(section, language_of(lang) if lang else writer.language)


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
