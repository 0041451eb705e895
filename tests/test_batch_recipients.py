"""The recipients file of a batch: CSV as Excel writes it and YAML, every bad row located, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from briefgen.batch.recipients import Defaults, load
from briefgen.cli import main
from briefgen.errors import ContentError

DEFAULTS = Defaults(languages=["ko", "en", "ja"], default_lang="ko", audiences={"executive", "policy"})


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def problems(path: Path, defaults: Defaults = DEFAULTS) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load(path, path.name, defaults)
    return [str(d) for d in caught.value.diagnostics]


def test_an_excel_csv_with_bom_crlf_and_korean_names(tmp_path: Path) -> None:
    # What Excel's "CSV UTF-8 (Comma delimited)" writes: a byte order mark, CRLF line ends, quotes only where
    # a value holds a comma, a quote or a line break.
    text = (
        "\ufeffName,E-mail,Organisation,Language,Audience,Formats,직함\r\n"
        "김민준,kim@example.org,한국투자증권,ko,executive,pdf,상무\r\n"
        '"Lee, Jisoo",lee@Example.ORG,"Acme, ""Inc.""",en,,pdf docx,VP\r\n'
        "山田太郎,yamada@example.jp,,ja,,,\r\n"
        ",,,,,,\r\n"  # an empty row: skipped
    )
    people = load(write(tmp_path / "people.csv", text.encode("utf-8")), "people.csv", DEFAULTS)
    assert [(p.number, p.name, p.email) for p in people] == [
        (1, "김민준", "kim@example.org"),
        (2, "Lee, Jisoo", "lee@example.org"),  # the domain in lower case
        (3, "山田太郎", "yamada@example.jp"),
    ]
    kim, lee, yamada = people
    assert (kim.organisation, kim.lang, kim.audience, kim.formats) == (
        "한국투자증권",
        "ko",
        "executive",
        ("pdf",),
    )
    assert (lee.organisation, lee.lang, lee.audience, lee.formats) == (
        'Acme, "Inc."',
        "en",
        None,
        ("pdf", "docx"),
    )
    assert (yamada.organisation, yamada.formats) == (None, ("pdf",))  # empty: the defaults
    assert kim.extra == {"직함": "상무"} and lee.extra == {"직함": "VP"}
    assert kim.edition == "ko executive" and lee.edition == "en"


def test_semicolons_and_excels_sep_line(tmp_path: Path) -> None:
    # Excel in locales with a decimal comma separates with semicolons, and may name the delimiter first.
    for text in ("name;email\nKim;kim@example.org\n", "sep=;\r\nname;email\r\nKim;kim@example.org\r\n"):
        people = load(write(tmp_path / "people.csv", text), "people.csv", DEFAULTS)
        assert [(p.name, p.email) for p in people] == [("Kim", "kim@example.org")]


def test_every_bad_row_is_reported_at_once_with_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path / "people.csv",
        "name,email,organisation,language,audience,formats\n"
        "Kim,kim@example.org,Acme,ko,,pdf\n"
        "Lee,lee@,Acme,kr,executiv,pdf\n"
        "Park,Kim@Example.org,,,,\n"
        ",nobody@example.org,,,,odt\n"
        '"Seo\nYoon",seo@example.org,,,,\n'
        "Han,han@example.org,,,,,extra\n",
    )
    assert problems(path) == [
        "people.csv:3:5: error: the e-mail address 'lee@' has no valid domain after the '@' "
        "(write a full domain name such as example.org)",
        "people.csv:3:15: error: unknown language 'kr' (the project's languages: ko, en, ja)",
        "people.csv:3:18: error: unknown audience 'executiv' (did you mean 'executive'?)",
        "people.csv:4:6: error: duplicate recipient Kim@example.org (first at line 2) "
        "(list each recipient once)",
        "people.csv:5:1: error: no name (every recipient needs one: the copy is marked with it)",
        "people.csv:5:24: error: unknown format 'odt' (formats: pdf, docx)",
        "people.csv:6:1: error: the name contains a line break or a control character (remove it)",
        "people.csv:8:25: error: this row has more values than the header has columns (6) "
        "(a value holding the delimiter must be in double quotes)",
    ]


