"""A project's _brand.yml brands every edition in every format; audience profiles still override it."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from PIL import Image

from briefgen.audience import load as load_audience
from briefgen.build import build, load_project
from briefgen.context import build_context
from briefgen.errors import ContentError
from briefgen.plan import search_path
from tests.conftest import PROJECTS, copy_project, libreoffice_pdf, pdftotext, run

BRAND = """\
meta:
  name:
    short: ACME
    full: ACME Research Institute
logo:
  images:
    wide: assets/logo-wide.png
    mark: assets/logo-mark.png
  small: mark
  large: wide
color:
  palette:
    acme-blue: "#005eb8"
    grey: "#6b7280"
    deep: acme-blue
  primary: deep
  secondary: grey
  foreground: "rgb(17, 24, 39)"
  danger: rebeccapurple
  background: white
typography:
  fonts:
    - family: DejaVu Serif
      source: system
  base: DejaVu Serif
  headings:
    family: DejaVu Sans
    weight: bold
defaults:
  quarto:
    format:
      html:
        toc: true
"""


@pytest.fixture
def branded(tmp_path: Path) -> Path:
    """The minimal project with a _brand.yml, its logos under assets/, and an audience that overrides it."""
    project = copy_project(PROJECTS / "minimal", tmp_path / "branded")
    (project / "assets").mkdir()
    Image.new("RGB", (300, 80), (0, 94, 184)).save(project / "assets" / "logo-wide.png")
    Image.new("RGB", (60, 60), (0, 94, 184)).save(project / "assets" / "logo-mark.png")
    (project / "_brand.yml").write_text(BRAND, "utf-8")
    audiences = project / "templates" / "audiences"
    audiences.mkdir(parents=True)
    (audiences / "board.yaml").write_text(
        "title: Board\nbranding:\n  palette:\n    brand: '#8a1538'\n  fonts:\n    headings: DejaVu Serif\n",
        "utf-8",
    )
    return project


def test_the_brand_maps_onto_the_branding_of_the_whole_briefing(branded: Path) -> None:
    brief = load_project(branded).brief
    ctx = build_context(brief, "ko")
    assert ctx.meta.organisation == "ACME Research Institute"
    p = ctx.presentation
    assert (
        p.branding.logo is not None and p.branding.logo.path == "assets/logo-wide.png"
    )  # the cover takes the largest logo
    assert (
        p.branding.palette["brand"],
        p.branding.palette["muted"],
        p.branding.palette["ink"],
        p.branding.palette["accent"],
    ) == (
        "#005eb8",
        "#6b7280",
        "#111827",
        "#663399",
    )
    assert p.branding.palette["panel"] == "#f3f5f8"  # what the brand does not set keeps briefgen's default
    assert (p.body_font, p.heading_font) == ("DejaVu Serif", "DejaVu Sans")


def test_an_audience_profile_overrides_the_brand_field_by_field(branded: Path) -> None:
    brief = load_project(branded).brief
    board = load_audience("board", search_path(branded), branded, brief)
    ctx = build_context(brief, "en", board)
    p = ctx.presentation
    assert p.branding.palette["brand"] == "#8a1538"  # the profile's own
    assert p.branding.palette["muted"] == "#6b7280"  # the brand's
    assert (p.body_font, p.heading_font) == ("DejaVu Serif", "DejaVu Serif")
    assert p.branding.logo is not None and p.branding.logo.path == "assets/logo-wide.png"
    assert ctx.meta.organisation == "ACME Research Institute"


def test_every_format_shows_the_brand(branded: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    written = build(branded, ["ko"], ["pdf", "docx", "html"], output=out).written
    pdf, docx_path, html = (out / f"minimal.ko.{ext}" for ext in ("pdf", "docx", "html"))
    assert sorted(written) == sorted([pdf, docx_path, html])
    # PDF: organisation, the brand's fonts embedded, the logo
    assert "ACME Research Institute" in pdftotext(pdf)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "DejaVu-Serif" in fonts and "DejaVu-Sans-Bold" in fonts and "NanumGothic" in fonts
    images = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"\bimage\s+300\s+80\b", images)
    # HTML: the colours as custom properties, the fonts, the logo
    text = html.read_text("utf-8")
    assert "--brand: #005eb8;" in text and "--accent: #663399;" in text
    assert '"DejaVu Serif", "NanumGothic"' in text
    assert 'src="data:image/png;base64,' in text  # the logo travels with the file
    # DOCX: Latin fonts in the defaults and the heading styles, the East Asian font kept; the logo
    document = docx.Document(str(docx_path))
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts_el = defaults.find(qn("w:rFonts"))
    assert (fonts_el.get(qn("w:ascii")), fonts_el.get(qn("w:eastAsia"))) == ("DejaVu Serif", "NanumGothic")
    assert document.styles["Heading 1"].element.rPr.find(qn("w:rFonts")).get(qn("w:ascii")) == "DejaVu Sans"
    with zipfile.ZipFile(docx_path) as package:
        media = [n for n in package.namelist() if n.startswith("word/media/")]
        assert any(Image.open(io.BytesIO(package.read(n))).size == (300, 80) for n in media)
    assert "ACME Research Institute" in "\n".join(p.text for p in document.paragraphs)


@pytest.mark.slow
def test_libreoffice_shows_the_brand_in_the_docx(branded: Path, tmp_path: Path) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    out = tmp_path / "out"
    build(branded, ["ko"], ["docx"], output=out)
    pdf = libreoffice_pdf(out / "minimal.ko.docx", tmp_path)
    assert "ACME Research Institute" in pdftotext(pdf)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSerif" in fonts and "DejaVuSans-Bold" in fonts


def test_a_font_that_is_not_installed_is_a_located_warning(branded: Path) -> None:
    brand = branded / "_brand.yml"
    brand.write_text(BRAND.replace("base: DejaVu Serif", "base: Briefgen Missing Sans"), "utf-8")
    result = run("check", "--project", str(branded))
    assert result.exit_code == 0
    assert (
        "_brand.yml:25:9: warning: the font 'Briefgen Missing Sans' is not installed: the documents use "
        "briefgen's default font instead (install 'Briefgen Missing Sans' on this machine" in result.stderr
    )
    assert "briefgen downloads no fonts" in result.stderr
    assert run("check", "--strict", "--project", str(branded)).exit_code == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("primary: deep", "primary: dep"),
            "_brand.yml:16:12: error: color.primary: 'dep' is not a colour briefgen can use "
            "(did you mean 'deep'?)",
        ),
        (
            ("large: wide", "large: ../outside.png"),
            "_brand.yml:10:10: error: the logo '../outside.png' is outside the project's templates/, "
            "content/ and assets/ folders",
        ),
        (
            ("large: wide", "large: assets/none.png"),
            "_brand.yml:10:10: error: file not found: assets/none.png",
        ),
        (("meta:", "metta:"), "_brand.yml:1:1: error: unknown field 'metta' (did you mean 'meta'?)"),
        (("base: DejaVu Serif", "base: 'Serif; color: red'"), "_brand.yml:25:9: error: typography.base:"),
    ],
)
def test_a_broken_brand_file_is_a_located_error(
    branded: Path, change: tuple[str, str], expected: str
) -> None:
    (branded / "_brand.yml").write_text(BRAND.replace(*change), "utf-8")
    result = run("build", "--project", str(branded), "--format", "html")
    assert result.exit_code == 1
    assert result.stderr.startswith(expected), result.stderr
    assert not (branded / "output").exists()
    with pytest.raises(ContentError):
        load_project(branded)


def test_changing_the_brand_rebuilds(branded: Path) -> None:
    first = run("build", "--project", str(branded), "--format", "html")
    assert first.stdout.startswith("wrote ")
    assert run("build", "--project", str(branded), "--format", "html").stdout.startswith("up to date")
    brand = branded / "_brand.yml"
    brand.write_text(brand.read_text("utf-8").replace('"#005eb8"', '"#007a33"'), "utf-8")
    again = run("build", "--project", str(branded), "--format", "html")
    assert again.stdout.startswith("wrote ")
    assert "--brand: #007a33;" in (branded / "output" / "minimal.ko.html").read_text("utf-8")


def test_the_brand_file_validates_against_its_schema(branded: Path, tmp_path: Path) -> None:
    assert run("schema", "--output", str(tmp_path / "schemas")).exit_code == 0
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--schemafile",
            str(tmp_path / "schemas" / "brand.schema.json"),
            str(branded / "_brand.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout
