"""Print a document's print HTML to PDF with WeasyPrint (CSS paged media).

Apart from the PDF renderer so that a process that only prints (``briefgen.printer``) imports WeasyPrint and
nothing of the content side: no validation, no templates, no charts.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin
from xml.sax.saxutils import escape

from briefgen import chart_images
from briefgen.errors import Diagnostic, Location, RenderError
from briefgen.renderers.base import Setup


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _put_charts_in(cache: dict[str, Any], charts: Mapping[str, bytes]) -> None:
    """Put each chart drawn while the page was laid out in place of the empty image of its size.

    The fetcher gave WeasyPrint, for a chart still being drawn, an empty SVG of the chart's size
    (``chart_images.size_stub``): the layout went on by that size instead of waiting. WeasyPrint draws the
    images of its cache when it draws the pages, after the layout: each is made again here, as WeasyPrint
    made it (the same base URL, fetcher and layout context), from the chart drawn. A chart whose size is
    not the one it was laid out by would give another PDF than a build with the chart drawn before: then
    printing fails.
    """
    from xml.etree import ElementTree

    from weasyprint.images import SVGImage

    from briefgen.fetcher import check_resource

    for key, svg in charts.items():
        url = chart_images.pending_url(key)
        check_resource(url, svg, "image/svg+xml")  # what the fetcher checks of every image it serves
        image = cache.get(url)
        if not isinstance(image, SVGImage):
            continue  # not laid out (a chart the stylesheet hides), or not loaded: WeasyPrint said why
        laid_out = image.get_intrinsic_size(1, 16)
        tree = ElementTree.fromstring(svg)
        SVGImage.__init__(image, tree, image._base_url, image._url_fetcher, image._context)
        made = image.get_intrinsic_size(1, 16)
        if made != laid_out:
            raise RenderError(
                f"chart {key} was drawn at {made[:2]} px, not at the size it was laid out by "
                f"({laid_out[:2]} px)"
            )


def print_pdf(
    html: str,
    setup: Setup,
    page_template: str,
    copy_code: str | None = None,
    *,
    font_config: Any = None,
    images: Any = None,
    charts: Callable[[str], bytes] | None = None,
) -> bytes:
    """Return the PDF of a print HTML document; ``page_template`` is named when WeasyPrint gives up.

    ``copy_code`` names a personal copy (``briefgen batch``) in the PDF's metadata.

    A warm process passes the WeasyPrint font configuration and image cache it keeps between documents
    (None: new ones for this document, as the ``weasyprint`` command does).

    ``charts`` waits for a chart the page links to while it is being drawn (``setup.deferred_charts``), and
    returns it: the page is laid out by the charts' sizes, then each is waited for and put in place before
    the pages are drawn.
    """
    from briefgen.fetcher import ProjectFetcher, ResourceRefused
    from briefgen.native import import_weasyprint

    weasyprint = import_weasyprint()
    fetcher = ProjectFetcher(setup.resource_roots, allow_hosts=setup.allow_hosts)
    pending = setup.deferred_charts or {}
    cache: dict[str, Any] = {} if images is None else images
    if pending:
        if charts is None:
            raise ValueError("a page with charts still being drawn needs a way to wait for them")
        fetcher.pending = pending  # laid out by their size now, waited for once the layout is done
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        base_url = setup.project.resolve().as_uri() + "/"
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        variant = setup.pdf_variant
        options: dict[str, Any] = {
            "cache": cache,
            "uncompressed_pdf": False,
            "pdf_variant": variant,
            # tagged structure: required by PDF/UA, and it costs little to give archives too
            "pdf_tags": variant is not None,
        }
        laid_out = document.render(font_config=font_config, **options)
        if pending and charts is not None:
            drawn = {key: charts(key) for key in pending}
            html = chart_images.completed(html, drawn)  # the page with every chart in place names the PDF
            try:
                _put_charts_in(cache, drawn)
            except (AttributeError, TypeError):  # a WeasyPrint whose images are made otherwise: lay out again
                for key in pending:
                    cache.pop(chart_images.pending_url(key), None)
                document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
                laid_out = document.render(font_config=font_config, **options)
        pdf: bytes = laid_out.write_pdf(
            # a fixed identifier: the same input gives the same bytes
            pdf_identifier=hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii"),
            finisher=_copy_code(copy_code) if copy_code else None,
            **options,
        )
    except ResourceRefused as exc:
        raise RenderError(
            f"resource refused ({exc.reason}): {exc.url}",
            _find(exc.url, setup),
            "templates and content may use files under templates/, content/ and assets/ only",
        ) from None
    except (RecursionError, MemoryError):
        raise  # the rendering child reports these with the limit in force
    except RenderError:
        raise  # a chart drawn at another size than it was laid out by (_put_charts_in)
    except Exception as exc:  # WeasyPrint gave up on the layout: a stylesheet or template value it cannot use
        raise RenderError(
            f"WeasyPrint could not lay out the document ({type(exc).__name__}: {exc})",
            _stylesheet(setup, page_template),
            "look for an extreme or invalid value in the stylesheet or page template (sizes, nesting)",
        ) from None
    finally:
        logger.removeHandler(handler)
        for key in pending:  # a warm process keeps its cache for the next document: not these
            cache.pop(chart_images.pending_url(key), None)
    for message in dict.fromkeys(handler.messages):
        setup.warnings.append(
            Diagnostic(f"WeasyPrint: {message}", _written(message, setup), severity="warning")
        )
    return pdf


def _copy_code(code: str) -> Callable[[Any, Any], None]:
    """Return a WeasyPrint finisher that names a personal copy in the PDF's metadata.

    The code goes into the Info dictionary (``/BriefgenCopy``) and the XMP packet (``dc:identifier``, a
    Dublin Core property, so PDF/A needs no extension schema for it); a plain PDF gets its XMP packet here.
    """

    def finish(document: Any, pdf: Any) -> None:
        import pydyf  # type: ignore[import-untyped]

        pdf.info["BriefgenCopy"] = pydyf.String(code)
        if "Metadata" not in pdf.catalog:
            document.metadata.include_in_pdf(pdf, None, None, None, False)
        reference = pdf.catalog["Metadata"]
        stream = next(o for o in pdf.objects if o.number is not None and o.reference == reference)
        packet = b"".join(part if isinstance(part, bytes) else str(part).encode() for part in stream.stream)
        identifier = (
            b'<rdf:Description xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" rdf:about="" '
            b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier>'
            + escape(code).encode("utf-8")
            + b"</dc:identifier></rdf:Description></rdf:RDF>"
        )
        head, end, tail = packet.rpartition(b"</rdf:RDF>")
        if end:
            stream.stream = [head + identifier + tail]

    return finish


def _shown(path: Path, setup: Setup) -> str:
    try:
        return path.relative_to(setup.project).as_posix()
    except ValueError:
        return path.as_posix()


def _find(url: str, setup: Setup) -> Location | None:
    """Name the template line that asks for a URL, so the user knows what to fix.

    WeasyPrint reports the URL it resolved; the template may have written it relative to the project
    (``../secret.txt``), percent-encoded (``%2e%2e``) or in full.
    """
    from briefgen import template_errors

    base = setup.project.resolve().as_uri() + "/"
    needles = [url]
    if url.startswith(base):
        relative = url[len(base) :]
        needles += [relative, unquote(relative), "/" + unquote(relative)]
    elif url.startswith("file://"):
        needles.append(unquote(url.removeprefix("file://")))
    found = template_errors.find_written(setup.template_folders, setup.project, needles)
    if found is not None:
        return found
    for written in _references(setup):  # a relative reference that resolves to the URL
        if written and urljoin(base, written) in (url, unquote(url)):
            return template_errors.find_written(setup.template_folders, setup.project, [written])
    return None


#: References a template writes: url(...), src="...", href="...", @import "...".
_REFERENCE = re.compile(
    r"""url\(\s*['"]?([^'")\s]+)|(?:src|href)\s*=\s*['"]([^'"]+)|@import\s+['"]([^'"]+)"""
)


def _references(setup: Setup) -> list[str]:
    found: list[str] = []
    for folder in setup.template_folders:
        for path in sorted(p for p in folder.rglob("*.j2") if p.is_file() and not p.is_symlink()):
            text = path.read_text("utf-8", errors="replace")
            found += [next(g for g in match.groups() if g) for match in _REFERENCE.finditer(text)]
    return found


def _written(message: str, setup: Setup) -> Location | None:
    """Find the template line behind a WeasyPrint warning that quotes what it ignored (``Ignored `colr:
    red` at 148:5``: a line of the whole document, not of the template)."""
    quoted = re.search(r"Ignored `([^`]+)`", message)
    if quoted is None:
        return None
    from briefgen import template_errors

    return template_errors.find_written(setup.template_folders, setup.project, [quoted.group(1)])


def _stylesheet(setup: Setup, page_template: str) -> Location:
    """Name the stylesheet the document used (the project's own first), or the page template."""
    for folder in setup.template_folders:
        for name in ("css/brief.css.j2", page_template):
            if (folder / name).is_file():
                return Location(_shown(folder / name, setup))
    return Location(page_template)
