"""Say which of a project's HTML template changes the DOCX does not follow, and where to make them instead.

The PDF and HTML come from the Jinja page templates; the DOCX from the Word template (reference.docx) and
the content. A project that overrides a block of the page template (``{% block footer %}`` in its own
``board.html.j2``), or edits a copy of the stylesheet, changes the PDF and HTML only. Nothing should be
ignored silently: ``check``, and every ``build`` that makes a DOCX, warn once per changed block, naming it
and what to edit for the DOCX. A block that is the same as the built-in one (an unedited copy) is no change.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from briefgen.errors import Diagnostic, Location
from briefgen.plan import builtin_templates

BASE = "base.html.j2"
STYLESHEET = "css/brief.css.j2"
_WORD = "the Word template"
#: How to get at the Word template, after each hint.
EDIT_WORD = "briefgen templates copy reference.docx, then open templates/reference.docx in Word"
#: Where each block of base.html.j2 is made in the DOCX.
DOCX_COUNTERPART = {
    "head": "the DOCX's document properties (title, author, keywords) come from content/<lang>/brief.yaml",
    "page_style": "the DOCX's colours come from the audience's palette, its look from the styles of " + _WORD,
    "header": "edit the page header of " + _WORD + " instead",
    "footer": "edit the page footer of " + _WORD + " instead",
    "cover": "edit the cover and title block at the start of " + _WORD + " instead",
    "toc": "the DOCX's contents are made from the headings; restyle them with the TOC Heading, toc 1 and "
    "toc 2 styles of " + _WORD,
    "sections": "the DOCX's sections are made from the content; restyle them with the styles of " + _WORD,
    "section": "the DOCX's sections are made from the content; restyle them with the styles of " + _WORD,
    "section_title": "the DOCX's headings are made from the content; restyle them with the heading 1 style "
    "of " + _WORD,
}

Tokens = tuple[tuple[str, str], ...]


def html_only(project: Path) -> list[Diagnostic]:
    """Return a warning for each page-template block and stylesheet of the project that the DOCX ignores."""
    own = project / "templates"
    builtin = builtin_templates()
    if not own.is_dir() or own.resolve() == builtin.resolve():
        return []
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])  # only its lexer is used: nothing is run
    shipped = {name: _blocks(env, builtin / name) for name in _page_templates(builtin)}
    problems: list[Diagnostic] = []
    for name in _page_templates(own):
        blocks = _blocks(env, own / name)
        reference = shipped.get(name) or shipped.get(BASE, {})
        for block, (tokens, line) in blocks.items():
            if block in reference and reference[block][0] == tokens:
                continue  # the same as the built-in block: no change
            hint = DOCX_COUNTERPART.get(
                block, "the DOCX has no such block; " + DOCX_COUNTERPART["page_style"]
            )
            problems.append(
                Diagnostic(
                    f"the block '{block}' changes the PDF and HTML only, not the DOCX",
                    Location(f"templates/{name}", line),
                    f"{hint}: {EDIT_WORD}",
                    severity="warning",
                )
            )
    sheet = own / STYLESHEET
    if sheet.is_file() and _tokens(env, sheet) != _tokens(env, builtin / STYLESHEET):
        problems.append(
            Diagnostic(
                "the stylesheet restyles the PDF and HTML only, not the DOCX",
                Location(f"templates/{STYLESHEET}"),
                f"the DOCX's look is the styles of {_WORD}: {EDIT_WORD}",
                severity="warning",
            )
        )
    return problems


def _page_templates(folder: Path) -> list[str]:
    return sorted(
        p.name
        for p in folder.glob("*.html.j2")
        if p.is_file() and not p.is_symlink() and p.name != "blocks.html.j2"
    )


def _tokens(env: jinja2.Environment, path: Path) -> Tokens | None:
    try:
        source = path.read_text("utf-8")
        return tuple((kind, value.strip()) for _, kind, value in env.lex(source) if value.strip())
    except (OSError, UnicodeDecodeError, jinja2.TemplateSyntaxError):
        return None


def _blocks(env: jinja2.Environment, path: Path) -> dict[str, tuple[Tokens, int]]:
    """Return each block a template defines: its tokens (without blank text) and the line it starts on."""
    try:
        stream = [token for token in env.lex(path.read_text("utf-8")) if token[1] != "whitespace"]
    except (OSError, UnicodeDecodeError, jinja2.TemplateSyntaxError):
        return {}  # check reports a template that does not parse
    found: dict[str, tuple[Tokens, int]] = {}
    open_: list[tuple[str, int, int]] = []  # name, first token, line
    for index, (line, kind, value) in enumerate(stream):
        if kind != "name" or index == 0 or stream[index - 1][1] != "block_begin":
            continue
        if value == "block" and index + 1 < len(stream):
            open_.append((stream[index + 1][2], index, line))
        elif value == "endblock" and open_:
            name, start, first = open_.pop()
            tokens = tuple((k, v.strip()) for _, k, v in stream[start:index] if v.strip())
            found[name] = (tokens, first)
    return found
