"""The ``briefgen mail`` command: a thin layer over ``outgoing`` that prints what happened.

cli.py's group imports this module when the command is used, and it shares cli.py's options, printing and
error handling.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from briefgen.cli import _display, _run, _show, project_option
from briefgen.errors import Diagnostic, ExitCode
from briefgen.mail.message import MIME_TYPES


@click.command()
@click.option(
    "--lang",
    "-l",
    "lang",
    metavar="LANG",
    default=None,
    help="The language of the briefing and the message; default: the project's default language.",
)
@click.option(
    "--audience",
    "-a",
    "audience",
    metavar="NAME",
    default=None,
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

        prepared = outgoing.prepare(
            project, lang, to, attach or ("docx",), os.environ, need_server=eml is None, audience=audience
        )
        for path in prepared.built:
            click.echo(f"wrote {_display(path)}")
        _show(prepared.warnings)
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
            click.echo(f"wrote {_display(path)}")
            return ExitCode.OK
        deliveries = outgoing.deliver(prepared)
        failed = [d for d in deliveries if not d.delivered]
        for delivery in deliveries:
            if delivery.delivered:
                click.echo(f"sent to {delivery.recipient}")
        _show([Diagnostic(f"not sent to {d.recipient}: {d.reply}") for d in failed])
        if failed:
            click.echo(f"{len(failed)} of {len(deliveries)} recipients did not get the message", err=True)
            return ExitCode.ERROR
        return ExitCode.OK

    _run(debug, action)
