"""The reference document: where the DOCX styles come from, which of them the renderer needs, and language.

Like pandoc's ``--reference-doc``, the look of the DOCX (fonts, sizes, colours, spacing, borders, shading)
comes from the styles of ``reference.docx``: an audience's ``reference_docx``, else a project's
``templates/reference.docx``, else the built-in one. The renderer only names styles. It sets what belongs to
the edition rather than to the house style: ``w:lang``, the East Asian font slot, Korean line breaking, the
audience's palette and its page size and margins (the same as the PDF's).
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale
from babel.core import get_global

from briefgen import fonts
from briefgen.errors import Diagnostic, Location, RenderError
from briefgen.renderers.docx import oxml
from briefgen.renderers.docx.oxml import Element, qn

if TYPE_CHECKING:
    from docx.document import Document

REFERENCE = "reference.docx"

#: Paragraph styles the renderer uses for the body, by name as Word shows them (matched case-insensitively).
#: The cover, headers and footers are the Word template's own paragraphs, in whatever styles they have.
PARAGRAPH_STYLES = (
    "TOC Heading",
    "toc 1",
    "toc 2",
    "heading 1",
    "heading 2",
    "Body Text",
    "List Bullet",
    "List Bullet 2",
    "List Bullet 3",
    "Fallback Note",
    "Quote",
    "Quote Source",
    "caption",
    "Table Text",
    "Spacer",
    "Chart",
    "Chart Note",
    "Table Note",
    "Bottom Line Label",
    "Bottom Line",
    "Lead Figure Value",
    "Lead Figure Label",
    "Key Figure Value Compact",
    "Callout Title",
    "Callout Warning Title",
    "Callout",
    "Callout Bullet",
    "Key Figure Value",
    "Key Figure Label",
    "Key Figure Note",
    "Glossary Term",
    "Glossary Definition",
    "footnote text",
)
CHARACTER_STYLES = (
    "Hyperlink",
    "footnote reference",
    "Inline Code",
    "Chart Title",
    "Caption Label",
    "Caption Unit",
)
TABLE_STYLES = (
    "Brief Table",
    "Key Figures",
    "Section Summary",
    "Callout Takeaway",
    "Callout Note",
    "Callout Warning",
    "Chart Grid",
)
KINDS = {"paragraph": PARAGRAPH_STYLES, "character": CHARACTER_STYLES, "table": TABLE_STYLES}
#: Styles the renderer has used since reference documents were first copied into projects: one that lacks
#: them still works, with the named style in their place (None: the text's own style).
LATER_STYLES: dict[str, str | None] = {
    "Table Note": "Chart Note",
    "Bottom Line Label": "Key Figure Note",
    "Bottom Line": "Callout Title",
    "Lead Figure Value": "Key Figure Value",
    "Lead Figure Label": "Key Figure Label",
    "Key Figure Value Compact": "Key Figure Value",
    "Caption Label": None,
    "Caption Unit": None,
    "Chart Grid": None,
}

#: Languages whose text Word treats as East Asian; in them Latin text is tagged as English.
EAST_ASIAN = ("ko", "ja", "zh")
#: Languages whose justified text is hyphenated (the PDF's stylesheet hyphenates the same ones).
HYPHENATED = ("en", "de")
#: Page sizes in twips.
PAGE_SIZES = {"A4": (11906, 16838), "Letter": (12240, 15840)}
_TWIPS = {"mm": 1440 / 25.4, "cm": 1440 / 2.54, "in": 1440.0, "pt": 20.0}
#: Largest reference document read, in bytes; the most its parts may unpack to, in all and per part; the most
#: parts; and the largest compression ratio of a part above RATIO_FROM bytes. Word's own documents are far
#: inside these; a document beyond them is a zip bomb, or a mistake.
MAX_REFERENCE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PARTS = 1_000
MAX_RATIO = 100
RATIO_FROM = 1024 * 1024
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_LENGTH = re.compile(r"^(\d+(?:\.\d+)?)(mm|cm|in|pt)$")


def find_reference(folders: list[Path], project: Path, chosen: str | None) -> Path:
    """Return the reference document: ``chosen`` (project-relative) if given, else the first on the path."""
    if chosen:
        path = project / chosen
        if not path.is_file():
            raise RenderError(
                f"reference document not found: {chosen}",
                Location(chosen),
                "reference_docx paths are relative to the project folder",
            )
        _refuse_outside(path, [project / d for d in ("templates", "content", "assets")], chosen)
        return path
    for folder in folders:
        path = folder / REFERENCE
        if path.is_file():
            _refuse_outside(path, [folder], display(path, project))
            return path
    raise RenderError(
        f"no {REFERENCE} on the template search path",
        Location("templates"),
        "reinstall briefgen, or put a reference document in templates/",
    )


def display(path: Path, project: Path) -> str:
    """Return a path as messages show it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _refuse_outside(path: Path, folders: list[Path], shown: str) -> None:
    real = path.resolve()
    if not any(real.is_relative_to(folder.resolve()) for folder in folders):
        raise RenderError(
            "the reference document is a link to a file outside the project's folders; it was not read",
            Location(shown),
            "copy the document into templates/, not a link",
        )


