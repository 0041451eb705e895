"""Branding is one thing, shown in every format: the PDF, the HTML and the DOCX (as LibreOffice shows it)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from PIL import Image

from briefgen.build import build, load_project
from briefgen.parity import check_parity, pdf_images
from tests.conftest import REPO, pdftotext, run

AUDIENCES = ("executive", "technical", "policy")
BRAND = "#7a1f5c"
BRANDING = f"""\
  organisation: {{en: ACME Strategy Office, ko: 에이크미 전략실}}
  classification: {{en: Board only, ko: 이사회 한정}}
  header: {{en: ACME briefing desk, ko: 에이크미 브리핑}}
  footer: {{en: Do not forward, ko: 무단 배포 금지}}
  logo: assets/logo.png
  palette: {{brand: "{BRAND}"}}
"""


def brand(project: Path) -> None:
    """Give the built-in audiences the same branding, as a project's own profiles."""
    assets = project / "assets"
    assets.mkdir(exist_ok=True)
    image = Image.new("RGB", (480, 120), "#f2a900")
    image.paste((11, 61, 145), (0, 0, 120, 120))
    image.save(assets / "logo.png")
    folder = project / "templates" / "audiences"
    folder.mkdir(parents=True, exist_ok=True)
    for name in AUDIENCES:
        text = (REPO / "templates" / "audiences" / f"{name}.yaml").read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if not line.startswith("  palette:")]
        text = "\n".join(lines).replace("branding:\n", "branding:\n" + BRANDING, 1)
        if "branding:" not in text:
            text += "\nbranding:\n" + BRANDING
        (folder / f"{name}.yaml").write_text(text.replace('    brand: "#0b5563"\n', ""), encoding="utf-8")


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Each audience in English as PDF, HTML and DOCX, branded, and the DOCX converted by LibreOffice."""
    root = tmp_path_factory.mktemp("branded") / "project"
    root.mkdir()
    shutil.copyfile(REPO / "briefgen.yaml", root / "briefgen.yaml")
    shutil.copytree(REPO / "content", root / "content")
    brand(root)
    written = build(root, ["en"], ["pdf", "html", "docx"], audiences=list(AUDIENCES)).written
    found = {(path.name.split(".")[1], path.suffix[1:]): path for path in written}
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    out = root / "libreoffice"
    docs = [str(found[name, "docx"]) for name in AUDIENCES]
    subprocess.run(
        [soffice, f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), *docs],
        capture_output=True, timeout=300, check=True,
    )  # fmt: skip
    for name in AUDIENCES:
        found[name, "lo"] = out / f"deepseek-briefing.{name}.en.pdf"
    return found


def brand_pixels(pdf: Path, page: int = 2) -> int:
    """Count the pixels of a page drawn in the brand colour (headings, rules)."""
    stem = pdf.with_name(f"{pdf.stem}-page")
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "40",
            "-png",
            "-singlefile",
            "-f",
            str(page),
            "-l",
            str(page),
            str(pdf),
            str(stem),
        ],
        capture_output=True,
        check=True,
    )
    target = tuple(int(BRAND[i : i + 2], 16) for i in (1, 3, 5))
    with Image.open(f"{stem}.png") as image:
        rgb = image.convert("RGB")
        pixels = [rgb.getpixel((x, y)) for x in range(rgb.width) for y in range(rgb.height)]
        return sum(1 for p in pixels if all(abs(a - b) < 12 for a, b in zip(p, target, strict=True)))


@pytest.mark.slow
@pytest.mark.parametrize("name", AUDIENCES)
def test_every_layout_shows_the_branding_in_pdf_html_and_docx(
    name: str, editions: dict[tuple[str, str], Path]
) -> None:
    # The PDF: the logo is an image (on the cover or title page, then in every running header), the texts
    # are on the pages and in their margins.
    pdf = editions[name, "pdf"]
    assert (480, 120) in pdf_images(pdf.read_bytes())
    pages = pdftotext(pdf).split("\f")
    for text in ("ACME Strategy Office", "Board only", "ACME briefing desk", "Do not forward"):
        assert text in pages[0] + pages[1], text
    assert all("Do not forward" in page for page in pages[1:] if page.strip())
    assert brand_pixels(pdf) > 10
    # The HTML: the same, the logo as a data: URI, so that the file shows it wherever it is opened.
    html = editions[name, "html"].read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "ACME briefing desk" in html and BRAND in html
    # The DOCX as python-docx reads it
    document = docx.Document(str(editions[name, "docx"]))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "ACME Strategy Office" in body and "Board only" in body
    main = document.sections[-1]
    assert "ACME briefing desk" in main.header.paragraphs[0].text
    assert main.footer.paragraphs[0].text.startswith("Board only\tDo not forward\tPage ")
    assert (Path(str(editions[name, "docx"]))).read_bytes().count(b"word/media/") >= 1
    assert BRAND.lstrip("#").upper() in document.styles.element.xml.upper()
    # The DOCX as LibreOffice shows it
    shown = editions[name, "lo"]
    # LibreOffice exports the picture at the size it is shown: the logo is the image of its proportions
    assert any(abs(w / h - 4) < 0.1 for w, h in pdf_images(shown.read_bytes()))
    lo_pages = pdftotext(shown).split("\f")
    for text in ("ACME Strategy Office", "Board only", "ACME briefing desk", "Do not forward"):
        assert text in lo_pages[0] + lo_pages[1], text
    assert brand_pixels(shown) > 10


@pytest.mark.slow
def test_parity_compares_the_branding_of_the_pdf_and_the_docx(minimal: Path) -> None:
    brand_minimal = minimal / "templates" / "audiences"
    brand_minimal.mkdir(parents=True)
    (minimal / "assets").mkdir()
    Image.new("RGB", (300, 100), "#0b3d91").save(minimal / "assets" / "logo.png")
    (brand_minimal / "board.yaml").write_text("branding:\n" + BRANDING, encoding="utf-8")
    loaded = load_project(minimal)
    assert check_parity(loaded, ["en"], ["board"]) == []
    # A Word template whose footer leaves out the footer text: the DOCX no longer matches the PDF.
    template = docx.Document(str(REPO / "templates" / "reference.docx"))
    last = template.sections[-1]
    for footer in (last.footer.paragraphs[0]._p, last.first_page_footer.paragraphs[0]._p):
        for t in footer.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"):
            if t.text == "{{ branding.footer }}":
                t.text = ""
    (minimal / "templates" / "reference.docx").parent.mkdir(exist_ok=True)
    template.save(str(minimal / "templates" / "reference.docx"))
    messages = [str(d) for d in check_parity(loaded, ["en"], ["board"])]
    assert messages == [
        "minimal.board.en.docx: error: the footer text 'Do not forward' is missing from the page footers"
    ]


def test_a_logo_that_is_not_a_picture_is_a_located_error(
    minimal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = minimal / "templates" / "audiences"
    folder.mkdir(parents=True)
    (minimal / "assets").mkdir()
    (minimal / "assets" / "logo.png").write_text("not a picture", encoding="utf-8")
    (minimal / "assets" / "logo.gif").write_bytes(_gif())
    (folder / "board.yaml").write_text("branding:\n  logo: assets/logo.png\n", encoding="utf-8")
    (folder / "gif.yaml").write_text("title: A GIF\nbranding:\n  logo: assets/logo.gif\n", encoding="utf-8")
    monkeypatch.chdir(minimal)
    result = run("check")
    assert result.exit_code == 1
    assert (
        "templates/audiences/board.yaml:2:9: error: the logo 'assets/logo.png' is refused: not a picture: "
        "neither PNG, JPEG nor SVG (use a PNG, JPEG or SVG file)"
    ) in result.stderr.splitlines()
    assert (
        "templates/audiences/gif.yaml:3:9: error: the logo 'assets/logo.gif' is refused: a GIF image; a logo "
        "must be PNG, JPEG or SVG, which every format shows (use a PNG, JPEG or SVG file)"
    ) in result.stderr.splitlines()
    built = run("build", "--audience", "board", "--format", "docx")
    assert built.exit_code == 1 and "the logo 'assets/logo.png' is refused" in built.stderr


def test_a_logo_past_the_pixel_limit_is_refused_from_its_header(minimal: Path) -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 2, 0, 0, 0)
    (minimal / "assets").mkdir()
    (minimal / "assets" / "huge.png").write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    )
    folder = minimal / "templates" / "audiences"
    folder.mkdir(parents=True)
    (folder / "board.yaml").write_text("branding:\n  logo: assets/huge.png\n", encoding="utf-8")
    from briefgen import audience as profiles
    from briefgen.errors import ContentError
    from briefgen.plan import search_path

    with pytest.raises(ContentError) as caught:
        profiles.load("board", search_path(minimal), minimal, load_project(minimal).brief)
    assert "an image of 900,000,000 pixels, more than the 40,000,000 allowed" in str(caught.value)


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, "GIF")
    return out.getvalue()


def test_check_says_which_html_changes_the_docx_does_not_follow(
    minimal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = minimal / "templates"
    templates.mkdir()
    (templates / "board.html.j2").write_text(
        '{% extends "base.html.j2" %}\n{% block footer %}\n  @bottom-left { content: "Board"; }\n'
        "{% endblock %}\n",
        encoding="utf-8",
    )
    shutil.copyfile(REPO / "templates" / "executive.html.j2", templates / "executive.html.j2")  # unedited
    monkeypatch.chdir(minimal)
    result = run("check")
    assert result.exit_code == 0
    warning = (
        "templates/board.html.j2:2: warning: the block 'footer' changes the PDF and HTML only, not the DOCX "
        "(edit the page footer of the Word template instead: briefgen templates copy reference.docx, then "
        "open templates/reference.docx in Word)"
    )
    assert result.stderr.splitlines() == [warning, "0 errors, 1 warning"]
    # A build that makes a DOCX says it once; one that makes only a PDF has nothing to say.
    docx_build = run("build", "--format", "docx", "--format", "html")
    assert docx_build.stderr.splitlines() == [warning]
    pdf_build = run("build", "--format", "html", "--force")
    assert pdf_build.stderr == ""
