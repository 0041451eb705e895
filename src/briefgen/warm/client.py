"""Find a project's warm process and have it build; start, ask about or stop one."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefgen import errors
from briefgen.warm.location import peer_uid, socket_path
from briefgen.warm.protocol import BuildRequest, ProtocolError, diagnostic, receive, send

if TYPE_CHECKING:
    from briefgen.build import BuildResult

#: Error kinds a warm process may answer with, raised again here as a cold build would raise them.
_ERRORS: dict[str, type[errors.BriefgenError]] = {
    cls.__name__: cls
    for cls in (errors.ContentError, errors.TemplateError, errors.RenderError, errors.OutputError)
}


def policy() -> str:
    """Return BRIEFGEN_WARM: "off" (no warm builds), "on" (start a warm process on demand) or "auto"."""
    value = os.environ.get("BRIEFGEN_WARM", "auto").strip().lower()
    if value in ("0", "off", "no", "false"):
        return "off"
    if value in ("1", "on", "yes", "true"):
        return "on"
    return "auto"


def wanted() -> bool:
    """Tell whether a build should start a warm process when there is none: BRIEFGEN_WARM=on, or (auto) when
    it runs in a terminal and not on a CI server."""
    choice = policy()
    if choice == "auto":
        return sys.stderr.isatty() and not os.environ.get("CI")
    return choice == "on"


def connect(project: Path, timeout: float | None = None) -> socket.socket | None:
    """Connect to the project's warm process; None if there is none, or it is not this user's."""
    path = socket_path(project)
    if path is None or not path.exists():
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
        if peer_uid(sock) != os.getuid():
            raise ConnectionRefusedError("another user's process")
    except OSError:
        sock.close()
        return None
    return sock


def ask(project: Path, message: dict[str, Any], timeout: float | None = None) -> dict[str, Any] | None:
    """Send one message to the project's warm process and return its answer; None if there is no answer."""
    sock = connect(project, timeout)
    if sock is None:
        return None
    with sock:
        try:
            send(sock, message)
            return receive(sock)
        except (ProtocolError, OSError):
            return None


def build(request: BuildRequest) -> BuildResult | None:
    """Have the project's warm process build; None when there is none, or it cannot: then build cold.

    Raises the error a cold build would raise (content, template, render, output), with the same messages.
    """
    from briefgen.build import BuildResult
    from briefgen.warm.server import request_environment, world

    if policy() == "off":
        return None
    umask = os.umask(0)
    os.umask(umask)
    answer = ask(
        request.project,
        {
            "op": "build",
            "world": world(),
            "environment": request_environment(),
            "umask": umask,
            **request.message(),
        },
    )
    if answer is None:
        return None
    if answer.get("status") == "error" and answer.get("kind") in _ERRORS:
        error = _ERRORS[answer["kind"]]("", diagnostics=[diagnostic(d) for d in answer["diagnostics"]])
        if answer.get("crashes"):
            error.crashes = list(answer["crashes"])  # type: ignore[attr-defined]
        raise error
    if answer.get("status") != "done":
        return None  # stale (briefgen, the environment or fonts changed), refused or failed: build cold
    return BuildResult(
        written=[Path(p) for p in answer["written"]],
        warnings=[diagnostic(d) for d in answer["warnings"]],
        skipped=[Path(p) for p in answer["skipped"]],
        failed=[(name, [diagnostic(d) for d in problems]) for name, problems in answer["failed"]],
        crashes=list(answer["crashes"]),
        outputs_of={diagnostic(d): list(names) for d, names in answer.get("outputs_of", [])},
    )


def start(project: Path, wait: float = 0.0) -> dict[str, Any] | None:
    """Start the project's warm process unless one runs; with ``wait``, return its status once it answers.

    It runs in a session of its own, detached from the terminal, with this process's environment.
    """
    if socket_path(project) is None:
        return None
    status = ask(project, {"op": "status"}, timeout=None if wait else 0.5) if wait else None
    if status is None:
        subprocess.Popen(
            [sys.executable, "-m", "briefgen.warm.server", str(project.resolve())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
            cwd=project.resolve(),
        )
    deadline = time.monotonic() + wait
    while status is None and time.monotonic() < deadline:
        time.sleep(0.05)
        with contextlib.suppress(OSError):
            status = ask(project, {"op": "status"}, timeout=max(0.1, deadline - time.monotonic()))
    return status


def stop(project: Path) -> bool:
    """Stop the project's warm process; return whether there was one."""
    return ask(project, {"op": "stop"}, timeout=10) is not None
