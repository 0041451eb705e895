"""``briefgen serve``: the page follows saves in a real browser, errors show in it, nothing else is served.

The server runs as a user starts it (``python -m briefgen serve --port 0``, a subprocess) on a copy of the
minimal project; the browser is Debian's headless Chromium, driven over the DevTools protocol
(tests/browser.py). Every server and browser stops at the end of its test, and every wait is bounded.
"""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from briefgen.errors import Diagnostic, Location
from briefgen.serve.preview import Edition
from briefgen.serve.server import error_page, with_reload
from tests.browser import BrowserUnavailable, Chromium
from tests.conftest import run

SECTION = Path("content/en/01-main.yaml")
UNKNOWN_FACT = "content/en/01-main.yaml:2:13: error: unknown fact 'no_such_fact'"
#: Run in the page before its own scripts: records what the Content-Security-Policy blocked.
RECORD_BLOCKED = (
    "window.blocked = []; document.addEventListener('securitypolicyviolation', "
    "e => window.blocked.push(e.violatedDirective + ' ' + e.blockedURI));"
)
HEADINGS = "Array.from(document.querySelectorAll('h2.section-title')).map(e => e.textContent).join(' | ')"
#: Generous: the target is 0.7 s (see bench/); this only catches a page that does not follow at all.
FOLLOWS_WITHIN = 5.0


@dataclass
class Served:
    """A running ``briefgen serve`` and what it printed."""

    process: subprocess.Popen[str]
    project: Path
    url: str
    port: int
    reader: threading.Thread
    lines: queue.Queue[str] = field(default_factory=queue.Queue)

    def edit(self, old: str, new: str) -> float:
        """Replace text in the section file, as an editor saves it; return when the save was done."""
        path = self.project / SECTION
        path.write_text(path.read_text("utf-8").replace(old, new, 1), "utf-8")
        return time.monotonic()


def _start(project: Path, log: Path, *options: str) -> Served:
    command = [sys.executable, "-m", "briefgen", "serve", "--project", str(project), "--port", "0", *options]
    stderr = log.open("w")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=project)
    stderr.close()
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        found = re.match(r"serving (http://127\.0\.0\.1:(\d+)/)", line)
        if found:
            return Served(process, project, found[1], int(found[2]), reader, lines)
    _stop(process, reader)
    raise AssertionError(f"briefgen serve did not start: {log.read_text()}")


