"""briefgen batch: a marked copy for every recipient, mailed once through a real SMTP server on loopback."""

from __future__ import annotations

import collections
import hashlib
import json
import re
import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from docx import Document

from briefgen.cli import main
from tests.conftest import PROJECTS, copy_project, pdftotext
from tests.mailserver import Server, smtp_server

PEOPLE = (
    "name,email,organisation,language,formats,직함\r\n"
    "김민준,kim@example.org,한국투자증권,ko,pdf,상무\r\n"
    '"Lee, Jisoo",lee@example.org,"Acme & Sons, Inc.",en,pdf docx,VP\r\n'
    "박서연,park@example.org,,ko,docx,\r\n"
)


@pytest.fixture
def srv() -> Iterator[Server]:
    with smtp_server() as server:
        yield server


def settings(project: Path, port: int) -> None:
    (project / "briefgen.yaml").write_text(
        "brief: minimal\ndefault_language: ko\nlanguages: [ko, en]\nmail:\n"
        f"  host: 127.0.0.1\n  port: {port}\n  security: none\n  from: desk@example.org\n"
        "  from_name: Briefing Desk\n  retries: 1\n  retry_delay: 0.01\n  timeout: 5\n",
        encoding="utf-8",
    )


@pytest.fixture
def project(tmp_path: Path, srv: Server, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The minimal project, mailing through ``srv``, with a recipients file, as the current folder."""
    root = copy_project(PROJECTS / "minimal", tmp_path / "minimal")
    settings(root, srv.port)
    (root / "people.csv").write_bytes(("\ufeff" + PEOPLE).encode("utf-8"))
    monkeypatch.chdir(root)
    return root


def batch(*args: str) -> Result:
    return CliRunner().invoke(main, ["batch", *args, "-j", "2"], catch_exceptions=False)


def received(srv: Server) -> collections.Counter[str]:
    return collections.Counter(r for m in srv.handler.messages for r in m.rcpt_tos)


def events(project: Path, name: str = "people") -> list[dict[str, Any]]:
    log = project / "output" / "batch" / name / "distribution.jsonl"
    return [json.loads(line) for line in log.read_text("utf-8").splitlines()]


def parse(data: bytes) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_every_recipient_gets_one_message_with_their_own_marked_copy(project: Path, srv: Server) -> None:
    result = batch("people.csv", "--mail")
    assert result.exit_code == 0, result.output
    assert "batch: 3 recipients: 3 sent, 3 built" in result.output
    assert received(srv) == {"kim@example.org": 1, "lee@example.org": 1, "park@example.org": 1}
    log = events(project)
    built = {e["recipient"]: e for e in log if e["event"] == "built"}
    sent = {e["recipient"]: e for e in log if e["event"] == "sent"}
    by_recipient = {m.rcpt_tos[0]: parse(m.data) for m in srv.handler.messages}

    lee = by_recipient["lee@example.org"]
    assert str(lee["To"]) == '"Lee, Jisoo" <lee@example.org>'
    assert lee["Message-ID"] == sent["lee@example.org"]["message_id"]
    assert sent["lee@example.org"]["reply"] == "250 2.0.0 queued"
    body = lee.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert text.startswith("Dear Lee, Jisoo,")
    code = built["lee@example.org"]["code"]
    assert f"This is your personal copy, no. 2 of 3 (code {code})." in text
    attachments = {a.get_filename(): a.get_content() for a in lee.iter_attachments()}
    assert sorted(attachments) == ["Minimal briefing.docx", "Minimal briefing.pdf"]  # the edition's title
    for item in built["lee@example.org"]["files"]:
        on_disk = (project / "output" / "batch" / "people" / item["name"]).read_bytes()
        assert hashlib.sha256(on_disk).hexdigest() == item["sha256"]
        assert attachments[f"Minimal briefing.{item['format']}"] == on_disk  # the logged copy was sent
    pdf = project / "output" / "batch" / "people" / "copies" / "minimal.en.copy-0002.pdf"
    assert "Prepared for Lee, Jisoo, Acme & Sons, Inc. · Copy 2 of 3" in pdftotext(pdf)
    docx = Document(str(pdf.with_suffix(".docx")))
    assert "Prepared for Lee, Jisoo, Acme & Sons, Inc. · Copy 2 of 3" in [p.text for p in docx.paragraphs]
    assert docx.core_properties.identifier == code

    kim = by_recipient["kim@example.org"]
    kim_body = kim.get_body(preferencelist=("plain",))
    assert kim_body is not None and kim_body.get_content().startswith("김민준 님, 안녕하세요.")
    kim_pdf = project / "output" / "batch" / "people" / "copies" / "minimal.ko.copy-0001.pdf"
    assert "배포 대상: 김민준, 한국투자증권 · 3부 중 제1부" in pdftotext(kim_pdf)

    again = batch("people.csv", "--mail")
    assert again.exit_code == 0, again.output
    assert "3 done earlier" in again.output
    assert received(srv) == {"kim@example.org": 1, "lee@example.org": 1, "park@example.org": 1}


def test_a_refused_recipient_is_retried_on_the_next_run_without_building_again(
    project: Path, srv: Server
) -> None:
    srv.handler.rcpt_replies["lee@example.org"] = ["550 5.1.1 no such mailbox"]
    result = batch("people.csv", "--mail")
    assert result.exit_code == 1
    assert "lee@example.org: error: not sent: 550 5.1.1 no such mailbox" in result.output
    assert "2 sent, 3 built, 1 not sent" in result.output
    assert received(srv) == {"kim@example.org": 1, "park@example.org": 1}
    again = batch("people.csv", "--mail")
    assert again.exit_code == 0, again.output
    assert "1 sent, 1 from copies built earlier, 2 done earlier" in again.output
    assert received(srv) == {"kim@example.org": 1, "lee@example.org": 1, "park@example.org": 1}
    lee = [e for e in events(project) if e.get("recipient") == "lee@example.org"]
    tried, sent = (e for e in lee if e["event"] == "sending")
    assert tried["message_id"] == sent["message_id"]  # a retry is the same message


def test_a_message_that_may_have_arrived_is_never_sent_again_without_resend(
    project: Path, srv: Server
) -> None:
    srv.handler.drop_after_data = True  # the server takes the message, then the connection breaks
    result = batch("people.csv", "--mail", "-f", "pdf")
    assert result.exit_code == 1
    assert result.output.count("error: may have received the message: the connection broke") == 3
    assert sum(received(srv).values()) == 3
    srv.handler.drop_after_data = False
    again = batch("people.csv", "--mail")
    assert again.exit_code == 1
    assert "kim@example.org: warning: may have received the message already" in again.output
    assert "3 uncertain" in again.output
    assert sum(received(srv).values()) == 3  # nobody was mailed twice
    first = {e["recipient"]: e["message_id"] for e in events(project) if e["event"] == "uncertain"}
    forced = batch("people.csv", "--mail", "--resend", "kim@example.org")
    assert forced.exit_code == 1  # the two others are still uncertain
    assert received(srv)["kim@example.org"] == 2
    resent = [e for e in events(project) if e["event"] == "sent"]
    assert [e["recipient"] for e in resent] == ["kim@example.org"]
    assert resent[0]["message_id"] != first["kim@example.org"]  # a new message, not a retry


def test_a_copy_that_fails_to_render_does_not_stop_the_others(project: Path, srv: Server) -> None:
    (project / "templates").mkdir()
    (project / "templates" / "marking.j2").write_text(
        '{% macro line(m) %}{% if m.name == "박서연" %}{{ m.nothing }}{% endif %}{{ m.name }}{% endmacro %}\n'
        "{% macro watermark(m) %}{{ m.code }}{% endmacro %}\n",
        encoding="utf-8",
    )
    result = batch("people.csv", "--mail")
    assert result.exit_code == 1
    assert re.search(r"templates/marking.j2:1(:\d+)?: error: park@example.org: .*'nothing'", result.output), (
        result.output
    )
    assert "2 sent, 2 built, 1 failed" in result.output
    assert received(srv) == {"kim@example.org": 1, "lee@example.org": 1}
    (project / "templates" / "marking.j2").unlink()
    again = batch("people.csv", "--mail")
    assert again.exit_code == 0, again.output
    assert received(srv) == {"kim@example.org": 1, "lee@example.org": 1, "park@example.org": 1}


def test_eml_files_instead_of_mail(project: Path, srv: Server) -> None:
    result = batch("people.csv", "--eml", "outbox")
    assert result.exit_code == 0, result.output
    assert "3 written as .eml" in result.output
    files = sorted((project / "outbox").iterdir())
    assert [f.name for f in files] == [
        "0001-kim@example.org.eml",
        "0002-lee@example.org.eml",
        "0003-park@example.org.eml",
    ]
    assert str(parse(files[2].read_bytes())["To"]) == "박서연 <park@example.org>"
    assert not srv.handler.messages
    again = batch("people.csv", "--eml", "outbox")
    assert "3 done earlier" in again.output
    assert [f.stat().st_mtime_ns for f in files] == [f.stat().st_mtime_ns for f in sorted(files)]


def test_a_server_that_is_down_stops_the_batch_and_a_rerun_sends_everything(
    project: Path, srv: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("BRIEFGEN_SMTP_PORT", str(closed))
    result = batch("people.csv", "--mail")
    assert result.exit_code == 1
    assert "error: stopped: the mail server failed 3 times in a row" in result.output
    assert "connection refused" in result.output
    assert not srv.handler.messages
    monkeypatch.delenv("BRIEFGEN_SMTP_PORT")
    again = batch("people.csv", "--mail")
    assert again.exit_code == 0, again.output
    assert "3 sent, 3 from copies built earlier" in again.output
    assert received(srv) == {"kim@example.org": 1, "lee@example.org": 1, "park@example.org": 1}


def test_a_log_line_cut_short_by_a_crash_is_dropped(project: Path, srv: Server) -> None:
    assert batch("people.csv", "--mail", "-f", "pdf").exit_code == 0
    log = project / "output" / "batch" / "people" / "distribution.jsonl"
    whole = log.read_bytes()
    log.write_bytes(whole + b'{"event": "sending", "recipient": "kim@exa')
    result = batch("people.csv", "--mail")
    assert result.exit_code == 0, result.output
    assert log.read_bytes().startswith(whole)
    assert all(json.loads(line) for line in log.read_text("utf-8").splitlines())
    assert sum(received(srv).values()) == 3


def test_report_shows_who_got_what(project: Path, srv: Server) -> None:
    srv.handler.rcpt_replies["park@example.org"] = ["550 no"]
    batch("people.csv", "--mail")
    result = batch("people.csv", "--mail", "--report")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert re.match(r"\s+1  김민준 <kim@example.org>  ko  sent  \S+Z  <[^>]+>  250 2\.0\.0 queued$", lines[0])
    assert re.match(r"\s+2  Lee, Jisoo <lee@example.org>  en  sent ", lines[1])
    assert lines[2].endswith("3  박서연 <park@example.org>  ko  not sent  will be tried again")
    assert lines[-1] == "3 recipients: 2 sent, 1 not sent"


def test_copies_without_marking(project: Path, srv: Server) -> None:
    result = batch("people.csv", "--no-marking", "-f", "pdf", "-o", "plain")
    assert result.exit_code == 0, result.output
    assert not srv.handler.messages  # neither --mail nor --eml: copies only
    copy = project / "plain" / "copies" / "minimal.en.copy-0002.pdf"
    assert "Prepared for" not in pdftotext(copy)
    docx = Document(str(project / "plain" / "copies" / "minimal.ko.copy-0003.docx"))
    assert docx.core_properties.identifier == ""


def test_dry_run_lists_the_work_and_estimates_it_from_measured_costs(project: Path, srv: Server) -> None:
    first = batch("people.csv", "--dry-run", "--mail")
    assert first.exit_code == 0, first.output
    assert "dry run: nothing was built, written or sent" in first.output
    assert "recipients: 3 in people.csv: 3 to be built and sent" in first.output
    assert re.search(r"per copy: en pdf: \d+\.\d\d s \(measured now\)", first.output)
    assert not srv.handler.messages
    assert not (project / "output" / "batch" / "people" / "copies").exists()
    assert batch("people.csv", "--mail").exit_code == 0
    many = "name,email,language\n" + "".join(
        f"P{i},p{i}@example.org,{'ko' if i % 2 else 'en'}\n" for i in range(60)
    )
    (project / "people.csv").write_text(many, encoding="utf-8")
    later = batch("people.csv", "--dry-run", "--mail")
    assert "recipients: 60 in people.csv: 60 to be built and sent" in later.output
    costs = {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"per copy: (\w+ pdf): (\d+\.\d\d) s \(median of \d+ copies\)", later.output)
    }
    assert set(costs) == {"ko pdf", "en pdf"}
    estimated = re.search(
        r"estimated time with 2 workers: .* \(60 copies, (\d+\.\d) worker-minutes", later.output
    )
    assert estimated, later.output
    assert float(estimated.group(1)) == pytest.approx(
        (30 * costs["ko pdf"] + 30 * costs["en pdf"]) / 60, abs=0.06
    )
    assert "with 1 workers:" in later.output


def test_extra_columns_reach_the_mail_templates(project: Path, srv: Server) -> None:
    (project / "templates" / "mail").mkdir(parents=True)
    (project / "templates" / "mail" / "subject.txt.j2").write_text(
        "{{ meta.title }} for {{ recipient.extra['직함'] or recipient.name }} (copy {{ copy.copy }})",
        encoding="utf-8",
    )
    assert batch("people.csv", "--mail", "-f", "pdf").exit_code == 0
    subjects = sorted(str(parse(m.data)["Subject"]) for m in srv.handler.messages)
    assert [s.split(" for ")[1] for s in subjects] == ["VP (copy 2)", "박서연 (copy 3)", "상무 (copy 1)"]


def test_progress_tells_the_rate_and_the_time_left(
    project: Path, srv: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefgen.batch import command

    monkeypatch.setattr(command, "PROGRESS_EVERY", 0.0)  # a line for every copy (not the last)
    result = batch("people.csv", "--mail", "-f", "pdf")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("batch: ") and " of 3 " in line]
    assert [line.split(",")[0] for line in lines] == ["batch: 1 of 3 copies", "batch: 2 of 3 copies"]
    assert all(re.search(r"\d+\.\d per minute, about \d+ (s|min) left$", line) for line in lines), lines


def test_usage_errors(project: Path) -> None:
    assert "choose --mail or --eml, not both" in batch("people.csv", "--mail", "--eml", "x").output
    assert "--resend goes with --mail or --eml" in batch("people.csv", "--resend", "kim@example.org").output
    bad = batch("people.csv", "--executor", "spark://x")
    assert bad.exit_code == 2
    assert "unknown executor 'spark://x' (use local, dask-local or dask://HOST:PORT)" in bad.output
    gone = batch("people.csv", "--mail", "--resend", "nobody@example.org")
    assert gone.exit_code == 1
    assert "error: --resend nobody@example.org: not in the recipients file" in gone.output
