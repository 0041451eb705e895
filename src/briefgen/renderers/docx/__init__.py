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
from briefgen.errors import Diagnostic, Location
from briefgen.renderers.base import Setup

if TYPE_CHECKING:
    from docx.document import Document

    from briefgen.renderers.docx.oxml import Element

#: Height of the audience's logo on the cover (the PDF's ``max-height``), in millimetres.
LOGO_HEIGHT_MM = 18


class DocxRenderer:
    name = "docx"
    extension = "docx"

    def render(self, ctx: RenderContext, setup: Setup) -> bytes:
        """Return the DOCX bytes; the same context and reference document always give the same bytes."""
        from docx.enum.section import WD_SECTION
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        from briefgen.audience import Palette
        from briefgen.renderers.docx import frame, labels, oxml, package, reference
        from briefgen.renderers.docx.writer import Writer

        presentation = ctx.presentation
        path = reference.find_reference(setup.template_folders, setup.project, presentation.reference_docx)
        shown = reference.display(path, setup.project)
        doc = reference.open_reference(path, shown)
        styles = reference.style_sheet(doc, shown)
        words = labels.load(setup, ctx.lang)
        language = reference.language(ctx.lang)
        reference.localise(doc, language)
        reference.recolour(doc, Palette().model_dump(), presentation.palette)

        # Keep the reference's styles and settings; drop its content, headers, footers and notes.
        first = doc.sections[0]
        for part in (
            first.header,
            first.first_page_header,
            first.even_page_header,
            first.footer,
            first.first_page_footer,
            first.even_page_footer,
        ):
            part.is_linked_to_previous = True
        package.drop_parts(doc, RT.COMMENTS)
        body = doc.element.body
        for child in list(body):
            if child.tag != oxml.qn("w:sectPr"):
                body.remove(child)
        notes = package.add_footnotes_part(doc)
        package.tidy_settings(doc)
        width = reference.page_setup(doc, presentation.page_size, presentation.margins)
        writer = Writer(
            body,
            doc.part,
            notes,
            width,
            styles,
            words,
            language,
            chart=lambda view: self._draw(view, setup),
            picture=self._picture(doc),
        )
        logo = self._logo(doc, ctx, setup) if presentation.logo else None
        cover_end = frame.write(writer, ctx, logo, reference.language)
        if cover_end is not None:
            # The cover is a section of its own, without header or footer; the briefing starts a new page.
            oxml.set_child(oxml.paragraph_properties(cover_end), oxml.clone(body.sectPr), oxml.PPR_ORDER)
        main = doc.sections[-1]
        main.start_type = WD_SECTION.NEW_PAGE
        main.header.is_linked_to_previous = False
        main.footer.is_linked_to_previous = False
        frame.header(writer, main.header.part.element, ctx.meta)
        frame.footer(writer, main.footer.part.element, ctx.meta, ctx.marking)
        styles.check()

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
        from briefgen import fonts
        from briefgen.charts.cache import chart_bytes

        font = fonts.choose(view.lang).installed or fonts.stack_for(view.lang)[0]
        return chart_bytes(view, "png", font, setup.cache)

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

    @staticmethod
    def _logo(doc: Document, ctx: RenderContext, setup: Setup) -> Callable[[Element], None]:
        """Return what puts the audience's logo into a paragraph; a format Word cannot hold is a warning."""
        from docx.image.exceptions import UnrecognizedImageError
        from docx.shared import Mm
        from docx.text.paragraph import Paragraph

        logo = ctx.presentation.logo or ""

        def add(p: Element) -> None:
            try:
                Paragraph(p, doc).add_run().add_picture(str(setup.project / logo), height=Mm(LOGO_HEIGHT_MM))
            except (UnrecognizedImageError, OSError) as exc:
                setup.warnings.append(
                    Diagnostic(
                        f"the DOCX leaves out the logo: {exc or type(exc).__name__}",
                        Location(logo),
                        "Word takes PNG, JPEG, GIF, BMP and TIFF images",
                        severity="warning",
                    )
                )

        return add
