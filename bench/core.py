"""What the benchmark's scenarios share: the run's state (temporary folder, options, results) and helpers."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import measure
import variants

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
SCENARIOS = (
    "startup",
    "pdf",
    "docx",
    "noop",
    "incremental",
    "warm",
    "matrix",
    "memory",
    "fonts",
    "imports",
    "batch",
)


@dataclass
class Row:
    """One line of the results table."""

    group: str
    what: str
    value: float | None
    unit: str  # "s", "MiB", "KB", "x", "MiB/page", "" (then ``text`` is shown)
    peer: str = ""
    peer_value: float | None = None
    ratio: float | None = None  # briefgen / peer (or a speed-up, when the goal says so)
    goal: str = ""
    met: bool | None = None  # None: informational, or could not be measured
    note: str = ""
    text: str = ""


@dataclass
class Bench:
    """What every scenario shares: the temporary folder, the reference copy, options and the results."""

    tmp: Path
    runs: int
    matrix_runs: int
    memory_runs: int
    jobs: int
    warmup: int
    pages: list[int]
    batch_recipients: int = 200  # recipients of the batch scenario's throughput runs
    python: str = str(VENV_BIN / "python")
    briefgen: str = str(VENV_BIN / "briefgen")
    rows: list[Row] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    features: dict[str, object] = field(default_factory=dict)
    chart_path: Path | None = None  # where briefgen keeps drawn charts, inside the output folder
    _counter: int = 0

    def __post_init__(self) -> None:
        self.env = measure.environment([VENV_BIN])
        # Cold builds are cold: no warm process is used or started, except where a scenario says so (with
        # BRIEFGEN_WARM=on for one command); warm processes of the run listen in a folder of its own.
        self.env["BRIEFGEN_WARM"] = "off"
        runtime = self.tmp / "runtime"
        runtime.mkdir(mode=0o700)
        self.env["XDG_RUNTIME_DIR"] = str(runtime)
        self.ref = variants.copy_project(ROOT, self.tmp / "ref")
        self.chart_cache = self.tmp / "chart-cache"
        self.chart_cache.mkdir()
        self.logs = self.tmp / "logs"
        self.logs.mkdir()

    # ------------------------------------------------------------ helpers for scenarios

    def say(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.started:6.1f}s] {message}", file=sys.stderr, flush=True)

    def fresh(self, name: str) -> Path:
        """Return a new empty folder (an output folder for one run)."""
        self._counter += 1
        folder = self.tmp / "runs" / f"{name}-{self._counter}"
        folder.mkdir(parents=True)
        return folder

    def build(
        self, project: Path, out: Path, *args: str, force: bool = True, warm: bool = False
    ) -> list[str]:
        """Return a ``briefgen build`` command into ``out``; ``force`` adds ``--force`` if briefgen has it;
        ``warm`` lets it use the project's warm process (all other builds are cold)."""
        command = [self.briefgen, "build", "--project", str(project), "--output", str(out), *args]
        if warm:
            command = ["env", "BRIEFGEN_WARM=on", *command]
        if force and self.features.get("force"):
            command.append("--force")
        return command

    def seed(self, out: Path) -> Path:
        """Put every chart drawn so far into an output folder's chart cache (a warm cache); return it."""
        if self.chart_path is not None:
            shutil.copytree(self.chart_cache, out / self.chart_path, dirs_exist_ok=True)
        return out

    def harvest(self, out: Path) -> int:
        """Keep the charts a build drew, for later warm-cache runs; return how many files it had drawn."""
        folder = chart_folder(out)
        if folder is None:
            return 0
        if self.chart_path is None:
            self.chart_path = folder.relative_to(out)
            self.details["chart_cache"] = f"<output>/{self.chart_path.as_posix()}"
        files = [p for p in folder.iterdir() if p.is_file()]
        for path in files:
            shutil.copy2(path, self.chart_cache / path.name)
        return len(files)

    def warm_charts(self, *args: str, project: Path | None = None) -> None:
        """Draw (once) the charts that ``briefgen build ARGS`` needs, so that later runs can be seeded."""
        out = self.seed(self.fresh("seed"))
        self.say(f"drawing charts for: build {' '.join(args)}")
        measure.run(
            self.build(project or self.ref, out, *args),
            cwd=self.tmp,
            env=self.env,
            log=self.logs / f"seed-{self._counter}.log",
            name="seed build",
        )
        self.harvest(out)

    def interleave(
        self,
        cases: Sequence[measure.Case],
        rounds: int | None = None,
        warmup: int | None = None,
        group: str = "",
    ) -> None:
        measure.interleave(
            cases,
            self.runs if rounds is None else rounds,
            cwd=self.tmp,
            env=self.env,
            logs=self.logs,
            warmup=self.warmup if warmup is None else warmup,
            progress=lambda text: self.say(f"{group}: {text}"),
        )
        self.details.setdefault(group, {}).update(  # type: ignore[union-attr]
            {case.name: case.summary() for case in cases}
        )

    def add(self, row: Row) -> None:
        self.rows.append(row)


def chart_folder(out: Path) -> Path | None:
    """Return the chart cache inside an output folder: a ``charts`` folder under a hidden folder."""
    for candidate in (out / ".briefgen" / "charts", out / ".cache" / "charts"):
        if candidate.is_dir():
            return candidate
    return next((p for p in sorted(out.glob(".*/**/charts")) if p.is_dir()), None)


def outputs(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Return the documents in an output folder (not hidden files), each with (inode, mtime_ns, size)."""
    found = {}
    for path in folder.iterdir() if folder.is_dir() else ():
        if path.is_file() and not path.name.startswith("."):
            stat = path.stat()
            found[path.name] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    return found


def rewritten(before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]) -> list[str]:
    """Return the documents that were written again (new inode or new mtime) or appeared."""
    return sorted(name for name, stat in after.items() if before.get(name, (None, None))[:2] != stat[:2])


def pdf_pages(path: Path) -> int | None:
    if shutil.which("pdfinfo"):
        done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=False)
        match = re.search(r"^Pages:\s+(\d+)", done.stdout, re.MULTILINE)
        if match:
            return int(match.group(1))
    try:
        from pypdf import PdfReader

        return len(PdfReader(str(path)).pages)
    except Exception:
        return None


def pdf_fonts(path: Path) -> list[str]:
    """Return the embedded font names of a PDF (subset prefixes removed)."""
    if shutil.which("pdffonts"):
        done = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=False)
        names = [line.split()[0] for line in done.stdout.splitlines()[2:] if line.strip()]
    else:
        try:
            from pypdf import PdfReader

            names = []
            for page in PdfReader(str(path)).pages:
                for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
                    names.append(str(font.get_object().get("/BaseFont", "")).lstrip("/"))
        except Exception:
            return []
    return sorted({n.split("+", 1)[-1] for n in names})


def detect_features(bench: Bench) -> dict[str, object]:
    """Read ``briefgen build --help``: which of --all, -j/--jobs and --force exist yet."""
    text = subprocess.run(
        [bench.briefgen, "build", "--help"], capture_output=True, text=True, check=False, env=bench.env
    ).stdout
    jobs = "--jobs" if "--jobs" in text else ("-j" if re.search(r"(^|[\s,])-j\b", text) else None)
    return {"all": "--all" in text, "force": "--force" in text, "jobs": jobs}


def tool_version(command: Sequence[str]) -> str | None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=30)
    except OSError:
        return None
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else None
