"""Print a document's print HTML to PDF with WeasyPrint (CSS paged media).

Apart from the PDF renderer so that a process that only prints (``briefgen.printer``) imports WeasyPrint and
nothing of the content side: no validation, no templates, no charts.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from briefgen.errors import Diagnostic, Location, RenderError
from briefgen.renderers.base import Setup


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def print_pdf(
    html: str, setup: Setup, page_template: str, *, font_config: Any = None, images: Any = None
) -> bytes:
    """Return the PDF of a print HTML document; ``page_template`` is named when WeasyPrint gives up.

    A warm process passes the WeasyPrint font configuration and image cache it keeps between documents
    (None: new ones for this document, as the ``weasyprint`` command does).
    """
    from briefgen.fetcher import ProjectFetcher, ResourceRefused
    from briefgen.native import import_weasyprint

    weasyprint = import_weasyprint()
    fetcher = ProjectFetcher(setup.resource_roots, allow_hosts=setup.allow_hosts)
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        document = weasyprint.HTML(
            string=html, base_url=setup.project.resolve().as_uri() + "/", url_fetcher=fetcher
        )
        variant = setup.pdf_variant
        pdf: bytes = document.write_pdf(
            font_config=font_config,
            cache=images,
            uncompressed_pdf=False,
            pdf_variant=variant,
            # tagged structure: required by PDF/UA, and it costs little to give archives too
            pdf_tags=variant is not None,
            # a fixed identifier: the same input gives the same bytes
            pdf_identifier=hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii"),
        )
    except ResourceRefused as exc:
        raise RenderError(
            f"resource refused ({exc.reason}): {exc.url}",
            _find(exc.url, setup),
            "templates and content may use files under templates/, content/ and assets/ only",
        ) from None
    except (RecursionError, MemoryError):
        raise  # the rendering child reports these with the limit in force
    except Exception as exc:  # WeasyPrint gave up on the layout: a stylesheet or template value it cannot use
        raise RenderError(
            f"WeasyPrint could not lay out the document ({type(exc).__name__}: {exc})",
            _stylesheet(setup, page_template),
            "look for an extreme or invalid value in the stylesheet or page template (sizes, nesting)",
        ) from None
    finally:
        logger.removeHandler(handler)
    for message in dict.fromkeys(handler.messages):
        setup.warnings.append(Diagnostic(f"WeasyPrint: {message}", None, severity="warning"))
    return pdf


def _shown(path: Path, setup: Setup) -> str:
    try:
        return path.relative_to(setup.project).as_posix()
    except ValueError:
        return path.as_posix()


def _templates(setup: Setup) -> list[Path]:
    """Every template file on the search path, not following links (the loader refuses those anyway)."""
    found = []
    for folder in setup.template_folders:
        found += sorted(p for p in folder.rglob("*.j2") if p.is_file() and not p.is_symlink())
    return found


def _find(url: str, setup: Setup) -> Location | None:
    """Name the template line that asks for a URL, so the user knows what to fix.

    WeasyPrint reports the URL it resolved; the template may have written it relative to the project.
    """
    project = setup.project.resolve().as_uri() + "/"
    needles = [url]
    if url.startswith(project):
        relative = unquote(url[len(project) :])
        needles += [relative, "/" + relative]
    elif url.startswith("file://"):
        needles.append(unquote(url.removeprefix("file://")))
    for path in _templates(setup):
        for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1):
            for needle in needles:
                if needle and needle in line:
                    return Location(_shown(path, setup), number, line.index(needle) + 1)
    return None


def _stylesheet(setup: Setup, page_template: str) -> Location:
    """Name the stylesheet the document used (the project's own first), or the page template."""
    for folder in setup.template_folders:
        for name in ("css/brief.css.j2", page_template):
            if (folder / name).is_file():
                return Location(_shown(folder / name, setup))
    return Location(page_template)