def _stop(process: subprocess.Popen[str], reader: threading.Thread) -> int:
    """Stop a server as Ctrl-C does (kill it if it does not stop in 10 s), and return its exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    reader.join(timeout=10)  # it has read everything the server printed
    if process.stdout is not None and not reader.is_alive():
        process.stdout.close()
    return process.returncode


@pytest.fixture
def served(minimal: Path, tmp_path: Path) -> Iterator[Served]:
    """``briefgen serve --lang en --port 0`` on a copy of the minimal project."""
    server = _start(minimal, tmp_path / "serve.err", "--lang", "en")
    try:
        yield server
    finally:
        _stop(server.process, server.reader)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Chromium]:
    try:
        chromium = Chromium(tmp_path / "chromium-profile")
    except BrowserUnavailable as exc:
        pytest.skip(f"no browser test: {exc}")
    try:
        yield chromium
    finally:
        chromium.close()


def get(
    served: Served, path: str, *, host: str | None = None, method: str = "GET", timeout: float = 60
) -> tuple[int, dict[str, str], bytes]:
    """Send one request exactly as given (no path normalising) and return status, headers and body."""
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=timeout)
    try:
        connection.putrequest(method, path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{served.port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def wait_page(served: Served, wanted: str, timeout: float = 10) -> tuple[int, str]:
    """Ask for the page until it holds ``wanted``; return its status and text."""
    deadline = time.monotonic() + timeout
    while True:
        status, _headers, body = get(served, "/")
        text = body.decode("utf-8")
        if wanted in text:
            return status, text
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout} s the page still lacks {wanted!r}:\n{text[:2000]}")
        time.sleep(0.02)


# ---------------------------------------------------------------- in a browser


def test_the_page_follows_saves_in_a_browser(served: Served, browser: Chromium) -> None:
    page = browser.open(served.url, before_load=RECORD_BLOCKED)
    page.wait_for(HEADINGS, lambda text: bool(text) and "Main" in text, timeout=30)
    assert page.evaluate("window.blocked") == []  # the policy lets the page and its script be

    took = []
    for n in range(1, 4):
        saved = served.edit("title: Main" if n == 1 else f"title: Renamed {n - 1}", f"title: Renamed {n}")
        wanted = f"Renamed {n}"
        page.wait_for(HEADINGS, lambda text: wanted in (text or ""), timeout=2 * FOLLOWS_WITHIN)  # noqa: B023
        took.append(time.monotonic() - saved)
    print(
        f"\nsave to screen (browser, minimal project): {', '.join(f'{t * 1000:.0f} ms' for t in took)}; "
        f"median {statistics.median(took) * 1000:.0f} ms"
    )
    assert max(took) < FOLLOWS_WITHIN

    served.edit("title: Renamed 3", "title: Main {no_such_fact}")
    shown = page.wait_for(
        "document.body.innerText", lambda text: UNKNOWN_FACT in (text or ""), timeout=2 * FOLLOWS_WITHIN
    )
    assert "did not build" in shown

    served.edit("title: Main {no_such_fact}", "title: Main again")
    headings = page.wait_for(HEADINGS, lambda text: "Main again" in (text or ""), timeout=2 * FOLLOWS_WITHIN)
    assert headings.startswith("Main again") or "Main again" in headings
    assert "did not build" not in page.evaluate("document.body.innerText")
    assert page.evaluate("window.blocked") == []


# ---------------------------------------------------------------- over HTTP


def test_the_page_is_the_html_build_with_a_reload_script(served: Served) -> None:
    status, headers, body = get(served, "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    page = body.decode("utf-8")
    assert re.search(r'<h2 class="section-title"[^>]*>.*Main</h2>', page)
    nonce = re.search(r'<script nonce="([^"]+)">', page)
    assert nonce and page.count("<script") == 1 and page.index("<script") < page.rindex("</body>")
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and f"script-src 'nonce-{nonce[1]}'" in policy
    assert "http" not in policy  # nothing remote may load
    assert headers["x-content-type-options"] == "nosniff"


def test_a_save_sends_a_build_event_and_the_page_changes(served: Served) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    try:
        connection.request("GET", "/events")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type", "").startswith("text/event-stream")

        def next_build() -> str:
            while True:
                line = response.fp.readline().decode()
                assert line, "the event stream ended"
                if line.startswith("data: "):
                    return line[6:].strip()

        first = next_build()
        saved = served.edit("title: Main", "title: Changed over HTTP")
        second = next_build()
        took = time.monotonic() - saved
    finally:
        connection.close()
    assert second != first and second.split("-")[0] == first.split("-")[0]
    status, _page = wait_page(served, "Changed over HTTP", timeout=5)
    print(f"\nsave to build event (no browser): {took * 1000:.0f} ms")
    assert status == 200 and took < FOLLOWS_WITHIN


def test_errors_show_in_the_page_until_the_next_good_save(served: Served) -> None:
    served.edit("title: Main", "title: Main {no_such_fact}")
    status, page = wait_page(served, "unknown fact")
    assert status == 500
    assert UNKNOWN_FACT.replace("'", "&#x27;") in page
    assert "<script nonce=" in page  # it reloads itself when fixed
    served.edit("title: Main {no_such_fact}", "title: Main")
    status, page = wait_page(served, 'class="section-title"')
    assert status == 200


def test_a_templates_folder_that_appears_is_watched(served: Served) -> None:
    templates = served.project / "templates"
    templates.mkdir()
    page_template = templates / "brief.html.j2"
    page_template.write_text('{% extends "base.html.j2" %}{% block toc %}<p>Our part one</p>{% endblock %}\n')
    wait_page(served, "Our part one")
    time.sleep(0.5)  # let the folder watcher start again on the new set of folders
    page_template.write_text('{% extends "base.html.j2" %}{% block toc %}<p>Our part two</p>{% endblock %}\n')
    wait_page(served, "Our part two")
    page_template.write_text('{% extends "base.html.j2" %}{% block toc %}{% if %}{% endblock %}\n')
    status, _page = wait_page(served, "templates/brief.html.j2:1: error: template syntax error")
    assert status == 500


@pytest.mark.slow
def test_the_pdf_is_printed_when_asked_for_and_kept(served: Served) -> None:
    status, headers, pdf = get(served, "/brief.pdf")
    assert status == 200, pdf[:2000]
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"] == 'inline; filename="minimal.en.pdf"'
    assert pdf.startswith(b"%PDF-")
    assert get(served, "/brief.pdf")[2] == pdf  # kept, not printed again
    served.edit("title: Main", "title: Main {no_such_fact}")
    wait_page(served, "unknown fact")
    status, _headers, page = get(served, "/brief.pdf")
    assert status == 500 and b"unknown fact" in page


def test_only_the_preview_and_the_pages_pictures_are_served(served: Served) -> None:
    assets = served.project / "assets"
    assets.mkdir()
    (assets / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (assets / "passwd.png").symlink_to("/etc/passwd")
    status, headers, body = get(served, "/assets/logo.png")
    assert (status, headers["content-type"], body) == (200, "image/png", b"\x89PNG\r\n\x1a\n")
    for path in [
        "/../../etc/passwd",
        "/templates/../briefgen.yaml",
        "/content/../briefgen.yaml",
        "/content/%2e%2e/briefgen.yaml",
        "/assets/..%2f..%2f..%2fetc/passwd",
        "/briefgen.yaml",
        "/content/en/01-main.yaml",
        "/content/facts.yaml",
        "/assets/passwd.png",
        "/assets/",
        "/assets/logo.png%00.png",
        "//etc/passwd",
        "/etc/passwd",
        "/output/minimal.en.pdf",
    ]:
        status, _headers, body = get(served, path)
        assert status == 404, path
        assert b"root:" not in body and b"brief:" not in body
    assert get(served, "/", host="attacker.example")[0] == 421  # DNS rebinding
    assert get(served, "/", method="POST")[0] == 501


def test_ctrl_c_stops_the_server_even_with_a_page_open(served: Served) -> None:
    stream = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    try:
        stream.sendall(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n\r\n".encode())
        received = b""
        while b"event: build" not in received:  # the stream is open: the page is following
            chunk = stream.recv(4096)
            assert chunk, received
            received += chunk
        assert _stop(served.process, served.reader) == 0
    finally:
        stream.close()
    printed = []
    while not served.lines.empty():
        printed.append(served.lines.get())
    assert printed[-1] == "stopped"


def test_the_server_listens_on_loopback_only(served: Served) -> None:
    listening = _listening(served.port)
    if listening is None:
        pytest.skip("no /proc/net/tcp here to read the listening address from")
    assert listening == ["127.0.0.1"]


def _listening(port: int) -> list[str] | None:
    """Return the addresses listening on a TCP port, from Linux's socket tables; None if unreadable."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            return None
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(socket.inet_ntoa(bytes.fromhex(address)[::-1]) if len(address) == 8 else address)
    return found


