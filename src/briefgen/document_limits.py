"""Limits on the HTML document a template writes, checked before it is printed or written: how deeply its
elements nest, and how large its ``@page`` rules make a page.

WeasyPrint lays out nested boxes recursively: somewhere between 120 and 150 nested elements it runs out of
Python's stack (measured on this project's page template), and the build used to end in an error that named
only the output. A page size such as ``1000000in`` used to be accepted and passed on to the PDF. Both are now
refused up front, naming the template line that writes them, the same way for the HTML, the PDF and check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    too_deep, styles = _read(html)
    if too_deep is not None:
        return too_deep
    for css, line in styles:
        found = page_size_problem(css)
        if found is not None:
            return Problem(found.message, found.written, line + found.line - 1)
    return None


def page_size_problem(css: str) -> Problem | None:
    """Return the first ``@page`` rule of a stylesheet whose ``size`` is out of bounds, or None.

    Only the ``@page`` rules are parsed (with tinycss2, WeasyPrint's CSS parser): the rest of a stylesheet
    cannot set a page's size, and parsing all of it took as long as the rest of the check.
    """
    import tinycss2

    for start, end in _page_rules(css):
        first_line = css.count("\n", 0, start) + 1
        for rule in tinycss2.parse_stylesheet(css[start:end], skip_comments=True, skip_whitespace=True):
            if getattr(rule, "type", "") != "at-rule" or rule.lower_at_keyword != "page":
                continue
            for item in tinycss2.parse_blocks_contents(
                rule.content or [], skip_comments=True, skip_whitespace=True
            ):
                if getattr(item, "type", "") == "declaration" and item.lower_name == "size":
                    found = _size_problem(item.value)
                    if found is not None:
                        return Problem(found[0], found[1], first_line + item.source_line - 1)
    return None


def _size_problem(tokens: list[Any]) -> tuple[str, str] | None:
    for token in tokens:
        if token.type != "dimension":
            continue
        written = token.serialize()
        if token.lower_unit not in _MM_PER_UNIT:
            return f"the page size '{written}' is not in mm, cm, in, pt, pc or px", written
        mm = float(token.value) * _MM_PER_UNIT[token.lower_unit]
        if not MIN_PAGE_MM <= mm <= MAX_PAGE_MM:
            bounds = f"{MIN_PAGE_MM:g} mm to 200 in a side"
            return f"the page size '{written}' is outside what a page can be ({bounds})", written
    return None


_PAGE = re.compile(r"@page\b", re.IGNORECASE)
_SKIP = re.compile(r'/\*.*?\*/|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', re.S)


def _page_rules(css: str) -> list[tuple[int, int]]:
    """Return where each ``@page`` rule starts and ends (after its closing brace), at any depth."""
    blanked = _SKIP.sub(lambda m: " " * len(m.group()), css)  # braces in comments and strings do not count
    found = []
    for match in _PAGE.finditer(blanked):
        depth = 0
        for index in range(match.end(), len(blanked)):
            if blanked[index] == "{":
                depth += 1
            elif blanked[index] == "}":
                depth -= 1
                if depth == 0:
                    found.append((match.start(), index + 1))
                    break
            elif blanked[index] == ";" and depth == 0:
                break  # ``@page;``: no block
    return found


#: A tag, or a stretch whose content is not markup (comments, style and script elements' text).
_TAG = re.compile(
    r"<!--.*?-->|<(style|script)\b[^>]*>(.*?)</\1\s*>|<(/?)([A-Za-z][^\s/>]*)[^>]*?(/?)>",
    re.S | re.IGNORECASE,
)


def _read(html: str) -> tuple[Problem | None, list[tuple[str, int]]]:
    """Measure how deeply elements nest, and collect the text of ``<style>`` elements with their lines.

    A tokenizer, not a full HTML parser: the documents are the templates' own output, and the tokenizer
    reads the reference briefing's HTML in about a third of the time Python's HTMLParser takes (5 ms against
    17 ms, measured side by side on a busy machine).
    """
    open_: list[str] = []
    styles: list[tuple[str, int]] = []
    for match in _TAG.finditer(html):
        kind, content, closing, name, self_closing = match.groups()
        if kind is not None:
            if kind.lower() == "style":
                styles.append((content, html.count("\n", 0, match.start(2)) + 1))
            continue
        if name is None:
            continue  # a comment
        tag = name.lower()
        if closing:
            if tag in open_:
                while open_ and open_.pop() != tag:
                    pass
            continue
        if tag in _VOID or self_closing:
            continue
        closes = _SIBLINGS.get(tag, ())
        while open_ and open_[-1] in closes:
            open_.pop()
        open_.append(tag)
        if len(open_) > MAX_DEPTH:
            problem = Problem(
                f"elements nest deeper than {MAX_DEPTH} levels ({' > '.join(open_[:3])} > … > {tag}), "
                "more than a page can lay out",
                match.group(),
                html.count("\n", 0, match.start()) + 1,
            )
            return problem, styles
    return None, styles
