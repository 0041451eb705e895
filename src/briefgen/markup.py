"""Parse the inline markup of content text into a small tree: a safe Markdown subset plus fact references.

Supported: ``**strong**``, ``*emphasis*``, ``code``, ``[links](https://…)``, inline footnotes ``^[…]`` and
fact references ``{key}`` / ``{key+KRW}``. Raw HTML is never interpreted: it stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Union

#: A fact reference: ``{key}`` or ``{key+CUR}`` (the amount converted to another currency as well).
FACT_REF = re.compile(r"\{([a-z][a-z0-9_]*)(?:\+([A-Za-z]{3}))?\}")
ALLOWED_SCHEMES = ("http://", "https://", "mailto:")


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
    if not match:
        return False
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
    md.validateLink = lambda url: url.strip().lower().startswith(ALLOWED_SCHEMES)  # type: ignore[method-assign]
    return md


def parse_inline(source: str) -> RichText:
    """Parse one text field into inline nodes."""
    env: dict[str, Any] = {}
    tokens = _parser().parseInline(source, env)
    children = tokens[0].children or [] if tokens else []
    notes = env.get("footnotes", {}).get("list", {})
    nodes, _ = _convert(children, 0, notes, None)
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
