"""Render a briefing as HTML through the Jinja templates; the PDF renderer prints this HTML."""

from __future__ import annotations

from markupsafe import Markup

from briefgen import fonts, templating
from briefgen.context import RenderContext
from briefgen.errors import TemplateError
from briefgen.renderers.base import Setup

STYLESHEET_TEMPLATE = "css/brief.css.j2"


class HtmlRenderer:
    name = "html"
    extension = "html"

    def render(self, ctx: RenderContext, setup: Setup) -> bytes:
        return self.document(ctx, setup, for_print=False).encode("utf-8")

    def document(self, ctx: RenderContext, setup: Setup, *, for_print: bool) -> str:
        """Return the HTML text; ``for_print`` adds the word joiners WeasyPrint needs for Korean."""
        env = templating.environment(setup.template_folders, ctx.lang)
        values = {"ctx": ctx, "fonts": fonts.stack_for(ctx.lang), "keep_all_joiners": for_print}
        css = templating.render(env, STYLESHEET_TEMPLATE, setup.project, **values)
        if "</style" in css.lower():
            raise TemplateError("the stylesheet must not contain '</style'", None)
        template = ctx.presentation.template
        return templating.render(env, template, setup.project, stylesheet=Markup(css), **values)
