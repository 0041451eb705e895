"""Audiences, template overrides, the starter project, languages and catalogues."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document

from briefgen.audience import available
from briefgen.build import build, load_project
from briefgen.check import check_catalogues
from briefgen.context import build_context
from briefgen.errors import ContentError
from briefgen.plan import builtin_templates, search_path
from tests.conftest import REPO, pdfinfo, pdftotext, run

AUDIENCES = ["executive", "technical", "policy"]
LANGS = ["ko", "en", "ja"]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Every built-in audience in every language, as PDF and DOCX; the PDFs, by audience and language."""
    out = tmp_path_factory.mktemp("matrix")
    result = build(REPO, LANGS, ["pdf", "docx"], output=out, audiences=AUDIENCES)
    assert len(result.written) == len(AUDIENCES) * len(LANGS) * 2
    built = {}
    for path in result.written:
        _, audience, lang, extension = path.name.split(".")
        if extension == "pdf":
            built[audience, lang] = path
        else:
            assert Document(str(path)).paragraphs  # python-docx opens every DOCX of the matrix
    return built


def test_every_audience_builds_in_every_language(matrix: dict[tuple[str, str], Path]) -> None:
    assert sorted(matrix) == sorted((a, lang) for a in AUDIENCES for lang in LANGS)
    for path in matrix.values():
        assert path.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("lang", LANGS)
def test_the_executive_briefing_fits_three_pages(matrix: dict[tuple[str, str], Path], lang: str) -> None:
    assert int(pdfinfo(matrix["executive", lang])["Pages"]) <= 3


def test_the_technical_briefing_is_complete(matrix: dict[tuple[str, str], Path]) -> None:
    brief = load_project(REPO).brief
    full = build_context(brief, "en")
    text = " ".join(pdftotext(matrix["technical", "en"]).split())
    for heading in full.headings():
        assert heading in text


def section_ids(audience: str, lang: str = "en") -> list[str]:
    from briefgen import audience as profiles

    brief = load_project(REPO).brief
    profile = profiles.load(audience, search_path(REPO), REPO, brief)
    return [s.id for s in build_context(brief, lang, profile).sections]


def test_audiences_differ_in_their_sections() -> None:
    assert section_ids("executive") == [
        "summary",
        "key-figures",
        "company",
        "training",
        "cost",
        "openness",
        "impact",
    ]
    assert section_ids("technical") == [
        "summary",
        "key-figures",
        "company",
        "training",
        "cost",
        "openness",
        "impact",
        "glossary",
        "sources",
    ]
    # policy: the themes tagged cost, openness and risks first
    assert section_ids("policy") == [
        "summary",
        "key-figures",
        "cost",
        "openness",
        "impact",
        "company",
        "training",
        "glossary",
        "sources",
    ]


def test_depth_summary_drops_the_detail() -> None:
    from briefgen import audience as profiles

    brief = load_project(REPO).brief
    policy = build_context(brief, "ko", profiles.load("policy", search_path(REPO), REPO, brief))
    by_id = {s.id: s for s in policy.sections}
    assert by_id["company"].detail == ()  # not in focus: summary only
    assert by_id["cost"].detail  # in focus: in full
    executive = build_context(brief, "ko", profiles.load("executive", search_path(REPO), REPO, brief))
    assert all(not s.detail for s in executive.sections)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_project_overrides_one_block_and_one_css_variable(minimal: Path, tmp_path: Path) -> None:
    write(
        minimal / "templates" / "brief.html.j2",
        '{% extends "base.html.j2" %}\n{% block toc %}<p class="note">Read me first</p>{% endblock %}\n',
    )
    write(minimal / "templates" / "audiences" / "plain.yaml", 'branding:\n  palette:\n    brand: "#ff0000"\n')
    result = build(minimal, ["en"], ["pdf", "html", "docx"], output=tmp_path, audiences=["plain"])
    pdf, html, docx = result.written
    assert "Read me first" in pdftotext(pdf)
    assert "Contents" not in pdftotext(pdf)
    assert "--brand: #ff0000;" in html.read_text(encoding="utf-8")
    with zipfile.ZipFile(docx) as package:  # the same colour recolours the Word styles
        assert 'w:color w:val="FF0000"' in package.read("word/styles.xml").decode("utf-8")


