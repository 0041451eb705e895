"""Audience profiles: which sections a reader gets, how deep, and how the briefing is branded and paged.

Profiles are YAML files named ``<name>.yaml`` under ``audiences/`` in a template folder: the project's own
``templates/audiences/`` first, then the built-in ones, so a project can add profiles or replace one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import PlainValidator
from pydantic_core import PydanticCustomError

from briefgen import sources
from briefgen.errors import BriefgenError, ContentError, Location, did_you_mean
from briefgen.images import ImageRefused, Picture, load_picture
from briefgen.model import Brief, Frozen, JsonSchema, Plain, _plain
from briefgen.validate import Collector, model_errors

AUDIENCE_FOLDER = "audiences"
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_LENGTH = r"\d+(?:\.\d+)?(?:mm|cm|in|pt)"
_MARGINS = re.compile(rf"^{_LENGTH}(?:\s+{_LENGTH}){{0,3}}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _colour(value: object) -> str:
    text = _plain(value)
    if not _COLOUR.match(text):
        raise PydanticCustomError("colour", "'{value}' is not a colour: write #rrggbb", {"value": text})
    return text


def _margins(value: object) -> str:
    text = _plain(value)
    if not _MARGINS.match(text.strip()):
        raise PydanticCustomError(
            "margins",
            "'{value}' is not a margin: write one to four lengths such as '20mm 18mm'",
            {"value": text},
        )
    return text.strip()


def _localized(value: object) -> dict[str, str]:
    """Accept a text for every language, or a mapping of language codes to texts."""
    if isinstance(value, str):
        return {"*": _plain(value)}
    if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
        return {k: _plain(v) for k, v in value.items()}
    raise PydanticCustomError("localized", "expected a text, or a mapping of language codes to texts")


_FAMILY = re.compile(r"^[A-Za-z0-9 _\-]+$")  # what templating.css_font_stack can write into CSS


def _family(value: object) -> str:
    text = _plain(value).strip()
    if not _FAMILY.match(text):
        raise PydanticCustomError(
            "font_family",
            "'{value}' is not a font family name briefgen can use: letters, digits, spaces, '-' and '_'",
            {"value": text},
        )
    return text


FontFamily = Annotated[
    str,
    PlainValidator(_family),
    JsonSchema(
        lambda: {"type": "string", "pattern": _FAMILY.pattern, "description": "An installed font family."}
    ),
]
Colour = Annotated[
    str,
    PlainValidator(_colour),
    JsonSchema(lambda: {"type": "string", "pattern": _COLOUR.pattern, "description": "A colour: #rrggbb."}),
]
Margins = Annotated[
    str,
    PlainValidator(_margins),
    JsonSchema(
        lambda: {
            "type": "string",
            "pattern": _MARGINS.pattern,
            "description": "One to four lengths, CSS order (top right bottom left): 22mm 20mm.",
        }
    ),
]
Localized = Annotated[
    dict[str, str],
    PlainValidator(_localized),
    JsonSchema(
        lambda: {
            "anyOf": [
                {"type": "string"},
                {"type": "object", "additionalProperties": {"type": "string"}, "minProperties": 1},
            ],
            "description": "A text for every language, or a mapping of language codes to texts.",
        }
    ),
]


class Palette(Frozen):
    """Brand colours; each becomes a CSS custom property (``--brand``, ``--accent``…) and DOCX colours."""

    brand: Colour = "#1f3a5f"
    accent: Colour = "#c8102e"
    ink: Colour = "#1d1d1f"
    muted: Colour = "#5f6368"
    rule: Colour = "#d0d5dd"
    panel: Colour = "#f3f5f8"
    takeaway: Colour = "#e8eef6"
    warning: Colour = "#fbeaea"
    #: chart series colours, in order: the Okabe-Ito palette, readable to colour-blind readers
    chart: tuple[Colour, ...] = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")


class Fonts(Frozen):
    """Font families for the briefing's Latin text, installed on this machine (briefgen downloads nothing).

    Korean, Japanese and Chinese text keeps its language's font: a Latin family has no glyphs for it.
    """

    body: FontFamily | None = None
    """Body text; absent: Noto Sans."""
    headings: FontFamily | None = None
    """Headings and the title; absent: the body font."""


class Branding(Frozen):
    """How an edition presents itself, the same in every format (``context.BrandingView``); a project's
    _brand.yml gives the defaults (docs/brand.md)."""

    organisation: Localized | None = None
    """Replaces the brief's organisation."""
    logo: Plain | None = None
    """A PNG, JPEG or SVG under the project's templates/, content/ or assets/."""
    palette: Palette = Palette()
    classification: Localized | None = None
    """Replaces the brief's classification marking."""
    prepared_for: Localized | None = None
    """Who it is for: "the executive committee" gives "Prepared for the executive committee"."""
    header: Localized | None = None
    """The running header's text; default: the brief's title."""
    footer: Localized | None = None
    """A text in the middle of every page footer."""
    fonts: Fonts = Fonts()


