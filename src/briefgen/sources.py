"""Read the project's files: the only module that opens content.

YAML is parsed with PyYAML's safe loader one node at a time, so that every value keeps the line and column it
came from, and so that YAML's traps (duplicate keys, impossible dates, several documents in one file) become
located errors instead of silent surprises.

What later stages rely on, whatever composes the nodes: a Document holds the data, the location of every
value and mapping key (1-based line and column), how each scalar was written (text, resolved tag, quoted),
the source text of every mapping written in braces, and the file's text. A syntax error is explained by
``yaml_errors`` from the parser's message, its marks and the text alone.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from briefgen.errors import ContentError, Diagnostic, Location
from briefgen.model import unsafe_character
from briefgen.yaml_errors import explain, quote_it, split_lines

PROJECT_FILE = "briefgen.yaml"
FACTS_FILE = "content/facts.yaml"
BRIEF_FILE = "brief.yaml"

#: Largest content file read, in bytes. Briefing content is small; a larger file is a mistake or an attack.
MAX_FILE_BYTES = 2 * 1024 * 1024
#: Largest total of the content files of a project (every language), in bytes.
MAX_PROJECT_BYTES = 16 * 1024 * 1024
#: Most YAML nodes one file may expand to (aliases included): stops alias bombs.
MAX_NODES = 50_000
#: Deepest nesting of lists and mappings.
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)


@dataclass(frozen=True)
class Scalar:
    """How a scalar was written: its source text, the tag YAML resolved it to, and whether it was quoted."""

    text: str
    tag: str
    quoted: bool


@dataclass
class Document:
    """A parsed YAML file: plain Python data plus where each value came from."""

    path: str  # relative to the project, with forward slashes: content/ko/03-cost.yaml
    data: Any
    locations: dict[Path_, Location] = field(default_factory=dict)
    #: where each mapping key is written (for "unknown field" messages)
    key_locations: dict[Path_, Location] = field(default_factory=dict)
    scalars: dict[Path_, Scalar] = field(default_factory=dict)
    #: mappings written in braces, as written (``{cost}``): a text starting with '{' that YAML read as one
    flow_mappings: dict[Path_, str] = field(default_factory=dict)
    #: problems that did not stop parsing (duplicate keys, impossible dates): the data is still usable
    problems: list[Diagnostic] = field(default_factory=list)
    #: the file's text, for messages that quote what was written
    text: str = ""

    def line(self, number: int) -> str:
        """Return a line of the file as written (1-based); "" past the end."""
        lines = split_lines(self.text)
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def where(self, path: Path_) -> Location:
        """Return the location of the value at ``path``, or of its nearest located parent."""
        for end in range(len(path), -1, -1):
            loc = self.locations.get(tuple(path[:end]))
            if loc is not None:
                return loc
        return Location(self.path)


class _Loader(yaml.SafeLoader):
    """The safe loader; composition only, construction is done node by node below.

    Composition counts its depth and its nodes, so that deep nesting stops with a location instead of a
    RecursionError, and a file of a million tiny values stops before all of it is parsed.
    """

    path = ""
    depth = 0
    nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self.depth += 1
        self.nodes += 1
        try:
            if self.depth > MAX_DEPTH + 1:
                raise ContentError(f"nesting deeper than {MAX_DEPTH} levels", self._here())
            if self.nodes > MAX_NODES:
                raise ContentError(
                    f"the file holds more than {MAX_NODES:,} values",
                    self._here(),
                    "a briefing's content is far smaller; split it, or remove what does not belong",
                )
            node: yaml.Node | None = super().compose_node(parent, index)
            assert node is not None  # only None at the end of the stream, which compose_node never reads
            return node
        finally:
            self.depth -= 1

    def _here(self) -> Location:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        return _mark(self.path, event.start_mark)


#: The loader libyaml composes with, where PyYAML has its C extension (``_compose_with_libyaml``).
_CLoader: Any = type("_CLoader", (yaml.CSafeLoader,), {}) if hasattr(yaml, "CSafeLoader") else None

#: YAML 1.2 reads ``1.5e15`` and ``1e15`` as numbers, PyYAML's YAML 1.1 as text (its floats need a dot and a
#: signed exponent): read them as the numbers a user means.
for _loader in (_Loader, _CLoader):
    if _loader is not None:
        _loader.add_implicit_resolver(
            "tag:yaml.org,2002:float",
            re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
            list("-+0123456789"),
        )


def _mark(path: str, mark: yaml.Mark | None) -> Location:
    if mark is None:
        return Location(path)
    return Location(path, mark.line + 1, mark.column + 1)


def parse_yaml(text: str, path: str) -> Document:
    """Parse one YAML document, raising ContentError with every problem found."""
    fast = _compose_with_libyaml(text)
    if fast is not None:
        return _document(path, text, *fast)
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, anywhere in the file
        raise _reader_error(exc, text, path) from None
    loader.path = path
    try:
        node = loader.get_single_node()
    except yaml.composer.ComposerError as exc:
        if exc.problem and "expected a single document" in (exc.context or ""):
            raise ContentError(
                "a content file holds one YAML document, this one has several",
                _mark(path, exc.problem_mark),
                "remove the '---' separator, or split the file",
            ) from None
        raise _yaml_error(exc, path, text) from None
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, path, text) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, path) from None
    except RecursionError:
        raise ContentError(f"nesting deeper than {MAX_DEPTH} levels", Location(path)) from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text input
        raise ContentError(f"YAML error: {exc}", Location(path)) from None
    finally:
        loader.dispose()
    return _document(path, text, node, loader)


def _document(path: str, text: str, node: yaml.Node | None, loader: Any) -> Document:
    """Build the document from its composed nodes, once aliases are measured."""
    doc = Document(path, None, text=text)
    if node is None:
        return doc
    _measure(node, path)
    builder = _Builder(doc, loader)
    doc.data = builder.build(node, ())
    doc.problems = builder.problems
    return doc


_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)
_OPENING = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSING = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _compose_with_libyaml(text: str) -> tuple[yaml.Node | None, Any] | None:
    """Compose with libyaml (PyYAML's C loader), many times faster than ``_Loader``; None: use ``_Loader``.

    libyaml's composer recurses without a bound, so its event stream is checked against the limits first
    (nesting, values); a text beyond them, or one libyaml refuses, is left to ``_Loader``, which stops at
    the limit and says what is wrong, where, in its own words. The nodes, their marks and the values built
    from them are the same with either.
    """
    loader_class = _CLoader
    if loader_class is None or not text.endswith("\n") or "\t" in text:
        # PyYAML built without libyaml; or a text where the two disagree: without a last line end (libyaml
        # places an empty value at the end on the next line), or with tabs (libyaml takes a tab after a
        # value as a space; the Python loader refuses it, with a hint about indenting)
        return None
    try:
        depth = nodes = 0
        for event in yaml.parse(text, Loader=loader_class):
            if isinstance(event, _NODE_EVENTS):
                nodes += 1
                if nodes > MAX_NODES or depth >= MAX_DEPTH + 1:
                    return None
                depth += isinstance(event, _OPENING)
            elif isinstance(event, _CLOSING):
                depth -= 1
        loader = loader_class(text)
        try:
            return loader.get_single_node(), loader
        finally:
            loader.dispose()
    except yaml.YAMLError:
        return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def _measure(root: yaml.Node, path: str) -> None:
    """Refuse a document that aliases would expand beyond the limits, or whose aliases refer to themselves.

    Aliases share nodes, so the composed graph stays small while its expansion can be huge (a "billion laughs"
    alias bomb). The expansion is measured on the graph, each node once, before any of it is built.
    """
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    open_: set[int] = set()  # nodes whose children are being measured: their ancestors in the expansion
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            open_.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            depths[key] = 1 + max((depths[id(c)] for c in children), default=0)
            if sizes[key] > MAX_NODES:
                raise ContentError(
                    f"the file expands to more than {MAX_NODES:,} values",
                    _mark(path, node.start_mark),
                    "aliases that repeat other aliases multiply quickly; write the data out",
                )
            if depths[key] > MAX_DEPTH + 1:
                raise ContentError(
                    f"nesting deeper than {MAX_DEPTH} levels",
                    _mark(path, node.start_mark),
                    "an alias repeats a deeply nested value inside another",
                )
            continue
        if key in sizes:
            continue
        if key in open_:
            raise ContentError(
                "an alias refers to a value that contains it, which would never end",
                _mark(path, node.start_mark),
                "an alias may only repeat a finished value",
            )
        open_.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children)


def _reader_error(exc: yaml.reader.ReaderError, text: str, path: str) -> ContentError:
    offset = min(max(exc.position, 0), len(text))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return ContentError(
        f"YAML does not allow the character U+{exc.character:04X} in a file",
        Location(path, line, column),
        "remove it: it does not belong in a briefing",
    )


def _yaml_error(exc: yaml.MarkedYAMLError, path: str, text: str) -> ContentError:
    """Report a YAML syntax error at the slip, in the writer's terms where the slip is a known one."""
    problem = exc.problem or "invalid YAML"

    def place(mark: yaml.Mark | None) -> tuple[int, int] | None:
        return (mark.line, mark.column) if mark is not None else None

    found = explain(text, problem, place(exc.problem_mark), exc.context, place(exc.context_mark))
    if found is not None:
        return ContentError(found.message, Location(path, found.line, found.column), found.hint)
    mark = exc.problem_mark or exc.context_mark
    context = f" {exc.context}" if exc.context and exc.context not in problem else ""
    return ContentError(f"YAML syntax error: {problem}{context}".strip(), _mark(path, mark))


class _Builder:
    """Turn composed YAML nodes into Python data, recording locations and collecting problems."""

    def __init__(self, doc: Document, loader: _Loader) -> None:
        self.doc = doc
        self.loader = loader
        self.problems: list[Diagnostic] = []
        self.nodes = 0

    def _problem(self, message: str, node: yaml.Node, hint: str | None = None) -> None:
        self.problems.append(Diagnostic(message, _mark(self.doc.path, node.start_mark), hint))

    def build(self, node: yaml.Node, path: Path_, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ContentError(
                f"the file expands to more than {MAX_NODES:,} values",
                _mark(self.doc.path, node.start_mark),
                "aliases that repeat other aliases multiply quickly; write the data out",
            )
        if depth > MAX_DEPTH:
            raise ContentError(
                f"nesting deeper than {MAX_DEPTH} levels", _mark(self.doc.path, node.start_mark)
            )
        self.doc.locations[path] = _mark(self.doc.path, node.start_mark)
        if node.tag not in _PLAIN_TAGS:
            if node.tag.startswith("!") and not node.tag.startswith("!!"):  # ``title: !important``: text
                line = self.doc.line(node.start_mark.line + 1)
                self._problem(
                    "a text cannot start with '!' unquoted: YAML reads it as a tag", node, quote_it(line)
                )
            else:
                self._problem(
                    f"the YAML tag '{node.tag}' is not allowed",
                    node,
                    "only plain YAML is allowed: text, numbers, booleans, dates, lists and mappings",
                )
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        if node.tag == "tag:yaml.org,2002:set" or any(
            k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value
        ):
            self._problem("YAML merge keys ('<<') and sets are not supported", node, "write the values out")
            return {}
        if node.flow_style and node.end_mark is not None:
            self.doc.flow_mappings[path] = self.doc.text[node.start_mark.index : node.end_mark.index]
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem("a mapping key must be a plain name", key_node)
                continue
            key = self._safe_text(str(key_node.value), key_node)
            if key in result:
                first = self.doc.locations.get((*path, key))
                where = f" (first at line {first.line})" if first else ""
                self._problem(
                    f"duplicate key '{key}'{where}", key_node, "a key may appear once; remove or rename one"
                )
                continue
            result[key] = self.build(value_node, (*path, key), depth + 1)
            self.doc.key_locations[(*path, key)] = _mark(self.doc.path, key_node.start_mark)
            self.doc.locations[(*path, key)] = _mark(self.doc.path, key_node.start_mark)
            if isinstance(value_node, yaml.ScalarNode):
                # point at the value, not the key, for scalar values
                self.doc.locations[(*path, key)] = _mark(self.doc.path, value_node.start_mark)
        return result

    def _safe_text(self, text: str, node: yaml.Node) -> str:
        """Report a character that does not belong in text, and replace it, so that no message echoes it."""
        problem = unsafe_character(text)
        if problem is None:
            return text
        self._problem(problem, node)
        return "".join("\ufffd" if unsafe_character(ch) else ch for ch in text)

    def _scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        quoted = node.style in ("'", '"', "|", ">")
        if unsafe_character(node.value):
            text = self._safe_text(node.value, node)
            self.doc.scalars[path] = Scalar(text, "tag:yaml.org,2002:str", quoted)
            return text
        self.doc.scalars[path] = Scalar(str(node.value), node.tag, quoted)
        try:
            return self.loader.construct_object(node, deep=True)
        except ValueError:
            # an impossible date such as 2024-02-30: keep the text; validation says what is wrong with it
            return str(node.value)
        except yaml.constructor.ConstructorError as exc:
            self._problem(f"cannot read '{node.value}': {exc.problem}", node)
        return None


@dataclass
class ProjectFiles:
    """Every content file of a project, parsed, before validation."""

    root: Path
    project: Document
    facts: Document | None
    briefs: dict[str, Document]  # language -> content/<lang>/brief.yaml
    sections: dict[str, list[Document]]  # language -> sections in file-name order
    #: files that exist but could not be read or parsed (already reported): checks that need them are skipped
    failed: set[str] = field(default_factory=set)


def read_text(root: Path, relative: str) -> str:
    """Read a project file as UTF-8 text, with located errors for size and encoding."""
    return read_file(root / relative, relative, within=root)


def read_file(path: Path, shown: str, within: Path | None = None, limit: int = MAX_FILE_BYTES) -> str:
    """Read a YAML or text file as UTF-8; ``shown`` is how messages name it.

    Only a regular file is read, and never more than ``limit`` bytes of it (MAX_FILE_BYTES for content),
    whatever its size said: a device such as /dev/zero or a file that grows cannot exhaust memory. With
    ``within``, a file whose real path (links followed) leaves that folder is refused unread.
    """
    raw = read_bytes(path, shown, within, limit)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ContentError(
            f"invalid UTF-8 (byte 0x{raw[exc.start]:02x})",
            Location(shown, line, column),
            "save the file as UTF-8",
        ) from None
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise ContentError(
            "NUL byte in a text file", Location(shown, line, column), "save the file as plain UTF-8 text"
        )
    return text


def read_bytes(path: Path, shown: str, within: Path | None, limit: int) -> bytes:
    """Read a regular file of at most ``limit`` bytes (a picture, say), with located errors.

    As for :func:`read_file`: devices, pipes and links leading out of ``within`` are refused unread.
    """
    if within is not None and not _inside(path, within):
        raise ContentError(
            "the file is a link to a place outside the project; it was not read",
            Location(shown),
            "copy the file into the project instead of linking to it",
        )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ContentError("file not found", Location(shown)) from None
    except IsADirectoryError:
        raise ContentError("expected a file, found a folder", Location(shown)) from None
    except OSError as exc:
        raise ContentError(f"cannot read the file: {exc.strerror or exc}", Location(shown)) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ContentError("expected a file, found a folder", Location(shown))
        if not stat.S_ISREG(info.st_mode):
            raise ContentError(
                "not a regular file (a device, pipe or socket); it was not read", Location(shown)
            )
        if info.st_size > limit:
            raise _too_big(info.st_size, shown, limit)
        raw = handle.read(limit + 1)
        if len(raw) > limit:
            raise _too_big(len(raw), shown, limit)
    return raw


def _too_big(size: int, shown: str, limit: int = MAX_FILE_BYTES) -> ContentError:
    what = "a content file" if limit == MAX_FILE_BYTES else "this file"
    return ContentError(
        f"file is {size:,} bytes, more than the {limit:,} {what} may have",
        Location(shown),
        "split it, or remove what does not belong in a briefing",
    )


def _inside(path: Path, folder: Path) -> bool:
    """Tell whether ``path``, all links followed, is inside ``folder`` (also resolved)."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):
        return False


def load(root: Path, relative: str) -> Document:
    """Read and parse one YAML file of the project."""
    return parse_yaml(read_text(root, relative), relative)


def _section_files(root: Path, lang: str) -> Iterator[str]:
    folder = root / "content" / lang
    for path in sorted(folder.glob("*.yaml")):
        if path.name != BRIEF_FILE and not path.is_dir():  # devices and links too: read_file refuses them
            yield f"content/{lang}/{path.name}"


def _refuse_project(root: Path, languages: list[str]) -> list[Diagnostic]:
    """Check what can be checked before parsing: file names that would garble messages, and the total size."""
    folders = [root / "content" / lang for lang in languages if (root / "content" / lang).is_dir()]
    problems = [
        Diagnostic(
            f"the file name {name!a} contains a control character", Location("content"), "rename the file"
        )
        for folder in folders
        for name in sorted(os.listdir(folder))
        if not name.isprintable()
    ]
    if problems:
        return problems
    names = [
        FACTS_FILE,
        *(f"content/{lang}/{BRIEF_FILE}" for lang in languages),
        *(name for lang in languages for name in _section_files(root, lang)),
    ]
    total = 0
    for relative in names:
        try:
            info = (root / relative).stat()
        except (OSError, ValueError):
            continue  # missing: reported when read
        if stat.S_ISREG(info.st_mode):
            total += min(info.st_size, MAX_FILE_BYTES + 1)  # a file over its own limit is refused on its own
    if total > MAX_PROJECT_BYTES:
        return [
            Diagnostic(
                f"the content files add up to {total:,} bytes, more than the {MAX_PROJECT_BYTES:,} a project "
                "may have",
                Location("content"),
                "a briefing's text is far smaller; remove what does not belong",
            )
        ]
    return []


def _no_content(root: Path, project: Document, lang: str) -> Diagnostic:
    """Say that a language has no content folder, at its entry in briefgen.yaml, naming one it may mean."""
    listed = project.data.get("languages") if isinstance(project.data, dict) else None
    index = listed.index(lang) if isinstance(listed, list) and lang in listed else None
    where = project.where(("languages", index)) if index is not None else Location(PROJECT_FILE)
    base = lang.replace("-", "_").split("_")[0].lower()
    folders = (
        sorted(p.name for p in (root / "content").glob("*") if p.is_dir())
        if (root / "content").is_dir()
        else []
    )
    near = [name for name in folders if name.replace("-", "_").split("_")[0].lower() == base]
    if near:
        hint = f"the content is in content/{near[0]}/: write '{near[0]}' here, or rename the folder to {lang}"
    else:
        hint = f"create content/{lang}/ with brief.yaml and sections, or remove '{lang}' from languages"
    return Diagnostic(f"no content for language '{lang}': content/{lang}/ does not exist", where, hint)


def read_project(
    root: Path, project: Document, languages: list[str]
) -> tuple[ProjectFiles, list[Diagnostic]]:
    """Parse every content file of the given languages; return what parsed and every problem found."""
    problems: list[Diagnostic] = []
    failed: set[str] = set()

    def attempt(relative: str) -> Document | None:
        try:
            doc = load(root, relative)
        except ContentError as exc:
            problems.extend(exc.diagnostics)
            failed.add(relative)
            return None
        problems.extend(doc.problems)
        return doc

    problems.extend(project.problems)
    refused = _refuse_project(root, languages)
    if refused:
        return ProjectFiles(root, project, None, {}, {}), problems + refused
    facts_path = root / FACTS_FILE
    facts = attempt(FACTS_FILE) if facts_path.exists() or facts_path.is_symlink() else None
    briefs: dict[str, Document] = {}
    sections: dict[str, list[Document]] = {}
    for lang in languages:
        if not (root / "content" / lang).is_dir():
            problems.append(_no_content(root, project, lang))
            continue
        brief_path = root / "content" / lang / BRIEF_FILE
        if not (brief_path.exists() or brief_path.is_symlink()):
            problems.append(
                Diagnostic(
                    "file not found",
                    Location(f"content/{lang}/{BRIEF_FILE}"),
                    "each language needs a brief.yaml with its title and date",
                )
            )
        else:
            brief = attempt(f"content/{lang}/{BRIEF_FILE}")
            if brief is not None:
                briefs[lang] = brief
        names = list(_section_files(root, lang))
        if not names:
            problems.append(
                Diagnostic(
                    f"no sections for language '{lang}'",
                    Location(f"content/{lang}"),
                    f"add section files such as content/{lang}/01-overview.yaml",
                )
            )
        docs = [attempt(rel) for rel in names]
        sections[lang] = [d for d in docs if d is not None]
    return ProjectFiles(root, project, facts, briefs, sections, failed), problems
