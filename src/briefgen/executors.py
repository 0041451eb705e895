"""Where rendering runs: a pool of local worker processes, or a Dask cluster; one ``concurrent.futures`` face.

``--executor`` names one:

``local`` (the default)  a pool of N worker processes forked from this one (``-j N``, default: one per
                         core). Each worker keeps its caches warm across tasks, renders within the wall-clock
                         limit and the memory bound of ``BRIEFGEN_RENDER_TIMEOUT`` and
                         ``BRIEFGEN_RENDER_MEMORY_MB``, and dies with the client. If a worker dies, the pool
                         is started again and the tasks it had are run again.
``dask-local``           a Dask ``LocalCluster`` of N worker processes on this machine.
``dask://HOST:PORT``     an existing Dask cluster (``dask scheduler`` and ``dask worker``); every worker needs
                         the same briefgen and the fonts.

Both give a ``concurrent.futures.Executor`` (Dask's is distributed's ``ClientExecutor``) and a way to ship
a value to the workers once: Dask scatters it to every worker, the local pool forks its workers with it.
Dask is optional (``pip install 'briefgen[dask]'``) and imported only when asked for.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import resource
import signal
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from briefgen.errors import BriefgenError, Location

LOCAL = "local"
DASK_LOCAL = "dask-local"
DASK_SCHEMES = ("dask://", "tcp://", "tls://")
#: Seconds to wait for a Dask scheduler to answer.
CONNECT_TIMEOUT = 20.0
# What a LocalCluster on this machine is started with, each measured in docs/batch.md ("Measured"):
LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    # No statistical profiler: it samples every thread's stack every 10 ms for a dashboard this cluster does
    # not have.
    "distributed.worker.profile.enabled": False,
    # Dask's nanny starts its workers with MALLOC_TRIM_THRESHOLD_=65536, so that glibc hands freed memory back
    # to the kernel at once; a worker rendering one PDF after another then faults the same memory in again
    # for every copy. glibc's own adaptive threshold is kept instead (a variable the user sets still wins).
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    # Event-loop housekeeping at a pace fit for tasks of half a second: the blocked-loop check (20 ms by
    # default), the dashboard's system monitor (0.5 s) and the memory-limit check (0.1 s).
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}

_EXECUTOR_HINT = f"use {LOCAL}, {DASK_LOCAL} or dask://HOST:PORT"


class ExecutorError(BriefgenError):
    """An executor could not be started or reached."""

    stage = "executor"


# ---------------------------------------------------------------- values shipped to the workers once


@dataclass(frozen=True)
class Shared:
    """A token for a value that local workers got when they were forked: small to send with every task."""

    key: str


_SHARED: dict[str, Any] = {}


def resolve(value: Any) -> Any:
    """Return the value a task was given: what a Shared token stands for, or the value itself (Dask)."""
    if isinstance(value, Shared):
        try:
            return _SHARED[value.key]
        except KeyError:
            raise BriefgenError("a worker was started without the project it should render") from None
    return value


# ---------------------------------------------------------------- the local pool


def _limit_worker(memory_mb: int) -> None:
    """Set up a local worker: its memory bound, death with the client, and no stray output."""
    with contextlib.suppress(OSError, AttributeError):  # Linux: die with the client, even if it is killed
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    size = memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    # what a worker has to say goes back with its result; an interpreter's complaints when memory runs out
    # would only garble the client's terminal
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the client's to handle


class LocalPool(ProcessPoolExecutor):
    """A process pool whose workers are forked from this process, bounded in memory, dying with it."""

    def __init__(self, workers: int, memory_mb: int) -> None:
        import multiprocessing

        super().__init__(
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_limit_worker,
            initargs=(memory_mb,),
        )


@dataclass
class Backend:
    """An executor, how many tasks it runs at once, and how to ship a value to its workers once."""

    kind: str  # "local", "dask-local" or "dask"
    description: str  # for messages: "local pool of 2 processes"
    executor: Executor
    workers: int
    share: Callable[[Any], Any]
    #: starts the local pool again after a worker died (its other tasks are lost with it); None on Dask,
    #: which runs a lost task again elsewhere by itself
    restart: Callable[[], Executor] | None = None
    #: a task's wall-clock limit where the worker can enforce it (local workers), else None
    timeout: float | None = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        return self.executor.submit(fn, *args)


def parse(spec: str | None) -> tuple[str, str | None]:
    """Return the kind of executor a ``--executor`` value names and the scheduler's address, if any."""
    if spec is None or spec == LOCAL:
        return LOCAL, None
    if spec == DASK_LOCAL:
        return DASK_LOCAL, None
    for scheme in DASK_SCHEMES:
        if spec.startswith(scheme):
            rest = spec[len(scheme) :]
            host, _, port = rest.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536 or "/" in rest:
                raise ExecutorError(
                    f"'{spec}' is not a scheduler address", None, "write it as dask://HOST:PORT"
                )
            return "dask", ("tls://" if scheme == "tls://" else "tcp://") + rest
    raise ExecutorError(f"unknown executor '{spec}'", None, _EXECUTOR_HINT)


