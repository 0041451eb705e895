"""The build's display on a terminal: total, percentage, rate and time left; then warnings, grouped."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from briefgen.build import build
from briefgen.errors import Diagnostic, Location
from briefgen.progress import build_display, grouped
from tests.conftest import REPO, run

_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def frames(stream: io.StringIO) -> list[str]:
    """Return the frames a terminal showed, control sequences removed."""
    return [
        f.strip() for f in _CONTROL.sub("", stream.getvalue()).replace("\n", "\r").split("\r") if f.strip()
    ]


def test_the_bar_shows_total_percentage_rate_and_time_left_from_the_start(
    minimal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    stream = io.StringIO()
    with build_display(stream, terminal=True) as display:
        assert display is not None
        result = build(
            minimal, ["ko", "en"], ["html", "docx"], progress=display.done, planned=display.planned
        )
    assert len(result.written) == 4
    shown = frames(stream)
    assert any(re.search(r" 0/4 +0% ", f) for f in shown), shown  # the total is known before any is done
    last = shown[-1]
    assert re.search(r"━+ 4/4 100% \d+\.\d\d outputs/s \d:\d\d:\d\d elapsed, 0:00:00 left$", last), last
    assert any(re.search(r" [123]/4 +\d+% ", f) for f in shown)


def test_no_bar_when_the_output_is_not_a_terminal() -> None:
    with build_display(io.StringIO(), terminal=False) as display:
        assert display is None


def test_warnings_are_listed_once_by_file_with_the_outputs_they_came_from() -> None:
    weasy = Diagnostic(
        "WeasyPrint: Ignored `colr: red`", Location("templates/css/brief.css.j2", 148, 5), severity="warning"
    )
    fact = Diagnostic("fact 'x' is not used", Location("content/facts.yaml", 9, 3), severity="warning")
    loose = Diagnostic("HarfBuzz's subsetter is not installed", None, severity="warning")
    names = [f"b.{lang}.pdf" for lang in ("ko", "en", "ja", "de")]
    assert [str(d) for d in grouped([loose, weasy, fact, weasy], {weasy: names, loose: ["b.ko.pdf"]})] == [
        "content/facts.yaml:9:3: warning: fact 'x' is not used",
        "templates/css/brief.css.j2:148:5: warning: WeasyPrint: Ignored `colr: red` "
        "[in 4 outputs: b.ko.pdf, b.en.pdf, b.ja.pdf, …]",
        "warning: HarfBuzz's subsetter is not installed [in b.ko.pdf]",
    ]


def test_a_build_lists_what_it_wrote_then_its_warnings_grouped(minimal: Path) -> None:
    (minimal / "templates" / "css").mkdir(parents=True)
    stylesheet = minimal / "templates" / "css" / "brief.css.j2"
    shutil.copyfile(REPO / "templates" / "css" / "brief.css.j2", stylesheet)
    lines = stylesheet.read_text(encoding="utf-8").count("\n")
    with stylesheet.open("a", encoding="utf-8") as handle:
        handle.write("p { colr: red; }\n")
    result = run("build", "--project", str(minimal), "-l", "ko", "-l", "en", "-f", "pdf")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2 and result.stdout.startswith("wrote ")
    assert result.stderr == (
        f"templates/css/brief.css.j2:{lines + 1}:5: warning: WeasyPrint: Ignored `colr: red` at "
        f"{result.stderr.split(' at ')[1].split(',')[0]}, unknown property. "
        "[in 2 outputs: minimal.ko.pdf, minimal.en.pdf]\n"
    )
