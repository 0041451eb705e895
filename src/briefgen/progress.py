"""How the command line shows a build on a terminal: a progress bar while it runs, then its warnings, grouped.

Part of the command line (cli.py calls it; library code never prints). The bar knows the number of outputs
up front, so it shows a total, a percentage, a rate and the time left (rich's progress display); warnings
are collected while it runs and listed once it is gone, each once, ordered by file, with the outputs a
rendering warning came from.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import IO, TYPE_CHECKING, Any

from briefgen.errors import Diagnostic, Location

if TYPE_CHECKING:
    from briefgen.runner import Rendered


@dataclass
class BuildDisplay:
    """What a build reports as it goes: how many outputs it plans, then each output as it is done."""

    planned: Callable[[int], None]
    done: Callable[[str, Rendered | None], None]


@contextlib.contextmanager
def build_display(
    stream: IO[str] | None = None, terminal: bool | None = None
) -> Iterator[BuildDisplay | None]:
    """Show a build's progress on a terminal (standard error by default); nothing when it is redirected."""
    stream = stream or sys.stderr
    if not (stream.isatty() if terminal is None else terminal):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Outputs per second, once there is anything to measure."""

        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:.2f} outputs/s" if speed else "– outputs/s", style="progress.data.speed")

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("elapsed,"),
        TimeRemainingColumn(),
        TextColumn("left"),
        console=Console(file=stream, force_terminal=terminal),
        transient=True,
    ) as bar:
        task = bar.add_task("building", total=None)

        def planned(total: int) -> None:
            bar.update(task, total=total, refresh=True)  # show the total at once, however fast the build

        def done(name: str, result: Rendered | None) -> None:
            state = "up to date" if result is None else "failed" if result.data is None else "built"
            bar.update(task, advance=1, description=f"{state}: {name}")

        yield BuildDisplay(planned, done)


def grouped(
    warnings: Sequence[Diagnostic], outputs: dict[Diagnostic, list[str]] | None = None
) -> list[Diagnostic]:
    """Return warnings to print: each once, ordered by file and line, the warnings without a file last; a
    warning that several outputs gave says how many ("in 12 outputs: a, b, …")."""
    outputs = outputs or {}
    unique = list(dict.fromkeys(warnings))
    unique.sort(key=lambda d: (d.location is None, d.location or Location("")))
    shown = []
    for warning in unique:
        names = outputs.get(warning, [])
        suffix = ""
        if len(names) > 1:
            suffix = f" [in {len(names)} outputs: {', '.join(names[:3])}{', …' if len(names) > 3 else ''}]"
        elif names:
            suffix = f" [in {names[0]}]"
        shown.append(replace(warning, message=warning.message + suffix) if suffix else warning)
    return shown
