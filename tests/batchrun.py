"""Helpers of the batch tests: a project that mails to the test server, a batch whose worker is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil


def mail_to(project: Path, port: int) -> None:
    """Point the minimal project's mail settings at the test server on loopback."""
    (project / "briefgen.yaml").write_text(
        "brief: minimal\ndefault_language: ko\nlanguages: [ko, en]\nmail:\n"
        f"  host: 127.0.0.1\n  port: {port}\n  security: none\n  from: desk@example.org\n",
        encoding="utf-8",
    )


def kill_a_worker_mid_batch(
    args: list[str],
    project: Path,
    log: Path,
    workers: Callable[[psutil.Process], list[psutil.Process]],
    after: int = 1,
) -> tuple[int | None, subprocess.CompletedProcess[str]]:
    """Run ``briefgen ARGS``; once ``after`` copies are logged as built, SIGKILL one of its workers.

    ``workers`` picks the worker processes among the client's. Returns the killed pid (None if the batch
    ended first) and the finished process.
    """
    client = subprocess.Popen(
        [sys.executable, "-m", "briefgen", *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and client.poll() is None:
        if log.exists() and log.read_text("utf-8").count('"event": "built"') >= after:
            killed = workers(psutil.Process(client.pid))[0].pid
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    out, err = client.communicate(timeout=240)
    return killed, subprocess.CompletedProcess(client.args, client.returncode, out, err)
