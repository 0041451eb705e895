"""The only way a rendered document reaches a resource: files in the project's own folders, and data: URIs.

WeasyPrint's own fetcher reads any ``file://`` path and fetches ``http://`` URLs. This one refuses both, and
stops the rendering when asked for anything outside the allowed folders, so that a refused resource is an
error rather than a silently missing picture. Everything a document loads comes through here: images,
stylesheets (``@import``), fonts (``@font-face``) and attachments (``rel=attachment``).

Network access is refused unless the project lists hosts under ``allow_hosts`` in ``briefgen.yaml``; then
``http(s)://`` URLs to exactly those hosts are fetched, without following redirects.

What is served is bounded too: at most MAX_RESOURCE_BYTES; an image's pixel count is read from its header,
before anything decodes it, and may not pass MAX_IMAGE_PIXELS; an SVG may not declare entities, nor have a
DOCTYPE with an internal subset, where entities live (the usual ``<!DOCTYPE svg PUBLIC …>`` line, which
matplotlib writes too, is harmless and allowed); it may ``<use>`` only elements of its own file, and may not
draw more than MAX_SVG_ELEMENTS elements once every ``<use>`` is expanded (a "billion laughs" made of
``<use>`` elements stops here).
"""

from __future__ import annotations

import io
import mimetypes
import os
import re
import stat
import warnings
from collections.abc import Collection
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from briefgen.native import import_weasyprint

import_weasyprint()  # its native libraries found quickly, before weasyprint.urls imports all of it

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse  # noqa: E402

#: Largest resource (image, stylesheet, font, attachment) read, in bytes.
MAX_RESOURCE_BYTES = 20 * 1024 * 1024
#: Most pixels an image may have (width × height), read from its header before it is decoded.
MAX_IMAGE_PIXELS = 40_000_000
#: Most elements an SVG may draw, counting each element as often as ``<use>`` and markers repeat it.
MAX_SVG_ELEMENTS = 20_000
#: Deepest nesting of an SVG's elements (WeasyPrint draws SVG recursively).
MAX_SVG_DEPTH = 200
#: Seconds an allowed network fetch may take.
NETWORK_TIMEOUT = 10

#: An entity declaration, or a DOCTYPE with an internal subset (``<!DOCTYPE svg [ ... ]>``).
_DECLARATION = re.compile(rb"<!\s*ENTITY|<!\s*DOCTYPE[^>\[]*\[", re.IGNORECASE)
_URL_REF = re.compile(r"url\(\s*['\"]?#([^'\")\s]+)")
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_MARKERS = ("marker", "marker-start", "marker-mid", "marker-end")


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
    """Refuse an image too large to decode safely, and an SVG that declares entities or multiplies itself.

    WeasyPrint tries every resource used as an image first with Pillow and then as SVG, whatever its name,
    so the checks go by content, not by name.
    """
    if mime == "image/svg+xml" or _looks_like_xml(data):
        check_svg(url, data)
        return
    pixels = image_pixels(data)
    if pixels is not None and pixels > MAX_IMAGE_PIXELS:
        raise ResourceRefused(
            url, f"an image of {pixels:,} pixels, more than the {MAX_IMAGE_PIXELS:,} allowed"
        )


def image_pixels(data: bytes) -> int | None:
    """Return how many pixels an image has, from its header (nothing is decoded); None if not an image."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                return int(width) * int(height)
        except Image.DecompressionBombError as exc:  # past Pillow's own limit: it says only how large
            found = re.search(r"\((\d+) pixels\)", str(exc))
            return int(found.group(1)) if found else MAX_IMAGE_PIXELS + 1
        except Exception:  # not an image Pillow knows, so not one WeasyPrint can decode either
            return None


def _looks_like_xml(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") or head.startswith((b"\xff\xfe", b"\xfe\xff"))


def check_svg(url: str, data: bytes) -> None:
    """Refuse an SVG declaring entities, with a ``<use>`` of another file, or drawing too many elements."""
    text = data
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace").encode("utf-8")
    if _DECLARATION.search(text):
        raise ResourceRefused(url, "an SVG may not declare entities, nor a DOCTYPE with an internal subset")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return  # not XML: WeasyPrint cannot draw it either, and says so
    ids = {element.get("id"): element for element in root.iter() if element.get("id")}
    cost = _SvgCost(url, ids)
    if cost.of(root) > MAX_SVG_ELEMENTS:
        raise ResourceRefused(
            url,
            f"the SVG draws more than {MAX_SVG_ELEMENTS:,} elements once its <use> references are expanded",
        )


class _SvgCost:
    """Count the elements an SVG draws, each ``<use>`` and marker counting what it repeats, memoized by id."""

    def __init__(self, url: str, ids: dict[str | None, ElementTree.Element]) -> None:
        self.url = url
        self.ids = ids
        self.known: dict[int, int] = {}
        self.open: set[int] = set()

    def of(self, element: ElementTree.Element, depth: int = 0) -> int:
        key = id(element)
        if key in self.known:
            return self.known[key]
        if key in self.open:
            raise ResourceRefused(self.url, "an SVG element uses itself")
        if depth > MAX_SVG_DEPTH:
            raise ResourceRefused(self.url, f"SVG elements nested deeper than {MAX_SVG_DEPTH} levels")
        self.open.add(key)
        total = 1
        for child in element:
            total += self.of(child, depth + 1)
            if total > MAX_SVG_ELEMENTS:
                break
        for target, times in self._references(element):
            total += times * self.of(target, depth + 1)
            if total > MAX_SVG_ELEMENTS:
                break
        self.open.discard(key)
        self.known[key] = total
        return total

    def _references(self, element: ElementTree.Element) -> list[tuple[ElementTree.Element, int]]:
        found: list[tuple[ElementTree.Element, int]] = []
        href = element.get("href") or element.get(_XLINK_HREF)
        if href and element.tag.rsplit("}", 1)[-1] == "use":
            if not href.startswith("#"):
                raise ResourceRefused(self.url, "an SVG <use> may refer only to elements of the same file")
            if href[1:] in self.ids:
                found.append((self.ids[href[1:]], 1))
        vertices = _vertices(element)
        for name, value in element.attrib.items():
            # a marker is drawn at every vertex (given as an attribute, or in the style attribute)
            times = vertices if name in _MARKERS or (name == "style" and "marker" in value) else 1
            found.extend((self.ids[ref], times) for ref in _URL_REF.findall(value) if ref in self.ids)
        return found


def _vertices(element: ElementTree.Element) -> int:
    """Estimate how many vertices a shape has: the markers of a path are drawn at each one."""
    numbers = sum(len(re.findall(r"-?[\d.]+", element.get(name, ""))) for name in ("d", "points"))
    return max(numbers // 2, 1) + 1
