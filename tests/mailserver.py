"""Real SMTP servers for the mail tests: aiosmtpd on 127.0.0.1, ephemeral ports, a test CA, and a mute server.

Every server runs in a thread, records what it was sent, and stops when its ``with`` block (or fixture) ends.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"

# ---------------------------------------------------------------- certificates


@dataclass(frozen=True)
class Certificates:
    """PEM files made at test time: a CA, and server certificates for the test server."""

    ca: Path  # the test CA's certificate: what the client trusts (mail.ca_file)
    good: tuple[Path, Path]  # certificate and key for 127.0.0.1 and localhost, signed by the CA
    wrong_host: tuple[Path, Path]  # signed by the CA, but for other.example only
    self_signed: tuple[Path, Path]  # for 127.0.0.1, signed by nobody the client trusts


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write(
    folder: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> tuple[Path, Path]:
    cert_path, key_path = folder / f"{stem}.pem", folder / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    names: list[x509.GeneralName],
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False).add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def make_certificates(folder: Path) -> Certificates:
    """Make a test CA and three server certificates (good, wrong host, self-signed) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate("briefgen test CA", ca_key, _name("briefgen test CA"), ca_key, ca=True, names=[])
    ca_path, _ = _write(folder, "ca", ca_cert, ca_key)
    local = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
    key = ec.generate_private_key(ec.SECP256R1())
    good = _write(
        folder, "good", _certificate("localhost", key, ca_cert.subject, ca_key, ca=False, names=local), key
    )
    key = ec.generate_private_key(ec.SECP256R1())
    wrong = _write(
        folder,
        "wrong",
        _certificate(
            "other.example", key, ca_cert.subject, ca_key, ca=False, names=[x509.DNSName("other.example")]
        ),
        key,
    )
    key = ec.generate_private_key(ec.SECP256R1())
    own = _write(
        folder, "self", _certificate("localhost", key, _name("localhost"), key, ca=False, names=local), key
    )
    return Certificates(ca_path, good, wrong, own)


def server_context(pair: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(pair[0]), str(pair[1]))
    return context


# ---------------------------------------------------------------- the SMTP server


@dataclass
class Received:
    """One message the server accepted: envelope and bytes."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool  # the session was encrypted (STARTTLS or TLS from the first byte)
    authenticated: bool


@dataclass
class Recorder:
    """An aiosmtpd handler that records everything and replies as told.

    ``rcpt_replies`` maps a recipient to the replies to give in turn (then 250); ``data_replies`` likewise for
    the end of the data. ``drop_after_data`` records the message, then cuts the connection before replying.
    """

    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)
    messages: list[Received] = field(default_factory=list)
    rcpt_attempts: list[str] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    drop_after_data: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        with self.lock:
            self.rcpt_attempts.append(address)
            queue = self.rcpt_replies.get(address)
            if queue:
                return queue.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            if self.data_replies:
                return self.data_replies.pop(0)
            assert isinstance(envelope.content, bytes) and server.transport is not None
            tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
            self.messages.append(
                Received(
                    str(envelope.mail_from),
                    list(envelope.rcpt_tos),
                    envelope.content,
                    tls,
                    bool(session.authenticated),
                )
            )
        if self.drop_after_data:
            assert isinstance(server.transport, asyncio.Transport)
            server.transport.abort()
        return "250 2.0.0 queued"


class _Controller(Controller):
    """aiosmtpd's controller on a socket bound before it starts (port 0: no race for a free port)."""

    def __init__(
        self, handler: Recorder, *, ssl_context: ssl.SSLContext | None = None, **smtp_options: Any
    ) -> None:
        self._socket = socket.create_server((HOST, 0))
        super().__init__(
            handler,
            hostname=HOST,
            port=self._socket.getsockname()[1],
            ssl_context=ssl_context,
            ready_timeout=5.0,
            **smtp_options,
        )
        self.connections = 0

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._socket, ssl=self.ssl_context)

    def factory(self) -> SMTP:
        self.connections += 1
        smtp: SMTP = super().factory()  # type: ignore[no-untyped-call]
        return smtp


@dataclass
class Server:
    """A running test server: where it listens, what it recorded."""

    port: int
    handler: Recorder
    controller: _Controller

    @property
    def connections(self) -> int:
        return self.controller.connections


@contextmanager
def smtp_server(
    *,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
    users: dict[str, str] | None = None,
    handler: Recorder | None = None,
) -> Iterator[Server]:
    """Run an aiosmtpd server on 127.0.0.1: plain, with STARTTLS, or TLS from the first byte; with AUTH if
    ``users`` are given (AUTH is offered only over TLS)."""
    recorder = handler or Recorder()

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or users is None:
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        recorder.logins.append((login, password))
        return AuthResult(success=users.get(login) == password, handled=False)

    options: dict[str, Any] = {"timeout": 10}
    if starttls is not None:
        options["tls_context"] = starttls
    if users is not None:
        options["authenticator"] = authenticate
    controller = _Controller(recorder, ssl_context=implicit_tls, **options)
    controller.start()
    controller.connections = 0  # the controller's own start-up probe is not a client
    try:
        yield Server(controller.port, recorder, controller)
    finally:
        controller.stop()


# ---------------------------------------------------------------- a server that never answers


@contextmanager
def mute_server(lifetime: float = 20.0) -> Iterator[tuple[int, list[socket.socket]]]:
    """Accept connections on 127.0.0.1 and never say a word; stop at the end of the block (or after
    ``lifetime`` seconds at the latest)."""
    listener = socket.create_server((HOST, 0))
    listener.settimeout(0.05)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        deadline = threading.Timer(lifetime, stop.set)
        deadline.daemon = True
        deadline.start()
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(conn)
        deadline.cancel()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        listener.close()
        for conn in accepted:
            conn.close()
