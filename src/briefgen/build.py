"""Orchestrate a build: load and validate everything, render every output in memory, then write them all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefgen import audience, fonts, renderers, sources
from briefgen.context import build_context
from briefgen.errors import ContentError, Diagnostic, Location
from briefgen.model import Brief
from briefgen.output import Output, output_name, write_all
from briefgen.renderers import Setup
from briefgen.templating import search_path
from briefgen.validate import Collector, raise_errors, validate_brief, validate_project


@dataclass
class Loaded:
    """A validated project and the warnings found while validating it."""

    root: Path
    brief: Brief
    warnings: list[Diagnostic] = field(default_factory=list)


def find_project(start: Path) -> Path:
    """Return the project folder: ``start`` itself, which must hold a briefgen.yaml."""
    if not (start / sources.PROJECT_FILE).is_file():
        raise ContentError(
            f"no {sources.PROJECT_FILE} here", Location(str(start)),
            "run briefgen inside a briefing project, or name one with --project DIR",
        )
    return start


def load_project(root: Path) -> Loaded:
    """Read and validate every file of a project; raise ContentError listing every problem."""
    root = find_project(root)
    out = Collector()
    project_doc = sources.load(root, sources.PROJECT_FILE)
    config = validate_project(project_doc, out)
    raise_errors(out)
    assert config is not None
    files, problems = sources.read_project(root, project_doc, list(config.languages))
    out.errors.extend(problems)
    brief, out = validate_brief(files, config, list(config.languages), out)
    raise_errors(out)
    assert brief is not None
    return Loaded(root, brief, out.warnings)


@dataclass
class BuildResult:
    written: list[Path]
    warnings: list[Diagnostic]


def build(
    project: Path,
    languages: Sequence[str] = (),
    formats: Sequence[str] = ("pdf",),
    output: Path | None = None,
    strict: bool = False,
    audiences: Sequence[str] = (),
) -> BuildResult:
    """Build the requested audiences, languages and formats; nothing is written unless every output rendered.

    No audience builds the whole briefing, named without an audience: ``deepseek-briefing.ko.pdf``.
    """
    loaded = load_project(project)
    brief = loaded.brief
    warnings = list(loaded.warnings)
    langs = list(languages) or [brief.config.default_language]
    unknown = [lang for lang in langs if lang not in brief.editions]
    if unknown:
        raise ContentError(
            f"language '{unknown[0]}' is not one of the project's languages ({', '.join(brief.editions)})",
            Location(sources.PROJECT_FILE), "add it to 'languages' and write content/" + unknown[0] + "/",
        )
    if "pdf" in formats and not fonts.has_fast_subsetting():
        warnings.append(Diagnostic(
            "HarfBuzz's subsetter (libharfbuzz-subset0) is not installed: fonts are embedded several times slower",
            None, "install Debian's libharfbuzz-subset0", severity="warning"))
    if strict and warnings:
        raise ContentError("", diagnostics=[
            Diagnostic(w.message, w.location, w.hint, severity="error") for w in warnings])
    root = loaded.root
    folders = search_path(root)
    setup = Setup(
        project=root,
        template_folders=folders,
        resource_roots=[root / "templates", root / "content", root / "assets", *folders],
        cache=(output or root / "output") / ".cache" / "charts",
    )
    profiles = [audience.load(name, folders, root, brief) for name in audiences] or [None]
    outputs: list[Output] = []
    for profile in profiles:
        for lang in langs:
            ctx = build_context(brief, lang, profile)
            for fmt in formats:
                renderer = renderers.get(fmt)
                name = output_name(brief.config.brief, lang, renderer.extension, profile.name if profile else None)
                outputs.append(Output(name, renderer.render(ctx, setup)))
    written = write_all(outputs, output or root / "output")
    return BuildResult(written, warnings + setup.warnings)
