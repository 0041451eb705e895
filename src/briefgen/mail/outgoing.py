"""Prepare the e-mail of a briefing: check the addresses, build or reuse the documents, compose the message.

Everything that can fail without a server fails here, before anything is sent: addresses, settings, the
build, the templates, the headers and the size guard. The result holds the message exactly as it will be
sent, so that a dry run, an ``.eml`` file and the real sending all show the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from pathlib import Path

from briefgen.errors import Diagnostic, Location, MailError
from briefgen.mail import addresses, compose
from briefgen.mail.message import MIME_TYPES, Attachment, build_message, size_check, to_bytes
from briefgen.mail.settings import Server, resolve
from briefgen.mail.smtp import Delivery, send
from briefgen.output import Output, output_name, write_all


@dataclass(frozen=True)
class Outgoing:
    """One message, ready to send to every recipient (they all appear in its To header)."""

    lang: str
    sender: Address
    recipients: list[Address]
    subject: str
    attachments: list[Attachment]
    data: bytes
    #: the name of the message as an .eml file: ``deepseek-briefing.ko.eml``
    eml_name: str
    #: None when the message is only written to a file
    server: Server | None
    built: list[Path] = field(default_factory=list)
    reused: list[Path] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)


def prepare(
    project: Path,
    lang: str | None,
    to: Sequence[str],
    formats: Sequence[str],
    environ: Mapping[str, str],
    *,
    need_server: bool = True,
    audience: str | None = None,
) -> Outgoing:
    """Check everything, build the documents if they are out of date, and compose the message.

    ``audience`` names an audience profile: its briefing is attached, and its branding (classification,
    organisation) is what the message says.
    """
    from briefgen import audience as profiles
    from briefgen.build import build, load_project
    from briefgen.context import build_context
    from briefgen.plan import search_path

    recipients = addresses.parse_all(to, "the recipient")
    if not recipients:
        raise MailError("no recipient", None, "name one with --to")
    unknown = [f for f in formats if f not in MIME_TYPES]
    if unknown:
        raise MailError(f"cannot attach '{unknown[0]}'", None, f"attach one of {', '.join(MIME_TYPES)}")
    loaded = load_project(project, [lang] if lang else [])
    brief = loaded.brief
    lang = lang or brief.config.default_language
    settings = resolve(
        brief.config.mail,
        loaded.root,
        environ,
        need_server=need_server,
        lang=lang,
        default_lang=brief.config.default_language,
    )
    warnings = [*loaded.warnings, *settings.warnings]
    # Compose first: a template or a title that cannot make a safe header stops before anything is built.
    profile = profiles.load(audience, search_path(loaded.root), loaded.root, brief) if audience else None
    ctx = build_context(brief, lang, profile)
    edition = compose.Edition(
        ctx.meta, ctx.presentation.edition, ctx.presentation.branding, lang, brief.config.brief
    )
    stem = compose.attachment_stem(loaded.root, edition)
    names = {fmt: f"{stem}.{fmt}" for fmt in dict.fromkeys(formats)}
    content = compose.render(loaded.root, edition, list(names.values()), settings.subject)
    folder = loaded.root / "output"
    # the build skips outputs whose inputs did not change (its manifest), so an up-to-date one is reused
    result = build(loaded.root, [lang], list(names), None, audiences=[audience] if audience else [])
    built, reused = result.written, result.skipped
    warnings += [w for w in result.warnings if w not in warnings]
    paths = {fmt: folder / output_name(brief.config.brief, lang, fmt, audience) for fmt in names}
    attachments = [Attachment(names[fmt], _read(path), MIME_TYPES[fmt]) for fmt, path in paths.items()]
    warning = size_check(attachments, settings.max_attachment_bytes)
    if warning is not None:
        warnings.append(warning)
    message = build_message(
        sender=settings.sender,
        to=recipients,
        reply_to=settings.reply_to,
        content=content,
        attachments=attachments,
    )
    return Outgoing(
        lang=lang,
        sender=settings.sender,
        recipients=recipients,
        subject=content.subject,
        attachments=attachments,
        data=to_bytes(message),
        eml_name=output_name(brief.config.brief, lang, "eml", audience),
        server=settings.server,
        built=built,
        reused=reused,
        warnings=warnings,
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise MailError(f"cannot read {path.name}: {exc.strerror}", Location(str(path))) from None


def deliver(outgoing: Outgoing) -> list[Delivery]:
    """Send the message to every recipient; see ``smtp.send`` for retries and what raises."""
    if outgoing.server is None:
        raise MailError("no SMTP server to send through")
    return send(
        outgoing.server, outgoing.sender.addr_spec, [r.addr_spec for r in outgoing.recipients], outgoing.data
    )


def write_eml(outgoing: Outgoing, folder: Path) -> Path:
    """Write the message as an ``.eml`` file into ``folder``, atomically; return its path."""
    return write_all([Output(outgoing.eml_name, outgoing.data)], folder)[0]
