"""Render outputs within a wall-clock limit and a memory bound: in this process, or in forked children.

Several outputs render in children forked from the warm parent, which has validated the project and imported
the rendering libraries once; each child renders one output and sends its bytes back. A child that runs too
long is killed, and one that runs out of memory fails alone: either way the build ends with an error naming
the output, never hung, and the other outputs go on.

A single output renders in this process instead (``render_here``), which saves the fork and the copy of its
bytes: a watchdog thread stops a render that runs too long, and the address space the render may add is
bounded in-process. (A single PDF is printed by a child started early instead: ``briefgen.printer``.)
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import resource
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, cast

from briefgen.errors import BriefgenError, Diagnostic, Location
from briefgen.plan import Job

#: Seconds one output may take to render; BRIEFGEN_RENDER_TIMEOUT overrides it.
DEFAULT_TIMEOUT = 300.0
#: Address space one render may use, in MiB; BRIEFGEN_RENDER_MEMORY_MB overrides it.
DEFAULT_MEMORY_MB = 4096
MIB = 1024 * 1024


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
#: What a render reports: ("ok", bytes, warnings), ("error", diagnostics, []) or ("crash", text, traceback).
Payload = tuple[Any, ...]


class RenderTimeout(BaseException):
    """Raised by the watchdog in a thread whose render ran past its wall-clock limit.

    A BaseException, so that no ``except Exception`` of a library on the way swallows it.
    """


def outcome(job: Job, memory_mb: int, action: Callable[[], tuple[Any, list[Diagnostic]]]) -> Payload:
    """Run one render (or a step of one) and say how it ended, as a child sends it to the parent."""
    try:
        data, warnings = action()
        return ("ok", data, warnings)
    except BriefgenError as exc:
        return ("error", list(exc.diagnostics), [])
    except MemoryError:
        return (
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
        return (
            "error",
            [
                Diagnostic(
                    "rendering recursed too deeply (a template or stylesheet loops)", Location(job.name)
                )
            ],
            [],
        )
    except Exception as exc:  # reported by the parent as a bug, with --debug
        return ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())


def result(job: Job, payload: Payload | None, seconds: float, exitcode: int | None = None) -> Rendered:
    """Turn what a render reported into a Rendered; None: the child died without a word."""
    done = Rendered(job, seconds=seconds)
    if payload is None:  # killed by a signal, or out of memory
        done.errors = [
            Diagnostic(
                f"the renderer stopped unexpectedly (exit code {exitcode}); it may have run out of memory",
                Location(job.name),
            )
        ]
    elif payload[0] == "ok":
        done.data, done.warnings = payload[1], payload[2]
    elif payload[0] == "error":
        done.errors = payload[1]
    else:
        done.errors = [Diagnostic(f"unexpected {payload[1]} (run again with --debug for the traceback)")]
        done.crash = payload[2]
    return done


def timed_out(job: Job, timeout: float, seconds: float) -> Rendered:
    """Return the result of a render stopped at the wall-clock limit."""
    return Rendered(
        job,
        errors=[
            Diagnostic(
                f"rendering took longer than {timeout:g} s and was stopped",
                Location(job.name),
                hint="a template or stylesheet may be pathological; BRIEFGEN_RENDER_TIMEOUT sets the limit",
            )
        ],
        seconds=seconds,
    )


# ---------------------------------------------------------------- in this process


def _raise_in(thread: int, exception: type[BaseException] | None) -> None:
    """Make ``thread`` raise ``exception`` at its next Python instruction; None cancels one not yet raised."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread), ctypes.py_object(exception) if exception is not None else None
    )


@contextlib.contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    """Raise RenderTimeout in this thread if the block still runs after ``seconds``.

    A watchdog thread raises it; Python code (templates, layout, writers) stops at its next instruction, a
    call into a native library when it returns.
    """
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"running": True, "fired": False}

    def fire() -> None:
        with lock:
            if state["running"]:
                state["fired"] = True
                _raise_in(target, RenderTimeout)

    timer = threading.Timer(max(0.0, seconds), fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["running"] = False
            if state["fired"]:
                _raise_in(target, None)  # the block ended before the exception was raised in it
        timer.cancel()


def _address_space() -> int | None:
    """Return this process's address space in bytes (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextlib.contextmanager
def memory_bound(memory_mb: int) -> Iterator[None]:
    """Let the block add at most ``memory_mb`` MiB to this process's address space (MemoryError beyond)."""
    used = _address_space()
    if used is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = used + memory_mb * MIB
    for ceiling in (soft, hard):
        if ceiling != resource.RLIM_INFINITY:
            limit = min(limit, ceiling)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def render_here(job: Job, render: RenderOne) -> Rendered:
    """Render one job in this process, within the wall-clock limit and the memory bound."""
    timeout, memory_mb = limits()
    started = time.monotonic()
    try:
        with watchdog(timeout), memory_bound(memory_mb):
            payload = outcome(job, memory_mb, lambda: render(job))
    except RenderTimeout:
        return timed_out(job, timeout, time.monotonic() - started)
    return result(job, payload, time.monotonic() - started)


# ---------------------------------------------------------------- in forked children


def child_setup(memory_mb: int) -> None:
    """Prepare a rendering child: quiet standard error, and bound its address space."""
    # What the child has to say goes through the pipe; the interpreter's own complaints when memory runs
    # out ("Exception ignored in ...") would only garble the parent's terminal.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    size = memory_mb * MIB
    resource.setrlimit(resource.RLIMIT_AS, (size, size))


def fork_child(target: Callable[[Connection, int], None]) -> tuple[Connection, Any]:
    """Fork a child running ``target(connection, memory_mb)``; return this end of the pipe and the process."""
    _, memory_mb = limits()
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()

    def run(conn: Connection, memory_mb: int) -> None:
        # The child holds a copy of this end too: closed, the child reads the end of the pipe when this
        # process is gone (killed, say), and exits instead of waiting for ever.
        ours.close()
        target(conn, memory_mb)

    process = context.Process(target=run, args=(theirs, memory_mb), daemon=True)
    process.start()
    theirs.close()
    return ours, process


def _child(conn: Connection, job: Job, render: RenderOne, memory_mb: int) -> None:
    child_setup(memory_mb)
    payload = outcome(job, memory_mb, lambda: render(job))
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

    def finish(index: int, rendered: Rendered) -> None:
        results[index] = rendered
        if done is not None:
            done(rendered)

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
                payload: Payload | None = receiver.recv()
            except EOFError:  # the child died without a word: killed by a signal, or out of memory
                payload = None
            receiver.close()
            process.join()
            finish(index, result(job, payload, time.monotonic() - started, process.exitcode))
        now = time.monotonic()
        for receiver, (process, index, job, started) in list(running.items()):
            if now - started > timeout:
                process.kill()
                process.join()
                receiver.close()
                del running[receiver]
                finish(index, timed_out(job, timeout, now - started))
    return [results[i] for i in range(len(jobs))]
