"""What the command line shows, and how: plain lines, colour, --quiet, --verbose, --json and closed pipes.

The commands in cli.py decide what to say; this module decides whether and where it is said. Colour goes only
to a terminal, never when ``NO_COLOR`` is set (no-color.org) or ``TERM`` is ``dumb``, and always when
``FORCE_COLOR`` is set. With ``--json`` nothing but one JSON document (``report.Report``) reaches stdout, and
nothing reaches stderr except tracebacks asked for with ``--debug``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, NoReturn, TypeVar

import click

from briefgen.errors import Diagnostic, ExitCode

F = TypeVar("F", bound=Callable[..., Any])
_KEY = "briefgen.console"
_SEVERITY_COLOUR = {"error": "red", "warning": "magenta"}


def closed_pipe() -> NoReturn:
    """End quietly when the reader of our output went away (``briefgen templates list | head -1``).

    The status is 141, 128 + SIGPIPE, what a shell reports for a program that a closed pipe ended. Whatever
    is still buffered for stdout goes nowhere, so that Python does not complain about it on the way out.
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.exit(ExitCode.CLOSED_PIPE)


def wants_colour(stream: IO[str], environ: dict[str, str] | None = None) -> bool:
    """Tell whether to colour what goes to ``stream``: a terminal, unless NO_COLOR or TERM=dumb says not."""
    env = os.environ if environ is None else environ
    if env.get("FORCE_COLOR"):
        return True
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass
class Console:
    """How one command prints: quietly, verbosely, as JSON, in colour or not."""

    json: bool = False
    quiet: bool = False
    verbose: bool = False

    @property
    def human(self) -> bool:
        return not self.json

    def say(self, text: str) -> None:
        """Print a result line (``wrote output/…``) on stdout, unless quiet or JSON."""
        if self.human and not self.quiet:
            click.echo(text)

    def detail(self, text: str) -> None:
        """Print a line only with --verbose (never with JSON), on stderr: a detail, not a result."""
        if self.human and self.verbose:
            click.echo(text, err=True)

    def note(self, text: str) -> None:
        """Print a note for people on stderr (counts, summaries), unless quiet or JSON."""
        if self.human and not self.quiet:
            click.echo(text, err=True)

    def problems(self, diagnostics: Iterable[Diagnostic]) -> None:
        """Print errors and warnings on stderr like a compiler; --quiet keeps only the errors."""
        if not self.human:
            return
        colour = wants_colour(sys.stderr)
        for diagnostic in diagnostics:
            if self.quiet and diagnostic.severity != "error":
                continue
            click.echo(styled(diagnostic, colour), err=True, color=colour)

    def emit(self, document: str) -> None:
        """Print the JSON document of a command on stdout (only with --json)."""
        if self.json:
            click.echo(document)


def styled(diagnostic: Diagnostic, colour: bool) -> str:
    """Return a diagnostic as its compiler line, its severity coloured when ``colour`` is on."""
    text = str(diagnostic)
    if not colour:
        return text
    where = f"{diagnostic.location}: " if diagnostic.location else ""
    label = f"{diagnostic.severity}:"
    rest = text[len(where) + len(label) :]
    return where + click.style(label, fg=_SEVERITY_COLOUR.get(diagnostic.severity), bold=True) + rest


def current() -> Console:
    """Return the console of the running command (plain, if the command has no output options)."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        found = ctx.meta.get(_KEY)
        if isinstance(found, Console):
            return found
        ctx = ctx.parent
    return Console()


def _remember(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    console = ctx.meta.setdefault(_KEY, Console())
    assert param.name is not None
    setattr(console, param.name, value)
    if console.quiet and console.verbose:
        raise click.UsageError("--quiet and --verbose cannot be used together", ctx)
    return value


def output_options(json_option: bool = True) -> Callable[[F], F]:
    """Add --quiet/-q, --verbose/-v and (if ``json_option``) --json to a command."""

    def decorate(func: F) -> F:
        options = [
            click.option(
                "--quiet",
                "-q",
                is_flag=True,
                expose_value=False,
                callback=_remember,
                help="Print only errors.",
            ),
            click.option(
                "--verbose",
                "-v",
                is_flag=True,
                expose_value=False,
                callback=_remember,
                help="Print more: sizes, digests, timings.",
            ),
        ]
        if json_option:
            options.append(
                click.option(
                    "--json",
                    is_flag=True,
                    expose_value=False,
                    callback=_remember,
                    help="Print one JSON document on stdout and nothing else (see docs/scripting.md).",
                )
            )
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


@contextlib.contextmanager
def pipe_guard() -> Iterator[None]:
    """End quietly with status 141 if stdout is a pipe whose reader has gone."""
    try:
        yield
    except BrokenPipeError:
        closed_pipe()
