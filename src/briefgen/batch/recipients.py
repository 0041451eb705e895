"""Read the recipients file: CSV (as Excel writes it) or YAML, every bad row reported at once with its place.

A recipient has a name, an e-mail address, and optionally an organisation, a language, an audience and the
formats of their copy; any other column is kept as an extra field that the mail templates can use. CSV files
may start with a byte order mark and end their lines with CRLF (Excel's "CSV UTF-8"); the delimiter is a
comma, a semicolon or a tab (read from the header line, or from Excel's ``sep=`` line). Every value is text:
in YAML ``no`` stays the language code "no", never a boolean.

Nothing is built or sent unless every row is valid: each problem names its line and column, what is wrong
and how to fix it (a missing or invalid e-mail address, an unknown language or audience, a duplicate
recipient), all at once.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from briefgen import sources
from briefgen.errors import ContentError, Diagnostic, Location, MailError, did_you_mean
from briefgen.mail import addresses
from briefgen.model import unsafe_character

#: Formats a copy can be made in (and attached to a message).
FORMATS = ("pdf", "docx")
#: Largest recipients file read, in bytes (about a million rows).
MAX_BYTES = 128 * 1024 * 1024
#: Column names as written (case, spaces and hyphens aside), by the field they fill.
ALIASES: dict[str, str] = {
    "name": "name",
    "full_name": "name",
    "email": "email",
    "e_mail": "email",
    "mail": "email",
    "address": "email",
    "organisation": "organisation",
    "organization": "organisation",
    "org": "organisation",
    "company": "organisation",
    "language": "language",
    "lang": "language",
    "audience": "audience",
    "formats": "formats",
    "format": "formats",
}
_SEPARATORS = re.compile(r"[\s,;/|+]+")
_NORMAL = re.compile(r"[\s\-]+")
_SEP_LINE = re.compile(r"^sep=(.)\r?\n?$")
#: What ``addresses.has_line_break`` finds (control characters, line and paragraph separators), faster.
_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: The fields of a recipient; any other column is an extra field.
_FIELDS = frozenset({"name", "email", "organisation", "language", "audience", "formats"})


@dataclass(frozen=True)
class Recipient:
    """One row of the recipients file, validated."""

    #: the row's position among the recipients (1-based): the number of their copy
    number: int
    name: str
    #: the bare address, its domain in lower-case ASCII
    email: str
    organisation: str | None
    lang: str
    #: an audience profile's name; None: the whole briefing
    audience: str | None
    formats: tuple[str, ...]
    #: every other column, by its name as written in the header
    extra: dict[str, str] = field(default_factory=dict)
    #: where the row is written
    where: Location | None = None

    @property
    def key(self) -> str:
        """The recipient's identity in the distribution log: the address, case aside."""
        return identity(self.email)

    @property
    def edition(self) -> str:
        """Say which edition the copy is: ``ko executive`` or ``en``."""
        return f"{self.lang} {self.audience}" if self.audience else self.lang


def identity(email: str) -> str:
    """Return the form of an address that two rows for one mailbox share."""
    return email.casefold()


@dataclass(frozen=True)
class Defaults:
    """What a row that leaves a column empty gets, and what the project allows."""

    languages: Sequence[str]
    default_lang: str
    audiences: Collection[str]
    audience: str | None = None
    formats: tuple[str, ...] = ("pdf",)


@dataclass
class _Row:
    """A row as read, before validation: each value with where it is written."""

    line: int
    values: dict[str, tuple[str, Location]]  # field (or extra column name) -> text, place


