"""Deliver a recipient's copy: compose their message from the mail templates, then send it or write it.

Every step is written to the distribution log before and after it happens (see ``journal``): ``sending``
before the SMTP session, ``committing`` just before the end of the data, then what the server said. A
message sent again after a failure keeps its Message-ID; one sent again with ``--resend`` gets a new one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from briefgen.batch.journal import Built, Journal, State
from briefgen.batch.plan import Batch
from briefgen.batch.recipients import Recipient
from briefgen.context import build_context, marking_for
from briefgen.errors import BriefgenError, MailError
from briefgen.mail import compose
from briefgen.mail.message import MIME_TYPES, Attachment, build_message, size_check, to_bytes
from briefgen.mail.settings import Resolved
from briefgen.mail.smtp import send
from briefgen.output import write_file

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9@._+-]")


@dataclass
class Outcome:
    """What became of one delivery."""

    status: str  # "sent", "written", "not-sent", "uncertain"
    detail: str  # the server's reply, or the file written, or why not
    server_failure: bool = False  # the server (not this recipient) failed: connection, TLS, login


class Deliverer:
    """Send (or write as .eml) each recipient's message, journaling every step."""

    def __init__(self, batch: Batch, journal: Journal) -> None:
        assert batch.mail is not None
        self.batch = batch
        self.journal = journal
        self._settings: dict[str, Resolved] = {}
        self._editions: dict[tuple[str, str | None], compose.Edition] = {}

    def settings(self, lang: str) -> Resolved:
        """Return the mail settings in a language (the sender's name and the subject may be per language)."""
        if lang not in self._settings:
            from briefgen.mail.settings import resolve

            brief: Any = self.batch.loaded.brief  # type: ignore[attr-defined]
            self._settings[lang] = resolve(
                brief.config.mail,
                self.batch.root,
                self.batch.environ,
                need_server=self.batch.options.mode == "mail",
                lang=lang,
                default_lang=brief.config.default_language,
            )
        return self._settings[lang]

    def edition(self, r: Recipient) -> compose.Edition:
        """Return what the mail templates are told about the recipient's edition."""
        key = (r.lang, r.audience)
        if key not in self._editions:
            brief: Any = self.batch.loaded.brief  # type: ignore[attr-defined]
            ctx = build_context(brief, r.lang, self.batch.profiles.get(r.audience or ""))
            p = ctx.presentation
            self._editions[key] = compose.Edition(
                ctx.meta, p.edition, p.branding, r.lang, self.batch.brief_name
            )
        return self._editions[key]

    def message(self, r: Recipient, files: Mapping[str, bytes], message_id: str) -> bytes:
        """Compose the recipient's message with their copy attached; raise MailError if it cannot be."""
        batch = self.batch
        settings = self.settings(r.lang)
        edition = self.edition(r)
        marking = marking_for(r.lang, r.name, r.organisation, r.number, len(batch.recipients), batch.code(r))
        values: dict[str, Any] = {"recipient": r, "copy": marking}
        stem = compose.attachment_stem(batch.root, edition, values)
        names = {fmt: f"{stem}.{fmt}" for fmt in r.formats}
        content = compose.render(batch.root, edition, list(names.values()), settings.subject, values)
        attachments = [Attachment(names[fmt], files[fmt], MIME_TYPES[fmt]) for fmt in r.formats]
        size_check(attachments, settings.max_attachment_bytes)
        to = Address(display_name=r.name, addr_spec=r.email)
        message = build_message(
            sender=settings.sender,
            to=[to],
            reply_to=settings.reply_to,
            content=content,
            attachments=attachments,
            message_id=message_id,
        )
        return to_bytes(message)

    def message_id(self, state: State | None, resend: bool) -> str:
        """Keep the Message-ID of an earlier attempt (a retry is the same message); make one otherwise."""
        if state is not None and state.message_id and not resend:
            return state.message_id
        return make_msgid(domain=self.settings(self.batch.options.lang or "").sender.domain)

    def deliver(self, r: Recipient, files: Mapping[str, bytes], state: State | None, resend: bool) -> Outcome:
        """Deliver one copy: mail it, or write it as an .eml file (``--eml``)."""
        message_id = self.message_id(state, resend)
        if resend:
            self.journal.append("resend", r.email)
        try:
            data = self.message(r, files, message_id)
        except BriefgenError as exc:
            reason = "; ".join(d.message for d in exc.diagnostics)
            self.journal.append("not-sent", r.email, reply=reason, message_id=message_id)
            return Outcome("not-sent", reason)
        if self.batch.options.mode == "eml":
            return self._write(r, data, message_id)
        return self._send(r, data, message_id)

    def _write(self, r: Recipient, data: bytes, message_id: str) -> Outcome:
        folder = self.batch.options.eml
        assert folder is not None
        path = folder / f"{r.number:04d}-{_UNSAFE_NAME.sub('_', r.email)}.eml"
        write_file(path, data)
        self.journal.append(
            "written",
            r.email,
            eml=str(path),
            sha256=hashlib.sha256(data).hexdigest(),
            message_id=message_id,
        )
        return Outcome("written", str(path))

    def _send(self, r: Recipient, data: bytes, message_id: str) -> Outcome:
        settings = self.settings(r.lang)
        server = settings.server
        assert server is not None
        self.journal.append("sending", r.email, message_id=message_id, bytes=len(data))

        def commit() -> None:
            self.journal.append("committing", r.email, message_id=message_id)

        try:
            delivery = send(server, settings.sender.addr_spec, [r.email], data, before_commit=commit)[0]
        except MailError as exc:  # nothing reached the server: the connection, TLS, login or sender failed
            reason = "; ".join(d.message for d in exc.diagnostics)
            self.journal.append("not-sent", r.email, reply=reason, message_id=message_id)
            return Outcome("not-sent", reason, server_failure=True)
        facts = {"reply": delivery.reply, "attempts": delivery.attempts, "message_id": message_id}
        if delivery.delivered:
            self.journal.append("sent", r.email, **facts)
            return Outcome("sent", delivery.reply)
        if delivery.uncertain:
            self.journal.append("uncertain", r.email, **facts)
            return Outcome("uncertain", delivery.reply)
        self.journal.append("not-sent", r.email, **facts)
        return Outcome("not-sent", delivery.reply)


def read_copy(folder: Path, built: Built) -> dict[str, bytes]:
    """Read the files of a copy built in an earlier run, by format."""
    return {fmt: (folder / name).read_bytes() for fmt, name, _ in built.files}