def _refused(shown: str, message: str) -> RenderError:
    return RenderError(
        f"reference document refused: {message}",
        Location(shown),
        "save it again from Word or LibreOffice, or start from briefgen's own reference.docx",
    )


def check_package(path: Path, shown: str) -> None:
    """Refuse a reference document that is not a safe package, before any XML parser sees it.

    A DOCX is a zip of XML parts. Refused: a file too large, a zip bomb (parts unpacking to too much, in all
    or for their compressed size), too many parts, and an XML part declaring a DOCTYPE or entities (an
    external entity can read files; entity expansion can exhaust memory).
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _refused(shown, f"cannot read it ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise _refused(shown, "not a regular file")
    if info.st_size > MAX_REFERENCE_BYTES:
        raise _refused(shown, f"{info.st_size:,} bytes, more than the {MAX_REFERENCE_BYTES:,} allowed")
    try:
        with zipfile.ZipFile(path) as package:
            _check_sizes(package.infolist(), shown)
            for part in package.infolist():
                if part.filename.lower().endswith((".xml", ".rels")):
                    with package.open(part) as handle:
                        data = handle.read(part.file_size + 1)  # zipfile stops at the declared size
                    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
                        data = data.decode("utf-16", errors="replace").encode("utf-8")
                    if _DECLARATION.search(data):
                        raise _refused(
                            shown,
                            f"the part {part.filename} declares a DOCTYPE or entities, "
                            "which a DOCX never needs",
                        )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise _refused(shown, f"not a readable DOCX package ({exc})") from None


def _check_sizes(parts: list[zipfile.ZipInfo], shown: str) -> None:
    if len(parts) > MAX_PARTS:
        raise _refused(shown, f"{len(parts):,} parts, more than the {MAX_PARTS:,} allowed")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise _refused(
            shown,
            f"its parts unpack to {unpacked:,} bytes, more than the {MAX_UNPACKED_BYTES:,} "
            "allowed (a zip bomb?)",
        )
    for part in parts:
        ratio = part.file_size // max(part.compress_size, 1)
        if part.file_size > RATIO_FROM and ratio > MAX_RATIO:
            raise _refused(
                shown,
                f"the part {part.filename} unpacks to {ratio:,} times its stored size, "
                f"more than {MAX_RATIO} (a zip bomb?)",
            )


def check_reference(path: Path, shown: str) -> list[Diagnostic]:
    """Return every problem of a reference document: unsafe, unreadable, or lacking a style the renderer
    uses."""
    try:
        doc = open_reference(path, shown)
    except RenderError as exc:
        return list(exc.diagnostics)
    sheet = style_sheet(doc, shown)
    for kind, names in KINDS.items():
        for name in names:
            sheet(name, kind)
    try:
        sheet.check()
    except RenderError as exc:
        return list(exc.diagnostics)
    return []


def open_reference(path: Path, shown: str) -> Document:
    """Open the reference document with python-docx, turning a broken file into a located RenderError.

    The package is checked first (``check_package``): python-docx never parses an unsafe one.
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_package(path, shown)
    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, SyntaxError) as exc:
        raise RenderError(
            f"cannot open the reference document: {exc}",
            Location(shown),
            "save it again from Word or LibreOffice as a .docx file",
        ) from None


