"""A project's ``_brand.yml`` (Posit's brand.yml, as Quarto reads it), mapped onto briefgen's branding.

The brand gives the defaults of every edition's branding: the whole briefing's and each audience's, in every
format; an audience profile's own ``branding:`` still overrides any of it, field by field. What maps where is
documented in docs/brand.md. The file is read like any content file (safely, with locations); fields of
brand.yml that briefgen does not use are accepted and ignored, so one file can serve Quarto too. Fonts must be
installed on this machine: briefgen downloads nothing, and a missing one is a located warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from briefgen import fonts, sources
from briefgen.errors import Location, did_you_mean
from briefgen.images import Picture
from briefgen.validate import Collector, model_errors

BRAND_FILES = ("_brand.yml", "_brand.yaml")
#: A font family name briefgen can write into CSS and Word styles as it is
_FAMILY = re.compile(r"^[A-Za-z0-9 _\-]+$")
#: brand.yml colour roles and the palette colour of briefgen's branding that each one sets
COLOUR_ROLES = {"primary": "brand", "secondary": "muted", "foreground": "ink", "danger": "accent"}


class _Section(BaseModel):
    # brand.yml has more than briefgen uses: accept it all, read what maps
    model_config = ConfigDict(extra="allow", frozen=True)


class BrandMeta(_Section):
    """Who the brand is."""

    name: str | dict[str, str] | None = None
    """The organisation: a name, or {short: …, full: …} (briefgen takes the full one)."""


class BrandColor(_Section):
    """Colours: named ones in 'palette', and roles that name a palette colour or give a CSS colour."""

    palette: dict[str, str] = {}
    foreground: str | None = None
    """The text colour (briefgen's ink)."""
    primary: str | None = None
    """The main brand colour: headings, rules, table headers (briefgen's brand)."""
    secondary: str | None = None
    """Lighter text: dates, captions, running heads (briefgen's muted)."""
    danger: str | None = None
    """The classification marking (briefgen's accent)."""


class BrandTypography(_Section):
    """Fonts: 'base' for body text, 'headings' for headings, each a family or {family: …}."""

    fonts: list[dict[str, Any]] = []
    base: str | dict[str, Any] | None = None
    headings: str | dict[str, Any] | None = None


class BrandFile(BaseModel):
    """Posit's brand.yml, as far as briefgen reads it (docs/brand.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    meta: BrandMeta | None = None
    logo: str | dict[str, Any] | None = None
    """An image, or {images: {name: path}, small: …, medium: …, large: …}; briefgen's cover takes the
    largest, each size a path or an image name, or {light: …, dark: …} (briefgen prints the light one)."""
    color: BrandColor | None = None
    typography: BrandTypography | None = None
    defaults: dict[str, Any] | None = None
    """Settings for other tools; briefgen does not use them."""


@dataclass(frozen=True)
class Brand:
    """What a _brand.yml gives: branding as an audience profile's ``branding:`` writes it, and its fonts."""

    path: str  # as shown in messages: _brand.yml
    branding: dict[str, Any] = field(default_factory=dict)
    #: font families it names, each with where: {"Inter": "_brand.yml:12:11"}
    families: dict[str, str] = field(default_factory=dict)
    #: the logo, read and checked (renderers embed it and never read the file)
    logo: Picture | None = None


def find(root: Path) -> str | None:
    """Return the name of the project's brand file, if it has one."""
    for name in BRAND_FILES:
        if (root / name).is_file() or (root / name).is_symlink():
            return name
    return None


def load(root: Path, out: Collector) -> Brand | None:
    """Read, validate and map the project's brand file; collect located errors and warnings into ``out``."""
    name = find(root)
    if name is None:
        return None
    from briefgen.errors import ContentError

    try:
        doc = sources.load(root, name)
    except ContentError as exc:
        out.errors.extend(exc.diagnostics)
        return None
    out.errors.extend(doc.problems)
    if doc.data is None:
        return Brand(name)
    if not isinstance(doc.data, dict):
        out.error("a brand file is a mapping: meta, logo, color, typography", Location(name))
        return None
    checked: BrandFile | None = model_errors(BrandFile, doc.data, doc, out)
    if checked is None:
        return None
    before = len(out.errors)
    branding: dict[str, Any] = {}
    if checked.meta is not None and checked.meta.name:
        meta = checked.meta.name
        organisation = meta if isinstance(meta, str) else meta.get("full") or meta.get("short")
        if organisation:
            branding["organisation"] = organisation
    logo = _logo(checked.logo, doc, root, out)
    picture = None
    if logo:
        branding["logo"] = logo
        from briefgen.audience import load_logo

        picture = load_logo(logo, doc.where(("logo",)), root, out)
    palette = _palette(checked.color, doc, out)
    if palette:
        branding["palette"] = palette
    families = _fonts(checked.typography, doc, out)
    if families:
        branding["fonts"] = {role: family for role, (family, _) in families.items()}
    if len(out.errors) > before:
        return None
    return Brand(name, branding, {family: str(where) for family, where in families.values()}, picture)


def _palette(color: BrandColor | None, doc: sources.Document, out: Collector) -> dict[str, str]:
    if color is None:
        return {}
    palette: dict[str, str] = {}
    for role, target in COLOUR_ROLES.items():
        value = getattr(color, role)
        if value is None:
            continue
        resolved = resolve_colour(value, color.palette)
        if resolved is None:
            out.error(
                f"color.{role}: '{value}' is not a colour briefgen can use",
                doc.where(("color", role)),
                did_you_mean(value, color.palette)
                or "write #rrggbb, rgb(…), a CSS colour name, or a name from color.palette",
            )
            continue
        palette[target] = resolved
    return palette


def resolve_colour(value: str, palette: dict[str, str], depth: int = 0) -> str | None:
    """Return a brand.yml colour as #rrggbb: a palette name (followed, up to 10 deep) or any CSS colour."""
    from PIL import ImageColor

    if value in palette and depth < 10:
        return resolve_colour(palette[value], palette, depth + 1)
    try:
        rgb = ImageColor.getrgb(value.strip())
    except (ValueError, AttributeError):
        return None
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def _logo(logo: str | dict[str, Any] | None, doc: sources.Document, root: Path, out: Collector) -> str | None:
    if logo is None:
        return None
    where: sources.Path_ = ("logo",)
    if isinstance(logo, str):
        chosen = logo
    else:
        found_images = logo.get("images")
        images: dict[str, Any] = found_images if isinstance(found_images, dict) else {}
        found = next(((size, logo[size]) for size in ("large", "medium", "small") if logo.get(size)), None)
        if found is None:
            return None
        size, value = found
        where = ("logo", size)
        if isinstance(value, dict):  # {light: …, dark: …}: documents are printed on white
            value = value.get("light") or value.get("dark")
            where = (*where, "light")
        if isinstance(value, str) and value in images:
            image = images[value]
            where = ("logo", "images", value)
            value = image.get("path") if isinstance(image, dict) else image
        if not isinstance(value, str):
            out.error(f"logo.{size}: expected the path of an image", doc.where(where))
            return None
        chosen = value
    target = (root / chosen).resolve()
    roots = [(root / d).resolve() for d in ("templates", "content", "assets")]
    if not any(target.is_relative_to(r) for r in roots):
        out.error(
            f"the logo '{chosen}' is outside the project's templates/, content/ and assets/ folders",
            doc.where(where),
            "move it into assets/ (documents may load only files from there and templates/, content/)",
        )
        return None
    if not target.is_file():
        out.error(f"file not found: {chosen}", doc.where(where), "paths are relative to the project folder")
        return None
    return chosen


def _fonts(
    typography: BrandTypography | None, doc: sources.Document, out: Collector
) -> dict[str, tuple[str, Location]]:
    """Return the body and headings families ({role: (family, where)}); warn about any not installed."""
    if typography is None:
        return {}
    chosen: dict[str, tuple[str, Location]] = {}
    for role, key in (("body", "base"), ("headings", "headings")):
        value = getattr(typography, key)
        family = value.get("family") if isinstance(value, dict) else value
        if not family:
            continue
        where = doc.where(("typography", key, "family") if isinstance(value, dict) else ("typography", key))
        if not isinstance(family, str) or not _FAMILY.match(family):
            out.error(
                f"typography.{key}: {family!r} is not a font family name briefgen can use",
                where,
                "use letters, digits, spaces, '-' and '_'",
            )
            continue
        chosen[role] = (family, where)
    named = {family: where for family, where in chosen.values()}
    for i, entry in enumerate(typography.fonts):
        family = entry.get("family")
        if isinstance(family, str) and family not in named:
            named[family] = doc.where(("typography", "fonts", i, "family"))
    for family, where in named.items():
        if fonts.font_file(family) is None:
            out.warn(
                f"the font '{family}' is not installed: the documents use briefgen's default font instead",
                where,
                fonts.install_hint(family),
            )
    return chosen