@contextlib.contextmanager
def open_backend(spec: str | None, jobs: int | None) -> Iterator[Backend]:
    """Start (or reach) the executor a ``--executor`` value names; stop it at the end of the block.

    ``jobs`` is the number of local workers, or of the LocalCluster's worker processes (default: one per
    core); an existing Dask cluster has the workers it has.
    """
    kind, address = parse(spec)
    if kind == LOCAL:
        yield from _local(jobs)
    else:
        yield from _dask(kind, address, jobs)


def _local(jobs: int | None) -> Iterator[Backend]:
    from briefgen.runner import limits

    timeout, memory_mb = limits()
    workers = jobs or os.cpu_count() or 1
    key = uuid.uuid4().hex
    pools: list[LocalPool] = []

    def share(value: Any) -> Shared:
        if pools and pools[-1]._processes:  # workers already forked cannot see it
            raise RuntimeError("share() after the pool started")
        _SHARED[key] = value
        return Shared(key)

    def restart() -> Executor:
        pools[-1].shutdown(wait=False, cancel_futures=True)
        pools.append(LocalPool(workers, memory_mb))
        backend.executor = pools[-1]
        return pools[-1]

    pools.append(LocalPool(workers, memory_mb))
    noun = "process" if workers == 1 else "processes"
    backend = Backend(LOCAL, f"local pool of {workers} {noun}", pools[-1], workers, share, restart, timeout)
    try:
        yield backend
    finally:
        for pool in pools:
            _stop(pool)
        _SHARED.pop(key, None)


def _stop(pool: LocalPool) -> None:
    """Stop a pool at once: queued tasks are cancelled, and workers still rendering are killed."""
    processes = dict(pool._processes or {})
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes.values():
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes.values():
        with contextlib.suppress(Exception):
            process.join(5)


def _dask(kind: str, address: str | None, jobs: int | None) -> Iterator[Backend]:
    try:
        import importlib

        distributed: Any = importlib.import_module("distributed")  # partly typed: used as Any
    except ImportError:
        raise ExecutorError(
            "the Dask executor needs Dask's distributed package",
            None,
            "install it with: pip install 'briefgen[dask]'",
        ) from None
    for name in ("distributed", "tornado", "bokeh"):  # Dask's routine chatter would bury briefgen's output
        logging.getLogger(name).setLevel(logging.ERROR)
    cluster = None
    try:
        if kind == DASK_LOCAL:
            workers = jobs or os.cpu_count() or 1
            import dask

            with dask.config.set(LOCAL_CLUSTER_CONFIG):
                cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            client = distributed.Client(cluster, set_as_default=False)
            where = f"Dask LocalCluster of {workers} worker process{'es' if workers != 1 else ''}"
        else:
            assert address is not None
            try:
                client = distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise ExecutorError(
                    f"cannot reach the Dask scheduler at {address}: {exc}",
                    Location(address),
                    "start one with 'dask scheduler' and workers with 'dask worker " + address + "'",
                ) from None
            _check_workers(client, address)
            where = f"Dask cluster at {address}"
    except BaseException:
        if cluster is not None:
            cluster.close()
        raise
    threads = sum(client.nthreads().values())

    def share(value: Any) -> Any:
        return client.scatter(value, broadcast=True, hash=False)

    backend = Backend(
        kind if kind == DASK_LOCAL else "dask",
        f"{where} ({threads} thread{'s' if threads != 1 else ''})",
        client.get_executor(pure=False),
        max(threads, 1),
        share,
    )
    try:
        yield backend
    finally:
        with contextlib.suppress(Exception):
            backend.executor.shutdown(wait=False)
        with contextlib.suppress(Exception):
            client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()


def _check_workers(client: Any, address: str) -> None:
    """Refuse a cluster without workers, or whose workers run another briefgen (or none)."""
    from briefgen import __version__

    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError):
        raise ExecutorError(
            f"the Dask scheduler at {address} has no workers",
            Location(address),
            "start some with 'dask worker " + address + "'",
        ) from None
    try:
        versions = client.run(_worker_version)
    except Exception as exc:
        raise ExecutorError(
            f"the Dask workers at {address} cannot run briefgen: {exc}",
            Location(address),
            f"install briefgen {__version__} (and its fonts) where the workers run",
        ) from None
    other = sorted({v for v in versions.values() if v != __version__})
    if other:
        raise ExecutorError(
            f"the Dask workers run briefgen {', '.join(other)}, this client {__version__}",
            Location(address),
            "install the same briefgen on the client and every worker",
        )


def _worker_version() -> str:
    from briefgen import __version__

    return __version__
