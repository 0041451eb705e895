"""Generate briefgen's built-in Word template, ``templates/reference.docx``, from python-docx's default one.

    python -m briefgen.renderers.docx.make_reference templates/reference.docx

The result is the house style of the DOCX and its page furniture:

- the styles: A4, the brand colours of the PDF stylesheet, Noto Sans for Latin text and the first Korean font
  of the stack, Korean-friendly line spacing, and every paragraph, character and table style the renderer
  names (see ``reference.PARAGRAPH_STYLES``);
- the cover page, a section of its own without header or footer, and the title block of briefings without
  a cover, written with Jinja placeholders (``{{ meta.title }}``, ``{{ branding.logo }}``…) as a Word user
  would type them, at the same places as in the PDF (templates/base.html.j2 and executive.html.j2);
- the running header (the logo and the header text) and footer (classification, footer text and a personal
  copy's marking, page X of Y);
- the paragraph ``{{ body }}``, where the briefing goes, followed by a specimen of the styles, so that
  opening the file in Word shows what each one looks like (the renderer replaces both with the briefing).

Running this twice gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from docx.shared import Mm

from briefgen.renderers.docx import house_style, oxml, package
from briefgen.renderers.docx.house_style import (
    CODE_FONT,
    INK,
    KOREAN_FONT,
    LATIN_FONT,
    TEXT_WIDTH,
)
from briefgen.renderers.docx.oxml import Element, qn
from briefgen.renderers.docx.reference import CHARACTER_STYLES, PARAGRAPH_STYLES, TABLE_STYLES

#: Styles of the page furniture (cover, title block, header, footer), beside those the body uses.
FURNITURE_PARAGRAPH_STYLES = (
    "Template Logic",
    "Title",
    "Subtitle",
    "Cover Marking",
    "Cover Organisation",
    "Cover Detail",
    "Cover Summary",
    "header",
    "footer",
)
FURNITURE_CHARACTER_STYLES = ("Cover Label", "Classification")

if TYPE_CHECKING:
    from docx.document import Document


def build() -> Document:
    """Return the reference document, styles and specimen body."""
    import docx

    doc = docx.Document()
    _page(doc)
    _defaults(doc)
    house_style.paragraph_styles(doc)
    house_style.character_styles(doc)
    house_style.table_styles(doc)
    house_style.bullets(doc)
    _settings(doc)
    _properties(doc)
    _specimen(doc)
    _furniture(doc)
    package.drop_parts(
        doc,
        "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml",
    )
    for rel_id, rel in list(doc.part.package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del doc.part.package.rels[rel_id]
    return doc


#: The date of the reference document's properties and zip entries.
STAMP = dt.date(2025, 1, 1)
#: What Word may use when a font is missing (w:altName): the Windows family at the end of each stack.
ALTERNATIVES = {LATIN_FONT: "Arial", KOREAN_FONT: "Malgun Gothic", CODE_FONT: "Consolas"}


def write(path: Path) -> None:
    """Write the reference document to ``path``."""
    doc = build()
    font_table = package.part_name(
        doc, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"
    )
    replace = {font_table: _font_table()} if font_table else {}
    path.write_bytes(package.to_bytes(doc, STAMP, replace))


# ---------------------------------------------------------------- page and defaults


def _page(doc: Document) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(22), Mm(20)
    section.left_margin = section.right_margin = Mm(20)
    section.header_distance = section.footer_distance = Mm(10)


def _defaults(doc: Document) -> None:
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(rpr):
        rpr.remove(child)
    rpr.append(
        oxml.el(
            "w:rFonts",
            {"w:ascii": LATIN_FONT, "w:hAnsi": LATIN_FONT, "w:eastAsia": KOREAN_FONT, "w:cs": LATIN_FONT},
        )
    )
    rpr.append(oxml.el("w:color", {"w:val": INK}))
    rpr.append(oxml.el("w:sz", {"w:val": 20}))
    rpr.append(oxml.el("w:szCs", {"w:val": 20}))
    rpr.append(oxml.lang("en-US", "ko-KR"))
    ppr = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    for child in list(ppr):
        ppr.remove(child)
    # Korean convention: the spaces are in the text; Word's automatic extra space between Hangul and Latin
    # letters or digits would open "139명" into "139 명".
    ppr.append(oxml.el("w:autoSpaceDE", {"w:val": 0}))
    ppr.append(oxml.el("w:autoSpaceDN", {"w:val": 0}))
    ppr.append(oxml.el("w:spacing", {"w:after": 0, "w:line": 264, "w:lineRule": "auto"}))
    # Theme fonts (Calibri, Cambria) would override the fonts above; the styles name none.
    for fonts_el in styles.iter(qn("w:rFonts")):
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts_el.attrib.pop(qn(attr), None)
        if not len(fonts_el.attrib):
            fonts_el.getparent().remove(fonts_el)


# ---------------------------------------------------------------- settings, properties, fonts


def _settings(doc: Document) -> None:
    settings = doc.settings.element
    for tag in ("w:rsids", "w:proofState", "w:savePreviewPicture", "w14:docId"):
        for found in settings.findall(qn(tag)):
            settings.remove(found)
    for setting in settings.iter(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")  # Word 2013 and later layout
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "ko-KR")
    for style in doc.styles.element.iter(qn("w:rsid")):
        style.getparent().remove(style)


def _properties(doc: Document) -> None:
    props = doc.core_properties
    props.title = "briefgen reference document"
    props.subject = "The styles of briefgen's DOCX output; edit them in Word to restyle every briefing."
    props.author = "briefgen"
    props.comments = ""
    props.last_modified_by = ""
    props.keywords = ""
    props.category = ""
    props.revision = 1
    when = dt.datetime(STAMP.year, STAMP.month, STAMP.day, tzinfo=dt.UTC)
    props.created = props.modified = when


def _font_table() -> bytes:
    charsets = {LATIN_FONT: "00", KOREAN_FONT: "81", CODE_FONT: "00"}
    families = {LATIN_FONT: "swiss", KOREAN_FONT: "swiss", CODE_FONT: "modern"}
    entries = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{ALTERNATIVES[name]}"/>'
        f'<w:charset w:val="{charsets[name]}"/><w:family w:val="{families[name]}"/>'
        f'<w:pitch w:val="{"fixed" if name == CODE_FONT else "variable"}"/>'
        "</w:font>"
        for name in (LATIN_FONT, KOREAN_FONT, CODE_FONT)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"{entries}</w:fonts>"
    ).encode()


# ---------------------------------------------------------------- specimen


def _specimen(doc: Document) -> None:
    """Fill the body with one example of each style, named after it."""
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    ids = {s.name.lower(): s.style_id or "" for s in doc.styles}

    def para(name: str, text: str) -> Element:
        p = oxml.paragraph(ids[name.lower()])
        p.append(oxml.run(text, None))
        oxml.append_block(body, p)
        return p

    para("Cover Marking", "Cover Marking")
    para("Cover Organisation", "Cover Organisation")
    para("Title", "Title")
    para("Subtitle", "Subtitle: what the reader gets from this briefing")
    para("Cover Detail", "Cover Detail\t(with the label in Cover Label)")
    para("TOC Heading", "TOC Heading")
    para("toc 1", "1\ttoc 1")
    para("toc 2", "1.1\ttoc 2")
    para("heading 1", "1\tHeading 1")
    para(
        "Body Text",
        "Body Text: paragraphs of the briefing. 본문 단락은 한국어 줄 간격에 맞춰 두었다. "
        "Edit the styles of this document in Word (Home, Styles) and save it as templates/reference.docx "
        "in a project to restyle every briefing built from it.",
    )
    para("heading 2", "1.1\tHeading 2")
    para("List Bullet", "List Bullet")
    para("List Bullet 2", "List Bullet 2")
    para("List Bullet 3", "List Bullet 3")
    para("Fallback Note", "Fallback Note: says that a section is shown in another language")
    para("Quote", "Quote")
    para("Quote Source", "— Quote Source")
    para("caption", "caption (above a table in Brief Table)")
    width = TEXT_WIDTH // 2
    tbl = oxml.table(ids["brief table"], [width, width], first_row=True, caption="Brief Table")
    for header, cells in ((True, ("Table Text", "Header row")), (False, ("Table Text", "1,234"))):
        tr = oxml.table_row(tbl, header=header)
        for index, text in enumerate(cells):
            tc = oxml.table_cell(tr, width)
            tc.append(oxml.paragraph(ids["table text"], align="right" if index else None))
            tc[-1].append(oxml.run(text, None))
    oxml.append_block(body, tbl)
    for box, title in (
        ("callout takeaway", "Callout Title"),
        ("callout warning", "Callout Warning Title"),
        ("section summary", None),
    ):
        para("Body Text", f"A table in the {box.title()} style:")
        tbl = oxml.table(ids[box], [TEXT_WIDTH], first_row=False)
        tc = oxml.table_cell(oxml.table_row(tbl), TEXT_WIDTH)
        for name in (title, "Callout", "Callout Bullet"):
            if name:
                tc.append(oxml.paragraph(ids[name.lower()]))
                tc[-1].append(oxml.run(name, None))
        oxml.append_block(body, tbl)
    para("Body Text", "A table in the Key Figures style:")
    tbl = oxml.table(ids["key figures"], [width, width], first_row=False)
    tr = oxml.table_row(tbl)
    for _ in range(2):
        tc = oxml.table_cell(tr, width)
        for name in ("Key Figure Value", "Key Figure Label", "Key Figure Note"):
            tc.append(oxml.paragraph(ids[name.lower()]))
            tc[-1].append(oxml.run(name, None))
    oxml.append_block(body, tbl)
    para("Chart", "Chart (a paragraph holding a chart's picture)")
    para("Chart Note", "Chart Note: the caption and source under a chart")
    para("Glossary Term", "Glossary Term")
    para("Glossary Definition", "Glossary Definition")
    p = para("Body Text", "Character styles: ")
    for name in (*CHARACTER_STYLES, *FURNITURE_CHARACTER_STYLES):
        p.append(oxml.run(name, oxml.run_properties(style=ids[name.lower()])))
        p.append(oxml.run(" ", None))
    para("footnote text", "footnote text")
    declared = {
        n.lower()
        for n in (
            *PARAGRAPH_STYLES,
            *CHARACTER_STYLES,
            *TABLE_STYLES,
            *FURNITURE_PARAGRAPH_STYLES,
            *FURNITURE_CHARACTER_STYLES,
        )
    }
    assert declared <= set(ids), sorted(declared - set(ids))


# ---------------------------------------------------------------- the page furniture, with placeholders

#: The frames of the logo placeholder pictures, in millimetres: on the cover (the PDF's max-width and
#: max-height) and in the running header (the PDF's height; the logo is fitted into the frame).
COVER_LOGO_MM = (60, 18)
HEADER_LOGO_MM = (30, 6)
#: Between the pieces of the title block's first line, as the PDF's gap.
EM_SPACE = "\u2003"

Piece = str | tuple[str, str] | Element


def _furniture(doc: Document) -> None:
    """Put the cover, the title block, ``{{ body }}``, the header and the footer before the specimen."""
    body = doc.element.body
    ids = {s.name.lower(): s.style_id or "" for s in doc.styles}
    specimen = [child for child in body if child.tag != qn("w:sectPr")]
    first = specimen[0]

    def para(style: str | None, *pieces: Piece) -> Element:
        p = oxml.paragraph(ids[style.lower()]) if style else oxml.el("w:p")
        for piece in pieces:
            if isinstance(piece, str):
                p.append(oxml.run(piece, None))
            elif isinstance(piece, tuple):
                p.append(oxml.run(piece[0], oxml.run_properties(style=ids[piece[1].lower()])))
            else:
                p.append(piece)
        first.addprevious(p)
        return p

    def when(condition: str) -> None:
        para("Template Logic", f"{{% if {condition} %}}")

    def end() -> None:
        para("Template Logic", "{% endif %}")

    # The cover: a page of its own (a section without header or footer), as in the PDF: the logo, the
    # marking once at the top right, the title block at a third of the page, the briefing in one
    # sentence, and the document's particulars in a frame at the foot of the page.
    when("include.cover")
    when("branding.logo")
    para("Cover Organisation", _logo_picture(doc, COVER_LOGO_MM))
    end()
    when("branding.classification")
    para("Cover Marking", "{{ branding.classification }}")
    end()
    when("branding.organisation")
    para("Cover Organisation", "{{ branding.organisation }}")
    end()
    para("Title", "{{ meta.title }}")
    when("meta.subtitle")
    para("Subtitle", "{{ meta.subtitle }}")
    end()
    when("meta.bottom_line")
    para("Cover Summary", "{{ meta.bottom_line }}")
    end()
    # a personal copy (briefgen batch): whom it is for and its number, under the title block
    when("marking")
    para("Cover Detail", ("{{ marking_line }}", "Classification"))
    end()
    details = (
        (None, '_("Date")', "{{ meta.date }}"),
        (
            "meta.document_number",
            '_("Document no.")',
            "{{ meta.document_number }}{% if meta.version %} · "
            '{{ _("Version %(version)s", version=meta.version) }}{% endif %}',
        ),
        ("meta.author", '_("Prepared by")', "{{ meta.author }}"),
        ("branding.prepared_for and not marking", '_("Prepared for")', "{{ branding.prepared_for }}"),
        ("meta.contact", '_("Contact")', "{{ meta.contact }}"),
        (None, '_("Scope")', "{{ scope }}"),
    )
    last = first
    for condition, label, value in details:
        if condition:
            when(condition)
        last = para("Cover Detail", (f"{{{{ {label} }}}}", "Cover Label"), "\t", value)
        # at the foot of the page, whatever the title block above takes: a frame aligned to the bottom
        # margin (consecutive paragraphs with the same frame share it)
        frame = oxml.el(
            "w:framePr",
            {
                "w:w": TEXT_WIDTH,
                "w:wrap": "around",
                "w:vAnchor": "margin",
                "w:hAnchor": "margin",
                "w:xAlign": "left",
                "w:yAlign": "bottom",
            },
        )
        oxml.set_child(oxml.paragraph_properties(last), frame, oxml.PPR_ORDER)
        if condition:
            end()
    # the section break is in a paragraph of its own, outside the frame (LibreOffice drops a frame that
    # holds it)
    last = para("Template Logic")
    cover = oxml.clone(body.sectPr)
    for ref in cover.findall(qn("w:headerReference")) + cover.findall(qn("w:footerReference")):
        cover.remove(ref)
    oxml.set_child(oxml.paragraph_properties(last), cover, oxml.PPR_ORDER)
    # The title block of a briefing without a cover; its sections follow on the same page.
    para("Template Logic", "{% else %}")
    para(
        "Cover Organisation",
        ("{{ branding.classification }}", "Classification"),
        "{% if branding.classification %}",
        EM_SPACE,
        "{% endif %}",
        "{{ branding.organisation }}",
        "{% if branding.organisation %}",
        EM_SPACE,
        "{% endif %}",
        "{{ meta.date }}",
    )
    para("Title", "{{ meta.title }}")
    when("meta.subtitle")
    para("Subtitle", "{{ meta.subtitle }}")
    end()
    when("marking")
    para("Cover Organisation", ("{{ marking_line }}", "Classification"))
    para("Template Logic", "{% elif branding.prepared_for %}")
    para("Cover Organisation", '{{ _("Prepared for: %(who)s", who=branding.prepared_for) }}')
    end()
    end()
    para("Body Text", "{{ body }}")
    para(
        "Fallback Note",
        "The briefing goes where the paragraph above is: the build replaces it, and everything below it "
        "(a specimen of the styles), with the contents and the sections.",
    )

    # Every page after the cover: the logo and the header text; classification, footer text, page X of Y.
    main = doc.sections[-1]
    main.header.is_linked_to_previous = False
    main.footer.is_linked_to_previous = False
    # The first page of the body has a header of its own: a briefing without a cover opens there with
    # its title block, and no header above it (as in the PDF); with a cover, it is the contents' page.
    main.different_first_page_header_footer = True
    for head, only_after_a_cover in ((main.header, False), (main.first_page_header, True)):
        head.is_linked_to_previous = False
        header = head.paragraphs[0]._p
        oxml.paragraph_properties(header).append(oxml.el("w:pStyle", {"w:val": ids["header"]}))
        pieces: list[str | Element] = [
            "{% if branding.logo %}",
            _logo_picture(doc, HEADER_LOGO_MM, head.part),
            "  ",
            "{% endif %}",
            "{{ branding.header }}",
        ]
        if only_after_a_cover:
            pieces = ["{% if include.cover %}", *pieces, "{% endif %}"]
        for piece in pieces:
            header.append(oxml.run(piece, None) if isinstance(piece, str) else piece)
    for foot in (main.footer, main.first_page_footer):
        foot.is_linked_to_previous = False
        footer = foot.paragraphs[0]._p
        oxml.paragraph_properties(footer).append(oxml.el("w:pStyle", {"w:val": ids["footer"]}))
        footer.append(
            oxml.run("{{ branding.classification }}", oxml.run_properties(style=ids["classification"]))
        )
        for piece in (
            "\t",
            "{{ branding.footer }}",
            "{% if branding.footer and marking %} · {% endif %}",
            "{{ marking_line }}",
            "\t",
            "{{ page_of }}",
        ):
            footer.append(oxml.run(piece, None))


def _logo_picture(doc: Document, box_mm: tuple[int, int], part: object = None) -> Element:
    """Return a run holding a grey placeholder picture whose alt text is ``{{ branding.logo }}``."""
    from docx.oxml.shape import CT_Inline

    story = part or doc.part
    rel_id, _ = story.get_or_add_image(io.BytesIO(_placeholder_png()))  # type: ignore[attr-defined]
    inline = CT_Inline.new_pic_inline(1, rel_id, "logo.png", Mm(box_mm[0]), Mm(box_mm[1]))
    inline.docPr.set("descr", "{{ branding.logo }}")
    inline.docPr.set("name", "Logo")
    return oxml.run(None, None, [oxml.el("w:drawing", children=[inline])])


def _placeholder_png(width: int = 300, height: int = 90) -> bytes:
    """A light grey box with a darker border, written without compression (the same bytes everywhere)."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            edge = x < 3 or y < 3 or x >= width - 3 or y >= height - 3
            row += bytes((0xB0, 0xB6, 0xBF) if edge else (0xE4, 0xE7, 0xEC))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 0))
        + chunk(b"IEND", b"")
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path("templates") / "reference.docx"
    write(target)
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
