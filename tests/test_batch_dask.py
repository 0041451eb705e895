"""Rendering on Dask: a real LocalCluster, a cluster started with Dask's own commands, a worker killed."""

from __future__ import annotations

import collections
import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.batchrun import kill_a_worker_mid_batch, mail_to
from tests.conftest import PROJECTS, copy_project
from tests.mailserver import smtp_server

DASK = Path(sys.executable).with_name("dask")


def briefgen(project: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "briefgen", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_project(PROJECTS / "minimal", tmp_path / "minimal")
    people = "name,email,organisation,language,formats\n" + "".join(
        f"수신자 {i},r{i}@example.org,기관 {i},{'ko' if i % 2 else 'en'},{'pdf docx' if i < 3 else 'pdf'}\n"
        for i in range(1, 7)
    )
    (root / "people.csv").write_text(people, encoding="utf-8")
    return root


def copies(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "copies").iterdir())}


def test_a_local_cluster_makes_the_same_bytes_as_the_local_pool(project: Path) -> None:
    local = briefgen(project, "batch", "people.csv", "-o", "local", "-j", "2", "--watermark")
    assert local.returncode == 0, local.stderr
    dask = briefgen(
        project, "batch", "people.csv", "-o", "dask", "-j", "2", "--watermark", "--executor", "dask-local"
    )
    assert dask.returncode == 0, dask.stderr
    assert "Dask LocalCluster of 2 worker processes" in dask.stdout
    made = copies(project / "dask")
    assert len(made) == 8  # six PDFs and two DOCX
    assert made == copies(project / "local")
    log = (project / "dask" / "distribution.jsonl").read_text("utf-8").splitlines()
    workers = {json.loads(line).get("worker") for line in log}
    assert len(workers - {None}) == 2  # both workers rendered; their pids are not the client's


def test_a_worker_killed_mid_batch_on_a_local_cluster_loses_nothing(project: Path) -> None:
    people = "name,email,language\n" + "".join(f"P{i},p{i}@example.org,ko\n" for i in range(1, 13))
    (project / "many.csv").write_text(people, encoding="utf-8")
    log = project / "output" / "batch" / "many" / "distribution.jsonl"

    def cluster_workers(client: psutil.Process) -> list[psutil.Process]:
        found = [p for p in client.children() if "spawn_main" in " ".join(p.cmdline())]
        assert len(found) == 2
        return found

    with smtp_server() as srv:
        mail_to(project, srv.port)
        killed, done = kill_a_worker_mid_batch(
            ["batch", "many.csv", "--mail", "--executor", "dask-local"],
            project,
            log,
            cluster_workers,
            after=2,
        )
        messages = collections.Counter(r for m in srv.handler.messages for r in m.rcpt_tos)
    assert killed is not None, done
    assert done.returncode == 0, done.stderr
    assert "12 sent, 12 built" in done.stdout
    assert messages == {f"p{i}@example.org": 1 for i in range(1, 13)}
    assert len(list((project / "output" / "batch" / "many" / "copies").iterdir())) == 12


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[str]:
    """A scheduler and a worker started with Dask's own commands, as docs/batch.md shows."""
    port = _free_port()
    address = f"127.0.0.1:{port}"
    scheduler = subprocess.Popen(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [str(DASK), "worker", f"tcp://{address}", "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield address
    finally:
        for process in (worker, scheduler):
            process.terminate()
        for process in (worker, scheduler):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_cluster_started_with_dasks_commands_renders_batches_and_builds(
    project: Path, cluster: str
) -> None:
    done = briefgen(project, "batch", "people.csv", "--executor", f"dask://{cluster}", "-f", "pdf")
    assert done.returncode == 0, done.stderr
    assert re.search(
        rf"Dask cluster at tcp://{cluster} \(\d threads?\)", done.stdout
    )  # as many as joined yet
    local = briefgen(project, "batch", "people.csv", "-o", "local")
    assert local.returncode == 0, local.stderr
    assert copies(project / "output" / "batch" / "people") == copies(project / "local")
    built = briefgen(project, "build", "--all", "--executor", f"dask://{cluster}", "-o", "all")
    assert built.returncode == 0, built.stderr
    names = sorted(p.name for p in (project / "all").iterdir() if p.is_file())
    assert "minimal.ko.pdf" in names and "minimal.executive.en.docx" in names
    reference = briefgen(project, "build", "--all", "-o", "all-local")
    assert reference.returncode == 0, reference.stderr
    for name in names:
        assert (project / "all" / name).read_bytes() == (project / "all-local" / name).read_bytes(), name


def test_a_scheduler_that_is_not_there_is_a_clear_error(project: Path) -> None:
    port = _free_port()
    done = briefgen(project, "batch", "people.csv", "--executor", f"dask://127.0.0.1:{port}", timeout=120)
    assert done.returncode == 1
    assert f"tcp://127.0.0.1:{port}: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr


def _worker_settings() -> dict[str, object]:
    import os

    import dask

    return {
        "trim": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        "profile": dask.config.get("distributed.worker.profile.enabled"),
        "tick": dask.config.get("distributed.admin.tick.interval"),
        "monitor": dask.config.get("distributed.worker.memory.monitor-interval"),
    }


def test_a_local_clusters_workers_run_with_briefgens_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each setting in LOCAL_CLUSTER_CONFIG is measured in docs/batch.md; here, each reaches the workers."""
    from briefgen import executors

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with executors.open_backend("dask-local", 1) as backend:
        settings = backend.executor.submit(_worker_settings).result(timeout=60)
    assert settings == {"trim": None, "profile": False, "tick": "1s", "monitor": "1s"}
