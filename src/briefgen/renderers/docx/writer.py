"""Write the sections of a render context into a python-docx document: blocks, inline text, footnotes.

Every paragraph gets a named style from the reference document, and every run the edition's ``w:lang``.
Text arrives formatted; nothing here formats a number or parses markup.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from docx.opc.constants import RELATIONSHIP_TYPE as RT

from briefgen import markup, typography
from briefgen.charts import ChartView
from briefgen.context import (
    BulletsView,
    CalloutView,
    Figure,
    FootnoteRef,
    GlossaryView,
    HeadingView,
    ItemView,
    KeyFiguresView,
    LeadView,
    ParagraphView,
    QuoteView,
    SectionView,
    Spans,
    TableView,
    TimelineView,
    span_text,
)
from briefgen.renderers.docx import oxml
from briefgen.renderers.docx.oxml import Element
from briefgen.renderers.docx.package import new_footnote

if TYPE_CHECKING:
    from docx.opc.part import Part, XmlPart

    from briefgen.context import BlockView
    from briefgen.renderers.docx.labels import Labels
    from briefgen.renderers.docx.reference import Language, StyleSheet

#: Word's bookmark names: a letter or underscore, then letters, digits and underscores, at most 40.
_NOT_NAME = re.compile(r"[^A-Za-z0-9_]")
_CALLOUT_TABLES = {"takeaway": "Callout Takeaway", "note": "Callout Note", "warning": "Callout Warning"}
_LIST_STYLES = ("List Bullet", "List Bullet 2", "List Bullet 3")


@dataclass(frozen=True)
class Flow:
    """Where blocks go: a body, a table cell or a footnote, the part owning its links, its width."""

    element: Element
    part: Part
    width: int  # twips available to tables
    text_style: str = "Body Text"
    bullet_styles: tuple[str, ...] = _LIST_STYLES


@dataclass(frozen=True)
class Look:
    """Run formatting inherited by nested inline spans."""

    bold: bool = False
    italic: bool = False
    style: str | None = None
    underline: bool = False


#: Puts a picture into a paragraph: the paragraph, the image bytes, its width in twips, its alt text.
Picture = Callable[[Element, bytes, int, str], None]


class Writer:
    """Append a briefing to a document whose body has been emptied."""

    def __init__(
        self,
        body: Element,
        part: Part,
        notes: XmlPart,
        width: int,
        styles: StyleSheet,
        labels: Labels,
        language: Language,
        chart: Callable[[ChartView], bytes] | None = None,
        picture: Picture | None = None,
    ) -> None:
        self.body = Flow(body, part, width)
        self.draw_chart = chart
        self.picture = picture
        self.notes = notes
        self.styles = styles
        self.labels = labels
        self.language = language  # of the text being written: a stand-in section has its own
        self.bookmarks: dict[str, str] = {}
        self.bookmark_count = 0
        self.runs_on = False  # sections follow each other on a page (no cover page)
        self.new_page = False  # the next section starts a new page (after the contents)
        self.figures_per_row = 2  # key figures side by side (four in editions without a cover, as the PDF)
        self.page_fields = False  # the contents hold page fields: Word is to update fields on opening
        self.decimal = "."  # the edition's decimal separator, for numbers aligned on it

    # ------------------------------------------------------------ document parts

    def section(self, section: SectionView, language: Language) -> None:
        """Write a section: its numbered heading, its summary (boxed when a detail follows), its detail.

        ``language`` is the language of the section's text: the edition's, or the one standing in for it.
        """
        edition, self.language = self.language, language
        try:
            heading = self.heading(self.body, "heading 1", section.number, section.title, section.anchor)
            if self.runs_on or self.new_page:
                # sections run on (the reference's heading 1 may still say otherwise); the first after the
                # contents starts a page of its own
                oxml.set_child(
                    oxml.paragraph_properties(heading),
                    oxml.el("w:pageBreakBefore", {"w:val": int(self.new_page)}),
                    oxml.PPR_ORDER,
                )
                self.new_page = False
            if section.fallback_language:
                self.language = edition
                note = self.labels.fallback_note(section.fallback_language)
                self.paragraph(self.body, "Fallback Note", text=note)
                self.language = language
            if section.role == "theme" and section.summary and section.detail:
                box = self.box(self.body, "Section Summary")
                self.blocks(box, section.summary)
                self.close(box)
            else:
                self.blocks(self.body, section.summary)
            self.blocks(self.body, section.detail)
        finally:
            self.language = edition

    def blocks(self, flow: Flow, blocks: Sequence[BlockView]) -> None:
        """Write blocks in order; charts drawn two to a row (chart_columns: 2) share a row of a grid."""
        row: list[ChartView] = []
        for block in [*blocks, None]:
            if isinstance(block, ChartView) and block.columns == 2:
                row.append(block)
                if len(row) == 2:
                    self.chart_row(flow, row)
                    row = []
                continue
            if row:
                self.chart_row(flow, row)
                row = []
            if block is not None:
                self.block(flow, block)

    def lead(self, lead: LeadView) -> None:
        """Write the lead: the bottom line, the three biggest figures in a row, then the takeaways."""
        if lead.bottom_line:
            self.paragraph(self.body, "Bottom Line Label", text=self.labels.bottom_line)
            self.paragraph(self.body, "Bottom Line", lead.bottom_line)
        if lead.figures:
            # each as wide as its figure needs, as in the PDF's grid
            widths = column_widths(self.body.width, [[item.value] for item in lead.figures], (0.22, 0.5))
            tbl = oxml.table(self.styles("Chart Grid", "table"), widths, first_row=False, banded_rows=False)
            tr = oxml.table_row(tbl)
            for width, item in zip(widths, lead.figures, strict=True):
                tc = oxml.table_cell(tr, width)
                cell = Flow(tc, self.body.part, width - 2 * CELL_PADDING)
                self.paragraph(cell, "Lead Figure Value", text=self.figure_text(item.value))
                self.paragraph(cell, "Lead Figure Label", item.label)
            self.append_table(self.body, tbl)
        if lead.takeaways:
            self.callout(self.body, lead.takeaways)

    # ------------------------------------------------------------ blocks

    def block(self, flow: Flow, block: BlockView) -> None:
        if isinstance(block, ParagraphView):
            self.paragraph(flow, flow.text_style, block.text)
        elif isinstance(block, HeadingView):
            self.heading(flow, "heading 2", block.number, block.text, block.anchor)
        elif isinstance(block, BulletsView):
            self.bullets(flow, block.items, 0)
        elif isinstance(block, TableView):
            self.table(flow, block)
        elif isinstance(block, CalloutView):
            self.callout(flow, block)
        elif isinstance(block, TimelineView):
            self.timeline(flow, block)
        elif isinstance(block, QuoteView):
            self.paragraph(flow, "Quote", block.text)
            if block.source:
                p = self.paragraph(flow, "Quote Source", text="— ")
                self.inline(p, block.source, flow.part)
        elif isinstance(block, KeyFiguresView):
            self.key_figures(flow, block)
        elif isinstance(block, GlossaryView):
            for entry in block.items:
                self.paragraph(flow, "Glossary Term", entry.term)
                self.paragraph(flow, "Glossary Definition", entry.definition)
        elif isinstance(block, ChartView):
            self.chart(flow, block)
        else:  # pragma: no cover - the context has no other block types
            raise TypeError(type(block).__name__)

    def heading(self, flow: Flow, style: str, number: str, text: Spans, anchor: str) -> Element:
        p = self.paragraph(flow, style)
        start, end = oxml.bookmark(self.bookmark_count, self.bookmark_name(anchor))
        self.bookmark_count += 1
        p.append(start)
        if number:
            p.append(self.run(f"{number}\t"))
        self.inline(p, text, flow.part)
        p.append(end)
        return p

    def bullets(self, flow: Flow, items: Sequence[ItemView], depth: int) -> None:
        style = flow.bullet_styles[min(depth, len(flow.bullet_styles) - 1)]
        for item in items:
            self.paragraph(flow, style, item.text)
            if item.items:
                self.bullets(flow, item.items, depth + 1)

    def table(self, flow: Flow, block: TableView) -> None:
        """Write a table: its numbered caption with the unit at the right, the table as wide as its
        columns need, numbers aligned on the decimal separator, then its source."""
        columns = [[block.header[i], *(row[i] for row in block.rows)] for i in range(len(block.header))]
        texts = [[span_text(c) for c in column] for column in columns]
        widths = column_widths(flow.width, texts, fit=True)
        caption = self.paragraph(flow, "caption")
        self.caption_label(caption, "Table", block.number, block.anchor)
        if block.caption:
            caption.append(self.run(" "))
            self.inline(caption, block.caption, flow.part)
        if block.unit:
            stops = oxml.el("w:tabs", children=[oxml.el("w:tab", {"w:val": "right", "w:pos": sum(widths)})])
            oxml.set_child(oxml.paragraph_properties(caption), stops, oxml.PPR_ORDER)
            caption.append(self.run("\t"))
            unit = self.labels.unit_line(span_text(block.unit))
            caption.append(self.run(unit, Look(style=self.styles("Caption Unit", "character"))))
        title = span_text(block.caption) if block.caption else None
        tbl = oxml.table(
            self.styles("Brief Table", "table"), widths, first_row=True, caption=title, full_width=False
        )
        places = [
            typography.widest_fraction(column[1:], self.decimal) if block.align[i] == "right" else 0
            for i, column in enumerate(texts)
        ]
        for row, is_header in [(block.header, True)] + [(r, False) for r in block.rows]:
            tr = oxml.table_row(tbl, header=is_header)
            for index, cell in enumerate(row):
                tc = oxml.table_cell(tr, widths[index])
                align = block.align[index] if index < len(block.align) else "left"
                if places[index] and not is_header:
                    # a decimal tab stop lines the numbers up on their separator, the longest fraction
                    # ending at the cell's right padding; in a table cell Word and LibreOffice align a
                    # paragraph on its decimal tab without a tab character
                    p = oxml.paragraph(self.styles("Table Text"), align="left")
                    stop = widths[index] - 2 * CELL_PADDING - places[index] * DIGIT_WIDTH - 80
                    tabs = oxml.el("w:tabs", children=[oxml.el("w:tab", {"w:val": "decimal", "w:pos": stop})])
                    oxml.set_child(oxml.paragraph_properties(p), tabs, oxml.PPR_ORDER)
                else:
                    p = oxml.paragraph(self.styles("Table Text"), align=align)
                self.inline(p, cell, flow.part)
                tc.append(p)
        if block.source:
            oxml.append_block(flow.element, tbl)
            self.paragraph(flow, "Table Note", text=self.labels.source_line(span_text(block.source)))
        else:
            self.append_table(flow, tbl)

    def caption_label(self, p: Element, sequence: str, number: int, anchor: str) -> None:
        """Append "표 3" / "Table 3" with the number as Word's SEQ field, so Word can list the captions,
        inside the bookmark the list of tables or figures points to."""
        label = (self.labels.table_label if sequence == "Table" else self.labels.figure_label)("#")
        before, _, after = label.partition("#")
        look = Look(style=self.styles("Caption Label", "character"))
        start, end = oxml.bookmark(self.bookmark_count, self.bookmark_name(anchor))
        self.bookmark_count += 1
        p.append(start)
        if before:
            p.append(self.run(before, look))
        for r in oxml.field(
            f"SEQ {sequence} \\* ARABIC", [self.run(str(number), look)], self.properties(look.style)
        ):
            p.append(r)
        if after:
            p.append(self.run(after, look))
        p.append(end)

    def timeline(self, flow: Flow, block: TimelineView) -> None:
        dates = [self.labels.when, *(e.date for e in block.entries)]
        events = [self.labels.event, *(span_text(e.event) for e in block.entries)]
        widths = column_widths(flow.width, [dates, events], shares=(0.12, 0.6))
        tbl = oxml.table(self.styles("Brief Table", "table"), widths, first_row=True, first_column=True)
        rows: list[tuple[Spans, Spans, bool]] = [
            ((markup.Text(self.labels.when),), (markup.Text(self.labels.event),), True),
            *(((markup.Text(e.date),), e.event, False) for e in block.entries),
        ]
        for date, event, is_header in rows:
            tr = oxml.table_row(tbl, header=is_header)
            for index, spans in enumerate((date, event)):
                tc = oxml.table_cell(tr, widths[index])
                p = oxml.paragraph(self.styles("Table Text"))
                self.inline(p, spans, flow.part)
                tc.append(p)
        self.append_table(flow, tbl)

    def figure_text(self, text: str) -> str:
        """A formatted figure as text no line breaks inside (but before a converted amount)."""
        return typography.unbreakable(text)

    def key_figures(self, flow: Flow, block: KeyFiguresView) -> None:
        """Write key figures as a grid of cells, ``figures_per_row`` to a row (five that would leave one
        alone share a row); a short last row spans the rest of the grid."""
        per_row = (
            len(block.items) if len(block.items) == 5 and self.figures_per_row > 2 else self.figures_per_row
        )
        width = flow.width // per_row
        widths = [width] * (per_row - 1) + [flow.width - width * (per_row - 1)]
        tbl = oxml.table(self.styles("Key Figures", "table"), widths, first_row=False, banded_rows=False)
        for start in range(0, len(block.items), per_row):
            row = block.items[start : start + per_row]
            tr = oxml.table_row(tbl)
            for index, item in enumerate(row):
                last = index == len(row) - 1
                span = per_row - index if last else 1
                cell_width = sum(widths[index:]) if last else widths[index]
                tc = oxml.table_cell(tr, cell_width, span=span)
                cell = Flow(tc, flow.part, cell_width)
                value = "Key Figure Value" if per_row <= 2 else "Key Figure Value Compact"
                self.paragraph(cell, value, text=self.figure_text(item.value))
                self.paragraph(cell, "Key Figure Label", item.label)
                if item.as_of:
                    self.paragraph(cell, "Key Figure Note", text=self.labels.as_of(item.as_of))
        self.append_table(flow, tbl)

    def chart(self, flow: Flow, view: ChartView) -> None:
        """Write a chart: its numbered title over the picture (a PNG named by its alt text), its caption and
        source."""
        if self.draw_chart is None or self.picture is None:
            return
        # One paragraph that never splits, so that no word processor leaves the title behind.
        p = self.paragraph(flow, "Chart")
        self.caption_label(p, "Figure", view.number, view.anchor)
        p.append(self.run(f" {view.title}", Look(style=self.styles("Chart Title", "character"))))
        p.append(oxml.run(None, self.properties(), [oxml.el("w:br")]))
        # a chart drawn for half the column (chart_columns: 2) is shown at that size, its text as large as
        # in a full-width chart
        self.picture(p, self.draw_chart(view), flow.width // view.columns, view.alt)
        for r in p.iter(oxml.qn("w:r")):  # the picture's run gets the language like every other run
            if r.find(oxml.qn("w:rPr")) is None:
                r.insert(0, self.properties())
        source = self.labels.source_line(view.source) if view.source else None
        note = " ".join(text for text in (view.caption, source) if text)
        if note:
            self.paragraph(flow, "Chart Note", text=note)

    def chart_row(self, flow: Flow, views: Sequence[ChartView]) -> None:
        """Write charts side by side: a grid of one row, without lines, a chart and its note per cell."""
        width = flow.width // 2
        tbl = oxml.table(self.styles("Chart Grid", "table"), [width, flow.width - width], first_row=False)
        tr = oxml.table_row(tbl)
        for index, view in enumerate(views):
            tc = oxml.table_cell(tr, width if index == 0 else flow.width - width)
            self.chart(replace(flow, element=tc, width=flow.width), view)
            oxml.close_cell(tc, self.styles("Chart Note"))
        if len(views) == 1:
            oxml.close_cell(oxml.table_cell(tr, flow.width - width), self.styles("Chart Note"))
        self.append_table(flow, tbl)

    def callout(self, flow: Flow, block: CalloutView) -> None:
        box = self.box(flow, _CALLOUT_TABLES.get(block.kind, "Callout Note"))
        if block.title:
            self.paragraph(
                box, "Callout Warning Title" if block.kind == "warning" else "Callout Title", block.title
            )
        if block.text:
            self.paragraph(box, "Callout", block.text)
        if block.items:
            self.bullets(box, block.items, 0)
        self.close(box)

    def box(self, flow: Flow, table_style: str) -> Flow:
        """Open a one-cell table drawn as a box; blocks written to the returned flow go inside it."""
        tbl = oxml.table(self.styles(table_style, "table"), [flow.width], first_row=False, banded_rows=False)
        # a box may continue on the next page rather than leave most of this one empty
        tc = oxml.table_cell(oxml.table_row(tbl, can_split=True), flow.width)
        self.append_table(flow, tbl)
        inner = max(flow.width - 2 * 227 - 60, 1000)  # less the box's side padding and bar
        bullets = ("Callout Bullet", *_LIST_STYLES[1:])
        return replace(flow, element=tc, width=inner, text_style="Callout", bullet_styles=bullets)

    def close(self, box: Flow) -> None:
        oxml.close_cell(box.element, self.styles(box.text_style))

    def append_table(self, flow: Flow, tbl: Element) -> None:
        """Append a table and a small Spacer paragraph: the space below the table, which also keeps two
        tables in a row from joining into one."""
        oxml.append_block(flow.element, tbl)
        oxml.append_block(flow.element, oxml.paragraph(self.styles("Spacer")))

    # ------------------------------------------------------------ paragraphs and runs

    def paragraph(
        self, flow: Flow, style: str, spans: Spans | None = None, *, text: str | None = None
    ) -> Element:
        """Append a paragraph in a named style with inline ``spans`` or plain ``text``; return it."""
        p = oxml.paragraph(self.styles(style))
        if text:
            p.append(self.run(text))
        if spans:
            self.inline(p, spans, flow.part)
        oxml.append_block(flow.element, p)
        return p

    def inline(self, parent: Element, spans: Spans, part: Part, look: Look = Look()) -> None:
        """Append runs for inline spans: text, emphasis, code, links, figures and footnote marks."""
        for span in spans:
            if isinstance(span, Figure):
                parent.append(self.run(self.figure_text(span.text), look))
            elif isinstance(span, markup.Text):
                parent.append(self.run(span.text, look))
            elif isinstance(span, markup.Code):
                code = replace(look, style=self.styles("Inline Code", "character"))
                parent.append(self.run(span.text, code))
            elif isinstance(span, markup.Strong):
                self.inline(parent, span.children, part, replace(look, bold=True))  # type: ignore[arg-type]
            elif isinstance(span, markup.Emphasis):
                # Hangul, kana and Chinese characters have no italic: East Asian editions underline
                east_asian = self.language.east_asian_font is not None
                emphasis = replace(look, underline=True) if east_asian else replace(look, italic=True)
                self.inline(parent, span.children, part, emphasis)  # type: ignore[arg-type]
            elif isinstance(span, markup.Link):
                link = oxml.hyperlink(rel_id=part.relate_to(span.href, RT.HYPERLINK, is_external=True))
                self.inline(
                    link,
                    span.children,  # type: ignore[arg-type]
                    part,
                    replace(look, style=self.styles("Hyperlink", "character")),
                )
                parent.append(link)
            elif isinstance(span, FootnoteRef):
                if part is self.notes:  # Word has no notes inside notes: keep the text, in brackets
                    parent.append(self.run(" ("))
                    self.inline(parent, span.children, part, look)
                    parent.append(self.run(")"))
                else:
                    parent.append(self.footnote(span))

    def footnote(self, ref: FootnoteRef) -> Element:
        """Write note ``ref`` into the footnotes part; return the run that marks it in the text."""
        mark = self.properties(self.styles("footnote reference", "character"))
        note = new_footnote(self.notes, ref.number)
        p = oxml.paragraph(self.styles("footnote text"))
        p.append(
            oxml.run(
                None,
                oxml.run_properties(
                    style=self.styles("footnote reference", "character"), language=self.language.element()
                ),
                [oxml.el("w:footnoteRef")],
            )
        )
        p.append(self.run(" "))
        self.inline(p, ref.children, self.notes)
        note.append(p)
        return oxml.footnote_reference(ref.number, mark)

    def run(self, text: str, look: Look = Look()) -> Element:
        return oxml.run(text, self.properties(look.style, look.bold, look.italic, look.underline))

    def properties(
        self, style: str | None = None, bold: bool = False, italic: bool = False, underline: bool = False
    ) -> Element:
        return oxml.run_properties(
            style=style, bold=bold, italic=italic, underline=underline, language=self.language.element()
        )

    def bookmark_name(self, anchor: str) -> str:
        """Return the hidden bookmark name of a heading anchor, the same each time it is asked."""
        if anchor not in self.bookmarks:
            name = ("_Toc_" + _NOT_NAME.sub("_", anchor))[:36]
            taken = set(self.bookmarks.values())
            unique, n = name, 1
            while unique in taken:
                n += 1
                unique = f"{name}_{n}"
            self.bookmarks[anchor] = unique
        return self.bookmarks[anchor]


#: A table cell's padding on each side (the Brief Table style's 2.5 mm), and the width of a digit of
#: Table Text (9 pt), in twips: what a column of numbers needs besides its text.
CELL_PADDING = 142
DIGIT_WIDTH = 110
#: The width of a narrow letter of Table Text, in twips (wide East Asian letters count twice); a little
#: generous, since a table too narrow wraps numbers.
LETTER_WIDTH = 100
#: Room a fitted column keeps beyond its longest text: numbers lined up on the decimal separator move
#: left by the fraction a shorter one lacks.
SLACK = 400


def column_widths(
    total: int, columns: list[list[str]], shares: tuple[float, float] = (0.1, 0.7), fit: bool = False
) -> list[int]:
    """Share ``total`` twips between columns by the width of their longest text (wide letters count twice).

    No column gets less than ``shares[0]`` or more than ``shares[1]`` of the width (before rounding), so
    that a long cell wraps instead of starving its neighbours. With ``fit``, a table whose text needs less
    than ``total`` gets just what it needs (at least 60% of ``total``), so numbers stay near their labels.
    """
    if not columns:
        return []
    if fit:
        needed = [
            max((_display_width(t) for t in column), default=1) * LETTER_WIDTH + 2 * CELL_PADDING + SLACK
            for column in columns
        ]
        if sum(needed) <= total:
            least = int(total * 0.6)
            if sum(needed) < least:
                needed = [w + (least - sum(needed)) // len(needed) for w in needed]
            return needed
    low, high = total * shares[0], total * shares[1]
    longest = [max((_display_width(t) for t in column), default=1) or 1 for column in columns]
    weights = [math.sqrt(w) if w > 30 else w / math.sqrt(30) for w in longest]  # damp very long cells
    raw = [total * w / sum(weights) for w in weights]
    clamped = [min(max(w, low), high) for w in raw]
    scale = total / sum(clamped)
    widths = [int(w * scale) for w in clamped]
    widths[-1] += total - sum(widths)
    return widths


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
