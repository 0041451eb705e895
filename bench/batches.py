"""The batch scenario: personal copies for many recipients, on the local pool and on a Dask LocalCluster.

Every run is a fresh ``briefgen batch`` process building 200 marked Korean executive PDFs into a fresh batch
folder (no mail: the targets are about rendering and the client). The client's own peak memory comes from
``bench/client_rss.py``; the dry run is timed on a 10,000-recipient file whose per-copy cost was recorded
by the runs before it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import measure
from cases import against, busy, ok
from core import Bench, Row
from measure import Case, median, paired_ratio

MEMORY_SIZES = (50, 500)
DRY_RUN_RECIPIENTS = 10_000
EDITION = ["--lang", "ko", "--audience", "executive"]


def people(path: Path, count: int) -> Path:
    """Write a recipients file of ``count`` Korean recipients (CSV, as Excel writes it)."""
    rows = [f"수신자 {i:05d},r{i}@example.org,기관 {i % 37}" for i in range(1, count + 1)]
    path.write_text("\ufeffname,email,organisation\r\n" + "\r\n".join(rows) + "\r\n", encoding="utf-8")
    return path


def batch(bench: Bench) -> None:
    group = "Batch"
    rounds = bench.matrix_runs
    count = bench.batch_recipients
    recipients = people(bench.tmp / f"people{count}.csv", count)
    folders: dict[str, Path] = {}

    def make(name: str, *args: str, file: Path = recipients, rss: bool = False) -> Case:
        def prepare(_: int) -> list[str]:
            out = bench.fresh("batch")
            folders[name] = out
            command = ["batch", str(file), "--project", str(bench.ref), "-o", str(out), *EDITION, *args]
            if rss:
                wrapper = str(Path(__file__).resolve().with_name("client_rss.py"))
                return [bench.python, wrapper, str(out / "client-rss"), "--", *command]
            return [bench.briefgen, *command]

        def after(_: int, run: measure.Run) -> dict[str, object]:
            out = folders[name]
            log = (out / "distribution.jsonl").read_text("utf-8").splitlines()
            built = sum(json.loads(line)["event"] == "built" for line in log)
            note: dict[str, object] = {"built": built}
            if (out / "client-rss").exists():
                note["client_rss_mib"] = int((out / "client-rss").read_text()) / 1024
            return note

        return Case(name, prepare, after)

    serial = make("local pool, -j 1", "-j", "1")
    parallel = make(f"local pool, -j {bench.jobs}", "-j", str(bench.jobs))
    dask = make(f"Dask LocalCluster, {bench.jobs} workers", "-j", str(bench.jobs), "--executor", "dask-local")
    script = str(Path(__file__).resolve().with_name("parallel_peer.py"))
    cpu_1 = Case("CPU-bound peer -j 1", lambda _: [bench.python, script, "1"])
    cpu_n = Case(f"CPU-bound peer -j {bench.jobs}", lambda _: [bench.python, script, str(bench.jobs)])
    bench.say(f"batch: {count} marked Korean executive PDFs per run, {rounds} rounds")
    bench.interleave([cpu_1, serial, parallel, cpu_n, dask], rounds=rounds, group=group)
    ceiling = paired_ratio(cpu_1, cpu_n)
    speedup = paired_ratio(serial, parallel)
    copies = {c.name: c.notes[-1].get("built") if c.notes else None for c in (serial, parallel, dask)}
    rate = count / median(parallel.walls) * 60 if ok(parallel) else None  # type: ignore[operator]
    bench.add(
        Row(
            group,
            f"trivially parallel CPU job, -j {bench.jobs} vs -j 1",
            median(cpu_n.walls),
            "s",
            "-j 1",
            median(cpu_1.walls),
            ceiling,
            note=f"the most -j {bench.jobs} can gain on this machine during this run; "
            f"{busy(cpu_1)} at -j 1, {busy(cpu_n)} at -j {bench.jobs}",
        )
    )
    bench.add(
        Row(
            group,
            f"{count} × ko executive PDF, -j {bench.jobs} vs -j 1",
            median(parallel.walls),
            "s",
            "-j 1",
            median(serial.walls),
            speedup,
            "≥ 1.70× throughput",
            None if speedup is None else speedup >= 1.7,
            f"copies built: {copies}; {rate or 0:.0f} copies a minute at -j {bench.jobs}; "
            f"{busy(serial)} at -j 1, {busy(parallel)} at -j {bench.jobs}" + against(speedup, ceiling),
        )
    )
    slower = paired_ratio(dask, parallel)
    bench.add(
        Row(
            group,
            f"Dask LocalCluster of {bench.jobs} workers vs the local pool",
            median(dask.walls),
            "s",
            f"local pool -j {bench.jobs}",
            median(parallel.walls),
            slower,
            "≤ 1.15× the local pool's time",
            None if slower is None else slower <= 1.15,
            f"{busy(dask)}; includes starting the cluster and each worker's first import",
        )
    )
    _memory(bench, group)
    _dry_run(bench, group, folders[parallel.name], median(parallel.walls), recipients)


def _memory(bench: Bench, group: str) -> None:
    cases = [_rss_case(bench, size, people(bench.tmp / f"people{size}.csv", size)) for size in MEMORY_SIZES]
    bench.interleave(cases, rounds=bench.memory_runs, warmup=0, group=group)
    figures = [median([float(n["client_rss_mib"]) for n in c.notes]) if c.notes else None for c in cases]  # type: ignore[misc]
    for case, size, figure in zip(cases, MEMORY_SIZES, figures, strict=True):
        bench.add(
            Row(
                group,
                f"client peak RSS, {size} recipients",
                figure,
                "MiB",
                note=f"{median(case.walls) or 0:.1f} s; the largest worker {median(case.rss) or 0:.0f} MiB "
                + (case.error or ""),
            )
        )
    if all(figures):
        growth = figures[-1] / figures[0]  # type: ignore[operator]
        bench.add(
            Row(
                group,
                f"client peak RSS, {MEMORY_SIZES[-1]} vs {MEMORY_SIZES[0]} recipients",
                figures[-1],
                "MiB",
                f"{MEMORY_SIZES[0]} recipients",
                figures[0],
                growth,
                "≤ 1.10× (flat)",
                growth <= 1.10,
                "getrusage(RUSAGE_SELF) of the client process (bench/client_rss.py), workers excluded",
            )
        )


def _rss_case(bench: Bench, size: int, file: Path) -> Case:
    state: dict[str, Path] = {}
    wrapper = str(Path(__file__).resolve().with_name("client_rss.py"))

    def prepare(_: int) -> list[str]:
        out = state["out"] = bench.fresh(f"batch-{size}")
        command = [
            "batch",
            str(file),
            "--project",
            str(bench.ref),
            "-o",
            str(out),
            *EDITION,
            "-j",
            str(bench.jobs),
        ]
        return [bench.python, wrapper, str(out / "client-rss"), "--", *command]

    def after(_: int, run: measure.Run) -> dict[str, object]:
        return {"client_rss_mib": int((state["out"] / "client-rss").read_text()) / 1024}

    return Case(f"batch of {size}", prepare, after)


def _dry_run(bench: Bench, group: str, measured: Path, actual: float | None, measured_file: Path) -> None:
    """Time --dry-run on 10,000 recipients with the per-copy cost recorded by the runs above."""
    big = people(bench.tmp / f"people{DRY_RUN_RECIPIENTS}.csv", DRY_RUN_RECIPIENTS)
    costs = measured / ".briefgen" / "costs.json"
    outputs: dict[str, Path] = {}

    def fresh_with_costs(name: str) -> Path:
        out = bench.fresh(name)
        (out / ".briefgen").mkdir()
        shutil.copyfile(costs, out / ".briefgen" / "costs.json")
        return out

    def prepare(_: int) -> list[str]:
        out = outputs["big"] = fresh_with_costs("dry-run")
        return [
            bench.briefgen,
            "batch",
            str(big),
            "--project",
            str(bench.ref),
            "-o",
            str(out),
            *EDITION,
            "--dry-run",
        ]

    def prepare_small(_: int) -> list[str]:
        out = outputs["small"] = fresh_with_costs("dry-run-200")
        small = measured_file
        return [
            bench.briefgen,
            "batch",
            str(small),
            "--project",
            str(bench.ref),
            "-o",
            str(out),
            *EDITION,
            "--dry-run",
            "-j",
            str(bench.jobs),
        ]

    dry = Case(f"--dry-run, {DRY_RUN_RECIPIENTS:,} recipients", prepare)
    count = bench.batch_recipients
    small = Case(f"--dry-run, {count} recipients", prepare_small)
    bench.interleave([dry, small], group=group)
    estimate = _estimated_seconds(small.runs[-1].log if small.runs else "", bench.jobs)
    bench.add(
        Row(
            group,
            f"--dry-run on {DRY_RUN_RECIPIENTS:,} recipients",
            median(dry.walls),
            "s",
            goal="< 2 s",
            met=None if not ok(dry) else median(dry.walls) < 2,  # type: ignore[operator]
            note="with the per-copy cost recorded by the batches above; "
            + (dry.runs[-1].log.strip().splitlines()[-2] if dry.runs else dry.error or ""),
        )
    )
    bench.add(
        Row(
            group,
            f"estimate for {count} recipients, -j {bench.jobs}, against the run",
            estimate,
            "s",
            "measured run",
            actual,
            (estimate / actual) if estimate and actual else None,
            note="the dry run's estimate (rendering time / workers) beside the median wall time of the "
            "batch it estimates: start-up is not in the estimate",
        )
    )


def _estimated_seconds(log: str, jobs: int) -> float | None:
    """Read 'X worker-minutes of rendering' from a dry run's output; return the time for ``jobs`` workers."""
    import re

    match = re.search(r"\(([\d,]+) copies, ([\d.]+) worker-minutes of rendering\)", log)
    return float(match.group(2)) * 60 / jobs if match else None
