"""A headless Chromium for tests, driven over the DevTools protocol through a pipe: no driver, no package.

Chromium started with ``--remote-debugging-pipe`` reads protocol commands from its file descriptor 3 and
writes replies and events to 4, each a JSON message ended by a NUL byte (Playwright talks to it the same
way). That needs only Debian's ``chromium`` and the standard library, and the protocol always matches the
browser installed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Where Debian installs it; a test skips when it is missing or cannot start.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Flags that work headless, as root, without a GPU or a network.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
    "--remote-debugging-pipe",
)


class BrowserUnavailable(Exception):
    """Chromium is not installed, or did not start."""


class ProtocolError(Exception):
    """The browser answered a command with an error."""


class Chromium:
    """One headless Chromium process, with a fresh profile; close() (or the with-block) always stops it."""

    def __init__(self, profile: Path, timeout: float = 30.0) -> None:
        if not Path(CHROMIUM).is_file():
            raise BrowserUnavailable(f"{CHROMIUM} is not installed (Debian package chromium)")
        profile.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        commands_read, self._commands = os.pipe()  # the browser reads our commands on its fd 3
        self._replies, replies_write = os.pipe()  # and writes its replies on its fd 4
        # its ends go above 4 first, so that moving them onto 3 and 4 cannot overwrite one with the other
        commands_read, replies_write = _above_four(commands_read), _above_four(replies_write)
        # bash (dash takes one-digit descriptors only) moves the pipe ends onto 3 and 4, closes the
        # originals, and becomes Chromium
        script = f'exec "$0" "$@" 3<&{commands_read} 4>&{replies_write} {commands_read}<&- {replies_write}>&-'
        self.log = profile / "chromium.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                ["/bin/bash", "-c", script, CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(commands_read, replies_write),
            )
        os.close(commands_read)
        os.close(replies_write)
        self._next_id = 0
        self._send_lock = threading.Lock()
        self._replied = threading.Condition()
        self._replies_by_id: dict[int, dict[str, Any]] = {}
        self._gone = False
        self._reader = threading.Thread(target=self._read, name="chromium-pipe", daemon=True)
        self._reader.start()
        try:
            self.version = self.send("Browser.getVersion", timeout=timeout)["product"]
        except Exception as exc:
            self.close()
            raise BrowserUnavailable(f"Chromium did not start: {exc}; {self._log_tail()}") from None

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ the protocol

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one command and wait (bounded) for its reply; raise ProtocolError if it failed."""
        with self._send_lock:
            self._next_id += 1
            number = self._next_id
            message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = session
            data = json.dumps(message).encode() + b"\0"
            try:
                os.write(self._commands, data)
            except OSError as exc:
                raise ProtocolError(f"{method}: the browser is gone ({exc})") from None
        with self._replied:
            done = self._replied.wait_for(
                lambda: number in self._replies_by_id or self._gone, timeout or self.timeout
            )
            if not done:
                raise ProtocolError(f"{method}: no answer within {timeout or self.timeout} s")
            if number not in self._replies_by_id:
                raise ProtocolError(f"{method}: the browser is gone")
            reply = self._replies_by_id.pop(number)
        if "error" in reply:
            raise ProtocolError(f"{method}: {reply['error'].get('message')}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._replies, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:  # events (no id) are not needed here
                    with self._replied:
                        self._replies_by_id[message["id"]] = message
                        self._replied.notify_all()
        with self._replied:
            self._gone = True
            self._replied.notify_all()

    # ------------------------------------------------------------ pages

    def open(self, url: str, before_load: str = "") -> Page:
        """Open a new tab at ``url`` and return it (the page may still be loading).

        ``before_load`` is a script run in every document of the tab before the document's own scripts.
        """
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        if before_load:
            self.send("Page.enable", session=session)
            self.send("Page.addScriptToEvaluateOnNewDocument", {"source": before_load}, session)
        self.send("Page.navigate", {"url": url}, session)
        return page

    def close(self) -> None:
        """Stop the browser: ask, then terminate, then kill; each step bounded."""
        if self.process.poll() is None:
            with contextlib.suppress(ProtocolError):  # it may be gone already
                self.send("Browser.close", timeout=5)
        for stop in (None, self.process.terminate, self.process.kill):
            if stop is not None:
                stop()
            try:
                self.process.wait(timeout=5)
                break
            except subprocess.TimeoutExpired:
                continue
        for fd in (self._commands, self._replies):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._reader.join(timeout=5)

    def _log_tail(self) -> str:
        try:
            return self.log.read_text("utf-8", errors="replace")[-2000:]
        except OSError:
            return ""


def _above_four(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


class Page:
    """One tab of the browser."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session

    def evaluate(self, expression: str) -> Any:
        """Return the value of a JavaScript expression in the page."""
        reply = self.browser.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, self.session, timeout=5
        )
        if "exceptionDetails" in reply:
            raise ProtocolError(reply["exceptionDetails"].get("text", "exception"))
        return reply.get("result", {}).get("value")

    def wait_for(self, expression: str, accept: Callable[[Any], bool], timeout: float) -> Any:
        """Evaluate ``expression`` until ``accept`` takes its value, and return it; AssertionError after
        ``timeout`` seconds. Errors while the page reloads count as not yet."""
        deadline = time.monotonic() + timeout
        value: Any = None
        while True:
            try:
                value = self.evaluate(expression)
                if accept(value):
                    return value
            except ProtocolError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"after {timeout} s, {expression} is {value!r}")
            time.sleep(0.01)
