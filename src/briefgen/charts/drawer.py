"""Draw charts in a child process started early, so that matplotlib imports while the build loads content.

A first build into an output folder has no drawn charts to reuse. Drawing them in the build process would
import matplotlib there (about 0.4 s and 40 MiB) before the page could be templated; instead the build starts
a Drawer first thing, which imports matplotlib on another core while the content is read and validated, then
draws the charts it is asked for, in order, with the same code (so the same bytes) as a drawing in-process.
Requests can be sent ahead (``request``) and collected later (``take``), so drawing overlaps templating; a PDF
does not even wait for them: its page links the charts not drawn yet, the printing child starts laying out,
and the build sends it each chart when drawn (``briefgen.chart_images``).
"""

from __future__ import annotations

import contextlib
import os
import traceback
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from briefgen.charts import ChartView


def _serve(conn: Connection, memory_mb: int) -> None:
    from briefgen.runner import child_setup

    child_setup(memory_mb)
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.backends.backend_agg
        import matplotlib.backends.backend_svg
        import matplotlib.figure

        from briefgen.charts import draw
    except BaseException as exc:  # out of memory already: told with the first chart asked for
        failure: BaseException | None = exc
    else:
        failure = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message is None:
            break
        view, fmt, font = message
        try:
            if failure is not None:
                raise failure
            reply: tuple[str, Any] = ("ok", draw.draw(view, fmt, font))
        except Exception as exc:
            reply = ("error", _portable(exc))
        except BaseException as exc:  # MemoryError is an Exception; this is KeyboardInterrupt and the like
            reply = ("error", RuntimeError(f"{type(exc).__name__}: {exc}"))
        try:
            conn.send(reply)
        except (OSError, ValueError):
            break
    conn.close()
    os._exit(0)


def _portable(exc: Exception) -> Exception:
    """Return the exception if it survives pickling, else a RuntimeError saying what it was."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")


class Drawer:
    """A child process that imports matplotlib now and draws charts later; close it when done."""

    def __init__(self) -> None:
        from briefgen.runner import fork_child

        self._conn, self._process = fork_child(_serve)
        self._sent: list[str] = []  # keys of the charts asked for and not yet taken, in order
        self._done: dict[str, bytes] = {}

    def request(self, key: str, view: ChartView, fmt: str, font: str) -> None:
        """Ask for a chart to be drawn (once per key); ``take`` returns it."""
        if key in self._sent or key in self._done:
            return
        self._conn.send((view, fmt, font))
        self._sent.append(key)

    def take(self, key: str, view: ChartView, fmt: str, font: str) -> bytes:
        """Return a chart, drawn now unless it was requested before; raise what drawing it raised."""
        self.request(key, view, fmt, font)
        while key not in self._done:
            # short waits, so that the watchdog of a render that runs too long can stop this one
            while not self._conn.poll(0.05):
                pass
            try:
                status, value = self._conn.recv()
            except EOFError:
                raise RuntimeError(
                    f"the chart drawing process stopped unexpectedly (exit code {self._process.exitcode})"
                ) from None
            first = self._sent.pop(0)
            if status != "ok":
                raise value
            self._done[first] = value
        return self._done.pop(key)

    def close(self) -> None:
        """Stop the child: it has drawn what was asked, or the build no longer needs it."""
        with contextlib.suppress(OSError, ValueError):
            self._conn.send(None)
        self._process.join(timeout=1)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()
