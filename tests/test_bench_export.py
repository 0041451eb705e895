"""The benchmark's Markdown exporter (bench/export_markdown.py, for the pandoc peer) keeps what readers see.

A smoke test only, so that the exporter cannot rot silently while the render context changes; the benchmark
itself is not part of the test suite.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from briefgen.build import load_project
from briefgen.context import build_context

REPO = Path(__file__).resolve().parents[1]


def _exporter() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_export_markdown", REPO / "bench" / "export_markdown.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_markdown_keeps_the_korean_headings_and_figures() -> None:
    ctx = build_context(load_project(REPO).brief, "ko")
    markdown = _exporter().to_markdown(ctx)
    shown = re.sub(r"\\(.)", r"\1", markdown)  # what pandoc prints: backslash escapes removed

    headings = [line.lstrip("#").strip() for line in shown.splitlines() if line.startswith("#")]
    assert headings == ctx.headings()  # every section and sub-heading, numbered, in order
    assert "## 1 회사 개요" in shown
    for figure in ctx.figures():
        assert figure in shown, figure
    assert "558만 달러(약 84억 원)" in shown
    assert (
        "| 558만 달러(약 84억 원) | DeepSeek-V3 개발 비용(최종 학습) |" in shown
    )  # key figures: a pipe table
    assert re.search(r"^\|---.*\|$", markdown, re.MULTILINE)
    assert re.search(r"^> \*\*", markdown, re.MULTILINE)  # a callout, as a block quote
    assert markdown.startswith('---\ntitle: "딥시크(DeepSeek) 리서치 브리핑"\n')
