"""docs/customizing.md, followed step by step: what it shows must work."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import docx
import pytest
from PIL import Image

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
    """The reference project, with the board's logo where the walkthrough asks the reader to put it."""
    (reference / "assets").mkdir()
    image = Image.new("RGB", (400, 120), "#4a2c6f")
    image.paste((242, 169, 0), (20, 20, 100, 100))
    image.save(reference / "assets" / "board-logo.png")
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
    # board.html.j2's footer block replaces the whole footer, branding.footer's text included
    assert "Not for distribution outside the Board" not in text_en
    assert (
        subprocess.run(["pdfimages", "-list", str(en)], capture_output=True, text=True).stdout.count(
            " 400   120 "
        )
        >= 2
    )  # the logo: on the cover and in the running headers


def test_the_word_template_footer_edit_shown_reaches_the_docx(board: Path) -> None:
    """Step 4's edit of the Word template, made as Word would save it, reaches the board's DOCX."""
    text = DOC.read_text(encoding="utf-8")
    apply_snippets(board, text)
    assert run("templates", "copy", "reference.docx").exit_code == 0
    template = docx.Document(str(board / "templates" / "reference.docx"))
    footer = template.sections[-1].footer.paragraphs[0]._p
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"
    placeholders = [t.text for t in footer.iter(w)]
    assert placeholders == [
        "{{ branding.classification }}",
        "{{ branding.footer }}",
        "{% if branding.footer and marking %} · {% endif %}",  # a personal copy's marking (briefgen batch)
        "{{ marking_line }}",
        "{{ page_of }}",
    ]
    for t in footer.iter(w):
        if t.text == "{{ branding.footer }}":
            t.text = "For the Board of Directors"
    template.save(str(board / "templates" / "reference.docx"))
    result = run("build", "--lang", "en", "--audience", "board", "--format", "docx")
    assert result.exit_code == 0, result.output
    assert "the block 'footer' changes the PDF and HTML only" in result.stderr  # board.html.j2's footer
    built = docx.Document(str(board / "output" / "deepseek-briefing.board.en.docx"))
    assert built.sections[-1].footer.paragraphs[0].text.startswith("Board only\tFor the Board of Directors\t")


def test_the_error_shown_for_a_logo_that_is_not_a_picture_is_the_real_one(board: Path) -> None:
    apply_snippets(board, DOC.read_text(encoding="utf-8"))
    (board / "assets" / "board-logo.png").write_text("not a picture", encoding="utf-8")
    shown = re.search(r"templates/audiences/board.yaml:\d+:\d+: error: the logo .*", DOC.read_text("utf-8"))
    assert shown is not None
    result = run("check")
    assert result.exit_code == 1
    assert shown.group() in result.stderr.splitlines()


def test_the_error_shown_for_a_misspelt_section_is_the_real_one(board: Path) -> None:
    apply_snippets(board, DOC.read_text(encoding="utf-8"))
    profile = board / "templates" / "audiences" / "board.yaml"
    profile.write_text(profile.read_text().replace("cost, impact]", "cost, impakt]"), encoding="utf-8")
    shown = re.search(r"templates/audiences/board.yaml:\d+:\d+: error: .*", DOC.read_text(encoding="utf-8"))
    assert shown is not None
    result = run("check")
    assert result.exit_code == 1
    assert shown.group() in result.stderr.splitlines()
