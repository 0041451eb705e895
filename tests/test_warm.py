"""Warm builds: served by a process that stays warm, byte for byte what a cold build writes, and safe."""

from __future__ import annotations

import os
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefgen.warm import client
from briefgen.warm.location import runtime_folder, socket_path
from briefgen.warm.protocol import receive, send
from tests.test_build import briefgen, edit

COLD = {"BRIEFGEN_WARM": "off"}


def served_builds(project: Path) -> int | None:
    """Return how many builds the project's warm process has served; None when there is none."""
    answer = client.ask(project, {"op": "status"}, timeout=30)
    return None if answer is None else int(answer["builds"])


def gone(project: Path, within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if served_builds(project) is None:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def warm(minimal: Path) -> Iterator[Path]:
    """A warm process for the minimal project, stopped afterwards."""
    done = briefgen("warm", "--project", str(minimal))
    assert done.returncode == 0, done.stderr
    assert "ready (pid " in done.stdout
    try:
        yield minimal
    finally:
        client.stop(minimal)
        assert gone(minimal)


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
def test_a_warm_build_writes_what_a_cold_build_writes(warm: Path, tmp_path: Path, fmt: str) -> None:
    cold = briefgen("build", "-p", str(warm), "-f", fmt, "-o", str(tmp_path / "cold"), env=COLD)
    assert cold.returncode == 0, cold.stderr
    before = served_builds(warm)
    hot = briefgen("build", "-p", str(warm), "-f", fmt, "-o", str(tmp_path / "warm"))
    assert hot.returncode == 0, hot.stderr
    assert served_builds(warm) == (before or 0) + 1
    assert hot.stdout == cold.stdout.replace("/cold/", "/warm/") and hot.stderr == cold.stderr
    name = f"minimal.ko.{fmt}"
    assert (tmp_path / "warm" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()
    again = briefgen("build", "-p", str(warm), "-f", fmt, "-o", str(tmp_path / "warm"))
    assert again.stdout == f"up to date: {tmp_path / 'warm' / name}\n"


def test_a_warm_build_follows_edits_and_several_outputs_build_too(warm: Path, tmp_path: Path) -> None:
    args = ["build", "-p", str(warm), "-l", "ko", "-l", "en", "-f", "pdf", "-f", "html"]
    assert briefgen(*args, "-o", str(tmp_path / "warm")).returncode == 0
    edit(warm / "content" / "ko" / "01-main.yaml", "요점이다.", "새 요점이다.")
    hot = briefgen(*args, "-o", str(tmp_path / "warm"))
    assert hot.returncode == 0, hot.stderr
    assert sorted(hot.stdout.splitlines()) == sorted(
        [f"wrote {tmp_path / 'warm' / 'minimal.ko.pdf'}", f"wrote {tmp_path / 'warm' / 'minimal.ko.html'}"]
        + [f"up to date: {tmp_path / 'warm' / name}" for name in ("minimal.en.pdf", "minimal.en.html")]
    )
    assert "새 요점이다." in (tmp_path / "warm" / "minimal.ko.html").read_text("utf-8")
    assert briefgen(*args, "-o", str(tmp_path / "cold"), env=COLD).returncode == 0
    for name in ("minimal.ko.pdf", "minimal.ko.html", "minimal.en.pdf"):
        assert (tmp_path / "warm" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes(), name
    assert served_builds(warm) == 2


def test_errors_read_the_same_from_a_warm_build(warm: Path) -> None:
    edit(warm / "content" / "ko" / "01-main.yaml", "title:", "titel:")
    cold = briefgen("build", "-p", str(warm), env=COLD)
    hot = briefgen("build", "-p", str(warm))
    assert cold.returncode == hot.returncode == 1
    assert hot.stderr == cold.stderr and "unknown field 'titel'" in hot.stderr
    assert served_builds(warm) == 1


def test_the_socket_is_the_users_alone(warm: Path) -> None:
    path = socket_path(warm)
    assert path is not None and path.exists()
    folder = os.lstat(path.parent)
    assert stat.S_ISDIR(folder.st_mode) and stat.S_IMODE(folder.st_mode) == 0o700
    assert folder.st_uid == os.getuid()
    assert stat.S_ISSOCK(os.lstat(path).st_mode) and stat.S_IMODE(os.lstat(path).st_mode) == 0o600


def test_a_runtime_folder_others_can_enter_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "runtime"
    (runtime / "briefgen").mkdir(parents=True)
    runtime.chmod(0o700)
    (runtime / "briefgen").chmod(0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert runtime_folder() is None
    (runtime / "briefgen").chmod(0o700)
    assert runtime_folder() == runtime / "briefgen"


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to act as another user")
def test_another_user_gets_no_answer(warm: Path) -> None:
    """Even with the folder and socket opened to everyone, the process answers its own user only."""
    path = socket_path(warm)
    assert path is not None
    path.parent.chmod(0o755)
    path.chmod(0o666)
    try:
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # another user: nobody
            os.close(reader)
            os.setgid(65534)
            os.setuid(65534)
            outcome = b"no answer"
            try:
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.settimeout(10)
                    sock.connect(str(path))
                    send(sock, {"op": "status"})
                    outcome = repr(receive(sock)).encode()
            except Exception:
                pass
            os.write(writer, outcome)
            os._exit(0)
        os.close(writer)
        os.waitpid(pid, 0)
        assert os.read(reader, 1000) == b"no answer"
    finally:
        path.parent.chmod(0o700)
        path.chmod(0o600)
    assert served_builds(warm) == 0


def test_a_changed_environment_builds_cold_and_retires_the_warm_process(warm: Path) -> None:
    done = briefgen("build", "-p", str(warm), "-f", "html", env={"TZ": "Asia/Seoul"})
    assert done.returncode == 0, done.stderr
    assert gone(warm)  # it answered "stale" and exited; the build ran cold


def test_a_warm_process_stops_when_idle(minimal: Path) -> None:
    done = briefgen("warm", "-p", str(minimal), env={"BRIEFGEN_WARM_IDLE": "1"})
    assert done.returncode == 0, done.stderr
    assert gone(minimal, within=15)


def test_warm_builds_can_be_turned_off_and_on(minimal: Path, tmp_path: Path) -> None:
    assert briefgen("build", "-p", str(minimal), "-f", "html", env=COLD).returncode == 0
    assert served_builds(minimal) is None  # off: none started
    done = briefgen("build", "-p", str(minimal), "-f", "html", "--force", env={"BRIEFGEN_WARM": "on"})
    assert done.returncode == 0
    try:
        deadline = time.monotonic() + 60
        while served_builds(minimal) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert served_builds(minimal) == 0  # started on demand, for the next build
        assert briefgen("build", "-p", str(minimal), "-f", "html", "--force", env=COLD).returncode == 0
        assert served_builds(minimal) == 0  # off: not used either
    finally:
        client.stop(minimal)
        assert gone(minimal)


def test_warm_status_and_stop_say_what_there_is(minimal: Path) -> None:
    assert briefgen("warm", "--status", "-p", str(minimal)).stdout.startswith("no warm process for ")
    assert briefgen("warm", "--stop", "-p", str(minimal)).stdout.startswith("no warm process for ")


def test_serve_answers_builds_while_it_serves(minimal: Path, tmp_path: Path) -> None:
    from tests.test_serve import _start, _stop

    served = _start(minimal, tmp_path / "serve.err", "--lang", "en")
    try:
        status = client.ask(minimal, {"op": "status"}, timeout=60)
        assert status is not None and status["pid"] == served.process.pid
        hot = briefgen("build", "-p", str(minimal), "-l", "en", "-o", str(tmp_path / "warm"))
        assert hot.returncode == 0, hot.stderr
        assert served_builds(minimal) == 1
    finally:
        _stop(served.process, served.reader)
    assert served_builds(minimal) is None  # the socket went with the server
    cold = briefgen("build", "-p", str(minimal), "-l", "en", "-o", str(tmp_path / "cold"), env=COLD)
    assert cold.returncode == 0
    name = "minimal.en.pdf"
    assert (tmp_path / "warm" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()


def test_between_builds_a_warm_process_collects_and_freezes_what_it_keeps(warm: Path, tmp_path: Path) -> None:
    """What a warm process keeps (modules, fonts, the project) is frozen out of the collections of the next
    build; each build's garbage is collected first, so what is kept does not grow from build to build."""
    kept = []
    for number in range(4):
        done = briefgen("build", "-p", str(warm), "-o", str(tmp_path / str(number)))
        assert done.returncode == 0, done.stderr
        status = client.ask(warm, {"op": "status"}, timeout=60)  # answered once the process has settled
        assert status is not None
        kept.append(int(status["frozen_objects"]))
    assert kept[0] > 50_000  # WeasyPrint's modules and fonts at least
    assert max(kept[1:]) - min(kept[1:]) < 0.02 * kept[1]
