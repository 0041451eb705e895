"""Build the WordprocessingML elements python-docx has no API for: fields, bookmarks, hyperlinks, tables.

Each function builds one element and knows the schema's child order for it, in the manner of python-docx's
own ``oxml`` layer; the writer composes them. Nothing here knows about briefings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import cast, overload

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement as Element

__all__ = ["Element", "parse_xml", "qn"]

_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

#: Children of ``w:rPr`` in schema order (ISO/IEC 29500-1 §17.3.2.28), for inserting in the right place.
RPR_ORDER = (
    "w:rStyle",
    "w:rFonts",
    "w:b",
    "w:bCs",
    "w:i",
    "w:iCs",
    "w:caps",
    "w:smallCaps",
    "w:strike",
    "w:dstrike",
    "w:outline",
    "w:shadow",
    "w:emboss",
    "w:imprint",
    "w:noProof",
    "w:snapToGrid",
    "w:vanish",
    "w:webHidden",
    "w:color",
    "w:spacing",
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
)
#: Children of ``w:pPr`` in schema order (§17.3.1.26).
PPR_ORDER = (
    "w:pStyle",
    "w:keepNext",
    "w:keepLines",
    "w:pageBreakBefore",
    "w:framePr",
    "w:widowControl",
    "w:numPr",
    "w:suppressLineNumbers",
    "w:pBdr",
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def el(tag: str, attrs: Mapping[str, str | int] | None = None, children: Iterable[Element] = ()) -> Element:
    """Return a new element ``tag`` (``"w:tab"``) with ``attrs`` (``{"w:val": "left"}``) and children."""
    element = cast(Element, OxmlElement(tag))
    for name, value in (attrs or {}).items():
        element.set(qn(name), str(value))
    for child in children:
        element.append(child)
    return element


@overload
def clone(element: Element) -> Element: ...
@overload
def clone(element: None) -> None: ...
def clone(element: Element | None) -> Element | None:
    """Return a deep copy of an element (None stays None)."""
    if element is None:
        return None
    return parse_xml(element.xml)


def set_child(parent: Element, child: Element, order: tuple[str, ...]) -> Element:
    """Put ``child`` into ``parent`` in schema order, replacing a child with the same tag."""
    tag = child.tag
    for old in parent.findall(tag):
        parent.remove(old)
    names = [qn(name) for name in order]
    position = names.index(tag) if tag in names else len(names)
    for index, existing in enumerate(parent):
        if existing.tag in names and names.index(existing.tag) > position:
            parent.insert(index, child)
            return child
    parent.append(child)
    return child


def get_or_add(parent: Element, tag: str, order: tuple[str, ...]) -> Element:
    """Return the child ``tag`` of ``parent``, added in schema order if missing."""
    found = parent.find(qn(tag))
    if found is not None:
        return cast(Element, found)
    return set_child(parent, el(tag), order)


# ---------------------------------------------------------------- runs


def lang(val: str, east_asia: str) -> Element:
    """``w:lang``: the language of Latin text (``val``) and of East Asian text (``east_asia``)."""
    return el("w:lang", {"w:val": val, "w:eastAsia": east_asia})


def run_properties(
    *,
    style: str | None = None,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    language: Element | None = None,
) -> Element:
    """``w:rPr`` with a character style, bold, italic and underline toggles and a language."""
    children: list[Element] = []
    if style:
        children.append(el("w:rStyle", {"w:val": style}))
    if bold:
        children += [el("w:b"), el("w:bCs")]
    if italic:
        children += [el("w:i"), el("w:iCs")]
    if underline:
        children.append(el("w:u", {"w:val": "single"}))
    if language is not None:
        children.append(language)
    return el("w:rPr", children=children)


def run(text: str | None, properties: Element | None, content: Iterable[Element] = ()) -> Element:
    """``w:r`` holding ``text`` (tabs become ``w:tab``) or other run ``content``."""
    r = el("w:r")
    if properties is not None and len(properties):
        r.append(properties)
    for child in content:
        r.append(child)
    if text:
        for index, piece in enumerate(text.split("\t")):
            if index:
                r.append(el("w:tab"))
            if piece:
                t = el("w:t")
                t.text = piece
                if piece != piece.strip():
                    t.set(_XML_SPACE, "preserve")
                r.append(t)
    return r


def field(instruction: str, result: Iterable[Element], properties: Element | None) -> list[Element]:
    """Return the runs of a complex field: its instruction and the result a reader sees before any update."""

    def char(kind: str) -> Element:
        return run(None, clone(properties), [el("w:fldChar", {"w:fldCharType": kind})])

    instr = el("w:instrText")
    instr.text = f" {instruction} "
    instr.set(_XML_SPACE, "preserve")
    return [char("begin"), run(None, clone(properties), [instr]), char("separate"), *result, char("end")]


def field_begin(instruction: str, properties: Element | None) -> list[Element]:
    """Return the opening runs of a field whose result spans several paragraphs (a table of contents)."""
    return field(instruction, [], properties)[:3]


def field_end(properties: Element | None) -> Element:
    """Return the closing run of a field opened with :func:`field_begin`."""
    return run(None, clone(properties), [el("w:fldChar", {"w:fldCharType": "end"})])


def footnote_reference(number: int, properties: Element) -> Element:
    """``w:r`` marking footnote ``number`` in the text."""
    return run(None, properties, [el("w:footnoteReference", {"w:id": number})])


def bookmark(number: int, name: str) -> tuple[Element, Element]:
    """Return the start and end of bookmark ``name``."""
    return (el("w:bookmarkStart", {"w:id": number, "w:name": name}), el("w:bookmarkEnd", {"w:id": number}))


def hyperlink(*, rel_id: str | None = None, anchor: str | None = None) -> Element:
    """``w:hyperlink`` to an external address (a relationship id) or to a bookmark in the document."""
    link = el("w:hyperlink", {"w:history": "1"})
    if rel_id:
        link.set(qn("r:id"), rel_id)
    if anchor:
        link.set(qn("w:anchor"), anchor)
    return link


# ---------------------------------------------------------------- paragraphs


def paragraph(style_id: str, *, align: str | None = None) -> Element:
    """``w:p`` in a paragraph style, optionally aligned (``right``, ``center``)."""
    ppr = el("w:pPr", children=[el("w:pStyle", {"w:val": style_id})])
    if align and align != "left":
        ppr.append(el("w:jc", {"w:val": "right" if align == "right" else "center"}))
    return el("w:p", children=[ppr])


def paragraph_properties(p: Element) -> Element:
    """Return the ``w:pPr`` of a paragraph, added if missing."""
    found = p.find(qn("w:pPr"))
    if found is None:
        found = el("w:pPr")
        p.insert(0, found)
    return cast(Element, found)


def append_block(container: Element, block: Element) -> None:
    """Append a paragraph or table to a body, cell, header or note, keeping a body's ``w:sectPr`` last."""
    last = container[-1] if len(container) else None
    if last is not None and last.tag == qn("w:sectPr"):
        last.addprevious(block)
    else:
        container.append(block)


