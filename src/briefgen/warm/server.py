"""The warm process: listen on the project's socket, build what ``briefgen build`` asks, exit when idle.

Run as ``python -m briefgen.warm.server PROJECT`` (``briefgen warm`` and ``briefgen build`` start it so,
in a session of its own); ``briefgen serve`` runs a WarmServer in a thread of its own process.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from briefgen.errors import BriefgenError
from briefgen.warm.backend import WarmBackend
from briefgen.warm.location import peer_uid, socket_path
from briefgen.warm.protocol import BuildRequest, ProtocolError, diagnostic_data, receive, send

#: Environment variables a build reads that may differ from one build to the next: each build brings them.
REQUEST_VARIABLES = (
    "BRIEFGEN_RENDER_TIMEOUT",
    "BRIEFGEN_RENDER_MEMORY_MB",
    "BRIEFGEN_LOCK_TIMEOUT",
    "SOURCE_DATE_EPOCH",
)
#: Environment variables that can change what a build finds or makes (programs, libraries, fonts, caches,
#: locale): a warm process answers only builds whose values are its own.
WORLD_VARIABLES = (
    "PATH",
    "LD_LIBRARY_PATH",
    "HOME",
    "TMPDIR",
    "TZ",
    "LANG",
    "PYTHONPATH",
    "PYTHONHASHSEED",
    "MPLCONFIGDIR",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_DATA_DIRS",
)
WORLD_PREFIXES = ("LC_", "FONTCONFIG_")
#: Seconds a warm process waits for a build before it exits; BRIEFGEN_WARM_IDLE overrides it.
DEFAULT_IDLE = 600.0


def world() -> dict[str, Any]:
    """Return what a build and the warm process answering it must share: briefgen's code, the Python that
    runs it, the environment that can change a document, and the state of the installed fonts."""
    from briefgen import __version__, fonts, plan

    environment = {
        name: value
        for name, value in os.environ.items()
        if name in WORLD_VARIABLES or name.startswith(WORLD_PREFIXES)
    }
    return {
        "version": __version__,
        "code": plan.code_state(),
        "python": sys.executable,
        "environment": dict(sorted(environment.items())),
        "fonts": fonts.font_state(""),
    }


def request_environment() -> dict[str, str]:
    """Return the build's own variables, as a build sends them."""
    return {name: os.environ[name] for name in REQUEST_VARIABLES if name in os.environ}


def idle_seconds() -> float:
    try:
        return float(os.environ.get("BRIEFGEN_WARM_IDLE", DEFAULT_IDLE))
    except ValueError:
        return DEFAULT_IDLE


