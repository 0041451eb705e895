"""Temporary project variants for the benchmark: a plain copy, more pages, no charts, another Korean font.

Every variant is a copy of the reference project in a temporary folder; the repository is never written.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

#: What a copy of the repository root leaves out: everything that is not part of the briefing project.
NOT_PROJECT = (
    ".git",
    ".venv",
    "output",
    "src",
    "tests",
    "bench",
    "docs",
    "scripts",
    ".ci",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "node_modules",
    "*.egg-info",
)

NO_CHARTS_AUDIENCE = "bench-nocharts"
_ID = re.compile(r"^id:\s*(\S+)\s*$", re.MULTILINE)
_TITLE = re.compile(r"^(title:[ \t]*)(['\"]?)(.*?)\2[ \t]*$", re.MULTILINE)
_FONT_LINE = re.compile(r"^(\s*html\s*\{\s*font-family:\s*)", re.MULTILINE)


def copy_project(source: Path, target: Path) -> Path:
    """Copy a project (briefgen.yaml, content/, templates/, assets/…), leaving output/ and the code behind."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*NOT_PROJECT))
    return target


def languages(project: Path) -> list[str]:
    """Return the project's languages, as briefgen.yaml lists them."""
    config = yaml.safe_load((project / "briefgen.yaml").read_text("utf-8"))
    return [str(lang) for lang in config.get("languages") or [config.get("default_language", "en")]]


def audiences(project: Path) -> list[str]:
    """Return the audience profiles the project's own templates/ folder holds (the benchmark's matrix)."""
    folder = project / "templates" / "audiences"
    return (
        sorted(p.stem for p in folder.glob("*.yaml") if not p.stem.startswith("bench-"))
        if folder.is_dir()
        else []
    )


def _sections(folder: Path) -> list[tuple[Path, dict[str, object]]]:
    out = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "brief.yaml":
            continue
        data = yaml.safe_load(path.read_text("utf-8"))
        out.append((path, data if isinstance(data, dict) else {}))
    return out


def theme_count(project: Path, lang: str) -> int:
    """Return how many theme sections a language has."""
    return sum(1 for _, data in _sections(project / "content" / lang) if data.get("role") == "theme")


def scale_project(project: Path, themes: int) -> None:
    """Rewrite a project copy's sections so that it has ``themes`` theme sections, in every language.

    The first themes are kept in order; more are copies of the existing ones with new ids (``company-r2``,
    ``training-r2``…), placed after the last original theme, so that front and back matter stay in place.
    Fewer themes than the original drops the last ones. (Not ``company-2``: briefgen names the second
    sub-heading of section ``company`` ``sec-company-2``, the anchor a section ``company-2`` would get too.)
    """
    if themes < 1:
        raise ValueError("a scaled project keeps at least one theme section")
    for lang in languages(project):
        folder = project / "content" / lang
        sections = _sections(folder)
        theme_indexes = [i for i, (_, data) in enumerate(sections) if data.get("role") == "theme"]
        if not theme_indexes:
            raise ValueError(f"content/{lang} has no theme sections to repeat")
        first, last = theme_indexes[0], theme_indexes[-1]
        originals = [sections[i][0] for i in theme_indexes]
        chosen: list[tuple[Path, int]] = [
            (originals[k % len(originals)], k // len(originals) + 1) for k in range(themes)
        ]
        texts: list[str] = [p.read_text("utf-8") for p, _ in sections[:first]]
        for path, copy in chosen:
            text = path.read_text("utf-8")
            if copy > 1:
                text = _ID.sub(lambda m, n=copy: f"id: {m.group(1)}-r{n}", text, count=1)
            texts.append(text)
        texts += [p.read_text("utf-8") for p, _ in sections[last + 1 :]]
        for path, _ in sections:
            path.unlink()
        for number, text in enumerate(texts, 1):
            section_id = _ID.search(text)
            name = section_id.group(1) if section_id else "section"
            (folder / f"{number:03d}-{name}.yaml").write_text(text, "utf-8")


def add_no_charts_audience(project: Path) -> str:
    """Add an audience profile that is the whole briefing without charts; return its name."""
    folder = project / "templates" / "audiences"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{NO_CHARTS_AUDIENCE}.yaml").write_text(
        "# the whole briefing without charts (from bench/, in a temporary copy)\ninclude:\n  charts: false\n",
        "utf-8",
    )
    return NO_CHARTS_AUDIENCE


def put_font_first(project: Path, family: str, builtin_css: Path) -> None:
    """Make the stylesheet name ``family`` before the language's font stack (the body text's font)."""
    css = project / "templates" / "css" / "brief.css.j2"
    if not css.is_file():
        css.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(builtin_css, css)
    text = css.read_text("utf-8")
    new, count = _FONT_LINE.subn(lambda m: m.group(1) + f'"{family}", ', text, count=1)
    if count != 1:
        raise ValueError(f"no 'html {{ font-family: … }}' rule found in {css}")
    css.write_text(new, "utf-8")


def edit_title(path: Path, marker: str) -> None:
    """Change the visible title of a section file (a real content change, not just its mtime)."""
    text = path.read_text("utf-8")
    match = _TITLE.search(text)
    if match is None:
        raise ValueError(f"no 'title:' line in {path}")
    base = re.sub(r" \(bench \d+\)$", "", match.group(3))
    quote = match.group(2)
    new = f"{match.group(1)}{quote}{base} ({marker}){quote}"
    path.write_text(text[: match.start()] + new + text[match.end() :], "utf-8")
