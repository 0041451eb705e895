"""Start a new project, list the templates a project can override, and copy one in to edit it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from briefgen import suggestions
from briefgen.errors import ContentError, Location, OutputError, did_you_mean
from briefgen.output import confine, write_file
from briefgen.plan import builtin_templates

STARTER = Path(__file__).resolve().parent / "starter"
STARTER_LANGUAGES = ("en", "ko", "ja", "de", "fr")


@dataclass(frozen=True)
class TemplateFile:
    name: str  # relative to a template folder, with forward slashes: css/brief.css.j2
    origin: str  # "project" or "built-in"
    path: Path
    overrides: bool  # a project file that replaces a built-in one


def _files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def builtin_template_names() -> list[str]:
    """Return the names of the built-in templates, as ``templates copy`` takes them."""
    return sorted(_files(builtin_templates()))


def list_templates(project: Path) -> list[TemplateFile]:
    """Return every template file the project uses, and where each one resolves from."""
    builtin = builtin_templates().resolve()
    own_folder = (project / "templates").resolve()
    own = _files(own_folder) if own_folder != builtin else {}
    shipped = _files(builtin)
    listing = [TemplateFile(name, "project", path, name in shipped) for name, path in own.items()]
    listing += [
        TemplateFile(name, "built-in", path, False) for name, path in shipped.items() if name not in own
    ]
    return sorted(listing, key=lambda t: t.name)


def copy_template(project: Path, name: str, force: bool = False) -> Path:
    """Copy a built-in template into the project's templates/ folder, to edit it there."""
    shipped = _files(builtin_templates())
    clean = PurePosixPath(name)
    if clean.is_absolute() or ".." in clean.parts or name not in shipped:
        raise ContentError(
            f"no built-in template '{name}'",
            None,
            did_you_mean(name, shipped) or "see: briefgen templates list",
        )
    target = project / "templates" / clean
    if target.resolve() == shipped[name].resolve():
        raise OutputError(
            f"'{name}' is the built-in template itself",
            Location(str(target)),
            "this project is the one that ships the built-in templates",
        )
    confine(
        target.parent if target.parent.exists() else project / "templates",
        project,
        "the templates folder",
        "make templates/ a folder of the project, not a link",
    )
    if target.exists() and not force:
        raise OutputError(
            "the project has this template already",
            Location(f"templates/{name}"),
            "use --force to overwrite it",
        )
    write_file(target, shipped[name].read_bytes())
    return target


def init_project(target: Path, languages: Sequence[str] = ("en",), title: str | None = None) -> list[Path]:
    """Create a new briefing project that builds at once, in one or more languages (the first is the
    default), with the same sections in each; refuse a folder that has files in it.

    Without ``title``, the brief's title is the folder's name as written (``hbm`` stays ``hbm``: only the
    writer knows whether it is an acronym).
    """
    languages = list(dict.fromkeys(languages)) or ["en"]
    for lang in languages:
        if lang not in STARTER_LANGUAGES:
            meant = suggestions.language(lang, list(STARTER_LANGUAGES))
            raise ContentError(
                f"no starter content in '{lang}'",
                None,
                f"did you mean '{meant}'?" if meant else "starters: " + ", ".join(STARTER_LANGUAGES),
            )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise OutputError("the folder is not empty", Location(str(target)), "choose a new or empty folder")
    brief = _slug(target.resolve().name)
    title = title or default_title(target)
    default = languages[0]
    values = {
        "{title}": title,
        "{brief}": brief,
        "{lang}": default,
        "{languages}": ", ".join(languages),
        "{date}": dt.date.today().isoformat(),
        "{titles}": "\n".join(
            f"  {lang}: {json.dumps(AUDIENCE_TITLES[lang], ensure_ascii=False)}" for lang in languages
        ),
    }

    def fill(text: str, quote: bool = False) -> str:
        for key, value in values.items():
            text = text.replace(
                key, json.dumps(value, ensure_ascii=False) if quote and key == "{title}" else value
            )
        return text

    project = f"brief: {brief}\ndefault_language: {default}\nlanguages: [{', '.join(languages)}]\n"
    files = {
        "briefgen.yaml": project,
        "content/facts.yaml": (STARTER / "facts.yaml").read_text("utf-8"),
    }
    for lang in languages:
        files[f"content/{lang}/brief.yaml"] = fill(
            (STARTER / lang / "brief.yaml").read_text("utf-8"), quote=True
        )
        files[f"content/{lang}/01-overview.yaml"] = (STARTER / lang / "01-overview.yaml").read_text("utf-8")
    files["templates/audiences/example.yaml"] = fill((STARTER / "example-audience.yaml").read_text("utf-8"))
    files["README.md"] = fill((STARTER / "README.md").read_text("utf-8"))
    files[".gitignore"] = "/output/\n"
    from briefgen.schema import with_editor_support

    written = []
    for relative, text in with_editor_support(files).items():
        path = target / relative
        write_file(path, text.encode("utf-8"))
        written.append(path)
    return written


#: What the starter's example audience is called, per language.
AUDIENCE_TITLES = {"en": "Summary", "ko": "요약본", "ja": "要約版", "de": "Kurzfassung", "fr": "Synthèse"}


def default_title(target: Path) -> str:
    """Return the title a new project gets without --title: the folder's name, separators made spaces."""
    return " ".join(target.resolve().name.replace("-", " ").replace("_", " ").split()) or "Briefing"


def _slug(name: str) -> str:
    slug = "".join(ch if ch.isalnum() and ch.isascii() else "-" for ch in name.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return slug or "briefing"
