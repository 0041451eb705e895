"""Plan a build and tell which outputs are up to date, cheaply: no validation, no rendering libraries.

Each output is recorded in a manifest (``output/.briefgen/manifest.json``) with a digest of everything it
was made from: the project file, the facts, the content of its language (and of the default language where
that one can show through: language fallback, or an audience whose focus reads the default language's
section tags), every template file on the search path (templates, stylesheets, catalogues, audience profiles,
the reference DOCX), the font chosen for its language, the briefgen version and code, and the build options.
An output whose digest is unchanged, and whose file still has the bytes that were written, is not built again.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefgen import __version__

STATE_FOLDER = ".briefgen"
MANIFEST = "manifest.json"
FORMATS = ("pdf", "html", "docx")


@dataclass(frozen=True)
class Job:
    """One output to build: which edition, for which audience, in which format, under which name."""

    lang: str
    fmt: str
    audience: str | None
    name: str


def builtin_templates() -> Path:
    """Return the folder of the built-in templates (inside the installed package, or the source tree)."""
    here = Path(__file__).resolve().parent
    packaged = here / "templates"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "templates"


def search_path(project: Path) -> list[Path]:
    """Return the template folders in lookup order: the project's own, then the built-in ones."""
    folders = [project / "templates", builtin_templates()]
    unique: list[Path] = []
    for folder in folders:
        if folder.is_dir() and folder.resolve() not in [u.resolve() for u in unique]:
            unique.append(folder)
    return unique


def output_name(brief: str, lang: str, extension: str, audience: str | None = None) -> str:
    """Name an output: brief, audience if any, language: ``deepseek-briefing.executive.ko.pdf``."""
    parts = [brief, *([audience] if audience else []), lang, extension]
    return ".".join(parts)


def jobs(
    brief: str, languages: Sequence[str], formats: Sequence[str], audiences: Sequence[str | None]
) -> list[Job]:
    """List the outputs of a build, audience by audience, language by language."""
    return [
        Job(lang, fmt, audience, output_name(brief, lang, fmt, audience))
        for audience in audiences
        for lang in languages
        for fmt in formats
    ]


def _files(folder: Path) -> Iterable[Path]:
    if folder.is_file():
        yield folder
    elif folder.is_dir():
        yield from sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@functools.lru_cache(maxsize=1)
def code_state() -> str:
    """Fingerprint briefgen's own code (each module's size and time): an installed change rebuilds everything.

    The version alone would miss a change to an editable install; stat()s cost far less than reading.
    """
    package = Path(__file__).resolve().parent
    stamps = [
        f"{p.relative_to(package)}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
        for p in sorted(package.rglob("*.py"))
    ]
    return hashlib.sha256("\n".join(stamps).encode()).hexdigest()


class Digests:
    """Compute input digests, hashing each file once per build."""

    def __init__(self, root: Path, folders: Sequence[Path], options: dict[str, object]) -> None:
        self.root = root
        self.folders = folders
        self.options = options
        self._hashes: dict[Path, str] = {}

    def _hash(self, path: Path) -> str:
        if path not in self._hashes:
            self._hashes[path] = hashlib.sha256(path.read_bytes()).hexdigest()
        return self._hashes[path]

    def _add(self, digest: hashlib._Hash, label: str, paths: Iterable[Path]) -> None:
        for path in paths:
            digest.update(f"{label}:{path.name}:{self._hash(path)}\n".encode())

    def digest(self, job: Job, default_lang: str, reads_default: bool, font: str | None) -> str:
        """Return the digest of every input of one output."""
        digest = hashlib.sha256()
        digest.update(
            json.dumps(
                {
                    "version": __version__,
                    "code": code_state(),
                    "job": [job.lang, job.fmt, job.audience],
                    "font": font,
                    **self.options,
                },
                sort_keys=True,
                default=str,
            ).encode()
        )
        self._add(digest, "project", _files(self.root / "briefgen.yaml"))
        for brand in ("_brand.yml", "_brand.yaml"):  # brand.BRAND_FILES: the defaults of every branding
            self._add(digest, "brand", _files(self.root / brand))
        self._add(digest, "facts", _files(self.root / "content" / "facts.yaml"))
        languages = {job.lang, default_lang} if reads_default else {job.lang}
        for lang in sorted(languages):
            self._add(digest, f"content/{lang}", _files(self.root / "content" / lang))
        for i, folder in enumerate(self.folders):
            self._add(digest, f"templates{i}", _files(folder))
        self._add(digest, "assets", _files(self.root / "assets"))
        return digest.hexdigest()


