"""Validate e-mail addresses strictly: a bare ``local@domain``, nothing that a header could misread.

An address is refused rather than "cleaned": ``alice@example.org <bob@evil.example>`` looks like Alice but
goes to Bob, and a line break would start a new header. Only the plain form is accepted (no display name,
no comments, no quoted local part, no domain literal); the local part is ASCII, since briefgen does not speak
SMTPUTF8; an international domain name is converted to its ASCII form.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from email.headerregistry import Address

from briefgen.errors import Diagnostic, Location, MailError

#: A dot-atom local part (RFC 5322 ``atext`` separated by single dots).
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
#: What marks a display name, a comment, a list or a route: none belongs in a bare address.
_NOT_BARE = re.compile(r"[<>()\[\]\",;:\\\s]")
_EXAMPLE = "write the address alone, e.g. kim@example.org"


def has_line_break(text: str) -> bool:
    """Tell whether text holds a line break or any other control character (C0, C1, U+2028, U+2029)."""
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


def shown(text: str) -> str:
    """Quote text for a message, with control characters written as escapes so that they cannot act."""
    out = "".join(ch.encode("unicode_escape").decode("ascii") if has_line_break(ch) else ch for ch in text)
    return f"'{out}'"


def problem(text: str) -> tuple[str, str | None] | None:
    """Return what is wrong with an address and a hint, or None if it is a valid bare address."""
    if not text:
        return "is empty", _EXAMPLE
    if has_line_break(text):
        return "contains a line break or a control character", _EXAMPLE
    if _NOT_BARE.search(text.strip()):
        return "is not a bare address: it has a name, angle brackets, spaces or a list", _EXAMPLE
    if text != text.strip():
        return "has spaces around it", _EXAMPLE
    ats = text.count("@")
    if ats == 0:
        return "has no '@'", _EXAMPLE
    if ats > 1:
        return "has more than one '@'", _EXAMPLE
    local, domain = text.split("@")
    if not local:
        return "has nothing before the '@'", _EXAMPLE
    if not local.isascii():
        return "has letters other than ASCII before the '@'", "briefgen does not send to SMTPUTF8 addresses"
    if not _LOCAL.match(local) or len(local) > 64:
        return (
            "has a part before the '@' that is not a plain name",
            "use letters, digits, single dots and !#$%&'*+/=?^_`{|}~- before the '@'",
        )
    if _ascii_domain(domain) is None:
        return "has no valid domain after the '@'", "write a full domain name such as example.org"
    if len(text) > 254:
        return "is longer than 254 characters", None
    return None


@functools.lru_cache(maxsize=4096)  # a long list of recipients names few domains, many times each
def _ascii_domain(domain: str) -> str | None:
    """Return a domain in lower-case ASCII (IDNA for international names), or None if it is not one."""
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or len(ascii_domain) > 253:
        return None
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return None
    return ascii_domain


def parse(text: str, what: str, location: Location | None = None) -> Address:
    """Return a bare address as an ``Address``, or raise MailError saying what is wrong with it."""
    found = problem(text)
    if found is not None:
        message, hint = found
        raise MailError(f"{what} {shown(text)} {message}", location, hint)
    local, domain = text.split("@")
    ascii_domain = _ascii_domain(domain)
    assert ascii_domain is not None
    return Address(username=local, domain=ascii_domain)


def parse_all(texts: Iterable[str], what: str, location: Location | None = None) -> list[Address]:
    """Parse every address, reporting all the bad ones at once; duplicates are dropped, first one kept."""
    found: list[Address] = []
    seen: set[str] = set()
    errors: list[Diagnostic] = []
    for text in texts:
        try:
            address = parse(text, what, location)
        except MailError as exc:
            errors.extend(exc.diagnostics)
            continue
        if address.addr_spec not in seen:
            seen.add(address.addr_spec)
            found.append(address)
    if errors:
        raise MailError("", diagnostics=errors)
    return found