def test_profile_errors_are_located(minimal: Path) -> None:
    write(
        minimal / "templates" / "audiences" / "bad.yaml",
        "sections: [main, mian]\ndepht: full\npage:\n  size: A3\n",
    )
    with pytest.raises(ContentError) as info:
        build(minimal, ["en"], ["html"], audiences=["bad"])
    assert [str(d) for d in info.value.diagnostics] == [
        "templates/audiences/bad.yaml:2:1: error: unknown field 'depht' (did you mean 'depth'?)",
        "templates/audiences/bad.yaml:4:9: error: 'A3' is not one of 'A4' or 'Letter'",
    ]
    write(minimal / "templates" / "audiences" / "bad.yaml", "sections: [main, mian]\n")
    with pytest.raises(ContentError) as info:
        build(minimal, ["en"], ["html"], audiences=["bad"])
    assert [str(d) for d in info.value.diagnostics] == [
        "templates/audiences/bad.yaml:1:18: error: unknown section 'mian' (did you mean 'main'?)"
    ]


def test_unknown_audience(minimal: Path) -> None:
    result = run("build", "--project", str(minimal), "--audience", "executiv")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "templates/audiences: error: unknown audience 'executiv' (did you mean 'executive'?)\n"
    )


def test_templates_list_and_copy(minimal: Path) -> None:
    listed = run("templates", "list", "--project", str(minimal))
    assert listed.exit_code == 0
    assert "brief.html.j2" in listed.stdout and "built-in" in listed.stdout
    copied = run("templates", "copy", "css/brief.css.j2", "--project", str(minimal))
    assert copied.exit_code == 0
    assert (minimal / "templates" / "css" / "brief.css.j2").read_bytes() == (
        builtin_templates() / "css" / "brief.css.j2"
    ).read_bytes()
    assert (
        "css/brief.css.j2"
        in run("templates", "list", "--project", str(minimal)).stdout.split("(overrides the built-in one)")[0]
    )
    refused = run("templates", "copy", "css/brief.css.j2", "--project", str(minimal))
    assert refused.exit_code == 1
    assert "--force" in refused.stderr
    assert run("templates", "copy", "css/brief.css.j2", "--force", "--project", str(minimal)).exit_code == 0
    assert run("templates", "copy", "../../etc/passwd", "--project", str(minimal)).exit_code == 1


def test_init_then_build_in_an_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "my-brief"
    made = subprocess.run(
        [sys.executable, "-m", "briefgen", "init", str(target)], capture_output=True, text=True, check=False
    )
    assert made.returncode == 0, made.stderr
    built = subprocess.run(
        [sys.executable, "-m", "briefgen", "build", "--strict", "--audience", "example"],
        cwd=target,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert (target / "output" / "my-brief.example.en.pdf").is_file()
    assert run("init", str(target)).exit_code == 1  # not empty any more


def test_init_in_korean(tmp_path: Path) -> None:
    assert run("init", str(tmp_path / "k"), "--lang", "ko").exit_code == 0
    assert build(tmp_path / "k", formats=["html"]).written


def test_init_writes_a_bilingual_starter_whose_audience_follows_its_sections(tmp_path: Path) -> None:
    target = tmp_path / "hbm"
    made = run("init", str(target), "--lang", "ko", "--lang", "en", "--title", "HBM 시장")
    assert made.exit_code == 0, made.output
    assert "title:" not in made.stdout  # given, so nothing to say about it
    assert (
        (target / "briefgen.yaml")
        .read_text()
        .endswith("brief: hbm\ndefault_language: ko\nlanguages: [ko, en]\n")
    )
    for lang in ("ko", "en"):
        assert 'title: "HBM 시장"' in (target / f"content/{lang}/brief.yaml").read_text(encoding="utf-8")
        assert "\nid: overview\n" in (target / f"content/{lang}/01-overview.yaml").read_text()
    check = run("check", "--strict", "--project", str(target))
    assert (check.exit_code, check.stderr) == (0, "0 errors, 0 warnings\n")
    # the example audience names no section: replacing the starter section does not break it
    for lang, title in (("ko", "시장"), ("en", "Market")):
        (target / f"content/{lang}/01-overview.yaml").unlink()
        (target / f"content/{lang}/01-market.yaml").write_text(
            f"id: market\ntitle: {title}\nsummary:\n  - {title} {{market_size}}, {{growth}}, {{launch}}.\n",
            encoding="utf-8",
        )
    built = run(
        "build", "--strict", "--project", str(target), "-l", "ko", "-l", "en", "-a", "example", "-f", "html"
    )
    assert built.exit_code == 0, built.output
    assert "sec-market" in (target / "output/hbm.example.ko.html").read_text(encoding="utf-8")


def test_init_takes_the_title_from_the_folder_as_written_and_says_so(tmp_path: Path) -> None:
    made = run("init", str(tmp_path / "hbm"))
    assert made.exit_code == 0
    assert (
        "title: 'hbm', from the folder name (change it in content/*/brief.yaml, or start again with --title)"
        in (made.stdout)
    )
    assert 'title: "hbm"' in (tmp_path / "hbm/content/en/brief.yaml").read_text()


@pytest.mark.parametrize(
    ("lang", "hint"), [("jp", "did you mean 'ja'?"), ("es", "starters: en, ko, ja, de, fr")]
)
def test_init_refuses_a_language_without_a_starter(tmp_path: Path, lang: str, hint: str) -> None:
    made = run("init", str(tmp_path / "x"), "--lang", "ko", "--lang", lang)
    assert (made.exit_code, made.stderr) == (1, f"error: no starter content in '{lang}' ({hint})\n")
    assert not (tmp_path / "x").exists()


def test_built_in_catalogues_are_complete() -> None:
    loaded = load_project(REPO)
    assert check_catalogues(loaded, search_path(REPO)) == []


def test_an_incomplete_catalogue_is_reported(minimal: Path) -> None:
    write(
        minimal / "templates" / "locales" / "ko" / "LC_MESSAGES" / "messages.po",
        'msgid ""\nmsgstr ""\n"Language: ko\\n"\n\nmsgid "Contents"\nmsgstr ""\n',
    )
    found = [str(d) for d in check_catalogues(load_project(minimal), search_path(minimal))]
    assert (
        "templates/locales/ko/LC_MESSAGES/messages.po: warning: the string 'Contents' is not translated"
        in found
    )
    assert (
        "templates/locales/ko/LC_MESSAGES/messages.po: warning: catalogue lacks the string 'Date' "
        "(add it with its translation)"
    ) in found


def test_pybabel_extracts_the_template_strings(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-o",
            str(pot),
            "templates",
        ],
        cwd=REPO,
        check=True,
    )
    text = pot.read_text(encoding="utf-8")
    assert 'msgid "Contents"' in text
    assert 'msgid_plural "%(count)s sections"' in text


