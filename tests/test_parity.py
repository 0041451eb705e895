"""The PDF and the DOCX show the same headings and figures; `briefgen check --parity` says where not."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.build import load_project
from briefgen.context import build_context
from briefgen.parity import check_parity, check_text, normalise
from tests.conftest import REPO, run


def test_text_is_compared_without_whitespace_and_word_joiners() -> None:
    assert normalise("558\u2060만 달러(약\n84억 원)") == "558만달러(약84억원)"


def test_missing_headings_and_figures_are_reported_with_the_document() -> None:
    ctx = build_context(load_project(REPO).brief, "en")
    headings = ctx.headings()
    full = "\n".join(headings) + "\n" + "\n".join(headings) + "\n" + " ".join(ctx.figures())
    assert check_text(ctx, "x.docx", full) == []
    broken = full.replace("3.2 Hardware", "3.2 Hardwire", 1).replace("$5.58 million", "$5.6 million")
    messages = [str(d) for d in check_text(ctx, "x.docx", broken)]
    missing = "x.docx: error: heading '3.2 Hardware' is missing from the table of contents, or out of order"
    assert missing in messages
    assert any(m.startswith("x.docx: error: figure '$5.58 million' should appear") for m in messages)
    swapped = full.replace("1.1 Origins\n1.2 High-Flyer’s rise", "1.2 High-Flyer’s rise\n1.1 Origins", 1)
    assert len(check_text(ctx, "x.docx", swapped)) == 1


@pytest.mark.slow
def test_cli_check_parity_passes_on_the_reference_in_both_languages(reference: Path) -> None:
    result = run("check", "--parity", "--project", str(reference))
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


@pytest.mark.slow
def test_parity_fails_when_the_pdf_drops_the_sub_headings(reference: Path) -> None:
    # A project template that prints sub-headings without their text: the PDF loses them, the DOCX has them.
    blocks = (REPO / "templates" / "blocks.html.j2").read_text(encoding="utf-8")
    start = blocks.index("{% macro heading(block) %}")
    end = blocks.index("{% endmacro %}", start)
    (reference / "templates").mkdir(exist_ok=True)
    (reference / "templates" / "blocks.html.j2").write_text(
        blocks[:start] + '{% macro heading(block) %}<h3 id="{{ block.anchor }}"></h3>\n' + blocks[end:],
        encoding="utf-8",
    )
    messages = [str(d) for d in check_parity(load_project(reference), ["ko"], [None])]
    missing = (
        "deepseek-briefing.ko.pdf: error: heading '1.1 설립 배경' is missing from the body, or out of order"
    )
    assert missing in messages
    assert not [m for m in messages if m.startswith("deepseek-briefing.ko.docx")]