def load(path: Path, shown: str, defaults: Defaults) -> list[Recipient]:
    """Read and validate a recipients file (``.csv``, ``.yaml`` or ``.yml``); raise ContentError with every
    problem found."""
    text = _read(path, shown)
    if path.suffix.lower() in (".yaml", ".yml"):
        rows, problems = _yaml_rows(text, shown)
    elif path.suffix.lower() in (".csv", ".txt", ".tsv"):
        rows, problems = _csv_rows(text, shown)
    else:
        raise ContentError(
            f"cannot tell the format of the recipients file from its name '{path.name}'",
            Location(shown),
            "name it .csv (comma, semicolon or tab separated) or .yaml",
        )
    recipients = _validate(rows, shown, defaults, problems)
    if problems:
        problems.sort(key=lambda d: (d.location.line, d.location.column) if d.location else (0, 0))
        raise ContentError("", diagnostics=problems)
    if not recipients:
        raise ContentError("the recipients file lists nobody", Location(shown), "add a row per recipient")
    return recipients


def _read(path: Path, shown: str) -> str:
    """Read the file as UTF-8 (a byte order mark aside), as briefgen reads every text file."""
    try:
        return sources.read_file(path, shown, limit=MAX_BYTES)
    except ContentError as exc:
        problem = exc.diagnostics[0]
        if not problem.message.startswith("invalid UTF-8"):
            raise
        raise ContentError(
            f"the file is not UTF-8 {problem.message.removeprefix('invalid UTF-8 ')}",
            problem.location,
            "save it as UTF-8; in Excel choose 'CSV UTF-8 (Comma delimited)'",
        ) from None


# ---------------------------------------------------------------- CSV


def _csv_rows(text: str, shown: str) -> tuple[list[_Row], list[Diagnostic]]:
    """Read CSV rows with the line and column of every value (the csv module gives the values)."""
    problems: list[Diagnostic] = []
    source = io.StringIO(text, newline="")
    first_line = 1
    first = source.readline()
    declared = _SEP_LINE.match(first)
    if declared:  # Excel's "sep=;" line names the delimiter
        delimiter = declared.group(1)
        first_line = 2
    else:
        delimiter = _delimiter(first)
        source.seek(0)
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in source:
            consumed.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    header: list[tuple[str, Location]] | None = None
    rows: list[_Row] = []
    line = first_line
    while True:
        consumed.clear()
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            where = Location(shown, line + max(len(consumed) - 1, 0))
            problems.append(
                Diagnostic(
                    f"cannot read this CSV row: {exc}",
                    where,
                    "a value holding the delimiter, a quote or a line break must be in double quotes, "
                    'with quotes inside doubled ("")',
                )
            )
            break
        places = _positions("".join(consumed), delimiter, line, shown)
        start, line = line, line + len(consumed)
        if not any(cell.strip() for cell in cells):
            continue  # blank lines and rows of empty cells (Excel's trailing ";;;")
        pairs = [
            (cell, places[i] if i < len(places) else Location(shown, start)) for i, cell in enumerate(cells)
        ]
        if header is None:
            header = pairs
            continue
        rows.append(_cells_to_row(header, pairs, start, shown, problems))
    if header is None:
        return [], [Diagnostic("the recipients file is empty", Location(shown), "write a header row first")]
    problems[:0] = _header_problems(header, shown)
    return rows, problems


def _delimiter(line: str) -> str:
    """Pick the delimiter of a header line: the most frequent of comma, semicolon and tab outside quotes."""
    counts = dict.fromkeys(",;\t", 0)
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda ch: counts[ch])
    return best if counts[best] else ","


def _positions(record: str, delimiter: str, line: int, shown: str) -> list[Location]:
    """Return where each value of one CSV record starts: the line and column of its first character."""
    places: list[Location] = []
    state = "start"  # start of a value, inside a plain value, inside quotes, just after a quote inside quotes
    column = 1
    previous = ""
    for ch in record:
        if state == "start":
            places.append(Location(shown, line, column))
            state = "start" if ch == delimiter else "quoted" if ch == '"' else "plain"
        elif state == "plain":
            state = "start" if ch == delimiter else "plain"
        elif state == "quoted":
            state = "closing" if ch == '"' else "quoted"
        else:  # after a quote inside quotes: a doubled quote, or the end of the value
            state = "quoted" if ch == '"' else "start" if ch == delimiter else "plain"
        if ch in "\r\n":
            if not (ch == "\n" and previous == "\r"):
                line, column = line + 1, 1
        else:
            column += 1
        previous = ch
    return places


