"""Render outputs in child processes: in parallel, each within a wall-clock limit and a memory bound.

Children are forked from the warm parent, which has validated the project and imported the rendering
libraries once; each child renders one output and sends its bytes back. A child that runs too long is
killed, and one that runs out of memory fails alone: either way the build ends with an error naming the
output, never hung, and the other outputs go on.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, cast

from briefgen.errors import BriefgenError, Diagnostic, Location
from briefgen.plan import Job

#: Seconds one output may take to render; BRIEFGEN_RENDER_TIMEOUT overrides it.
DEFAULT_TIMEOUT = 300.0
#: Address space one rendering child may use, in MiB; BRIEFGEN_RENDER_MEMORY_MB overrides it.
DEFAULT_MEMORY_MB = 4096


@dataclass
class Rendered:
    """What became of one job: its bytes, or the problems that stopped it; with any warnings."""

    job: Job
    data: bytes | None = None
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0
    crash: str | None = None  # the traceback of an unexpected exception, shown with --debug


def limits() -> tuple[float, int]:
    """Return the wall-clock limit (seconds) and the memory bound (MiB) in force."""
    timeout = float(os.environ.get("BRIEFGEN_RENDER_TIMEOUT", DEFAULT_TIMEOUT))
    memory = int(os.environ.get("BRIEFGEN_RENDER_MEMORY_MB", DEFAULT_MEMORY_MB))
    return timeout, memory


RenderOne = Callable[[Job], tuple[bytes, list[Diagnostic]]]


def _child(conn: Connection, job: Job, render: RenderOne, memory_mb: int) -> None:
    # What the child has to say goes through the pipe; the interpreter's own complaints when memory runs
    # out ("Exception ignored in ...") would only garble the parent's terminal.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    size = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))
    try:
        data, warnings = render(job)
        payload: tuple[Any, ...] = ("ok", data, warnings)
    except BriefgenError as exc:
        payload = ("error", list(exc.diagnostics), [])
    except MemoryError:
        payload = (
            "error",
            [
                Diagnostic(
                    f"ran out of memory (limit {memory_mb} MiB) while rendering",
                    Location(job.name),
                    "BRIEFGEN_RENDER_MEMORY_MB sets the limit",
                )
            ],
            [],
        )
    except RecursionError:
        payload = (
            "error",
            [
                Diagnostic(
                    "rendering recursed too deeply (a template or stylesheet loops)", Location(job.name)
                )
            ],
            [],
        )
    except Exception as exc:  # sent to the parent, which reports it as a bug with --debug
        payload = ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())
    try:
        conn.send(payload)
    finally:
        conn.close()
        os._exit(0)  # no atexit handlers, no flushing of the parent's inherited buffers


def render_all(
    jobs: Sequence[Job], render: RenderOne, workers: int, done: Callable[[Rendered], None] | None = None
) -> list[Rendered]:
    """Render every job in forked children, ``workers`` at a time; return the results in job order."""
    timeout, memory_mb = limits()
    context = multiprocessing.get_context("fork")
    pending = list(enumerate(jobs))
    running: dict[Connection, tuple[Any, int, Job, float]] = {}
    results: dict[int, Rendered] = {}

    def finish(index: int, result: Rendered) -> None:
        results[index] = result
        if done is not None:
            done(result)

    while pending or running:
        while pending and len(running) < max(1, workers):
            index, job = pending.pop(0)
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(sender, job, render, memory_mb), daemon=True)
            process.start()
            sender.close()
            running[receiver] = (process, index, job, time.monotonic())
        for ready in wait(list(running), timeout=0.1):
            receiver = cast(Connection, ready)
            process, index, job, started = running.pop(receiver)
            try:
                payload = receiver.recv()
            except EOFError:  # the child died without a word: killed by a signal, or out of memory
                payload = (
                    "error",
                    [
                        Diagnostic(
                            f"the renderer stopped unexpectedly (exit code "
                            f"{process.exitcode}); it may have run out of memory",
                            Location(job.name),
                        )
                    ],
                    [],
                )
            receiver.close()
            process.join()
            result = Rendered(job, seconds=time.monotonic() - started)
            if payload[0] == "ok":
                result.data, result.warnings = payload[1], payload[2]
            elif payload[0] == "error":
                result.errors = payload[1]
            else:
                result.errors = [
                    Diagnostic(f"unexpected {payload[1]} (run again with --debug for the traceback)")
                ]
                result.crash = payload[2]
            finish(index, result)
        now = time.monotonic()
        for receiver, (process, index, job, started) in list(running.items()):
            if now - started > timeout:
                process.kill()
                process.join()
                receiver.close()
                del running[receiver]
                finish(
                    index,
                    Rendered(
                        job,
                        errors=[
                            Diagnostic(
                                f"rendering took longer than {timeout:g} s and was stopped",
                                Location(job.name),
                                hint="a template or stylesheet may be pathological; "
                                "BRIEFGEN_RENDER_TIMEOUT sets the limit",
                            )
                        ],
                        seconds=now - started,
                    ),
                )
    return [results[i] for i in range(len(jobs))]
