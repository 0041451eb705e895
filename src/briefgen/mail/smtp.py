"""Send one message over SMTP: verified TLS, a time-out on every step, bounded retries, results per recipient.

Security: ``starttls`` (the default) and ``ssl`` verify the server's certificate and host name with a real
SSL context; a server that does not offer STARTTLS is refused, and nothing (not the login, not the message)
goes out before TLS is up. ``none`` is for loopback only, which ``settings`` checks.

Failures: a transient reply (4xx) to the connection, the login, MAIL, RCPT, DATA or the end of the data is
tried again after a growing pause, up to ``retries`` times, for the recipients that did not get the message
yet. A permanent reply (5xx) to a recipient is that recipient's result. If the connection breaks after the
message was handed over, the server may have accepted it: that is reported, never retried, so nothing is
sent twice. The password is never put in a message, and is masked in the server's replies.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
import ssl
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.errors import Location, MailError
from briefgen.mail.settings import Server

#: The longest pause between two attempts, in seconds.
MAX_DELAY = 60.0
_DOT_LINE = re.compile(rb"(?m)^\.")
_CA_HINT = "if the server's certificate comes from a private authority, name its certificate in mail.ca_file"


@dataclass(frozen=True)
class Delivery:
    """What became of one recipient: delivered or not, the server's last reply, after how many attempts."""

    recipient: str
    delivered: bool
    reply: str
    attempts: int
    #: the connection broke after the end of the data: the server may have accepted the message
    uncertain: bool = False


class _Transient(Exception):
    """A 4xx reply: the same step may succeed later."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


@dataclass
class _Outcome:
    delivered: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    transient: dict[str, str] = field(default_factory=dict)
    uncertain: dict[str, str] = field(default_factory=dict)


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Return a verifying TLS context (TLS 1.2 or later); ``ca_file`` replaces the system's authorities."""
    try:
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (ssl.SSLError, OSError) as exc:
        raise MailError(
            f"cannot read the CA file {ca_file}: {getattr(exc, 'reason', None) or exc}",
            Location(str(ca_file)),
            "it must hold PEM certificates",
        ) from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def backoff(first: float, attempt: int) -> float:
    """Return the pause after failed attempt ``attempt`` (1-based): first, 2×first, 4×first… at most 60 s."""
    return float(min(first * 2 ** (attempt - 1), MAX_DELAY))


def send(
    server: Server,
    envelope_from: str,
    recipients: Sequence[str],
    data: bytes,
    *,
    sleep: Callable[[float], None] = time.sleep,
    before_commit: Callable[[], None] | None = None,
) -> list[Delivery]:
    """Send ``data`` to every recipient in one transaction; return one Delivery per recipient, in order.

    ``before_commit`` is called when the server holds the whole message and only the end of the data is
    still to be sent: up to then the server cannot have accepted it (a journal records this moment).
    Raises MailError when a failure of the connection, TLS, login or sender means nothing was delivered.
    """
    results: dict[str, Delivery] = {}
    pending = list(dict.fromkeys(recipients))
    attempt = 0
    while pending:
        attempt += 1
        try:
            outcome = _transaction(server, envelope_from, pending, data, before_commit)
        except _Transient as exc:
            outcome = _Outcome(transient=dict.fromkeys(pending, exc.reply))
        except MailError as exc:
            if not any(d.delivered for d in results.values()):
                raise
            reason = exc.diagnostics[0].message
            results.update({r: Delivery(r, False, reason, attempt) for r in pending})
            break
        results.update({r: Delivery(r, True, reply, attempt) for r, reply in outcome.delivered.items()})
        results.update({r: Delivery(r, False, reply, attempt) for r, reply in outcome.refused.items()})
        results.update({r: Delivery(r, False, why, attempt, True) for r, why in outcome.uncertain.items()})
        pending = [r for r in pending if r in outcome.transient]
        if pending and attempt > server.retries:
            for r in pending:
                reply = f"{outcome.transient[r]} (still refused after {attempt} attempts)"
                results[r] = Delivery(r, False, reply, attempt)
            break
        if pending:
            sleep(backoff(server.retry_delay, attempt))
    return [results[r] for r in dict.fromkeys(recipients)]


def _transaction(
    server: Server,
    envelope_from: str,
    recipients: Sequence[str],
    data: bytes,
    before_commit: Callable[[], None] | None = None,
) -> _Outcome:
    """Run one SMTP session: connect, secure, log in, MAIL, RCPT for each recipient, DATA."""
    out = _Outcome()
    with _session(server) as smtp:
        with _translated(server):
            code, reply = smtp.mail(envelope_from)
            if code != 250:
                _refuse(server, code, reply, f"the server refused the sender {envelope_from}")
            accepted: list[str] = []
            for recipient in recipients:
                code, reply = smtp.rcpt(recipient)
                text = _reply(server, code, reply)
                if code in (250, 251):
                    accepted.append(recipient)
                elif 400 <= code < 500:
                    out.transient[recipient] = text
                else:
                    out.refused[recipient] = text
            if not accepted:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.rset()
                return out
        reply_text: bytes | str
        committed = [False]
        try:
            code, reply_text = _data(smtp, data, before_commit, committed)
        except smtplib.SMTPDataError as exc:  # DATA itself was refused: the message did not go out
            code, reply_text = exc.smtp_code, exc.smtp_error
        except (smtplib.SMTPException, OSError) as exc:
            if not committed[0]:  # the end of the data never left: the server discards what it got
                raise MailError(_cause(server, exc)) from None
            unknown = (
                f"the connection broke while the message was being handed over "
                f"({_cause(server, exc)}); the server may have accepted it, so it was not sent again"
            )
            out.uncertain.update(dict.fromkeys(accepted, unknown))
            return out
        text = _reply(server, code, reply_text)
        target = out.delivered if code == 250 else out.transient if 400 <= code < 500 else out.refused
        target.update(dict.fromkeys(accepted, text))
    return out


