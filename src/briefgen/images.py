"""Pictures a project gives: what they are, how large, and whether they are safe to decode.

Used where a picture enters a build: an audience's logo, checked when its profile is loaded (so that
``briefgen check`` reports a bad one, with the profile's line), and every image the PDF renderer fetches.
Nothing here imports WeasyPrint: ``check`` stays fast.

- A raster image's pixel count is read from its header, before anything decodes it, and may not pass
  MAX_IMAGE_PIXELS.
- An SVG may not declare entities, nor have a DOCTYPE with an internal subset, where entities live (the usual
  ``<!DOCTYPE svg PUBLIC …>`` line, which matplotlib writes too, is harmless and allowed); it may ``<use>``
  only elements of its own file, and may not draw more than MAX_SVG_ELEMENTS elements once every ``<use>``
  is expanded (a "billion laughs" made of ``<use>`` elements stops here).
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
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
#: The picture formats a logo may have: every format (PDF, HTML, DOCX) can show them.
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "SVG": "image/svg+xml"}

#: An entity declaration, or a DOCTYPE with an internal subset (``<!DOCTYPE svg [ ... ]>``).
_DECLARATION = re.compile(rb"<!\s*ENTITY|<!\s*DOCTYPE[^>\[]*\[", re.IGNORECASE)
_URL_REF = re.compile(r"url\(\s*['\"]?#([^'\")\s]+)")
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_MARKERS = ("marker", "marker-start", "marker-mid", "marker-end")
_LENGTH = re.compile(r"^\s*([\d.]+)\s*(px|pt|mm|cm|in)?\s*$")
_PX = {"px": 1.0, "pt": 96 / 72, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}


class ImageRefused(ValueError):
    """A picture that is not safe to decode, or not a picture at all; the message says why."""


@dataclass(frozen=True)
class Picture:
    """A picture, read and checked: its bytes, its type, its size in pixels and where it came from.

    Renderers embed ``data`` (the PDF and HTML as a ``data:`` URI, the DOCX as an image part); they never read
    the file again. ``width`` and ``height`` give the aspect ratio (an SVG's come from its size or viewBox).
    """

    data: bytes
    mime: str  # image/png, image/jpeg or image/svg+xml
    width: int
    height: int
    path: str  # as messages show it: assets/logo.png

    @property
    def data_uri(self) -> str:
        import base64

        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return self.data_uri


def image_pixels(data: bytes) -> int | None:
    """Return how many pixels an image has, from its header (nothing is decoded); None if not an image."""
    size = raster_size(data)
    return None if size is None else size[1][0] * size[1][1]


def raster_size(data: bytes) -> tuple[str, tuple[int, int]] | None:
    """Return a raster image's format ("PNG", "JPEG"…) and size from its header; None if not an image."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                return str(image.format), (int(width), int(height))
        except Image.DecompressionBombError as exc:  # past Pillow's own limit: it says only how large
            found = re.search(r"\((\d+) pixels\)", str(exc))
            pixels = int(found.group(1)) if found else MAX_IMAGE_PIXELS + 1
            return "?", (pixels, 1)
        except Exception:  # not an image Pillow knows, so not one WeasyPrint can decode either
            return None


def looks_like_xml(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") or head.startswith((b"\xff\xfe", b"\xfe\xff"))


def check_image(data: bytes, mime: str) -> None:
    """Refuse an image too large to decode safely, and an SVG that declares entities or multiplies itself.

    WeasyPrint tries every resource used as an image first with Pillow and then as SVG, whatever its name,
    so the checks go by content, not by name.
    """
    if mime == "image/svg+xml" or looks_like_xml(data):
        check_svg(data)
        return
    pixels = image_pixels(data)
    if pixels is not None and pixels > MAX_IMAGE_PIXELS:
        raise ImageRefused(f"an image of {pixels:,} pixels, more than the {MAX_IMAGE_PIXELS:,} allowed")


def check_svg(data: bytes) -> ElementTree.Element | None:
    """Refuse an SVG declaring entities, with a ``<use>`` of another file, or drawing too many elements.

    Return its root element, or None if it is not XML (WeasyPrint cannot draw it either, and says so).
    """
    text = data
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace").encode("utf-8")
    if _DECLARATION.search(text):
        raise ImageRefused("an SVG may not declare entities, nor a DOCTYPE with an internal subset")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return None
    ids = {element.get("id"): element for element in root.iter() if element.get("id")}
    if _SvgCost(ids).of(root) > MAX_SVG_ELEMENTS:
        raise ImageRefused(
            f"the SVG draws more than {MAX_SVG_ELEMENTS:,} elements once its <use> references are expanded"
        )
    return root


def read_picture(data: bytes, path: str) -> Picture:
    """Check a picture meant for every format (a logo): a PNG, JPEG or SVG within the limits.

    Raise ImageRefused saying what is wrong.
    """
    if len(data) > MAX_RESOURCE_BYTES:
        raise ImageRefused(f"{len(data):,} bytes, more than the {MAX_RESOURCE_BYTES:,} allowed")
    if looks_like_xml(data):
        root = check_svg(data)
        if root is None or root.tag.rsplit("}", 1)[-1] != "svg":
            raise ImageRefused("not a picture: it looks like XML, but is not an SVG image")
        width, height = _svg_size(root)
        return Picture(data, LOGO_TYPES["SVG"], width, height, path)
    found = raster_size(data)
    if found is None:
        raise ImageRefused("not a picture: neither PNG, JPEG nor SVG")
    kind, (width, height) = found
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageRefused(
            f"an image of {width * height:,} pixels, more than the {MAX_IMAGE_PIXELS:,} allowed"
        )
    if kind not in LOGO_TYPES:
        raise ImageRefused(f"a {kind} image; a logo must be PNG, JPEG or SVG, which every format shows")
    if not width or not height:
        raise ImageRefused("an image without pixels")
    return Picture(data, LOGO_TYPES[kind], width, height, path)


def _svg_size(root: ElementTree.Element) -> tuple[int, int]:
    """Return an SVG's size in CSS pixels: its width and height, else its viewBox; 300 × 150 by default."""
    width, height = _px(root.get("width")), _px(root.get("height"))
    box = [float(v) for v in re.findall(r"-?[\d.]+", root.get("viewBox", ""))[:4] if _number(v)]
    if len(box) == 4 and box[2] > 0 and box[3] > 0:
        if width and not height:
            height = width * box[3] / box[2]
        elif height and not width:
            width = height * box[2] / box[3]
        elif not width and not height:
            width, height = box[2], box[3]
    width, height = width or 300.0, height or 150.0
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageRefused(f"an SVG of {width:,.0f} × {height:,.0f} pixels, more than the limit")
    return max(round(width), 1), max(round(height), 1)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _px(value: str | None) -> float | None:
    match = _LENGTH.match(value or "")
    if not match or not _number(match.group(1)):
        return None
    return float(match.group(1)) * _PX[match.group(2) or "px"]


class _SvgCost:
    """Count the elements an SVG draws, each ``<use>`` and marker counting what it repeats, memoized by id."""

    def __init__(self, ids: dict[str | None, ElementTree.Element]) -> None:
        self.ids = ids
        self.known: dict[int, int] = {}
        self.open: set[int] = set()

    def of(self, element: ElementTree.Element, depth: int = 0) -> int:
        key = id(element)
        if key in self.known:
            return self.known[key]
        if key in self.open:
            raise ImageRefused("an SVG element uses itself")
        if depth > MAX_SVG_DEPTH:
            raise ImageRefused(f"SVG elements nested deeper than {MAX_SVG_DEPTH} levels")
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
                raise ImageRefused("an SVG <use> may refer only to elements of the same file")
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


def load_picture(project: Path, relative: str) -> Picture:
    """Read and check a picture of the project (``assets/logo.png``); raise ImageRefused or ContentError."""
    from briefgen import sources

    data = sources.read_bytes(project / relative, relative, project, MAX_RESOURCE_BYTES)
    return read_picture(data, relative)
