"""The preview's HTTP server: loopback only, serving the page, its PDF, rebuild events and nothing else.

``/``           the page as the html format builds it, with a small live-reload script added
``/brief.pdf``  the PDF of the same edition, printed when first asked for and kept until the next rebuild
``/events``     Server-Sent Events: the current build's id on connecting, then each new one
``/templates/…``, ``/content/…``, ``/assets/…``
                images, stylesheets and fonts a page refers to (an audience's logo), after full path
                resolution, only from inside those folders of the project

A failed build is shown as a page listing the errors like the command line does (status 500, with the same
script, so the next good save shows the briefing again). Requests whose ``Host`` is not this server's are
refused, so that a web page cannot reach the preview through DNS rebinding.
"""

from __future__ import annotations

import contextlib
import html
import mimetypes
import re
import secrets
import stat
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from briefgen.errors import BriefgenError
from briefgen.serve.preview import PROJECT_FOLDERS, Edition, Preview

HOST = "127.0.0.1"
EVENTS = "/events"
PDF = "/brief.pdf"
#: Seconds between comments on an idle event stream, so that a closed browser tab is noticed.
KEEPALIVE_SECONDS = 15.0
#: Largest project file served, in bytes (as for the PDF renderer's resources).
MAX_FILE_BYTES = 20 * 1024 * 1024
#: What a page may load from the project: pictures, stylesheets and fonts; never content or templates' text.
SERVED_SUFFIXES = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".avif",
        ".svg",
        ".ico",
        ".css",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
    }
)
#: The page loads nothing from elsewhere: its pictures are data: URIs or files of the project, and its one
#: script (the live reload) carries this response's nonce.
POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; connect-src 'self'; script-src 'nonce-{nonce}'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)

_RELOAD_SCRIPT = """<script nonce="{nonce}">
(function () {{
  var shown = "{build}";
  var events = new EventSource("{events}");
  events.addEventListener("build", function (event) {{
    if (event.data !== shown) {{ events.close(); location.reload(); }}
  }});
}})();
</script>
"""