class Manifest:
    """What was built before: per output name, the input digest and the digest of the bytes written."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / STATE_FOLDER / MANIFEST
        try:
            self.entries: dict[str, dict[str, str]] = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            self.entries = {}

    def up_to_date(self, folder: Path, name: str, inputs: str) -> bool:
        """Tell whether an output exists with the bytes built from exactly these inputs."""
        entry = self.entries.get(name)
        if not entry or entry.get("inputs") != inputs:
            return False
        try:
            data = (folder / name).read_bytes()
        except OSError:
            return False
        return hashlib.sha256(data).hexdigest() == entry.get("output")

    def record(self, name: str, inputs: str, data: bytes) -> None:
        self.entries[name] = {"inputs": inputs, "output": hashlib.sha256(data).hexdigest()}

    def data(self) -> bytes:
        return json.dumps(self.entries, indent=1, sort_keys=True).encode("utf-8")


def source_date_epoch() -> int | None:
    """Return SOURCE_DATE_EPOCH when set to a whole number (reproducible-builds.org), else None."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else None


def created() -> dt.datetime | None:
    """Return when documents count as made: SOURCE_DATE_EPOCH as a UTC time, or None (the brief's date)."""
    epoch = source_date_epoch()
    return dt.datetime.fromtimestamp(epoch, dt.UTC) if epoch is not None else None


def quick_up_to_date(
    root: Path,
    languages: Sequence[str],
    formats: Sequence[str],
    audiences: Sequence[str],
    output: Path | None,
    everything: bool,
    strict: bool,
    pdf_variant: str | None = None,
) -> list[Path] | None:
    """Return the outputs of a build if every one of them is up to date, else None: without validating.

    This is the no-op rebuild: it reads only the project file, the audience profiles it needs and the
    manifest, and hashes the input files. Anything unusual (a project file it cannot read, a missing
    manifest entry) answers None, and the full build, which reports problems properly, runs instead.
    """
    import yaml

    from briefgen.fonts import font_state

    try:
        config = yaml.safe_load((root / "briefgen.yaml").read_text("utf-8"))
        brief, default = str(config["brief"]), str(config["default_language"])
        project_languages = [str(lang) for lang in config["languages"]]
        fallback = bool(config.get("language_fallback", False))
    except Exception:
        return None
    folders = search_path(root)
    profiles: dict[str, Path] = {}
    for folder in folders:
        for path in sorted((folder / "audiences").glob("*.yaml")):
            profiles.setdefault(path.stem, path)
    langs = project_languages if everything else list(languages) or [default]
    names: list[str | None] = (
        [None, *sorted(profiles)] if everything else list(dict.fromkeys(audiences)) or [None]
    )
    fmts = list(FORMATS) if everything else list(dict.fromkeys(formats))
    if any(lang not in project_languages for lang in langs) or any(n and n not in profiles for n in names):
        return None
    focus: dict[str | None, bool] = {None: False}
    for name in names:
        if name:
            try:
                focus[name] = bool((yaml.safe_load(profiles[name].read_text("utf-8")) or {}).get("focus"))
            except Exception:
                return None
    folder = output or root / "output"
    manifest = Manifest(folder)
    digests = Digests(
        root,
        folders,
        {"strict": strict, "source_date_epoch": source_date_epoch(), "pdf_variant": pdf_variant},
    )
    done: list[Path] = []
    for job in jobs(brief, langs, fmts, names):
        inputs = digests.digest(job, default, fallback or focus[job.audience], font_state(job.lang))
        if not manifest.up_to_date(folder, job.name, inputs):
            return None
        done.append(folder / job.name)
    return done
