"""Run a batch: render the copies on an executor, write them, log them and deliver them as they arrive.

The client holds the project and the log, and keeps a bounded number of copies in flight (twice the
workers): each result is written to disk, logged and mailed as soon as it arrives, then dropped, so the
client's memory does not grow with the number of recipients. Workers only render. A copy whose rendering
fails, or whose message the server refuses, is logged and reported; the others go on. If the mail server
itself fails several times in a row, the batch stops sending (a rerun continues where it stopped).
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from briefgen import executors
from briefgen.batch.deliver import Deliverer, Outcome, read_copy
from briefgen.batch.estimate import MAIL, record
from briefgen.batch.journal import Journal
from briefgen.batch.plan import COPIES, Batch, Step, plan
from briefgen.batch.recipients import Recipient
from briefgen.bundle import Order, Result, pack, render_order
from briefgen.errors import Diagnostic, Location
from briefgen.output import clean_stale, output_lock, write_file

#: How many times a copy is rendered again after its local worker died.
MAX_ATTEMPTS = 3
#: After this many server failures in a row (connection, TLS, login), the batch stops sending.
MAX_SERVER_FAILURES = 3


@dataclass
class Summary:
    """What a run did, for the summary line and the exit status."""

    recipients: int = 0
    already: int = 0  # delivered in an earlier run (or built, without mail)
    unsure: list[Recipient] = field(default_factory=list)  # may have the message: not sent again
    built: int = 0
    reused: int = 0  # sent from a copy built in an earlier run
    sent: int = 0
    written: int = 0
    failed: int = 0  # the copy could not be built
    not_sent: int = 0
    uncertain: int = 0  # the connection broke after the end of the data, in this run
    problems: list[Diagnostic] = field(default_factory=list)
    #: each distinct warning once, with how many copies had it (a template's warning comes with every copy)
    warnings: dict[tuple[str, str | None], tuple[Diagnostic, int]] = field(default_factory=dict)
    crashes: list[str] = field(default_factory=list)
    stopped: str | None = None
    executor: str = ""
    seconds: float = 0.0
    samples: dict[str, list[float]] = field(default_factory=dict)  # rendering seconds by edition and format

    @property
    def ok(self) -> bool:
        return not (self.failed or self.not_sent or self.uncertain or self.unsure or self.stopped)


@dataclass(frozen=True)
class Tick:
    """Progress: copies finished so far out of those this run has to do."""

    done: int
    total: int
    recipient: str
    status: str


def execute(batch: Batch, progress: Callable[[Tick], None] | None = None) -> Summary:
    """Run the batch; return what happened. Only this process writes files, the log, and mail."""
    started = time.monotonic()
    summary = Summary(recipients=len(batch.recipients))
    with output_lock(batch.folder):
        clean_stale(batch.folder / COPIES)
        journal = Journal(batch.log_path, repair=True)
        journal.open()
        try:
            steps = plan(batch, journal)
            _Run(batch, journal, summary, progress).run(steps)
        finally:
            summary.seconds = time.monotonic() - started
            record(batch.folder, summary.samples)
            journal.append(
                "finished",
                None,
                executor=summary.executor,
                seconds=round(summary.seconds, 2),
                built=summary.built,
                sent=summary.sent,
                written=summary.written,
                failed=summary.failed,
                not_sent=summary.not_sent,
                uncertain=summary.uncertain,
                stopped=summary.stopped,
            )
            journal.close()
    return summary


class _Run:
    def __init__(
        self, batch: Batch, journal: Journal, summary: Summary, progress: Callable[[Tick], None] | None
    ) -> None:
        self.batch = batch
        self.journal = journal
        self.summary = summary
        self.progress = progress
        self.deliverer = Deliverer(batch, journal) if batch.options.mode != "build" else None
        self.server_failures = 0
        self.done = 0
        self.total = 0

    def run(self, steps: list[Step]) -> None:
        summary = self.summary
        for step in steps:
            if step.action == "done":
                summary.already += 1
            elif step.action == "unsure":
                summary.unsure.append(step.recipient)
        to_render = [s for s in steps if s.action == "render"]
        to_deliver = [s for s in steps if s.action == "deliver"]
        self.total = len(to_render) + len(to_deliver)
        options = self.batch.options
        self.journal.append(
            "batch",
            None,
            recipients=str(options.recipients),
            count=len(steps),
            mode=options.mode,
            to_build=len(to_render),
            to_deliver=len(to_deliver),
        )
        if not self.total:
            return
        if not to_render:
            for step in to_deliver:
                self._deliver_built(step)
            return
        with executors.open_backend(options.executor, options.jobs) as backend:
            summary.executor = backend.description
            self._render(backend, to_render, to_deliver)

    def _render(self, backend: executors.Backend, to_render: list[Step], to_deliver: list[Step]) -> None:
        batch = self.batch
        loaded: Any = batch.loaded
        portable = backend.kind != executors.LOCAL
        bundle = pack(
            batch.root,
            loaded.brief,
            batch.profiles,
            cache=batch.root / "output" / ".briefgen" / "charts",
            created=_created(),
            pdf_variant=batch.options.pdf_variant,
            portable=portable,
        )
        shared = backend.share(bundle)
        window = max(4, 2 * backend.workers)
        pending: deque[tuple[Step, int]] = deque((s, 1) for s in to_render)
        flight: dict[Future[Result], tuple[Step, int]] = {}

        def recover() -> None:
            """A worker died and took the pool with it: keep what finished, render the rest again."""
            assert backend.restart is not None
            for future, (step, attempt) in list(flight.items()):
                del flight[future]
                if future.done() and not future.cancelled() and future.exception() is None:
                    self._finished(step, future.result())
                else:
                    self._retry(step, attempt, pending)
            backend.restart()

        def fill() -> None:
            while pending and len(flight) < window and not self.summary.stopped:
                step, attempt = pending.popleft()
                r = step.recipient
                order = Order(r.lang, r.audience, r.formats, r.email, batch.mark(r))
                try:
                    future = backend.submit(render_order, shared, order, backend.timeout)
                except BrokenProcessPool:
                    if backend.restart is None:
                        raise
                    pending.appendleft((step, attempt))
                    recover()
                    continue
                flight[future] = (step, attempt)

        fill()
        for step in to_deliver:  # copies built in an earlier run go out while the first ones render
            self._deliver_built(step)
        while flight or (pending and not self.summary.stopped):
            finished, _ = wait(list(flight), return_when=FIRST_COMPLETED) if flight else (set(), set())
            broken = False
            for future in finished:
                step, attempt = flight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    self._retry(step, attempt, pending)
                    continue
                except Exception as exc:  # a Dask worker lost too often (KilledWorker), a task refused…
                    self._failed(step, [Diagnostic(f"the executor failed: {type(exc).__name__}: {exc}")])
                    continue
                self._finished(step, result)
            if broken and backend.restart is not None:
                recover()
            fill()

    def _retry(self, step: Step, attempt: int, pending: deque[tuple[Step, int]]) -> None:
        if attempt >= MAX_ATTEMPTS:
            self._failed(
                step,
                [
                    Diagnostic(
                        f"the worker rendering this copy stopped unexpectedly ({attempt} times); "
                        "it may have run out of memory",
                        Location(step.recipient.email),
                        "BRIEFGEN_RENDER_MEMORY_MB sets a local worker's memory bound",
                    )
                ],
            )
        else:
            pending.appendleft((step, attempt + 1))

    def _failed(self, step: Step, errors: list[Diagnostic], crash: str | None = None) -> None:
        r = step.recipient
        self.summary.failed += 1
        self.summary.problems += [_about(r, d) for d in errors]
        if crash:
            self.summary.crashes.append(crash)
        self.journal.append("failed", r.email, errors=[str(d) for d in errors])
        self._tick(r, "failed")

    def _finished(self, step: Step, result: Result) -> None:
        """Write a rendered copy, log it, and deliver it."""
        if not result.ok:
            self._failed(step, result.errors, result.crash)
            return
        r = step.recipient
        batch = self.batch
        files = []
        for fmt in r.formats:
            data = result.files[fmt]
            name = f"{COPIES}/{batch.copy_name(r, fmt)}"
            write_file(batch.folder / name, data)
            files.append(
                {"format": fmt, "name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            )
            key = f"{r.edition} {fmt}"
            self.summary.samples.setdefault(key, []).append(result.seconds.get(fmt, 0.0))
        mark = batch.mark(r)
        self.journal.append(
            "built",
            r.email,
            name=r.name,
            organisation=r.organisation,
            lang=r.lang,
            audience=r.audience,
            copy=r.number,
            copies=len(batch.recipients),
            code=mark.code if mark else None,
            files=files,
            inputs=batch.fingerprint(r),
            seconds=result.seconds,
            worker=result.worker,
        )
        self.summary.built += 1
        for warning in result.warnings:
            which = (warning.message, warning.hint)
            first, count = self.summary.warnings.get(which, (_about(r, warning), 0))
            self.summary.warnings[which] = (first, count + 1)
        self._deliver(step, result.files)

    def _deliver_built(self, step: Step) -> None:
        assert step.state is not None and step.state.built is not None
        self.summary.reused += 1
        self._deliver(step, read_copy(self.batch.folder, step.state.built))

    def _deliver(self, step: Step, files: dict[str, bytes]) -> None:
        r = step.recipient
        if self.deliverer is None:
            self._tick(r, "built")
            return
        if self.summary.stopped:
            self._tick(r, "built, not sent")
            return
        started = time.perf_counter()
        outcome = self.deliverer.deliver(r, files, step.state, step.resend)
        if outcome.status == "sent":
            self.summary.samples.setdefault(MAIL, []).append(round(time.perf_counter() - started, 4))
        self._count(r, outcome)

    def _count(self, r: Recipient, outcome: Outcome) -> None:
        summary = self.summary
        if outcome.status == "sent":
            summary.sent += 1
        elif outcome.status == "written":
            summary.written += 1
        elif outcome.status == "uncertain":
            summary.uncertain += 1
            summary.problems.append(
                Diagnostic(
                    f"may have received the message: {outcome.detail}",
                    Location(r.email),
                    f"check the mail server's log; --resend {r.email} sends it again",
                )
            )
        else:
            summary.not_sent += 1
            summary.problems.append(Diagnostic(f"not sent: {outcome.detail}", Location(r.email)))
        self.server_failures = self.server_failures + 1 if outcome.server_failure else 0
        if self.server_failures >= MAX_SERVER_FAILURES and not summary.stopped:
            summary.stopped = (
                f"the mail server failed {self.server_failures} times in a row ({outcome.detail}); "
                "the copies in progress are built, and a rerun sends what was not sent"
            )
        self._tick(r, outcome.status)

    def _tick(self, r: Recipient, status: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(Tick(self.done, self.total, r.email, status))


def _about(r: Recipient, diagnostic: Diagnostic) -> Diagnostic:
    """Name the recipient in a problem: as its location, or, if it has one (a template), in its message."""
    if diagnostic.location is not None and diagnostic.location.path != r.email:
        message = f"{r.email}: {diagnostic.message}"
        return Diagnostic(message, diagnostic.location, diagnostic.hint, diagnostic.severity)
    return Diagnostic(diagnostic.message, Location(r.email), diagnostic.hint, diagnostic.severity)


def _created() -> Any:
    from briefgen.plan import created

    return created()
