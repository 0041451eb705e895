"""The warm build: a build served by a running briefgen process, against the ``weasyprint`` command."""

from __future__ import annotations

import re

import measure
from cases import cpu_note, document_case, last_note, ok, output_name
from core import Bench, Row
from documents import export_html, weasyprint_case
from measure import median, paired_ratio


def _served(text: str) -> str:
    found = re.search(r"(\d+) builds served", text)
    return found.group(1) if found else "?"


def warm(bench: Bench) -> None:
    group = "Warm build (ko)"
    ko = ["--lang", "ko", "--format", "pdf"]
    bench.warm_charts(*ko)
    bench.warm_charts("--lang", "ko", "--format", "docx")  # the DOCX's charts too, when run without docx
    peers = bench.tmp / "peers"
    peers.mkdir(exist_ok=True)
    html = peers / "brief-warm.html"
    html.write_text(export_html(bench.ref, "ko", bench.chart_cache), "utf-8")
    started = measure.run(
        [bench.briefgen, "warm", "--project", str(bench.ref)],
        cwd=bench.tmp,
        env=bench.env,
        log=bench.logs / "warm-start.log",
        name="briefgen warm",
    )
    weasy = weasyprint_case(bench, html)
    served = document_case(
        bench,
        "briefgen build, served warm",
        lambda out: bench.build(bench.ref, out, *ko, warm=True),
        output_name("ko", "pdf"),
        warm=True,
    )
    cold = document_case(
        bench,
        "briefgen build, cold",
        lambda out: bench.build(bench.ref, out, *ko),
        output_name("ko", "pdf"),
        warm=True,
    )
    served_docx = document_case(
        bench,
        "briefgen DOCX, served warm",
        lambda out: bench.build(bench.ref, out, "--lang", "ko", "--format", "docx", warm=True),
        output_name("ko", "docx"),
        warm=True,
    )
    try:
        bench.interleave([weasy, served, cold, served_docx], group=group)
        status = measure.run(
            [bench.briefgen, "warm", "--status", "--project", str(bench.ref)],
            cwd=bench.tmp,
            env=bench.env,
            log=bench.logs / "warm-status.log",
            name="briefgen warm --status",
        )
    finally:
        measure.run(
            [bench.briefgen, "warm", "--stop", "--project", str(bench.ref)],
            cwd=bench.tmp,
            env=bench.env,
            log=bench.logs / "warm-stop.log",
            name="briefgen warm --stop",
            check=False,
        )
    ratio = paired_ratio(served, weasy) if ok(served) and ok(weasy) else None
    bench.add(
        Row(
            group,
            "PDF served by a warm process vs weasyprint CLI",
            median(served.walls),
            "s",
            "weasyprint CLI",
            median(weasy.walls),
            ratio,
            "≤ 0.80×",
            None if ratio is None else ratio <= 0.80,
            f"warm chart cache; it served {_served(status.log)} builds; "
            f"the warm process was ready {started.wall_s:.2f} s after `briefgen warm`; "
            + cpu_note(cold, weasy).replace("CPU time", "cold build's CPU time")
            + (served.error or ""),
        )
    )
    ratio = paired_ratio(cold, weasy) if ok(cold) and ok(weasy) else None
    bench.add(
        Row(
            group,
            "the same build, cold, vs weasyprint CLI",
            median(cold.walls),
            "s",
            "weasyprint CLI",
            median(weasy.walls),
            ratio,
            "—",
            None,
            "beside the warm build, same rounds",
        )
    )
    same = (
        served.state.get("last") is not None  # type: ignore[attr-defined]
        and cold.state.get("last") is not None  # type: ignore[attr-defined]
        and served.state["last"].read_bytes() == cold.state["last"].read_bytes()  # type: ignore[attr-defined]
    )
    bench.add(
        Row(
            group,
            "warm PDF bytes vs cold PDF bytes",
            None,
            "",
            text="identical" if same else "DIFFERENT",
            goal="identical",
            met=same,
            note=f"{last_note(served, 'bytes')} bytes, {last_note(served, 'pages')} pages",
        )
    )
    bench.add(
        Row(
            group,
            "DOCX served by a warm process",
            median(served_docx.walls),
            "s",
            note="warm chart cache" + (served_docx.error or ""),
        )
    )