@dataclass
class StyleSheet:
    """The style ids of a reference document by the names the renderer uses; remembers what it lacks."""

    shown: str  # the reference document, as messages name it
    ids: dict[tuple[str, str], str]  # (type, lower-case name) -> style id
    missing: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, name: str, kind: str = "paragraph") -> str:
        """Return the id of the ``kind`` style named ``name``; only declared names may be asked for."""
        if name not in KINDS[kind]:
            raise KeyError(f"undeclared {kind} style {name!r}")  # a bug: declare it in KINDS
        key = (kind, name.lower())
        if key in self.ids:
            return self.ids[key]
        if name in LATER_STYLES:
            stand_in = LATER_STYLES[name]
            return self(stand_in, kind) if stand_in else ""
        if (kind, name) not in self.missing:
            self.missing.append((kind, name))
        return "".join(name.split())

    def check(self) -> None:
        """Raise one RenderError naming every style the document needed and the reference lacks."""
        if self.missing:
            raise RenderError(
                "",
                diagnostics=[
                    Diagnostic(
                        f"the reference document has no {kind} style '{name}', which the DOCX renderer uses",
                        Location(self.shown),
                        "add the style in Word (Styles pane, New Style) or start from briefgen's built-in "
                        "templates/reference.docx",
                    )
                    for kind, name in self.missing
                ],
            )


def style_sheet(doc: Document, shown: str) -> StyleSheet:
    """Map the names of the reference document's styles to their ids."""
    found: dict[tuple[str, str], str] = {}
    for style in doc.styles.element.findall(qn("w:style")):
        name = style.find(qn("w:name"))
        kind = style.get(qn("w:type"))
        style_id = style.get(qn("w:styleId"))
        if name is not None and kind and style_id:
            found.setdefault((kind, str(name.get(qn("w:val"), "")).lower()), style_id)
    return StyleSheet(shown, found)


# ---------------------------------------------------------------- language


@dataclass(frozen=True)
class Language:
    """How Word should treat an edition's language."""

    tag: str  # BCP 47 with region: "ko-KR"
    latin: str  # w:lang/@w:val: the language of Latin-script text
    east_asian: str  # w:lang/@w:eastAsia
    east_asian_font: str | None  # the font for East Asian text, None to keep the reference's
    word_wrap: bool  # keep East Asian words whole at line ends (Korean)
    hyphenate: bool = False  # justified text breaks words at line ends (English, German)

    def element(self) -> Element:
        return oxml.lang(self.latin, self.east_asian)


def language(lang: str) -> Language:
    """Return the Word language settings of an edition language such as ``ko`` or ``en-GB``."""
    locale = Locale.parse(lang.replace("-", "_"))
    territory = locale.territory
    if territory is None:
        likely = get_global("likely_subtags").get(locale.language, "")
        territory = Locale.parse(likely).territory if likely else None
    tag = f"{locale.language}-{territory}" if territory else locale.language
    if locale.language in EAST_ASIAN:
        # Latin words inside Korean text are English for spelling and hyphenation, as Korean Word sets it.
        return Language(tag, "en-US", tag, fonts.stack_for(lang)[0], locale.language == "ko")
    return Language(tag, tag, tag, None, False, locale.language in HYPHENATED)


def localise(doc: Document, language: Language) -> None:
    """Set the language, the East Asian font and line breaking on the document defaults and every style."""
    styles = doc.styles.element
    defaults = oxml.get_or_add(styles, "w:docDefaults", ("w:docDefaults", "w:latentStyles", "w:style"))
    rpr_default = oxml.get_or_add(defaults, "w:rPrDefault", ("w:rPrDefault", "w:pPrDefault"))
    _set_language(oxml.get_or_add(rpr_default, "w:rPr", ()), language, force_font=True)
    ppr_default = oxml.get_or_add(defaults, "w:pPrDefault", ("w:rPrDefault", "w:pPrDefault"))
    ppr = oxml.get_or_add(ppr_default, "w:pPr", ())
    if language.word_wrap:
        # w:wordWrap on keeps a Korean word (eojeol) whole at a line end; off, as Korean Word's own
        # templates have it, Word breaks between any two syllables (MS-OI29500 §2.1.67).
        oxml.set_child(ppr, oxml.el("w:wordWrap", {"w:val": "1"}), oxml.PPR_ORDER)
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:type")) not in ("paragraph", "character"):
            continue
        _set_language(style.get_or_add_rPr(), language, force_font=False)
        style_ppr = style.find(qn("w:pPr"))
        if language.word_wrap and style_ppr is not None and style_ppr.find(qn("w:wordWrap")) is not None:
            oxml.set_child(style_ppr, oxml.el("w:wordWrap", {"w:val": "1"}), oxml.PPR_ORDER)
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), language.latin)
        theme_lang.set(qn("w:eastAsia"), language.east_asian)
    if language.hyphenate:
        # justified English and German break long words at the line end, as the PDF does
        from briefgen.renderers.docx import package

        settings = doc.settings.element
        oxml.set_child(settings, oxml.el("w:autoHyphenation", {"w:val": "true"}), package.SETTINGS_ORDER)


