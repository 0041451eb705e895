"""Helpers the scenarios share: a case that builds one document, and notes on what the runs did."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import measure
from core import Bench, chart_folder, pdf_pages
from measure import Case, median

BRIEF = "deepseek-briefing"


def output_name(lang: str, ext: str, audience: str | None = None) -> str:
    return ".".join([BRIEF, *([audience] if audience else []), lang, ext])


def charts_in(out: Path) -> int:
    folder = chart_folder(out)
    return sum(1 for p in folder.iterdir() if p.is_file()) if folder is not None else 0


def document_case(
    bench: Bench, name: str, command: Callable[[Path], list[str]], document: str, warm: bool = False
) -> Case:
    """A case that builds one document into a fresh folder (seeded with drawn charts when ``warm``)."""
    state: dict[str, object] = {}
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]

    def prepare(_: int) -> list[str]:
        out = bench.fresh(slug)
        if warm:
            bench.seed(out)
        state["out"], state["seeded"] = out, charts_in(out)
        return command(out)

    def after(_: int, run: measure.Run) -> dict[str, object]:
        out = state["out"]
        assert isinstance(out, Path)
        path = out / document
        if not path.is_file():
            raise RuntimeError(f"{name}: {document} was not written")
        note: dict[str, object] = {
            "bytes": path.stat().st_size,
            "charts_drawn": charts_in(out) - int(state["seeded"]),
        }  # type: ignore[call-overload]
        if path.suffix == ".pdf":
            note["pages"] = pdf_pages(path)
        state["last"] = path
        return note

    case = Case(name, prepare, after)
    case.state = state  # type: ignore[attr-defined]
    return case


def last_note(case: Case, key: str) -> object:
    return case.notes[-1].get(key) if case.notes else None


def busy(case: Case) -> str:
    """Say how many cores a case kept busy: its CPU time (whole process tree) over its wall time."""
    pairs = [r.cpu_s / r.wall_s for r in case.runs if r.wall_s > 0]
    return f"{median(pairs):.2f} cores busy" if pairs else "? cores busy"


def cpu_note(case: Case, peer: Case) -> str:
    """Compare CPU time too: on a shared machine it drifts less than wall time."""
    mine, theirs = median([r.cpu_s for r in case.runs]), median([r.cpu_s for r in peer.runs])
    if not mine or not theirs:
        return ""
    return f"CPU time {mine:.2f} s vs {theirs:.2f} s ({mine / theirs:.2f}×)"


def against(speedup: float | None, ceiling: float | None, goal: float = 1.7) -> str:
    """Say how a speed-up compares with what the machine gave a trivially parallel job in the same run."""
    if speedup is None or ceiling is None:
        return ""
    text = f"; the machine's ceiling this run (parallel_peer.py): {ceiling:.2f}×"
    if speedup <= ceiling:
        text += f", briefgen got {speedup / ceiling:.0%} of it"
    else:
        text += ", below briefgen's: the load from other processes changed between the runs"
    if speedup < goal and ceiling < goal:
        text += "; other processes held the cores, so this figure is inconclusive: rerun on a quiet machine"
    return text


def ok(case: Case) -> bool:
    return case.error is None and bool(case.runs)
