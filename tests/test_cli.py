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


# ---------------------------------------------------------------- suggestions that understand intent


@pytest.mark.parametrize(
    ("lang", "hint"),
    [
        ("jp", "'jp' stands for 'ja': add 'ja' to 'languages' and write content/ja/"),
        ("kr", "did you mean 'ko'?"),
        ("EN", "did you mean 'en'?"),
        ("en-US", "did you mean 'en'?"),
        ("fr", "add it to 'languages' and write content/fr/"),
    ],
)
def test_a_language_not_in_the_project_suggests_the_one_meant(minimal: Path, lang: str, hint: str) -> None:
    result = run("build", "--project", str(minimal), "--lang", lang, "--format", "html")
    assert result.exit_code == 1
    assert result.stderr == (
        f"briefgen.yaml: error: language '{lang}' is not one of the project's languages (ko, en) ({hint})\n"
    )


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        ("[ko, jp]", "briefgen.yaml:3:17: error: unknown language 'jp' (did you mean 'ja'?)"),
        (
            "[ko, en-US]",
            "briefgen.yaml:3:17: error: no content for language 'en-US': content/en-US/ does not exist "
            "(the content is in content/en/: write 'en' here, or rename the folder to en-US)",
        ),
        (
            "[ko, fr]",
            "briefgen.yaml:3:17: error: no content for language 'fr': content/fr/ does not exist "
            "(create content/fr/ with brief.yaml and sections, or remove 'fr' from languages)",
        ),
    ],
)
def test_a_language_of_the_project_file_is_checked_where_it_is_written(
    minimal: Path, languages: str, expected: str
) -> None:
    (minimal / "briefgen.yaml").write_text(
        f"brief: minimal\ndefault_language: ko\nlanguages: {languages}\n", encoding="utf-8"
    )
    result = run("check", "--project", str(minimal))
    assert result.exit_code == 1
    assert result.stderr == expected + "\n"


def test_a_missing_translation_does_not_block_building_the_other_language(minimal: Path) -> None:
    (minimal / "content/ko/02-investment.yaml").write_text(
        "id: investment\ntitle: 투자\nsummary:\n  - 설립은 {founded}이다.\n", encoding="utf-8"
    )
    korean = run("build", "--project", str(minimal), "--lang", "ko", "--format", "html")
    assert korean.exit_code == 0, korean.output
    assert (minimal / "output/minimal.ko.html").is_file()
    missing = (
        "content/en: error: section 'investment' exists in 'ko' but not in 'en' (add it, translated from the "
        "'ko' section, or set language_fallback: true in briefgen.yaml)\n"
    )
    english = run("build", "--project", str(minimal), "--lang", "en", "--format", "html")
    assert (english.exit_code, english.stderr) == (1, missing)
    check = run("check", "--project", str(minimal))
    assert (check.exit_code, check.stderr) == (1, missing)


def test_facts_shown_through_a_stand_in_section_count_as_used(minimal: Path) -> None:
    with (minimal / "briefgen.yaml").open("a", encoding="utf-8") as handle:
        handle.write("language_fallback: true\n")
    (minimal / "content/ko/02-investment.yaml").write_text(
        "id: investment\ntitle: 투자\nsummary:\n  - 새 인력은 {hires}명이다.\n", encoding="utf-8"
    )
    with (minimal / "content/facts.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  hires:\n    kind: count\n    value: 7\n")
    result = run("check", "--project", str(minimal))
    assert result.exit_code == 0
    assert result.stderr == (
        "content/en: warning: section 'investment' is not translated into 'en': the 'ko' text stands in "
        "(add it, translated from the 'ko' section)\n"
        "0 errors, 1 warning\n"
    )


def test_a_realistic_new_project_passes_check_strict_without_ceremony(tmp_path: Path) -> None:
    """A briefing on another topic, written as a new user would: years, product names (HBM3E, H200), stack
    heights (12단, 12-high), ranks (1위, 2nd) and a lone digit (3사) in the prose; every figure a fact."""
    import shutil

    from tests.conftest import PROJECTS

    project = tmp_path / "hbm"
    shutil.copytree(PROJECTS / "hbm", project)
    result = run("check", "--strict", "--project", str(project))
    assert (result.exit_code, result.stderr) == (0, "0 errors, 0 warnings\n")
    built = run("build", "--strict", "--project", str(project), "-l", "ko", "-l", "en", "-f", "html")
    assert built.exit_code == 0, built.output
