"""The ``briefgen`` command: the only place that prints or exits."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from briefgen import __version__
from briefgen.errors import BriefgenError, Diagnostic, ExitCode

F = TypeVar("F", bound=Callable[..., Any])


def _show(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
    for diagnostic in diagnostics:
        click.echo(str(diagnostic), err=True)


def _display(path: Path) -> str:
    """Show a path relative to the current folder when it is inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _run(debug: bool, action: Callable[[], int]) -> None:
    """Run a command; expected errors print as compiler messages, anything else as a short bug report."""
    try:
        code = action()
    except BriefgenError as exc:
        if debug:
            traceback.print_exc()
        _show(exc.diagnostics)
        errors = sum(d.severity == "error" for d in exc.diagnostics)
        if errors > 1:
            click.echo(f"{errors} errors", err=True)
        sys.exit(ExitCode.ERROR)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"error: unexpected {type(exc).__name__}: {exc} (run again with --debug for the traceback)",
                   err=True)
        sys.exit(ExitCode.UNEXPECTED)
    sys.exit(code)


def _common(func: F) -> F:
    func = click.option("--debug", is_flag=True, help="Show the Python traceback of errors.")(func)
    func = click.option(
        "--project", "-p", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
        show_default=True, help="The briefing project folder (holding briefgen.yaml).",
    )(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefgen")
def main() -> None:
    """Build localized briefing documents (PDF, DOCX, HTML) from structured YAML content."""


@main.command()
@click.option("--lang", "-l", "languages", multiple=True, metavar="LANG",
              help="Language to build (repeatable); default: the project's default language.")
@click.option("--format", "-f", "formats", multiple=True, type=click.Choice(["pdf", "html", "docx"]),
              help="Output format (repeatable); default: pdf.")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder; default: output/ in the project.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@_common
def build(languages: tuple[str, ...], formats: tuple[str, ...], output: Path | None, strict: bool,
          project: Path, debug: bool) -> None:
    """Build the briefing: validate all content, render every output, then write them all."""

    def action() -> int:
        from briefgen.build import build as run_build

        result = run_build(project, languages, formats or ("pdf",), output, strict)
        _show(result.warnings)
        for path in result.written:
            click.echo(f"wrote {_display(path)}")
        return ExitCode.OK

    _run(debug, action)


@main.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@_common
def check(strict: bool, project: Path, debug: bool) -> None:
    """Validate the whole project without rendering: content, facts, references and templates."""

    def action() -> int:
        from briefgen.build import load_project
        from briefgen.check import check_templates

        loaded = load_project(project)
        problems = check_templates(loaded)
        warnings = loaded.warnings + [p for p in problems if p.severity == "warning"]
        errors = [p for p in problems if p.severity == "error"]
        _show(errors + warnings)
        click.echo(f"{len(errors)} errors, {len(warnings)} warnings", err=True)
        if errors or (strict and warnings):
            return ExitCode.ERROR
        return ExitCode.OK

    _run(debug, action)
