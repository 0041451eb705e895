"""Print a single PDF in a child started before the project is loaded, which imports WeasyPrint meanwhile.

A build of one PDF starts a Printer first thing. The child, forked while the build process is still small,
imports WeasyPrint (about a third of a second) on another core while the build reads, validates and
templates the content; then it prints the HTML it is sent, within the memory bound, and the build kills it
once the wall-clock limit has passed. The child holds WeasyPrint and the print HTML only, nothing of the
content side (validation, templates, charts), so its memory is the ``weasyprint`` command's on that HTML.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from briefgen.plan import Job
from briefgen.runner import (
    Payload,
    Rendered,
    RenderTimeout,
    child_setup,
    fork_child,
    limits,
    outcome,
    result,
    timed_out,
    watchdog,
)

if TYPE_CHECKING:
    from briefgen.renderers.base import Setup

#: What the build sends to print: the print HTML, the renderer setup, the page template's name, and the
#: code of a personal copy (None for others).
PrintJob = tuple[str, "Setup", str, "str | None"]


def _prepare() -> None:
    from briefgen.native import import_weasyprint

    import_weasyprint()
    import briefgen.fetcher
    import briefgen.renderers.printing  # noqa: F401


def _serve(conn: Connection, memory_mb: int) -> None:
    child_setup(memory_mb)
    failure: BaseException | None = None
    try:
        _prepare()
    except BaseException as exc:  # out of memory already, or interrupted: told once there is a job to name
        failure = exc
    try:
        message = conn.recv()
    except (EOFError, OSError):
        message = None
    if message is None:  # the build did not need a PDF after all
        os._exit(0)
    job, html, setup, page_template, code = message
    drawn: dict[str, bytes] = {}

    def chart(key: str) -> bytes:
        """Wait for a chart the page links to while it is being drawn: the build sends each when drawn."""
        while key not in drawn:
            _, sent, data = conn.recv()
            drawn[sent] = data
        return drawn[key]

    def run() -> tuple[bytes, list[Any]]:
        if failure is not None:
            raise failure
        from briefgen.renderers.printing import print_pdf

        return print_pdf(html, setup, page_template, code, charts=chart), setup.warnings

    payload = outcome(job, memory_mb, run)
    try:
        conn.send(payload)
    finally:
        conn.close()
        os._exit(0)  # no atexit handlers, no flushing of the parent's inherited buffers


class Printer:
    """A child process that imports WeasyPrint now and prints one PDF later; use it once, then close it."""

    def __init__(self) -> None:
        self._conn, self._process = fork_child(_serve)

    def render(self, job: Job, make: Callable[[Job], PrintJob]) -> Rendered:
        """Make the job's print HTML here, print it in the child; both within the limits."""
        timeout, memory_mb = limits()
        started = time.monotonic()
        try:
            with watchdog(timeout):
                made = outcome(job, memory_mb, lambda: (make(job), []))
        except RenderTimeout:
            return timed_out(job, timeout, time.monotonic() - started)
        if made[0] != "ok":
            return result(job, made, time.monotonic() - started)
        html, setup, page_template, code = made[1]
        payload: Payload | None = None
        try:
            self._conn.send((job, html, setup, page_template, code))
            charts = setup.deferred_charts
            if charts:  # the child lays out while the charts are drawn: send each when drawn
                try:
                    with watchdog(max(0.0, timeout - (time.monotonic() - started))):
                        sent = outcome(job, memory_mb, lambda: (self._send_charts(charts), []))
                except RenderTimeout:
                    self.close()
                    return timed_out(job, timeout, time.monotonic() - started)
                if sent[0] != "ok":  # a chart could not be drawn: the build's error, as without the child
                    self.close()
                    return result(job, sent, time.monotonic() - started)
            if not self._conn.poll(max(0.0, timeout - (time.monotonic() - started))):
                self.close()
                return timed_out(job, timeout, time.monotonic() - started)
            payload = self._conn.recv()
        except (EOFError, OSError):  # the child died without a word: killed, or out of memory
            payload = None
        self._process.join()
        return result(job, payload, time.monotonic() - started, self._process.exitcode)

    def _send_charts(self, keys: Iterable[str]) -> int:
        """Send the child each chart as it is drawn; return how many it was sent."""
        from briefgen.charts.cache import deliver

        sent = 0
        for key in keys:
            data = deliver(key)
            try:
                self._conn.send(("chart", key, data))
            except OSError:  # the child stopped (its layout failed): its answer says why
                break
            sent += 1
        return sent

    def close(self) -> None:
        """Stop the child if it still runs (it was not needed, or ran too long)."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._conn.close()