def _header_problems(header: list[tuple[str, Location]], shown: str) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    seen: dict[str, Location] = {}
    for name, where in header:
        key = _field(name)
        if not key:
            continue
        if key in seen:
            problems.append(
                Diagnostic(
                    f"the column '{name.strip()}' is named twice (first at column {seen[key].column})",
                    where,
                    "rename or remove one",
                )
            )
        seen.setdefault(key, where)
    if "email" not in seen:
        names = ", ".join(n.strip() for n, _ in header if n.strip()) or "none"
        problems.append(
            Diagnostic(
                "the header has no e-mail column",
                Location(shown, header[0][1].line, 1),
                f"name one 'email' (the columns are: {names})",
            )
        )
    if "name" not in seen:
        problems.append(
            Diagnostic(
                "the header has no name column",
                Location(shown, header[0][1].line, 1),
                "name one 'name': the copy is marked 'Prepared for <name>'",
            )
        )
    return problems


def _field(name: str) -> str:
    """Return the field a column fills: ``email`` for "E-mail", or the column's name for an extra one."""
    normal = _NORMAL.sub("_", name.strip().casefold())
    return ALIASES.get(normal, name.strip())


def _cells_to_row(
    header: list[tuple[str, Location]],
    cells: list[tuple[str, Location]],
    line: int,
    shown: str,
    problems: list[Diagnostic],
) -> _Row:
    values: dict[str, tuple[str, Location]] = {}
    for index, (text, where) in enumerate(cells):
        if index >= len(header):
            if text.strip():
                problems.append(
                    Diagnostic(
                        f"this row has more values than the header has columns ({len(header)})",
                        where,
                        "a value holding the delimiter must be in double quotes",
                    )
                )
                break
            continue
        name = header[index][0]
        key = _field(name)
        if not key:
            if text.strip():
                problems.append(Diagnostic("a value under a column without a name", where, "name the column"))
            continue
        values.setdefault(key, (text, where))
    return _Row(line, values)


# ---------------------------------------------------------------- YAML


