"""Renderers: pure functions of the render context that return a document's bytes, registered by name.

Heavy libraries (WeasyPrint, python-docx) are imported inside the renderer that needs them.
"""

from __future__ import annotations

from briefgen.renderers.base import Renderer, Setup

FORMATS = ("pdf", "html", "docx")


def get(name: str) -> Renderer:
    """Return the renderer of an output format."""
    if name == "html":
        from briefgen.renderers.html import HtmlRenderer

        return HtmlRenderer()
    if name == "pdf":
        from briefgen.renderers.pdf import PdfRenderer

        return PdfRenderer()
    if name == "docx":
        from briefgen.renderers.docx import DocxRenderer

        return DocxRenderer()
    raise KeyError(name)


__all__ = ["FORMATS", "Renderer", "Setup", "get"]
