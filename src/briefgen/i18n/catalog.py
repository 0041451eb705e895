"""Message catalogues for the strings templates print ("Contents", "Page 3 of 10"), per language.

Catalogues are gettext ``.po`` files under ``locales/<lang>/LC_MESSAGES/messages.po`` in a template folder.
They are compiled in memory when loaded, so no ``pybabel compile`` step is needed after installing.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DOMAIN = "messages"


def catalogue_path(folder: Path, lang: str) -> Path:
    """Return where a template folder keeps the catalogue of a language."""
    return folder / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.lru_cache(maxsize=64)
def _compile(path: Path, mtime_ns: int, lang: str) -> Translations:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=Locale.parse(lang.replace("-", "_")), domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def load(search_path: list[Path], lang: str) -> NullTranslations:
    """Return the translations of a language: the first folder on the search path with a catalogue wins."""
    for folder in search_path:
        for code in (lang, Locale.parse(lang.replace("-", "_")).language):
            path = catalogue_path(folder, code)
            if path.is_file():
                return _compile(path, path.stat().st_mtime_ns, lang)
    return NullTranslations()


def find(search_path: list[Path], lang: str) -> Path | None:
    """Return the catalogue file a language uses, or None."""
    for folder in search_path:
        for code in (lang, Locale.parse(lang.replace("-", "_")).language):
            path = catalogue_path(folder, code)
            if path.is_file():
                return path
    return None


def entries(path: Path, lang: str) -> dict[str, bool]:
    """Return each message id of a catalogue and whether it is translated."""
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=Locale.parse(lang.replace("-", "_")), domain=DOMAIN)
    found: dict[str, bool] = {}
    for message in parsed:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found[key] = all(strings)
    return found


def template_messages(search_path: list[Path]) -> set[str]:
    """Return the message ids that the templates on the search path use (singular form for plurals)."""
    from babel.messages.extract import extract

    found: set[str] = set()
    for folder in search_path:
        for template in folder.rglob("*.j2"):
            with template.open("rb") as handle:
                for _, message, _, _ in extract("jinja2", handle, options={"extensions": "jinja2.ext.i18n"}):
                    found.add(message[0] if isinstance(message, tuple) else message)
    return found