#: Styles set in the heading font of a brand (branding.fonts.headings), as the PDF's h1-h3 and title are
HEADING_STYLES = ("title", "heading 1", "heading 2", "heading 3", "toc heading")


def set_fonts(doc: Document, body: str | None, headings: str | None) -> None:
    """Set the Latin font of all text (the document defaults) and of the headings and title (their styles).

    The East Asian slot keeps the language's font: a brand's Latin family has no glyphs for Korean.
    """
    styles = doc.styles.element
    if body:
        defaults = oxml.get_or_add(styles, "w:docDefaults", ("w:docDefaults", "w:latentStyles", "w:style"))
        rpr_default = oxml.get_or_add(defaults, "w:rPrDefault", ("w:rPrDefault", "w:pPrDefault"))
        _set_latin(oxml.get_or_add(rpr_default, "w:rPr", ()), body)
    if headings:
        for style in styles.findall(qn("w:style")):
            name = style.find(qn("w:name"))
            if name is not None and str(name.get(qn("w:val"), "")).lower() in HEADING_STYLES:
                _set_latin(style.get_or_add_rPr(), headings)


def _set_latin(rpr: Element, family: str) -> None:
    fonts_el = rpr.find(qn("w:rFonts"))
    if fonts_el is None:
        fonts_el = oxml.set_child(rpr, oxml.el("w:rFonts"), oxml.RPR_ORDER)
    for slot, theme in (("w:ascii", "w:asciiTheme"), ("w:hAnsi", "w:hAnsiTheme"), ("w:cs", "w:cstheme")):
        fonts_el.attrib.pop(qn(theme), None)
        fonts_el.set(qn(slot), family)


def _set_language(rpr: Element, language: Language, *, force_font: bool) -> None:
    oxml.set_child(rpr, language.element(), oxml.RPR_ORDER)
    if language.east_asian_font is None:
        return
    fonts_el = rpr.find(qn("w:rFonts"))
    if fonts_el is None:
        if not force_font:
            return
        fonts_el = oxml.set_child(rpr, oxml.el("w:rFonts"), oxml.RPR_ORDER)
    elif not force_font and not {qn("w:eastAsia"), qn("w:eastAsiaTheme")} & set(fonts_el.attrib):
        return
    fonts_el.attrib.pop(qn("w:eastAsiaTheme"), None)
    fonts_el.set(qn("w:eastAsia"), language.east_asian_font)
    if force_font and fonts_el.get(qn("w:ascii")) in (None, fonts.STACKS["latin"][0]):
        # Latin letters and digits inside Korean or Japanese text in the East Asian font's own Latin
        # design, as the PDF sets them (its font stack starts with that font), not in a second typeface.
        # A reference that chose a Latin font of its own keeps it.
        for slot in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts_el.attrib.pop(qn(slot + "Theme"), None)
            fonts_el.set(qn(slot), language.east_asian_font)


# ---------------------------------------------------------------- audience: palette and page


def recolour(doc: Document, default: Mapping[str, object], palette: Mapping[str, object]) -> None:
    """Replace each default palette colour the audience changed, wherever the styles and bullets use it.

    Only single colours count (the chart series are not in the document's styles).
    """
    changes = {
        _hex(was): _hex(colour)
        for name, colour in palette.items()
        if isinstance(colour, str) and isinstance(was := default.get(name), str) and _hex(colour) != _hex(was)
    }
    if not changes:
        return
    roots = [doc.styles.element]
    numbering = doc.part.numbering_part.element if _has_numbering(doc) else None
    if numbering is not None:
        roots.append(numbering)
    attributes = (qn("w:val"), qn("w:fill"), qn("w:color"))
    colour_tags = {
        qn(t)
        for t in (
            "w:color",
            "w:shd",
            "w:top",
            "w:left",
            "w:bottom",
            "w:right",
            "w:insideH",
            "w:insideV",
            "w:between",
            "w:bdr",
            "w:start",
            "w:end",
        )
    }
    for root in roots:
        for element in root.iter(*colour_tags):
            for attribute in attributes:
                value = element.get(attribute)
                if value and value.upper() in changes:
                    element.set(attribute, changes[value.upper()])


