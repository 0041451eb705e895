"""Build the e-mail: headers that cannot carry a line break, a plain and an HTML part, the attachments.

The message is built with the ``email`` package under the SMTP policy, restricted to 7-bit output so that it
needs no 8BITMIME: text parts and attachments are base64 or quoted-printable, non-ASCII headers are RFC 2047
encoded words and non-ASCII file names RFC 2231 parameters.

Python's ``email`` package decodes encoded words in header values that an application sets: a subject
``=?utf-8?q?x=0D=0ABcc:_y?=`` would go out as two headers. So every header value is checked before it is
set, and the finished message is parsed back and compared with what was meant: any header that does not
come back exactly as set refuses the message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid

from briefgen.errors import Diagnostic, Location, MailError
from briefgen.mail.addresses import has_line_break, shown

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: The MIME type of each format that can be attached.
MIME_TYPES: dict[str, str] = {"docx": DOCX_TYPE, "pdf": "application/pdf"}
#: Above this many bytes of attachments a warning says that some servers will refuse the message.
WARN_BYTES = 10_000_000
#: Characters a file name may not hold: path separators and what Windows refuses.
_NOT_IN_NAMES = set('/\\:*?"<>|')
_MAX_NAME = 200
#: Seven-bit output: base64 or quoted-printable bodies, encoded-word headers, CRLF line ends.
POLICY = policy.SMTP.clone(cte_type="7bit")


@dataclass(frozen=True)
class Attachment:
    """A file to attach: the name the recipient sees, its bytes and its MIME type."""

    filename: str
    data: bytes
    mime_type: str


@dataclass(frozen=True)
class Content:
    """What the message says: one subject, a plain-text body and its HTML alternative, in one language."""

    subject: str
    text: str
    html: str
    lang: str


def check_header_text(
    value: str, what: str, location: Location | None = None, hint: str | None = None
) -> str:
    """Return a header value, or raise MailError if it holds a line break or any other control character."""
    if has_line_break(value):
        raise MailError(
            f"{what} {shown(value)} contains a line break or a control character; a mail header cannot",
            location,
            hint,
        )
    return value


def check_filename(name: str, location: Location | None = None) -> str:
    """Return an attachment's file name, or raise MailError if it could act on a header or a file system."""
    check_header_text(name, "the attachment name", location)
    bad = sorted({ch for ch in name if ch in _NOT_IN_NAMES})
    if not name.strip() or name.startswith(".") or bad or len(name) > _MAX_NAME or name != name.strip():
        why = (
            f"contains {' '.join(bad)}"
            if bad
            else "is empty, starts with a dot, has spaces around it or is too long"
        )
        raise MailError(
            f"the attachment name {shown(name)} {why}",
            location,
            "a file name is a single name such as deepseek-briefing.ko.docx",
        )
    return name


def size_check(attachments: Sequence[Attachment], limit: int) -> Diagnostic | None:
    """Refuse attachments larger than ``limit`` bytes in total; return a warning above 10 MB, else None."""
    total = sum(len(a.data) for a in attachments)
    if total > limit:
        raise MailError(
            f"the attachments are {megabytes(total)}, more than the limit of {megabytes(limit)}; "
            "nothing was sent",
            None,
            "raise mail.max_attachments_mb in briefgen.yaml if the server accepts larger messages",
        )
    if total > WARN_BYTES:
        return Diagnostic(
            f"the attachments are {megabytes(total)}; many mail servers refuse messages "
            f"above {megabytes(WARN_BYTES)}",
            None,
            None,
            severity="warning",
        )
    return None


def megabytes(size: int) -> str:
    """Write a byte count for a person: ``830 kB``, ``12.4 MB`` (decimal units)."""
    if size < 1_000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1_000:.0f} kB"
    return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"


