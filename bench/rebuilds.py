"""Scenarios that build into a folder again or build many outputs: no-op, incremental, the build matrix."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import measure
import variants
from cases import against, busy, document_case, last_note, ok, output_name
from core import ROOT, Bench, Row, outputs, rewritten
from measure import Case, median, paired_ratio

# ---------------------------------------------------------------- no-op and incremental rebuilds


def noop(bench: Bench) -> None:
    group = "No-op rebuild"
    args = ["--lang", "ko", "--format", "pdf", "--format", "docx"]
    out = bench.seed(bench.fresh("noop"))
    first = measure.run(
        bench.build(bench.ref, out, *args, force=False),
        cwd=bench.tmp,
        env=bench.env,
        log=bench.logs / "noop-first.log",
        name="first build",
    )
    state: dict[str, object] = {}

    def prepare(_: int) -> list[str]:
        state["before"] = outputs(out)
        return bench.build(bench.ref, out, *args, force=False)

    def after(_: int, run: measure.Run) -> dict[str, object]:
        return {"rewritten": rewritten(state["before"], outputs(out))}  # type: ignore[arg-type]

    peer = Case("briefgen --help", lambda _: [bench.briefgen, "--help"])
    case = Case("no-op rebuild", prepare, after)
    bench.interleave([peer, case], group=group)
    counts = [len(n["rewritten"]) for n in case.notes]  # type: ignore[arg-type]
    documents = len(outputs(out))
    bench.add(
        Row(
            group,
            "ko pdf+docx, nothing changed",
            median(case.walls),
            "s",
            "briefgen --help",
            median(peer.walls),
            paired_ratio(case, peer),
            "≤ 0.15 s",
            None if not ok(case) else median(case.walls) <= 0.15,  # type: ignore[operator]
            f"the first build took {first.wall_s:.2f} s"
            + ("" if bench.features.get("force") else "; briefgen has no build cache yet (no --force)"),
        )
    )
    rewrote = sum(1 for c in counts if c)
    bench.add(
        Row(
            group,
            "outputs left untouched",
            None,
            "",
            text=f"rewritten in {rewrote}/{len(counts)} runs ({max(counts, default=0)} of {documents} files)",
            goal="none rewritten",
            met=None if not counts else rewrote == 0,
            note="compared by inode and mtime of each document",
        )
    )


def incremental(bench: Bench) -> None:
    group = "Incremental rebuild"
    project = variants.copy_project(ROOT, bench.tmp / "incremental-project")
    edited = project / "content" / "ko" / "04-cost.yaml"
    args = ["--lang", "ko", "--lang", "en", "--format", "pdf"]
    bench.warm_charts(*args, project=project)
    out = bench.seed(bench.fresh("incremental"))
    measure.run(
        bench.build(project, out, *args, force=False),
        cwd=bench.tmp,
        env=bench.env,
        log=bench.logs / "incremental-first.log",
        name="first build",
    )
    ko, en = output_name("ko", "pdf"), output_name("en", "pdf")
    state: dict[str, object] = {}

    def prepare(number: int) -> list[str]:
        variants.edit_title(edited, f"bench {number + 10}")  # a real change of the ko content
        state["before"] = outputs(out)
        return bench.build(project, out, *args, force=False)

    def after(_: int, run: measure.Run) -> dict[str, object]:
        return {"rewritten": rewritten(state["before"], outputs(out))}  # type: ignore[arg-type]

    full = document_case(
        bench, "full build, fresh folder", lambda o: bench.build(project, o, *args), ko, warm=True
    )
    case = Case("rebuild after editing ko/04-cost.yaml", prepare, after)
    bench.interleave([full, case], group=group)
    notes = [n["rewritten"] for n in case.notes]
    ko_runs = sum(ko in n for n in notes)  # type: ignore[operator]
    en_runs = sum(en in n for n in notes)  # type: ignore[operator]
    bench.add(
        Row(
            group,
            "edit ko/04-cost.yaml, rebuild ko+en pdf",
            median(case.walls),
            "s",
            "full ko+en build",
            median(full.walls),
            paired_ratio(case, full),
            "—",
            None,
            case.error or "",
        )
    )
    correct = bool(notes) and ko_runs == len(notes) and en_runs == 0
    bench.add(
        Row(
            group,
            "only the ko output rebuilt",
            None,
            "",
            text=f"ko rebuilt {ko_runs}/{len(notes)}, en rebuilt {en_runs}/{len(notes)}",
            goal="ko always, en never",
            met=None if not notes else correct,
            note=""
            if ko_runs == len(notes)
            else "the ko PDF was NOT rebuilt after its content changed: stale",
        )
    )
    # touching without changing: rebuilding ko is fine (mtime-based), rebuilding en is not
    before = outputs(out)
    os.utime(edited)
    touch = measure.run(
        bench.build(project, out, *args, force=False),
        cwd=bench.tmp,
        env=bench.env,
        log=bench.logs / "incremental-touch.log",
        name="rebuild after touch",
    )
    changed = rewritten(before, outputs(out))
    bench.add(
        Row(
            group,
            "touch ko/04-cost.yaml (mtime only)",
            touch.wall_s,
            "s",
            goal="en not rebuilt",
            met=en not in changed,
            note=f"rewritten: {', '.join(changed) or 'nothing'} (one run)",
        )
    )
    bench.details.setdefault(group, {})["touch_rewritten"] = changed  # type: ignore[index]
    _edited_section(bench, project, edited)


def _edited_section(bench: Bench, project: Path, edited: Path) -> None:
    """One edited section, one language: its rebuild (cold, then served warm) against a forced full build."""
    group = "Incremental rebuild"
    ko = ["--lang", "ko", "--format", "pdf"]
    folders = {name: bench.seed(bench.fresh(f"edited-{name}")) for name in ("forced", "cold", "warm")}
    for name, out in folders.items():
        measure.run(
            bench.build(project, out, *ko, force=False, warm=name == "warm"),
            cwd=bench.tmp,
            env=bench.env,
            log=bench.logs / f"edited-first-{name}.log",
            name=f"first build ({name})",
        )
    started = measure.run(
        [bench.briefgen, "warm", "--project", str(project)],
        cwd=bench.tmp,
        env=bench.env,
        log=bench.logs / "edited-warm-start.log",
        name="briefgen warm",
    )
    state: dict[str, object] = {}

    def editing(name: str, warm: bool) -> measure.Case:
        def prepare(number: int) -> list[str]:
            variants.edit_title(edited, f"bench {name} {number + 10}")  # a real change of the ko content
            state[name] = outputs(folders[name])
            return bench.build(project, folders[name], *ko, force=False, warm=warm)

        def after(_: int, run: measure.Run) -> dict[str, object]:
            return {"rewritten": rewritten(state[name], outputs(folders[name]))}  # type: ignore[arg-type]

        return Case(f"edit ko/04-cost.yaml, rebuild ko ({name})", prepare, after)

    forced = Case("forced full ko build", lambda _: bench.build(project, folders["forced"], *ko, force=True))
    cold, warm = editing("cold", False), editing("warm", True)
    try:
        bench.interleave([forced, cold, warm], group=group)
    finally:
        measure.run(
            [bench.briefgen, "warm", "--stop", "--project", str(project)],
            cwd=bench.tmp,
            env=bench.env,
            log=bench.logs / "edited-warm-stop.log",
            name="briefgen warm --stop",
            check=False,
        )
    for case, label in ((cold, "cold process"), (warm, "served by a warm process")):
        rebuilt = sum(output_name("ko", "pdf") in n["rewritten"] for n in case.notes)  # type: ignore[operator]
        ratio = paired_ratio(case, forced) if ok(case) and ok(forced) else None
        bench.add(
            Row(
                group,
                f"edit one ko section, rebuild ko PDF ({label})",
                median(case.walls),
                "s",
                "forced full ko build",
                median(forced.walls),
                ratio,
                "≤ 0.80×",
                None if ratio is None else ratio <= 0.80,
                f"ko PDF rebuilt in {rebuilt}/{len(case.notes)} rounds; the peer is `build --force` in a "
                "cold process"
                + (f"; the warm process started in {started.wall_s:.2f} s" if case is warm else "")
                + (case.error or ""),
            )
        )


# ---------------------------------------------------------------- the build matrix


def matrix(bench: Bench) -> None:
    group = "Matrix"
    langs = variants.languages(bench.ref)
    audiences: list[str | None] = [None, *variants.audiences(bench.ref)]
    formats = ["pdf", "docx", "html"]
    singles = [
        ["--lang", lang, "--format", fmt, *(["--audience", a] if a else [])]
        for a in audiences
        for lang in langs
        for fmt in formats
    ]
    expected = len(singles)
    lang_args = [x for lang in langs for x in ("--lang", lang)]
    format_args = [x for fmt in formats for x in ("--format", fmt)]
    audience_args = [x for a in audiences if a for x in ("--audience", a)]
    state: dict[str, Path] = {}

    def shell(commands: list[list[str]]) -> list[str]:
        return ["sh", "-c", " && ".join(shlex.join(c) for c in commands)]

    def make(name: str, commands: Callable[[Path], list[list[str]]]) -> Case:
        def prepare(_: int) -> list[str]:
            out = bench.seed(bench.fresh(re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")))
            state[name] = out
            parts = commands(out)
            return parts[0] if len(parts) == 1 else shell(parts)

        def after(_: int, run: measure.Run) -> dict[str, object]:
            return {"documents": len(outputs(state[name]))}

        return Case(name, prepare, after)

    in_process = make(
        "sequential, 2 processes (no --all)",
        lambda out: [
            bench.build(bench.ref, out, *lang_args, *format_args),
            bench.build(bench.ref, out, *lang_args, *format_args, *audience_args),
        ],
    )
    # the charts of every audience and language, drawn once (HTML and DOCX draw all of them, SVG and PNG,
    # faster than PDF would): each round then starts from the same warm cache
    bench.say(
        f"matrix: {expected} documents ({len(langs)} languages × {len(audiences)} audiences × "
        f"{len(formats)} formats); drawing their charts once"
    )
    bench.warm_charts(*lang_args, "--format", "html", "--format", "docx")
    bench.warm_charts(*lang_args, "--format", "html", "--format", "docx", *audience_args)
    one_by_one = make(
        "one by one, separate processes", lambda out: [bench.build(bench.ref, out, *s) for s in singles]
    )
    jobs = bench.features.get("jobs")
    if bench.features.get("all") and jobs:
        parallel = make(
            f"--all -j {bench.jobs}",
            lambda out: [bench.build(bench.ref, out, "--all", str(jobs), str(bench.jobs))],
        )
        serial = make("--all -j 1", lambda out: [bench.build(bench.ref, out, "--all", str(jobs), "1")])
        cases = [serial, parallel, one_by_one]
    else:
        parallel = serial = None
        cases = [in_process, one_by_one]
    # what the machine itself gives a trivially parallel job, measured beside the builds
    script = str(Path(__file__).resolve().with_name("parallel_peer.py"))
    cpu_1 = Case("CPU-bound peer -j 1", lambda _: [bench.python, script, "1"])
    cpu_n = Case(f"CPU-bound peer -j {bench.jobs}", lambda _: [bench.python, script, str(bench.jobs)])
    # each peer next to the build with the same -j, so that both meet the same contention
    order = [cpu_1, *cases[:2], cpu_n, *cases[2:]]
    bench.interleave(order, rounds=bench.matrix_runs, warmup=0, group=group)
    ceiling = paired_ratio(cpu_1, cpu_n)
    bench.add(
        Row(
            group,
            f"trivially parallel CPU job, -j {bench.jobs} vs -j 1",
            median(cpu_n.walls),
            "s",
            "-j 1",
            median(cpu_1.walls),
            ceiling,
            "—",
            None,
            f"bench/parallel_peer.py: the most -j {bench.jobs} can gain on this machine during this run "
            f"(~2× on 2 idle cores); {busy(cpu_1)} at -j 1, {busy(cpu_n)} at -j {bench.jobs}",
        )
    )
    counts = {c.name: last_note(c, "documents") for c in cases}
    bench.details.setdefault(group, {})["documents"] = counts  # type: ignore[index]
    bench.details[group]["expected_documents"] = expected  # type: ignore[index]
    if parallel is not None and serial is not None:
        speedup = paired_ratio(serial, parallel)
        bench.add(
            Row(
                group,
                f"--all -j {bench.jobs} vs -j 1",
                median(parallel.walls),
                "s",
                "--all -j 1",
                median(serial.walls),
                speedup,
                "≥ 1.70× speed-up",
                None if speedup is None else speedup >= 1.7,
                f"{counts[parallel.name]} documents (expected {expected}); ratio = -j 1 time / -j N time; "
                f"{busy(serial)} at -j 1, {busy(parallel)} at -j {bench.jobs}" + against(speedup, ceiling),
            )
        )
        speedup = paired_ratio(one_by_one, parallel)
        bench.add(
            Row(
                group,
                f"--all -j {bench.jobs} vs one by one",
                median(parallel.walls),
                "s",
                f"{expected} separate builds",
                median(one_by_one.walls),
                speedup,
                "≥ 1.50× speed-up",
                None if speedup is None else speedup >= 1.5,
                "ratio = one-by-one time / --all time",
            )
        )
    else:
        missing = "--all" if not bench.features.get("all") else "-j/--jobs"
        bench.add(
            Row(
                group,
                f"--all -j {bench.jobs} vs -j 1",
                None,
                "s",
                goal="≥ 1.70× speed-up",
                met=False,
                note=f"briefgen build has no {missing} yet: not measurable, so not met",
            )
        )
        bench.add(
            Row(
                group,
                f"--all -j {bench.jobs} vs one by one",
                None,
                "s",
                goal="≥ 1.50× speed-up",
                met=False,
                note=f"briefgen build has no {missing} yet: not measurable, so not met",
            )
        )
        speedup = paired_ratio(one_by_one, in_process)
        bench.add(
            Row(
                group,
                "sequential in 2 processes vs one by one",
                median(in_process.walls),
                "s",
                f"{expected} separate builds",
                median(one_by_one.walls),
                speedup,
                "—",
                None,
                f"today's nearest to --all -j 1: all languages and formats in one process, then all "
                f"audiences in another; {counts[in_process.name]} documents (expected {expected})",
            )
        )
    bench.add(
        Row(
            group,
            "peak RSS of the largest process",
            max((median(c.rss) or 0) for c in cases),
            "MiB",
            note="per process (a -j N build's workers are not summed)",
        )
    )
