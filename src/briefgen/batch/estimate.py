"""Estimate how long a batch takes, from what copies of the same editions measurably cost.

Every run records how long each copy took to render (by language, audience and format, in a worker) and
each message to send, in ``.briefgen/costs.json`` in the batch folder (the last 200 of each). The estimate
for N workers is the rendering time of the copies still to make divided among them, or the sending time of
the messages if that is longer (the client sends one at a time while the workers render). An edition never
measured is measured on the spot: one copy rendered twice in this process (the first to warm up).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.batch.plan import Batch, Step
from briefgen.output import write_file
from briefgen.plan import STATE_FOLDER

COSTS = "costs.json"
KEEP = 200
MAIL = "mail"


def costs_path(folder: Path) -> Path:
    return folder / STATE_FOLDER / COSTS


def load(folder: Path) -> dict[str, list[float]]:
    """Return the recorded samples by key ("ko executive pdf", "mail"); empty when none were recorded."""
    try:
        data = json.loads(costs_path(folder).read_text("utf-8"))
        return {str(k): [float(x) for x in v] for k, v in data.get("samples", {}).items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def record(folder: Path, samples: dict[str, list[float]]) -> None:
    """Add samples to the record, keeping the latest ones of each key."""
    if not any(samples.values()):
        return
    known = load(folder)
    for key, values in samples.items():
        known[key] = (known.get(key, []) + list(values))[-KEEP:]
    write_file(costs_path(folder), json.dumps({"samples": known}, indent=1, sort_keys=True).encode("utf-8"))


@dataclass(frozen=True)
class Cost:
    seconds: float  # median
    samples: int
    measured_now: bool = False


@dataclass
class Estimate:
    """The work left and what it costs; ``wall(n)`` is the expected time with n workers."""

    copies: int  # copies to render
    messages: int  # messages to send or write
    render_seconds: float  # rendering time of those copies, one after the other
    mail_each: float | None  # seconds per message, if measured
    costs: dict[str, Cost] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # editions that could not be measured

    @property
    def mail_seconds(self) -> float:
        return self.messages * (self.mail_each or 0.0)

    def wall(self, workers: int) -> float:
        return max(self.render_seconds / max(workers, 1), self.mail_seconds)


def estimate(
    batch: Batch,
    steps: Sequence[Step],
    measure: Callable[[str, str | None, str], float] | None = None,
) -> Estimate:
    """Estimate the work of the planned steps; ``measure(lang, audience, fmt)`` times a new edition."""
    known = load(batch.folder)
    render = [s for s in steps if s.action == "render"]
    delivering = 0 if batch.options.mode == "build" else sum(s.action in ("render", "deliver") for s in steps)
    costs: dict[str, Cost] = {}
    missing: list[str] = []
    total = 0.0
    for step in render:
        r = step.recipient
        for fmt in r.formats:
            key = f"{r.edition} {fmt}"
            if key not in costs and key not in missing:
                if known.get(key):
                    costs[key] = Cost(statistics.median(known[key]), len(known[key]))
                elif measure is not None:
                    seconds = measure(r.lang, r.audience, fmt)
                    costs[key] = Cost(seconds, 1, measured_now=True)
                    record(batch.folder, {key: [seconds]})
                else:
                    missing.append(key)
            if key in costs:
                total += costs[key].seconds
    mail = known.get(MAIL)
    mail_each = statistics.median(mail) if mail and batch.options.mode == "mail" else None
    return Estimate(len(render), delivering, total, mail_each, costs, missing)


def sampler(batch: Batch) -> Callable[[str, str | None, str], float]:
    """Return a function that measures one copy of an edition here: rendered twice, the second timed."""
    from typing import Any

    from briefgen.bundle import CopyMark, pack, render
    from briefgen.plan import created

    loaded: Any = batch.loaded
    bundle = pack(
        batch.root,
        loaded.brief,
        batch.profiles,
        cache=batch.root / "output" / STATE_FOLDER / "charts",
        created=created(),
        pdf_variant=batch.options.pdf_variant,
        portable=False,
    )
    sample = batch.recipients[0]
    mark = (
        CopyMark(sample.name, sample.organisation, 1, len(batch.recipients), "SAMP-LE00")
        if batch.options.marking
        else None
    )

    def measure(lang: str, audience: str | None, fmt: str) -> float:
        render(bundle, lang, audience, fmt, mark)  # warm up: imports, fonts, charts
        started = time.perf_counter()
        render(bundle, lang, audience, fmt, mark)
        return time.perf_counter() - started

    return measure


def duration(seconds: float) -> str:
    """Write a duration for a person: ``45 s``, ``12 min``, ``2 h 5 min``."""
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
