"""Message catalogues for the strings templates print ("Contents", "Page 3 of 10"), per language.

Catalogues are gettext ``.po`` files under ``locales/<lang>/LC_MESSAGES/messages.po`` in a template folder.
They are compiled in memory when loaded, so no ``pybabel compile`` step is needed after installing.
"""

from __future__ import annotations

import functools
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from briefgen.errors import Diagnostic, Location, TemplateError
from briefgen.model import CONTROL, NOT_TEXT

DOMAIN = "messages"


def catalogue_path(folder: Path, lang: str) -> Path:
    """Return where a template folder keeps the catalogue of a language."""
    return folder / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.lru_cache(maxsize=64)
def _compile(path: Path, mtime_ns: int, lang: str, shown: str) -> Translations:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=Locale.parse(lang.replace("-", "_")), domain=DOMAIN)
    for message in catalog:
        for text in (*_strings(message.id), *_strings(message.string)):
            bad = CONTROL.search(text) or NOT_TEXT.search(text)
            if bad:
                raise TemplateError(
                    f"the catalogue holds the character U+{ord(bad.group()):04X}, a control or non-character",
                    Location(shown, message.lineno or 0),
                    "remove it from the translation",
                )
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def _inside(path: Path, folder: Path) -> bool:
    """Tell whether a file's real path (links followed) is inside the template folder it was found in."""
    return path.resolve().is_relative_to(folder.resolve())


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple | list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def load(search_path: list[Path], lang: str) -> NullTranslations:
    """Return the translations of a language: the first folder on the search path with a catalogue wins.

    A catalogue holding a control character or a non-character is a TemplateError: every label it gives
    reaches the PDF, HTML and DOCX alike, and XML (so DOCX) cannot hold such a character.
    """
    path = find(search_path, lang)
    if path is None:
        return NullTranslations()
    folder = next(f for f in search_path if path.is_relative_to(f))
    shown = path.relative_to(folder.parent).as_posix()
    return _compile(path, path.stat().st_mtime_ns, lang, shown)


def find(search_path: list[Path], lang: str) -> Path | None:
    """Return the catalogue file a language uses, or None; a link leading out of its folder is not used."""
    for folder in search_path:
        for code in (lang, Locale.parse(lang.replace("-", "_")).language):
            path = catalogue_path(folder, code)
            if path.is_file() and _inside(path, folder):
                return path
    return None


def _templates(folder: Path) -> Iterator[Path]:
    """Yield the ``.j2`` files of a template folder; linked folders are not entered, links out are skipped."""
    for dirpath, _, filenames in os.walk(folder):  # followlinks=False
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if filename.endswith(".j2") and path.is_file() and _inside(path, folder):
                yield path


def entries(path: Path, lang: str) -> dict[str, bool]:
    """Return each message id of a catalogue and whether it is translated."""
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=Locale.parse(lang.replace("-", "_")), domain=DOMAIN)
    found: dict[str, bool] = {}
    for message in parsed:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        found[str(key)] = all(strings)
    return found


def template_messages(search_path: list[Path]) -> set[str]:
    """Return the message ids that the templates on the search path use (singular form for plurals)."""
    from babel.messages.extract import extract

    found: set[str] = set()
    for folder in search_path:
        for template in _templates(folder):
            with template.open("rb") as handle:
                for _, message, _, _ in extract("jinja2", handle, options={"extensions": "jinja2.ext.i18n"}):
                    found.add(message[0] if isinstance(message, tuple) else message)
    return found


#: Contexts of the messages the formatter takes from a catalogue (see ``format.MESSAGES``).
FIGURE_CONTEXTS = ("figure", "currency")
_FIELD = re.compile(r"%\((\w+)\)s")


@functools.lru_cache(maxsize=64)
def _figure_messages(path: Path, mtime_ns: int, lang: str, shown: str) -> dict[tuple[str, str], str]:
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=Locale.parse(lang.replace("-", "_")), domain=DOMAIN)
    found: dict[tuple[str, str], str] = {}
    for message in parsed:
        if message.context not in FIGURE_CONTEXTS or not isinstance(message.id, str):
            continue
        if not isinstance(message.string, str) or not message.string or message.fuzzy:
            continue
        if message.context == "figure" and sorted(_FIELD.findall(message.string)) != sorted(
            _FIELD.findall(message.id)
        ):
            raise TemplateError(
                f"the translation of {message.id!r} must use the fields "
                + ", ".join(f"%({name})s" for name in _FIELD.findall(message.id)),
                Location(shown, message.lineno or 0),
                "keep every %(name)s of the message id, once each, and add no other",
            )
        found[(message.context, message.id)] = message.string
    return found


def figure_messages(search_path: list[Path], lang: str) -> dict[tuple[str, str], str]:
    """Return the translated words the formatter uses ("about", currency words), by (context, message id).

    They come from the same catalogue as the template strings: a project's own wins over the built-in one.
    A translation that drops or adds a ``%(name)s`` field is a TemplateError at its line.
    """
    path = find(search_path, lang)
    if path is None:
        return {}
    folder = next(f for f in search_path if path.is_relative_to(f))
    shown = path.relative_to(folder.parent).as_posix()
    return _figure_messages(path, path.stat().st_mtime_ns, lang, shown)


def builtin_figure_messages(lang: str) -> dict[tuple[str, str], str]:
    """Return the formatter's words of briefgen's built-in catalogue for a language (none: empty)."""
    from briefgen.plan import builtin_templates

    return figure_messages([builtin_templates()], lang)


def missing(search_path: list[Path], lang: str) -> Diagnostic | None:
    """Return a warning if no folder on the search path has a catalogue for a language, else None.

    Such a language still builds: its figures follow CLDR (``~`` for "about"), its template strings
    ("Contents", "Page 1 of 3") stay in English.
    """
    if find(search_path, lang) is not None:
        return None
    name = Locale.parse(lang.replace("-", "_")).get_display_name("en")
    return Diagnostic(
        f"no message catalogue for '{lang}' ({name}): template strings such as 'Contents' stay in English; "
        "figures follow its CLDR patterns",
        Location("templates"),
        f"copy locales/en/LC_MESSAGES/messages.po to templates/locales/{lang}/LC_MESSAGES/ and translate it",
        severity="warning",
    )
