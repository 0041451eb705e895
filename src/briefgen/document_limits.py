"""Limits on the HTML document a template writes, checked before it is printed or written: how deeply its
elements nest, and how large its ``@page`` rules make a page.

WeasyPrint lays out nested boxes recursively: somewhere between 120 and 150 nested elements it runs out of
Python's stack (measured on this project's page template), and the build used to end in an error that named
only the output. A page size such as ``1000000in`` used to be accepted and passed on to the PDF. Both are now
refused up front, naming the template line that writes them, the same way for the HTML, the PDF and check.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

#: Deepest nesting of elements a document may have (the reference briefing's deepest is 8).
MAX_DEPTH = 100
#: Largest side of a page, in millimetres: 200 inches, the largest page a PDF can describe without scaling
#: (14,400 points).
MAX_PAGE_MM = 5080.0
#: Smallest side of a page, in millimetres.
MIN_PAGE_MM = 10.0

_MM_PER_UNIT = {
    "mm": 1.0,
    "cm": 10.0,
    "q": 0.25,
    "in": 25.4,
    "pt": 25.4 / 72,
    "pc": 25.4 / 6,
    "px": 25.4 / 96,
}
#: Elements that have no end tag.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
#: Elements an element of the same kind (or a sibling kind) closes when it starts: ``<li>`` after ``<li>``.
_SIBLINGS = {
    "li": {"li"},
    "p": {"p"},
    "td": {"td", "th"},
    "th": {"td", "th"},
    "tr": {"tr", "td", "th"},
    "dt": {"dt", "dd"},
    "dd": {"dt", "dd"},
    "option": {"option"},
}


@dataclass(frozen=True)
class Problem:
    """What is wrong with a document, and a piece of its text to find in the template that wrote it."""

    message: str
    written: str
    line: int  # the line of the document where it is written (1-based)


def check_document(html: str) -> Problem | None:
    """Return the first limit an HTML document passes, or None."""
    parser = _Reader()
    parser.feed(html)
    parser.close()
    if parser.too_deep is not None:
        return parser.too_deep
    for css, line in parser.styles:
        found = page_size_problem(css)
        if found is not None:
            return Problem(found.message, found.written, line + found.line - 1)
    return None


def page_size_problem(css: str) -> Problem | None:
    """Return the first ``@page`` rule of a stylesheet whose ``size`` is out of bounds, or None."""
    import tinycss2

    for rule in _page_rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)):
        for item in tinycss2.parse_blocks_contents(
            rule.content or [], skip_comments=True, skip_whitespace=True
        ):
            if getattr(item, "type", "") != "declaration" or item.lower_name != "size":
                continue
            for token in item.value:
                if token.type != "dimension":
                    continue
                unit = token.lower_unit
                if unit not in _MM_PER_UNIT:
                    return Problem(
                        f"the page size '{token.serialize()}' is not in mm, cm, in, pt, pc or px",
                        token.serialize(),
                        item.source_line,
                    )
                mm = float(token.value) * _MM_PER_UNIT[unit]
                if not MIN_PAGE_MM <= mm <= MAX_PAGE_MM:
                    return Problem(
                        f"the page size '{token.serialize()}' is outside what a page can be "
                        f"({MIN_PAGE_MM:g} mm to 200 in a side)",
                        token.serialize(),
                        item.source_line,
                    )
    return None


def _page_rules(rules: list[Any]) -> list[Any]:
    """Return the ``@page`` rules of a stylesheet, also those inside ``@media`` and ``@supports``."""
    import tinycss2

    found = []
    for rule in rules:
        if getattr(rule, "type", "") != "at-rule":
            continue
        if rule.lower_at_keyword == "page":
            found.append(rule)
        elif rule.content is not None and rule.lower_at_keyword in ("media", "supports", "layer", "document"):
            inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
            found += _page_rules(inner)
    return found


class _Reader(HTMLParser):
    """Measure how deeply elements nest, and collect the text of ``<style>`` elements with their lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.too_deep: Problem | None = None
        self.styles: list[tuple[str, int]] = []
        self._style: list[str] | None = None
        self._style_line = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        closes = _SIBLINGS.get(tag)
        if closes and self.open and self.open[-1] in closes:
            self.open.pop()
        self.open.append(tag)
        if len(self.open) > MAX_DEPTH and self.too_deep is None:
            line = self.getpos()[0]
            self.too_deep = Problem(
                f"elements nest deeper than {MAX_DEPTH} levels ({' > '.join(self.open[:3])} > … > {tag}), "
                "more than a page can lay out",
                self.get_starttag_text() or f"<{tag}",
                line,
            )
        if tag == "style":
            self._style = []
            self._style_line = self.getpos()[0]

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self._style is not None:
            self.styles.append(("".join(self._style), self._style_line))
            self._style = None
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._style is not None:
            self._style.append(data)
