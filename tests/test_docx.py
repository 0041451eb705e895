"""The DOCX as Word and LibreOffice see it: styles, headings, language, contents, notes, fields, bytes."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from briefgen.build import build, load_project
from briefgen.charts import ChartView
from briefgen.context import BlockView, RenderContext, build_context
from briefgen.errors import ContentError, RenderError
from briefgen.parity import check_text, docx_text
from briefgen.plan import builtin_templates, search_path
from briefgen.renderers import Setup
from briefgen.renderers.docx import DocxRenderer
from briefgen.renderers.docx.make_reference import FURNITURE_PARAGRAPH_STYLES
from briefgen.renderers.docx.reference import CHARACTER_STYLES, PARAGRAPH_STYLES, TABLE_STYLES
from tests.conftest import REPO, libreoffice_pdf, pdftotext

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def squash(text: str) -> str:
    """Collapse whitespace, and drop the word joiners that keep LibreOffice from spacing scripts apart."""
    return re.sub(r"\s+", " ", text.replace("\u2060", "")).strip()


def render(
    project: Path, lang: str, change: Callable[[RenderContext], RenderContext] | None = None
) -> tuple[RenderContext, bytes]:
    """Render one language of a project to DOCX bytes, without writing anything."""
    ctx = build_context(load_project(project).brief, lang)
    if change is not None:
        ctx = change(ctx)
    folders = search_path(project)
    setup = Setup(project=project, template_folders=folders, resource_roots=[project, *folders])
    return ctx, DocxRenderer().render(ctx, setup)


@pytest.fixture(scope="module")
def reference_docx() -> dict[str, tuple[RenderContext, bytes]]:
    """The reference briefing rendered to DOCX, in Korean and English."""
    return {lang: render(REPO, lang) for lang in ("ko", "en")}


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def style_name(paragraph: Paragraph) -> str:
    return paragraph.style.name.lower() if paragraph.style is not None and paragraph.style.name else ""


def body_paragraphs(document: docx.document.Document) -> list[object]:
    return list(document.element.body.iter(f"{W}p"))


# ---------------------------------------------------------------- structure and styles


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_paragraph_has_a_named_style_of_the_reference(
    lang: str, reference_docx: dict[str, tuple[RenderContext, bytes]]
) -> None:
    document = open_docx(reference_docx[lang][1])
    names = {s.style_id: s.name.lower() for s in document.styles}
    declared = {n.lower() for n in (*PARAGRAPH_STYLES, *FURNITURE_PARAGRAPH_STYLES)}
    used = set()
    for p in body_paragraphs(document):
        style = p.find(f"{W}pPr/{W}pStyle")  # type: ignore[attr-defined]
        assert style is not None, "a paragraph without a style"
        used.add(names[style.get(f"{W}val")])
    assert used <= declared
    assert {
        "title",
        "heading 1",
        "heading 2",
        "body text",
        "list bullet",
        "list bullet 2",
        "table text",
        "quote",
        "caption",
        "toc 1",
        "toc 2",
        "glossary term",
        "key figure value",
    } <= used
    tables = {
        names[t.find(f"{W}tblPr/{W}tblStyle").get(f"{W}val")] for t in document.element.body.iter(f"{W}tbl")
    }
    assert tables == {n.lower() for n in TABLE_STYLES} - {"chart grid"}  # the executive edition's


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_headings_are_the_context_headings_in_order(
    lang: str, reference_docx: dict[str, tuple[RenderContext, bytes]]
) -> None:
    ctx, data = reference_docx[lang]
    document = open_docx(data)
    headings = [squash(p.text) for p in document.paragraphs if style_name(p) in ("heading 1", "heading 2")]
    assert headings == ctx.headings()


def test_language_east_asian_font_and_korean_line_breaking(
    reference_docx: dict[str, tuple[RenderContext, bytes]],
) -> None:
    expected = {"ko": ("en-US", "ko-KR", True), "en": ("en-US", "en-US", False)}
    for lang, (val, east_asia, wraps) in expected.items():
        document = open_docx(reference_docx[lang][1])
        defaults = document.styles.element.find(qn("w:docDefaults"))
        lang_el = defaults.find(f"{W}rPrDefault/{W}rPr/{W}lang")
        assert (lang_el.get(qn("w:val")), lang_el.get(qn("w:eastAsia"))) == (val, east_asia)
        fonts = defaults.find(f"{W}rPrDefault/{W}rPr/{W}rFonts")
        if lang == "ko":
            # the first of the Korean stack, for Hangul and for the Latin letters among it, as in the PDF
            assert fonts.get(qn("w:eastAsia")) == "NanumGothic"
            assert fonts.get(qn("w:ascii")) == fonts.get(qn("w:hAnsi")) == "NanumGothic"
        else:
            assert fonts.get(qn("w:ascii")) == "Noto Sans"
        word_wrap = defaults.find(f"{W}pPrDefault/{W}pPr/{W}wordWrap")
        assert (word_wrap is not None and word_wrap.get(qn("w:val")) == "1") is wraps
        heading = document.styles["Heading 1"].element.find(f"{W}rPr/{W}lang")
        assert heading.get(qn("w:eastAsia")) == east_asia
        runs = list(document.element.body.iter(f"{W}r"))
        assert runs and all(r.find(f"{W}rPr/{W}lang").get(qn("w:eastAsia")) == east_asia for r in runs)


def test_core_properties(reference_docx: dict[str, tuple[RenderContext, bytes]]) -> None:
    ctx, data = reference_docx["ko"]
    props = open_docx(data).core_properties
    assert props.title == "딥시크(DeepSeek) 리서치 브리핑"
    assert props.subject == ctx.meta.subtitle
    assert props.author == "AI 동향 분석팀"
    assert props.language == "ko-KR"
    assert props.keywords == "; ".join(ctx.meta.keywords)
    assert props.created.isoformat() == props.modified.isoformat() == "2025-02-15T00:00:00+00:00"


# ---------------------------------------------------------------- contents, notes, fields, tables


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_contents_open_filled_in_and_link_to_heading_bookmarks(
    lang: str, reference_docx: dict[str, tuple[RenderContext, bytes]]
) -> None:
    ctx, data = reference_docx[lang]
    document = open_docx(data)
    body = document.element.body
    entries = [p for p in document.paragraphs if style_name(p) in ("toc 1", "toc 2")]
    assert [squash(p.text) for p in entries] == ctx.headings()
    bookmarks = {b.get(qn("w:name")) for b in body.iter(f"{W}bookmarkStart")}
    anchors = [link.get(qn("w:anchor")) for p in entries for link in p._p.iter(f"{W}hyperlink")]
    assert len(anchors) == len(entries) and set(anchors) <= bookmarks
    # each entry ends with its page, a field the word processor computes; no TOC field around them,
    # whose stored text LibreOffice would show as it is
    pages = [[t.text.strip() for t in p._p.iter(f"{W}instrText")] for p in entries]
    assert pages == [[f"PAGEREF {anchor} \\h"] for anchor in anchors]
    assert not any(t.text.strip().startswith("TOC") for t in body.iter(f"{W}instrText"))
    title = next(p for p in document.paragraphs if style_name(p) == "toc heading")
    assert title.text == ("목차" if lang == "ko" else "Contents")
    settings = document.settings.element  # Word offers to compute them on opening
    assert settings.find(qn("w:updateFields")).get(qn("w:val")) == "true"


def test_footnotes_are_word_footnotes(reference_docx: dict[str, tuple[RenderContext, bytes]]) -> None:
    ctx, data = reference_docx["en"]
    document = open_docx(data)
    refs = [int(r.get(qn("w:id"))) for r in document.element.body.iter(f"{W}footnoteReference")]
    assert refs == [note.number for note in ctx.footnotes] == [1, 2, 3]
    part = document.part.part_related_by(RT.FOOTNOTES)
    notes = docx.oxml.parse_xml(part.blob)
    texts = {
        int(n.get(qn("w:id"))): "".join(t.text for t in n.iter(f"{W}t")).strip()
        for n in notes.iter(f"{W}footnote")
        if n.get(qn("w:type")) is None
    }
    assert sorted(texts) == [1, 2, 3]
    assert texts[1].startswith("The source calls these H100 GPUs")


def test_header_and_footer_fields_are_localized(
    reference_docx: dict[str, tuple[RenderContext, bytes]],
) -> None:
    for lang, words in {"ko": ("대외비", " / "), "en": ("Internal", "Page ", " of ")}.items():
        section = open_docx(reference_docx[lang][1]).sections[-1]
        assert section.header.paragraphs[0].text == reference_docx[lang][0].meta.title
        footer = section.footer.paragraphs[0]
        for word in words:
            assert word in footer.text
        instructions = [t.text.strip() for t in footer._p.iter(f"{W}instrText")]
        assert instructions == ["PAGE", "NUMPAGES"]
        separators = list(footer._p.iter(f"{W}fldChar"))
        assert [f.get(qn("w:fldCharType")) for f in separators] == ["begin", "separate", "end"] * 2
        # Every field has a result already: "1", never empty.
        assert re.search(r"\d", footer.text)
    cover = open_docx(reference_docx["ko"][1]).sections[0]
    assert not cover.header.is_linked_to_previous or not cover.header.paragraphs[0].text


def test_tables_repeat_their_header_and_right_align_numbers(
    reference_docx: dict[str, tuple[RenderContext, bytes]],
) -> None:
    document = open_docx(reference_docx["en"][1])
    prices = next(t for t in document.tables if t.cell(0, 0).text == "Model")
    header = prices.rows[0]._tr
    assert header.find(f"{W}trPr/{W}tblHeader") is not None
    assert [c.text for c in prices.columns[2].cells] == ["Output", "2.19", "60"]  # the unit said once
    assert prices.columns[2].cells[0].paragraphs[0].alignment.name == "RIGHT"
    for cell in prices.columns[2].cells[1:]:  # numbers line up on a decimal tab stop
        stops = cell.paragraphs[0]._p.findall(f"{W}pPr/{W}tabs/{W}tab")
        assert [stop.get(qn("w:val")) for stop in stops] == ["decimal"]
    assert prices.columns[0].cells[1].paragraphs[0].alignment is None
    width = prices._tbl.find(f"{W}tblPr/{W}tblW")
    assert width.get(qn("w:type")) == "dxa" and int(width.get(qn("w:w"))) < 9638  # fitted, not full width
    caption = prices._tbl.getprevious()
    runs = [child for r in caption.iter(f"{W}r") for child in r if child.tag in (f"{W}t", f"{W}tab")]
    shown = "".join("\t" if t.tag == f"{W}tab" else t.text for t in runs)
    # the unit at the right margin; a figure never breaks inside ("1 million" glued by a word joiner)
    assert shown == "Table 1 API prices (per 1 \u2060million tokens)\t(US$)"
    assert "SEQ Table" in caption.xpath("string(.//w:instrText)")
    note = prices._tbl.getnext()
    assert note.xpath("string(.)") == "Source: published list prices, as reported"
    timeline = next(t for t in document.tables if [c.text for c in t.rows[0].cells][-1:] == ["Event"])
    assert timeline.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None
    assert timeline.cell(1, 0).text == "November 2, 2023"


def test_links_are_hyperlinks_with_relationships(
    reference_docx: dict[str, tuple[RenderContext, bytes]],
) -> None:
    document = open_docx(reference_docx["en"][1])
    targets = {r.target_ref for r in document.part.rels.values() if r.reltype == RT.HYPERLINK}
    assert targets == {"https://opensource.org/license/mit", "https://github.com/deepseek-ai"}
    links = [p.hyperlinks for p in document.paragraphs if p.hyperlinks]
    assert any(link.url == "https://github.com/deepseek-ai" for group in links for link in group)


def without_charts(ctx: RenderContext) -> RenderContext:
    def keep(blocks: tuple[BlockView, ...]) -> tuple[BlockView, ...]:
        return tuple(b for b in blocks if not isinstance(b, ChartView))

    sections = tuple(replace(s, summary=keep(s.summary), detail=keep(s.detail)) for s in ctx.sections)
    return replace(ctx, sections=sections)


def test_size_and_parity_with_the_context(reference_docx: dict[str, tuple[RenderContext, bytes]]) -> None:
    for lang, (ctx, data) in reference_docx.items():
        assert len(data) < 400_000  # with its charts, drawn as PNG
        assert check_text(ctx, f"{lang}.docx", docx_text(data)) == []
        _, plain = render(REPO, lang, without_charts)
        assert len(plain) < 200_000


def test_charts_are_pictures_named_by_their_alt_text(
    reference_docx: dict[str, tuple[RenderContext, bytes]],
) -> None:
    ctx, data = reference_docx["en"]
    charts = [b for s in ctx.sections for b in s.blocks if isinstance(b, ChartView)]
    document = open_docx(data)
    described = [
        d.get("descr")
        for d in document.element.body.iter(
            "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
        )
    ]
    assert described == [c.alt for c in charts] and charts
    titles = [p.text.strip() for p in document.paragraphs if style_name(p) == "chart"]
    assert titles == [f"Figure {c.number} {c.title}" for c in charts]


def test_an_edition_without_cover_or_contents_gets_a_title_block() -> None:
    def short(ctx: RenderContext) -> RenderContext:
        include = ctx.presentation.include.model_copy(update={"cover": False, "toc": False})
        branding = ctx.presentation.branding
        palette = {**branding.palette, "brand": "#006400"}
        branding = replace(branding, palette=palette)
        return replace(ctx, presentation=replace(ctx.presentation, include=include, branding=branding))

    ctx, data = render(REPO, "en", short)
    document = open_docx(data)
    assert len(document.sections) == 1
    assert not [p for p in document.paragraphs if style_name(p) in ("toc heading", "toc 1", "cover detail")]
    first = [p.text for p in document.paragraphs[:3]]
    assert first[0] == "Internal\u2003Strategy & Planning Office\u2003February 15, 2025"
    assert first[1] == ctx.meta.title
    breaks = [
        p._p.find(f"{W}pPr/{W}pageBreakBefore") for p in document.paragraphs if style_name(p) == "heading 1"
    ]
    assert breaks and all(b is not None and b.get(qn("w:val")) == "0" for b in breaks)
    styles = document.styles.element.xml
    assert "006400" in styles and "1F3A5F" not in styles.upper()


def test_a_stand_in_section_is_marked_and_tagged_with_its_language() -> None:
    def borrowed(ctx: RenderContext) -> RenderContext:
        first = replace(ctx.sections[0], fallback_lang="ko", fallback_language="Korean")
        return replace(ctx, sections=(first, *ctx.sections[1:]))

    _, data = render(REPO, "en", borrowed)
    document = open_docx(data)
    note = next(p for p in document.paragraphs if style_name(p) == "fallback note")
    assert note.text == "Not yet translated: this section is shown in Korean."
    assert note.runs[0]._r.find(f"{W}rPr/{W}lang").get(qn("w:eastAsia")) == "en-US"
    heading = next(p for p in document.paragraphs if style_name(p) == "heading 1")
    assert heading.runs[0]._r.find(f"{W}rPr/{W}lang").get(qn("w:eastAsia")) == "ko-KR"


# ---------------------------------------------------------------- reproducible and safe


def test_same_input_gives_the_same_bytes(tmp_path: Path) -> None:
    first = build(REPO, ["ko", "en"], ["docx"], output=tmp_path / "one").written
    second = build(REPO, ["ko", "en"], ["docx"], output=tmp_path / "two").written
    for a, b in zip(first, second, strict=True):
        assert a.name == b.name
        assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(first[0]) as package:
        names = package.namelist()
        assert names[0] == "[Content_Types].xml"
        assert {info.date_time for info in package.infolist()} == {(2025, 2, 15, 0, 0, 0)}


def test_text_appears_exactly_as_written(minimal: Path) -> None:
    main = minimal / "content" / "en" / "01-main.yaml"
    tricky = "R&D <b>not a tag</b> “quoted” ‘single’ 🚀 emoji & more"  # quotes the English way
    typed = "R&D <b>not a tag</b> \"quoted\" 'single' 🚀 emoji & more"
    quoted = typed.replace("'", "''")  # a YAML single-quoted scalar
    text = main.read_text(encoding="utf-8").replace("  - quote:", f"  - paragraph: '{quoted}'\n  - quote:")
    main.write_text(text, encoding="utf-8")
    brief = minimal / "content" / "en" / "brief.yaml"
    brief.write_text(
        brief.read_text(encoding="utf-8").replace("Test office", '"Test & <Office> 🏢"'), encoding="utf-8"
    )
    _, data = render(minimal, "en")
    document = open_docx(data)
    texts = [p.text for p in document.paragraphs]
    assert tricky in texts
    assert "Test & <Office> 🏢" in texts
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    assert "R&amp;D &lt;b&gt;not a tag&lt;/b&gt;" in xml


def test_a_control_character_is_a_located_content_error(minimal: Path) -> None:
    main = minimal / "content" / "en" / "01-main.yaml"
    text = main.read_text(encoding="utf-8").replace("title: Main", 'title: "Ma\\vin"')  # \v: U+000B
    main.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_project(minimal)
    message = str(caught.value)
    assert "content/en/01-main.yaml:2" in message
    assert "U+000B" in message


# ---------------------------------------------------------------- the reference document


def test_builtin_reference_has_every_style_the_renderer_names() -> None:
    document = docx.Document(str(builtin_templates() / "reference.docx"))
    names = {(s.type.name.lower() if s.type else "", s.name.lower()) for s in document.styles}
    kinds = {"paragraph": PARAGRAPH_STYLES, "character": CHARACTER_STYLES, "table": TABLE_STYLES}
    for kind, wanted in kinds.items():
        for name in wanted:
            assert (kind, name.lower()) in names, name
    assert (builtin_templates() / "reference.docx").stat().st_size < 60_000


def test_a_project_reference_document_wins(minimal: Path) -> None:
    document = docx.Document(str(builtin_templates() / "reference.docx"))
    document.styles["Title"].font.color.rgb = docx.shared.RGBColor(0x12, 0x34, 0x56)
    (minimal / "templates").mkdir()
    document.save(str(minimal / "templates" / "reference.docx"))
    _, data = render(minimal, "ko")
    title = open_docx(data).styles["Title"].font.color.rgb
    assert str(title) == "123456"


def test_a_reference_without_a_needed_style_is_a_render_error(minimal: Path) -> None:
    document = docx.Document(str(builtin_templates() / "reference.docx"))
    for name in ("Callout", "Glossary Term"):
        element = document.styles[name].element
        element.getparent().remove(element)
    (minimal / "templates").mkdir()
    document.save(str(minimal / "templates" / "reference.docx"))
    with pytest.raises(RenderError) as caught:
        render(minimal, "en")
    messages = [str(d) for d in caught.value.diagnostics]
    assert messages[0].startswith(
        "templates/reference.docx: error: the reference document has no paragraph style 'Callout'"
    )
    assert any("'Glossary Term'" in m for m in messages)


def test_the_reference_generator_is_reproducible(tmp_path: Path) -> None:
    from briefgen.renderers.docx.make_reference import write

    write(tmp_path / "a.docx")
    write(tmp_path / "b.docx")
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    assert (tmp_path / "a.docx").read_bytes() == (builtin_templates() / "reference.docx").read_bytes(), (
        "templates/reference.docx is stale: run python -m briefgen.renderers.docx.make_reference"
    )


# ---------------------------------------------------------------- a real word processor


@pytest.fixture(scope="module")
def libreoffice_pdfs(
    tmp_path_factory: pytest.TempPathFactory, reference_docx: dict[str, tuple[RenderContext, bytes]]
) -> dict[str, Path]:
    """The reference DOCX files converted to PDF by LibreOffice, headless, with a throwaway profile."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (Debian's libreoffice-writer-nogui)")
    folder = tmp_path_factory.mktemp("libreoffice")
    files = []
    for lang, (_, data) in reference_docx.items():
        path = folder / f"brief.{lang}.docx"
        path.write_bytes(data)
        files.append(str(path))
    profile = (folder / "profile").as_uri()
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *files,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {lang: folder / f"brief.{lang}.pdf" for lang in reference_docx}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "figures"),
    [
        ("ko", ["558만 달러", "6,710억", "90~95%", "2025년 1월 20일"]),
        ("en", ["$5.58 million", "671 billion", "90–95%", "January 20, 2025"]),
    ],
)
def test_libreoffice_opens_it_and_shows_the_headings_and_figures(
    lang: str,
    figures: list[str],
    libreoffice_pdfs: dict[str, Path],
    reference_docx: dict[str, tuple[RenderContext, bytes]],
) -> None:
    pdf = libreoffice_pdfs[lang]
    text = pdftotext(pdf)
    compact = re.sub(r"\s+", "", text)
    for figure in figures:
        assert re.sub(r"\s+", "", figure) in compact
    ctx = reference_docx[lang][0]
    from briefgen.parity import pdf_text

    assert check_text(ctx, pdf.name, pdf_text(pdf.read_bytes())) == []


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_libreoffice_shows_the_contents_with_the_pages_of_the_headings(
    lang: str,
    libreoffice_pdfs: dict[str, Path],
    reference_docx: dict[str, tuple[RenderContext, bytes]],
) -> None:
    pdf = libreoffice_pdfs[lang]
    ctx = reference_docx[lang][0]
    contents = pdftotext(pdf, "-layout", "-f", "2", "-l", "2")
    found = {}
    for line in contents.splitlines():
        match = re.match(r"^\s*(.+?)[\s.]*?\.{3,}\s*(\d+)$|^\s*(.+?)\s+(\d+)$", line)
        if match:
            text, page = (
                (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
            )
            found[squash(text).replace(" ", "")] = int(page)
    headings = {squash(h).replace(" ", ""): h for h in ctx.headings()}
    assert set(headings) <= set(found), set(headings) - set(found)
    for key, heading in headings.items():
        page = pdftotext(pdf, "-f", str(found[key]), "-l", str(found[key]))
        assert key in squash(page).replace(" ", ""), (heading, found[key])


def test_lists_of_tables_and_figures_point_at_their_captions(tmp_path: Path) -> None:
    from briefgen.build import build

    written = build(REPO, ["en"], ["docx"], output=tmp_path, audiences=["technical"]).written[0]
    document = docx.Document(str(written))
    entries = [p for p in document.paragraphs if style_name(p) == "toc 2"]
    listed = [squash(p.text) for p in entries if p.text.startswith(("Table ", "Figure "))]
    assert listed == [
        "Table 1 API prices (per 1 million tokens)",
        "Figure 1 R1’s API costs about 1/30 of o1’s",
        "Figure 2 GPT-4 reportedly cost about 18× as much as V3",
        "Figure 3 DeepSeek’s R&D team is a fraction of its US rivals’",
    ]
    bookmarks = {b.get(qn("w:name")): b for b in document.element.body.iter(f"{W}bookmarkStart")}
    for p in entries:
        if p.text.startswith(("Table ", "Figure ")):
            (field,) = [t.text.split()[1] for t in p._p.iter(f"{W}instrText")]
            caption = bookmarks[field].getparent()
            assert caption.find(f"{W}pPr/{W}pStyle").get(qn("w:val")) in ("Caption", "Chart")


def test_charts_drawn_two_to_a_row_are_half_as_wide(tmp_path: Path) -> None:
    from briefgen.build import build

    widths = {}
    for name in ("technical", "executive"):
        written = build(REPO, ["en"], ["docx"], output=tmp_path / name, audiences=[name]).written[0]
        widths[name] = {shape.width for shape in docx.Document(str(written)).inline_shapes}
    assert len(widths["technical"]) == len(widths["executive"]) == 1  # every chart the same width
    (full,), (half,) = widths["technical"], widths["executive"]
    assert 0.4 * full < half < 0.6 * full


def _without_joiners(data: bytes) -> bytes:
    """Return a DOCX with every U+2060 WORD JOINER taken out of its parts."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item).replace("\u2060".encode(), b""))
    return out.getvalue()


@pytest.mark.slow
def test_libreoffice_shows_korean_figures_as_written(
    libreoffice_pdfs: dict[str, Path],
    reference_docx: dict[str, tuple[RenderContext, bytes]],
    tmp_path: Path,
) -> None:
    """No gap between Hangul and digits or Latin letters: "558만 달러", not "558 만 달러"."""
    written = ["558만 달러", "6,710억", "2025년 1월 20일", "R1의", "GPU를", "18배"]
    text = pdftotext(libreoffice_pdfs["ko"])
    for phrase in written:
        assert phrase in text, phrase
    assert not re.search(r"\d \uB144", text), "a digit set apart from 년"
    # Word needs no joiners, the house style tells it not to space scripts apart; and the joiners are what
    # keeps LibreOffice, which ignores that setting, from doing so: without them the gaps come back.
    document = open_docx(reference_docx["ko"][1])
    defaults = document.styles.element.find(f"{W}docDefaults/{W}pPrDefault/{W}pPr")
    assert defaults.find(f"{W}autoSpaceDE").get(f"{W}val") == "0"
    assert defaults.find(f"{W}autoSpaceDN").get(f"{W}val") == "0"
    bare = tmp_path / "bare.ko.docx"
    bare.write_bytes(_without_joiners(reference_docx["ko"][1]))
    assert "558 만 달러" in pdftotext(libreoffice_pdf(bare, tmp_path)), (
        "LibreOffice no longer spaces Hangul apart from digits: the word joiners may not be needed any more"
    )
