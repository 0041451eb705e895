"""The ``briefgen`` command: the only place that prints or exits."""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

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


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _run(debug: bool, action: Callable[[], int]) -> None:
    """Run a command; expected errors print as compiler messages, anything else as a short bug report."""
    try:
        code = action()
    except BriefgenError as exc:
        crashes: list[str] = getattr(exc, "crashes", [])  # bugs met in a rendering child
        if debug:
            traceback.print_exc()
            for crash in crashes:
                click.echo(crash, err=True)
        _show(exc.diagnostics)
        errors = sum(d.severity == "error" for d in exc.diagnostics)
        if errors > 1:
            click.echo(f"{errors} errors", err=True)
        sys.exit(ExitCode.UNEXPECTED if crashes else ExitCode.ERROR)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        click.echo(
            f"error: unexpected {type(exc).__name__}: {exc} (run again with --debug for the traceback)",
            err=True,
        )
        sys.exit(ExitCode.UNEXPECTED)
    sys.exit(code)


def project_option(func: F) -> F:
    """Add ``--project DIR`` (default: the current folder) to a command."""
    return click.option(
        "--project",
        "-p",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="The briefing project folder (holding briefgen.yaml).",
    )(func)


def _common(func: F) -> F:
    func = click.option("--debug", is_flag=True, help="Show the Python traceback of errors.")(func)
    return project_option(func)


