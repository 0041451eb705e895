"""A validated project packed to be rendered anywhere: in a local worker process or on a Dask worker.

The client validates the project once and packs it: the model, the audience profiles, the build options and,
for workers on other machines, the project's own files that rendering reads (templates, assets, images
under content/). An executor ships the pack to each worker once (Dask scatters it; local workers are forked
with it). A worker unpacks the files into a folder of its own, once, keeps each edition's render context,
and then renders one output or one personal copy per task. Workers return bytes and diagnostics; they never
write into the client's output folder.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import hashlib
import os
import pickle
import shutil
import signal
import socket
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefgen import __version__
from briefgen.audience import Audience
from briefgen.context import RenderContext, build_context, mark, marking_for
from briefgen.errors import BriefgenError, Diagnostic, Location
from briefgen.model import Brief

#: The project folders whose files a worker on another machine needs (the model replaces content's YAML).
PORTABLE = ("templates", "assets", "content")
#: Packs a worker keeps unpacked at once; an older one is removed when a newer arrives.
KEEP = 4


@dataclass(frozen=True)
class Bundle:
    """Everything a worker needs to render any output of one project with one set of options."""

    digest: str  # names this pack in a worker's caches
    version: str  # the briefgen that packed it: workers must run the same
    brief: Brief
    profiles: dict[str, Audience]  # by name: every audience that may be rendered
    root: str  # the project folder on the client
    created: dt.datetime | None  # when documents count as made (SOURCE_DATE_EPOCH), None: the brief's date
    pdf_variant: str | None  # overrides the profiles' variant
    cache: str | None  # the client's chart cache, for workers on the client's machine
    #: the project's files by relative path, for workers elsewhere; empty: render from ``root``
    files: dict[str, bytes] = field(default_factory=dict)


def pack(
    root: Path,
    brief: Brief,
    profiles: Mapping[str, Audience],
    *,
    cache: Path | None,
    created: dt.datetime | None,
    pdf_variant: str | None,
    portable: bool,
) -> Bundle:
    """Pack a validated project; ``portable`` includes its files, for workers that cannot read them here."""
    files: dict[str, bytes] = {}
    if portable:
        for folder in PORTABLE:
            base = root / folder
            if not base.is_dir():
                continue
            for path in sorted(base.rglob("*")):
                if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
                    files[path.relative_to(root).as_posix()] = path.read_bytes()
    digest = hashlib.sha256()
    digest.update(pickle.dumps((brief, dict(profiles), created, pdf_variant, str(root))))
    for name, data in files.items():
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return Bundle(
        digest=digest.hexdigest()[:24],
        version=__version__,
        brief=brief,
        profiles=dict(profiles),
        root=str(root),
        created=created,
        pdf_variant=pdf_variant,
        cache=str(cache) if cache else None,
        files=files,
    )


@dataclass(frozen=True)
class CopyMark:
    """Whose copy to render: the recipient's name and organisation, the copy's number and code."""

    name: str
    organisation: str | None
    copy: int
    copies: int
    code: str
    watermark: bool = False


@dataclass(frozen=True)
class Order:
    """One task: an edition in some formats, marked for a recipient or not."""

    lang: str
    audience: str | None
    formats: tuple[str, ...]
    label: str  # what messages call it: an output name, or the recipient's address
    marking: CopyMark | None = None


@dataclass
class Result:
    """What a worker made of an order: the bytes of each format, or the problems that stopped it."""

    order: Order
    files: dict[str, bytes] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # rendering time of each format
    crash: str | None = None  # the traceback of an unexpected exception, shown with --debug
    worker: str = ""  # host:pid of the worker that rendered it

    @property
    def ok(self) -> bool:
        return not self.errors and len(self.files) == len(self.order.formats)


class RenderTimeout(Exception):
    """A task ran past the wall-clock limit."""


# ---------------------------------------------------------------- the worker's side


@dataclass
class _Workspace:
    root: Path
    cache: Path | None
    contexts: dict[tuple[str, str | None], RenderContext] = field(default_factory=dict)
    owned: bool = False  # unpacked here: removed when the worker is done with it


_WORKSPACES: dict[str, _Workspace] = {}
_LOCK = threading.Lock()  # Dask runs tasks in threads: unpack once


def _workspace(bundle: Bundle) -> _Workspace:
    with _LOCK:
        found = _WORKSPACES.get(bundle.digest)
        if found is not None:
            return found
        if bundle.version != __version__:
            raise BriefgenError(
                f"this worker runs briefgen {__version__}, the client {bundle.version}",
                None,
                "install the same briefgen on the client and every worker",
            )
        if bundle.files:
            root = Path(tempfile.mkdtemp(prefix="briefgen-project-"))
            for name, data in bundle.files.items():
                target = (root / name).resolve()
                if not target.is_relative_to(root.resolve()):
                    raise BriefgenError(f"the project pack holds a path outside the project: {name}")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            space = _Workspace(root, root / ".briefgen" / "charts", owned=True)
            atexit.register(shutil.rmtree, root, True)
        else:
            space = _Workspace(Path(bundle.root), Path(bundle.cache) if bundle.cache else None)
        while len(_WORKSPACES) >= KEEP:
            old = _WORKSPACES.pop(next(iter(_WORKSPACES)))
            if old.owned:
                shutil.rmtree(old.root, ignore_errors=True)
        _WORKSPACES[bundle.digest] = space
        return space


def render(
    bundle: Bundle, lang: str, audience: str | None, fmt: str, marking: CopyMark | None = None
) -> tuple[bytes, list[Diagnostic]]:
    """Render one output of the bundle's project, marked for a recipient or not; return bytes and warnings."""
    from briefgen import renderers
    from briefgen.renderers import Setup

    space = _workspace(bundle)
    key = (lang, audience)
    profile = bundle.profiles.get(audience) if audience else None
    ctx = space.contexts.get(key)
    if ctx is None:
        ctx = space.contexts[key] = build_context(bundle.brief, lang, profile, bundle.created)
    if marking is not None:
        ctx = mark(
            ctx,
            marking_for(
                lang,
                marking.name,
                marking.organisation,
                marking.copy,
                marking.copies,
                marking.code,
                watermark=marking.watermark,
            ),
        )
    variant = bundle.pdf_variant or (profile.profile.pdf_variant if profile else None)
    setup = Setup.for_project(space.root, None, variant, bundle.brief.config.allow_hosts)
    setup.cache = space.cache
    return renderers.get(fmt).render(ctx, setup), setup.warnings