def test_language_fallback_marks_the_stand_in(minimal: Path, tmp_path: Path) -> None:
    write(
        minimal / "content" / "ko" / "02-extra.yaml",
        "id: extra\ntitle: 추가 장\nsummary: [번역되지 않은 글.]\n",
    )
    with pytest.raises(ContentError):
        load_project(minimal)
    config = minimal / "briefgen.yaml"
    config.write_text(config.read_text() + "language_fallback: true\n", encoding="utf-8")
    loaded = load_project(minimal)
    assert any("is not translated into 'en'" in str(w) for w in loaded.warnings)
    text = pdftotext(build(minimal, ["en"], ["pdf"], output=tmp_path).written[0])
    assert "Not yet translated: this section is shown in Korean." in " ".join(text.split())
    assert "추가 장" in text and "번역되지 않은 글." in text


def test_builtin_profiles_are_listed() -> None:
    assert set(AUDIENCES) <= set(available(search_path(REPO)))


def test_an_unquoted_colour_is_explained_as_a_yaml_comment(minimal: Path) -> None:
    write(
        minimal / "templates" / "audiences" / "board.yaml",
        "title: Board\nbranding:\n  palette:\n    brand: #00785a\n",
    )
    result = run("check", "--project", str(minimal))
    assert (result.exit_code, result.stderr) == (
        1,
        "templates/audiences/board.yaml:4:12: error: '#' starts a comment in YAML, so this value is empty "
        '(quote it: "#00785a")\n1 error, 0 warnings\n',
    )


def test_contents_come_with_three_chapters_unless_the_audience_says(tmp_path: Path) -> None:
    """toc: auto (the default) gives contents to an edition of three chapters or more, not to the starter's
    single one, whose contents page would be all but empty; the PDF and the DOCX agree; true forces them."""
    project = tmp_path / "brief"
    assert run("init", str(project)).exit_code == 0

    def contents_in(name: str) -> tuple[bool, bool]:
        outputs = build(project, formats=["pdf", "docx"], audiences=[name] if name else [], force=True)
        pdf = next(p for p in outputs.written if p.suffix == ".pdf")
        docx = next(p for p in outputs.written if p.suffix == ".docx")
        headings = [p.text for p in Document(str(docx)).paragraphs if p.style.name == "TOC Heading"]
        return "Contents" in pdftotext(pdf), headings == ["Contents"]

    assert contents_in("") == (False, False)
    assert pdfinfo(next((project / "output").glob("*.pdf")))["Pages"] == "2"  # the cover and the section
    profile = project / "templates" / "audiences" / "example.yaml"
    profile.write_text(profile.read_text("utf-8").replace("toc: false", "toc: true"), "utf-8")
    assert contents_in("example") == (True, True)  # asked for: contents even for one chapter

    section = (project / "content" / "en" / "01-overview.yaml").read_text("utf-8")
    for number, name in ((2, "market"), (3, "outlook")):
        text = section.replace("id: overview", f"id: {name}")
        text = text.replace("title: Overview", f"title: {name.title()}")
        (project / "content" / "en" / f"0{number}-{name}.yaml").write_text(text, "utf-8")
    assert contents_in("") == (True, True)
