"""docs/customizing.md, followed step by step: what it shows must work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO, pdfinfo, pdftotext, run

DOC = REPO / "docs" / "customizing.md"
SNIPPET = re.compile(r"<!-- (file|append): (\S+) -->\n```\w*\n(.*?)```", re.S)
COMMAND = re.compile(r"```sh\n(.*?)```", re.S)


def apply_snippets(project: Path, text: str) -> list[str]:
    done = []
    for action, relative, body in SNIPPET.findall(text):
        target = project / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if action == "file":
            target.write_text(body, encoding="utf-8")
        else:
            target.write_text(target.read_text(encoding="utf-8") + body, encoding="utf-8")
        done.append(relative)
    return done


def commands(text: str) -> list[list[str]]:
    found = []
    for block in COMMAND.findall(text):
        for line in block.strip().splitlines():
            words = line.split("#")[0].split()
            if words and words[0] == "briefgen":
                found.append(words[1:])
    return found


@pytest.fixture
def board(reference: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(reference)
    return reference


def test_the_walkthrough_works_as_written(board: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert apply_snippets(board, text) == [
        "templates/audiences/board.yaml",
        "templates/board.html.j2",
        "templates/audiences/board.yaml",
    ]
    shown = commands(text)
    assert ["build", "--lang", "ko", "--lang", "en", "--audience", "board"] in shown
    for args in shown:
        if args[:2] == ["templates", "copy"]:
            first = run(*args)
            assert first.exit_code == 0, first.output
            again = run(*args)
            assert again.exit_code == 1 and "--force" in again.stderr
            continue
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)

    ko = board / "output" / "deepseek-briefing.board.ko.pdf"
    en = board / "output" / "deepseek-briefing.board.en.pdf"
    assert pdfinfo(en)["Page size"].startswith("612 x 792")  # Letter
    text_en = pdftotext(en)
    assert "Board only" in text_en and "Office of the Board" in text_en
    assert "For the Board of Directors" in text_en  # the overridden footer block
    assert "Glossary" not in text_en and "Openness" not in text_en
    assert "Cost efficiency" in text_en
    assert "이사회 한정" in pdftotext(ko)


def test_the_error_shown_for_a_misspelt_section_is_the_real_one(board: Path) -> None:
    apply_snippets(board, DOC.read_text(encoding="utf-8"))
    profile = board / "templates" / "audiences" / "board.yaml"
    profile.write_text(profile.read_text().replace("cost, impact]", "cost, impakt]"), encoding="utf-8")
    shown = re.search(r"templates/audiences/board.yaml:\d+:\d+: error: .*", DOC.read_text(encoding="utf-8"))
    assert shown is not None
    result = run("check")
    assert result.exit_code == 1
    assert shown.group() in result.stderr.splitlines()
