"""The PDF as a reader sees it: text, figures, fonts, pages, metadata, outline and Korean line breaks."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest
from pypdf import PdfReader

from briefgen.build import load_project
from briefgen.context import build_context
from briefgen.plan import search_path
from briefgen.renderers import Setup
from briefgen.renderers.html import HtmlRenderer
from tests.conftest import REPO, pdfinfo, pdftotext

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def reference_contexts() -> dict[str, object]:
    brief = load_project(REPO).brief
    return {lang: build_context(brief, lang) for lang in ("ko", "en")}


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_headings_appear_in_order(
    lang: str, reference_pdfs: dict[str, Path], reference_contexts: dict[str, object]
) -> None:
    text = squash(pdftotext(reference_pdfs[lang]))
    ctx = reference_contexts[lang]
    position = 0
    for heading in ctx.headings():  # type: ignore[attr-defined]
        found = text.find(squash(heading), position)
        assert found >= 0, f"heading {heading!r} missing or out of order"
        position = found


@pytest.mark.parametrize(
    ("lang", "figures"),
    [
        ("ko", ["558만 달러", "6,710억", "558만 달러(약 84억 원)", "90~95%", "2025년 1월 20일"]),
        # the price table says its unit once, "(US$)", and its cells are bare numbers
        ("en", ["$5.58 million", "671 billion", "90–95%", "January 20, 2025", "(US$)", "0.55", "2.19"]),
    ],
)
def test_key_figures_are_formatted_for_the_language(
    lang: str, figures: list[str], reference_pdfs: dict[str, Path]
) -> None:
    text = squash(pdftotext(reference_pdfs[lang]))
    for figure in figures:
        assert figure in text


def test_every_figure_of_the_context_is_in_the_pdf(
    reference_pdfs: dict[str, Path], reference_contexts: dict[str, object]
) -> None:
    for lang, path in reference_pdfs.items():
        text = squash(pdftotext(path)).replace(" ", "")
        for figure in reference_contexts[lang].figures():  # type: ignore[attr-defined]
            assert figure.replace(" ", "") in text, (lang, figure)


def test_a_cjk_font_is_embedded_and_subset(reference_pdfs: dict[str, Path]) -> None:
    out = subprocess.run(
        ["pdffonts", str(reference_pdfs["ko"])], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    cjk = [row for row in rows if "CJK" in row[0] or "Nanum" in row[0]]
    assert cjk, out
    for row in cjk:
        assert re.match(r"^[A-Z]{6}\+", row[0]), "font is not subset"
        assert row[-5:-2] == ["yes", "yes", "yes"], row  # embedded, subset, with a Unicode map


def test_page_count_and_metadata(reference_pdfs: dict[str, Path]) -> None:
    ko, en = pdfinfo(reference_pdfs["ko"]), pdfinfo(reference_pdfs["en"])
    assert 8 <= int(ko["Pages"]) <= 20
    assert 8 <= int(en["Pages"]) <= 20
    assert ko["Page size"].startswith("595.276 x 841.89")  # A4
    assert ko["Title"] == "딥시크(DeepSeek) 리서치 브리핑"
    assert ko["Author"]
    assert ko["Subject"]
    assert ko["CreationDate"].startswith("Sat Feb 15 ") and ko["CreationDate"].endswith("2025 UTC")
    reader = PdfReader(reference_pdfs["ko"])
    assert reader.trailer["/Root"]["/Lang"] == "ko"


def test_outline_mirrors_the_headings(
    reference_pdfs: dict[str, Path], reference_contexts: dict[str, object]
) -> None:
    reader = PdfReader(reference_pdfs["ko"])
    titles: list[str] = []

    def walk(items: list[object]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)  # type: ignore[attr-defined]

    walk(reader.outline)
    assert titles[0] == "딥시크(DeepSeek) 리서치 브리핑"
    assert titles[1:] == reference_contexts["ko"].headings()  # type: ignore[attr-defined]


def test_running_footer_is_localized(reference_pdfs: dict[str, Path]) -> None:
    ko, en = pdftotext(reference_pdfs["ko"]), pdftotext(reference_pdfs["en"])
    pages = int(pdfinfo(reference_pdfs["en"])["Pages"])
    assert f"Page 2 of {pages}" in en
    assert f"2 / {int(pdfinfo(reference_pdfs['ko'])['Pages'])}" in ko


class _Words(HTMLParser):
    """Collect the whitespace-separated words of an HTML document, as a reader would read them."""

    INLINE: ClassVar[set[str]] = {"strong", "em", "a", "code", "span"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.spans: list[bool] = []  # for each open span: is it a footnote (which floats away)?
        self.skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip = tag in ("style", "title")
        footnote = ("class", "footnote") in attrs
        if tag == "span":
            self.spans.append(footnote)
        if tag not in self.INLINE or footnote:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.skip = False
        footnote = self.spans.pop() if tag == "span" and self.spans else False
        if tag not in self.INLINE or footnote:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data.replace("\u2060", ""))

    def words(self) -> set[str]:
        return set("".join(self.parts).split())


def chart_words(ctx: object) -> set[str]:
    """Return the words drawn in the charts: each is set as one piece of text, never broken."""
    from briefgen.charts import ChartView

    words: set[str] = set()
    for section in ctx.sections:  # type: ignore[attr-defined]
        for block in section.blocks:
            if isinstance(block, ChartView):
                texts = [
                    block.unit_label,
                    *(t for _, t in block.ticks),
                    *block.categories,
                    *(e.label for e in block.events),
                    *(e.date for e in block.events),
                    *(s.label for s in block.series),
                    *(x for s in block.series for x in s.labels),
                ]
                words.update(w for t in texts for w in t.split())
    return words


def words_broken_inside(pdf: Path, html: str, extra: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Return Korean pieces at line ends of the PDF that are not whole words: a word split across lines."""
    parser = _Words()
    parser.feed(html)
    words = parser.words() | extra
    pieces = []
    for line in pdftotext(pdf, "-raw").splitlines():
        tokens = line.split()
        for token in {*tokens[:1], *tokens[-1:]}:  # only the ends of a line can be pieces of a split word
            bare = token.rstrip("0123456789")  # a footnote call sticks to the word it marks
            if HANGUL.search(bare) and token not in words and bare not in words:
                pieces.append(token)
    return pieces


def test_no_line_breaks_inside_a_korean_word(reference_pdfs: dict[str, Path], tmp_path: Path) -> None:
    setup = Setup(REPO, search_path(REPO), [REPO / "templates", REPO / "content"])
    ctx = build_context(load_project(REPO).brief, "ko")
    html = HtmlRenderer().document(ctx, setup, for_print=True)
    assert words_broken_inside(reference_pdfs["ko"], html, chart_words(ctx)) == []


def test_the_line_break_check_can_fail(tmp_path: Path) -> None:
    # Without word joiners WeasyPrint breaks Korean between any two syllables: the check must see it.
    import weasyprint

    setup = Setup(REPO, search_path(REPO), [REPO / "templates", REPO / "content"])
    ctx = build_context(load_project(REPO).brief, "ko")
    # the screen's HTML without any word joiner (those that keep a figure whole taken out too)
    html = HtmlRenderer().document(ctx, setup, for_print=False).replace("\u2060", "")
    pdf = tmp_path / "no-joiners.pdf"
    pdf.write_bytes(weasyprint.HTML(string=html).write_pdf())
    assert words_broken_inside(pdf, html, chart_words(ctx)) != []


def test_word_joiners_do_not_reach_the_extracted_text(reference_pdfs: dict[str, Path]) -> None:
    assert "\u2060" not in pdftotext(reference_pdfs["ko"])
