"""The house style of briefgen's DOCX: the styles, table styles and bullets of the built-in reference.

Used by ``make_reference`` only; the renderer reads the styles from the reference document, never from here.
Colours are the default palette of audience profiles (and of the PDF's stylesheet), sizes and spacing
follow templates/css/brief.css.j2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml.ns import nsdecls
from docx.oxml.parser import parse_xml
from docx.shared import Length, Pt, RGBColor, Twips

from briefgen import fonts
from briefgen.audience import Palette
from briefgen.renderers.docx import oxml
from briefgen.renderers.docx.oxml import Element, qn

if TYPE_CHECKING:
    from docx.document import Document

# The default palette of audience profiles (and of templates/css/brief.css.j2); the renderer swaps these
# colours for an audience's own.
_PALETTE = {
    name: value.lstrip("#").upper()
    for name, value in Palette().model_dump().items()
    if isinstance(value, str)
}
BRAND = _PALETTE["brand"]
ACCENT = _PALETTE["accent"]
INK = _PALETTE["ink"]
MUTED = _PALETTE["muted"]
RULE = _PALETTE["rule"]
PANEL = _PALETTE["panel"]
TAKEAWAY = _PALETTE["takeaway"]
WARNING = _PALETTE["warning"]
STRIPE = "F8F9FB"

LATIN_FONT = fonts.STACKS["latin"][0]
KOREAN_FONT = fonts.stack_for("ko")[0]
CODE_FONT = "DejaVu Sans Mono"

TEXT_WIDTH = 9638  # twips: A4 (11906) less 20 mm margins on each side


def mm(value: float) -> int:
    """Return ``value`` millimetres in twips."""
    return round(value * 1440 / 25.4)


# ---------------------------------------------------------------- paragraph styles


def _style(
    doc: Document,
    name: str,
    kind: str = "paragraph",
    base: str | None = "Normal",
    style_id: str | None = None,
) -> Any:
    types = {"paragraph": WD_STYLE_TYPE.PARAGRAPH, "character": WD_STYLE_TYPE.CHARACTER}
    found = [s for s in doc.styles if s.name.lower() == name.lower() and s.type == types[kind]]
    if found:
        style = found[0]
    else:
        style = doc.styles.add_style(name, types[kind], builtin=name[0].islower() or name == "Hyperlink")
        if style_id:
            style.style_id = style_id
    if base and kind == "paragraph":
        style.base_style = doc.styles[base]
    style.quick_style = True
    style.hidden = False
    style.unhide_when_used = False
    return style


def _para(
    doc: Document,
    name: str,
    *,
    base: str | None = "Normal",
    style_id: str | None = None,
    size: float | None = None,
    bold: bool | None = None,
    italic: bool | None = None,
    color: str | None = None,
    before: int | None = None,
    after: int | None = None,
    line: float | Length | None = None,
    align: str | None = None,
    keep_next: bool | None = None,
    left: int | None = None,
    hanging: int | None = None,
    tabs: tuple[tuple[int, str], ...] = (),
    outline: int | None = None,
    page_break: bool | None = None,
    next_style: str | None = None,
    border: Element | None = None,
) -> Any:
    style = _style(doc, name, base=base, style_id=style_id)
    font, fmt = style.font, style.paragraph_format
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic
    if color is not None:
        font.color.rgb = RGBColor.from_string(color)
    if before is not None:
        fmt.space_before = Twips(before)
    if after is not None:
        fmt.space_after = Twips(after)
    if line is not None:
        fmt.line_spacing = line
    if align is not None:
        fmt.alignment = {
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "both": WD_ALIGN_PARAGRAPH.JUSTIFY,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
        }[align]
    if keep_next is not None:
        fmt.keep_with_next = keep_next
    if left is not None:
        fmt.left_indent = Twips(left)
    if hanging is not None:
        fmt.first_line_indent = Twips(-hanging)
    for position, kind in tabs:
        alignment = {"right": WD_TAB_ALIGNMENT.RIGHT, "center": WD_TAB_ALIGNMENT.CENTER}.get(
            kind.split()[0], WD_TAB_ALIGNMENT.LEFT
        )
        leader = WD_TAB_LEADER.DOTS if kind.endswith("dots") else WD_TAB_LEADER.SPACES
        fmt.tab_stops.add_tab_stop(Twips(position), alignment, leader)
    if page_break is not None:
        fmt.page_break_before = page_break
    ppr = style.element.get_or_add_pPr()
    if outline is not None:
        oxml.set_child(ppr, oxml.el("w:outlineLvl", {"w:val": outline}), oxml.PPR_ORDER)
    if border is not None:
        oxml.set_child(ppr, border, oxml.PPR_ORDER)
    if next_style:
        style.next_paragraph_style = doc.styles[next_style]
    return style


def _border(**sides: tuple[int, str, int]) -> Element:
    """``w:pBdr`` from sides given as (width in eighths of a point, colour, space in points)."""
    order = ("top", "left", "bottom", "right", "between")
    return oxml.el(
        "w:pBdr",
        children=[
            oxml.el(
                f"w:{side}",
                {
                    "w:val": "single",
                    "w:sz": sides[side][0],
                    "w:space": sides[side][2],
                    "w:color": sides[side][1],
                },
            )
            for side in order
            if side in sides
        ],
    )


def _dashed_box(colour: str) -> Element:
    return oxml.el(
        "w:pBdr",
        children=[
            oxml.el(f"w:{side}", {"w:val": "dashed", "w:sz": 8, "w:space": 4, "w:color": colour})
            for side in ("top", "left", "bottom", "right")
        ],
    )


def paragraph_styles(doc: Document) -> None:
    normal = _para(doc, "Normal", base=None)
    # Also in the document defaults; LibreOffice reads it from here only.
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        oxml.set_child(normal.element.get_or_add_pPr(), oxml.el(tag, {"w:val": 0}), oxml.PPR_ORDER)
    _para(doc, "Body Text", before=60, after=60, line=1.2, align="both", next_style="Body Text")
    # Cover
    # the marking once, at the top right; the title block at a third of the page
    marking = _para(
        doc, "Cover Marking", size=10, bold=True, color=ACCENT, before=mm(4), after=mm(52), align="right"
    )
    rpr = marking.element.get_or_add_rPr()
    oxml.set_child(rpr, oxml.el("w:spacing", {"w:val": 20}), oxml.RPR_ORDER)
    oxml.set_child(
        rpr,
        oxml.el("w:bdr", {"w:val": "single", "w:sz": 12, "w:space": 2, "w:color": ACCENT}),
        oxml.RPR_ORDER,
    )
    _para(doc, "Cover Organisation", size=11, color=MUTED, after=mm(5))
    title = _para(
        doc,
        "Title",
        size=26,
        bold=True,
        color=BRAND,
        before=0,
        after=mm(5),
        line=1.1,
        keep_next=True,
        align="left",
    )
    oxml.set_child(title.element.get_or_add_pPr(), _border(top=(24, BRAND, 18)), oxml.PPR_ORDER)
    for tag in ("w:spacing", "w:kern"):
        for found in title.element.get_or_add_rPr().findall(qn(tag)):
            found.getparent().remove(found)
    _para(doc, "Subtitle", size=14, italic=False, color=INK, before=0, after=mm(18), line=1.2)
    _para(
        doc,
        "Cover Detail",
        size=10,
        after=mm(1.5),
        tabs=((mm(32), "left"),),
        border=_border(top=(6, RULE, 12)),
    )
    # the briefing in one sentence, under the subtitle
    _para(
        doc,
        "Cover Summary",
        size=12,
        color=INK,
        before=mm(14),
        after=0,
        line=1.4,
        left=mm(5),
        align="left",
        border=_border(left=(24, BRAND, 12)),
    )
    # Contents
    _para(
        doc,
        "toc 1",
        style_id="TOC1",
        bold=True,
        before=mm(3),
        after=20,
        left=mm(8),
        hanging=mm(8),
        tabs=((mm(8), "left"), (TEXT_WIDTH, "right dots")),
        next_style="Body Text",
    )
    _para(
        doc,
        "toc 2",
        style_id="TOC2",
        size=9.5,
        before=0,
        after=20,
        left=mm(18),
        hanging=mm(10),
        tabs=((mm(18), "left"), (TEXT_WIDTH, "right dots")),
        next_style="Body Text",
    )
    # Headings: the number, a tab, the text. A section follows the one before it, 9 mm below (the PDF
    # starts a new page only when little of one is left; Word cannot make that choice); the first after
    # the contents starts a page (set by the renderer).
    _para(
        doc,
        "heading 1",
        size=16,
        bold=True,
        color=BRAND,
        before=mm(9),
        after=mm(4),
        line=1.1,
        keep_next=True,
        tabs=((mm(10), "left"),),
        outline=0,
        page_break=False,
        border=_border(bottom=(12, BRAND, 4)),
        next_style="Body Text",
    )
    _para(
        doc,
        "heading 2",
        size=12,
        bold=True,
        color=BRAND,
        before=mm(6),
        after=mm(2),
        line=1.1,
        keep_next=True,
        tabs=((mm(12), "left"),),
        outline=1,
        next_style="Body Text",
    )
    _para(
        doc,
        "heading 3",
        size=10.5,
        bold=True,
        color=BRAND,
        before=mm(4),
        after=mm(1),
        line=1.1,
        keep_next=True,
        outline=2,
        next_style="Body Text",
    )
    for level in range(1, 4):
        _para(doc, f"heading {level}", italic=False)
    _para(doc, "TOC Heading", base="heading 1", page_break=False, outline=9, next_style="toc 1")
    # Lists (the bullets and their indents are in the numbering definitions)
    # Running text is justified, as paragraphs are; text in boxes and notes is left-aligned
    for name in ("List Bullet", "List Bullet 2", "List Bullet 3"):
        _para(doc, name, before=0, after=40, line=1.2, align="both")
        contextual = doc.styles[name].element.get_or_add_pPr().find(qn("w:contextualSpacing"))
        if contextual is not None:
            contextual.getparent().remove(contextual)
    fallback = _para(
        doc,
        "Fallback Note",
        size=8.5,
        color=ACCENT,
        before=0,
        after=mm(3),
        line=1.2,
        border=_dashed_box(ACCENT),
    )
    fallback.paragraph_format.left_indent = Twips(mm(3))
    fallback.paragraph_format.right_indent = Twips(mm(3))
    # Quotes: upright, set off by the rule and indent (Hangul and kana have no italic)
    _para(
        doc,
        "Quote",
        italic=False,
        color="333333",
        before=mm(3),
        after=20,
        line=1.2,
        left=mm(5),
        keep_next=True,
        border=_border(left=(16, RULE, 10)),
    )
    _para(
        doc,
        "Quote Source",
        size=8.5,
        color=MUTED,
        before=0,
        after=mm(3),
        left=mm(5),
        border=_border(left=(16, RULE, 10)),
        next_style="Body Text",
    )
    # Tables
    _para(doc, "caption", size=9, bold=True, color=INK, before=mm(3), after=mm(1.5), keep_next=True)
    # Exact line height, so that Korean and Latin cells of a row share their baselines.
    _para(doc, "Table Text", size=9, before=0, after=0, line=Pt(14), align="left")
    _para(doc, "Spacer", size=5, before=0, after=0, line=Pt(6))
    # Charts: the title, a line break and the picture in one paragraph that never splits
    chart = _para(doc, "Chart", before=mm(3), after=mm(1), line=1.15, align="left")
    chart.paragraph_format.keep_together = True
    _para(doc, "Chart Note", size=8, color=MUTED, before=0, after=mm(4), line=1.15, align="left")
    _para(doc, "Table Note", size=8, color=MUTED, before=mm(1.2), after=mm(4), line=1.15, align="left")
    # Callouts and summaries (the box is the table style around them)
    _para(doc, "Callout", before=0, after=60, line=1.2, align="left")
    _para(doc, "Callout Title", bold=True, color=BRAND, before=0, after=mm(1.5), keep_next=True)
    _para(doc, "Callout Warning Title", base="Callout Title", color=ACCENT)
    _para(doc, "Callout Bullet", base="Callout", after=40, align="left")
    # Key figures
    _para(
        doc,
        "Key Figure Value",
        size=15,
        bold=True,
        color=BRAND,
        before=0,
        after=40,
        line=1.1,
        keep_next=True,
        border=_border(top=(20, BRAND, 8)),
    )
    _para(doc, "Key Figure Label", size=9, before=0, after=20, line=1.15)
    # four or five to a row, in editions without a cover (the PDF's executive panel)
    _para(doc, "Key Figure Value Compact", base="Key Figure Value", size=12)
    _para(doc, "Key Figure Note", size=7.5, color=MUTED, before=0, after=0)
    # The lead of editions that ask for one: the bottom line, the three biggest figures, the takeaways
    _para(doc, "Bottom Line Label", size=8, bold=True, color=ACCENT, before=mm(4), after=20, keep_next=True)
    _para(doc, "Bottom Line", size=13, bold=True, color=BRAND, before=0, after=mm(5), line=1.3, align="left")
    _para(doc, "Lead Figure Value", base="Key Figure Value", size=18, border=_border(top=(24, BRAND, 8)))
    _para(doc, "Lead Figure Label", size=9, before=0, after=0, line=1.15)
    # Glossary
    _para(doc, "Glossary Term", bold=True, color=BRAND, before=mm(2.5), after=20, keep_next=True)
    _para(doc, "Glossary Definition", before=0, after=40, line=1.2, left=mm(5), align="left")
    # The {% if %} lines of the Word template's cover: small and grey, so that the cover still fits its page
    # in Word; they never reach a briefing
    _para(doc, "Template Logic", size=6.5, color=MUTED, before=0, after=0, line=1.0, align="left")
    # Notes, header and footer
    _para(doc, "footnote text", style_id="FootnoteText", size=7.5, before=0, after=30, line=1.0)
    for name in ("header", "footer"):
        style = _para(doc, name, size=8, color=MUTED, before=0, after=0)
        style.paragraph_format.tab_stops.clear_all()
        # the footer: classification at the left, the footer text in the middle, the page at the right
        _para(doc, name, tabs=((TEXT_WIDTH // 2, "center"), (TEXT_WIDTH, "right")))


def character_styles(doc: Document) -> None:
    link = _style(doc, "Hyperlink", "character", style_id="Hyperlink")
    link.font.color.rgb = RGBColor.from_string(BRAND)
    note = _style(doc, "footnote reference", "character", style_id="FootnoteReference")
    note.font.superscript = True
    code = _style(doc, "Inline Code", "character", style_id="InlineCode")
    code.font.name = CODE_FONT
    code.font.size = Pt(9)
    label = _style(doc, "Cover Label", "character", style_id="CoverLabel")
    label.font.color.rgb = RGBColor.from_string(MUTED)
    title = _style(doc, "Chart Title", "character", style_id="ChartTitle")
    title.font.bold = True
    title.font.size = Pt(9.5)
    title.font.color.rgb = RGBColor.from_string(BRAND)
    label = _style(doc, "Caption Label", "character", style_id="CaptionLabel")
    label.font.bold = True
    label.font.color.rgb = RGBColor.from_string(BRAND)
    unit = _style(doc, "Caption Unit", "character", style_id="CaptionUnit")
    unit.font.bold = False
    unit.font.size = Pt(8)
    unit.font.color.rgb = RGBColor.from_string(MUTED)
    marking = _style(doc, "Classification", "character", style_id="Classification")
    marking.font.bold = True
    marking.font.color.rgb = RGBColor.from_string(ACCENT)


# ---------------------------------------------------------------- table styles


def _table_style(name: str, style_id: str, body: str) -> Element:
    return parse_xml(
        f'<w:style {nsdecls("w")} w:type="table" w:customStyle="1" w:styleId="{style_id}">'
        f'<w:name w:val="{name}"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="40"/><w:qFormat/>'
        f"{body}</w:style>"
    )


def _shade(fill: str) -> str:
    return f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'


def _margins(top: int, side: int, bottom: int) -> str:
    return (
        f'<w:tblCellMar><w:top w:w="{top}" w:type="dxa"/><w:left w:w="{side}" w:type="dxa"/>'
        f'<w:bottom w:w="{bottom}" w:type="dxa"/><w:right w:w="{side}" w:type="dxa"/></w:tblCellMar>'
    )


def _box(name: str, style_id: str, bar: str, fill: str) -> Element:
    """A one-cell table drawn as a shaded box with a coloured bar on the left."""
    return _table_style(
        name,
        style_id,
        (
            '<w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr>'
            "<w:tblPr><w:tblBorders>"
            f'<w:left w:val="single" w:sz="24" w:space="0" w:color="{bar}"/></w:tblBorders>'
            f"{_margins(mm(3), mm(4), mm(2))}</w:tblPr>"
            f"<w:tcPr>{_shade(fill)}</w:tcPr>"
        ),
    )


def table_styles(doc: Document) -> None:
    styles = doc.styles.element
    line = f'w:val="single" w:sz="4" w:space="0" w:color="{RULE}"'
    styles.append(
        _table_style(
            "Brief Table",
            "BriefTable",
            (
                '<w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr>'
                '<w:tblPr><w:tblStyleRowBandSize w:val="1"/>'
                f"<w:tblBorders><w:bottom {line}/><w:insideH {line}/></w:tblBorders>"
                f"{_margins(mm(1.5), mm(2.5), mm(1.5))}</w:tblPr>"
                '<w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:bCs/><w:color w:val="FFFFFF"/></w:rPr>'
                f"<w:tcPr>{_shade(BRAND)}</w:tcPr></w:tblStylePr>"
                '<w:tblStylePr w:type="firstCol">'
                f'<w:rPr><w:b/><w:bCs/><w:color w:val="{BRAND}"/></w:rPr></w:tblStylePr>'
                f'<w:tblStylePr w:type="band2Horz"><w:tcPr>{_shade(STRIPE)}</w:tcPr></w:tblStylePr>'
            ),
        )
    )
    gap = 'w:val="single" w:sz="48" w:space="0" w:color="FFFFFF"'
    styles.append(
        _table_style(
            "Key Figures",
            "KeyFigures",
            (
                '<w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr>'
                f"<w:tblPr><w:tblBorders><w:insideH {gap}/><w:insideV {gap}/></w:tblBorders>"
                f"{_margins(0, mm(4), mm(3))}</w:tblPr>"
                f"<w:tcPr>{_shade(PANEL)}</w:tcPr>"
            ),
        )
    )
    styles.append(
        _table_style(
            "Chart Grid",
            "ChartGrid",
            '<w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr>'
            f"<w:tblPr><w:tblBorders/>{_margins(0, 0, 0)}</w:tblPr>",
        )
    )
    styles.append(_box("Section Summary", "SectionSummary", BRAND, PANEL))
    styles.append(_box("Callout Takeaway", "CalloutTakeaway", BRAND, TAKEAWAY))
    styles.append(_box("Callout Note", "CalloutNote", BRAND, PANEL))
    styles.append(_box("Callout Warning", "CalloutWarning", ACCENT, WARNING))


# ---------------------------------------------------------------- bullets


def bullets(doc: Document) -> None:
    """Give each list style its own bullet and indent, in numbering definitions linked to the style."""
    numbering = doc.part.numbering_part.element
    for name, glyph, left in (
        ("List Bullet", "•", mm(5)),
        ("List Bullet 2", "◦", mm(10)),
        ("List Bullet 3", "▪", mm(15)),
        ("Callout Bullet", "•", mm(5)),
    ):
        style = doc.styles[name]
        abstract_id = 100 + len(numbering.findall(qn("w:abstractNum")))
        num_id = 100 + len(numbering.findall(qn("w:num")))
        level = oxml.el(
            "w:lvl",
            {"w:ilvl": 0},
            [
                oxml.el("w:start", {"w:val": 1}),
                oxml.el("w:numFmt", {"w:val": "bullet"}),
                oxml.el("w:pStyle", {"w:val": style.style_id}),
                oxml.el("w:lvlText", {"w:val": glyph}),
                oxml.el("w:lvlJc", {"w:val": "left"}),
                oxml.el(
                    "w:pPr",
                    children=[
                        oxml.el("w:tabs", children=[oxml.el("w:tab", {"w:val": "num", "w:pos": left})]),
                        oxml.el("w:ind", {"w:left": left, "w:hanging": mm(4)}),
                    ],
                ),
                oxml.el("w:rPr", children=[oxml.el("w:color", {"w:val": BRAND})]),
            ],
        )
        abstract = oxml.el(
            "w:abstractNum",
            {"w:abstractNumId": abstract_id},
            [oxml.el("w:multiLevelType", {"w:val": "singleLevel"}), level],
        )
        # Abstract definitions come before every w:num.
        first_num = numbering.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            numbering.append(abstract)
        numbering.append(
            oxml.el("w:num", {"w:numId": num_id}, [oxml.el("w:abstractNumId", {"w:val": abstract_id})])
        )
        ppr = style.element.get_or_add_pPr()
        oxml.set_child(
            ppr, oxml.el("w:numPr", children=[oxml.el("w:numId", {"w:val": num_id})]), oxml.PPR_ORDER
        )