def build_message(
    *,
    sender: Address,
    to: Sequence[Address],
    reply_to: Address | None,
    content: Content,
    attachments: Sequence[Attachment],
    date: dt.datetime | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """Return the message, refusing any header that would not arrive exactly as written."""
    check_header_text(content.subject, "the subject")
    check_header_text(content.lang, "the language")
    for attachment in attachments:
        check_filename(attachment.filename)
    if not to:
        raise MailError("no recipient", None, "name one with --to")
    msg = EmailMessage(policy=POLICY)
    headers: list[tuple[str, str | Address | list[Address]]] = [("From", sender), ("To", list(to))]
    if reply_to is not None:
        headers.append(("Reply-To", reply_to))
    headers += [
        ("Subject", content.subject),
        ("Date", format_datetime(date or dt.datetime.now(dt.UTC).astimezone())),
        ("Message-ID", message_id or make_msgid(domain=sender.domain)),
        ("Content-Language", content.lang),
        ("MIME-Version", "1.0"),
    ]
    for name, value in headers:
        _set(msg, name, value)
    body = EmailMessage(policy=POLICY)
    body.set_content(content.text, subtype="plain", charset="utf-8")
    body.add_alternative(content.html, subtype="html", charset="utf-8")
    parts = [body]
    for attachment in attachments:
        maintype, subtype = attachment.mime_type.split("/")
        part = EmailMessage(policy=POLICY)
        part.set_content(
            attachment.data, maintype, subtype, disposition="attachment", filename=attachment.filename
        )
        if not attachment.filename.isascii():
            _encoded_name(part, attachment.mime_type, attachment.filename)
        parts.append(part)
    for part in parts:
        for sub in part.walk():
            del sub["MIME-Version"]  # set_content() adds one to every part; it belongs on the message only
    # multipart/mixed: the text and its HTML alternative first, then each attachment
    msg["Content-Type"] = "multipart/mixed"
    for part in parts:
        msg.attach(part)
    _round_trip(msg, attachments)
    return msg


def _encoded_name(part: EmailMessage, mime_type: str, filename: str) -> None:
    """Add ``name="=?utf-8?b?…?="`` to an attachment's Content-Type, beside RFC 2231's ``filename*``.

    RFC 2231 is the standard, and what every current client reads; Outlook and older Korean groupware read
    only RFC 2047 encoded words in a ``name`` parameter (which the standard never allowed, yet everyone
    writes). The ``email`` package would decode such a value and write it as RFC 2231 again, so the header
    is kept as the exact lines to send (each under 78 characters but the type's own).
    """
    words = [word.strip() for word in Header(filename, "utf-8").encode(maxlinelen=70).split("\n")]
    lines = [f"{mime_type};", f' name="{words[0]}', *(f" {word}" for word in words[1:])]
    lines[-1] += '"'
    meant = f'{mime_type}; name="{filename}"'
    del part["Content-Type"]
    part["Content-Type"] = _Folded("Content-Type", meant, lines)


class _Folded(str):
    """A header whose text is what it means and whose ``fold`` writes exactly the given lines.

    The ``email`` package takes a value with a ``name`` and a ``fold`` for an already parsed header: it
    neither parses nor folds it again.
    """

    name: str
    lines: list[str]

    def __new__(cls, name: str, text: str, lines: list[str]) -> _Folded:
        folded = super().__new__(cls, text)
        folded.name = name
        folded.lines = lines
        return folded

    def fold(self, *, policy: policy.Policy) -> str:
        return f"{self.name}: " + policy.linesep.join(self.lines) + policy.linesep


def to_bytes(msg: EmailMessage) -> bytes:
    """Return the message as it goes over the wire (and into an ``.eml`` file): 7-bit, CRLF line ends."""
    return msg.as_bytes(policy=POLICY)


def _set(msg: EmailMessage, name: str, value: str | Address | list[Address]) -> None:
    """Set a header, refusing it if the ``email`` package would read it as something else."""
    meant = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    check_header_text(meant, f"the {name} header")
    msg[name] = value
    if str(msg[name]) != meant:
        raise MailError(
            f"the {name} header {shown(meant)} would arrive as {shown(str(msg[name]))}",
            None,
            "an encoded word (=?charset?q?...?=) in a subject or a name is not allowed",
        )
    if name == "Subject" and not meant.isascii():
        # Python 3.11's folder can drop the space between two encoded words of a long subject; the
        # legacy encoder keeps every space inside the encoded words, so the subject arrives as written.
        encoded = Header(meant, "utf-8", header_name=name).encode(linesep="\n", maxlinelen=76)
        del msg[name]
        msg[name] = _Folded(name, meant, encoded.split("\n"))


def _round_trip(msg: EmailMessage, attachments: Sequence[Attachment]) -> None:
    """Parse the finished message back and refuse it unless every header is exactly what was set."""
    parsed = BytesParser(policy=policy.default).parsebytes(to_bytes(msg))
    for part in parsed.walk():
        for name, value in part.items():
            check_header_text(str(value), f"the {name} header")

    def plain(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        # Content-Type gains its boundary when the message is written: compare it without parameters.
        return [(n, str(v).split(";")[0] if n == "Content-Type" else str(v)) for n, v in items]

    if plain(parsed.items()) != plain(msg.items()):
        raise MailError(
            "the message headers would not arrive as written",
            None,
            "a subject or a name cannot contain encoded words or line breaks",
        )
    names = [part.get_filename() for part in parsed.iter_attachments()]
    if names != [a.filename for a in attachments]:
        raise MailError(
            "an attachment name would not arrive as written",
            None,
            "an attachment name cannot contain encoded words or line breaks",
        )
