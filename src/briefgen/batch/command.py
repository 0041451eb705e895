"""The ``briefgen batch`` command: a thin layer over ``plan``, ``run`` and ``estimate`` that prints.

cli.py's group imports this module when the command is used, and it shares cli.py's options, printing and
error handling.
"""

from __future__ import annotations

import collections
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from briefgen.cli import _display, _run, _show, project_option
from briefgen.completion import complete_audiences, complete_languages
from briefgen.console import current, output_options
from briefgen.errors import Diagnostic, ExitCode, Location

#: Seconds between two progress lines when standard error is not a terminal.
PROGRESS_EVERY = 10.0
#: Worker counts the dry run estimates for, besides the one asked for.
WORKER_COUNTS = (1, 2, 4, 8, 16, 32)


@click.command()
@click.argument("recipients", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--mail", "send_mail", is_flag=True, help="Mail every copy (SMTP settings: docs/mail.md).")
@click.option(
    "--eml",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Write every message as an .eml file into DIR instead of sending it.",
)
@click.option(
    "--dry-run", is_flag=True, help="Show what would be built and sent, and how long it would take."
)
@click.option("--report", is_flag=True, help="Show who got what, from the distribution log; do nothing else.")
@click.option(
    "--resend",
    multiple=True,
    metavar="EMAIL",
    help="Send to this recipient again, even if the log says they have it (repeatable).",
)
@click.option(
    "--executor",
    default=None,
    metavar="SPEC",
    help="Where copies are rendered: local (a process pool, the default), dask-local (a Dask LocalCluster) "
    "or dask://HOST:PORT (a Dask scheduler).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Worker processes of the local pool or the LocalCluster; default: one per core.",
)
@click.option(
    "--format",
    "-f",
    "formats",
    multiple=True,
    type=click.Choice(["pdf", "docx"]),
    help="Format of the copies of recipients whose row names none (repeatable); default: pdf.",
)
@click.option(
    "--lang",
    "-l",
    default=None,
    metavar="LANG",
    shell_complete=complete_languages,
    help="Language of rows that name none.",
)
@click.option(
    "--audience",
    "-a",
    default=None,
    metavar="NAME",
    shell_complete=complete_audiences,
    help="Audience of rows that name none.",
)
@click.option(
    "--no-marking",
    is_flag=True,
    help="Leave the copies unmarked: no recipient's name, copy number or code.",
)
@click.option(
    "--watermark", is_flag=True, help="Also print a light diagonal watermark on every page of the PDF."
)
@click.option(
    "--pdf-variant",
    type=click.Choice(["pdf/ua-1", "pdf/a-3b"]),
    default=None,
    help="Make standard PDFs; default: what the audience profile says.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The batch folder (copies and distribution log); default: output/batch/<recipients file name>.",
)
@project_option
@output_options(json_option=False)
@click.option("--debug", is_flag=True, help="Show the Python traceback of errors.")
def batch(
    recipients: Path,
    send_mail: bool,
    eml: Path | None,
    dry_run: bool,
    report: bool,
    resend: tuple[str, ...],
    executor: str | None,
    jobs: int | None,
    formats: tuple[str, ...],
    lang: str | None,
    audience: str | None,
    no_marking: bool,
    watermark: bool,
    pdf_variant: str | None,
    output: Path | None,
    project: Path,
    debug: bool,
) -> None:
    """Make a personal, marked copy of the briefing for every recipient in RECIPIENTS (CSV or YAML), and
    mail it (--mail) or write it as an .eml file (--eml).

    A rerun goes on where the last one stopped and never mails anyone twice: the distribution log beside
    the copies records every step. See docs/batch.md.
    """
    if send_mail and eml is not None:
        raise click.UsageError("choose --mail or --eml, not both")
    if resend and not (send_mail or eml):
        raise click.UsageError("--resend goes with --mail or --eml")
    from briefgen import executors

    try:
        executors.parse(executor)
    except executors.ExecutorError as exc:
        problem = exc.diagnostics[0]
        raise click.BadParameter(f"{problem.message} ({problem.hint})", param_hint="'--executor'") from None

    def action() -> int:
        from briefgen.batch.plan import BatchOptions, prepare

        options = BatchOptions(
            project=project,
            recipients=recipients,
            output=output,
            mode="mail" if send_mail else "eml" if eml is not None else "build",
            eml=eml,
            executor=executor,
            jobs=jobs,
            formats=formats or ("pdf",),
            lang=lang,
            audience=audience,
            marking=not no_marking,
            watermark=watermark,
            resend=resend,
            pdf_variant=pdf_variant,
        )
        prepared = prepare(options, os.environ)
        _show(prepared.warnings)
        if report:
            return _report(prepared)
        if dry_run:
            return _dry_run(prepared)
        return _execute(prepared, debug)

    _run(debug, action)


def _execute(prepared: Any, debug: bool) -> int:
    from briefgen.batch.run import execute

    with _progress() as progress:
        summary = execute(prepared, progress)
    _show(summary.problems)
    for warning, count in summary.warnings.values():
        if count > 1:
            warning = Diagnostic(f"{warning.message} (in {count} copies)", None, warning.hint, "warning")
        _show([warning])
    _show(
        [
            Diagnostic(
                "may have received the message already: a run stopped while it was being handed to the "
                "server, so it was not sent again",
                Location(r.email),
                f"check the server's log; --resend {r.email} sends it again",
                "warning",
            )
            for r in summary.unsure
        ]
    )
    if debug:
        for crash in summary.crashes:
            click.echo(crash, err=True)
    mode = prepared.options.mode
    parts = [
        f"{summary.sent} sent" if mode == "mail" and (summary.sent or not summary.already) else "",
        f"{summary.written} written as .eml"
        if mode == "eml" and (summary.written or not summary.already)
        else "",
        f"{summary.built} built" if summary.built or (mode == "build" and not summary.already) else "",
        f"{summary.reused} from copies built earlier" if summary.reused else "",
        f"{summary.already} done earlier" if summary.already else "",
        f"{summary.failed} failed" if summary.failed else "",
        f"{summary.not_sent} not sent" if summary.not_sent else "",
        f"{summary.uncertain + len(summary.unsure)} uncertain" if summary.uncertain or summary.unsure else "",
    ]
    where = f", {summary.executor}" if summary.executor else ""
    console = current()
    console.say(
        f"batch: {summary.recipients} recipients: {', '.join(p for p in parts if p)} "
        f"({summary.seconds:.1f} s{where})"
    )
    console.say(f"copies and log: {_display(prepared.folder)}/ ({_display(prepared.log_path)})")
    if summary.stopped:
        _show([Diagnostic(f"stopped: {summary.stopped}")])
    if summary.crashes:
        return ExitCode.UNEXPECTED
    return ExitCode.OK if summary.ok else ExitCode.ERROR


def _dry_run(prepared: Any) -> int:
    from briefgen.batch import estimate
    from briefgen.batch.journal import Journal
    from briefgen.batch.plan import plan

    say = current().say
    options = prepared.options
    steps = plan(prepared, Journal(prepared.log_path))
    actions = collections.Counter(s.action for s in steps)
    editions = collections.Counter(
        (s.recipient.edition, " ".join(s.recipient.formats))
        for s in steps
        if s.action in ("render", "deliver")
    )
    verb = {"mail": "built and sent", "eml": "built and written as .eml", "build": "built"}[options.mode]
    say("dry run: nothing was built, written or sent")
    say(
        f"recipients: {len(steps)} in {_display(options.recipients)}: {actions['render']} to be {verb}"
        + (f", {actions['deliver']} built earlier, to be sent" if actions["deliver"] else "")
        + (f", {actions['done']} done earlier" if actions["done"] else "")
        + (f", {actions['unsure']} uncertain (not sent again without --resend)" if actions["unsure"] else "")
    )
    for (edition, formats), count in sorted(editions.items()):
        say(f"  {edition:<24} {formats:<10} {count:>7,} copies")
    if options.mode == "mail" and prepared.mail and prepared.mail.server:
        say(f"would send through {prepared.mail.server.describe()} from {prepared.mail.sender}")
    elif options.mode == "eml":
        say(f"would write .eml files into {_display(options.eml)}")
    say(f"copies and log: {_display(prepared.folder)}/")
    work = estimate.estimate(prepared, steps, estimate.sampler(prepared) if actions["render"] else None)
    for key, cost in sorted(work.costs.items()):
        how = "measured now" if cost.measured_now else f"median of {cost.samples} copies"
        say(f"per copy: {key}: {cost.seconds:.2f} s ({how})")
    if work.mail_each is not None:
        say(f"per message: {work.mail_each:.3f} s (sent one at a time by this process)")
    if not work.copies and not work.messages:
        say("nothing to do")
        return ExitCode.OK
    from briefgen import executors

    kind, _ = executors.parse(options.executor)
    chosen = options.jobs or (os.cpu_count() or 1) if kind != "dask" else None
    if chosen:
        say(
            f"estimated time with {chosen} worker{'s' if chosen != 1 else ''}: "
            f"{estimate.duration(work.wall(chosen))} ({work.copies:,} copies, "
            f"{work.render_seconds / 60:.1f} worker-minutes of rendering)"
        )
    others = [n for n in WORKER_COUNTS if n != chosen]
    say(
        "with "
        + ", ".join(f"{n} workers: {estimate.duration(work.wall(n))}" for n in others)
        + " (each worker as fast as those measured; start-up not counted)"
    )
    return ExitCode.OK


def _report(prepared: Any) -> int:
    from briefgen.batch.journal import Journal

    say = current().say
    journal = Journal(prepared.log_path)
    if not journal.states and not journal.runs:
        say(f"no distribution log yet: {_display(prepared.log_path)}")
        return ExitCode.OK
    counts: collections.Counter[str] = collections.Counter()
    listed = set()
    for r in prepared.recipients:
        state = journal.state(r.email)
        listed.add(r.key)
        status, detail = _status(state)
        counts[status] += 1
        say(f"{r.number:>5}  {r.name} <{r.email}>  {r.edition}  {status}  {detail}".rstrip())
    gone = [s for key, s in journal.states.items() if key not in listed]
    for state in gone:
        status, detail = _status(state)
        say(f"    -  {state.recipient} (no longer in the recipients file)  {status}  {detail}".rstrip())
    order = ("sent", "written", "built", "uncertain", "not sent", "failed", "pending")
    summary = ", ".join(f"{counts[k]} {k}" for k in order if counts[k])
    say(f"{len(prepared.recipients)} recipients: {summary}")
    return ExitCode.OK


def _status(state: Any) -> tuple[str, str]:
    """Say what the log says about a recipient: a status and its details."""
    if state is None:
        return "pending", ""
    delivered = state.delivered
    if state.last == "sent" and delivered:
        return (
            "sent",
            f"{delivered.get('at', '')}  {delivered.get('message_id', '')}  {delivered.get('reply', '')}",
        )
    if state.last == "written" and delivered:
        return "written", f"{delivered.get('at', '')}  {delivered.get('eml', '')}"
    if state.unsure:
        return (
            "uncertain",
            f"message {state.message_id or '?'}: may have been accepted; --resend to send again",
        )
    if state.last == "not-sent":
        return "not sent", "will be tried again"
    if state.last == "failed":
        return "failed", "will be built again"
    if state.built:
        files = ", ".join(f"{name} ({sha256[:12]}…)" for _, name, sha256 in state.built.files)
        return "built", f"{state.built.at}  code {state.built.code or '-'}  {files}"
    return "pending", state.last


@contextlib.contextmanager
def _progress() -> Iterator[Any]:
    """Show copies done, rate and time left: a bar on a terminal, else a line every 10 seconds."""
    started = time.monotonic()
    state = {"last": started}

    def rate_and_left(done: int, total: int) -> str:
        elapsed = time.monotonic() - started
        if not done or elapsed <= 0:
            return ""
        from briefgen.batch.estimate import duration

        rate = done / elapsed
        left = (total - done) / rate
        return f"{rate * 60:.1f} per minute, about {duration(left)} left"

    if current().quiet:
        yield None
        return
    if not sys.stderr.isatty():

        def line(tick: Any) -> None:
            now = time.monotonic()
            if now - state["last"] >= PROGRESS_EVERY and tick.done < tick.total:
                state["last"] = now
                current().note(
                    f"batch: {tick.done} of {tick.total} copies, {rate_and_left(tick.done, tick.total)}"
                )

        yield line
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("copies"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def update(tick: Any) -> None:
            bar.update(
                task, total=tick.total, completed=tick.done, description=rate_and_left(tick.done, tick.total)
            )

        yield update
