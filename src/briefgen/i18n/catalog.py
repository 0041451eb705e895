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
