"""The ``briefgen warm`` command: start, show or stop the project's warm process (see ``briefgen.warm``)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from briefgen.cli import _display, _run, project_option
from briefgen.errors import ExitCode


@click.command()
@click.option("--stop", is_flag=True, help="Stop the project's warm process.")
@click.option("--status", is_flag=True, help="Say whether the project has a warm process, and what it did.")
@project_option
@click.option("--debug", is_flag=True, help="Show the Python traceback of errors.")
def warm(stop: bool, status: bool, project: Path, debug: bool) -> None:
    """Keep a warm briefgen process for the project, which builds for `briefgen build`.

    A warm process has imported its libraries and validated the project already, so a build it serves
    skips both; it writes exactly what a cold build writes. It answers only your builds of this project, and
    stops after BRIEFGEN_WARM_IDLE seconds (default 600) without one. BRIEFGEN_WARM=off turns warm builds off.
    """

    def action() -> int:
        from briefgen.build import find_project
        from briefgen.warm import client
        from briefgen.warm.location import socket_path
        from briefgen.warm.server import idle_seconds

        root = find_project(project)
        shown = _display(root.resolve())
        shown = str(root.resolve()) if shown == "." else shown
        if socket_path(root) is None:
            click.echo("error: warm builds need Unix sockets and a private runtime folder", err=True)
            return ExitCode.ERROR
        if stop:
            click.echo(
                f"stopped the warm process of {shown}"
                if client.stop(root)
                else f"no warm process for {shown}"
            )
            return ExitCode.OK
        if status:
            answer = client.ask(root, {"op": "status"}, timeout=30)
            if answer is None:
                click.echo(f"no warm process for {shown}")
            else:
                since = time.time() - float(answer["since"])
                click.echo(
                    f"warm process for {shown}: pid {answer['pid']}, running for {since:.0f} s, "
                    f"{answer['builds']} builds served"
                )
            return ExitCode.OK
        answer = client.start(root, wait=120)
        if answer is None:
            click.echo(f"error: the warm process for {shown} did not start", err=True)
            return ExitCode.ERROR
        click.echo(
            f"warm process for {shown} ready (pid {answer['pid']}); "
            f"it stops after {idle_seconds():g} s without a build"
        )
        return ExitCode.OK

    _run(debug, action)
