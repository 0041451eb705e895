"""The Word template: placeholders as a Word user types them, in the body, headers and footers; errors."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from PIL import Image

from briefgen import audience as profiles
from briefgen.build import load_project
from briefgen.context import RenderContext, build_context
from briefgen.errors import TemplateError
from briefgen.plan import builtin_templates, search_path
from briefgen.renderers import Setup
from briefgen.renderers.docx import DocxRenderer
from tests.conftest import pdftotext

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"

BRANDING = """\
branding:
  organisation: {en: ACME Strategy Office, ko: 에이크미 전략실}
  classification: {en: Board only, ko: 이사회 한정}
  prepared_for: {en: the Board, ko: 이사회}
  header: {en: ACME briefing, ko: 에이크미 브리핑}
  footer: {en: Do not forward, ko: 무단 배포 금지}
  logo: assets/logo.png
"""


def logo_png(path: Path, size: tuple[int, int] = (400, 100)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, "#0b3d91").save(path)
    return path


@pytest.fixture
def branded(minimal: Path) -> Path:
    """The minimal project with a branded audience 'board' and its logo."""
    logo_png(minimal / "assets" / "logo.png")
    folder = minimal / "templates" / "audiences"
    folder.mkdir(parents=True)
    (folder / "board.yaml").write_text(BRANDING, encoding="utf-8")
    return minimal


def context(project: Path, lang: str = "en", name: str | None = "board") -> RenderContext:
    brief = load_project(project).brief
    found = profiles.load(name, search_path(project), project, brief) if name else None
    return build_context(brief, lang, found)


def render(project: Path, lang: str = "en", name: str | None = "board") -> bytes:
    folders = search_path(project)
    setup = Setup(project=project, template_folders=folders, resource_roots=[project, *folders])
    return DocxRenderer().render(context(project, lang, name), setup)


def builtin() -> docx.document.Document:
    return docx.Document(str(builtin_templates() / "reference.docx"))


def save(document: docx.document.Document, project: Path) -> None:
    (project / "templates").mkdir(exist_ok=True)
    document.save(str(project / "templates" / "reference.docx"))


def typed(*pieces: str | tuple[str, str]) -> str:
    """A paragraph's runs as Word writes them while a user types and formats: rsids, spelling marks, bold."""
    runs = []
    for piece in pieces:
        text, fmt = piece if isinstance(piece, tuple) else (piece, "")
        props = "<w:rPr><w:b/></w:rPr>" if fmt == "bold" else ""
        runs.append(
            f'<w:proofErr w:type="spellStart"/><w:r w:rsidR="00A1B2C3">{props}'
            f'<w:t xml:space="preserve">{text}</w:t></w:r><w:proofErr w:type="spellEnd"/>'
        )
    return "".join(runs)


def paragraph(xml_runs: str, style: str | None = None) -> object:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return parse_xml(f"<w:p {nsdecls('w')}>{props}{xml_runs}</w:p>")


def texts(part_xml: bytes) -> str:
    root = parse_xml(part_xml)
    return "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p"))