def _has_numbering(doc: Document) -> bool:
    try:
        doc.part.numbering_part  # noqa: B018 - python-docx raises when there is none
    except (KeyError, NotImplementedError):
        return False
    return True


def _hex(colour: str) -> str:
    value = colour.lstrip("#").upper()
    return "".join(ch * 2 for ch in value) if len(value) == 3 else value


def text_width(doc: Document) -> int:
    """Return the width of the text of the document's last section, in twips (page less side margins)."""
    sect_pr = doc.element.body.sectPr
    size = sect_pr.find(qn("w:pgSz")) if sect_pr is not None else None
    margin = sect_pr.find(qn("w:pgMar")) if sect_pr is not None else None
    if size is None or margin is None:
        return PAGE_SIZES["A4"][0] - 2 * 1134
    return int(size.get(qn("w:w"), 0)) - int(margin.get(qn("w:left"), 0)) - int(margin.get(qn("w:right"), 0))


def rescale_tabs(doc: Document, parts: list[object], before: int, after: int) -> None:
    """Move the tab stops of headers and footers (and of their styles) with the width of the text.

    The template places them for its own page (a right tab at the margin); an audience's page size or
    margins change the width, and the tabs keep their place relative to it.
    """
    if before <= 0 or before == after:
        return
    roots = [part.element for part in parts]  # type: ignore[attr-defined]
    styles = [
        style
        for style in doc.styles.element.findall(qn("w:style"))
        if str(getattr(style.find(qn("w:name")), "get", lambda _: "")(qn("w:val"))).lower()
        in ("header", "footer")
    ]
    for root in [*roots, *styles]:
        for tab in root.iter(qn("w:tab")):
            position = tab.get(qn("w:pos"))
            if position is not None and position.lstrip("-").isdigit():
                tab.set(qn("w:pos"), str(round(int(position) * after / before)))


def page_setup(doc: Document, size: str, margins: str) -> int:
    """Give every section the audience's page size and margins (a CSS margin shorthand); return the width
    of the text in twips."""
    width, height = PAGE_SIZES.get(size, PAGE_SIZES["A4"])
    values = [_twips(v) for v in margins.split()] or [1134]
    sides = {1: values * 4, 2: values * 2, 3: [*values, values[1]], 4: values}[len(values)]
    top, right, bottom, left = sides[:4]
    for sect_pr in doc.element.body.iter(qn("w:sectPr")):
        size_el = oxml.get_or_add(sect_pr, "w:pgSz", _SECT_ORDER)
        size_el.set(qn("w:w"), str(width))
        size_el.set(qn("w:h"), str(height))
        size_el.attrib.pop(qn("w:orient"), None)
        margin_el = oxml.get_or_add(sect_pr, "w:pgMar", _SECT_ORDER)
        for name, value in (("top", top), ("right", right), ("bottom", bottom), ("left", left)):
            margin_el.set(qn(f"w:{name}"), str(value))
        for name in ("header", "footer"):
            if margin_el.get(qn(f"w:{name}")) is None:
                margin_el.set(qn(f"w:{name}"), "567")
        if margin_el.get(qn("w:gutter")) is None:
            margin_el.set(qn("w:gutter"), "0")
    return width - left - right


_SECT_ORDER = (
    "w:headerReference",
    "w:footerReference",
    "w:footnotePr",
    "w:endnotePr",
    "w:type",
    "w:pgSz",
    "w:pgMar",
    "w:paperSrc",
    "w:pgBorders",
    "w:lnNumType",
    "w:pgNumType",
    "w:cols",
    "w:formProt",
    "w:vAlign",
    "w:noEndnote",
    "w:titlePg",
    "w:textDirection",
    "w:bidi",
    "w:rtlGutter",
    "w:docGrid",
)


def _twips(length: str) -> int:
    match = _LENGTH.match(length)
    if not match:
        raise RenderError(f"'{length}' is not a page margin", hint="write lengths such as 20mm")
    return round(float(match.group(1)) * _TWIPS[match.group(2)])
