"""Render a briefing as HTML through the Jinja templates; the PDF renderer prints this HTML."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from briefgen import fonts, template_errors, templating, typography
from briefgen.charts import ChartView
from briefgen.context import RenderContext, TableView, span_text
from briefgen.document_limits import check_document
from briefgen.errors import Location, TemplateError
from briefgen.renderers.base import Setup

STYLESHEET_TEMPLATE = "css/brief.css.j2"
SCREEN_TEMPLATE = "css/screen.css.j2"


class HtmlRenderer:
    name = "html"
    extension = "html"

    def render(self, ctx: RenderContext, setup: Setup) -> bytes:
        return self.document(ctx, setup, for_print=False).encode("utf-8")

    def document(
        self,
        ctx: RenderContext,
        setup: Setup,
        *,
        for_print: bool,
        charts: Callable[[ChartView], Markup] | None = None,
    ) -> str:
        """Return the HTML text; ``for_print`` adds the word joiners WeasyPrint needs for Korean.

        ``charts`` draws a chart for the page; None draws it with matplotlib (``check`` passes a cheaper one).
        """
        env = templating.environment(setup.template_folders, ctx.lang)
        stack = fonts.stack_for(ctx.lang)
        body, headings = ctx.presentation.body_font, ctx.presentation.heading_font
        values = {
            "ctx": ctx,
            # a brand's Latin family first: the language's own font still sets its script
            "fonts": (body, *stack) if body else stack,
            "heading_fonts": (headings, *stack) if headings else None,
            "keep_all_joiners": for_print,
            "chart_svg": charts or (lambda view: _chart_svg(view, setup)),
            "decimal_pads": lambda table: _decimal_pads(table, ctx.lang),
        }
        css = templating.render(env, STYLESHEET_TEMPLATE, setup.project, **values)
        # screens get their own rules on top (WeasyPrint never sees them: it prints from the print rules)
        screen = "" if for_print else templating.render(env, SCREEN_TEMPLATE, setup.project, **values)
        if "</style" in css.lower() or "</style" in screen.lower():
            raise TemplateError("the stylesheet must not contain '</style'", None)
        template = ctx.presentation.template
        html = templating.render(
            env, template, setup.project, stylesheet=Markup(css), screen_stylesheet=Markup(screen), **values
        )
        problem = check_document(html)
        if problem is not None:
            lines = html.splitlines()
            shown = lines[problem.line - 1].strip() if 0 < problem.line <= len(lines) else ""
            where = template_errors.find_written(
                setup.template_folders, setup.project, [problem.written, shown if len(shown) > 20 else ""]
            )
            raise TemplateError(problem.message, where or Location(template))
        return html


def _decimal_pads(table: TableView, lang: str) -> list[list[str]]:
    """Return the invisible fraction each number cell needs to line up on the decimal separator."""
    rows = [[span_text(cell) for cell in row] for row in table.rows]
    return typography.table_pads(rows, table.align, lang)


def _chart_svg(view: ChartView, setup: Setup) -> Markup:
    """Draw a chart as a vector image in the page, named by its alt text (matplotlib escapes every label).

    Where the setup collects ``deferred_charts`` (a PDF printed by the printing child), a chart the drawing
    child is still drawing is linked by its key instead, and delivered to the printer when drawn.
    """
    from briefgen import chart_images
    from briefgen.charts.cache import chart_bytes, chart_font, deferred
    from briefgen.charts.draw import svg_size

    font = chart_font(view.lang)
    if setup.deferred_charts is not None:
        key = deferred(view, "svg", font, setup.cache)
        if key is not None:
            setup.deferred_charts[key] = svg_size(view)
            return Markup(chart_images.image(chart_images.pending_url(key), view.alt))
    drawn = chart_bytes(view, "svg", font, setup.cache)
    return Markup(chart_images.image(chart_images.data_uri(drawn), view.alt))
