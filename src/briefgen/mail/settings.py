"""SMTP settings: the ``mail:`` mapping of briefgen.yaml, overridden by ``BRIEFGEN_SMTP_*`` variables.

The password is never a setting: it comes only from ``BRIEFGEN_SMTP_PASSWORD`` or from a file that
``password_file`` (or ``BRIEFGEN_SMTP_PASSWORD_FILE``) names, and it is kept in a ``Secret`` whose text
representation hides it.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from briefgen.errors import Diagnostic, Location, MailError

if TYPE_CHECKING:
    from email.headerregistry import Address

Security = Literal["starttls", "ssl", "none"]
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
PROJECT_FILE = "briefgen.yaml"
#: Environment variables overriding the project file, by setting (the key as written in YAML).
ENVIRONMENT: dict[str, str] = {
    "host": "BRIEFGEN_SMTP_HOST",
    "port": "BRIEFGEN_SMTP_PORT",
    "security": "BRIEFGEN_SMTP_SECURITY",
    "user": "BRIEFGEN_SMTP_USER",
    "from": "BRIEFGEN_SMTP_FROM",
    "from_name": "BRIEFGEN_SMTP_FROM_NAME",
    "reply_to": "BRIEFGEN_SMTP_REPLY_TO",
    "ca_file": "BRIEFGEN_SMTP_CA_FILE",
    "password_file": "BRIEFGEN_SMTP_PASSWORD_FILE",
}
PASSWORD_VARIABLE = "BRIEFGEN_SMTP_PASSWORD"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PASSWORD_HINT = (
    f"set {PASSWORD_VARIABLE}, or name a file holding it with password_file or {ENVIRONMENT['password_file']}"
)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "expected text")
    if _CONTROL.search(value):
        raise PydanticCustomError("control_character", "contains a line break or a control character")
    return value


def _host(value: object) -> str:
    import ipaddress  # here: every build validates the project file, few use its mail settings

    text = _text(value)
    try:
        ipaddress.ip_address(text)
    except ValueError:
        if not _HOST.match(text):
            raise PydanticCustomError(
                "host_name", "'{value}' is not a host name or an IP address", {"value": text}
            ) from None
    return text


def _address(value: object) -> str:
    from briefgen.mail import addresses

    text = _text(value)
    found = addresses.problem(text)
    if found is not None:
        message, hint = found
        raise PydanticCustomError(
            "address",
            "{shown} {message}{hint}",
            {"shown": addresses.shown(text), "message": message, "hint": f" ({hint})" if hint else ""},
        )
    return text


def _name(value: object) -> str:
    text = _text(value)
    if any(ch in text for ch in '<>@"'):
        raise PydanticCustomError("display_name", "a display name cannot contain '<', '>', '@' or '\"'")
    return text.strip()


def _no_password(value: object) -> None:
    raise PydanticCustomError(
        "password_in_project", "the password never goes in the project file: " + _PASSWORD_HINT
    )


Text = Annotated[str, PlainValidator(_text), WithJsonSchema({"type": "string"})]
Host = Annotated[
    str,
    PlainValidator(_host),
    WithJsonSchema({"type": "string", "description": "A host name or an IP address: smtp.example.org."}),
]
AddressText = Annotated[
    str,
    PlainValidator(_address),
    WithJsonSchema({"type": "string", "description": "A bare address: desk@example.org."}),
]
DisplayName = Annotated[
    str,
    PlainValidator(_name),
    WithJsonSchema({"type": "string", "pattern": '^[^<>@"]*$', "description": "A name, e.g. Briefing Desk."}),
]


class MailSettings(BaseModel):
    """The ``mail:`` mapping of briefgen.yaml; every key may be left out (see docs/mail.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: Host | None = None
    """The SMTP server."""
    port: int | None = Field(default=None, ge=1, le=65535)
    """Default: 587 for starttls, 465 for ssl, 25 for none."""
    security: Security = "starttls"
    """starttls (default), ssl (TLS from the first byte), or none (only to this machine)."""
    user: Text | None = None
    """The login; its password comes from BRIEFGEN_SMTP_PASSWORD or password_file, never from here."""
    from_: AddressText | None = Field(default=None, alias="from")
    """The sender: a bare address (the envelope sender too)."""
    from_name: DisplayName | dict[str, DisplayName] | None = None
    """A name shown with the sender address, e.g. Briefing Desk; or one per language ({ko: …, en: …})."""
    subject: Text | dict[str, Text] | None = None
    """The subject, instead of templates/mail/subject.txt.j2: a text or one per language, with the same
    placeholders ({{ meta.title }}, {{ audience.title }}…)."""
    reply_to: AddressText | None = None
    password_file: Text | None = None
    """A file holding the password, relative to the project folder."""
    ca_file: Text | None = None
    """A PEM file of the certificate authorities to trust instead of the system's, relative to the project."""
    timeout: float = Field(default=30.0, gt=0, le=600)
    """Seconds to wait for the connection and for each reply of the server."""
    retries: int = Field(default=3, ge=0, le=10)
    """How many times a transient (4xx) failure is tried again."""
    retry_delay: float = Field(default=2.0, ge=0, le=60)
    """Seconds before the first retry; each further retry waits twice as long (at most 60 s)."""
    max_attachments_mb: float = Field(default=25.0, gt=0, le=1000)
    """Refuse to send attachments larger than this in total, in megabytes (1 MB = 1,000,000 bytes)."""

    #: never accepted: named only so that a password written here gets a clear error at its line
    password: SkipJsonSchema[Annotated[None, PlainValidator(_no_password)]] = Field(
        default=None, exclude=True
    )


class Secret:
    """A password: its text representation never shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


@dataclass(frozen=True)
class Server:
    """Where and how to connect: everything ``smtp.send`` needs."""

    host: str
    port: int
    security: Security
    timeout: float
    retries: int
    retry_delay: float
    user: str | None = None
    password: Secret | None = field(default=None, repr=False)
    ca_file: Path | None = None

    def describe(self) -> str:
        """Say where mail goes, without the password: ``smtp.example.org:587 (starttls, as desk)``."""
        who = f", as {self.user}" if self.user else ""
        return f"{self.host}:{self.port} ({self.security}{who})"


@dataclass(frozen=True)
class Resolved:
    """The settings in force once the environment has been applied, for the message's language."""

    sender: Address
    reply_to: Address | None
    max_attachment_bytes: int
    #: None when no SMTP server is needed (``--eml``)
    server: Server | None
    warnings: list[Diagnostic] = field(default_factory=list)
    #: the subject setting in the message's language; None: the subject template
    subject: str | None = None


def for_language(value: str | dict[str, str] | None, lang: str, default_lang: str) -> str | None:
    """Pick a setting given per language: the language's own, else the default language's, else any."""
    if value is None or isinstance(value, str):
        return value
    return value.get(lang) or value.get(default_lang) or next(iter(value.values()), None)


def resolve(
    settings: MailSettings | None,
    project: Path,
    environ: Mapping[str, str],
    *,
    need_server: bool,
    lang: str = "",
    default_lang: str = "",
) -> Resolved:
    """Apply ``BRIEFGEN_SMTP_*`` over the project file's settings and check that they make sense together.

    ``need_server`` asks for a host and a password (if there is a user) too; writing ``.eml`` files does not.
    Settings given per language (``from_name``, ``subject``) are taken in ``lang``.
    """
    from email.headerregistry import Address

    from briefgen.mail import addresses

    merged, origin = _merge(settings, environ)
    try:
        checked = MailSettings.model_validate(merged)
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False):
            key = str(err["loc"][0]) if err["loc"] else ""
            where = origin.get(key, Location(PROJECT_FILE))
            errors.append(Diagnostic(f"mail setting '{key}': {err['msg']}", where))
        raise MailError("", diagnostics=errors) from None
    warnings: list[Diagnostic] = []
    if not checked.from_:
        raise MailError(
            "no sender address", Location(PROJECT_FILE), f"set 'from' under 'mail:' or {ENVIRONMENT['from']}"
        )
    sender = addresses.parse(checked.from_, "the sender address", origin["from"])
    from_name = for_language(checked.from_name, lang, default_lang)
    if from_name:
        sender = Address(display_name=from_name, username=sender.username, domain=sender.domain)
    reply_to = (
        addresses.parse(checked.reply_to, "the reply-to address", origin["reply_to"])
        if checked.reply_to
        else None
    )
    server = _server(checked, project, environ, origin, warnings) if need_server else None
    subject = for_language(checked.subject, lang, default_lang)
    return Resolved(sender, reply_to, int(checked.max_attachments_mb * 1_000_000), server, warnings, subject)


