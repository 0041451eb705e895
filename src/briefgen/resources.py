"""Limits on what a document may load, checked on the bytes before anything decodes them: size, image pixels,
SVG entities and expansion. Used by the PDF's resource fetcher and by every other place an image enters a
document (the audience's logo, in the DOCX too), so that the same file is refused in every format.

Nothing here imports WeasyPrint: ``check`` and DOCX builds use it too.
"""

from __future__ import annotations

import io
import os
import re
import stat
import warnings
from pathlib import Path
from xml.etree import ElementTree

#: Largest resource (image, stylesheet, font, attachment) read, in bytes.
MAX_RESOURCE_BYTES = 20 * 1024 * 1024
#: Most pixels an image may have (width × height), read from its header before it is decoded.
MAX_IMAGE_PIXELS = 40_000_000
#: Most elements an SVG may draw, counting each element as often as ``<use>`` and markers repeat it.
MAX_SVG_ELEMENTS = 20_000
#: Deepest nesting of an SVG's elements (WeasyPrint draws SVG recursively).
MAX_SVG_DEPTH = 200

#: An entity declaration, or a DOCTYPE with an internal subset (``<!DOCTYPE svg [ ... ]>``).
_DECLARATION = re.compile(rb"<!\s*ENTITY|<!\s*DOCTYPE[^>\[]*\[", re.IGNORECASE)
_URL_REF = re.compile(r"url\(\s*['\"]?#([^'\")\s]+)")
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_MARKERS = ("marker", "marker-start", "marker-mid", "marker-end")


class ResourceProblem(ValueError):
    """A resource refused: ``url`` names it, ``reason`` says why."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason


def read_resource(path: Path, url: str) -> bytes:
    """Read a regular file, never more than MAX_RESOURCE_BYTES of it (a growing file cannot pass)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ResourceProblem(url, "not a regular file")
        if info.st_size > MAX_RESOURCE_BYTES:
            raise ResourceProblem(url, f"larger than {MAX_RESOURCE_BYTES:,} bytes")
        data = handle.read(MAX_RESOURCE_BYTES + 1)
    if len(data) > MAX_RESOURCE_BYTES:
        raise ResourceProblem(url, f"larger than {MAX_RESOURCE_BYTES:,} bytes")
    return data


def check_resource(url: str, data: bytes, mime: str) -> None:
    """Refuse an image too large to decode safely, and an SVG that declares entities or multiplies itself.

    WeasyPrint tries every resource used as an image first with Pillow and then as SVG, whatever its name,
    so the checks go by content, not by name.
    """
    if mime == "text/css":  # a stylesheet loaded by @import or <link>: its @page sizes are bounded too
        from briefgen.document_limits import page_size_problem

        found = page_size_problem(data.decode("utf-8", errors="replace"))
        if found is not None:
            raise ResourceProblem(url, found.message)
        # and on: WeasyPrint decodes a resource used as an image by its content, whatever its name says
    if mime == "image/svg+xml" or _looks_like_xml(data):
        check_svg(url, data)
        return
    pixels = image_pixels(data)
    if pixels is not None and pixels > MAX_IMAGE_PIXELS:
        raise ResourceProblem(
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
        raise ResourceProblem(url, "an SVG may not declare entities, nor a DOCTYPE with an internal subset")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return  # not XML: WeasyPrint cannot draw it either, and says so
    ids = {element.get("id"): element for element in root.iter() if element.get("id")}
    cost = _SvgCost(url, ids)
    if cost.of(root) > MAX_SVG_ELEMENTS:
        raise ResourceProblem(
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
            raise ResourceProblem(self.url, "an SVG element uses itself")
        if depth > MAX_SVG_DEPTH:
            raise ResourceProblem(self.url, f"SVG elements nested deeper than {MAX_SVG_DEPTH} levels")
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
                raise ResourceProblem(self.url, "an SVG <use> may refer only to elements of the same file")
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
