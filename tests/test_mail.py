"""``briefgen mail``: what a real SMTP server receives; addresses, headers, .eml, dry run, sizes."""

from __future__ import annotations

import base64
import io
import logging
import os
import re
import shutil
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefgen.cli import main
from briefgen.errors import MailError
from briefgen.mail import addresses, message
from briefgen.mail.message import DOCX_TYPE, Attachment, size_check
from tests.conftest import BROKEN, PROJECTS, copy_project, overlay
from tests.mailserver import Certificates, Recorder, Server, make_certificates, server_context, smtp_server

# aiosmtpd itself sets its own deprecated Session.login_data after a successful AUTH (in the server's thread).
pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")


def _docx_renderer() -> bool:
    try:
        from briefgen.renderers.docx import DocxRenderer  # noqa: F401
    except ImportError:
        return False
    return True


#: The format attached by default; PDF stands in only while the DOCX renderer does not exist.
FORMAT = "docx" if _docx_renderer() else "pdf"
MIME = {"docx": DOCX_TYPE, "pdf": "application/pdf"}
KIM, LEE = "kim@example.org", "lee@example.org"
SUBJECT_KO = "[대외비] 최소 브리핑 (2025년 2월 15일)"
HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "Content-Language", "MIME-Version", "Content-Type"]


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture(autouse=True)
def no_smtp_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("BRIEFGEN_SMTP_"):
            monkeypatch.delenv(name)


@pytest.fixture
def srv(certs: Certificates) -> Iterator[Server]:
    """A STARTTLS server with a certificate from the test CA."""
    with smtp_server(starttls=server_context(certs.good), users={"desk": "correct horse"}) as server:
        yield server


def write_settings(project: Path, mail: str) -> None:
    (project / "briefgen.yaml").write_text(
        f"brief: minimal\ndefault_language: ko\nlanguages: [ko, en]\nmail:\n{mail}", encoding="utf-8"
    )