class PageSettings(Frozen):
    size: Literal["A4", "Letter"] = "A4"
    margins: Margins = "22mm 20mm 20mm 20mm"
    """Page margins, CSS order: top right bottom left."""


class Include(Frozen):
    """Parts of the briefing an audience gets; each defaults to yes, but the list of figures and the lead."""

    cover: bool = True
    toc: bool | Literal["auto"] = "auto"
    """The contents, on a page of their own: true, false, or auto: when the edition has three chapters or
    more (a contents page listing one or two is all but empty)."""
    executive_summary: bool = True
    key_figures: bool = True
    glossary: bool = True
    sources: bool = True
    timeline: bool = True
    charts: bool = True
    figure_list: bool = False
    """Lists of the tables and figures, with their pages, after the contents (off unless asked for)."""
    lead: bool = False
    """Open with the bottom line, the three biggest figures large, then the takeaways (off unless asked)."""


Depth = Literal["summary", "full"]


class AudienceProfile(Frozen):
    """An audience profile, templates/audiences/<name>.yaml: who reads the briefing, and what they get."""

    title: Localized | None = None
    """What the profile is called, e.g. "Executive briefing"."""
    description: Plain | None = None
    template: Plain = "brief.html.j2"
    """The HTML/PDF template, from templates/."""
    sections: tuple[Plain, ...] | None = None
    """Section ids in reading order; absent: all, in content order."""
    focus: tuple[Plain, ...] = ()
    """Section tags this audience cares most about: those theme sections come first, in full."""
    depth: Depth | dict[str, Depth] = "full"
    """summary or full for every section, or a mapping of section ids to depths with a "default"."""
    include: Include = Include()
    branding: Branding = Branding()
    page: PageSettings = PageSettings()
    pdf_variant: Literal["pdf/ua-1", "pdf/a-3b"] | None = None
    """A PDF standard: pdf/ua-1 (tagged, accessible) or pdf/a-3b (archival); absent: a plain PDF."""
    chart_columns: Literal[1, 2] = 1
    """Charts side by side: 2 draws them half as wide, with text at the same size."""
    greyscale: bool = False
    """The audience prints in black and white: chart series are told apart by hatching as well as shade."""
    reference_docx: Plain | None = None
    """A .docx under the project's templates/ holding the Word styles."""

    def depth_of(self, section: str) -> str:
        """Return how deep a section goes for this audience: "summary" or "full"."""
        if isinstance(self.depth, str):
            return self.depth
        return self.depth.get(section, self.depth.get("default", "full"))


@dataclass(frozen=True)
class Audience:
    """A validated profile with its name, the file it came from and its logo, read and checked."""

    name: str
    path: str  # as shown in messages: templates/audiences/executive.yaml
    profile: AudienceProfile
    logo: Picture | None = None


def brand_branding(brief: Brief) -> dict[str, Any]:
    """Return the branding the project's _brand.yml gives, as a profile's ``branding:`` writes it."""
    from briefgen.brand import Brand

    return dict(brief.brand.branding) if isinstance(brief.brand, Brand) else {}


def brand_logo(brief: Brief) -> Picture | None:
    """Return the logo the project's _brand.yml gives, read and checked, if it gives one."""
    from briefgen.brand import Brand

    return brief.brand.logo if isinstance(brief.brand, Brand) else None


def whole_briefing(brief: Brief) -> AudienceProfile:
    """Return the profile of the briefing built for no audience: the defaults, branded by _brand.yml."""
    branding = brand_branding(brief)
    return AudienceProfile.model_validate({"branding": branding}) if branding else AudienceProfile()


def _merged(base: Any, override: Any) -> Any:
    """Lay a profile's settings over the brand's, mapping by mapping; anything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        return {**base, **{k: _merged(base.get(k), v) for k, v in override.items()}}
    return override


def localized(value: dict[str, str] | None, lang: str, default_lang: str) -> str | None:
    """Pick a profile text for a language: its own, else the default language's, else the one for all."""
    if value is None:
        return None
    return value.get(lang) or value.get("*") or value.get(default_lang)


def available(folders: list[Path]) -> dict[str, Path]:
    """Return every audience profile on the template search path, by name; earlier folders win."""
    found: dict[str, Path] = {}
    for folder in folders:
        for path in sorted((folder / AUDIENCE_FOLDER).glob("*.yaml")):
            found.setdefault(path.stem, path)
    return found


def _shown(path: Path, project: Path) -> str:
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        return f"(built-in) {AUDIENCE_FOLDER}/{path.name}"


