"""A personal copy's marking: in the PDF's text and metadata, the DOCX's text, footer and core properties,
localized in Korean, English and Japanese, and read back by poppler, pikepdf, python-docx and LibreOffice."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest
from docx import Document
from pypdf import PdfReader

from briefgen import audience, plan
from briefgen.build import load_project
from briefgen.bundle import CopyMark, pack, render
from tests.conftest import pdfinfo, pdftotext

LINES = {
    "ko": "배포 대상: 김민준, 한국투자증권 · 40부 중 제7부",
    "en": "Prepared for Lee Jisoo, Acme & Sons · Copy 7 of 40",
    "ja": "配布先：山田太郎（株式会社サンプル）· 全40部中 第7部",
}
PEOPLE = {
    "ko": ("김민준", "한국투자증권"),
    "en": ("Lee Jisoo", "Acme & Sons"),
    "ja": ("山田太郎", "株式会社サンプル"),
}
CODE = "7K3Q-M2XA"


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], Path]:
    """Copy 7 of 40 of the reference briefing, for the executive (a title block, PDF/UA) and the whole
    briefing (a cover page), in every language and both formats."""
    root = Path(__file__).resolve().parents[1]
    out = tmp_path_factory.mktemp("marked")
    loaded = load_project(root)
    profiles = {"executive": audience.load("executive", plan.search_path(root), root, loaded.brief)}
    bundle = pack(
        root, loaded.brief, profiles, cache=out / "charts", created=None, pdf_variant=None, portable=False
    )
    made = {}
    for lang in ("ko", "en", "ja"):
        name, organisation = PEOPLE[lang]
        for edition in ("executive", "whole"):
            for fmt in ("pdf", "docx"):
                mark = CopyMark(name, organisation, 7, 40, CODE, watermark=edition == "whole")
                data, warnings = render(bundle, lang, edition if edition != "whole" else None, fmt, mark)
                assert not warnings
                path = out / f"{edition}.{lang}.{fmt}"
                path.write_bytes(data)
                made[(lang, edition, fmt)] = path
    return made


@pytest.mark.parametrize("lang", ["ko", "en", "ja"])
def test_the_pdf_says_whose_copy_it_is_on_the_first_page_and_in_every_footer(
    copies: dict[tuple[str, str, str], Path], lang: str
) -> None:
    for edition in ("executive", "whole"):
        path = copies[(lang, edition, "pdf")]
        pages = int(pdfinfo(path)["Pages"])
        first = pdftotext(path, "-f", "1", "-l", "1")
        assert LINES[lang] in first
        for page in range(2, pages + 1):  # the running footer
            assert LINES[lang] in pdftotext(path, "-f", str(page), "-l", str(page)), (edition, page)


@pytest.mark.parametrize("lang", ["ko", "en", "ja"])
def test_the_pdf_metadata_names_the_copy(copies: dict[tuple[str, str, str], Path], lang: str) -> None:
    for edition in ("executive", "whole"):
        path = copies[(lang, edition, "pdf")]
        custom = subprocess.run(["pdfinfo", "-custom", str(path)], capture_output=True, text=True, check=True)
        assert f"BriefgenCopy:    {CODE}" in custom.stdout
        with pikepdf.open(path) as pdf:
            meta = pdf.open_metadata()
            assert meta.get("dc:identifier") == CODE
            if edition == "executive":  # PDF/UA: its identification survives beside the copy's code
                assert meta.get("pdfuaid:part") == "1"


def test_the_watermark_is_on_every_page_of_the_pdf(copies: dict[tuple[str, str, str], Path]) -> None:
    # pypdf reads the turned text as one line (poppler splits it by its slant)
    pages = PdfReader(str(copies[("en", "whole", "pdf")])).pages
    assert len(pages) > 3
    for number, page in enumerate(pages, 1):
        assert f"Lee Jisoo · {CODE}" in page.extract_text(), number
    executive = PdfReader(str(copies[("en", "executive", "pdf")])).pages
    assert not any(CODE in page.extract_text() for page in executive)  # asked for: off by default


@pytest.mark.parametrize("lang", ["ko", "en", "ja"])
def test_the_docx_says_whose_copy_it_is_and_names_it_in_its_properties(
    copies: dict[tuple[str, str, str], Path], lang: str
) -> None:
    for edition in ("executive", "whole"):
        doc = Document(str(copies[(lang, edition, "docx")]))
        # Korean and Japanese text carries word joiners (U+2060) that keep words whole in LibreOffice
        assert LINES[lang] in [p.text.replace("\u2060", "") for p in doc.paragraphs]
        footer = [p.text.replace("\u2060", "") for p in doc.sections[-1].footer.paragraphs]
        assert any(LINES[lang] in text for text in footer), footer
        assert doc.core_properties.identifier == CODE


def test_libreoffice_shows_the_docx_marking_on_every_page(
    copies: dict[tuple[str, str, str], Path], tmp_path: Path
) -> None:
    source = copies[("ja", "whole", "docx")]
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        check=True,
        timeout=180,
    )
    converted = tmp_path / "whole.ja.pdf"
    pages = int(pdfinfo(converted)["Pages"])
    assert pages > 3
    # LibreOffice sets a little space between Japanese and digits (its autospacing): compare without spaces
    text = [pdftotext(converted, "-f", str(p), "-l", str(p)).replace(" ", "") for p in range(1, pages + 1)]
    line = LINES["ja"].replace(" ", "")
    assert line in text[0]  # the cover
    assert all(line in page for page in text[1:])  # the footer of every other page
