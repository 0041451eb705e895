"""Print the HTML rendering to PDF with WeasyPrint (CSS paged media)."""

from __future__ import annotations

import hashlib
import logging

from briefgen import fonts
from briefgen.context import RenderContext
from briefgen.errors import Diagnostic, Location, RenderError
from briefgen.renderers.base import Setup
from briefgen.renderers.html import HtmlRenderer


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class PdfRenderer:
    name = "pdf"
    extension = "pdf"

    def render(self, ctx: RenderContext, setup: Setup) -> bytes:
        fonts.choose(ctx.lang)  # fail early, with the package to install, rather than print empty boxes
        html = HtmlRenderer().document(ctx, setup, for_print=True)

        import weasyprint

        from briefgen.fetcher import ProjectFetcher, ResourceRefused

        fetcher = ProjectFetcher(setup.resource_roots)
        handler = _Collect()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(handler)
        try:
            document = weasyprint.HTML(
                string=html, base_url=setup.project.resolve().as_uri() + "/", url_fetcher=fetcher
            )
            variant = setup.pdf_variant
            pdf: bytes = document.write_pdf(
                uncompressed_pdf=False,
                pdf_variant=variant,
                # tagged structure: required by PDF/UA, and it costs little to give archives too
                pdf_tags=variant is not None,
                # a fixed identifier: the same input gives the same bytes
                pdf_identifier=hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii"),
            )
        except ResourceRefused as exc:
            raise RenderError(
                f"resource refused ({exc.reason}): {exc.url}", _find(exc.url, setup),
                "templates and content may use files under templates/, content/ and assets/ only",
            ) from None
        finally:
            logger.removeHandler(handler)
        for message in dict.fromkeys(handler.messages):
            setup.warnings.append(Diagnostic(f"WeasyPrint: {message}", None, severity="warning"))
        return pdf


def _find(url: str, setup: Setup) -> Location | None:
    """Name the template line that asks for a URL, so the user knows what to fix."""
    for folder in setup.template_folders:
        for path in sorted(folder.rglob("*.j2")):
            for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1):
                if url in line:
                    try:
                        shown = path.relative_to(setup.project).as_posix()
                    except ValueError:
                        shown = path.as_posix()
                    return Location(shown, number, line.index(url) + 1)
    return None