def test_the_header_needs_a_name_and_an_email_column(tmp_path: Path) -> None:
    path = write(tmp_path / "people.csv", "Full Name,mail,Name\nKim,kim@example.org,Kim\n")
    assert problems(path) == [
        "people.csv:1:16: error: the column 'Name' is named twice (first at column 1) (rename or remove one)"
    ]
    path = write(tmp_path / "people.csv", "who,org\nKim,Acme\n")
    assert problems(path)[:2] == [
        "people.csv:1:1: error: the header has no e-mail column "
        "(name one 'email' (the columns are: who, org))",
        "people.csv:1:1: error: the header has no name column "
        "(name one 'name': the copy is marked 'Prepared for <name>')",
    ]


def test_a_file_excel_saved_in_a_legacy_encoding_gets_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path / "people.csv", "name,email\n김민준,kim@example.org\n".encode("cp949"))
    assert problems(path) == [
        "people.csv:2:1: error: the file is not UTF-8 (byte 0xb1) "
        "(save it as UTF-8; in Excel choose 'CSV UTF-8 (Comma delimited)')"
    ]


def test_a_broken_quote_is_located(tmp_path: Path) -> None:
    path = write(tmp_path / "people.csv", 'name,email\nKim,kim@example.org\n"Lee" x,lee@example.org\n')
    (problem,) = problems(path)
    assert problem.startswith("people.csv:3: error: cannot read this CSV row: ")


def test_yaml_recipients_keep_every_value_as_text(tmp_path: Path) -> None:
    # In YAML, an unquoted no is a boolean and 1.10 a number; a recipients file means the text.
    path = write(
        tmp_path / "people.yaml",
        "recipients:\n"
        "  - name: 김민준\n    email: kim@example.org\n"
        "    organisation: 한국투자증권\n    formats: [pdf, docx]\n"
        "  - {name: Lee, email: lee@example.org, language: en, title: 1.10}\n",
    )
    kim, lee = load(path, "people.yaml", DEFAULTS)
    assert (kim.name, kim.organisation, kim.formats, kim.lang) == (
        "김민준",
        "한국투자증권",
        ("pdf", "docx"),
        "ko",
    )
    assert (lee.lang, lee.extra) == ("en", {"title": "1.10"})


def test_yaml_errors_are_located_too(tmp_path: Path) -> None:
    path = write(
        tmp_path / "people.yaml",
        "- name: Kim\n"
        "  email: kim@example.org\n"
        "  language: no\n"
        "- name: Lee\n"
        "  email: lee@example\n"
        "  name: Lee again\n"
        "- just a string\n",
    )
    assert problems(path) == [
        "people.yaml:3:13: error: unknown language 'no' (the project's languages: ko, en, ja)",
        "people.yaml:5:10: error: the e-mail address 'lee@example' has no valid domain after the '@' "
        "(write a full domain name such as example.org)",
        "people.yaml:6:3: error: duplicate key 'name' (first at line 4) (a key may appear once; remove or "
        "rename one)",
        "people.yaml:7:3: error: a recipient is a mapping such as {name: …, email: …}",
    ]
    broken = write(tmp_path / "broken.yaml", "- name: Kim\n  email: [kim@example.org\n")
    (problem,) = problems(broken)
    assert problem.startswith("broken.yaml:3:1: error: YAML syntax error: ")


def test_the_command_reports_the_rows_before_anything_is_built(minimal: Path) -> None:
    people = write(minimal / "people.csv", "name,email,language\nKim,kim@,ko\nLee,lee@example.org,fr\n")
    result = CliRunner().invoke(
        main, ["batch", str(people), "--project", str(minimal), "--dry-run"], catch_exceptions=False
    )
    assert result.exit_code == 1
    shown = people.resolve().relative_to(Path.cwd()) if people.is_relative_to(Path.cwd()) else people
    assert result.output == (
        f"{shown}:2:5: error: the e-mail address 'kim@' has no valid domain after the '@' "
        "(write a full domain name such as example.org)\n"
        f"{shown}:3:21: error: unknown language 'fr' (the project's languages: ko, en)\n"
        "2 errors\n"
    )
    assert not (minimal / "output").exists()