# ---------------------------------------------------------------- tables


def table(
    style_id: str,
    widths: list[int],
    *,
    first_row: bool,
    first_column: bool = False,
    banded_rows: bool = True,
    caption: str | None = None,
    full_width: bool = True,
) -> Element:
    """``w:tbl`` in a table style with fixed column ``widths`` (twips) and no rows yet: as wide as the
    text, or (``full_width`` False) as wide as its columns.

    ``first_row``/``first_column``/``banded_rows`` say which parts of the table style apply (``w:tblLook``).
    ``caption`` is the table's title for screen readers.
    """
    bits = (0x20 if first_row else 0) | (0x80 if first_column else 0) | (0 if banded_rows else 0x200) | 0x400
    look: dict[str, str | int] = {
        "w:firstRow": int(first_row),
        "w:lastRow": 0,
        "w:firstColumn": int(first_column),
        "w:lastColumn": 0,
        "w:noHBand": int(not banded_rows),
        "w:noVBand": 1,
        "w:val": f"{bits:04X}",
    }
    props = [
        *([el("w:tblStyle", {"w:val": style_id})] if style_id else []),
        el("w:tblW", {"w:w": 5000, "w:type": "pct"} if full_width else {"w:w": sum(widths), "w:type": "dxa"}),
        el("w:tblLayout", {"w:type": "fixed"}),
        el("w:tblLook", look),
    ]
    if caption:
        props.append(el("w:tblCaption", {"w:val": caption[:255]}))
    grid = el("w:tblGrid", children=[el("w:gridCol", {"w:w": w}) for w in widths])
    return el("w:tbl", children=[el("w:tblPr", children=props), grid])


def table_row(tbl: Element, *, header: bool = False, can_split: bool = False) -> Element:
    """Append a ``w:tr`` that never splits across pages (unless ``can_split``); a ``header`` row repeats on
    every page."""
    props = [] if can_split else [el("w:cantSplit")]
    if header:
        props.append(el("w:tblHeader"))
    tr = el("w:tr", children=[el("w:trPr", children=props)])
    tbl.append(tr)
    return tr


def table_cell(tr: Element, width: int, *, span: int = 1) -> Element:
    """Append a ``w:tc`` of ``width`` twips spanning ``span`` grid columns; the caller fills it."""
    props = [el("w:tcW", {"w:w": width, "w:type": "dxa"})]
    if span > 1:
        props.append(el("w:gridSpan", {"w:val": span}))
    tc = el("w:tc", children=[el("w:tcPr", children=props)])
    tr.append(tc)
    return tc


def close_cell(tc: Element, style_id: str) -> None:
    """Make a cell valid for Word: it must end with a paragraph (not a nested table) and not be empty."""
    if tc[-1].tag != qn("w:p"):
        tc.append(paragraph(style_id))
