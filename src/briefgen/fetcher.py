"""The only way a rendered document reaches a resource: files in the project's own folders, and data: URIs.

WeasyPrint's own fetcher reads any ``file://`` path and fetches ``http://`` URLs. This one refuses both, and
stops the rendering when asked for anything outside the allowed folders, so that a refused resource is an
error rather than a silently missing picture. Everything a document loads comes through here: images,
stylesheets (``@import``), fonts (``@font-face``) and attachments (``rel=attachment``).

Network access is refused unless the project lists hosts under ``allow_hosts`` in ``briefgen.yaml``; then
``http(s)://`` URLs to exactly those hosts are fetched, without following redirects.

What is served is bounded too: at most MAX_RESOURCE_BYTES, and images are checked by ``images.check_image``
before WeasyPrint decodes them (pixel count from the header; SVG without entities, foreign ``<use>`` or an
explosion of ``<use>`` elements).
"""

from __future__ import annotations

import mimetypes
import os
import stat
from collections.abc import Collection, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from briefgen import chart_images
from briefgen.images import MAX_IMAGE_PIXELS, MAX_RESOURCE_BYTES, MAX_SVG_ELEMENTS, ImageRefused, check_image
from briefgen.native import import_weasyprint

import_weasyprint()  # its native libraries found quickly, before weasyprint.urls imports all of it

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse  # noqa: E402

#: Seconds an allowed network fetch may take.
NETWORK_TIMEOUT = 10


class ResourceRefused(FatalURLFetchingError):  # type: ignore[misc]
    """A template or content asked for a resource it may not have."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason


class ProjectFetcher(URLFetcher):  # type: ignore[misc]
    """Serve files under ``roots``, ``data:`` URIs and ``allow_hosts``; refuse everything else, loudly."""

    def __init__(self, roots: list[Path], allow_hosts: Collection[str] = ()) -> None:
        protocols = {"data", "http", "https"} if allow_hosts else {"data"}
        super().__init__(
            allowed_protocols=protocols, allow_redirects=False, fail_on_errors=True, timeout=NETWORK_TIMEOUT
        )
        self.roots = [root.resolve() for root in roots]
        self.allow_hosts = frozenset(host.lower() for host in allow_hosts)
        self.fetched: list[str] = []
        #: charts the page links to while they are being drawn (``briefgen.chart_images``): by key, the
        #: size of each in points, which is what the layout is given for it until it is drawn
        self.pending: Mapping[str, tuple[float, float]] = {}

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        try:
            return self._fetch(url, headers)
        except ResourceRefused:
            raise
        except Exception as exc:  # WeasyPrint would make any exception a bare fatal error: say what it was
            raise ResourceRefused(url, f"could not be read ({type(exc).__name__}: {exc})") from None

    def _fetch(self, url: str, headers: dict[str, str] | None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == chart_images.SCHEME:
            key = url.partition(":")[2]
            if key not in self.pending:
                raise ResourceRefused(url, "no chart of the page has this key")
            return self._fetch(chart_images.data_uri(chart_images.size_stub(*self.pending[key])), headers)
        if scheme == "data":
            return self._served(url, super().fetch(url, headers))
        if scheme in ("http", "https"):
            if (parts.hostname or "").lower() not in self.allow_hosts:
                raise ResourceRefused(
                    url,
                    "network access is not allowed; allow_hosts in briefgen.yaml "
                    "names the hosts a project may fetch from",
                )
            return self._served(url, super().fetch(url, headers))
        if scheme != "file":
            raise ResourceRefused(url, f"network access is not allowed ('{scheme}:' URLs are refused)")
        if parts.netloc not in ("", "localhost"):
            raise ResourceRefused(url, "remote file URLs are not allowed")
        decoded = unquote(parts.path)
        if not decoded.startswith("/") or "\x00" in decoded:
            raise ResourceRefused(url, "not an absolute file path")
        try:
            resolved = Path(decoded).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            raise ResourceRefused(url, "no such file") from None
        if not any(resolved.is_relative_to(root) for root in self.roots):
            raise ResourceRefused(url, "outside the project's templates, content and assets folders")
        data = _read_file(resolved, url)
        mime = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
        check_resource(url, data, mime)
        self.fetched.append(resolved.as_posix())
        return URLFetcherResponse(resolved.as_uri(), data, {"Content-Type": mime})

    def _served(self, url: str, response: URLFetcherResponse) -> URLFetcherResponse:
        """Read a data: or network response within the size limit, check it, and serve it from memory."""
        try:
            data = response.read(MAX_RESOURCE_BYTES + 1)
        finally:
            response.close()
        if not isinstance(data, bytes):
            data = bytes(data)
        if len(data) > MAX_RESOURCE_BYTES:
            raise ResourceRefused(url, f"larger than {MAX_RESOURCE_BYTES:,} bytes")
        mime = response.content_type or "application/octet-stream"
        check_resource(url, data, mime)
        if not url.startswith("data:"):
            self.fetched.append(url)
        headers = {"Content-Type": response.headers.get("Content-Type", mime)}
        return URLFetcherResponse(response.url, data, headers, response.status)


def _read_file(path: Path, url: str) -> bytes:
    """Read a regular file, never more than MAX_RESOURCE_BYTES of it (a growing file cannot pass)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ResourceRefused(url, "not a regular file")
        if info.st_size > MAX_RESOURCE_BYTES:
            raise ResourceRefused(url, f"larger than {MAX_RESOURCE_BYTES:,} bytes")
        data = handle.read(MAX_RESOURCE_BYTES + 1)
    if len(data) > MAX_RESOURCE_BYTES:
        raise ResourceRefused(url, f"larger than {MAX_RESOURCE_BYTES:,} bytes")
    return data


def check_resource(url: str, data: bytes, mime: str) -> None:
    """Refuse an image that is not safe to decode (see ``images.check_image``), and a stylesheet whose
    ``@page`` rules make a page larger than a PDF can hold (``document_limits``), naming its URL."""
    if mime == "text/css":
        from briefgen.document_limits import page_size_problem

        found = page_size_problem(data.decode("utf-8", errors="replace"))
        if found is not None:
            raise ResourceRefused(url, found.message)
        # and on: WeasyPrint decodes a resource used as an image by its content, whatever its name says
    try:
        check_image(data, mime)
    except ImageRefused as exc:
        raise ResourceRefused(url, str(exc)) from None


__all__ = [
    "MAX_IMAGE_PIXELS",
    "MAX_RESOURCE_BYTES",
    "MAX_SVG_ELEMENTS",
    "ProjectFetcher",
    "ResourceRefused",
    "check_resource",
]
