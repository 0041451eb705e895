"""Export a briefing edition as Markdown (pandoc's dialect), for the pandoc peer of the benchmark.

The Markdown is made from the render context, so every figure is the text briefgen prints
(``558만 달러(약 84억 원)``), not a fact key. Headings, paragraphs, bullet lists, tables (pipe tables),
quotes, callouts (block quotes), key figures (a table), timelines (a list), glossaries (a definition list)
and footnotes are kept; charts become their alt text. Not a renderer of briefgen: only the benchmark uses it.

    .venv/bin/python bench/export_markdown.py [--project DIR] [--lang ko] [--audience NAME] [-o brief.md]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from briefgen import markup
from briefgen.charts import ChartView
from briefgen.context import (
    BulletsView,
    CalloutView,
    Figure,
    FootnoteRef,
    GlossaryView,
    HeadingView,
    ItemView,
    KeyFiguresView,
    ParagraphView,
    QuoteView,
    RenderContext,
    Spans,
    TableView,
    TimelineView,
    span_text,
)

#: Characters pandoc's Markdown may read as markup: emphasis, links, raw HTML, math, super/subscript, tables.
_SPECIAL = re.compile(r"([\\`*_\[\]<>$|~^#])")
#: A line start that pandoc would read as a list item or a block.
_BLOCK_START = re.compile(r"^(\s*)([-+>]|\d+[.)])(\s)")
_SPACES = re.compile(r"\s+")


def escape(text: str) -> str:
    """Escape text so that pandoc prints it as it is."""
    return _SPECIAL.sub(r"\\\1", _SPACES.sub(" ", text))


def inline(spans: Spans) -> str:
    """Return spans as one line of Markdown; footnotes become ``[^n]`` marks."""
    out: list[str] = []
    for span in spans:
        if isinstance(span, markup.Text | Figure):
            out.append(escape(span.text))
        elif isinstance(span, markup.Code):
            out.append("`` " + span.text.replace("\n", " ") + " ``")
        elif isinstance(span, markup.Strong):
            out.append("**" + inline(span.children) + "**")  # type: ignore[arg-type]
        elif isinstance(span, markup.Emphasis):
            out.append("*" + inline(span.children) + "*")  # type: ignore[arg-type]
        elif isinstance(span, markup.Link):
            out.append("[" + inline(span.children) + "](" + span.href.replace(")", "%29") + ")")  # type: ignore[arg-type]
        elif isinstance(span, FootnoteRef):
            out.append(f"[^{span.number}]")
    return "".join(out).strip()


def _line(spans: Spans) -> str:
    """Return spans as a paragraph line that cannot start a list or a block quote by accident."""
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2) + m.group(3), inline(spans), count=1)


def _items(items: Iterable[ItemView], depth: int = 0) -> list[str]:
    lines: list[str] = []
    for item in items:
        lines.append("  " * depth + "- " + inline(item.text))
        lines.extend(_items(item.items, depth + 1))
    return lines


def _table(header: list[str], rows: list[list[str]], align: list[str], caption: str | None) -> list[str]:
    rule = {"right": "---:", "center": ":---:"}
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule.get(a, "---") for a in align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    if caption:
        lines += ["", ": " + caption]
    return lines


def block(view: object) -> list[str]:
    """Return the Markdown lines of one block view (no blank line around it)."""
    if isinstance(view, ParagraphView):
        return [_line(view.text)]
    if isinstance(view, HeadingView):
        return ["### " + escape(f"{view.number} {span_text(view.text)}".strip())]
    if isinstance(view, BulletsView):
        return _items(view.items)
    if isinstance(view, TableView):
        return _table(
            [inline(h) for h in view.header],
            [[inline(c) for c in row] for row in view.rows],
            list(view.align),
            inline(view.caption) if view.caption else None,
        )
    if isinstance(view, CalloutView):
        inner: list[str] = []
        if view.title:
            inner += ["**" + inline(view.title) + "**", ""]
        if view.text:
            inner += [_line(view.text), ""]
        inner += _items(view.items)
        return ["> " + line if line else ">" for line in _strip_blank(inner)]
    if isinstance(view, QuoteView):
        lines = ["> " + _line(view.text)]
        if view.source:
            lines += [">", "> — " + inline(view.source)]
        return lines
    if isinstance(view, KeyFiguresView):
        as_of = any(item.as_of for item in view.items)
        rows = [
            [escape(i.value), inline(i.label), *([escape(i.as_of or "")] if as_of else [])]
            for i in view.items
        ]
        # the header row is left empty in spirit: key figures have no column titles in the brief either
        return _table(
            ["", "", *([""] if as_of else [])], rows, ["right", "left", *(["left"] if as_of else [])], None
        )
    if isinstance(view, TimelineView):
        return ["- **" + escape(e.date) + "**: " + inline(e.event) for e in view.entries]
    if isinstance(view, GlossaryView):
        lines = []
        for entry in view.items:
            lines += [inline(entry.term), ":   " + inline(entry.definition), ""]
        return _strip_blank(lines)
    if isinstance(view, ChartView):
        return ["*" + escape(view.alt) + "*"]  # charts are not drawn: their alt text stands in
    raise TypeError(f"no Markdown for {type(view).__name__}")


def _strip_blank(lines: list[str]) -> list[str]:
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _front_matter(ctx: RenderContext) -> list[str]:
    meta = ctx.meta
    fields = {
        "title": meta.title,
        "subtitle": meta.subtitle,
        "author": meta.author,
        "date": meta.date,
        "lang": ctx.lang,
        "keywords": list(meta.keywords) or None,
    }
    # JSON strings are YAML strings, so nothing in a title can break the metadata block
    lines = ["---"] + [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items() if v]
    return [*lines, "---"]


def to_markdown(ctx: RenderContext) -> str:
    """Return the whole edition as Markdown: metadata block, sections in order, footnotes at the end."""
    parts: list[list[str]] = [_front_matter(ctx)]
    lead = [escape(x) for x in (ctx.meta.organisation, ctx.meta.classification) if x]
    if lead:
        parts.append([" · ".join(lead)])
    for section in ctx.sections:
        parts.append(["## " + escape(f"{section.number} {span_text(section.title)}".strip())])
        parts.extend(block(view) for view in section.blocks)
    notes = [f"[^{note.number}]: {inline(note.children)}" for note in ctx.footnotes]
    if notes:
        parts.append(notes)
    return "\n\n".join("\n".join(lines) for lines in parts if lines) + "\n"


def export(project: Path, lang: str, audience: str | None = None) -> str:
    """Load and validate a project, and return one edition of it as Markdown."""
    from briefgen import audience as audiences
    from briefgen.build import load_project
    from briefgen.context import build_context
    from briefgen.plan import search_path

    loaded = load_project(project)
    profile = (
        audiences.load(audience, search_path(loaded.root), loaded.root, loaded.brief) if audience else None
    )
    return to_markdown(build_context(loaded.brief, lang, profile))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", type=Path, default=Path("."))
    parser.add_argument("--lang", default="ko")
    parser.add_argument("--audience", default=None)
    parser.add_argument("-o", "--output", type=Path, default=None, help="default: standard output")
    args = parser.parse_args(argv)
    text = export(args.project, args.lang, args.audience)
    if args.output:
        args.output.write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
