"""Measure processes: wall time and peak RSS per process, interleaved rounds, medians, paired ratios.

Every measured command runs in a fresh process through ``bench/child.py``; nothing is timed in this process.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CHILD = Path(__file__).resolve().with_name("child.py")
MIB = 1024.0


class CommandFailed(Exception):
    """A measured command exited with an error: its figure cannot be reported."""

    def __init__(self, name: str, command: Sequence[str], code: int, log: str) -> None:
        tail = "\n".join(log.strip().splitlines()[-12:])
        super().__init__(f"{name}: exit {code}: {' '.join(command)}\n{tail}")
        self.tail = tail


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    rss_mib: float
    returncode: int
    log: str


def run(
    command: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path, name: str = "", check: bool = True
) -> Run:
    """Run one command in a fresh process (through the wrapper) and return its wall time and peak RSS."""
    wrapper = [sys.executable, str(CHILD), str(log), "--", *command]
    done = subprocess.run(wrapper, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the measuring wrapper failed: {done.stderr.strip()}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    text = log.read_text("utf-8", errors="replace") if log.exists() else ""
    result = Run(report["wall_s"], report["cpu_s"], report["maxrss_kib"] / MIB, report["returncode"], text)
    if check and result.returncode != 0:
        raise CommandFailed(name or command[0], command, result.returncode, text)
    return result


@dataclass
class Case:
    """One command measured in every round; ``prepare(round)`` returns the command (and makes a fresh folder).

    ``after(round, run)`` may inspect what the command did (files written…) and returns notes to keep.
    """

    name: str
    prepare: Callable[[int], list[str]]
    after: Callable[[int, Run], dict[str, object]] | None = None
    runs: list[Run] = field(default_factory=list)
    notes: list[dict[str, object]] = field(default_factory=list)
    last_command: list[str] = field(default_factory=list)
    error: str | None = None  # set when a run failed: the case is left out of later rounds

    @property
    def walls(self) -> list[float]:
        return [r.wall_s for r in self.runs]

    @property
    def rss(self) -> list[float]:
        return [r.rss_mib for r in self.runs]

    def summary(self) -> dict[str, object]:
        return {
            "median_s": median(self.walls),
            "median_rss_mib": median(self.rss),
            "median_cpu_s": median([r.cpu_s for r in self.runs]),
            "min_s": min(self.walls, default=None),
            "max_s": max(self.walls, default=None),
            "runs_s": [round(w, 4) for w in self.walls],
            "rss_mib": [round(r, 1) for r in self.rss],
            "command": self.last_command,
            "error": self.error,
            "notes": self.notes,
        }


def interleave(
    cases: Sequence[Case],
    rounds: int,
    *,
    cwd: Path,
    env: dict[str, str],
    logs: Path,
    warmup: int = 1,
    progress: Callable[[str], None] = lambda _: None,
) -> None:
    """Run every case once per round, A B C | C B A | A B C…, so that drift on the machine hits all alike.

    Warm-up rounds run first and are not kept (they compile bytecode, fill the OS page cache, and fill
    whatever a case's ``prepare`` copies from).
    """
    logs.mkdir(parents=True, exist_ok=True)
    for number in range(-warmup, rounds):
        order = list(cases) if number % 2 == 0 else list(reversed(cases))
        for case in order:
            if case.error is not None:
                continue
            command = case.prepare(number)
            case.last_command = command
            label = f"{case.name} (warm-up)" if number < 0 else f"{case.name} {number + 1}/{rounds}"
            progress(label)
            try:
                result = run(
                    command, cwd=cwd, env=env, log=logs / f"{_slug(case.name)}.{number}.log", name=case.name
                )
            except CommandFailed as exc:
                case.error = str(exc)
                progress(f"{case.name} FAILED: {exc}")
                continue
            if number >= 0:
                case.runs.append(result)
                if case.after is not None:
                    case.notes.append(case.after(number, result))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def paired_ratio(top: Case, bottom: Case) -> float | None:
    """Return the median of the per-round ratios top/bottom (each pair ran side by side)."""
    pairs = [a / b for a, b in zip(top.walls, bottom.walls, strict=False) if b > 0]
    return statistics.median(pairs) if pairs else None


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> dict[str, float] | None:
    """Least squares y = intercept + slope·x, with R²."""
    if len(xs) < 2 or len(set(xs)) < 2:
        return None
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = mean_y - slope * mean_x
    total = sum((y - mean_y) ** 2 for y in ys)
    residual = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    return {"slope": slope, "intercept": intercept, "r2": 1 - residual / total if total else 1.0}


# ---------------------------------------------------------------- python -X importtime

_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


@dataclass
class Import:
    module: str
    self_us: int
    cumulative_us: int
    depth: int
    parent: str | None = None


def parse_importtime(text: str) -> list[Import]:
    """Parse ``-X importtime`` output; each import gets the module that imported it (its parent)."""
    found: list[Import] = []
    for line in text.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            depth = (len(match.group(3)) - 1) // 2
            found.append(Import(match.group(4), int(match.group(1)), int(match.group(2)), depth))
    # children are printed before their parent: the parent of a line is the next line one level up
    pending: dict[int, list[Import]] = {}
    for item in found:
        for child in pending.pop(item.depth + 1, []):
            child.parent = item.module
        pending.setdefault(item.depth, []).append(item)
    return found


def chain(imports: Sequence[Import], module: str) -> list[str]:
    """Return who imported a module, outermost first: ``briefgen.build → briefgen.audience → pydantic``."""
    by_name = {i.module: i for i in imports}
    path = [module]
    while (item := by_name.get(path[-1])) is not None and item.parent and len(path) < 40:
        path.append(item.parent)
    return list(reversed(path))


HEAVY = (
    "weasyprint",
    "matplotlib",
    "numpy",
    "PIL",
    "docx",
    "lxml",
    "fontTools",
    "pydyf",
    "tinycss2",
    "cssselect2",
    "pydantic",
    "babel",
    "jinja2",
    "yaml",
    "markdown_it",
    "email",
    "smtplib",
    "ssl",
    "cryptography",
)


def import_report(text: str, top: int = 10) -> dict[str, object]:
    """Summarize one ``-X importtime`` run: top modules by cumulative time, cost per package, heavy packages.

    A package's cost is the self time of all its modules (``pydantic`` and ``pydantic.*``), wherever they were
    imported from; ``via`` is the chain that imported its first module (the place a lazy import would go).
    """
    imports = parse_importtime(text)
    ranked = sorted(imports, key=lambda i: i.cumulative_us, reverse=True)
    roots = [i for i in imports if i.depth == 0]
    packages: dict[str, int] = {}
    first: dict[str, Import] = {}
    for item in imports:
        package = item.module.split(".")[0]
        packages[package] = packages.get(package, 0) + item.self_us
        first.setdefault(package, item)
    names = {i.module for i in imports}
    heavy = {
        name: {
            "ms": round(packages[name] / 1000, 1),
            "via": chain(imports, name if name in names else first[name].module),
        }
        for name in HEAVY
        if name in packages
    }
    return {
        "total_ms": round(sum(i.cumulative_us for i in roots) / 1000, 1),
        "top_cumulative": [
            {
                "module": i.module,
                "cumulative_ms": round(i.cumulative_us / 1000, 1),
                "self_ms": round(i.self_us / 1000, 1),
            }
            for i in ranked[:top]
        ],
        "top_packages": [
            {"package": name, "ms": round(us / 1000, 1)}
            for name, us in sorted(packages.items(), key=lambda kv: kv[1], reverse=True)[:top]
        ],
        "heavy": heavy,
        "weasyprint": "weasyprint" in packages,
        "matplotlib": "matplotlib" in packages,
        "modules": len(imports),
    }


def environment(extra_path: Sequence[Path] = ()) -> dict[str, str]:
    """Return the environment for measured processes: this one, with some folders first on PATH."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([*map(str, extra_path), env.get("PATH", "")])
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONHASHSEED", "0")
    return env
