"""Choose fonts for a language and make sure the machine has one that covers its script."""

from __future__ import annotations

import bisect
import functools
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from briefgen.errors import RenderError


@dataclass(frozen=True)
class FontChoice:
    """The font stack of a language, and the installed family that will actually set its text."""

    stack: tuple[str, ...]  # families in order of preference, installed or not (other systems have them)
    installed: str | None  # the first family of the stack fontconfig knows, None if it could not be asked


#: Families by script, in order: Debian's packages first, then what macOS and Windows users have.
#: Korean sets in NanumGothic first: measured on the reference briefing, its TrueType subsets make the PDF
#: half the size of Noto Sans CJK KR's CFF subsets (265 KB against 574 KB) and the build a third faster.
STACKS: dict[str, tuple[str, ...]] = {
    "ko": ("NanumGothic", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic"),
    "ja": ("Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo"),
    "zh": ("Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei"),
    "latin": ("Noto Sans", "Noto Sans CJK KR", "DejaVu Sans", "Helvetica Neue", "Arial"),
}
#: Debian packages that bring a font for a language's script.
PACKAGES: dict[str, str] = {
    "ko": "fonts-nanum or fonts-noto-cjk",
    "ja": "fonts-noto-cjk",
    "zh": "fonts-noto-cjk",
}


#: Debian packages of font families briefgen or a brand may name (for the hints of doctor and brand.yml)
FAMILY_PACKAGES: dict[str, str] = {
    "NanumGothic": "fonts-nanum",
    "NanumMyeongjo": "fonts-nanum",
    "Noto Sans": "fonts-noto-core",
    "Noto Serif": "fonts-noto-core",
    "Noto Sans CJK KR": "fonts-noto-cjk",
    "Noto Sans CJK JP": "fonts-noto-cjk",
    "Noto Sans CJK SC": "fonts-noto-cjk",
    "DejaVu Sans": "fonts-dejavu-core",
    "DejaVu Serif": "fonts-dejavu-core",
    "Liberation Sans": "fonts-liberation",
    "Liberation Serif": "fonts-liberation",
    "Open Sans": "fonts-open-sans",
    "Roboto": "fonts-roboto",
    "Lato": "fonts-lato",
    "Inter": "fonts-inter",
}


def install_hint(family: str) -> str:
    """Say how to get a font family onto this machine; briefgen itself downloads nothing."""
    package = FAMILY_PACKAGES.get(family)
    if package:
        return f"install Debian's {package}"
    return (
        f"install '{family}' on this machine (its files in ~/.local/share/fonts, then fc-cache); "
        "briefgen downloads no fonts"
    )


def language_of(lang: str) -> str:
    """Return the language part of a locale code: ``ko`` for ``ko_KR``."""
    return lang.replace("-", "_").split("_")[0].lower()


_language = language_of


def stack_for(lang: str) -> tuple[str, ...]:
    """Return the font families to name for a language, most preferred first."""
    language = _language(lang)
    return STACKS.get(language, STACKS["latin"])


@functools.lru_cache(maxsize=32)
def _families_for(language: str) -> frozenset[str] | None:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    result = subprocess.run(
        [fc_list, f":lang={language}", "family"], capture_output=True, text=True, check=False, timeout=30
    )
    families: set[str] = set()
    for line in result.stdout.splitlines():
        families.update(name.strip() for name in line.split(","))
    return frozenset(families)


def choose(lang: str) -> FontChoice:
    """Return the font choice for a language; raise RenderError if nothing installed covers its script."""
    language = _language(lang)
    stack = stack_for(lang)
    families = _families_for(language)
    if families is None:
        return FontChoice(stack, None)
    for family in stack:
        if family in families:
            return FontChoice(stack, family)
    if language in PACKAGES:
        from babel import Locale

        name = Locale.parse(language).get_display_name("en")
        raise RenderError(
            f"no installed font covers {name} ('{lang}'); the text would print as empty boxes",
            hint=f"install Debian's {PACKAGES[language]}, or a font named in the stack: {', '.join(stack)}",
        )
    return FontChoice(stack, next(iter(sorted(families)), None))


def has_fast_subsetting() -> bool:
    """Return whether HarfBuzz's subsetter is installed (WeasyPrint embeds fonts far faster with it)."""
    from briefgen.native import find_library

    return find_library("harfbuzz-subset") is not None


def font_file(family: str) -> str | None:
    """Return the file fontconfig uses for a family, or None if it has no font of that name."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    result = subprocess.run(
        [fc_match, "--format=%{family}\t%{file}", family],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    names, _, path = result.stdout.partition("\t")
    return path if path and family in names.split(",") else None


FONTCONFIG_CACHES = (Path("/var/cache/fontconfig"), Path.home() / ".cache" / "fontconfig")


def font_state(lang: str) -> str:
    """Return a cheap fingerprint of the fonts a language would get: its stack and fontconfig's caches.

    Installing or removing fonts rewrites fontconfig's caches, so this changes whenever the font chosen for
    the language could; it runs no program, which keeps no-op rebuilds fast.
    """
    stamps = []
    for folder in FONTCONFIG_CACHES:
        try:
            stamps.append(f"{folder}:{folder.stat().st_mtime_ns}")
        except OSError:
            stamps.append(f"{folder}:-")
    return "|".join([*stack_for(lang), *stamps])


# ---------------------------------------------------------------- coverage of the characters a briefing uses

#: Debian packages that bring fonts for a script, by the script as ``script_of`` names it.
SCRIPT_PACKAGES: dict[str, str] = {
    "Hangul": "fonts-noto-cjk or fonts-nanum",
    "CJK": "fonts-noto-cjk",
    "Hiragana": "fonts-noto-cjk",
    "Katakana": "fonts-noto-cjk",
    "Thai": "fonts-thai-tlwg or fonts-noto-core",
}
#: What to install when a script has no package of its own above.
ANY_SCRIPT_PACKAGE = "fonts-noto-core (most scripts) or fonts-noto-color-emoji (emoji)"
#: Characters that need no glyph of their own: controls, format characters (joiners), separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


@functools.lru_cache(maxsize=1)
def _coverage() -> tuple[tuple[int, int], ...] | None:
    """Return the code point ranges some installed font covers, merged and sorted; None without fontconfig."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    result = subprocess.run(
        [fc_list, ":", "charset"], capture_output=True, text=True, check=False, timeout=30
    )
    ranges: list[tuple[int, int]] = []
    for line in result.stdout.splitlines():
        for item in line.partition("=")[2].split():
            first, _, last = item.partition("-")
            try:
                ranges.append((int(first, 16), int(last or first, 16)))
            except ValueError:
                continue
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def uncovered(characters: Iterable[str]) -> list[str] | None:
    """Return the characters (in the order given, once each) that no installed font has a glyph for.

    Characters that need no glyph (spaces, controls, joiners) are left out. None: fontconfig could not be
    asked, so nothing is known.
    """
    ranges = _coverage()
    if ranges is None:
        return None
    starts = [low for low, _ in ranges]
    missing: list[str] = []
    for ch in dict.fromkeys(characters):
        if unicodedata.category(ch) in _INVISIBLE:
            continue
        code = ord(ch)
        at = bisect.bisect_right(starts, code) - 1
        if at < 0 or ranges[at][1] < code:
            missing.append(ch)
    return missing


def script_of(ch: str) -> str:
    """Name the script of a character, roughly, from its Unicode name: ``Hangul``, ``Thai``, ``CJK``."""
    name = unicodedata.name(ch, "")
    if not name:
        return "private-use" if unicodedata.category(ch) == "Co" else "unassigned"
    word = name.split()[0]
    return word if word == "CJK" else word.capitalize()