class _LazyGroup(click.Group):
    """A group whose heavier commands are imported only when used, so that --help and build start fast."""

    LAZY: ClassVar[dict[str, tuple[str, str]]] = {  # name: (module:attribute, the help shown in --help)
        "batch": (
            "briefgen.batch.command:batch",
            "Make a personal, marked copy of the briefing for every recipient, and mail it.",
        ),
        "mail": (
            "briefgen.mail.command:mail",
            "Mail the briefing: build it (or reuse an up-to-date build), "
            "then send one message to every recipient.",
        ),
        "serve": (
            "briefgen.serve.command:serve",
            "Preview the briefing in a browser, rebuilt on every save.",
        ),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY and cmd_name not in self.commands:
            import importlib

            module, _, attribute = self.LAZY[cmd_name][0].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.LAZY and name not in self.commands:
                rows.append((name, self.LAZY[name][1]))
            else:
                command = self.commands[name]
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefgen")
def main() -> None:
    """Build localized briefing documents (PDF, DOCX, HTML) from structured YAML content."""


@main.command()
@click.option(
    "--lang",
    "-l",
    "languages",
    multiple=True,
    metavar="LANG",
    help="Language to build (repeatable); default: the project's default language.",
)
@click.option(
    "--format",
    "-f",
    "formats",
    multiple=True,
    type=click.Choice(["pdf", "html", "docx"]),
    help="Output format (repeatable); default: pdf.",
)
@click.option(
    "--audience",
    "-a",
    "audiences",
    multiple=True,
    metavar="NAME",
    help="Audience profile (repeatable), e.g. executive, technical, policy; default: the whole briefing.",
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Build every language, the whole briefing and every audience, in every format; "
    "a failed output does not stop the others.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Render N outputs at a time; default: one per core.",
)
@click.option(
    "--executor",
    default=None,
    metavar="SPEC",
    help="Render on a Dask cluster: dask-local (a LocalCluster) or dask://HOST:PORT; "
    "default: processes forked from this one.",
)
@click.option("--force", is_flag=True, help="Build even the outputs whose inputs did not change.")
@click.option(
    "--pdf-variant",
    type=click.Choice(["pdf/ua-1", "pdf/a-3b"]),
    default=None,
    help="Make standard PDFs: pdf/ua-1 (tagged, accessible) or pdf/a-3b (archival); "
    "default: what the audience profile says, else a plain PDF.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder; default: output/ in the project.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@_common
def build(
    languages: tuple[str, ...],
    formats: tuple[str, ...],
    audiences: tuple[str, ...],
    everything: bool,
    jobs: int | None,
    executor: str | None,
    force: bool,
    pdf_variant: str | None,
    output: Path | None,
    strict: bool,
    project: Path,
    debug: bool,
) -> None:
    """Build the briefing: validate all content, render every output, then write them all.

    Outputs whose inputs did not change since the last build are not built again (see --force).
    """

    def action() -> int:
        from briefgen.plan import quick_up_to_date

        if not force:
            done = quick_up_to_date(
                project, languages, formats or ("pdf",), audiences, output, everything, strict, pdf_variant
            )
            if done is not None:
                for path in done:
                    click.echo(f"up to date: {_display(path)}")
                return ExitCode.OK
        from briefgen.build import build as run_build

        with _progress() as progress:
            result = run_build(
                project,
                languages,
                formats or ("pdf",),
                output,
                strict,
                audiences,
                everything=everything,
                jobs=jobs,
                force=force,
                pdf_variant=pdf_variant,
                progress=progress,
                executor=executor,
            )
        _show(result.warnings)
        for path in result.skipped:
            click.echo(f"up to date: {_display(path)}")
        for path in result.written:
            click.echo(f"wrote {_display(path)}")
        for name, problems in result.failed:
            for problem in problems:
                click.echo(f"{name}: {problem}", err=True)
        if debug:
            for crash in result.crashes:
                click.echo(crash, err=True)
        if result.failed:
            total = len(result.failed) + len(result.written) + len(result.skipped)
            click.echo(f"{len(result.failed)} of {total} outputs failed", err=True)
            return ExitCode.UNEXPECTED if result.crashes else ExitCode.ERROR
        return ExitCode.OK

    _run(debug, action)


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[str, Any], None] | None]:
    """Show what is being built on a terminal (rich's progress bar); nothing when output is redirected."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("building", total=None)

        def update(name: str, result: Any) -> None:
            state = "up to date" if result is None else "failed" if result.data is None else "built"
            bar.update(task, advance=1, description=f"{state}: {name}")

        yield update


@main.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--parity",
    is_flag=True,
    help="Also render the PDF and the DOCX of every edition (language, whole briefing and each audience) in "
    "memory and compare their headings, figures and branding.",
)
@_common
def check(strict: bool, parity: bool, project: Path, debug: bool) -> None:
    """Validate the whole project without rendering: content, facts, references and templates."""

    def action() -> int:
        from briefgen.build import load_project
        from briefgen.check import check_project

        loaded = load_project(project)
        problems = check_project(loaded)
        if parity and not any(p.severity == "error" for p in problems):
            from briefgen.parity import check_parity

            problems += check_parity(loaded)
        warnings = loaded.warnings + [p for p in problems if p.severity == "warning"]
        errors = [p for p in problems if p.severity == "error"]
        _show(errors + warnings)
        click.echo(f"{_count(len(errors), 'error')}, {_count(len(warnings), 'warning')}", err=True)
        if errors or (strict and warnings):
            return ExitCode.ERROR
        return ExitCode.OK

    _run(debug, action)


@main.group()
def templates() -> None:
    """List the templates a project uses, or copy a built-in one into the project to edit it."""


@templates.command("list")
@_common
def templates_list(project: Path, debug: bool) -> None:
    """Show every template and whether it comes from the project or is built in."""

    def action() -> int:
        from briefgen.scaffold import list_templates

        for item in list_templates(project):
            note = " (overrides the built-in one)" if item.overrides else ""
            click.echo(f"{item.name:40} {item.origin}{note}")
        return ExitCode.OK

    _run(debug, action)


@templates.command("copy")
@click.argument("name")
@click.option("--force", is_flag=True, help="Overwrite the project's copy if there is one.")
@_common
def templates_copy(name: str, force: bool, project: Path, debug: bool) -> None:
    """Copy the built-in template NAME (as listed) into the project's templates/ folder."""

    def action() -> int:
        from briefgen.scaffold import copy_template

        click.echo(f"wrote {_display(copy_template(project, name, force))}")
        return ExitCode.OK

    _run(debug, action)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--lang", "-l", default="en", show_default=True, help="Language of the starter content (en, ko)."
)
@click.option("--title", default=None, help="The brief's title; default: from the folder name.")
@click.option("--debug", is_flag=True, help="Show the Python traceback of errors.")
def init(directory: Path, lang: str, title: str | None, debug: bool) -> None:
    """Create a new briefing project in DIRECTORY that builds at once."""

    def action() -> int:
        from briefgen.scaffold import init_project

        for path in init_project(directory, lang, title):
            click.echo(f"wrote {_display(path)}")
        click.echo(f"next: cd {directory} && briefgen build")
        return ExitCode.OK

    _run(debug, action)