def load(name: str, folders: list[Path], project: Path, brief: Brief) -> Audience:
    """Load and validate one audience profile, checking its sections against the brief's content."""
    profiles = available(folders)
    path = profiles.get(name)
    if path is None or not _NAME.match(name):
        hint = did_you_mean(name, profiles) or (
            "audiences: " + ", ".join(sorted(profiles))
            if profiles
            else "add templates/audiences/" + name + ".yaml"
        )
        raise ContentError(f"unknown audience '{name}'", Location("templates/audiences"), hint)
    shown = _shown(path, project)
    folder = next((f for f in folders if path.is_relative_to(f)), path.parent)
    doc = sources.parse_yaml(sources.read_file(path, shown, within=folder), shown)
    out = Collector()
    out.errors.extend(doc.problems)
    profile: AudienceProfile | None = None
    if not isinstance(doc.data, dict):
        out.error("an audience profile is a mapping of settings", Location(shown))
    else:
        data = doc.data
        branding = brand_branding(brief)
        if branding and (isinstance(data.get("branding"), dict) or data.get("branding") is None):
            data = {**data, "branding": _merged(branding, data.get("branding") or {})}
        profile = model_errors(AudienceProfile, data, doc, out)
    logo: Picture | None = None
    if profile is not None:
        _check_sections(profile, doc, brief, out, builtin=shown.startswith("(built-in)"))
        if _check_files(profile, doc, project, out) and profile.branding.logo:
            inherited = brand_logo(brief)
            if inherited is not None and inherited.path == profile.branding.logo:
                logo = inherited  # the _brand.yml's logo, read and checked with that file
            else:
                logo = load_logo(profile.branding.logo, doc.where(("branding", "logo")), project, out)
    if out.errors:
        raise ContentError("", diagnostics=sorted(out.errors, key=lambda d: d.location or Location("")))
    assert profile is not None
    return Audience(name, shown, profile, logo)


def load_logo(relative: str, where: Location | None, project: Path, out: Collector) -> Picture | None:
    """Read and check a logo: a PNG, JPEG or SVG within the limits, which every format can show."""
    try:
        return load_picture(project, relative)
    except ImageRefused as exc:
        out.error(f"the logo '{relative}' is refused: {exc}", where, "use a PNG, JPEG or SVG file")
    except BriefgenError as exc:
        for found in exc.diagnostics:
            out.error(f"the logo '{relative}': {found.message}", where, found.hint)
    return None


def _check_sections(
    profile: AudienceProfile, doc: sources.Document, brief: Brief, out: Collector, builtin: bool = False
) -> None:
    known = [s.id for s in brief.editions[brief.config.default_language].sections]
    if isinstance(profile.depth, dict):
        for name in profile.depth:
            if name != "default" and name not in known:
                out.error(
                    f"unknown section '{name}'",
                    doc.key_locations.get(("depth", name), doc.where(("depth",))),
                    did_you_mean(name, known) or "sections: " + ", ".join(known),
                )
    tags = {t for s in brief.editions[brief.config.default_language].sections for t in s.tags}
    for i, tag in enumerate(profile.focus):
        # built-in profiles name common topics; a project whose sections lack them simply has no focus
        if tag not in tags and not builtin:
            out.error(
                f"no section has the tag '{tag}'",
                doc.where(("focus", i)),
                did_you_mean(tag, tags)
                or ("tags: " + ", ".join(sorted(tags)) if tags else "tag sections with tags: [...]"),
            )
    if profile.sections is None:
        return
    for i, section in enumerate(profile.sections):
        if section not in known:
            out.error(
                f"unknown section '{section}'",
                doc.where(("sections", i)),
                did_you_mean(section, known) or "sections: " + ", ".join(known),
            )
    if len(set(profile.sections)) != len(profile.sections):
        out.error("a section is named twice", doc.where(("sections",)))


def _check_files(profile: AudienceProfile, doc: sources.Document, project: Path, out: Collector) -> bool:
    """Report a logo or reference document outside the project's folders, or missing; return whether not."""
    before = len(out.errors)
    for field, value in (("branding", profile.branding.logo), ("reference_docx", profile.reference_docx)):
        if value is None:
            continue
        key = ("branding", "logo") if field == "branding" else ("reference_docx",)
        target = (project / value).resolve()
        roots = [(project / d).resolve() for d in ("templates", "content", "assets")]
        if not any(target.is_relative_to(root) for root in roots):
            out.error(
                f"'{value}' is outside the project's templates/, content/ and assets/ folders", doc.where(key)
            )
        elif not target.is_file():
            out.error(f"file not found: {value}", doc.where(key), "paths are relative to the project folder")
    return len(out.errors) == before
