"""The ``briefgen`` command: the only place that prints or exits."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import click

from briefgen import __version__
from briefgen.completion import complete_audiences, complete_languages, complete_templates
from briefgen.console import closed_pipe, current, output_options, pipe_guard
from briefgen.errors import BriefgenError, Diagnostic, ExitCode

F = TypeVar("F", bound=Callable[..., Any])


def _show(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
    current().problems(diagnostics)


def _display(path: Path) -> str:
    """Show a path relative to the current folder when it is inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _run(debug: bool, action: Callable[[], int]) -> None:
    """Run a command; expected errors print as compiler messages, anything else as a short bug report.

    With --json, a failure prints the command's JSON document, its problems listed, instead.
    """
    try:
        code = action()
    except BrokenPipeError:
        closed_pipe()
    except BriefgenError as exc:
        crashes: list[str] = getattr(exc, "crashes", [])  # bugs met in a rendering child
        if debug:
            traceback.print_exc()
            for crash in crashes:
                click.echo(crash, err=True)
        code = ExitCode.UNEXPECTED if crashes else ExitCode.ERROR
        _failed(code, exc.diagnostics)
        errors = sum(d.severity == "error" for d in exc.diagnostics)
        if errors > 1:
            current().note(f"{errors} errors")
        sys.exit(code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        _failed(
            ExitCode.UNEXPECTED,
            [
                Diagnostic(
                    f"unexpected {type(exc).__name__}: {exc}",
                    None,
                    "run again with --debug for the traceback",
                )
            ],
        )
        sys.exit(ExitCode.UNEXPECTED)
    sys.exit(code)


def _failed(code: int, diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
    """Show why a command failed: as compiler lines, or as its JSON document with --json."""
    console = current()
    ctx = click.get_current_context(silent=True)
    command = ctx.command.name if ctx is not None else None
    if console.json and command in ("build", "check", "mail", "doctor"):
        from briefgen.report import report

        project = ctx.params.get("project") if ctx is not None else None
        with pipe_guard():
            console.emit(report(command, code, project, diagnostics))  # type: ignore[arg-type]
        return
    current().json = False  # a command without a JSON document still says what went wrong
    _show(diagnostics)


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
        "completion": (
            "briefgen.completion:completion",
            "Print the shell completion script for bash, zsh or fish.",
        ),
        "doctor": (
            "briefgen.doctor:doctor",
            "Say what this machine and project lack to build, check and mail, and how to get it.",
        ),
        "schema": (
            "briefgen.schema:schema",
            "Write JSON Schemas of the project's YAML files, for editors and other validators.",
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
        "warm": (
            "briefgen.warm.command:warm",
            "Keep a warm briefgen process for the project, which builds for `briefgen build`.",
        ),
    }

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        with pipe_guard():  # --help or --version into a closed pipe
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with pipe_guard():  # a command's --help, or any output, into a closed pipe
            return super().invoke(ctx)

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
    shell_complete=complete_languages,
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
    shell_complete=complete_audiences,
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
@output_options()
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
    """Build the briefing: validate its content, render every output, then write them all.

    Outputs whose inputs did not change since the last build are not built again (see --force).
    """

    def action() -> int:
        import time

        from briefgen.plan import quick_up_to_date

        console = current()
        started = time.perf_counter()
        if not force:
            done = quick_up_to_date(
                project, languages, formats or ("pdf",), audiences, output, everything, strict, pdf_variant
            )
            if done is not None:
                for path in done:
                    console.say(f"up to date: {_display(path)}")
                _built(project, [], done, [], [], ExitCode.OK, started)
                return ExitCode.OK
        import os

        from briefgen.progress import grouped
        from briefgen.warm import client as warm
        from briefgen.warm.protocol import BuildRequest

        request = BuildRequest(
            project,
            tuple(languages),
            tuple(formats or ("pdf",)),
            output,
            strict,
            tuple(audiences),
            everything,
            jobs,
            force,
            pdf_variant,
        )
        local = executor in (None, "local")
        result = warm.build(request) if local else None
        if result is None:  # no warm process (or it cannot build this): build here
            from briefgen.build import build as run_build
            from briefgen.progress import build_display

            quiet = console.quiet or console.json or os.environ.get("TERM") == "dumb"
            with build_display(terminal=False if quiet else None) as display:
                result = run_build(
                    **request.arguments(),
                    progress=display.done if display else None,
                    planned=display.planned if display else None,
                    executor=executor,
                )
            if local and warm.wanted():
                warm.start(project)  # for the next build
        for path in result.skipped:
            console.say(f"up to date: {_display(path)}")
        for path in result.written:
            console.say(f"wrote {_display(path)}")
        _show(grouped(result.warnings, result.outputs_of))
        for name, problems in result.failed:
            if console.human:
                for problem in problems:
                    click.echo(f"{name}: {problem}", err=True)
        if debug:
            for crash in result.crashes:
                click.echo(crash, err=True)
        code = ExitCode.OK
        if result.failed:
            total = len(result.failed) + len(result.written) + len(result.skipped)
            console.note(f"{len(result.failed)} of {total} outputs failed")
            code = ExitCode.UNEXPECTED if result.crashes else ExitCode.ERROR
        folder = output or project / "output"
        failed = [(folder / name, problems) for name, problems in result.failed]
        _built(project, result.written, result.skipped, failed, result.warnings, code, started)
        return code

    _run(debug, action)


def _built(
    project: Path,
    written: list[Path],
    fresh: list[Path],
    failed: list[tuple[Path, list[Diagnostic]]],
    warnings: list[Diagnostic],
    code: int,
    started: float,
) -> None:
    """Say what a build made: its JSON document with --json; sizes, digests and the time with --verbose."""
    import time

    console = current()
    if not (console.json or console.verbose):
        return  # nothing more to say: the report (and pydantic, which builds it) is not needed
    from briefgen.report import OutputFile, report

    files = [OutputFile.of(p, "written") for p in written] + [OutputFile.of(p, "up to date") for p in fresh]
    files += [OutputFile.of(p, "failed", problems) for p, problems in failed]
    for item in files:
        if item.sha256:
            console.detail(f"{item.name}: {item.bytes:,} bytes, sha256 {item.sha256}")
    console.detail(f"took {time.perf_counter() - started:.2f} s")
    problems = [*warnings, *(d for _, problems in failed for d in problems)]
    console.emit(report("build", code, project, problems, files=files))


@main.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@output_options()
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
        import time

        from briefgen.build import load_project
        from briefgen.check import check_project

        started = time.perf_counter()
        loaded = load_project(project)
        sections = sum(len(e.sections) for e in loaded.brief.editions.values())
        current().detail(
            f"read {_count(len(loaded.brief.facts), 'fact')} and {_count(sections, 'section')} "
            f"in {', '.join(loaded.brief.editions)}"
        )
        problems = check_project(loaded)
        if parity and not any(p.severity == "error" for p in problems):
            from briefgen.parity import check_parity

            problems += check_parity(loaded)
        warnings = loaded.warnings + [p for p in problems if p.severity == "warning"]
        errors = [p for p in problems if p.severity == "error"]
        _show(errors + warnings)
        current().detail(f"took {time.perf_counter() - started:.2f} s")
        current().note(f"{_count(len(errors), 'error')}, {_count(len(warnings), 'warning')}")
        code = ExitCode.ERROR if errors or (strict and warnings) else ExitCode.OK
        from briefgen.report import report

        current().emit(report("check", code, project, errors + warnings))
        return code

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
@click.argument("name", shell_complete=complete_templates)
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
    "--lang",
    "-l",
    "languages",
    multiple=True,
    metavar="LANG",
    help="Language of the starter content (en, ko, ja, de, fr), repeatable: the first is the default; "
    "default: en.",
)
@click.option("--title", default=None, help="The brief's title, in every language; default: the folder name.")
@click.option("--debug", is_flag=True, help="Show the Python traceback of errors.")
def init(directory: Path, languages: tuple[str, ...], title: str | None, debug: bool) -> None:
    """Create a new briefing project in DIRECTORY that builds at once, with the same sections in each
    language."""

    def action() -> int:
        from briefgen.scaffold import default_title, init_project

        for path in init_project(directory, languages or ("en",), title):
            click.echo(f"wrote {_display(path)}")
        if title is None:
            click.echo(
                f"title: {default_title(directory)!r}, from the folder name "
                "(change it in content/*/brief.yaml, or start again with --title)"
            )
        click.echo(f"next: cd {directory} && briefgen build")
        return ExitCode.OK

    _run(debug, action)