@pytest.fixture
def project(tmp_path: Path, srv: Server, certs: Certificates, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The minimal project, set up to send through ``srv``, as the current folder."""
    root = copy_project(PROJECTS / "minimal", tmp_path / "minimal")
    write_settings(
        root,
        f"  host: 127.0.0.1\n  port: {srv.port}\n  ca_file: {certs.ca}\n"
        "  from: desk@example.org\n  from_name: 브리핑 데스크\n"
        "  retry_delay: 0.01\n  timeout: 5\n",
    )
    monkeypatch.chdir(root)
    return root


def mail(*args: str) -> Result:
    options = [] if "--attach" in args or FORMAT == "docx" else ["--attach", FORMAT]
    return CliRunner().invoke(main, ["mail", *args, *options], catch_exceptions=False)


def parse(data: bytes) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(parsed, EmailMessage)
    return parsed


# ---------------------------------------------------------------- the message arrives


def test_the_briefing_arrives_with_the_built_document_attached(project: Path, srv: Server) -> None:
    result = mail("--to", KIM, "--to", LEE)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"wrote output/minimal.ko.{FORMAT}",
        f"sent to {KIM}",
        f"sent to {LEE}",
    ]
    [received] = srv.handler.messages
    assert (received.mail_from, received.rcpt_tos, received.tls) == ("desk@example.org", [KIM, LEE], True)
    msg = parse(received.data)
    assert [name for name, _ in msg.items()] == HEADERS
    assert msg["From"] == "브리핑 데스크 <desk@example.org>"
    assert msg["To"] == f"{KIM}, {LEE}"
    assert msg["Subject"] == SUBJECT_KO
    assert msg["Content-Language"] == "ko"
    assert re.fullmatch(r"<[^<>@\s]+@example\.org>", msg["Message-ID"])
    assert msg["Date"].datetime is not None
    [attachment] = msg.iter_attachments()
    assert attachment.get_content_type() == MIME[FORMAT]
    assert attachment.get_filename() == f"최소 브리핑.{FORMAT}"  # named after the title, in its language
    assert attachment.get_content() == (project / "output" / f"minimal.ko.{FORMAT}").read_bytes()
    if FORMAT == "docx":
        import docx

        assert docx.Document(io.BytesIO(attachment.get_content())).paragraphs  # python-docx opens it
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n") == (
        "안녕하세요.\n\n"
        "2025년 2월 15일 자 ‘최소 브리핑’ 자료를 첨부하여 보내 드립니다.\n\n"
        "모든 블록과 사실 유형을 한 번씩\n\n"
        f"첨부 파일:\n- 최소 브리핑.{FORMAT}\n\n"
        "보안 등급: 대외비\n이 자료는 보안 등급에 맞게 취급해 주시기 바랍니다.\n\n"
        "시험 기관 · 시험 팀\n"
    )
    assert '<html lang="ko">' in html.get_content()
    assert "<p>안녕하세요.</p>" in html.get_content()


def test_english_with_the_pdf_and_the_docx(project: Path, srv: Server) -> None:
    formats = ["pdf", "docx"] if FORMAT == "docx" else ["pdf"]
    result = mail("--lang", "en", "--to", KIM, *(a for f in formats for a in ("--attach", f)))
    assert result.exit_code == 0, result.output
    msg = parse(srv.handler.messages[0].data)
    assert msg["Subject"] == "[Internal] Minimal briefing (February 15, 2025)"
    assert msg["Content-Language"] == "en"
    names = [a.get_filename() for a in msg.iter_attachments()]
    assert names == [f"Minimal briefing.{f}" for f in formats]
    for part, fmt in zip(msg.iter_attachments(), formats, strict=True):
        assert part.get_content() == (project / "output" / f"minimal.en.{fmt}").read_bytes()
    text = msg.get_body(("plain",))
    assert text is not None
    assert (
        "Please find attached the briefing “Minimal briefing” dated February 15, 2025." in text.get_content()
    )


def test_an_up_to_date_build_is_reused_and_a_stale_one_rebuilt(project: Path, srv: Server) -> None:
    assert mail("--to", KIM).exit_code == 0
    built = project / "output" / f"minimal.ko.{FORMAT}"
    stamp = built.stat().st_mtime_ns
    again = mail("--to", KIM)
    assert again.stdout.splitlines() == [f"sent to {KIM}"]
    assert built.stat().st_mtime_ns == stamp
    source = project / "content" / "ko" / "01-main.yaml"
    source.write_text(
        source.read_text(encoding="utf-8").replace("요점이다.", "새 요점이다."), encoding="utf-8"
    )
    rebuilt = mail("--to", KIM)
    assert rebuilt.stdout.splitlines() == [f"wrote output/minimal.ko.{FORMAT}", f"sent to {KIM}"]
    assert len(srv.handler.messages) == 3


def test_a_failed_build_sends_nothing(project: Path, srv: Server) -> None:
    overlay(project, BROKEN / "unknown-fact")
    result = mail("--to", KIM)
    assert result.exit_code == 1
    assert "error: unknown fact 'cots'" in result.stderr
    assert srv.connections == 0
    assert not (project / "output").exists()


# ---------------------------------------------------------------- failures, recipient by recipient


def test_a_rejected_recipient_is_reported_and_the_exit_status_is_1(project: Path, srv: Server) -> None:
    srv.handler.rcpt_replies[LEE] = ["550 5.1.1 <lee@example.org>: no such user"]
    result = mail("--to", KIM, "--to", LEE)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == f"sent to {KIM}"
    assert result.stderr == (
        "error: not sent to lee@example.org: 550 5.1.1 <lee@example.org>: no such user\n"
        "1 of 2 recipients did not get the message\n"
    )
    assert [m.rcpt_tos for m in srv.handler.messages] == [[KIM]]


def test_a_greylisting_server_gets_the_message_on_a_later_attempt(project: Path, srv: Server) -> None:
    srv.handler.rcpt_replies[KIM] = ["451 4.7.1 greylisted"]
    result = mail("--to", KIM)
    assert result.exit_code == 0, result.output
    assert len(srv.handler.messages) == 1 and srv.handler.rcpt_attempts == [KIM, KIM]


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        (
            "alice@example.org <bob@evil.example>",
            "is not a bare address: it has a name, angle brackets, spaces or a list",
        ),
        ("a@b@c", "has more than one '@'"),
        ("kim@example.org\r\nBcc: evil@example.org", "contains a line break or a control character"),
        ("kim@example.org\n", "contains a line break or a control character"),
        ("Kim <kim@example.org>", "is not a bare address: it has a name, angle brackets, spaces or a list"),
    ],
)
def test_a_bad_address_is_refused_before_anything_happens(
    project: Path, srv: Server, address: str, problem: str
) -> None:
    result = mail("--to", KIM, "--to", address)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: the recipient {addresses.shown(address)} {problem} "
        "(write the address alone, e.g. kim@example.org)\n"
    )
    assert "\r" not in result.stderr and result.stderr.count("\n") == 1
    assert srv.connections == 0
    assert not (project / "output").exists()  # not even built


def test_every_bad_address_is_reported_at_once(project: Path, srv: Server) -> None:
    result = mail("--to", "a@b@c", "--to", KIM, "--to", "nobody")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: the recipient 'a@b@c' has more than one '@' (write the address alone, e.g. kim@example.org)",
        "error: the recipient 'nobody' has no '@' (write the address alone, e.g. kim@example.org)",
        "2 errors",
    ]
    assert srv.connections == 0


def test_a_bad_sender_in_the_project_file_is_located(project: Path, srv: Server) -> None:
    write_settings(project, "  host: 127.0.0.1\n  from: Desk <desk@example.org>\n")
    result = mail("--to", KIM)
    assert result.exit_code == 1
    assert result.stderr == (
        "briefgen.yaml:6:9: error: 'Desk <desk@example.org>' is not a bare address: it has a name, "
        "angle brackets, spaces or a list (write the address alone, e.g. kim@example.org)\n"
    )
    assert srv.connections == 0


def test_valid_addresses() -> None:
    parsed = addresses.parse("first.last+tag@Sub.Example.co.kr", "x")
    assert parsed.addr_spec == "first.last+tag@sub.example.co.kr"
    assert addresses.parse("kim@bücher.example", "x").domain == "xn--bcher-kva.example"
    assert [a.addr_spec for a in addresses.parse_all([KIM, LEE, KIM], "x")] == [KIM, LEE]  # nobody twice
    for bad in (
        "kim@localhost",
        ".kim@example.org",
        "kim..lee@example.org",
        "김@example.org",
        "kim@-x.org",
        "kim@[127.0.0.1]",
        '"kim"@example.org',
        "kim@example.org,lee@example.org",
        "kim@exa mple.org",
    ):
        with pytest.raises(MailError):
            addresses.parse(bad, "the recipient")


# ---------------------------------------------------------------- header injection


def set_template(project: Path, name: str, text: str) -> None:
    path = project / "templates" / "mail" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("filename", "what"),
    [
        (None, "the subject"),
        ("{{ meta.title }}", "the attachment name"),
    ],
)
def test_a_line_break_in_the_title_cannot_reach_a_header(
    project: Path, srv: Server, filename: str | None, what: str
) -> None:
    brief = project / "content" / "ko" / "brief.yaml"
    brief.write_text(
        brief.read_text(encoding="utf-8").replace(
            "title: 최소 브리핑", 'title: "최소 브리핑\\r\\nBcc: evil@example.org"'
        ),
        encoding="utf-8",
    )
    if filename:
        set_template(project, "filename.txt.j2", filename)
    result = mail("--to", KIM)
    assert result.exit_code == 1
    assert result.stderr == (
        "content/ko/brief.yaml: error: the brief's title '최소 브리핑\\r\\nBcc: evil@example.org' contains a "
        f"line break, so it cannot be used in {what} (write the title on one line)\n"
    )
    assert srv.connections == 0


def test_a_line_break_in_the_subject_template_is_refused(project: Path, srv: Server) -> None:
    set_template(project, "subject.txt.j2", "{{ meta.title }}\nBcc: evil@example.org\n")
    result = mail("--to", KIM)
    assert result.exit_code == 1
    assert result.stderr == (
        "templates/mail/subject.txt.j2: error: the subject '최소 브리핑\\nBcc: evil@example.org' contains a "
        "line break; a mail header cannot (write mail/subject.txt.j2 on one line)\n"
    )
    assert srv.connections == 0


def test_an_encoded_line_break_in_the_subject_is_refused(project: Path, srv: Server) -> None:
    set_template(project, "subject.txt.j2", "=?utf-8?q?hi=0D=0ABcc:_evil@example.org?=\n")
    result = mail("--to", KIM)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: the Subject header '=?utf-8?q?hi=0D=0ABcc:_evil@example.org?=' would arrive as "
        "'hi\\r\\nBcc: evil@example.org' "
        "(an encoded word (=?charset?q?...?=) in a subject or a name is not allowed)\n"
    )
    assert srv.connections == 0


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "x\nContent-Type: text/html",
            "the attachment name 'x\\nContent-Type: text/html' contains a line break; "
            "a mail header cannot (write mail/filename.txt.j2 on one line)",
        ),
        (
            "../../etc/passwd",
            "the attachment name '../../etc/passwd' contains / "
            "(a file name is a single name such as deepseek-briefing.ko.docx)",
        ),
        (
            "=?utf-8?q?a=0D=0Ab?=",
            "the attachment name '=?utf-8?q?a=0D=0Ab?=' contains ? (a file name is a single "
            "name such as deepseek-briefing.ko.docx)",
        ),
    ],
)
def test_an_attachment_name_that_could_inject_is_refused(
    project: Path, srv: Server, template: str, expected: str
) -> None:
    set_template(project, "filename.txt.j2", template)
    result = mail("--to", KIM)
    assert result.exit_code == 1
    assert result.stderr == f"templates/mail/filename.txt.j2: error: {expected}\n"
    assert srv.connections == 0


@pytest.mark.parametrize(
    ("subject", "filename", "expected"),
    [
        (
            "ok",
            "a\r\nContent-Type: text/html.pdf",
            "the attachment name 'a\\r\\nContent-Type: text/html.pdf' contains a line break or a control "
            "character; "
            "a mail header cannot",
        ),
        (
            "ok\u2028Bcc: evil@example.org",
            "a.pdf",
            "the subject 'ok\\u2028Bcc: evil@example.org' contains a line break or a control character; "
            "a mail header cannot",
        ),
        (
            "=?utf-8?b?b2sNCkJjYzogZXZpbEBleGFtcGxlLm9yZw==?=",
            "a.pdf",
            "the Subject header "
            "'=?utf-8?b?b2sNCkJjYzogZXZpbEBleGFtcGxlLm9yZw==?=' would arrive as "
            "'ok\\r\\nBcc: evil@example.org'",
        ),
    ],
)
def test_the_message_builder_refuses_what_a_template_cannot_produce(
    subject: str, filename: str, expected: str
) -> None:
    with pytest.raises(MailError) as caught:
        message.build_message(
            sender=addresses.parse("desk@example.org", "x"),
            to=[addresses.parse(KIM, "x")],
            reply_to=None,
            content=message.Content(subject, "text\n", "<p>html</p>\n", "en"),
            attachments=[Attachment(filename, b"%PDF-1.7", "application/pdf")],
        )
    assert caught.value.diagnostics[0].message == expected


def test_a_korean_attachment_name_arrives_with_its_name(project: Path, srv: Server) -> None:
    set_template(project, "filename.txt.j2", "딥시크_브리핑\n")
    result = mail("--to", KIM)
    assert result.exit_code == 0, result.output
    data = srv.handler.messages[0].data
    # RFC 2231: the name is a percent-encoded UTF-8 parameter, not raw 8-bit text
    korean = b"%EB%94%A5%EC%8B%9C%ED%81%AC_%EB%B8%8C%EB%A6%AC%ED%95%91"
    assert re.search(rb"filename\*(0\*)?=utf-8''" + korean, data)
    assert data.isascii()
    [attachment] = parse(data).iter_attachments()
    assert attachment.get_filename() == f"딥시크_브리핑.{FORMAT}"


# ---------------------------------------------------------------- .eml, dry run, sizes


def test_eml_writes_the_message_instead_of_sending_it(
    tmp_path: Path, certs: Certificates, srv: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_project(PROJECTS / "minimal", tmp_path / "minimal")
    write_settings(root, "  from: desk@example.org\n  reply_to: team@example.org\n")  # no server needed
    monkeypatch.chdir(root)
    result = mail("--eml", "review", "--to", KIM, "--to", LEE)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"wrote output/minimal.ko.{FORMAT}", "wrote review/minimal.ko.eml"]
    assert os.listdir(root / "review") == ["minimal.ko.eml"]  # written atomically: no temporary file left
    msg = parse((root / "review" / "minimal.ko.eml").read_bytes())
    assert [name for name, _ in msg.items()] == ["From", "To", "Reply-To", *HEADERS[2:]]
    assert msg["From"] == "desk@example.org" and msg["Reply-To"] == "team@example.org"
    assert msg["To"] == f"{KIM}, {LEE}"
    assert msg["Subject"] == SUBJECT_KO
    assert msg.get_content_type() == "multipart/mixed"
    [attachment] = msg.iter_attachments()
    assert attachment.get_content() == (root / "output" / f"minimal.ko.{FORMAT}").read_bytes()
    assert srv.connections == 0


def test_dry_run_shows_who_would_get_what_and_sends_nothing(project: Path, srv: Server) -> None:
    result = mail("--dry-run", "--to", KIM, "--to", LEE)
    assert result.exit_code == 0, result.output
    size = (project / "output" / f"minimal.ko.{FORMAT}").stat().st_size
    lines = result.stdout.splitlines()
    assert lines[:8] == [
        f"wrote output/minimal.ko.{FORMAT}",
        "dry run: nothing was sent",
        f"would send through 127.0.0.1:{srv.port} (starttls)",
        "from: 브리핑 데스크 <desk@example.org>",
        f"to: {KIM}",
        f"to: {LEE}",
        f"subject: {SUBJECT_KO}",
        f"attachment: 최소 브리핑.{FORMAT} ({message.megabytes(size)}, {MIME[FORMAT]})",
    ]
    assert re.fullmatch(r"message: \d+ kB, the same for each recipient", lines[8])
    assert len(lines) == 9
    assert srv.connections == 0


def test_the_size_guard_refuses_above_the_limit(project: Path, srv: Server) -> None:
    settings = (project / "briefgen.yaml").read_text(encoding="utf-8")
    (project / "briefgen.yaml").write_text(settings + "  max_attachments_mb: 0.001\n", encoding="utf-8")
    result = mail("--to", KIM)
    assert result.exit_code == 1
    assert re.fullmatch(
        r"error: the attachments are \d+ kB, more than the limit of 1 kB; nothing was sent "
        r"\(raise mail\.max_attachments_mb in briefgen\.yaml if the server accepts larger messages\)\n",
        result.stderr,
    )
    assert srv.connections == 0


def test_the_size_guard_warns_above_10_mb(
    project: Path, srv: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = [
        Attachment("a.pdf", bytes(6_000_000), "application/pdf"),
        Attachment("b.pdf", bytes(5_000_000), "application/pdf"),
    ]
    warning = size_check(big, 25_000_000)
    assert warning is not None and str(warning) == (
        "warning: the attachments are 11 MB; many mail servers refuse messages above 10 MB"
    )
    assert size_check(big[:1], 25_000_000) is None
    with pytest.raises(MailError, match=r"the attachments are 11 MB, more than the limit of 10\.5 MB"):
        size_check(big, 10_500_000)
    # the warning reaches the user, and the message is still sent
    monkeypatch.setattr(message, "WARN_BYTES", 1_000)
    result = mail("--to", KIM)
    assert result.exit_code == 0
    assert re.fullmatch(
        r"warning: the attachments are \d+ kB; many mail servers refuse messages above 1 kB\n", result.stderr
    )
    assert len(srv.handler.messages) == 1


# ---------------------------------------------------------------- settings and the password


def test_the_password_never_appears_even_with_debug(
    project: Path, srv: Server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = (project / "briefgen.yaml").read_text(encoding="utf-8")
    (project / "briefgen.yaml").write_text(settings + "  user: desk\n", encoding="utf-8")
    wrong = "wrong-but-secret-pw"
    monkeypatch.setenv("BRIEFGEN_SMTP_PASSWORD", wrong)
    result = mail("--debug", "--to", KIM)
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"error: 127.0.0.1:{srv.port} refused the login of 'desk': 535 5.7.8 Authentication credentials "
        "invalid (check the password (BRIEFGEN_SMTP_PASSWORD or the password file))"
    )
    encoded = [
        base64.b64encode(f"\0desk\0{wrong}".encode()).decode(),
        base64.b64encode(wrong.encode()).decode(),
    ]
    for form in (wrong, *encoded):
        assert form not in result.output
        assert form not in caplog.text  # any logging, the test server's own included
    assert srv.handler.messages == []
    monkeypatch.setenv("BRIEFGEN_SMTP_PASSWORD", "correct horse")
    result = mail("--debug", "--to", KIM)
    assert result.exit_code == 0
    assert "correct horse" not in result.output
    assert srv.handler.logins[-1] == ("desk", "correct horse") and srv.handler.messages[0].authenticated


def test_the_password_can_come_from_a_file(project: Path, srv: Server) -> None:
    secret = project.parent / "smtp-password"
    secret.write_text("correct horse\n", encoding="utf-8")
    secret.chmod(0o600)
    settings = (project / "briefgen.yaml").read_text(encoding="utf-8")
    (project / "briefgen.yaml").write_text(
        settings + f"  user: desk\n  password_file: {secret}\n", encoding="utf-8"
    )
    result = mail("--to", KIM)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    secret.chmod(0o644)
    result = mail("--to", KIM)
    assert result.exit_code == 0
    assert result.stderr == (
        f"briefgen.yaml: warning: the password file {secret} can be read by other users "
        f"(chmod 600 {secret})\n"
    )
    assert len(srv.handler.messages) == 2


def test_the_password_is_refused_in_the_project_file(project: Path, srv: Server) -> None:
    settings = (project / "briefgen.yaml").read_text(encoding="utf-8")
    (project / "briefgen.yaml").write_text(settings + "  password: hunter2-secret\n", encoding="utf-8")
    result = mail("--to", KIM)
    assert result.exit_code == 1
    assert result.stderr == (
        "briefgen.yaml:12:13: error: the password never goes in the project file: "
        "set BRIEFGEN_SMTP_PASSWORD, or name a file holding it with password_file or "
        "BRIEFGEN_SMTP_PASSWORD_FILE\n"
    )
    assert "hunter2" not in result.output
    assert srv.connections == 0


def test_the_environment_overrides_the_project_file(
    project: Path, srv: Server, certs: Certificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_settings(project, "  host: mail.invalid\n  port: 2525\n  from: desk@example.org\n  timeout: 5\n")
    monkeypatch.setenv("BRIEFGEN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BRIEFGEN_SMTP_PORT", str(srv.port))
    monkeypatch.setenv("BRIEFGEN_SMTP_CA_FILE", str(certs.ca))
    monkeypatch.setenv("BRIEFGEN_SMTP_FROM", "other@example.org")
    result = mail("--to", KIM)
    assert result.exit_code == 0, result.output
    assert srv.handler.messages[0].mail_from == "other@example.org"
    monkeypatch.setenv("BRIEFGEN_SMTP_PORT", "smtp")
    monkeypatch.setenv("BRIEFGEN_SMTP_REPLY_TO", "a@b@c")
    result = mail("--to", KIM)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "$BRIEFGEN_SMTP_PORT: error: mail setting 'port': Input should be a valid integer, "
        "unable to parse string as an integer",
        "$BRIEFGEN_SMTP_REPLY_TO: error: mail setting 'reply_to': 'a@b@c' has more than one '@' "
        "(write the address alone, e.g. kim@example.org)",
        "2 errors",
    ]


def test_cleartext_is_allowed_only_to_this_machine(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_settings(project, "  host: mail.example.org\n  security: none\n  from: desk@example.org\n")
    result = mail("--to", KIM)
    assert result.exit_code == 1
    assert result.stderr == (
        "briefgen.yaml: error: security 'none' sends in cleartext: it is allowed only to this machine, not "
        "mail.example.org (use starttls (the default) or ssl; 'none' is for a local relay or tests)\n"
    )
    with smtp_server(handler=Recorder()) as relay:
        write_settings(
            project, f"  host: 127.0.0.1\n  port: {relay.port}\n  security: none\n  from: desk@example.org\n"
        )
        result = mail("--to", KIM)
        assert result.exit_code == 0, result.output
        assert len(relay.handler.messages) == 1


def test_no_server_configured(project: Path) -> None:
    write_settings(project, "  from: desk@example.org\n")
    result = mail("--to", KIM)
    assert result.exit_code == 1
    assert result.stderr == (
        "briefgen.yaml: error: no SMTP server (set 'host' under 'mail:' or BRIEFGEN_SMTP_HOST)\n"
    )


def test_the_mail_templates_compile_in_check(project: Path) -> None:
    shutil.rmtree(project / "templates", ignore_errors=True)
    result = CliRunner().invoke(main, ["check"], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_an_audience_briefing_is_mailed_with_its_branding(
    tmp_path: Path, srv: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_project(PROJECTS / "minimal", tmp_path / "minimal")
    write_settings(root, "  from: desk@example.org\n")
    (root / "templates" / "audiences").mkdir(parents=True)
    (root / "templates" / "audiences" / "board.yaml").write_text(
        "branding:\n  classification: 이사회 한정\n", encoding="utf-8"
    )
    monkeypatch.chdir(root)
    result = mail("--audience", "board", "--eml", "review", "--to", KIM)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"wrote output/minimal.board.ko.{FORMAT}",
        "wrote review/minimal.board.ko.eml",
    ]
    msg = parse((root / "review" / "minimal.board.ko.eml").read_bytes())
    assert "[이사회 한정]" in msg["Subject"]
    [attachment] = msg.iter_attachments()
    assert attachment.get_content() == (root / "output" / f"minimal.board.ko.{FORMAT}").read_bytes()
    assert srv.connections == 0
    unknown = mail("--audience", "bored", "--eml", "review", "--to", KIM)
    assert unknown.exit_code == 1
    assert "unknown audience 'bored' (did you mean 'board'?)" in unknown.stderr


def test_an_edition_arrives_named_after_its_readers_in_both_languages(
    project: Path, srv: Server, certs: Certificates
) -> None:
    write_settings(
        project,
        f"  host: 127.0.0.1\n  port: {srv.port}\n  ca_file: {certs.ca}\n"
        "  from: desk@example.org\n  from_name: {ko: 브리핑 데스크, en: Briefing Desk}\n"
        "  retry_delay: 0.01\n  timeout: 5\n",
    )
    expected = {
        "ko": (
            "브리핑 데스크 <desk@example.org>",
            "[대외비] 최소 브리핑 – 경영진 브리핑 (2025년 2월 15일)",
            "최소 브리핑 – 경영진용.docx",
            "경영진용으로 엮은 ‘경영진 브리핑’입니다.",
        ),
        "en": (
            "Briefing Desk <desk@example.org>",
            "[Internal] Minimal briefing – Executive briefing (February 15, 2025)",
            "Minimal briefing – for the executive committee.docx",
            "This is the edition for the executive committee: Executive briefing.",
        ),
    }
    for lang, (sender, subject, filename, line) in expected.items():
        result = mail("--lang", lang, "--audience", "executive", "--to", KIM)
        assert result.exit_code == 0, result.output
        received = srv.handler.messages[-1]
        msg = parse(received.data)
        assert (msg["From"], msg["Subject"]) == (sender, subject)
        [attachment] = msg.iter_attachments()
        assert attachment.get_filename() == filename
        assert (
            attachment.get_content() == (project / "output" / f"minimal.executive.{lang}.docx").read_bytes()
        )
        text = msg.get_body(("plain",))
        assert text is not None and line in text.get_content()
        # RFC 2231 for current clients, and the encoded word older Korean groupware reads
        raw = received.data.decode("ascii")
        assert "filename*" in raw
        encoded = re.search(r'name="(=\?utf-8\?[bq]\?[^"]+)"', raw)
        assert encoded is not None
        from email.header import decode_header, make_header

        assert str(make_header(decode_header(encoded.group(1).replace("\r\n", "")))) == filename
    assert len(srv.handler.messages) == 2


def test_the_subject_may_be_set_per_language(project: Path, srv: Server, certs: Certificates) -> None:
    write_settings(
        project,
        f"  host: 127.0.0.1\n  port: {srv.port}\n  ca_file: {certs.ca}\n  from: desk@example.org\n"
        "  subject:\n    ko: '주간 브리핑: {{ meta.title }}'\n    en: 'Weekly: {{ meta.title }}'\n",
    )
    for lang, subject in (("ko", "주간 브리핑: 최소 브리핑"), ("en", "Weekly: Minimal briefing")):
        result = mail("--lang", lang, "--to", KIM)
        assert result.exit_code == 0, result.output
        assert parse(srv.handler.messages[-1].data)["Subject"] == subject


def test_a_mistyped_mail_setting_is_named_with_a_hint(minimal: Path) -> None:
    write_settings(minimal, "  hots: smtp.example.com\n  port: 0\n")
    result = CliRunner().invoke(main, ["check", "--project", str(minimal)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        "briefgen.yaml:5:3: error: unknown field 'hots' (did you mean 'host'?)",
        "briefgen.yaml:6:9: error: Input should be greater than or equal to 1",
    ]
