"""Sending over SMTP to real servers on 127.0.0.1: TLS and its refusals, AUTH, replies, retries, time-outs."""

from __future__ import annotations

import base64
import socket
import time
import traceback
from email import policy
from email.headerregistry import Address
from email.parser import BytesParser
from pathlib import Path

import pytest

from briefgen.errors import MailError
from briefgen.mail.message import Attachment, Content, build_message, to_bytes
from briefgen.mail.settings import Secret, Server
from briefgen.mail.smtp import Delivery, backoff, send
from tests.mailserver import (
    Certificates,
    Recorder,
    make_certificates,
    mute_server,
    server_context,
    smtp_server,
)

# aiosmtpd itself sets its own deprecated Session.login_data after a successful AUTH (in the server's thread).
pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")

FROM = "desk@example.org"
KIM, LEE = "kim@example.org", "lee@example.org"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def data() -> bytes:
    """A real message with a small attachment, as briefgen builds it."""
    msg = build_message(
        sender=Address("Briefing Desk", "desk", "example.org"),
        to=[Address(username="kim", domain="example.org"), Address(username="lee", domain="example.org")],
        reply_to=None,
        content=Content("브리핑", "본문\n", "<p>본문</p>\n", "ko"),
        attachments=[Attachment("brief.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40, "application/pdf")],
    )
    return to_bytes(msg)


def settings(
    port: int,
    security: str = "starttls",
    *,
    ca: Path | None = None,
    user: str | None = None,
    password: str | None = None,
    timeout: float = 5.0,
    retries: int = 2,
    retry_delay: float = 0.01,
    host: str = "127.0.0.1",
) -> Server:
    return Server(
        host=host,
        port=port,
        security=security,  # type: ignore[arg-type]
        timeout=timeout,
        retries=retries,
        retry_delay=retry_delay,
        user=user,
        password=Secret(password) if password else None,
        ca_file=ca,
    )


# ---------------------------------------------------------------- TLS


def test_starttls_with_the_test_ca_delivers_the_message(certs: Certificates, data: bytes) -> None:
    with smtp_server(starttls=server_context(certs.good)) as srv:
        deliveries = send(settings(srv.port, ca=certs.ca), FROM, [KIM, LEE], data)
        assert deliveries == [
            Delivery(KIM, True, "250 2.0.0 queued", 1),
            Delivery(LEE, True, "250 2.0.0 queued", 1),
        ]
        [received] = srv.handler.messages
    assert received.tls
    assert (received.mail_from, received.rcpt_tos) == (FROM, [KIM, LEE])
    parsed = BytesParser(policy=policy.default).parsebytes(received.data)
    original = BytesParser(policy=policy.default).parsebytes(data)
    assert parsed["Message-ID"] == original["Message-ID"]
    [attachment] = parsed.iter_attachments()
    assert attachment.get_content() == b"%PDF-1.7\n" + bytes(range(256)) * 40


@pytest.mark.parametrize(
    ("certificate", "trusted", "reason"),
    [
        ("self_signed", True, "self-signed certificate"),
        ("wrong_host", True, "IP address mismatch, certificate is not valid for '127.0.0.1'."),
        ("good", False, "unable to get local issuer certificate"),  # the system's CAs do not know the test CA
    ],
)
def test_a_certificate_the_client_cannot_trust_is_refused(
    certs: Certificates, data: bytes, certificate: str, trusted: bool, reason: str
) -> None:
    pair = getattr(certs, certificate)
    with smtp_server(starttls=server_context(pair), users={"desk": PASSWORD}) as srv:
        with pytest.raises(MailError) as caught:
            send(
                settings(srv.port, ca=certs.ca if trusted else None, user="desk", password=PASSWORD),
                FROM,
                [KIM],
                data,
            )
        assert (srv.handler.messages, srv.handler.rcpt_attempts, srv.handler.logins) == ([], [], [])
    assert str(caught.value) == (
        f"error: the certificate of 127.0.0.1:{srv.port} was refused: {reason} (if the server's certificate "
        "comes from a private authority, name its certificate in mail.ca_file)"
    )


def test_a_server_without_starttls_is_refused(certs: Certificates, data: bytes) -> None:
    with smtp_server(users={"desk": PASSWORD}) as srv:
        with pytest.raises(MailError, match="does not offer STARTTLS; refusing to go on in cleartext"):
            send(settings(srv.port, ca=certs.ca, user="desk", password=PASSWORD), FROM, [KIM], data)
        # neither the login nor the envelope went out in cleartext
        assert (srv.connections, srv.handler.logins, srv.handler.rcpt_attempts) == (1, [], [])


def test_ssl_mode_speaks_tls_from_the_first_byte(certs: Certificates, data: bytes) -> None:
    with smtp_server(implicit_tls=server_context(certs.good)) as srv:
        assert send(settings(srv.port, "ssl", ca=certs.ca, host="localhost"), FROM, [KIM], data)[0].delivered
        assert srv.handler.messages[0].tls
    with smtp_server(implicit_tls=server_context(certs.self_signed)) as srv:
        with pytest.raises(MailError, match="was refused: self-signed certificate"):
            send(settings(srv.port, "ssl", ca=certs.ca), FROM, [KIM], data)
        assert srv.handler.messages == []


def test_ssl_mode_against_a_plain_server_says_which_setting_to_check(
    certs: Certificates, data: bytes
) -> None:
    with smtp_server() as srv, pytest.raises(MailError) as caught:
        send(settings(srv.port, "ssl", ca=certs.ca), FROM, [KIM], data)
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.message.startswith(f"TLS with 127.0.0.1:{srv.port} failed")
    assert diagnostic.hint is not None and "check mail.security and mail.port" in diagnostic.hint


def test_no_tls_to_a_loopback_relay(data: bytes) -> None:
    with smtp_server() as srv:
        assert send(settings(srv.port, "none"), FROM, [KIM], data)[0].delivered
        assert not srv.handler.messages[0].tls


# ---------------------------------------------------------------- AUTH


def test_auth_logs_in_over_tls(certs: Certificates, data: bytes) -> None:
    with smtp_server(starttls=server_context(certs.good), users={"desk": PASSWORD}) as srv:
        server = settings(srv.port, ca=certs.ca, user="desk", password=PASSWORD)
        assert send(server, FROM, [KIM], data)[0].delivered
        assert srv.handler.logins == [("desk", PASSWORD)]
        assert srv.handler.messages[0].authenticated


def test_a_refused_login_never_shows_the_password(certs: Certificates, data: bytes) -> None:
    wrong = "wrong-but-secret-pw"
    server = settings(0, ca=certs.ca, user="desk", password=wrong)
    with smtp_server(starttls=server_context(certs.good), users={"desk": PASSWORD}) as srv:
        server = settings(srv.port, ca=certs.ca, user="desk", password=wrong)
        with pytest.raises(MailError) as caught:
            send(server, FROM, [KIM], data)
        assert srv.handler.messages == []
    assert str(caught.value) == (
        f"error: 127.0.0.1:{srv.port} refused the login of 'desk': 535 5.7.8 Authentication credentials "
        "invalid (check the password (BRIEFGEN_SMTP_PASSWORD or the password file))"
    )
    shown = "".join(traceback.format_exception(caught.value)) + repr(server) + str(server.password)
    encoded = [
        base64.b64encode(f"\0desk\0{wrong}".encode()).decode(),
        base64.b64encode(wrong.encode()).decode(),
    ]
    for form in (wrong, *encoded):
        assert form not in shown


# ---------------------------------------------------------------- replies and retries


def test_a_rejected_recipient_is_reported_and_the_other_delivered(data: bytes) -> None:
    handler = Recorder(rcpt_replies={LEE: ["550 5.1.1 <lee@example.org>: no such user"]})
    with smtp_server(handler=handler) as srv:
        deliveries = send(settings(srv.port, "none"), FROM, [KIM, LEE], data)
    assert deliveries == [
        Delivery(KIM, True, "250 2.0.0 queued", 1),
        Delivery(LEE, False, "550 5.1.1 <lee@example.org>: no such user", 1),
    ]
    assert [m.rcpt_tos for m in handler.messages] == [[KIM]]


def test_451_is_retried_with_backoff_and_nothing_is_sent_twice(data: bytes) -> None:
    handler = Recorder(rcpt_replies={LEE: ["451 4.7.1 greylisted, try again later"] * 2})
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        time.sleep(seconds)

    with smtp_server(handler=handler) as srv:
        deliveries = send(
            settings(srv.port, "none", retries=3, retry_delay=0.02), FROM, [KIM, LEE], data, sleep=sleep
        )
    assert deliveries == [
        Delivery(KIM, True, "250 2.0.0 queued", 1),
        Delivery(LEE, True, "250 2.0.0 queued", 3),
    ]
    assert pauses == [0.02, 0.04]
    assert [m.rcpt_tos for m in handler.messages] == [[KIM], [LEE]]  # each got it exactly once


def test_retries_are_bounded(data: bytes) -> None:
    handler = Recorder(rcpt_replies={LEE: ["451 4.3.0 mailbox busy"] * 10})
    pauses: list[float] = []
    with smtp_server(handler=handler) as srv:
        deliveries = send(
            settings(srv.port, "none", retries=2, retry_delay=0.5),
            FROM,
            [KIM, LEE],
            data,
            sleep=pauses.append,
        )
    assert deliveries[1] == Delivery(LEE, False, "451 4.3.0 mailbox busy (still refused after 3 attempts)", 3)
    assert deliveries[0].delivered
    assert handler.rcpt_attempts.count(LEE) == 3 and handler.rcpt_attempts.count(KIM) == 1
    assert pauses == [0.5, 1.0]
    assert [backoff(2, n) for n in (1, 2, 3, 10)] == [2, 4, 8, 60]


def test_a_transient_reply_to_the_data_is_retried(data: bytes) -> None:
    handler = Recorder(data_replies=["451 4.3.0 queue full, try later"])
    with smtp_server(handler=handler) as srv:
        deliveries = send(settings(srv.port, "none"), FROM, [KIM, LEE], data)
    assert [(d.delivered, d.attempts) for d in deliveries] == [(True, 2), (True, 2)]
    assert len(handler.messages) == 1


class _RefuseSender(Recorder):
    async def handle_MAIL(
        self, server: object, session: object, envelope: object, address: str, mail_options: list[str]
    ) -> str:
        return "553 5.7.1 sender not allowed"


def test_a_permanent_reply_to_the_sender_is_an_error(data: bytes) -> None:
    with smtp_server(handler=_RefuseSender()) as srv:
        with pytest.raises(MailError) as caught:
            send(settings(srv.port, "none"), FROM, [KIM], data)
        assert srv.handler.rcpt_attempts == []
    assert str(caught.value) == f"error: the server refused the sender {FROM}: 553 5.7.1 sender not allowed"


def test_a_broken_connection_after_the_data_is_not_retried(data: bytes) -> None:
    handler = Recorder(drop_after_data=True)
    with smtp_server(handler=handler) as srv:
        deliveries = send(settings(srv.port, "none", retries=3), FROM, [KIM], data)
    [delivery] = deliveries
    assert not delivery.delivered
    assert "the server may have accepted it, so it was not sent again" in delivery.reply
    assert len(handler.messages) == 1 and handler.rcpt_attempts == [KIM]


# ---------------------------------------------------------------- time-outs and connections


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_server_that_never_answers_times_out(certs: Certificates, data: bytes, security: str) -> None:
    with mute_server() as (port, accepted):
        start = time.monotonic()
        with pytest.raises(MailError) as caught:
            send(settings(port, security, ca=certs.ca, timeout=0.3, retries=3), FROM, [KIM], data)
        elapsed = time.monotonic() - start
    assert str(caught.value) == f"error: 127.0.0.1:{port} did not answer within 0.3 s"
    assert 0.3 <= elapsed < 2.0
    assert len(accepted) == 1  # a time-out is not retried


def test_a_closed_port_is_a_clear_error(data: bytes) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(MailError, match=f"cannot connect to 127.0.0.1:{port}: connection refused"):
        send(settings(port, "none"), FROM, [KIM], data)
