"""Build the render context: everything a template or renderer needs for one edition, already formatted.

Pure: (model, language) in, plain frozen data out. Fact references become their formatted text, footnotes
are numbered, theme sections and their sub-headings are numbered, and the table of contents is listed.
Renderers (HTML/PDF and DOCX) read only this.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Union, cast

from babel import Locale

from briefgen import markup, typography
from briefgen.audience import (
    Audience,
    AudienceProfile,
    Include,
    Palette,
    brand_logo,
    localized,
    whole_briefing,
)
from briefgen.charts import ChartView, build_chart_view
from briefgen.i18n import Formatter, catalog
from briefgen.images import Picture
from briefgen.model import Block as ModelBlock
from briefgen.model import (
    Brief,
    BulletItem,
    Bullets,
    Callout,
    Chart,
    DateFact,
    Glossary,
    Heading,
    KeyFigures,
    Money,
    Paragraph,
    Quantity,
    Quote,
    Section,
    Table,
    Timeline,
    find_rate,
)

# ---------------------------------------------------------------- inline text, resolved


@dataclass(frozen=True)
class Figure:
    """A fact, formatted: what the reader sees where the prose says ``{key}``."""

    key: str
    text: str


@dataclass(frozen=True)
class FootnoteRef:
    """A footnote mark, with the note's text for renderers that place notes themselves."""

    number: int
    children: tuple[Span, ...]


Span = Union[markup.Text, markup.Code, markup.Strong, markup.Emphasis, markup.Link, Figure, FootnoteRef]  # noqa: UP007
Spans = tuple[Span, ...]


def span_text(spans: Spans) -> str:
    """Return what a reader sees of some spans, without markup or footnote marks."""
    out: list[str] = []
    for span in spans:
        if isinstance(span, markup.Text | markup.Code | Figure):
            out.append(span.text)
        elif isinstance(span, markup.Strong | markup.Emphasis | markup.Link):
            out.append(span_text(cast(Spans, span.children)))  # resolved: their children are spans too
    return "".join(out)


def span_figures(spans: Spans) -> list[str]:
    """Return the formatted figures in some spans, footnotes included, in reading order."""
    out: list[str] = []
    for span in spans:
        if isinstance(span, Figure):
            out.append(span.text)
        elif isinstance(span, markup.Strong | markup.Emphasis | markup.Link | FootnoteRef):
            out.extend(span_figures(cast(Spans, span.children)))
    return out


# ---------------------------------------------------------------- blocks, resolved


@dataclass(frozen=True)
class ParagraphView:
    text: Spans
    type: str = "paragraph"


@dataclass(frozen=True)
class HeadingView:
    number: str  # "3.1", or "" in unnumbered sections
    text: Spans
    anchor: str
    type: str = "heading"


@dataclass(frozen=True)
class ItemView:
    text: Spans
    items: tuple[ItemView, ...] = ()


@dataclass(frozen=True)
class BulletsView:
    items: tuple[ItemView, ...]
    type: str = "bullets"


@dataclass(frozen=True)
class TableView:
    caption: Spans | None
    header: tuple[Spans, ...]
    rows: tuple[tuple[Spans, ...], ...]
    align: tuple[str, ...]
    type: str = "table"
    unit: Spans | None = None  # what its figures measure, said once ("달러")
    source: Spans | None = None
    number: int = 0  # "Table 2": its number in the edition
    anchor: str = ""  # its id, for the list of tables


@dataclass(frozen=True)
class CalloutView:
    kind: str
    title: Spans | None
    text: Spans | None
    items: tuple[ItemView, ...]
    type: str = "callout"


@dataclass(frozen=True)
class TimelineEntryView:
    date: str
    event: Spans


@dataclass(frozen=True)
class TimelineView:
    entries: tuple[TimelineEntryView, ...]
    type: str = "timeline"


@dataclass(frozen=True)
class QuoteView:
    text: Spans
    source: Spans | None
    type: str = "quote"


@dataclass(frozen=True)
class KeyFigureView:
    value: str
    label: Spans
    as_of: str | None


@dataclass(frozen=True)
class KeyFiguresView:
    items: tuple[KeyFigureView, ...]
    type: str = "key_figures"


