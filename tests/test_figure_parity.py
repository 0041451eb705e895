"""One figure, one text: the same figure read back from the PDF, the DOCX and the HTML, in every locale.

A small project (tests/projects/figures: every fact kind, a key-figures panel, a table and a bar chart) is
built as PDF, DOCX and HTML for each locale of the formatter's test matrix. The HTML gives each figure by
its fact key (``<span class="figure" data-fact="…">``); that text must be the formatter's, and it must be
found as it is in the DOCX's text, in the PDF's text (pdftotext), as a bar label in the chart's SVG (text
kept as text) and in the PDF drawn from it, and in the alt text of the chart picture in the DOCX.

poppler writes a no-break space (U+00A0, U+202F) as an ordinary space, so the PDF's text is compared with
every space character as one space; everything else is compared exactly.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from briefgen.build import build, load_project
from briefgen.i18n import Formatter
from briefgen.model import find_rate
from briefgen.parity import docx_text, normalise
from tests.conftest import PROJECTS, pdftotext

LOCALES = ["ko", "ja", "en", "en-GB", "de", "de-CH", "fr", "es", "pt-BR", "zh-Hans", "ar-EG", "hi"]
#: Right-to-left text: poppler gives the words of a line in visual order, so a figure inside Arabic prose
#: may not come out whole. Typesetting right-to-left scripts is outside briefgen's scope; the HTML and the
#: DOCX, which keep the text in reading order, are still checked.
RTL = ("ar-EG",)
#: Devanagari: a PDF maps each glyph to one text, so the reph glyph that वर्ष and मार्च share reads back as
#: the first word's (मार्च comes out as "मा र्ष"). Typesetting Indic scripts is outside briefgen's scope: there,
#: only figures without Devanagari letters are looked for in the PDF, compared without whitespace.
SHAPED = ("hi",)
_JOINER = dict.fromkeys(map(ord, "\u2060"))


def project_for(lang: str, root: Path) -> Path:
    """Copy the figures project with ``LANG`` written in as its only language."""
    source = PROJECTS / "figures"
    for path in sorted(source.rglob("*")):
        if path.is_file():
            target = root / str(path.relative_to(source)).replace("LANG", lang)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(path.read_text("utf-8").replace("LANG", lang), "utf-8")
    return root


class _Figures(HTMLParser):
    """Collect the text of each ``span.figure`` by its fact key, and the chart images."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, list[str]] = {}
        self.images: list[bytes] = []
        self._key: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "span" and found.get("class") == "figure":
            self._key, self._text = found.get("data-fact"), []
        if tag == "img" and (found.get("src") or "").startswith("data:image/svg+xml;base64,"):
            self.images.append(base64.b64decode(str(found["src"]).split(",", 1)[1]))

    def handle_data(self, data: str) -> None:
        if self._key is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._key is not None:
            self.figures.setdefault(self._key, []).append("".join(self._text).translate(_JOINER))
            self._key = None


def svg_texts(svg: bytes) -> list[str]:
    """Return the text of every ``<text>`` element of a chart SVG."""
    from xml.etree import ElementTree

    root = ElementTree.fromstring(svg)
    return ["".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text")]


def docx_alt_texts(data: bytes) -> list[str]:
    import docx

    document = docx.Document(io.BytesIO(data))
    return [
        str(node.get("descr"))
        for node in document.element.body.iter(
            "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
        )
    ]


def in_pdf(lang: str, text: str) -> bool:
    """Tell whether the PDF's text can show a figure as it is (see RTL and SHAPED)."""
    if lang in RTL:
        return False
    return lang not in SHAPED or not any("DEVANAGARI LETTER" in unicodedata.name(ch, "") for ch in text)


def spaced(text: str, lang: str = "") -> str:
    """Write each run of space characters as one space, as pdftotext does; no space at all in SHAPED."""
    if lang in SHAPED:
        return normalise(text)
    return re.sub(r"\s+", " ", "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Build every locale's project once, as PDF, DOCX and HTML."""
    out: dict[str, dict[str, Path]] = {}
    for lang in LOCALES:
        root = project_for(lang, tmp_path_factory.mktemp(f"figures-{lang}"))
        result = build(root, [lang], ["pdf", "docx", "html"])
        out[lang] = {path.suffix.lstrip("."): path for path in result.written}
        out[lang]["root"] = root
    return out


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
@pytest.mark.parametrize("lang", LOCALES)
def test_each_figure_reads_the_same_in_every_format(lang: str, built: dict[str, dict[str, Path]]) -> None:
    files = built[lang]
    facts = load_project(files["root"]).brief.facts
    fmt = Formatter(lang)
    page = _Figures()
    page.feed(files["html"].read_text("utf-8"))
    docx_bytes = files["docx"].read_bytes()
    docx_all = docx_text(docx_bytes).translate(_JOINER)
    pdf_all = spaced(pdftotext(files["pdf"]).translate(_JOINER), lang)

    conversions = {"usd_cost": "KRW", "krw_budget": "USD"}  # {usd_cost+KRW}, {krw_budget+USD}
    assert set(page.figures) == set(facts)  # every fact is shown in the HTML
    for key, shown in page.figures.items():
        fact = facts[key]
        wanted = {fmt.fact(fact)}
        if key in conversions:
            rate = find_rate(facts, str(getattr(fact, "currency", "")), conversions[key])
            wanted.add(fmt.fact(fact, rate))
            assert fmt.fact(fact, rate) in shown, key
        assert set(shown) <= wanted, key
        for text in set(shown):
            assert text in docx_all, f"{key}: {text!r} not in the DOCX"
            if in_pdf(lang, text):
                assert spaced(text, lang) in pdf_all, f"{key}: {text!r} not in the PDF"

    # the chart: bar labels are the prose figures, in the SVG, in the PDF and in the DOCX's alt text
    (svg,) = page.images
    labels = svg_texts(svg)
    bars = [fmt.fact(facts[k]) for k in ("eur_huge", "eur_mid", "eur_small")]
    for figure in bars:
        assert figure in labels, f"bar label {figure!r} not in the chart SVG: {labels}"
        if in_pdf(lang, figure):
            assert spaced(figure, lang) in pdf_all
    (alt,) = docx_alt_texts(docx_bytes)
    assert alt == " · ".join(bars)