def package(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as found:
        return {name: found.read(name) for name in found.namelist()}


# ---------------------------------------------------------------- the built-in template, branded


def test_the_builtin_template_shows_the_branding_on_the_cover_header_and_footer(branded: Path) -> None:
    data = render(branded)
    document = docx.Document(io.BytesIO(data))
    body = [p.text for p in document.paragraphs]
    assert body[:4] == ["", "Board only", "ACME Strategy Office", "Minimal briefing"]  # "": the logo
    assert "Prepared for\tthe Board" in body
    assert body.count("Board only") == 1  # the marking, once: no "Classification" line as well
    assert not [text for text in body if text.startswith("Classification")]
    assert not [text for text in body if "{" in text]  # every placeholder was filled
    main = document.sections[-1]
    assert main.header.paragraphs[0].text.strip() == "ACME briefing"
    footer = main.footer.paragraphs[0].text
    assert footer.startswith("Board only\tDo not forward\tPage ")
    # the logo: on the cover and in the running header, fitted into their frames
    parts = package(data)
    media = [name for name in parts if name.startswith("word/media/")]
    assert len(media) == 1 and parts[media[0]] == (branded / "assets" / "logo.png").read_bytes()
    header = document.sections[-1].header
    [shape] = header._element.iter(f"{WP}extent")
    assert int(shape.get("cx")) == 4 * int(shape.get("cy"))  # the logo's own proportions, 400 x 100
    [described] = [d for d in document.element.body.iter(f"{WP}docPr")]
    assert described.get("descr") == "ACME Strategy Office"
    ids = [
        d.get("id")
        for name in parts
        if name.endswith(".xml")
        for d in parse_xml(parts[name]).iter(f"{WP}docPr")
    ]
    assert len(ids) == len(set(ids))  # unique across the document, headers and footers


def test_without_a_logo_or_branding_the_template_leaves_their_lines_out(minimal: Path) -> None:
    document = docx.Document(io.BytesIO(render(minimal, name=None)))
    assert not [name for name in package(render(minimal, name=None)) if name.startswith("word/media/")]
    body = [p.text for p in document.paragraphs]
    assert not [text for text in body if text.startswith("Prepared for")]
    assert document.sections[-1].header.paragraphs[0].text.strip() == "Minimal briefing"


def test_a_briefing_without_a_cover_gets_the_title_block_and_one_section(branded: Path) -> None:
    (branded / "templates" / "audiences" / "board.yaml").write_text(
        BRANDING + "include: {cover: false, toc: false}\n", encoding="utf-8"
    )
    document = docx.Document(io.BytesIO(render(branded)))
    assert len(document.sections) == 1
    first = [p.text for p in document.paragraphs[:4]]
    assert first[0] == "Board only\u2003ACME Strategy Office\u2003February 15, 2025"
    assert "Prepared for: the Board" in first
    assert document.sections[0].header.paragraphs[0].text.strip() == "ACME briefing"


# ---------------------------------------------------------------- placeholders as Word writes them


def test_placeholders_split_across_runs_in_the_first_page_header_and_a_picture(branded: Path) -> None:
    template = builtin()
    main = template.sections[-1]
    main.different_first_page_header_footer = True
    first = main.first_page_header
    first.is_linked_to_previous = False
    element = first._element
    for child in list(element):
        element.remove(child)
    # "{{ meta.title }}" typed in three runs, the middle one bold; a picture placeholder as text;
    # Word's typographic quotes in a catalogue string.
    element.append(paragraph(typed("Title: {{ me", ("ta.ti", "bold"), "tle }} — {{ _(“Date”) }}")))
    element.append(paragraph(typed("{{ branding", ".logo }}")))
    save(template, branded)
    data = render(branded)
    parts = package(data)
    name = next(n for n in parts if n.startswith("word/header") and b"Title:" in parts[n])
    shown = texts(parts[name])
    assert "Title: Minimal briefing — Date" in shown
    runs = list(parse_xml(parts[name]).iter(f"{W}r"))
    title = next(r for r in runs if "".join(t.text or "" for t in r.iter(f"{W}t")) == "Minimal briefing")
    assert title.find(f"{W}rPr/{W}b") is None  # formatted as the run the placeholder starts in
    assert b"<wp:inline" in parts[name] and b"{{" not in parts[name]
    document = docx.Document(io.BytesIO(data))
    assert document.sections[-1].different_first_page_header_footer


@pytest.mark.slow
def test_libreoffice_shows_the_first_page_header_placeholder(branded: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    template = builtin()
    main = template.sections[-1]
    main.different_first_page_header_footer = True
    main.first_page_header.is_linked_to_previous = False
    element = main.first_page_header._element
    for child in list(element):
        element.remove(child)
    element.append(paragraph(typed("FIRST {{ branding", ".organisation }} PAGE")))
    save(template, branded)
    (branded / "templates" / "audiences" / "board.yaml").write_text(
        BRANDING + "include: {cover: false, toc: false}\n", encoding="utf-8"
    )
    path = tmp_path / "first.docx"
    path.write_bytes(render(branded))
    subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--convert-to",
         "pdf", "--outdir", str(tmp_path), str(path)],
        capture_output=True, timeout=300, check=True,
    )  # fmt: skip
    pages = pdftotext(tmp_path / "first.pdf").split("\f")
    assert "FIRST ACME Strategy Office PAGE" in pages[0]
    assert "FIRST" not in pages[1] and "ACME briefing" in pages[1]


def test_a_picture_whose_alt_text_is_a_placeholder_is_replaced_in_its_frame(branded: Path) -> None:
    template = builtin()
    header = template.sections[-1].header
    drawn = list(header._element.iter(f"{WP}inline"))
    assert len(drawn) == 1 and drawn[0].docPr.get("descr") == "{{ branding.logo }}"
    save(template, branded)
    logo_png(branded / "assets" / "logo.png", (100, 100))  # square: fitted into the 30 x 6 mm frame
    document = docx.Document(io.BytesIO(render(branded)))
    [extent] = document.sections[-1].header._element.iter(f"{WP}extent")
    assert int(extent.get("cx")) == int(extent.get("cy")) == 6 * 36_000


