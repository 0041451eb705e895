"""Checks beyond content validation that need no rendering: templates compile, fonts exist."""

from __future__ import annotations

from briefgen import fonts, templating
from briefgen.build import Loaded
from briefgen.errors import BriefgenError, Diagnostic, Location


def check_templates(loaded: Loaded) -> list[Diagnostic]:
    """Compile every template on the search path and look for a font for each language."""
    problems: list[Diagnostic] = []
    folders = templating.search_path(loaded.root)
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
