"""Render a briefing as a Word document (DOCX), styled by a reference document, from the render context.

A sibling of the PDF renderer: it reads the same sections, blocks and formatted figures, and takes its
words ("Contents", "Page 2 of 9") from the same catalogues. See docs/docx.md.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from briefgen.charts import ChartView
from briefgen.context import RenderContext
from briefgen.renderers.base import Setup

if TYPE_CHECKING:
    from docx.document import Document

    from briefgen.renderers.docx.oxml import Element


class DocxRenderer:
    name = "docx"
    extension = "docx"

    def render(self, ctx: RenderContext, setup: Setup) -> bytes:
        """Return the DOCX bytes; the same context and Word template always give the same bytes."""
        from babel.numbers import get_decimal_symbol
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        from briefgen import templating
        from briefgen.audience import Palette
        from briefgen.renderers.docx import frame, labels, package, reference, spacing
        from briefgen.renderers.docx.placeholders import Placeholders, picture_drawing, renumber_pictures
        from briefgen.renderers.docx.writer import Writer
        from briefgen.sandbox import BoundedSandbox

        presentation = ctx.presentation
        path = reference.find_reference(setup.template_folders, setup.project, presentation.reference_docx)
        shown = reference.display(path, setup.project)
        doc = reference.open_reference(path, shown)
        styles = reference.style_sheet(doc, shown)
        words = labels.load(setup, ctx.lang)
        language = reference.language(ctx.lang)
        reference.localise(doc, language)
        reference.set_fonts(doc, presentation.body_font, presentation.heading_font)
        reference.recolour(doc, Palette().model_dump(), presentation.branding.palette)
        package.drop_parts(doc, RT.COMMENTS)
        notes = package.add_footnotes_part(doc)
        package.tidy_settings(doc)
        before = reference.text_width(doc)
        width = reference.page_setup(doc, presentation.page_size, presentation.margins)

        # The page furniture: the template's cover, title block, headers and footers, filled in.
        env = templating.environment(setup.template_folders, ctx.lang, escape=False)
        if isinstance(env, BoundedSandbox):
            env.start()  # the limits of one rendering: all the placeholders of this document together
        placeholders = Placeholders(
            env,
            frame.template_values(ctx, words),
            picture_drawing,
            language.element,
            alt=presentation.branding.organisation or "",
        )
        frame.fill_template(doc, shown, placeholders)
        reference.rescale_tabs(doc, [part for part, _ in frame.furniture(doc)], before, width)

        # The body, in place of {{ body }}: the contents and the sections, in the template's styles.
        writer = Writer(
            doc.element.body,
            doc.part,
            notes,
            width,
            styles,
            words,
            language,
            chart=lambda view: self._draw(view, setup),
            picture=self._picture(doc),
        )
        writer.decimal = get_decimal_symbol(ctx.lang.replace("-", "_"))
        frame.write(writer, ctx, reference.language)
        if writer.page_fields:
            package.update_fields_on_opening(doc)
        styles.check()
        furniture = [part.element for part, _ in frame.furniture(doc)]
        renumber_pictures([doc.element.body, *furniture])
        # LibreOffice ignores w:autoSpaceDE/DN="0": word joiners keep "558만" from reading "558 만" there
        spacing.join_scripts([doc.element.body, notes.element, *furniture])

        when = dt.datetime.fromisoformat(ctx.meta.created)
        props = doc.core_properties
        props.title = ctx.meta.title
        props.subject = ctx.meta.subtitle or ""
        props.author = ctx.meta.author or ""
        props.keywords = "; ".join(ctx.meta.keywords)
        props.language = language.tag
        props.comments = ""
        props.category = ""
        props.identifier = ctx.marking.code if ctx.marking else ""  # names a personal copy in the log
        props.last_modified_by = ctx.meta.author or ""
        props.revision = 1
        props.created = props.modified = when
        return package.to_bytes(doc, when)

    @staticmethod
    def _draw(view: ChartView, setup: Setup) -> bytes:
        """Draw a chart as PNG, in the same font as the PDF's SVG, through the build's chart cache."""
        from briefgen.charts.cache import chart_bytes, chart_font

        return chart_bytes(view, "png", chart_font(view.lang), setup.cache)

    @staticmethod
    def _picture(doc: Document) -> Callable[[Element, bytes, int, str], None]:
        """Return what puts a picture into a paragraph, at most ``width`` twips wide, with its alt text."""
        from docx.shared import Inches, Twips
        from docx.text.paragraph import Paragraph

        from briefgen.charts.draw import WIDTH_IN

        def add(p: Element, data: bytes, width: int, alt: str) -> None:
            size = min(Inches(WIDTH_IN), Twips(width))
            shape = Paragraph(p, doc).add_run().add_picture(io.BytesIO(data), width=size)
            shape._inline.docPr.set("descr", alt)  # what a screen reader says: the chart's alt text

        return add