@dataclass(frozen=True)
class GlossaryEntryView:
    term: Spans
    definition: Spans


@dataclass(frozen=True)
class GlossaryView:
    items: tuple[GlossaryEntryView, ...]
    type: str = "glossary"


BlockView = Union[  # noqa: UP007
    ParagraphView,
    HeadingView,
    BulletsView,
    TableView,
    CalloutView,
    TimelineView,
    QuoteView,
    KeyFiguresView,
    GlossaryView,
    ChartView,
]


@dataclass(frozen=True)
class SectionView:
    id: str
    role: str
    number: str  # "3" for theme sections, "" otherwise
    title: Spans
    anchor: str
    summary: tuple[BlockView, ...]
    detail: tuple[BlockView, ...]
    #: set when the section is not translated and the default language's text stands in: that language
    fallback_lang: str | None = None
    fallback_language: str | None = (
        None  # its name, in the edition's language ("한국어" in a Japanese edition)
    )

    @property
    def blocks(self) -> tuple[BlockView, ...]:
        return self.summary + self.detail


@dataclass(frozen=True)
class TocEntry:
    level: int  # 1 for sections, 2 for sub-headings
    number: str
    text: str
    anchor: str


@dataclass(frozen=True)
class LeadView:
    """The opening of an edition that asks for a lead: the bottom line, the three biggest figures, then
    the takeaways. The figures and the takeaways are moved here from the sections, not repeated."""

    bottom_line: Spans | None
    figures: tuple[KeyFigureView, ...]  # the first three of the key figures
    takeaways: CalloutView | None  # the executive summary's takeaway box


@dataclass(frozen=True)
class CaptionEntry:
    """A numbered table or figure, for the lists of tables and figures."""

    kind: str  # "table" or "figure"
    number: int
    text: str  # its caption or title, plain
    anchor: str


@dataclass(frozen=True)
class Meta:
    title: str
    subtitle: str | None
    date: str  # formatted for the language
    date_iso: str  # YYYY-MM-DD
    created: (
        str  # when the document counts as made, ISO 8601 in UTC: SOURCE_DATE_EPOCH, else the brief's date
    )
    organisation: str | None
    author: str | None
    classification: str | None
    keywords: tuple[str, ...]
    document_number: str | None = None
    version: str | None = None
    contact: str | None = None
    bottom_line: str | None = None  # the briefing in one sentence, as text (the lead has it as spans)
    chapters: int = 0  # how many numbered chapters the edition has (what the contents number)


@dataclass(frozen=True)
class BrandingView:
    """An edition's branding, resolved for its language: what every format shows, at the same places.

    The cover (or the title block of a briefing without one) shows the logo, classification, organisation
    and "Prepared for" line; every other page has the running header (logo and ``header``) and footer
    (classification, ``footer``, page number). See docs/customizing.md.
    """

    organisation: str | None  # the audience's, else the brief's (the same as meta.organisation)
    classification: str | None  # the audience's, else the brief's (the same as meta.classification)
    prepared_for: str | None  # who the edition is for: "the executive committee"
    header: str  # the running header's text: the audience's, else the brief's title
    footer: str | None  # a text in the middle of every footer
    logo: Picture | None  # read and checked when the profile was loaded
    palette: dict[str, str]  # colour name -> #rrggbb: brand, accent, ink, muted, rule, panel…


@dataclass(frozen=True)
class AudienceView:
    """Which edition this is, for templates (mail, Word): the audience's name and title in its language."""

    name: str | None  # "executive"; None for the whole briefing
    title: str | None  # "경영진 브리핑", "Executive briefing"; None for the whole briefing


@dataclass(frozen=True)
class Presentation:
    """How this edition is presented: the audience's choices, branding and page."""

    audience: str | None  # the profile's name; None for the default briefing
    label: str | None  # the profile's title in this language, e.g. "경영진 브리핑"
    include: Include
    branding: BrandingView
    page_size: str
    margins: str
    template: str
    reference_docx: str | None
    body_font: str | None = None  # a Latin family before the language's own stack (branding.fonts.body)
    heading_font: str | None = None  # the same for headings and the title (branding.fonts.headings)

    @property
    def edition(self) -> AudienceView:
        """The audience of this edition, as templates see it (``audience.name``, ``audience.title``)."""
        return AudienceView(self.audience, self.label)