@contextlib.contextmanager
def _applied(variables: dict[str, str], umask: int) -> Iterator[None]:
    """Build with the client's own variables and umask (the files it writes get its permissions)."""
    saved = {name: os.environ.get(name) for name in REQUEST_VARIABLES}
    previous = os.umask(umask & 0o777)
    try:
        for name in REQUEST_VARIABLES:
            if name in variables:
                os.environ[name] = str(variables[name])
            else:
                os.environ.pop(name, None)
        yield
    finally:
        os.umask(previous)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _settle() -> None:
    """Between builds, once the answer is sent: collect the garbage of the last build, then exempt what is
    left (modules, fonts, the loaded project) from the collections that the next build's layout triggers.

    A collection of the oldest generation walks every object the process holds; with them frozen it walks
    the objects of the build only (docs/benchmarks.md: a warm Korean PDF 1.28 s -> 1.23 s). Everything is
    unfrozen and collected again after each build, so nothing is kept that a build let go of.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class WarmServer:
    """Answer the builds of one project for this user, one at a time, on the project's socket."""

    def __init__(self, project: Path, lock: threading.Lock | None = None) -> None:
        self.project = project.resolve()
        self.path = socket_path(self.project)
        self.backend = WarmBackend()
        self.world = world()
        self.started = time.time()
        self.builds = 0
        self._lock = lock or threading.Lock()  # serve shares its rendering lock
        self._sock: socket.socket | None = None
        self._lockfile: int | None = None
        self._inode: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ the socket

    def bind(self) -> bool:
        """Take the project's socket; False when another warm process has it, or warm builds cannot be."""
        if self.path is None:
            return False
        fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lockfile = fd
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by a process that died: the lock says nobody uses it
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        previous = os.umask(0o077)
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(previous)
        os.chmod(self.path, 0o600)
        sock.listen(16)
        self._inode = os.stat(self.path).st_ino
        self._sock = sock
        return True

    def close(self) -> None:
        """Give the socket up: remove it (if it is still this process's), release the lock."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            with contextlib.suppress(OSError):
                if self.path is not None and os.stat(self.path).st_ino == self._inode:
                    self.path.unlink()
        if self._lockfile is not None:
            os.close(self._lockfile)
            self._lockfile = None

    def stop(self) -> None:
        self._stop.set()

    def start_thread(self) -> None:
        """Answer builds in a thread of this process (``briefgen serve``) until ``shutdown``."""

        def run() -> None:
            try:
                self.serve(float("inf"))
            finally:
                self.close()

        self._thread = threading.Thread(target=run, name="briefgen-warm-builds", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        """Stop the thread answering builds, and wait for it to give the socket up."""
        self.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)

    # ------------------------------------------------------------ serving

    def warm_up(self) -> None:
        """Import what builds use and load the project, so that the first build is warm too."""
        from briefgen import fonts
        from briefgen.build import load_project  # noqa: F401
        from briefgen.context import build_context  # noqa: F401
        from briefgen.renderers import html, pdf  # noqa: F401
        from briefgen.renderers.base import Setup
        from briefgen.renderers.docx import DocxRenderer  # noqa: F401
        from briefgen.renderers.printing import print_pdf

        try:
            loaded = self.backend.load(self.project, [])  # what a build of the default language reads
        except BriefgenError:
            return  # the first build reports what is wrong
        languages = loaded.brief.config.languages
        families = dict.fromkeys(family for lang in languages for family in fonts.stack_for(lang))
        stack = ", ".join(f'"{family}"' for family in families)
        page = f'<html><body style="font-family: {stack}, sans-serif"><p>가 あ 中 a <b>b</b> <i>c</i></p>'
        with contextlib.suppress(Exception):
            print_pdf(page, Setup(self.project, [], []), "", font_config=self.backend.font_config())
        _settle()

    def serve(self, idle: float) -> None:
        """Answer builds until none came for ``idle`` seconds, or until stopped."""
        assert self._sock is not None
        self._sock.settimeout(0.5)
        last = time.monotonic()
        while not self._stop.is_set() and time.monotonic() - last <= idle:
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            with conn:
                built = self._answer(conn) == "build"
            if built:  # only a build keeps the process from being idle
                last = time.monotonic()
                _settle()
            if self.backend.tainted:
                break

    def _answer(self, conn: socket.socket) -> str | None:
        """Answer one request; return what it asked for."""
        conn.settimeout(30)
        operation = None
        try:
            if peer_uid(conn) != os.getuid():
                return None  # never another user's builds
            request = receive(conn)
            operation = request.get("op")
            if operation == "status":
                send(conn, self.status())
            elif operation == "stop":
                self.stop()
                send(conn, {"status": "stopping"})
            elif operation == "build":
                conn.settimeout(None)
                send(conn, self._build(request))
            else:
                send(conn, {"status": "refused", "why": f"unknown operation {operation!r}"})
        except (ProtocolError, OSError):
            pass
        return str(operation) if operation else None

    def status(self) -> dict[str, Any]:
        return {
            "status": "ready",
            "pid": os.getpid(),
            "project": str(self.project),
            "since": self.started,
            "builds": self.builds,
            "frozen_objects": gc.get_freeze_count(),  # kept out of the collections a build triggers
        }

    def _build(self, request: dict[str, Any]) -> dict[str, Any]:
        from briefgen.build import build

        if request.get("world") != self.world:
            self.stop()  # briefgen, the environment or the fonts changed: a new process will be needed
            return {"status": "stale"}
        try:
            asked = BuildRequest.read(request)
            if asked.project.resolve() != self.project:
                return {"status": "refused", "why": "another project"}
            with self._lock, _applied(dict(request.get("environment", {})), int(request["umask"])):
                result = build(**asked.arguments(), backend=self.backend)
        except BriefgenError as exc:
            self.builds += 1
            return {
                "status": "error",
                "kind": type(exc).__name__,
                "diagnostics": [diagnostic_data(d) for d in exc.diagnostics],
                "crashes": list(getattr(exc, "crashes", [])),
            }
        except Exception as exc:  # a bug, or a request it cannot read: the build runs cold and says why
            self.backend.tainted = True
            return {"status": "failed", "why": f"{type(exc).__name__}: {exc}"}
        self.builds += 1
        return {
            "status": "done",
            "written": [str(p) for p in result.written],
            "skipped": [str(p) for p in result.skipped],
            "warnings": [diagnostic_data(d) for d in result.warnings],
            "failed": [[name, [diagnostic_data(d) for d in problems]] for name, problems in result.failed],
            "crashes": result.crashes,
            "outputs_of": [[diagnostic_data(d), names] for d, names in result.outputs_of.items()],
        }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m briefgen.warm.server PROJECT", file=sys.stderr)
        return 2
    server = WarmServer(Path(args[0]))
    if not server.bind():
        return 0  # another warm process serves this project already
    signal.signal(signal.SIGTERM, lambda signum, frame: server.stop())
    try:
        server.warm_up()
        server.serve(idle_seconds())
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
