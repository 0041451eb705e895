"""The ``briefgen serve`` command: start the preview, print what happens, stop cleanly on Ctrl-C.

cli.py's group imports this module when the command is used, and it shares cli.py's options, printing and
error handling.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from briefgen.cli import _run, _show, project_option
from briefgen.errors import ExitCode
from briefgen.serve.preview import Edition, Preview

if TYPE_CHECKING:
    from briefgen.warm.server import WarmServer


@click.command()
@click.option(
    "--lang",
    "-l",
    "lang",
    metavar="LANG",
    default=None,
    help="The language to show; default: the project's default language.",
)
@click.option(
    "--audience",
    "-a",
    "audience",
    metavar="NAME",
    default=None,
    help="Show this audience's briefing (e.g. executive); default: the whole briefing.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port on 127.0.0.1 to listen on; 0 picks a free one (printed).",
)
@project_option
@click.option("--debug", is_flag=True, help="Show the Python traceback of errors, and every request.")
def serve(lang: str | None, audience: str | None, port: int, project: Path, debug: bool) -> None:
    """Preview the briefing in a browser, rebuilt whenever a file of the project changes.

    Serves the HTML briefing at http://127.0.0.1:PORT/ (the page reloads itself after each rebuild) and its
    PDF at /brief.pdf (printed when asked for). Errors show in the page, with file and line, until the next
    good save. Only this computer can connect. Stop with Ctrl-C.
    """

    def report(edition: Edition) -> None:
        took = f"{edition.seconds * 1000:.0f} ms"
        why = f" after {', '.join(edition.changed)} changed" if edition.changed else ""
        _show(edition.warnings)
        if edition.ok:
            click.echo(f"{'rebuilt' if edition.changed else 'built'}{why}, in {took}")
            return
        _show(edition.errors)
        if edition.trace:
            click.echo(edition.trace.rstrip(), err=True)
        errors = sum(d.severity == "error" for d in edition.errors)
        click.echo(
            f"the briefing did not build{why}: {errors} error{'s' if errors != 1 else ''}, shown in the page",
            err=True,
        )

    def fail(exc: BaseException) -> None:
        click.echo(
            f"error: the file watcher stopped ({type(exc).__name__}: {exc}); changes are no longer "
            "followed: restart briefgen serve",
            err=True,
        )

    def action() -> int:
        from briefgen.build import find_project
        from briefgen.serve.server import PreviewServer
        from briefgen.serve.watch import Watcher

        find_project(project)
        preview = Preview(project, lang, audience, debug)
        log = (lambda line: click.echo(line, err=True)) if debug else None
        server = PreviewServer(preview, port, log)
        watcher = Watcher(preview, report, fail)
        builds = _answer_builds(project, preview)
        try:
            watcher.start()  # before the first build, so that a save during it is not missed
            report(preview.rebuild())
            click.echo(f"serving {server.url} (PDF: {server.url}brief.pdf); Ctrl-C to stop")
            with _terminate_as_interrupt():
                server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            watcher.stop()
            server.stop()
            if builds is not None:
                builds.shutdown()
        click.echo("stopped")
        return ExitCode.OK

    _run(debug, action)


def _answer_builds(project: Path, preview: Preview) -> WarmServer | None:
    """Answer ``briefgen build`` for the project while serving, as a warm process does (unless one runs)."""
    from briefgen.warm.client import policy
    from briefgen.warm.server import WarmServer

    if policy() == "off":
        return None
    warm = WarmServer(project, lock=preview.rendering)
    if not warm.bind():
        return None
    warm.start_thread()
    return warm


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while serving, so that ``kill`` also stops the server cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set in the main thread
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