@dataclass(frozen=True)
class Marking:
    """Whose copy a document is: shown on its cover or first page, in the running footer and the metadata.

    The templates write the words ("Prepared for Kim, Acme · Copy 7 of 40", from the catalogue); this holds
    the facts, numbers already formatted for the edition's language.
    """

    name: str
    organisation: str | None
    copy: str  # this copy's number: "7"
    copies: str  # how many copies the distribution has: "40"
    code: str  # a short code that names this copy in the distribution log: "7K3Q-M2XA"
    watermark: bool = False  # also a light diagonal watermark on every page of the PDF


@dataclass(frozen=True)
class RenderContext:
    """One edition of a brief, ready to render."""

    brief: str  # the project's brief name, used in output names
    lang: str
    meta: Meta
    sections: tuple[SectionView, ...]
    toc: tuple[TocEntry, ...]
    footnotes: tuple[FootnoteRef, ...] = field(default=())
    presentation: Presentation = field(
        default_factory=lambda: _presentation(None, "en", "en", "", None, None)
    )
    captions: tuple[CaptionEntry, ...] = ()  # numbered tables and figures, in reading order
    lead: LeadView | None = None  # the opening, for audiences that ask for one (include: lead)
    #: set on a personal copy (``briefgen batch``): whom it is for; None on an ordinary build
    marking: Marking | None = None

    def headings(self) -> list[str]:
        """Return every heading a reader sees, numbered, in order (sections and sub-headings)."""
        return [f"{e.number} {e.text}".strip() for e in self.toc]

    def figures(self) -> list[str]:
        """Return every formatted figure a reader sees, in reading order."""
        found: list[str] = []
        for section in self.sections:
            for block in section.blocks:
                found.extend(_block_figures(block))
        return found


def marking_for(
    lang: str,
    name: str,
    organisation: str | None,
    copy: int,
    copies: int,
    code: str,
    *,
    watermark: bool = False,
) -> Marking:
    """Return the marking of copy ``copy`` of ``copies``, its numbers formatted for ``lang``."""
    fmt = Formatter(lang)
    return Marking(name, organisation, fmt.number(copy), fmt.number(copies), code, watermark)


def mark(ctx: RenderContext, marking: Marking) -> RenderContext:
    """Return the context of one recipient's copy: the same edition, marked with their name and number."""
    return replace(ctx, marking=marking)


def _block_figures(block: BlockView) -> list[str]:
    found: list[str] = []
    for spans in _block_spans(block):
        found.extend(span_figures(spans))
    if isinstance(block, KeyFiguresView):
        found.extend(item.value for item in block.items)
    return found


def _block_spans(block: object) -> list[Spans]:
    out: list[Spans] = []
    if isinstance(block, ParagraphView | HeadingView | QuoteView):
        out.append(block.text)
    if isinstance(block, QuoteView) and block.source:
        out.append(block.source)
    if isinstance(block, BulletsView | CalloutView):
        out.extend(_item_spans(block.items))
    if isinstance(block, CalloutView):
        out.extend(s for s in (block.title, block.text) if s)
    if isinstance(block, TableView):
        out.extend(s for s in (block.caption, block.unit, block.source) if s)
        out.extend(block.header)
        out.extend(cell for row in block.rows for cell in row)
    if isinstance(block, TimelineView):
        out.extend(e.event for e in block.entries)
    if isinstance(block, KeyFiguresView):
        out.extend(i.label for i in block.items)
    if isinstance(block, GlossaryView):
        out.extend(s for e in block.items for s in (e.term, e.definition))
    return out


def _item_spans(items: Sequence[ItemView]) -> list[Spans]:
    out: list[Spans] = []
    for item in items:
        out.append(item.text)
        out.extend(_item_spans(item.items))
    return out


# ---------------------------------------------------------------- building


