"""Render a briefing as PDF: its print HTML, printed by WeasyPrint (CSS paged media)."""

from __future__ import annotations

from briefgen import fonts
from briefgen.context import RenderContext
from briefgen.renderers.base import Setup
from briefgen.renderers.html import HtmlRenderer
from briefgen.renderers.printing import print_pdf


class PdfRenderer:
    name = "pdf"
    extension = "pdf"

    def render(self, ctx: RenderContext, setup: Setup) -> bytes:
        return print_pdf(self.html(ctx, setup), setup, ctx.presentation.template, copy_code(ctx))

    def html(self, ctx: RenderContext, setup: Setup) -> str:
        """Return the print HTML that WeasyPrint is given (word joiners for Korean, charts drawn)."""
        fonts.choose(ctx.lang)  # fail early, with the package to install, rather than print empty boxes
        return HtmlRenderer().document(ctx, setup, for_print=True)


def copy_code(ctx: RenderContext) -> str | None:
    """Return the code of a personal copy, which the PDF carries in its metadata; None for others."""
    return ctx.marking.code if ctx.marking else None
