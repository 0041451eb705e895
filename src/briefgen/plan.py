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
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    """Yield every entry under a folder (or the file itself), sorted: files, links and special files alike,
    so that a pipe or a link to a device that appears makes the outputs stale too. Linked folders are not
    entered; ``__pycache__`` is skipped."""
    if folder.is_symlink() or not folder.is_dir():
        if folder.is_symlink() or folder.exists():
            yield folder
        return
    found: list[Path] = []
    for where, folders, names in os.walk(folder):  # followlinks=False
        folders[:] = [name for name in folders if name != "__pycache__"]
        found += [Path(where) / name for name in names]
        found += [Path(where) / name for name in folders if (Path(where) / name).is_symlink()]
    yield from sorted(found)


#: Largest input file hashed by its bytes; a larger one counts by its size and time (it is refused when read).
MAX_HASHED_BYTES = 64 * 1024 * 1024


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
    """Compute input digests, hashing each file once per build; ``listed`` keeps each job's input files."""

    def __init__(self, root: Path, folders: Sequence[Path], options: dict[str, object]) -> None:
        self.root = root
        self.folders = folders
        self.options = options
        self._hashes: dict[Path, str] = {}
        self.listed: dict[str, list[str]] = {}

    def _hash(self, path: Path) -> str:
        """Say what an input is: a regular file by its bytes; a link by where it leads (and the bytes, if it
        leads to a file in the project); anything else by its kind. Only regular files are opened."""
        if path not in self._hashes:
            self._hashes[path] = self._describe(path)
        return self._hashes[path]

    def _describe(self, path: Path) -> str:
        try:
            info = path.lstat()
        except OSError:
            return "missing"
        if stat.S_ISLNK(info.st_mode):
            target = os.readlink(path)
            inside = path.resolve().is_relative_to(self.root.resolve())
            return f"link:{target}:" + (self._describe(path.resolve()) if inside else "outside")
        if not stat.S_ISREG(info.st_mode):
            return f"special:{stat.S_IFMT(info.st_mode):o}"  # a pipe, device or socket: never opened
        if info.st_size > MAX_HASHED_BYTES:
            return f"large:{info.st_size}:{info.st_mtime_ns}"
        if path.name == "briefgen.yaml" and path.parent == self.root:
            return _project_digest(path)
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            return f"unreadable:{exc.errno}"

    def _add(self, digest: hashlib._Hash, label: str, paths: Iterable[Path], listed: list[str]) -> None:
        for path in paths:
            digest.update(f"{label}:{path.name}:{self._hash(path)}\n".encode())
            listed.append(self._shown(path))

    def _shown(self, path: Path) -> str:
        for base, prefix in ((self.root, ""), (builtin_templates(), "(built-in) ")):
            try:
                return prefix + path.relative_to(base).as_posix()
            except ValueError:
                continue
        return path.as_posix()

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
        listed: list[str] = []
        self._add(digest, "project", _files(self.root / "briefgen.yaml"), listed)
        for brand in ("_brand.yml", "_brand.yaml"):  # brand.BRAND_FILES: the defaults of every branding
            self._add(digest, "brand", _files(self.root / brand), listed)
        self._add(digest, "facts", _files(self.root / "content" / "facts.yaml"), listed)
        languages = {job.lang, default_lang} if reads_default else {job.lang}
        for lang in sorted(languages):
            self._add(digest, f"content/{lang}", _files(self.root / "content" / lang), listed)
        for i, folder in enumerate(self.folders):
            self._add(digest, f"templates{i}", _files(folder), listed)
        self._add(digest, "assets", _files(self.root / "assets"), listed)
        self.listed[job.name] = listed
        return digest.hexdigest()


class Manifest:
    """What was built before: per output name, the input digest and the digest of the bytes written."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / STATE_FOLDER / MANIFEST
        try:
            self.entries: dict[str, dict[str, Any]] = json.loads(self.path.read_text("utf-8"))
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

    def record(self, name: str, inputs: str, data: bytes, files: Sequence[str] = ()) -> None:
        """Record an output: the digest of its inputs, of its bytes, and the input files it was made from."""
        self.entries[name] = {
            "inputs": inputs,
            "output": hashlib.sha256(data).hexdigest(),
            "files": list(files),
        }

    def data(self) -> bytes:
        return json.dumps(self.entries, indent=1, sort_keys=True).encode("utf-8")


def _project_digest(path: Path) -> str:
    """Digest the project file without its ``mail:`` settings, which change no document; as bytes if it
    cannot be read as YAML (the build reports why)."""
    import yaml

    data = path.read_bytes()
    try:
        config = yaml.safe_load(data)
    except yaml.YAMLError:
        config = None
    if not isinstance(config, dict):
        return hashlib.sha256(data).hexdigest()
    config.pop("mail", None)
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


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
    if output is None and not folder.resolve().is_relative_to(root.resolve()):
        return None  # the build refuses it, and says why
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