class _Builder:
    def __init__(
        self,
        brief: Brief,
        lang: str,
        palette: Palette | None = None,
        chart_columns: int = 1,
        greyscale: bool = False,
        folders: Sequence[Path] | None = None,
    ) -> None:
        self.palette = palette or Palette()
        self.chart_columns = chart_columns
        self.greyscale = greyscale
        self.lang = lang
        self.brief = brief
        self.facts = brief.facts
        self.folders = folders
        self.fmt = self.formatter(lang)
        self.own = self.fmt
        self.footnotes: list[FootnoteRef] = []

    def formatter(self, lang: str) -> Formatter:
        """Return the formatter of a language, with the figure words of its catalogue on the search path."""
        if self.folders is None:
            return Formatter(lang)
        return Formatter(lang, catalog.figure_messages(list(self.folders), lang))

    def spans(self, nodes: markup.RichText) -> Spans:
        """Resolve an inline tree: the language's quotation marks, formatted figures, numbered notes."""
        return self._resolve(typography.smart_quotes(nodes, self.fmt.locale.language))

    def _resolve(self, nodes: markup.RichText) -> Spans:
        out: list[Span] = []
        for node in nodes:
            if isinstance(node, markup.FactRef):
                out.append(Figure(node.key, self.figure(node.key, node.also)))
            elif isinstance(node, markup.Note):
                number = len(self.footnotes) + 1
                self.footnotes.append(FootnoteRef(number, ()))  # take the number before any note inside
                ref = FootnoteRef(number, self._resolve(node.children))
                self.footnotes[number - 1] = ref
                out.append(ref)
            elif isinstance(node, markup.Strong):
                out.append(markup.Strong(self._resolve(node.children)))  # type: ignore[arg-type]
            elif isinstance(node, markup.Emphasis):
                out.append(markup.Emphasis(self._resolve(node.children)))  # type: ignore[arg-type]
            elif isinstance(node, markup.Link):
                out.append(markup.Link(node.href, self._resolve(node.children)))  # type: ignore[arg-type]
            else:
                out.append(node)
        for i, span in enumerate(out[1:], 1):  # "약 {cost}": the word for "about" stays with its figure
            before = out[i - 1]
            if isinstance(span, Figure) and isinstance(before, markup.Text):
                out[i - 1] = markup.Text(typography.bind_to_figure(before.text, self.fmt.words.approximately))
        return tuple(out)

    def figure(self, key: str, also: str | None = None) -> str:
        fact = self.facts[key]
        rate = find_rate(self.facts, fact.currency, also) if also and isinstance(fact, Money) else None
        return self.fmt.fact(fact, rate)

    def bare(self, cell: Spans) -> Spans:
        """Write a cell holding one money or quantity figure as its number alone (the unit is said above)."""
        figures = [s for s in cell if isinstance(s, Figure)]
        if not _is_figure_only(cell) or len(figures) != 1:
            return cell
        fact = self.facts[figures[0].key]
        if isinstance(fact, Money) and figures[0].text == self.figure(fact.key):
            return (Figure(fact.key, self.fmt.count(fact.amount)),)
        if isinstance(fact, Quantity):
            return (Figure(fact.key, self.fmt.count(fact.value)),)
        return cell

    def items(self, items: Sequence[BulletItem]) -> tuple[ItemView, ...]:
        return tuple(ItemView(self.spans(i.text), self.items(i.items)) for i in items)

    def block(self, block: ModelBlock, section_number: str, counter: list[int], anchor: str) -> BlockView:
        if isinstance(block, Paragraph):
            return ParagraphView(self.spans(block.text))
        if isinstance(block, Heading):
            counter[0] += 1
            number = f"{section_number}.{counter[0]}" if section_number else ""
            # "--" cannot occur in a section id, so a heading anchor never equals another section's anchor
            return HeadingView(number, self.spans(block.text), f"{anchor}--{counter[0]}")
        if isinstance(block, Bullets):
            return BulletsView(self.items(block.items))
        if isinstance(block, Table):
            rows = tuple(tuple(self.spans(c) for c in row) for row in block.rows)
            align = block.align or tuple(
                "right" if all(_is_figure_only(row[i]) for row in rows) else "left"
                for i in range(len(block.header))
            )
            if block.unit:
                rows = tuple(tuple(self.bare(c) for c in row) for row in rows)
            return TableView(
                self.spans(block.caption) if block.caption else None,
                tuple(self.spans(h) for h in block.header),
                rows,
                tuple(align),
                unit=self.spans(block.unit) if block.unit else None,
                source=self.spans(block.source) if block.source else None,
            )
        if isinstance(block, Callout):
            return CalloutView(
                block.kind,
                self.spans(block.title) if block.title else None,
                self.spans(block.text) if block.text else None,
                self.items(block.items),
            )
        if isinstance(block, Timeline):
            return TimelineView(
                tuple(TimelineEntryView(self.date(e.date), self.spans(e.event)) for e in block.entries)
            )
        if isinstance(block, Quote):
            return QuoteView(self.spans(block.text), self.spans(block.source) if block.source else None)
        if isinstance(block, KeyFigures):
            return KeyFiguresView(
                tuple(
                    KeyFigureView(
                        self.figure(i.fact, i.also),
                        self.spans(i.label),
                        self.fmt.date(self.facts[i.fact].as_of) if self.facts[i.fact].as_of else None,  # type: ignore[arg-type]
                    )
                    for i in block.items
                )
            )
        if isinstance(block, Chart):
            return build_chart_view(
                block,
                self.facts,
                self.fmt,
                lambda rich: span_text(self.spans(rich)),
                self.palette.chart,
                self.palette.ink,
                self.palette.muted,
                self.lang,
                self.chart_columns,
                self.greyscale,
            )
        if isinstance(block, Glossary):
            return GlossaryView(
                tuple(GlossaryEntryView(self.spans(e.term), self.spans(e.definition)) for e in block.items)
            )
        raise TypeError(f"no view for {type(block).__name__}")  # pragma: no cover

    def date(self, value: object) -> str:
        if isinstance(value, str):
            fact = self.facts[value]
            assert isinstance(fact, DateFact)
            return self.fmt.date(fact.value)
        return self.fmt.date(value)  # type: ignore[arg-type]

    def section(self, section: Section, number: str) -> SectionView:
        anchor = f"sec-{section.id}"
        counter = [0]
        summary = tuple(self.block(b, number, counter, anchor) for b in section.summary)
        detail = tuple(self.block(b, number, counter, anchor) for b in section.detail)
        return SectionView(
            section.id, section.role, number, self.spans(section.title), anchor, summary, detail
        )


