"""The ``briefgen mail`` command: a thin layer over ``outgoing`` that prints what happened.

cli.py's group imports this module when the command is used, and it shares cli.py's options, printing and
error handling.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from briefgen.cli import _display, _run, _show, project_option
from briefgen.completion import complete_audiences, complete_languages
from briefgen.console import current, output_options
from briefgen.errors import Diagnostic, ExitCode
from briefgen.mail.message import MIME_TYPES


@click.command()
@click.option(
    "--lang",
    "-l",
    "lang",
    metavar="LANG",
    default=None,
    shell_complete=complete_languages,
    help="The language of the briefing and the message; default: the project's default language.",
)
@click.option(
    "--audience",
    "-a",
    "audience",
    metavar="NAME",
    default=None,
    shell_complete=complete_audiences,
    help="Mail this audience's briefing (e.g. executive); default: the whole briefing.",
)
@click.option(
    "--to",
    "to",
    multiple=True,
    required=True,
    metavar="ADDRESS",
    help="A recipient (repeatable): a bare address such as kim@example.org.",
)
@click.option(
    "--attach",
    "attach",
    multiple=True,
    type=click.Choice(list(MIME_TYPES)),
    help="Attach this format (repeatable); default: docx.",
)
@click.option(
    "--eml",
    "eml",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Write the message as an .eml file into DIR instead of sending it.",
)
@click.option("--dry-run", is_flag=True, help="Show who would get what, with sizes, and send nothing.")
@project_option
@click.option("--debug", is_flag=True, help="Show the Python traceback of errors.")
@output_options()
def mail(
    lang: str | None,
    audience: str | None,
    to: tuple[str, ...],
    attach: tuple[str, ...],
    eml: Path | None,
    dry_run: bool,
    project: Path,
    debug: bool,
) -> None:
    """Mail the briefing: build it (or reuse an up-to-date build), then send one message to every recipient.

    SMTP settings come from the 'mail:' section of briefgen.yaml and BRIEFGEN_SMTP_* variables; the password
    only from BRIEFGEN_SMTP_PASSWORD or a password file. See docs/mail.md.
    """

    def action() -> int:
        from briefgen.mail import outgoing
        from briefgen.mail.message import megabytes

        console = current()
        prepared = outgoing.prepare(
            project, lang, to, attach or ("docx",), os.environ, need_server=eml is None, audience=audience
        )
        for path in prepared.built:
            console.say(f"wrote {_display(path)}")
        _show(prepared.warnings)
        if console.json:
            return _json(project, prepared, eml, dry_run)
        if dry_run:
            click.echo(f"dry run: nothing was {'written' if eml else 'sent'}")
            if eml:
                size = megabytes(len(prepared.data))
                click.echo(f"would write {_display(eml / prepared.eml_name)} ({size})")
            elif prepared.server:
                click.echo(f"would send through {prepared.server.describe()}")
            click.echo(f"from: {prepared.sender}")
            for recipient in prepared.recipients:
                click.echo(f"to: {recipient.addr_spec}")
            click.echo(f"subject: {prepared.subject}")
            for attachment in prepared.attachments:
                click.echo(
                    f"attachment: {attachment.filename} ({megabytes(len(attachment.data))}, "
                    f"{attachment.mime_type})"
                )
            click.echo(f"message: {megabytes(len(prepared.data))}, the same for each recipient")
            return ExitCode.OK
        if eml is not None:
            path = outgoing.write_eml(prepared, eml)
            console.say(f"wrote {_display(path)}")
            return ExitCode.OK
        if prepared.server:
            console.detail(f"sending {megabytes(len(prepared.data))} through {prepared.server.describe()}")
        deliveries = outgoing.deliver(prepared)
        failed = [d for d in deliveries if not d.delivered]
        for delivery in deliveries:
            if delivery.delivered:
                console.say(f"sent to {delivery.recipient}")
                console.detail(f"{delivery.recipient}: {delivery.reply} (attempts: {delivery.attempts})")
        _show([Diagnostic(f"not sent to {d.recipient}: {d.reply}") for d in failed])
        if failed:
            console.note(f"{len(failed)} of {len(deliveries)} recipients did not get the message")
            return ExitCode.ERROR
        return ExitCode.OK

    _run(debug, action)


def _json(project: Path, prepared: Any, eml: Path | None, dry_run: bool) -> int:
    """Do what --dry-run, --eml or sending asks, and print mail's JSON document instead of lines."""
    from briefgen.mail import outgoing
    from briefgen.report import Attachment, Delivery, Message, OutputFile, report

    written = None
    deliveries = []
    if not dry_run and eml is not None:
        written = outgoing.write_eml(prepared, eml)
    elif not dry_run:
        deliveries = outgoing.deliver(prepared)
    failed = [d for d in deliveries if not d.delivered]
    problems = [*prepared.warnings, *(Diagnostic(f"not sent to {d.recipient}: {d.reply}") for d in failed)]
    code = ExitCode.ERROR if failed else ExitCode.OK
    message = Message(
        subject=prepared.subject,
        sender=str(prepared.sender),
        recipients=[r.addr_spec for r in prepared.recipients],
        attachments=[
            Attachment(filename=a.filename, bytes=len(a.data), mime_type=a.mime_type)
            for a in prepared.attachments
        ],
        bytes=len(prepared.data),
        server=prepared.server.describe() if prepared.server else None,
        eml=str(written.resolve()) if written else None,
        dry_run=dry_run,
    )
    files = [OutputFile.of(p, "written") for p in prepared.built]
    files += [OutputFile.of(p, "up to date") for p in prepared.reused]
    current().emit(
        report(
            "mail",
            code,
            project,
            problems,
            files=files,
            message=message,
            deliveries=[
                Delivery(address=d.recipient, delivered=d.delivered, reply=d.reply, attempts=d.attempts)
                for d in deliveries
            ],
        )
    )
    return code
