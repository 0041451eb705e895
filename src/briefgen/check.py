"""Checks beyond content validation that need no rendering: templates, catalogues, audiences, fonts."""

from __future__ import annotations

from pathlib import Path

from briefgen import audience, fonts, templating
from briefgen.build import Loaded
from briefgen.errors import BriefgenError, Diagnostic, Location
from briefgen.i18n import catalog


def check_project(loaded: Loaded) -> list[Diagnostic]:
    """Return every problem beyond content validation, errors and warnings."""
    folders = templating.search_path(loaded.root)
    problems: list[Diagnostic] = []
    problems += check_templates(loaded, folders)
    problems += check_catalogues(loaded, folders)
    problems += check_audiences(loaded, folders)
    return problems


def check_templates(loaded: Loaded, folders: list[Path]) -> list[Diagnostic]:
    """Compile every template on the search path and look for a font for each language."""
    problems: list[Diagnostic] = []
    for lang in loaded.brief.editions:
        env = templating.environment(folders, lang)
        for name in sorted(env.list_templates(filter_func=lambda n: n.endswith(".j2"))):
            try:
                templating.render_source_check(env, name, loaded.root)
            except BriefgenError as exc:
                problems.extend(d for d in exc.diagnostics if d not in problems)
        try:
            fonts.choose(lang)
        except BriefgenError as exc:
            problems.extend(Diagnostic(d.message, Location(f"content/{lang}"), d.hint) for d in exc.diagnostics)
    return problems


def check_catalogues(loaded: Loaded, folders: list[Path]) -> list[Diagnostic]:
    """Warn about template strings that a language's catalogue lacks or leaves untranslated."""
    wanted = catalog.template_messages(folders)
    problems: list[Diagnostic] = []
    for lang in loaded.brief.editions:
        found = catalog.find(folders, lang)
        if found is None:
            problems.append(Diagnostic(
                f"no message catalogue for '{lang}': template strings stay in English", Location("templates"),
                f"copy locales/en/LC_MESSAGES/messages.po to templates/locales/{lang}/LC_MESSAGES/ and translate it",
                severity="warning"))
            continue
        shown = _shown(found, loaded.root)
        entries = catalog.entries(found, lang)
        for msgid in sorted(wanted):
            if msgid not in entries:
                problems.append(Diagnostic(f"catalogue lacks the string {msgid!r}", Location(shown),
                                           "add it with its translation", severity="warning"))
            elif not entries[msgid]:
                problems.append(Diagnostic(f"the string {msgid!r} is not translated", Location(shown),
                                           severity="warning"))
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


def _shown(path: Path, project: Path) -> str:
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
