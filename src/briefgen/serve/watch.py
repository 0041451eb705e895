"""Watch a project's files with watchfiles and rebuild the preview as soon as a save settles.

Two threads: one watches the content, template and asset folders recursively; the other watches the project
folder itself, not recursively, for briefgen.yaml and for one of those folders appearing or going (then the
first starts again on the new set). Watching the project folder recursively instead would also watch
``.venv/`` and ``output/``, thousands of folders in the reference project.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from briefgen.serve.preview import PROJECT_FOLDERS, Edition, Preview
from briefgen.sources import PROJECT_FILE

#: Milliseconds without a new change after which a burst of changes (an editor's save) counts as done.
SETTLE_MS = 30
#: Seconds between checks that there is something to watch, while there is not.
IDLE_SECONDS = 0.5


class _Either:
    """Set when either event is: the stop signal watchfiles polls."""

    def __init__(self, *events: threading.Event) -> None:
        self.events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self.events)


class Watcher:
    """Rebuild ``preview`` when its files change, telling ``report`` about each rebuild."""

    def __init__(
        self, preview: Preview, report: Callable[[Edition], None], fail: Callable[[BaseException], None]
    ) -> None:
        self.preview = preview
        self.report = report
        self.fail = fail  # told when a watcher thread dies: the preview stops following changes
        self._stop = threading.Event()
        self._restart = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        import watchfiles  # a Rust extension: imported only when serving

        for name, target in (("folders", self._watch_folders), ("project", self._watch_project)):
            thread = threading.Thread(
                target=self._guard, args=(target, watchfiles), name=f"briefgen-watch-{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching and wait (at most ``timeout`` seconds for each thread) for the threads to end."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def _guard(self, target: Callable[[ModuleType], None], watchfiles: ModuleType) -> None:
        try:
            target(watchfiles)
        except Exception as exc:
            if not self._stop.is_set():
                self.fail(exc)

    def _watch_folders(self, watchfiles: ModuleType) -> None:
        while not self._stop.is_set():
            self._restart.clear()
            folders = self.preview.watched()
            if not folders:
                self._stop.wait(IDLE_SECONDS)
                continue
            stop = _Either(self._stop, self._restart)
            for changes in watchfiles.watch(*folders, step=SETTLE_MS, stop_event=stop):
                self._rebuild(path for _change, path in changes)

    def _watch_project(self, watchfiles: ModuleType) -> None:
        root = self.preview.root
        names = {PROJECT_FILE, *PROJECT_FOLDERS}

        def wanted(_change: Any, path: str) -> bool:
            return Path(path).name in names

        for changes in watchfiles.watch(
            root, recursive=False, watch_filter=wanted, step=SETTLE_MS, stop_event=self._stop
        ):
            paths = [Path(path) for _change, path in changes]
            if any(path.name != PROJECT_FILE for path in paths):
                self._restart.set()  # a watched folder came or went: watch the new set
            self._rebuild(paths)

    def _rebuild(self, paths: Iterable[str | Path]) -> None:
        if self._stop.is_set():
            return
        self.report(self.preview.rebuild(Path(path) for path in paths))