def _is_figure_only(cell: Spans) -> bool:
    meaningful = [s for s in cell if not (isinstance(s, markup.Text) and not s.text.strip())]
    return bool(meaningful) and all(isinstance(s, Figure) for s in meaningful)


_SPACES = re.compile(r"\s+")


def _presentation(
    audience: Audience | None,
    lang: str,
    default_lang: str,
    title: str,
    organisation: str | None,
    classification: str | None,
    profile: AudienceProfile | None = None,
    brand_logo: Picture | None = None,
) -> Presentation:
    """Resolve an audience's choices and branding for one language; ``title``, ``organisation`` and
    ``classification`` are the brief's, which the branding may replace; ``profile`` and ``brand_logo`` are
    the whole briefing's, from the project's _brand.yml, when there is no audience."""
    profile = profile or (audience.profile if audience else AudienceProfile())
    brand = profile.branding
    branding = BrandingView(
        organisation=localized(brand.organisation, lang, default_lang) or organisation,
        classification=localized(brand.classification, lang, default_lang) or classification,
        prepared_for=localized(brand.prepared_for, lang, default_lang),
        header=localized(brand.header, lang, default_lang) or title,
        footer=localized(brand.footer, lang, default_lang),
        logo=audience.logo if audience else brand_logo,
        palette=brand.palette.model_dump(exclude={"chart"}),
    )
    return Presentation(
        audience=audience.name if audience else None,
        label=localized(profile.title, lang, default_lang),
        include=profile.include,
        branding=branding,
        page_size=profile.page.size,
        margins=profile.page.margins,
        template=profile.template,
        reference_docx=profile.reference_docx,
        body_font=brand.fonts.body,
        heading_font=brand.fonts.headings or brand.fonts.body,
    )


def _stand_ins(brief: Brief, lang: str) -> set[str]:
    """Return the ids of sections the default language lends to ``lang`` (with language_fallback on)."""
    default = brief.config.default_language
    if not brief.config.language_fallback or lang == default:
        return set()
    own = {s.id for s in brief.editions[lang].sections}
    return {s.id for s in brief.editions[default].sections if s.id not in own}


