"""Checks beyond content validation that need no rendering: templates, fonts, catalogues, audiences and
reference documents. Nothing here imports WeasyPrint: ``briefgen check`` stays fast.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from briefgen import audience, fonts, overrides, sources, templating
from briefgen.build import Loaded
from briefgen.errors import BriefgenError, Diagnostic, Location
from briefgen.i18n import catalog
from briefgen.plan import search_path


def check_project(loaded: Loaded) -> list[Diagnostic]:
    """Return every problem beyond content validation, errors and warnings."""
    folders = search_path(loaded.root)
    problems: list[Diagnostic] = []
    problems += check_templates(loaded, folders)
    if not any(p.severity == "error" for p in problems):
        problems += check_rendering(loaded, folders)
    problems += check_fonts(loaded, folders)
    problems += check_catalogues(loaded, folders)
    problems += check_audiences(loaded, folders)
    problems += check_references(loaded, folders)
    problems += overrides.html_only(loaded.root)
    return problems


def check_templates(loaded: Loaded, folders: list[Path]) -> list[Diagnostic]:
    """Compile every template on the search path and look for a font for each language."""
    problems: list[Diagnostic] = []
    for lang in loaded.brief.editions:
        try:
            env = templating.environment(folders, lang)
        except BriefgenError as exc:  # a catalogue that cannot be used
            problems.extend(d for d in exc.diagnostics if d not in problems)
            continue
        for name in sorted(env.list_templates(filter_func=lambda n: n.endswith(".j2"))):
            try:
                templating.render_source_check(env, name, loaded.root)
            except BriefgenError as exc:
                problems.extend(d for d in exc.diagnostics if d not in problems)
        try:
            fonts.choose(lang)
        except BriefgenError as exc:
            problems.extend(
                Diagnostic(d.message, Location(f"content/{lang}"), d.hint) for d in exc.diagnostics
            )
    return problems


def check_rendering(loaded: Loaded, folders: list[Path]) -> list[Diagnostic]:
    """Render every template once against the real context of each edition, for the whole briefing and each
    audience: page templates and stylesheet, mail subject, bodies and attachment name, DOCX labels. (The
    Word template's placeholders are checked when a DOCX is built.)

    So an undefined name or attribute, or any other error a template raises only when it runs, shows up
    without a build. Charts are not drawn (a placeholder with their alt text stands in), nothing is printed.
    """
    profiles: list[audience.Audience | None] = [None]
    for name in sorted(audience.available(folders)):
        try:
            profiles.append(audience.load(name, folders, loaded.root, loaded.brief))
        except BriefgenError:
            continue  # check_audiences reports it
    problems: list[Diagnostic] = []
    for lang in loaded.brief.editions:
        for found in _render_edition(loaded, lang, profiles):
            if found not in problems:
                problems.append(found)
    return problems


def _render_edition(loaded: Loaded, lang: str, profiles: list[audience.Audience | None]) -> list[Diagnostic]:
    from markupsafe import Markup, escape

    from briefgen.context import build_context
    from briefgen.mail import compose
    from briefgen.renderers.base import Setup
    from briefgen.renderers.docx import labels
    from briefgen.renderers.html import HtmlRenderer

    def placeholder(view: Any) -> Markup:
        return Markup(f'<svg role="img" aria-label="{escape(view.alt)}"></svg>')

    brief = loaded.brief
    name = brief.config.brief
    setup = Setup.for_project(loaded.root)
    problems: list[Diagnostic] = []
    for profile in profiles:
        ctx = build_context(brief, lang, profile)
        try:
            HtmlRenderer().document(ctx, setup, for_print=False, charts=placeholder)
        except BriefgenError as exc:
            problems += exc.diagnostics
        edition = compose.Edition(ctx.meta, ctx.presentation.edition, ctx.presentation.branding, lang, name)
        try:
            compose.attachment_stem(loaded.root, edition)
            compose.render(loaded.root, edition, [f"{name}.{lang}.docx"])
        except BriefgenError as exc:
            problems += exc.diagnostics
    ctx = build_context(brief, lang)
    try:
        words = labels.load(setup, lang)
        words.as_of(ctx.meta.date)
        words.sections(len(ctx.sections))
        words.prepared_for_line(ctx.meta.organisation or name)
        words.fallback_note(lang)
    except BriefgenError as exc:
        problems += exc.diagnostics
    return problems


def check_fonts(loaded: Loaded, folders: list[Path]) -> list[Diagnostic]:
    """Report each script the briefing's text uses that no installed font covers, where it is first used.

    The text is what the documents show: the render context of each edition (prose, titles, formatted
    figures) and the texts of the audience profiles; a character only in a YAML comment needs no font.
    Without fontconfig nothing is reported.
    """
    from briefgen.context import build_context

    problems: list[Diagnostic] = []
    for lang in loaded.brief.editions:
        text = "".join(_texts(build_context(loaded.brief, lang, folders=folders)))
        problems += _uncovered(text, functools.partial(_first_use, loaded, lang))
    for name in sorted(audience.available(folders)):
        try:
            profile = audience.load(name, folders, loaded.root, loaded.brief)
        except BriefgenError:
            continue  # check_audiences reports it
        text = "".join(_texts(profile.profile))
        problems += _uncovered(text, lambda _: Location(profile.path))  # noqa: B023 - used at once
    return problems


def _uncovered(text: str, where: Callable[[str], Location]) -> list[Diagnostic]:
    """Report the first character of each script in ``text`` that no installed font covers."""
    first: dict[str, str] = {}
    for ch in fonts.uncovered(text) or ():
        first.setdefault(fonts.script_of(ch), ch)
    return [
        Diagnostic(
            f"no installed font has the {script} character {ch!r} (U+{ord(ch):04X}); the PDF "
            "would show an empty box",
            where(ch),
            f"install Debian's {fonts.SCRIPT_PACKAGES.get(script, fonts.ANY_SCRIPT_PACKAGE)}",
        )
        for script, ch in first.items()
    ]


def _texts(value: Any) -> Iterator[str]:
    """Yield every text inside a render context (dataclasses, models, tuples, mappings)."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _texts(getattr(value, item.name))
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _texts(item)


def _first_use(loaded: Loaded, lang: str, ch: str) -> Location:
    """Find the first line of an edition's content files that holds a character."""
    edition = loaded.brief.editions[lang]
    names = [
        f"content/{lang}/{sources.BRIEF_FILE}",
        *(s.source_path for s in edition.sections),
        sources.FACTS_FILE,
    ]
    for name in dict.fromkeys(names):
        try:
            text = sources.read_text(loaded.root, name)
        except BriefgenError:
            continue
        offset = text.find(ch)
        if offset >= 0:
            line = text.count("\n", 0, offset) + 1
            return Location(name, line, offset - (text.rfind("\n", 0, offset) + 1) + 1)
    return Location(f"content/{lang}")


def check_catalogues(loaded: Loaded, folders: list[Path]) -> list[Diagnostic]:
    """Warn about template strings that a language's catalogue lacks or leaves untranslated."""
    wanted = catalog.template_messages(folders)
    problems: list[Diagnostic] = []
    for lang in loaded.brief.editions:
        absent = catalog.missing(folders, lang)
        if absent is not None:
            problems.append(absent)
            continue
        found = catalog.find(folders, lang)
        assert found is not None
        shown = _shown(found, loaded.root)
        entries = catalog.entries(found, lang)
        for msgid in sorted(wanted):
            if msgid not in entries:
                problems.append(
                    Diagnostic(
                        f"catalogue lacks the string {msgid!r}",
                        Location(shown),
                        "add it with its translation",
                        severity="warning",
                    )
                )
            elif not entries[msgid]:
                problems.append(
                    Diagnostic(f"the string {msgid!r} is not translated", Location(shown), severity="warning")
                )
    return problems


def check_audiences(loaded: Loaded, folders: list[Path]) -> list[Diagnostic]:
    """Validate every audience profile on the search path against the content."""
    problems: list[Diagnostic] = []
    for name in sorted(audience.available(folders)):
        try:
            audience.load(name, folders, loaded.root, loaded.brief)
        except BriefgenError as exc:
            problems.extend(exc.diagnostics)
    return problems


def check_references(loaded: Loaded, folders: list[Path]) -> list[Diagnostic]:
    """Check every reference DOCX on the search path and named by an audience: safe, readable, styled."""
    from briefgen.renderers.docx import reference

    found: dict[Path, tuple[Path, str, list[Path]]] = {}
    for folder in folders:
        path = folder / reference.REFERENCE
        if path.is_file() or path.is_symlink():
            found.setdefault(path.resolve(), (path, _shown(path, loaded.root), [folder]))
    for name in sorted(audience.available(folders)):
        try:
            chosen = audience.load(name, folders, loaded.root, loaded.brief).profile.reference_docx
        except BriefgenError:
            continue  # check_audiences reports it
        if chosen:
            path = loaded.root / chosen
            roots = [loaded.root / d for d in ("templates", "content", "assets")]
            found.setdefault(path.resolve(), (path, chosen, roots))
    problems: list[Diagnostic] = []
    for path, shown, roots in found.values():
        if not any(path.resolve().is_relative_to(root.resolve()) for root in roots):
            problems.append(
                Diagnostic(
                    "the reference document is a link to a file outside the project's "
                    "folders; it was not read",
                    Location(shown),
                )
            )
        elif path.is_file():
            problems.extend(reference.check_reference(path, shown))
    return problems


def _shown(path: Path, project: Path) -> str:
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
