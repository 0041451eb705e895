"""Parse the inline markup of content text into a small tree: a safe Markdown subset plus fact references.

Supported: ``**strong**``, ``*emphasis*``, ``code``, ``[links](https://…)``, inline footnotes ``^[…]``,
fact references ``{key}`` / ``{key+KRW}``, and ``{=text}`` for text written as it is (a number that is not a
figure). Raw HTML is never interpreted: it stays text. Anything else in braces, and a link to anything but
the web or an e-mail address, is a MarkupProblem: text fields cannot run template code or reach files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Union

#: A fact reference: ``{key}`` or ``{key+CUR}`` (the amount converted to another currency as well).
FACT_REF = re.compile(r"\{([a-z][a-z0-9_]*)(?:\+([A-Za-z]{3}))?\}")
#: Text written as it is, marked as not a figure: ``{=2025}``, ``{=12}``.
LITERAL = re.compile(r"\{=([^{}\n]*)\}")
ALLOWED_SCHEMES = ("http://", "https://", "mailto:")


class MarkupProblem(ValueError):
    """Something in a text that looks like markup and is not allowed; ``offset`` is where, in the text."""

    def __init__(self, kind: str, written: str, offset: int) -> None:
        super().__init__(f"{kind}: {written}")
        self.kind = kind  # "reference" (braces that are not a fact reference) or "link"
        self.written = written
        self.offset = offset


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Strong:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Emphasis:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Link:
    href: str
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class FactRef:
    """A reference to a fact; ``also`` names a second currency to show the amount in."""

    key: str
    also: str | None = None


@dataclass(frozen=True)
class Note:
    """An inline footnote: its text, placed where the reference mark goes."""

    children: tuple[Inline, ...]


Inline = Union[Text, Code, Strong, Emphasis, Link, FactRef, Note]  # noqa: UP007 - used at run time
RichText = tuple[Inline, ...]


def _fact_rule(state: Any, silent: bool) -> bool:
    if state.src[state.pos] != "{":
        return False
    match = FACT_REF.match(state.src, state.pos)
    literal = LITERAL.match(state.src, state.pos)
    if literal:
        if not silent:
            state.push("text", "", 0).content = literal.group(1)
        state.pos = literal.end()
        return True
    if not match:
        end = state.src.find("}", state.pos)
        shown = state.src[state.pos : end + 1] if 0 <= end - state.pos <= 60 else "{"
        raise MarkupProblem("reference", shown, state.pos)
    if not silent:
        token = state.push("fact_ref", "", 0)
        token.meta = {"key": match.group(1), "also": match.group(2)}
    state.pos = match.end()
    return True


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False})
    md.enable(["emphasis", "link", "backticks", "escape", "newline"])
    md.use(footnote_plugin, inline=True)
    md.inline.ruler.before("emphasis", "fact_ref", _fact_rule)
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # checked below, to report, not hide
    return md


def parse_inline(source: str) -> RichText:
    """Parse one text field into inline nodes; raise MarkupProblem for braces or a link not allowed."""
    env: dict[str, Any] = {}
    tokens = _parser().parseInline(source, env)
    children = tokens[0].children or [] if tokens else []
    notes = env.get("footnotes", {}).get("list", {})
    nodes, _ = _convert(children, 0, notes, None)
    for node in walk(tuple(nodes)):
        if isinstance(node, Link) and not node.href.strip().lower().startswith(ALLOWED_SCHEMES):
            offset = source.find("](" + node.href)
            raise MarkupProblem("link", node.href, offset + 2 if offset >= 0 else 0)
    return _merge_text(nodes)


def _convert(
    tokens: list[Any], i: int, notes: dict[int, Any], closing: str | None
) -> tuple[list[Inline], int]:
    out: list[Inline] = []
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.type
        if closing is not None and kind == closing:
            return out, i + 1
        if kind == "text":
            out.append(Text(tok.content))
        elif kind in ("softbreak", "hardbreak"):
            out.append(Text(" "))
        elif kind == "code_inline":
            out.append(Code(tok.content))
        elif kind == "fact_ref":
            out.append(FactRef(tok.meta["key"], (tok.meta["also"] or "").upper() or None))
        elif kind in ("strong_open", "em_open", "link_open"):
            inner, i = _convert(tokens, i + 1, notes, kind.replace("_open", "_close"))
            if kind == "strong_open":
                out.append(Strong(_merge_text(inner)))
            elif kind == "em_open":
                out.append(Emphasis(_merge_text(inner)))
            else:
                out.append(Link(str(tok.attrs.get("href", "")), _merge_text(inner)))
            continue
        elif kind == "footnote_ref":
            note = notes.get(tok.meta["id"], {})
            inner, _ = _convert(note.get("tokens", []), 0, notes, None)
            out.append(Note(_merge_text(inner)))
        i += 1
    return out, i


def _merge_text(nodes: list[Inline]) -> RichText:
    merged: list[Inline] = []
    for node in nodes:
        if isinstance(node, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].text + node.text)
        elif not (isinstance(node, Text) and not node.text):
            merged.append(node)
    return tuple(merged)


def walk(nodes: RichText) -> list[Inline]:
    """Return every node of a tree, depth first."""
    found: list[Inline] = []
    for node in nodes:
        found.append(node)
        if isinstance(node, Strong | Emphasis | Link | Note):
            found.extend(walk(node.children))
    return found


def fact_refs(nodes: RichText) -> list[FactRef]:
    """Return the fact references in a tree, in reading order."""
    return [n for n in walk(nodes) if isinstance(n, FactRef)]


def plain_text(nodes: RichText) -> str:
    """Return the text of a tree without markup, fact references written as ``{key}``, notes left out."""
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, Text | Code):
            parts.append(node.text)
        elif isinstance(node, FactRef):
            parts.append("{" + node.key + "}")
        elif isinstance(node, Strong | Emphasis | Link):
            parts.append(plain_text(node.children))
    return "".join(parts)