# ---------------------------------------------------------------- the command line


def test_serve_outside_a_project_says_so(tmp_path: Path) -> None:
    result = run("serve", "--project", str(tmp_path))
    assert result.exit_code == 1
    assert "error: no briefgen.yaml here" in result.output


def test_serve_on_a_busy_port_says_so(minimal: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--project", str(minimal), "--port", str(port))
    assert result.exit_code == 1
    assert f"error: cannot listen on 127.0.0.1:{port}" in result.output
    assert "--port 0 for any free port" in result.output


# ---------------------------------------------------------------- the pages, as text


def test_the_error_page_escapes_what_it_shows() -> None:
    bad = Diagnostic("bad <script>alert(1)</script>", Location("content/x.yaml", 4, 2), 'say "no" & mean it')
    edition = Edition(3, None, errors=(bad,))
    page = error_page(edition)
    assert "<script>alert" not in page
    assert "content/x.yaml:4:2: error: bad &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "(say &quot;no&quot; &amp; mean it)" in page


def test_the_reload_script_goes_before_the_last_body_end() -> None:
    page = with_reload("<html><body><p>x</p></BODY ></html>", "abc-2", "n0nce")
    assert page.index('<script nonce="n0nce">') < page.index("</BODY >")
    assert 'var shown = "abc-2";' in page
    assert with_reload("<p>no body</p>", "abc-1", "n").startswith("<p>no body</p><script")


def test_serve_help_names_the_port_default() -> None:
    result = run("serve", "--help")
    assert result.exit_code == 0 and "[default: 8000" in result.output


if os.environ.get("BRIEFGEN_SERVE_SCREENSHOT"):  # pragma: no cover - a picture for a person to look at

    def test_screenshot(served: Served, browser: Chromium) -> None:
        import base64

        page = browser.open(served.url)
        page.wait_for(HEADINGS, bool, timeout=30)
        shot = browser.send("Page.captureScreenshot", {"format": "png"}, page.session)["data"]
        Path(os.environ["BRIEFGEN_SERVE_SCREENSHOT"]).write_bytes(base64.b64decode(shot))