def _merge(
    settings: MailSettings | None, environ: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, Location]]:
    merged: dict[str, Any] = settings.model_dump(by_alias=True, exclude_unset=True) if settings else {}
    origin = {info.alias or name: Location(PROJECT_FILE) for name, info in MailSettings.model_fields.items()}
    for key, variable in ENVIRONMENT.items():
        value = environ.get(variable, "")
        if value:
            merged[key] = value
            origin[key] = Location(f"${variable}")
    return merged, origin


def _server(
    checked: MailSettings,
    project: Path,
    environ: Mapping[str, str],
    origin: dict[str, Location],
    warnings: list[Diagnostic],
) -> Server:
    if not checked.host:
        raise MailError(
            "no SMTP server", Location(PROJECT_FILE), f"set 'host' under 'mail:' or {ENVIRONMENT['host']}"
        )
    if checked.security == "none":
        if not is_loopback(checked.host):
            raise MailError(
                f"security 'none' sends in cleartext: it is allowed only to this machine, not {checked.host}",
                origin["security"],
                "use starttls (the default) or ssl; 'none' is for a local relay or tests",
            )
        if checked.user:
            raise MailError(
                "refusing to log in over a connection without TLS (security: none)",
                origin["user"],
                "drop 'user' for a local relay, or use starttls or ssl",
            )
    ca_file = _project_path(checked.ca_file, project) if checked.ca_file else None
    if ca_file is not None and not ca_file.is_file():
        raise MailError(f"the CA file {ca_file} does not exist", origin["ca_file"])
    password = _password(checked, project, environ, origin, warnings) if checked.user else None
    return Server(
        host=checked.host,
        port=checked.port or DEFAULT_PORTS[checked.security],
        security=checked.security,
        timeout=checked.timeout,
        retries=checked.retries,
        retry_delay=checked.retry_delay,
        user=checked.user,
        password=password,
        ca_file=ca_file,
    )


def _project_path(name: str, project: Path) -> Path:
    path = Path(name).expanduser()
    return path if path.is_absolute() else project / path


def _password(
    checked: MailSettings,
    project: Path,
    environ: Mapping[str, str],
    origin: dict[str, Location],
    warnings: list[Diagnostic],
) -> Secret:
    value = environ.get(PASSWORD_VARIABLE, "")
    if value:
        return Secret(value)
    if not checked.password_file:
        raise MailError(f"no password for the SMTP user '{checked.user}'", origin["user"], _PASSWORD_HINT)
    path = _project_path(checked.password_file, project)
    where = origin["password_file"]
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MailError(f"the password file {path} does not exist", where) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise MailError(f"cannot read the password file {path}: {reason}", where) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.append(
            Diagnostic(
                f"the password file {path} can be read by other users",
                where,
                f"chmod 600 {path}",
                severity="warning",
            )
        )
    secret = text.rstrip("\r\n")
    if not secret or "\n" in secret or "\r" in secret:
        raise MailError(f"the password file {path} must hold the password on one line", where)
    return Secret(secret)


def is_loopback(host: str) -> bool:
    """Tell whether a host is this machine: ``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