_ERROR_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }}
h1 {{ font-size: 1.4rem; color: #b3261e; }}
pre {{ background: #fdf3f2; border-left: 4px solid #b3261e; padding: 0.8rem 1rem; white-space: pre-wrap; }}
pre.trace {{ background: #f4f4f4; border-color: #888; font-size: 0.85rem; }}
</style>
</head>
<body class="briefgen-errors">
<h1>{title}</h1>
<p>Fix the files named below and save: this page shows the briefing again by itself.</p>
<pre class="diagnostics">{diagnostics}</pre>
{trace}</body>
</html>
"""


class ServeError(BriefgenError):
    """The preview server could not start."""

    stage = "serve"


def error_page(edition: Edition) -> str:
    """Return an HTML page listing a failed build's errors, one per line as the command line prints them."""
    errors = sum(d.severity == "error" for d in edition.errors)
    title = "briefgen: the briefing did not build" + (f" ({errors} errors)" if errors > 1 else "")
    lines = "\n".join(html.escape(str(d)) for d in edition.errors)
    trace = f'<pre class="trace">{html.escape(edition.trace)}</pre>\n' if edition.trace else ""
    return _ERROR_PAGE.format(title=html.escape(title), diagnostics=lines, trace=trace)


def with_reload(page: str, build: str, nonce: str) -> str:
    """Add the live-reload script before the page's last ``</body>`` (or at its end)."""
    script = _RELOAD_SCRIPT.format(nonce=nonce, build=build, events=EVENTS)
    ends = list(_BODY_END.finditer(page))
    if not ends:
        return page + script
    at = ends[-1].start()
    return page[:at] + script + page[at:]


class PreviewServer(ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1 showing one preview."""

    daemon_threads = True  # an open event stream must not keep the process alive after Ctrl-C

    def __init__(self, preview: Preview, port: int, log: Callable[[str], None] | None = None) -> None:
        try:
            super().__init__((HOST, port), PreviewHandler)
        except OSError as exc:
            hint = "choose another with --port, or --port 0 for any free port"
            raise ServeError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}", None, hint) from None
        self.preview = preview
        self.log = log  # told about each request (--debug); None: quiet
        self.stopping = threading.Event()
        # a new id for each server: a page left open across a restart reloads on reconnecting
        self.instance = secrets.token_hex(4)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def build_id(self, edition: Edition) -> str:
        return f"{self.instance}-{edition.generation}"

    def stop(self) -> None:
        """End the event streams and close the socket (``serve_forever`` has returned or was interrupted)."""
        self.stopping.set()
        self.preview.close()
        self.server_close()


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "briefgen"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.log is not None:
            self.server.log(format % args)

    def _answer(self, head: bool) -> None:
        if not self._host_allowed():
            self._text(
                HTTPStatus.MISDIRECTED_REQUEST, "this server answers to 127.0.0.1 and localhost only", head
            )
            return
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self._page(head)
        elif path == PDF:
            self._pdf(head)
        elif path == EVENTS:
            self._events(head)
        elif path.lstrip("/").split("/", 1)[0] in PROJECT_FOLDERS:
            self._project_file(path, head)
        else:
            self._text(HTTPStatus.NOT_FOUND, "not found: the preview serves /, /brief.pdf and /events", head)

    def _host_allowed(self) -> bool:
        host = self.headers.get("Host")
        if host is None:
            return True  # HTTP/1.0 without Host: not a browser, so not DNS rebinding
        allowed = {HOST, "localhost", f"{HOST}:{self.server.port}", f"localhost:{self.server.port}"}
        return host.strip().lower() in allowed

    # ------------------------------------------------------------ the answers

    def _page(self, head: bool) -> None:
        edition = self.server.preview.edition
        if edition.ok:
            assert edition.html is not None
            self._html(HTTPStatus.OK, edition.html, edition, head)
        else:
            self._html(HTTPStatus.INTERNAL_SERVER_ERROR, error_page(edition), edition, head)

    def _pdf(self, head: bool) -> None:
        preview = self.server.preview
        edition, data = preview.pdf()
        if data is None:
            self._html(HTTPStatus.INTERNAL_SERVER_ERROR, error_page(edition), preview.edition, head)
            return
        self._send(
            HTTPStatus.OK,
            "application/pdf",
            data,
            head,
            {"Content-Disposition": f'inline; filename="{edition.pdf_name}"'},
        )

    def _events(self, head: bool) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if head:
            return
        preview = self.server.preview
        seen = -1
        try:
            self.wfile.write(b"retry: 500\n\n")  # reconnect quickly when the server comes back
            while not self.server.stopping.is_set():
                edition = preview.wait(seen, KEEPALIVE_SECONDS)
                if self.server.stopping.is_set():
                    break
                if edition.generation != seen:
                    seen = edition.generation
                    self.wfile.write(f"event: build\ndata: {self.server.build_id(edition)}\n\n".encode())
                else:
                    self.wfile.write(b": waiting\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the page closed or reloaded
        self.close_connection = True

    def _project_file(self, path: str, head: bool) -> None:
        """Serve a picture, stylesheet or font of the project's content, templates or assets folders."""
        root = self.server.preview.root.resolve()
        relative = unquote(path).lstrip("/")
        refused = "\x00" in relative or "\\" in relative
        target = root
        if not refused:
            try:
                target = (root / relative).resolve(strict=True)
            except (OSError, RuntimeError):
                refused = True
        inside = any(target.is_relative_to((root / folder).resolve()) for folder in PROJECT_FOLDERS)
        if refused or not inside or target.suffix.lower() not in SERVED_SUFFIXES:
            self._text(HTTPStatus.NOT_FOUND, "not found", head)
            return
        info = target.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            self._text(HTTPStatus.NOT_FOUND, "not found", head)
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._send(
            HTTPStatus.OK,
            kind,
            target.read_bytes(),
            head,
            {"Content-Security-Policy": POLICY.format(nonce=secrets.token_urlsafe(16))},
        )

    # ------------------------------------------------------------ writing

    def _html(self, status: HTTPStatus, page: str, edition: Edition, head: bool) -> None:
        nonce = secrets.token_urlsafe(16)
        body = with_reload(page, self.server.build_id(edition), nonce).encode("utf-8")
        self._send(
            status,
            "text/html; charset=utf-8",
            body,
            head,
            {"Content-Security-Policy": POLICY.format(nonce=nonce)},
        )

    def _text(self, status: HTTPStatus, message: str, head: bool) -> None:
        self._send(
            status,
            "text/plain; charset=utf-8",
            (message + "\n").encode("utf-8"),
            head,
            {"Content-Security-Policy": "default-src 'none'"},
        )

    def _send(self, status: HTTPStatus, kind: str, body: bytes, head: bool, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the page went away
                self.wfile.write(body)
