"""The command line: exit codes, messages and the broken fixture projects, each with its exact error."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen import __version__
from tests.conftest import BROKEN, overlay, run

CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES)
def test_broken_project_prints_its_exact_error(
    case: str, minimal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    overlay(minimal, BROKEN / case)
    previous = minimal / "output" / "minimal.ko.pdf"
    previous.parent.mkdir()
    previous.write_bytes(b"previous good build")
    monkeypatch.chdir(minimal)
    result = run("build", "--strict", "--lang", "ko", "--lang", "en")
    expected = (BROKEN / case / "expected.txt").read_text(encoding="utf-8")
    assert result.exit_code == 1
    assert result.stderr == expected
    assert "Traceback" not in result.output
    # a failed build leaves the previous output as it was, and no temporary file
    assert previous.read_bytes() == b"previous good build"
    assert sorted(p.name for p in previous.parent.glob("[!.]*")) == ["minimal.ko.pdf"]
    assert not list(previous.parent.rglob("*.tmp"))


def test_every_broken_case_names_a_file_and_line() -> None:
    for case in CASES:
        first = (BROKEN / case / "expected.txt").read_text(encoding="utf-8").splitlines()[0]
        where = first.split(": ", 1)[0]
        assert where.startswith(("content/", "templates/", "briefgen.yaml")), case
        assert ":" in where or where.count("/") == 1, case


def test_debug_shows_the_traceback(minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overlay(minimal, BROKEN / "unknown-fact")
    monkeypatch.chdir(minimal)
    result = run("build", "--debug")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert "unknown fact 'cots'" in result.stderr


def test_build_prints_every_file_it_wrote(minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(minimal)
    result = run("build", "--lang", "ko", "--lang", "en", "--format", "html")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["wrote output/minimal.ko.html", "wrote output/minimal.en.html"]
    assert (minimal / "output" / "minimal.en.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_project_option_and_output_option(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    result = run("build", "--project", str(minimal), "--format", "html", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "minimal.ko.html").is_file()


def test_unknown_language_is_an_error(minimal: Path) -> None:
    result = run("build", "--project", str(minimal), "--lang", "fr", "--format", "html")
    assert result.exit_code == 1
    assert result.stderr == (
        "briefgen.yaml: error: language 'fr' is not one of the project's languages (ko, en) "
        "(add it to 'languages' and write content/fr/)\n"
    )


def test_missing_project_file(tmp_path: Path) -> None:
    result = run("build", "--project", str(tmp_path))
    assert result.exit_code == 1
    assert "error: no briefgen.yaml here" in result.stderr


def test_usage_errors_exit_2() -> None:
    assert run("build", "--format", "odt").exit_code == 2
    assert run("frobnicate").exit_code == 2


def test_version_and_help() -> None:
    assert run("--version").stdout == f"briefgen, version {__version__}\n"
    for command in ([], ["build"], ["check"]):
        result = run(*command, "--help")
        assert result.exit_code == 0
        assert "Usage:" in result.stdout


def test_check_reports_all_problems_with_a_count(minimal: Path) -> None:
    overlay(minimal, BROKEN / "hard-coded-number")
    result = run("check", "--project", str(minimal))
    assert result.exit_code == 0
    assert "warning: the figure '139' is written into the text" in result.stderr
    assert result.stderr.endswith("0 errors, 1 warning\n")
    strict = run("check", "--strict", "--project", str(minimal))
    assert strict.exit_code == 1


def test_python_dash_m_works(minimal: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "briefgen", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"briefgen, version {__version__}"