def _data(
    smtp: smtplib.SMTP, data: bytes, before_commit: Callable[[], None] | None, committed: list[bool]
) -> tuple[int, bytes]:
    """Send the message as ``smtplib.SMTP.data`` does, but call ``before_commit`` before the final dot.

    A server accepts a message only when the data ends (RFC 5321 4.1.1.4): a client that dies before
    sending the ending line has delivered nothing. ``committed`` is set once the ending may have left.
    """
    smtp.putcmd("data")
    code, reply = smtp.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    body = _DOT_LINE.sub(b"..", data)  # a line starting with a dot gets a second one (transparency)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body)
    if before_commit is not None:
        before_commit()
    committed[0] = True
    smtp.send(b".\r\n")
    return smtp.getreply()


@contextlib.contextmanager
def _session(server: Server) -> Iterator[smtplib.SMTP]:
    """Yield a connection that is secured as the settings say and logged in; close it afterwards."""
    context = tls_context(server.ca_file) if server.security != "none" else None
    with _translated(server):
        try:
            # Connecting in the constructor also tells smtplib the host name that the certificate must match.
            if server.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    server.host, server.port, timeout=server.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        except smtplib.SMTPConnectError as exc:
            _refuse(server, exc.smtp_code, exc.smtp_error, f"{_where(server)} refused the connection")
    try:
        with _translated(server):
            _greet(smtp, server)
            if server.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise MailError(
                        f"{_where(server)} does not offer STARTTLS; refusing to go on in cleartext",
                        None,
                        "if the server expects TLS from the first byte (usually port 465), use security: ssl",
                    )
                code, reply = smtp.starttls(context=context)
                if code != 220:
                    _refuse(server, code, reply, f"{_where(server)} refused STARTTLS")
                _greet(smtp, server)
            if server.security != "none" and not isinstance(smtp.sock, ssl.SSLSocket):
                raise MailError(f"the connection to {_where(server)} is not encrypted; refusing to go on")
            if server.user:
                _login(smtp, server)
        yield smtp
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
    finally:
        smtp.close()


def check_connection(server: Server) -> None:
    """Connect, secure the connection and log in as a send would, then leave without sending anything."""
    with _session(server):
        pass


def _greet(smtp: smtplib.SMTP, server: Server) -> None:
    code, reply = smtp.ehlo()
    if code != 250:
        _refuse(server, code, reply, f"{_where(server)} refused EHLO")


def _login(smtp: smtplib.SMTP, server: Server) -> None:
    assert server.user is not None
    if server.password is None:
        raise MailError(f"no password for the SMTP user '{server.user}'")
    if not smtp.has_extn("auth"):
        raise MailError(
            f"{_where(server)} does not offer AUTH, but a user is set",
            None,
            "drop mail.user if the server needs no login",
        )
    try:
        smtp.login(server.user, server.password.reveal())
    except UnicodeEncodeError:
        raise MailError(
            "the user name or the password has characters other than ASCII, which SMTP AUTH cannot send here"
        ) from None
    except smtplib.SMTPAuthenticationError as exc:
        _refuse(
            server,
            exc.smtp_code,
            exc.smtp_error,
            f"{_where(server)} refused the login of '{server.user}'",
            "check the password (BRIEFGEN_SMTP_PASSWORD or the password file)",
        )


def _refuse(server: Server, code: int, reply: bytes | str, what: str, hint: str | None = None) -> None:
    """Raise _Transient for a 4xx reply, MailError for anything else."""
    text = _reply(server, code, reply)
    if 400 <= code < 500:
        raise _Transient(text)
    raise MailError(f"{what}: {text}", None, hint)


@contextlib.contextmanager
def _translated(server: Server) -> Iterator[None]:
    """Turn what smtplib, ssl and socket raise into MailError (or _Transient), with the password masked."""
    try:
        yield
    except (MailError, _Transient):
        raise
    except smtplib.SMTPResponseException as exc:
        _refuse(server, exc.smtp_code, exc.smtp_error, f"{_where(server)} answered")
    except ssl.SSLCertVerificationError as exc:
        raise MailError(
            f"the certificate of {_where(server)} was refused: {exc.verify_message}", None, _CA_HINT
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        hint = None
        if isinstance(exc, ssl.SSLError):
            hint = (
                "ssl expects TLS from the first byte (usually port 465), starttls a plain start "
                "(usually port 587): check mail.security and mail.port"
            )
        raise MailError(_cause(server, exc), None, hint) from None


def _cause(server: Server, exc: BaseException) -> str:
    """Say in words why a connection failed."""
    timed_out = isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)
    if timed_out:
        return f"{_where(server)} did not answer within {server.timeout:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return f"cannot connect to {_where(server)}: connection refused"
    if isinstance(exc, socket.gaierror):
        return f"cannot find the server {server.host}: {exc.strerror}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {_where(server)} failed: {exc.reason or exc}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{_where(server)} closed the connection"
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot talk to {_where(server)}: {exc.strerror}"
    return _mask(server, f"cannot talk to {_where(server)}: {exc}")


def _where(server: Server) -> str:
    return f"{server.host}:{server.port}"


def _reply(server: Server, code: int, reply: bytes | str) -> str:
    """Write a server reply on one printable line, with the password masked."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return _mask(server, f"{code} {' '.join(text.split())}".strip())


def _mask(server: Server, text: str) -> str:
    secret = server.password.reveal() if server.password else ""
    return text.replace(secret, "********") if secret else text
