"""Standard PDFs: PDF/UA-1 (tagged, with alt text and language) and PDF/A-3b (archival), checked structurally.

No validator such as veraPDF can be installed from this machine's registries, so the structure the standards
require is read back with pikepdf (qpdf): identification in the XMP metadata, the structure tree, alt text on
figures, the document language and title, the output intent, embedded fonts.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest

from briefgen.build import build
from tests.conftest import REPO


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    built = {}
    for variant in ("pdf/ua-1", "pdf/a-3b"):
        out = tmp_path_factory.mktemp(variant.replace("/", "-"))
        built[variant] = build(REPO, ["ko"], ["pdf"], output=out, pdf_variant=variant).written[0]
    return built


def figures(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    found: list[pikepdf.Dictionary] = []
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Dictionary):
            if node.get("/S") == "/Figure":
                found.append(node)
            kids = node.get("/K")
            if isinstance(kids, pikepdf.Array):
                stack.extend(kids)
            elif isinstance(kids, pikepdf.Dictionary):
                stack.append(kids)
    return found


def test_pdf_ua_is_tagged_with_language_title_and_alt_text(variants: dict[str, Path]) -> None:
    with pikepdf.open(variants["pdf/ua-1"]) as pdf:
        assert pdf.open_metadata().get("pdfuaid:part") == "1"
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "ko"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        charts = figures(pdf)
        assert len(charts) == 3  # the three charts, each with its alt text
        assert all(str(f.get("/Alt", "")).strip() for f in charts)
        assert any("558만 달러" in str(f.Alt) for f in charts)


def test_pdf_a_is_identified_with_an_output_intent_and_embedded_fonts(variants: dict[str, Path]) -> None:
    with pikepdf.open(variants["pdf/a-3b"]) as pdf:
        meta = pdf.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "B")
        assert meta.get("dc:title") == "딥시크(DeepSeek) 리서치 브리핑"
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1" and "/DestOutputProfile" in intent
        assert not pdf.is_encrypted
    fonts = subprocess.run(
        ["pdffonts", str(variants["pdf/a-3b"])], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(row.split()[-5] == "yes" for row in fonts)  # every font embedded


def test_a_plain_pdf_is_not_tagged(reference_pdfs: dict[str, Path]) -> None:
    with pikepdf.open(reference_pdfs["ko"]) as pdf:
        assert "/StructTreeRoot" not in pdf.Root
        assert pdf.open_metadata().get("pdfuaid:part") is None


def test_audience_profiles_choose_their_variant(tmp_path: Path) -> None:
    result = build(REPO, ["en"], ["pdf"], output=tmp_path, audiences=["policy"])
    with pikepdf.open(result.written[0]) as pdf:
        assert pdf.open_metadata().get("pdfaid:part") == "3"