def test_if_blocks_and_inline_ifs(branded: Path) -> None:
    template = builtin()
    body = template.element.body
    anchor = next(
        p for p in body.iter(f"{W}p") if "".join(t.text or "" for t in p.iter(f"{W}t")) == "{{ body }}"
    )
    for xml in (
        typed("{% if audience.name == “board” %}"),
        typed("Only for the board"),
        typed("{% elif true %}"),
        typed("Not shown"),
        typed("{% else %}"),
        typed("Never"),
        typed("{% endif %}"),
        typed("Marked{% if branding.classification %}: {{ branding.classification }}{% endif %}."),
        typed("{# a note to the template's editor #}Kept"),
    ):
        anchor.addprevious(paragraph(xml))
    save(template, branded)
    shown = [p.text for p in docx.Document(io.BytesIO(render(branded))).paragraphs]
    assert "Only for the board" in shown and "Marked: Board only." in shown and "Kept" in shown
    assert "Not shown" not in shown and "Never" not in shown
    assert not [text for text in shown if "{%" in text or "{#" in text]


# ---------------------------------------------------------------- errors name the part and the placeholder


def broken_header(project: Path, text: str, first_page: bool = True) -> None:
    template = builtin()
    main = template.sections[-1]
    main.different_first_page_header_footer = first_page
    header = main.first_page_header if first_page else main.header
    header.is_linked_to_previous = False
    header._element.append(paragraph(typed(*text.split("¦"))))
    save(template, project)


def error_of(project: Path) -> str:
    with pytest.raises(TemplateError) as caught:
        render(project)
    [diagnostic] = caught.value.diagnostics
    return str(diagnostic)


def test_a_syntax_error_names_the_part_and_the_placeholder(branded: Path) -> None:
    broken_header(branded, "{{ meta.¦title | }}")
    message = error_of(branded)
    assert message.startswith("templates/reference.docx: error: word/header")
    assert (
        "(the first-page header of section 2), in the placeholder '{{ meta.title | }}': it does not parse"
        in (message)
    )


def test_an_unknown_name_and_an_unclosed_placeholder_are_located(branded: Path) -> None:
    broken_header(branded, "{{ meta.titel }}", first_page=False)
    message = error_of(branded)
    assert "(the header of section 2), in the placeholder '{{ meta.titel }}'" in message
    assert "has no attribute 'titel'" in message
    broken_header(branded, "{{ meta.title ", first_page=False)
    assert "a placeholder is not closed: '{{ meta.title '" in error_of(branded)


def test_the_sandbox_and_its_limits_hold_in_a_word_template(branded: Path) -> None:
    broken_header(branded, "{{ meta.__class__.__mro__ }}", first_page=False)
    assert "refused by the sandbox" in error_of(branded) or "has no attribute" in error_of(branded)
    broken_header(branded, "{{ 'x' * 100000000 }}", first_page=False)
    assert "more than the 20,000,000 a template may build" in error_of(branded)
    broken_header(branded, "{% for x in range(9) %}x{% endfor %}", first_page=False)
    assert "a Word template takes {{ expressions }} and {% if %}" in error_of(branded)


def test_a_template_without_body_is_an_error(branded: Path) -> None:
    template = builtin()
    for p in list(template.element.body.iter(f"{W}p")):
        if "{{ body }}" in "".join(t.text or "" for t in p.iter(f"{W}t")):
            p.getparent().remove(p)
    save(template, branded)
    message = error_of(branded)
    assert message.startswith(
        "templates/reference.docx: error: the Word template has no paragraph {{ body }}"
    )


def test_a_template_value_is_text_never_xml(branded: Path) -> None:
    (branded / "templates" / "audiences" / "board.yaml").write_text(
        BRANDING.replace("Board only", '"</w:t><w:r>&amp; <b>"'), encoding="utf-8"
    )
    data = render(branded)
    document = docx.Document(io.BytesIO(data))
    assert "</w:t><w:r>&amp; <b>" in [p.text for p in document.paragraphs]


SVG_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 50">'
    '<rect width="200" height="50" fill="#0b3d91"/><circle cx="25" cy="25" r="18" fill="#f2a900"/></svg>'
)


def test_an_svg_logo_is_drawn_as_a_png_for_word(branded: Path) -> None:
    (branded / "assets" / "logo.svg").write_text(SVG_LOGO, encoding="utf-8")
    profile = branded / "templates" / "audiences" / "board.yaml"
    profile.write_text(BRANDING.replace("logo.png", "logo.svg"), encoding="utf-8")
    parts = package(render(branded))
    media = [parts[name] for name in parts if name.startswith("word/media/")]
    assert len(media) == 2  # drawn once for the cover's frame, once for the header's
    for png in media:
        with Image.open(io.BytesIO(png)) as image:
            assert image.format == "PNG"
            assert abs(image.width / image.height - 4) < 0.05  # the SVG's proportions
            assert image.getpixel((image.width - 2, 2))[:3] == (0x0B, 0x3D, 0x91)