def _yaml_rows(text: str, shown: str) -> tuple[list[_Row], list[Diagnostic]]:
    """Read YAML rows: a list of mappings, or a mapping whose ``recipients`` key holds that list."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml composes large files far faster
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
        return [], [Diagnostic(f"YAML syntax error: {exc.problem or exc.context or exc}", where)]
    except yaml.YAMLError as exc:
        return [], [Diagnostic(f"YAML error: {exc}", Location(shown))]
    problems: list[Diagnostic] = []

    def at(n: yaml.Node) -> Location:
        return Location(shown, n.start_mark.line + 1, n.start_mark.column + 1)

    if isinstance(node, yaml.MappingNode):
        inner = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        if "recipients" not in inner:
            return [], [Diagnostic("expected a list of recipients, or 'recipients:' with one", at(node))]
        node = inner["recipients"]
    if not isinstance(node, yaml.SequenceNode):
        where = at(node) if node is not None else Location(shown)
        return [], [Diagnostic("expected a list of recipients, one mapping each", where)]
    rows: list[_Row] = []
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            problems.append(Diagnostic("a recipient is a mapping such as {name: …, email: …}", at(item)))
            continue
        values: dict[str, tuple[str, Location]] = {}
        for key_node, value_node in item.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Diagnostic("a key must be a plain name", at(key_node)))
                continue
            key = _field(str(key_node.value))
            if key in values:
                problems.append(
                    Diagnostic(
                        f"duplicate key '{key_node.value}' (first at line {values[key][1].line})",
                        at(key_node),
                        "a key may appear once; remove or rename one",
                    )
                )
                continue
            value = _yaml_text(value_node, key, problems, at)
            if value is not None:
                values[key] = (value, at(value_node))
        rows.append(_Row(at(item).line, values))
    return rows, problems


def _yaml_text(
    node: yaml.Node, key: str, problems: list[Diagnostic], at: Callable[[yaml.Node], Location]
) -> str | None:
    """Return a value as written (a list only for formats), or None after reporting why it cannot be."""
    where = at(node)
    if isinstance(node, yaml.ScalarNode):
        return "" if node.tag == "tag:yaml.org,2002:null" and node.value in ("", "~", "null") else node.value
    if (
        key == "formats"
        and isinstance(node, yaml.SequenceNode)
        and all(isinstance(n, yaml.ScalarNode) for n in node.value)
    ):
        return " ".join(str(n.value) for n in node.value)
    problems.append(Diagnostic(f"'{key}' must be a single value", where))
    return None


# ---------------------------------------------------------------- validation


def _validate(
    rows: list[_Row], shown: str, defaults: Defaults, problems: list[Diagnostic]
) -> list[Recipient]:
    """Check every row; return the valid recipients, numbered in order, and add each problem found."""
    recipients: list[Recipient] = []
    seen: dict[str, int] = {}
    for row in rows:
        recipient = _check_row(row, shown, defaults, problems)
        if recipient is None:
            continue
        first = seen.setdefault(recipient.key, row.line)
        if first != row.line:
            problems.append(
                Diagnostic(
                    f"duplicate recipient {recipient.email} (first at line {first})",
                    row.values["email"][1],
                    "list each recipient once",
                )
            )
            continue
        recipients.append(replace(recipient, number=len(recipients) + 1))
    return recipients


def _check_row(row: _Row, shown: str, defaults: Defaults, problems: list[Diagnostic]) -> Recipient | None:
    """Return the recipient a row describes, or None after adding what is wrong with it to ``problems``."""
    before = len(problems)
    values: dict[str, tuple[str, Location]] = {}
    for key, (raw, where) in row.values.items():
        value = raw.strip()
        problem = unsafe_character(value)
        if problem is None and key in _FIELDS and _BREAK.search(value):  # extra fields may hold lines
            problem = "a line break or a control character"
        if problem:
            problems.append(Diagnostic(f"the {key} contains {problem}", where, "remove it"))
        values[key] = (value, where)
    nowhere = ("", Location(shown, row.line))
    email, email_at = values.get("email", nowhere)
    name, name_at = values.get("name", nowhere)
    lang, lang_at = values.get("language", nowhere)
    audience, audience_at = values.get("audience", nowhere)
    formats_text, formats_at = values.get("formats", nowhere)
    address = None
    if not email:
        problems.append(Diagnostic("no e-mail address", email_at, "every recipient needs one"))
    else:
        try:
            address = addresses.parse(email, "the e-mail address", email_at)
        except MailError as exc:
            problems.extend(exc.diagnostics)
    if not name:
        problems.append(
            Diagnostic("no name", name_at, "every recipient needs one: the copy is marked with it")
        )
    lang = lang or defaults.default_lang
    if lang not in defaults.languages:
        hint = did_you_mean(lang, defaults.languages) or "the project's languages: " + ", ".join(
            defaults.languages
        )
        problems.append(Diagnostic(f"unknown language '{lang}'", lang_at, hint))
    audience = audience or defaults.audience or ""
    if audience and audience not in defaults.audiences:
        hint = did_you_mean(audience, defaults.audiences) or "audiences: " + ", ".join(
            sorted(defaults.audiences)
        )
        problems.append(Diagnostic(f"unknown audience '{audience}'", audience_at, hint))
    formats = tuple(dict.fromkeys(f.casefold() for f in _SEPARATORS.split(formats_text) if f))
    for fmt in formats:
        if fmt not in FORMATS:
            hint = did_you_mean(fmt, FORMATS) or "formats: " + ", ".join(FORMATS)
            problems.append(Diagnostic(f"unknown format '{fmt}'", formats_at, hint))
    if len(problems) > before or address is None:
        return None
    return Recipient(
        number=0,
        name=name,
        email=address.addr_spec,
        organisation=values.get("organisation", nowhere)[0] or None,
        lang=lang,
        audience=audience or None,
        formats=formats or defaults.formats,
        extra={key: value for key, (value, _) in values.items() if key not in _FIELDS},
        where=Location(shown, row.line),
    )
