"""Scenarios about resources: memory against the page count, and what each command imports."""

from __future__ import annotations

import subprocess
from pathlib import Path

import measure
import variants
from cases import document_case, last_note, ok, output_name
from core import ROOT, Bench, Row, pdf_pages
from measure import median

# ---------------------------------------------------------------- memory against page count

#: Peak RSS of the Korean PDF at 20 times the content when the build printed in its own process (pages, MiB):
#: what the build must not exceed now.
BEFORE_220 = (220, 546)


def _theme_share(project: Path, lang: str) -> float:
    """Return the share of the edition's text in theme sections (to pick a theme count for a page count)."""
    from export_markdown import block

    from briefgen.build import load_project
    from briefgen.context import build_context

    ctx = build_context(load_project(project).brief, lang)
    sizes = {s.id: sum(len("".join(block(b))) for b in s.blocks) for s in ctx.sections}
    themes = sum(sizes[s.id] for s in ctx.sections if s.role == "theme")
    return themes / max(1, sum(sizes.values()))


def memory(bench: Bench) -> None:
    group = "Memory"
    ko = ["--lang", "ko", "--format", "pdf"]
    pages = bench.details.get("ko_pages")
    if not isinstance(pages, int):
        bench.warm_charts(*ko)
        out = bench.seed(bench.fresh("memory-probe"))
        measure.run(
            bench.build(bench.ref, out, *ko), cwd=bench.tmp, env=bench.env, log=bench.logs / "probe.log"
        )
        pages = pdf_pages(out / output_name("ko", "pdf")) or 16
    themes = variants.theme_count(bench.ref, "ko")
    per_theme = pages * _theme_share(bench.ref, "ko") / themes
    fixed = pages - per_theme * themes
    cases = []
    for target in bench.pages:
        count = max(1, round((target - fixed) / per_theme))
        project = variants.copy_project(ROOT, bench.tmp / f"pages-{target}")
        variants.scale_project(project, count)
        case = document_case(
            bench,
            f"~{target} pages ({count} themes)",
            lambda out, p=project: bench.build(p, out, *ko),
            output_name("ko", "pdf"),
            warm=True,
        )
        case.themes = count  # type: ignore[attr-defined]
        cases.append(case)
    bench.interleave(cases, rounds=bench.memory_runs, warmup=0, group=group)
    points = [(float(last_note(c, "pages")), median(c.rss), median(c.walls)) for c in cases if ok(c)]  # type: ignore[arg-type]
    for case in cases:
        bench.add(
            Row(
                group,
                f"ko PDF, {last_note(case, 'pages')} pages ({case.themes} themes)",  # type: ignore[attr-defined]
                median(case.rss),
                "MiB",
                note=f"{median(case.walls) or 0:.2f} s; warm chart cache" + (case.error or ""),
            )
        )
    rss_fit = measure.linear_fit([p for p, _, _ in points], [r for _, r, _ in points])  # type: ignore[misc]
    time_fit = measure.linear_fit([p for p, _, _ in points], [t for _, _, t in points])  # type: ignore[misc]
    bench.details.setdefault(group, {}).update({"points": points, "rss_fit": rss_fit, "time_fit": time_fit})  # type: ignore[union-attr]
    if rss_fit is None:
        bench.add(Row(group, "peak RSS per page", None, "MiB/page", note="too few sizes measured for a fit"))
        return
    at70 = rss_fit["intercept"] + 70 * rss_fit["slope"]
    bench.add(
        Row(
            group,
            "peak RSS per page (linear fit)",
            rss_fit["slope"],
            "MiB/page",
            note=f"RSS ≈ {rss_fit['intercept']:.0f} MiB + {rss_fit['slope']:.2f} MiB × pages, "
            f"R² = {rss_fit['r2']:.3f}"
            + (
                f"; time ≈ {time_fit['intercept']:.2f} s + {time_fit['slope'] * 1000:.0f} ms × pages"
                if time_fit
                else ""
            ),
        )
    )
    bench.add(
        Row(group, "peak RSS at 70 pages (from the fit)", at70, "MiB", goal="≤ 250 MiB", met=at70 <= 250)
    )
    largest = max(points, key=lambda p: p[0])
    pages, largest_rss, seconds = largest
    if pages >= 150 and largest_rss is not None:
        rss: float = largest_rss
        bench.add(
            Row(
                group,
                f"peak RSS at {pages:.0f} pages, per page",
                rss / pages,
                "MiB/page",
                goal=f"≤ {BEFORE_220[1] / BEFORE_220[0]:.2f} MiB/page",
                met=rss / pages <= BEFORE_220[1] / BEFORE_220[0],
                note=f"{rss:.0f} MiB for {pages:.0f} pages in {seconds:.1f} s; the figure not to exceed: "
                f"{BEFORE_220[1]} MiB at {BEFORE_220[0]} pages, measured when the build printed in-process",
            )
        )


# ---------------------------------------------------------------- lazy imports


def imports(bench: Bench) -> None:
    group = "Lazy imports"
    bench.warm_charts("--lang", "ko", "--format", "docx")
    commands = {
        "briefgen --help": ["--help"],
        "briefgen check": ["check", "--project", str(bench.ref)],
        "briefgen build --format docx": [
            "build",
            "--project",
            str(bench.ref),
            "--output",
            str(bench.seed(bench.fresh("imports-docx"))),
            "--lang",
            "ko",
            "--format",
            "docx",
        ],
        "briefgen build --format pdf": [
            "build",
            "--project",
            str(bench.ref),
            "--output",
            str(bench.seed(bench.fresh("imports-pdf"))),
            "--lang",
            "ko",
            "--format",
            "pdf",
        ],
    }
    reports: dict[str, object] = {}
    for name, args in commands.items():
        bench.say(f"{group}: python -X importtime -m briefgen {' '.join(args[:1])}")
        done = subprocess.run(
            [bench.python, "-X", "importtime", "-m", "briefgen", *args],
            cwd=bench.tmp,
            env=bench.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{name} failed (exit {done.returncode}): {done.stderr[-800:]}")
        reports[name] = measure.import_report(done.stderr)
    bench.details["imports"] = reports
    for name, forbidden in (
        ("briefgen --help", ("weasyprint", "matplotlib")),
        ("briefgen check", ("weasyprint", "matplotlib")),
        ("briefgen build --format docx", ("weasyprint",)),
    ):
        report = reports[name]
        assert isinstance(report, dict)
        found = [m for m in forbidden if report[m]]
        others = [m for m in ("weasyprint", "matplotlib") if m not in forbidden and report[m]]
        text = (f"imports {', '.join(found)}" if found else f"no {' or '.join(forbidden)}") + (
            f" (imports {', '.join(others)})" if others else ""
        )
        bench.add(
            Row(
                group,
                name,
                None,
                "",
                text=text,
                goal=f"no {' / '.join(forbidden)}",
                met=not found,
                note=f"{report['total_ms']:.0f} ms of imports, {report['modules']} modules",
            )
        )
