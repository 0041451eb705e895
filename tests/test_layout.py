"""The pages of every edition as a publisher's editor reads them: how full they are, which chapter the
running header names, quotation marks, and figures kept whole. Every check reads the PDF, DOCX and HTML
that ``build --all`` writes, built once per test run."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

import pytest
from pypdf import PdfReader

from briefgen.build import build, load_project
from briefgen.context import build_context
from briefgen.renderers.docx.reference import CHARACTER_STYLES, PARAGRAPH_STYLES
from briefgen.typography import bind_to_figure, figure_pieces
from tests.conftest import REPO, pdfinfo, pdftotext
from tests.pages import page_fill, underfull_pages

LANGS = ("ko", "en", "ja")


def pdfs(outputs: dict[str, Path]) -> list[Path]:
    return sorted(path for name, path in outputs.items() if name.endswith(".pdf"))


# ---------------------------------------------------------------- page flow


def test_no_page_is_left_mostly_empty(all_outputs: dict[str, Path]) -> None:
    """No page but the last is less than a third full, unless it ends a part (the cover, the contents)."""
    found = {path.name: underfull_pages(path) for path in pdfs(all_outputs)}
    assert len(found) == 12
    assert {name: pages for name, pages in found.items() if pages} == {}


def test_the_page_fill_check_can_fail(tmp_path: Path) -> None:
    # Forced page breaks leave pages holding a few lines, as every chapter on a new page did before (the
    # Korean edition's page 7 held the last two lines of a list): a break before every sub-heading must
    # be seen.
    project = tmp_path / "forced"
    project.mkdir()
    shutil.copyfile(REPO / "briefgen.yaml", project / "briefgen.yaml")
    shutil.copytree(REPO / "content", project / "content")
    css = project / "templates" / "css" / "brief.css.j2"
    css.parent.mkdir(parents=True)
    css.write_text(
        (REPO / "templates" / "css" / "brief.css.j2").read_text(encoding="utf-8")
        + "\nh3 { break-before: page; }\n",
        encoding="utf-8",
    )
    pdf = build(project, ["ko"], ["pdf"], output=tmp_path / "out").written[0]
    underfull = underfull_pages(pdf)
    assert underfull, page_fill(pdf)
    assert min(fill for _, fill in underfull) < 0.2  # a page holding a few lines


def _header_and_first_line(pdf: Path, page: int) -> tuple[str, str]:
    lines = [line for line in pdftotext(pdf, "-layout", "-f", str(page), "-l", str(page)).splitlines()]
    lines = [line.strip() for line in lines if line.strip()]
    return lines[0], lines[1]


@pytest.mark.parametrize("lang", LANGS)
def test_the_running_header_names_the_chapter_in_force_at_the_top(
    lang: str, all_outputs: dict[str, Path]
) -> None:
    pdf = all_outputs[f"deepseek-briefing.{lang}.pdf"]
    ctx = build_context(load_project(REPO).brief, lang)
    titles = {f"{s.number} {_plain(s)}".strip() for s in ctx.sections}
    reader = PdfReader(pdf)
    starts: dict[int, list[str]] = {}  # page (1-based) -> sections starting on it, in order
    for item in _flat(reader.outline)[1:]:
        if item.title in titles:
            starts.setdefault(reader.get_destination_page_number(item) + 1, []).append(item.title)
    in_force = None
    for page in range(min(starts), int(pdfinfo(pdf)["Pages"]) + 1):
        header, first = _header_and_first_line(pdf, page)
        opening = starts.get(page, [])
        expected = opening[0] if opening and _squash(first) == _squash(opening[0]) else in_force
        assert header.endswith(expected or ""), (page, header, expected)
        if opening:
            in_force = opening[-1]


def _plain(section: object) -> str:
    from briefgen.context import span_text

    return re.sub(r"\s+", " ", span_text(section.title))  # type: ignore[attr-defined]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _flat(items: list[object]) -> list[object]:
    out: list[object] = []
    for item in items:
        out.extend(_flat(item) if isinstance(item, list) else [item])
    return out


def test_an_edition_without_a_cover_has_no_header_above_its_title(all_outputs: dict[str, Path]) -> None:
    for lang in LANGS:
        pdf = all_outputs[f"deepseek-briefing.executive.{lang}.pdf"]
        title = load_project(REPO).brief.editions[lang].meta.title
        first = pdftotext(pdf, "-f", "1", "-l", "1")
        assert first.count(title) == 1, lang  # in the title block, not also in a header above it
        assert title in pdftotext(pdf, "-f", "2", "-l", "2")  # the header from page 2 on


# ---------------------------------------------------------------- quotation marks


class _Text(HTMLParser):
    SKIP: ClassVar[set[str]] = {"style", "script", "title"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skipping += tag in self.SKIP

    def handle_endtag(self, tag: str) -> None:
        self.skipping -= tag in self.SKIP

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.parts)


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    body = document.element.body
    notes = [
        part.blob.decode("utf-8")
        for part in document.part.package.iter_parts()
        if "footnotes" in str(part.partname)
    ]
    texts = ["".join(t.text or "" for t in body.iter("{*}t"))]
    texts += [re.sub(r"<[^>]+>", "", xml) for xml in notes]
    return "\n".join(texts)


MARKS = {"ko": ("“", "”", "‘", "’"), "en": ("“", "”", "’"), "ja": ("「", "」")}


@pytest.mark.parametrize("lang", LANGS)
def test_prose_has_the_languages_quotation_marks_in_every_format(
    lang: str, all_outputs: dict[str, Path]
) -> None:
    for name, path in all_outputs.items():
        if f".{lang}." not in name:
            continue
        if name.endswith(".pdf"):
            text = pdftotext(path)
        elif name.endswith(".docx"):
            text = docx_text(path)
        else:
            text = html_text(path)
        assert '"' not in text and "'" not in text, (name, re.findall(r".{20}[\"'].{20}", text)[:3])
        if "executive" not in name:
            for mark in MARKS[lang]:
                assert mark in text, (name, mark)


# ---------------------------------------------------------------- figures kept whole


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("edition", ["", "executive."])
def test_key_figures_never_split_a_number_from_its_unit(
    lang: str, edition: str, all_outputs: dict[str, Path]
) -> None:
    from briefgen.audience import load
    from briefgen.plan import search_path

    pdf = all_outputs[f"deepseek-briefing.{edition}{lang}.pdf"]
    brief = load_project(REPO).brief
    audience = load(edition.rstrip("."), search_path(REPO), REPO, brief) if edition else None
    ctx = build_context(brief, lang, audience)
    values = [i.value for s in ctx.sections for b in s.blocks if b.type == "key_figures" for i in b.items]  # type: ignore[attr-defined]
    values += [f.value for f in ctx.lead.figures] if ctx.lead else []
    assert len(values) == 8
    lines = [_squash(line) for line in pdftotext(pdf, "-raw").replace("\u2060", "").splitlines()]
    drawn = chart_texts(ctx)  # a chart's tick "1억" and its axis title "달러" are two texts, not a figure
    for value in values:
        for piece in map(_squash, figure_pieces(value)):
            assert any(piece in line for line in lines), (value, piece)
            for line, following in pairwise(lines):
                if line in drawn or following in drawn:
                    continue
                # no line ends with the start of the figure while the next starts with the rest
                split = [
                    n
                    for n in range(1, len(piece))
                    if line.endswith(piece[:n]) and following.startswith(piece[n:])
                ]
                assert not split, (value, line, following)


#: The word each language's catalogue puts before an approximate figure ("about %(figure)s").
ABOUT = {"ko": "약", "en": "about", "ja": "約"}


def test_the_word_for_about_stays_with_its_figure(all_outputs: dict[str, Path]) -> None:
    """Prose that writes "약 {cost}" keeps "약" on the line of its figure: before, the executive Korean PDF
    ended a line with "그 약" and began the next with "18배"."""
    for name, path in all_outputs.items():
        if name.endswith(".pdf"):
            word = ABOUT[name.split(".")[-2]]
            lines = pdftotext(path, "-raw").replace("\u2060", "").splitlines()
            ended = [line for line in lines if re.search(rf"(^|\s){word}$", line.strip().casefold())]
            assert not ended, (name, ended)


@pytest.mark.parametrize(
    ("text", "pattern", "bound"),
    [
        ("o1의 약 ", "약 {figure}", "o1의 약\u00a0"),
        ("규약 ", "약 {figure}", "규약 "),  # a longer word that ends in the same syllable
        ("costs About ", "about {figure}", "costs About\u00a0"),
        ("soit environ ", "environ {figure}", "soit environ\u00a0"),
        ("価格は約", "約{figure}", "価格は約\u2060"),  # written close: a joiner
        ("about the ", "about {figure}", "about the "),
        ("costs ", "{figure}", "costs "),  # a language without such a word
    ],
)
def test_bind_to_figure(text: str, pattern: str, bound: str) -> None:
    assert bind_to_figure(text, pattern) == bound


def chart_texts(ctx: object) -> set[str]:
    from briefgen.charts import ChartView

    texts: set[str] = set()
    for section in ctx.sections:  # type: ignore[attr-defined]
        for block in section.blocks:
            if isinstance(block, ChartView):
                texts |= {block.unit_label, *(t for _, t in block.ticks), *block.categories}
                texts |= {label for series in block.series for label in series.labels}
    return {_squash(t) for t in texts}


def test_the_whole_figure_check_can_fail() -> None:
    # "558만 달러(약 / 84억 원)", as the panel broke before: the second piece is split across two lines.
    line, following = _squash("558만 달러(약"), _squash("84억 원)")
    piece = _squash(figure_pieces("558만 달러(약 84억 원)")[1])
    assert [n for n in range(1, len(piece)) if line.endswith(piece[:n]) and following.startswith(piece[n:])]


# ---------------------------------------------------------------- the DOCX looks like the PDF


def pdf_fonts(path: Path) -> set[str]:
    import subprocess

    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    names = {line.split()[0].split("+")[-1] for line in out.splitlines()[2:] if line.strip()}
    return {re.sub(r"-(Bold|Regular|Italic|BoldItalic)$", "", name).replace("-", " ") for name in names}


@pytest.mark.parametrize(
    ("lang", "latin", "han"),
    [
        ("ko", "NanumGothic", "NanumGothic"),
        ("en", "Noto Sans", None),
        ("ja", "Noto Sans CJK JP", "Noto Sans CJK JP"),
    ],
)
def test_the_pdf_and_the_docx_set_each_script_in_the_same_font(
    lang: str, latin: str, han: str | None, all_outputs: dict[str, Path]
) -> None:
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(all_outputs[f"deepseek-briefing.{lang}.docx"]))
    fonts = document.styles.element.find(qn("w:docDefaults")).find(
        f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}"
    )
    assert fonts.get(qn("w:ascii")) == fonts.get(qn("w:hAnsi")) == latin  # Latin letters and digits
    if han:
        assert fonts.get(qn("w:eastAsia")) == han  # Hangul, kana
    # no run, paragraph or character style names another typeface (code aside)
    named = {
        f.get(qn(slot))
        for f in document.element.body.iter(qn("w:rFonts"))
        for slot in ("w:ascii", "w:hAnsi", "w:eastAsia")
    } - {None}
    assert named <= {latin, han}
    # the PDF sets the text in the same fonts (and a CJK font of the stack for Chinese characters)
    used = pdf_fonts(all_outputs[f"deepseek-briefing.{lang}.pdf"])
    assert latin in used
    assert used - {latin, han, "Noto Sans CJK KR", "DejaVu Sans Mono"} == set(), used


def test_no_italic_for_east_asian_text(all_outputs: dict[str, Path]) -> None:
    import docx
    from docx.oxml.ns import qn

    for lang in ("ko", "ja"):
        document = docx.Document(str(all_outputs[f"deepseek-briefing.{lang}.docx"]))
        italic = [
            r
            for r in document.element.body.iter(qn("w:r"))
            if r.find(f"{qn('w:rPr')}/{qn('w:i')}") is not None
        ]
        assert italic == [], lang
        for style in document.styles:  # the styles the renderer uses
            if style.name.lower() in {n.lower() for n in (*PARAGRAPH_STYLES, *CHARACTER_STYLES)}:
                assert not style.font.italic, (lang, style.name)
    css = (REPO / "templates" / "css" / "brief.css.j2").read_text(encoding="utf-8")
    assert "font-style: italic" not in css


def test_sections_run_on_in_the_docx_after_a_new_page_for_the_first(all_outputs: dict[str, Path]) -> None:
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(all_outputs["deepseek-briefing.ko.docx"]))
    heading = document.styles["Heading 1"].paragraph_format
    assert not heading.page_break_before and heading.space_before.mm >= 8.9 and heading.keep_with_next
    firsts = [p for p in document.paragraphs if p.style.name == "Heading 1"]
    breaks = [p._p.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") for p in firsts]
    assert breaks[0] is not None and breaks[0].get(qn("w:val")) == "1"  # after the contents
    assert all(b is None for b in breaks[1:])


def test_paired_charts_share_a_row_in_the_docx(all_outputs: dict[str, Path]) -> None:
    import docx

    document = docx.Document(str(all_outputs["deepseek-briefing.executive.ko.docx"]))
    grids = [t for t in document.tables if t.style is not None and t.style.name == "Chart Grid"]
    grids = [t for t in grids if t._tbl.xpath(".//pic:pic")]  # the lead's figures are a grid row too
    assert len(grids) == 1 and len(grids[0].columns) == 2
    assert [len(c._tc.xpath(".//pic:pic")) for c in grids[0].rows[0].cells] == [1, 1]


# ---------------------------------------------------------------- the cover and the executive lead


def words_on_page(pdf: Path, page: int) -> list[tuple[str, float, float]]:
    """Return the words of a page with their top, as a fraction of the page height, and their left."""
    import xml.etree.ElementTree as ET

    xhtml = pdftotext(pdf, "-bbox", "-f", str(page), "-l", str(page))
    root = ET.fromstring(xhtml)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    height = float(root.find(".//x:page", ns).get("height"))  # type: ignore[union-attr]
    return [
        (w.text or "", float(w.get("yMin", 0)) / height, float(w.get("xMin", 0)))
        for w in root.iter("{http://www.w3.org/1999/xhtml}word")
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_the_cover_has_a_hierarchy_and_says_each_thing_once(lang: str, all_outputs: dict[str, Path]) -> None:
    pdf = all_outputs[f"deepseek-briefing.{lang}.pdf"]
    meta = load_project(REPO).brief.editions[lang].meta
    ctx = build_context(load_project(REPO).brief, lang)
    cover = pdftotext(pdf, "-f", "1", "-l", "1")
    assert cover.count(meta.classification) == 1  # the marking, not a "Classification" line as well
    assert meta.document_number in cover and meta.contact.split()[0] in cover
    chapters = {"ko": "5개 장", "en": "5 sections", "ja": "5章"}[lang]
    assert _squash(chapters) in _squash(cover)  # what the contents number, not every section (9)
    assert len([s for s in ctx.sections if s.number]) == 5
    words = words_on_page(pdf, 1)
    title = next(top for text, top, _ in words if text and text in meta.title)
    particulars = [top for text, top, _ in words if text and text in meta.document_number]
    assert 0.2 < title < 0.45  # the title block at about a third of the page
    assert particulars and min(particulars) > 0.75  # the particulars at its foot: no empty lower half


def test_the_docx_cover_puts_the_particulars_at_the_foot_of_the_page(
    all_outputs: dict[str, Path], tmp_path: Path
) -> None:
    pdf = libreoffice(all_outputs, ["deepseek-briefing.ko.docx"], tmp_path)[0]
    words = words_on_page(pdf, 1)
    assert min(top for text, top, _ in words if text.startswith("SP-2025")) > 0.75
    assert pdftotext(pdf, "-f", "1", "-l", "1").count("대외비") == 1


def libreoffice(outputs: dict[str, Path], names: list[str], folder: Path) -> list[Path]:
    """Convert DOCX outputs to PDF with LibreOffice (headless, a throwaway profile)."""
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (Debian's libreoffice-writer-nogui)")
    profile = f"-env:UserInstallation={(folder / 'profile').as_uri()}"
    files = [str(outputs[name]) for name in names]
    command = [soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", str(folder), *files]
    subprocess.run(command, capture_output=True, timeout=300, check=True)
    return [folder / name.replace(".docx", ".pdf") for name in names]


@pytest.mark.parametrize("lang", LANGS)
def test_the_executive_edition_opens_with_the_bottom_line_the_biggest_figures_and_the_takeaways(
    lang: str, all_outputs: dict[str, Path]
) -> None:
    from briefgen.audience import load
    from briefgen.plan import search_path

    pdf = all_outputs[f"deepseek-briefing.executive.{lang}.pdf"]
    brief = load_project(REPO).brief
    ctx = build_context(brief, lang, load("executive", search_path(REPO), REPO, brief))
    assert ctx.lead is not None and len(ctx.lead.figures) == 3 and ctx.lead.takeaways is not None
    panel = [i.value for s in ctx.sections for b in s.blocks if b.type == "key_figures" for i in b.items]  # type: ignore[attr-defined]
    assert len(panel) == 5 and not set(panel) & {f.value for f in ctx.lead.figures}  # moved, not repeated
    words = words_on_page(pdf, 1)

    def top(text: str) -> float:
        first = text.split()[0]  # Japanese has no spaces: a word may be a line's worth of text
        return min(
            y for word, y, _ in words if len(word) > 1 and (first.startswith(word) or word.startswith(first))
        )

    bottom_line = markup_text(brief.editions[lang].meta.bottom_line)
    takeaways = {"ko": "핵심", "en": "Key", "ja": "要点"}[lang]
    figures = [top(f.value.replace("\u00a0", " ")) for f in ctx.lead.figures]
    assert top(bottom_line) < min(figures) and max(figures) < top(takeaways)
    assert int(pdfinfo(pdf)["Pages"]) == 3


def markup_text(nodes: object) -> str:
    from briefgen.markup import plain_text

    return plain_text(nodes)  # type: ignore[arg-type]


def test_the_executive_docx_is_as_long_as_the_pdf(all_outputs: dict[str, Path], tmp_path: Path) -> None:
    import docx
    from docx.oxml.ns import qn

    names = [f"deepseek-briefing.executive.{lang}.docx" for lang in ("ko", "en")]
    for name, pdf in zip(names, libreoffice(all_outputs, names, tmp_path), strict=True):
        assert int(pdfinfo(pdf)["Pages"]) == 3, name  # it ran to four pages before
        document = docx.Document(str(all_outputs[name]))
        names = {s.style_id: s.name for s in document.styles}
        styles = [names.get(p.get(qn("w:val"))) for p in document.element.body.iter(qn("w:pStyle"))]
        assert styles.index("Bottom Line") < styles.index("Lead Figure Value") < styles.index("Callout Title")
        assert not pdftotext(pdf, "-f", "1", "-l", "1").startswith(document.core_properties.title)