def _with_fallback(brief: Brief, lang: str, stand_ins: set[str]) -> list[Section]:
    if not stand_ins:
        return list(brief.editions[lang].sections)
    own = {s.id: s for s in brief.editions[lang].sections}
    default = brief.editions[brief.config.default_language].sections
    return [own.get(s.id, s) for s in default]


_ROLE_SWITCH = {
    "summary": "executive_summary",
    "key_figures": "key_figures",
    "glossary": "glossary",
    "sources": "sources",
}


def _select(
    edition_sections: Sequence[Section], profile: AudienceProfile, focused: set[str]
) -> list[Section]:
    """Pick and order sections for an audience: its list, less the parts it excludes, focus themes first."""
    by_id = {s.id: s for s in edition_sections}
    chosen = [by_id[i] for i in profile.sections] if profile.sections is not None else list(edition_sections)
    chosen = [s for s in chosen if getattr(profile.include, _ROLE_SWITCH.get(s.role, ""), True)]
    if not focused:
        return chosen
    front = [s for s in chosen if s.role in ("summary", "key_figures")]
    themes = [s for s in chosen if s.role == "theme"]
    back = [s for s in chosen if s not in front and s not in themes]
    return front + [s for s in themes if s.id in focused] + [s for s in themes if s.id not in focused] + back


def _focused(brief: Brief, profile: AudienceProfile) -> set[str]:
    """Return the ids of sections whose tags (in the default language) meet the audience's focus."""
    wanted = set(profile.focus)
    return {s.id for s in brief.editions[brief.config.default_language].sections if wanted & set(s.tags)}


def _keep(block: BlockView, include: Include) -> bool:
    if isinstance(block, TimelineView):
        return include.timeline
    if isinstance(block, KeyFiguresView):
        return include.key_figures
    if isinstance(block, ChartView):
        return include.charts
    return True


def build_context(
    brief: Brief,
    lang: str,
    audience: Audience | None = None,
    created: dt.datetime | None = None,
    folders: Sequence[Path] | None = None,
) -> RenderContext:
    """Build the render context of one language's edition, for an audience (None: the whole briefing).

    ``created`` is when the document counts as made (for reproducible builds: SOURCE_DATE_EPOCH); None
    takes the brief's date, at midnight UTC. ``folders`` is the template search path whose catalogues give
    the words around figures ("about"); None: the built-in catalogues only.
    """
    edition = brief.editions[lang]
    default_lang = brief.config.default_language
    profile = audience.profile if audience else whole_briefing(brief)
    builder = _Builder(
        brief, lang, profile.branding.palette, profile.chart_columns, profile.greyscale, folders
    )
    meta = edition.meta
    presentation = _presentation(
        audience,
        lang,
        default_lang,
        meta.title,
        meta.organisation,
        meta.classification,
        profile,
        None if audience else brand_logo(brief),
    )
    views: list[SectionView] = []
    number = 0
    stand_ins = _stand_ins(brief, lang)
    focused = _focused(brief, profile)
    for section in _select(_with_fallback(brief, lang, stand_ins), profile, focused):
        label = ""
        if section.role == "theme":
            number += 1
            label = str(number)
        if section.id not in focused and profile.depth_of(section.id) == "summary":
            section = section.model_copy(update={"detail": ()})
        fallback = section.id in stand_ins
        # figures in a stand-in section read in its language, like the prose around them
        builder.fmt = builder.formatter(default_lang) if fallback else builder.own
        view = builder.section(section, label)
        views.append(
            SectionView(
                view.id,
                view.role,
                view.number,
                view.title,
                view.anchor,
                tuple(b for b in view.summary if _keep(b, profile.include)),
                tuple(b for b in view.detail if _keep(b, profile.include)),
                default_lang if fallback else None,
                Locale.parse(default_lang).get_display_name(lang) if fallback else None,
            )
        )
    builder.fmt = builder.own
    views, captions = _number_captions(views)
    bottom_line = builder.spans(meta.bottom_line) if meta.bottom_line else None
    lead = None
    if profile.include.lead:
        views, lead = _lead(views, bottom_line)
    toc: list[TocEntry] = []
    for view in views:
        toc.append(TocEntry(1, view.number, _SPACES.sub(" ", span_text(view.title)), view.anchor))
        for block in view.blocks:
            if isinstance(block, HeadingView):
                toc.append(TocEntry(2, block.number, _SPACES.sub(" ", span_text(block.text)), block.anchor))
    chapters = sum(1 for view in views if view.number)
    if presentation.include.toc == "auto":
        shown = chapters >= CONTENTS_FROM_CHAPTERS
        presentation = replace(presentation, include=presentation.include.model_copy(update={"toc": shown}))
    branding = presentation.branding
    return RenderContext(
        brief=brief.config.brief,
        lang=lang,
        meta=Meta(
            title=typography.smart_quotes_text(meta.title, lang),
            subtitle=typography.smart_quotes_text(meta.subtitle, lang) if meta.subtitle else None,
            date=builder.fmt.date(meta.date),
            date_iso=meta.date.to_date().isoformat(),
            created=(created or dt.datetime.combine(meta.date.to_date(), dt.time(), dt.UTC))
            .astimezone(dt.UTC)
            .replace(microsecond=0)
            .isoformat(),
            organisation=branding.organisation,
            author=meta.author,
            classification=branding.classification,
            keywords=meta.keywords,
            document_number=meta.document_number,
            version=meta.version,
            contact=meta.contact,
            bottom_line=_SPACES.sub(" ", span_text(bottom_line)) if bottom_line else None,
            chapters=chapters,
        ),
        sections=tuple(views),
        toc=tuple(toc),
        footnotes=tuple(builder.footnotes),
        presentation=presentation,
        captions=captions,
        lead=lead,
    )


