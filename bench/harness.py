"""Benchmark briefgen: every target on the reference Korean briefing; medians and ratios; printed and JSON.

Run it as ``bench/run`` (see docs/benchmarks.md). Every figure is taken from fresh processes, each measured
through ``bench/child.py``; briefgen and its peer run side by side, interleaved round by round.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from core import ROOT, SCENARIOS, VENV_BIN, Bench, Row, detect_features, outputs, tool_version

# ---------------------------------------------------------------- reporting


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    if unit == "KB":
        return f"{value:.0f} KB"
    if unit == "x":
        return f"{value:.2f}×"
    if unit == "MiB/page":
        return f"{value:.2f} MiB/page"
    return f"{value:g} {unit}".strip()


def _met(met: bool | None) -> str:
    return {True: "met", False: "NOT met", None: "—"}[met]


def table(rows: Sequence[Row]) -> list[list[str]]:
    head = ["Group", "Measure", "briefgen", "Peer", "Peer figure", "Ratio", "Goal", "Met"]
    body = [
        [
            r.group,
            r.what,
            r.text or _fmt(r.value, r.unit),
            r.peer,
            _fmt(r.peer_value, r.unit) if r.peer else "",
            f"{r.ratio:.2f}×" if r.ratio is not None else "",
            r.goal,
            _met(r.met),
        ]
        for r in rows
    ]
    return [head, *body]


def text_table(rows: Sequence[Row]) -> str:
    cells = table(rows)
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  [{r.group}] {r.what}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + (["", "Notes:", *notes] if notes else []))


def markdown_table(rows: Sequence[Row]) -> str:
    cells = table(rows)
    out = ["| " + " | ".join(cells[0]) + " |", "|" + "|".join("---" for _ in cells[0]) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in cells[1:]]
    return "\n".join(out)


def import_summary(details: dict[str, object]) -> str:
    imports = details.get("imports")
    if not isinstance(imports, dict):
        return ""
    lines = ["", "Imports (python -X importtime; top 10 by cumulative time):"]
    for name, report in imports.items():
        if not isinstance(report, dict) or "top_cumulative" not in report:
            continue
        lines.append(
            f"  {name}: {report['total_ms']:.0f} ms of imports, {report['modules']} modules; "
            f"WeasyPrint {'imported' if report['weasyprint'] else 'not imported'}, "
            f"matplotlib {'imported' if report['matplotlib'] else 'not imported'}"
        )
        for item in report["top_cumulative"]:
            lines.append(f"    {item['cumulative_ms']:8.1f} ms  {item['module']}")
        costly = ", ".join(f"{p['package']} {p['ms']:.0f} ms" for p in report["top_packages"])
        lines.append(f"    by package (self time of all its modules): {costly}")
        for package, info in report["heavy"].items():
            lines.append(f"    {package} ({info['ms']:.0f} ms) imported via {' → '.join(info['via'])}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run", description="Benchmark briefgen against its targets.")
    parser.add_argument("--runs", type=int, default=5, help="measured rounds per scenario (default 5)")
    parser.add_argument(
        "--matrix-runs",
        type=int,
        default=None,
        help="rounds of the build matrix, the slowest scenario (default: --runs, at most 2)",
    )
    parser.add_argument(
        "--memory-runs",
        type=int,
        default=1,
        help="rounds of the page-count scaling builds (default 1: peak RSS hardly varies)",
    )
    parser.add_argument("--pages", default="10,20,40,80,220", help="page counts for the memory scaling")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 2, help="N for --all -j N (default: CPUs)"
    )
    parser.add_argument(
        "--batch-recipients",
        type=int,
        default=200,
        help="recipients of the batch throughput runs (default 200)",
    )
    parser.add_argument("--warmup", type=int, default=1, help="discarded warm-up rounds per scenario")
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help=f"scenarios to run ({','.join(SCENARIOS)})"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json", help="the JSON results")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table as Markdown here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (outputs and logs)")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown or args.runs < 1:
        parser.error(f"unknown scenario {unknown[0]!r}" if unknown else "--runs must be at least 1")
    if not Path(VENV_BIN / "briefgen").exists():
        print(f"bench: {VENV_BIN / 'briefgen'} not found: run scripts/setup first", file=sys.stderr)
        return 2

    import scenarios

    tmp = Path(tempfile.mkdtemp(prefix="briefgen-bench-"))
    bench = Bench(
        tmp=tmp,
        runs=args.runs,
        matrix_runs=args.matrix_runs or min(args.runs, 2),
        memory_runs=args.memory_runs,
        jobs=args.jobs,
        warmup=args.warmup,
        pages=[int(p) for p in args.pages.split(",")],
        batch_recipients=args.batch_recipients,
    )
    repo_output = outputs(ROOT / "output")
    try:
        bench.features = detect_features(bench)
        bench.say(f"temporary folder {tmp}; briefgen build has: {bench.features}")
        for name in chosen:
            action: Callable[[Bench], None] = getattr(scenarios, name)
            load = bench.details.setdefault("loadavg_1min", {})
            load[f"{name} start"] = round(os.getloadavg()[0], 2)  # type: ignore[index]
            try:
                action(bench)
            except Exception as exc:  # one broken scenario must not hide the others' figures
                bench.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                bench.say(f"{name}: ERROR {type(exc).__name__}: {exc}")
                bench.details.setdefault("tracebacks", {})[name] = traceback.format_exc()  # type: ignore[index]
            load[f"{name} end"] = round(os.getloadavg()[0], 2)  # type: ignore[index]
        if outputs(ROOT / "output") != repo_output:  # the benchmark only builds temporary copies
            bench.details["warnings"] = [
                "the repository's output/ folder changed during the run (not by bench/, "
                "which builds temporary copies only: someone else built?)"
            ]
        result = {
            "command": ["bench/run", *(argv if argv is not None else sys.argv[1:])],
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "duration_s": round(time.perf_counter() - bench.started, 1),
            "machine": {
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "loadavg": os.getloadavg(),
            },
            "versions": {
                "briefgen": tool_version([bench.briefgen, "--version"]),
                "weasyprint": tool_version([str(VENV_BIN / "weasyprint"), "--version"]),
                "pandoc": tool_version(["pandoc", "--version"]) if shutil.which("pandoc") else None,
            },
            "features": bench.features,
            "options": {
                "runs": bench.runs,
                "matrix_runs": bench.matrix_runs,
                "memory_runs": bench.memory_runs,
                "jobs": bench.jobs,
                "warmup": bench.warmup,
                "pages": bench.pages,
                "batch_recipients": bench.batch_recipients,
                "scenarios": chosen,
            },
            "rows": [asdict(r) for r in bench.rows],
            "details": bench.details,
            "errors": bench.errors,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n", "utf-8")
        if args.markdown:
            args.markdown.write_text(markdown_table(bench.rows) + "\n", "utf-8")
        print(text_table(bench.rows))
        print(import_summary(bench.details))
        met, missed = sum(r.met is True for r in bench.rows), sum(r.met is False for r in bench.rows)
        errors = len(bench.errors)
        print(f"\n{met} met, {missed} not met; {errors} errors; {result['duration_s']} s; JSON: {args.out}")
        for error in bench.errors:
            print(f"error: {error}", file=sys.stderr)
        return 1 if bench.errors else 0
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