def render_order(shared: Any, order: Order, timeout: float | None = None) -> Result:
    """Run one task on a worker: render every format of the order; never raise for an expected failure.

    ``shared`` is the bundle, or the executor's token for it. ``timeout`` limits the task's wall-clock time
    where the worker can be interrupted (a local worker process); None: no limit here.
    """
    from briefgen.executors import resolve

    result = Result(order, worker=f"{socket.gethostname()}:{os.getpid()}")
    try:
        bundle = resolve(shared)
        with _deadline(timeout):
            for fmt in order.formats:
                started = time.perf_counter()
                data, warnings = render(bundle, order.lang, order.audience, fmt, order.marking)
                result.seconds[fmt] = round(time.perf_counter() - started, 4)
                result.files[fmt] = data
                result.warnings += [w for w in warnings if w not in result.warnings]
    except BriefgenError as exc:
        result.errors = list(exc.diagnostics)
    except RenderTimeout:
        result.errors = [
            Diagnostic(
                f"rendering took longer than {timeout:g} s and was stopped",
                Location(order.label),
                "a template or stylesheet may be pathological; BRIEFGEN_RENDER_TIMEOUT sets the limit",
            )
        ]
    except MemoryError:
        result.errors = [
            Diagnostic(
                "ran out of memory while rendering",
                Location(order.label),
                "BRIEFGEN_RENDER_MEMORY_MB sets the limit of a local worker",
            )
        ]
    except RecursionError:
        result.errors = [
            Diagnostic(
                "rendering recursed too deeply (a template or stylesheet loops)", Location(order.label)
            )
        ]
    except Exception as exc:  # reported as a bug, with the traceback under --debug
        result.errors = [Diagnostic(f"unexpected {type(exc).__name__}: {exc} (run again with --debug)")]
        result.crash = traceback.format_exc()
    if result.errors:
        result.files = {}
    return result


@contextlib.contextmanager
def _deadline(timeout: float | None) -> Iterator[None]:
    """Raise RenderTimeout in this thread after ``timeout`` seconds (main thread of a process only)."""
    if not timeout or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise RenderTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