#: How many chapters an edition has before it gets contents, when its audience leaves it to briefgen (auto).
CONTENTS_FROM_CHAPTERS = 3

#: How many key figures the lead shows large.
LEAD_FIGURES = 3


def _lead(views: list[SectionView], bottom_line: Spans | None) -> tuple[list[SectionView], LeadView]:
    """Take the lead out of the sections: the first three key figures and the first takeaway box of the
    executive summary (where there are none, the lead goes without)."""
    figures: tuple[KeyFigureView, ...] = ()
    takeaways: CalloutView | None = None

    def keep(view: SectionView, block: BlockView) -> BlockView | None:
        nonlocal figures, takeaways
        if isinstance(block, KeyFiguresView) and not figures:
            figures = block.items[:LEAD_FIGURES]
            rest = block.items[LEAD_FIGURES:]
            return replace(block, items=rest) if rest else None
        summary_box = isinstance(block, CalloutView) and block.kind == "takeaway" and view.role == "summary"
        if summary_box and takeaways is None:
            takeaways = block  # type: ignore[assignment]  # a CalloutView: summary_box says so
            return None
        return block

    out = []
    for view in views:
        summary = tuple(b for b in (keep(view, block) for block in view.summary) if b is not None)
        detail = tuple(b for b in (keep(view, block) for block in view.detail) if b is not None)
        out.append(replace(view, summary=summary, detail=detail))
    return out, LeadView(bottom_line, figures, takeaways)


def _number_captions(views: list[SectionView]) -> tuple[list[SectionView], tuple[CaptionEntry, ...]]:
    """Number the tables and the charts (figures) an edition shows, each kind from 1 in reading order."""
    entries: list[CaptionEntry] = []

    def numbered(block: BlockView) -> BlockView:
        if isinstance(block, TableView):
            number = 1 + sum(e.kind == "table" for e in entries)
            anchor = f"table-{number}"
            text = _SPACES.sub(" ", span_text(block.caption)) if block.caption else ""
            entries.append(CaptionEntry("table", number, text, anchor))
            return replace(block, number=number, anchor=anchor)
        if isinstance(block, ChartView):
            number = 1 + sum(e.kind == "figure" for e in entries)
            anchor = f"figure-{number}"
            entries.append(CaptionEntry("figure", number, _SPACES.sub(" ", block.title), anchor))
            return replace(block, number=number, anchor=anchor)
        return block

    out = [
        replace(
            view,
            summary=tuple(numbered(b) for b in view.summary),
            detail=tuple(numbered(b) for b in view.detail),
        )
        for view in views
    ]
    return out, tuple(entries)
