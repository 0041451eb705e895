"""Turn parsed content into the model, or into a list of every problem found, each with its location."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from briefgen import markup, prose_numbers, slips, suggestions
from briefgen.errors import ContentError, Diagnostic, Location, did_you_mean
from briefgen.model import (
    BLOCK_TYPES,
    FACT_KINDS,
    KEY,
    SLUG,
    Block,
    Brief,
    BriefMeta,
    Edition,
    Fact,
    ProjectConfig,
    Section,
)
from briefgen.sources import BRIEF_FILE, FACTS_FILE, Document, Path_, ProjectFiles
from briefgen.yaml_errors import quote_it

_YAML_TYPES = {
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:null": "an empty value",
}


@dataclass
class Collector:
    """Gathers diagnostics from every stage so that all are reported at once."""

    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    def error(self, message: str, location: Location | None, hint: str | None = None) -> None:
        self.errors.append(Diagnostic(message, location, hint))

    def warn(self, message: str, location: Location | None, hint: str | None = None) -> None:
        self.warnings.append(Diagnostic(message, location, hint, severity="warning"))


def _data_path(doc: Document, loc: tuple[Any, ...]) -> Path_:
    """Map a pydantic error location onto the document, skipping names that exist only in the model."""
    node: Any = doc.data
    path: list[str | int] = []
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
            path.append(part)
    return tuple(path)


def _field_names(cls: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Return the field names of a model and of every model nested in it."""
    import typing

    seen = seen if seen is not None else set()
    if cls in seen:
        return set()
    seen.add(cls)
    names = set(cls.model_fields)
    for info in cls.model_fields.values():
        stack = [info.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                names |= _field_names(tp, seen)
            stack.extend(typing.get_args(tp))
    return names


def _describe(doc: Document, prefix: Path_, err: Any, cls: type[BaseModel]) -> Diagnostic | None:
    """Say what a pydantic error means for the file; None for an error that only follows from another."""
    loc = (*prefix, *err["loc"])
    path = _data_path(doc, loc)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    message, hint = err["msg"], None
    location = doc.where(path)
    scalar = doc.scalars.get(path)
    misread = slips.misread(doc, path, location) if kind in slips.TYPE_ERRORS else None
    if misread is not None:
        return misread
    if kind == "missing":
        message = f"missing field '{err['loc'][-1]}'"
    elif kind == "extra_forbidden":
        name = str(err["loc"][-1])
        location = doc.key_locations.get(path, location)
        message = f"unknown field '{name}'"
        hint = did_you_mean(name, sorted(_field_names(cls)))
    elif kind in ("string_type", "number_type", "number_text", "date_type") and scalar is not None:
        was = _YAML_TYPES.get(scalar.tag)
        if kind == "string_type" and was and not scalar.quoted:
            message = f"expected text, but YAML reads {scalar.text!r} as {was}"
            hint = f'quote it: "{scalar.text}"'
        elif slips.is_date(err) and len(err.get("dates", ())) > 1:
            dates = " and ".join(f"'{slips.as_written(d)}'" for d in err["dates"])
            message = f"expected numbers, found the dates {dates}"
            hint = slips.DATE_IN_NUMBER
        elif kind == "number_text" and slips.PARTIAL_DATE.match(scalar.text):
            message = f"expected a number, found the date '{scalar.text}'"
            hint = slips.DATE_IN_NUMBER
        elif kind == "number_text":
            hint = "write the number without quotes, with a dot for decimals and no thousands separator"
        elif kind == "number_type" and scalar.tag == "tag:yaml.org,2002:timestamp":
            message = f"expected a number, found the date '{scalar.text}'"
            hint = slips.DATE_IN_NUMBER
        elif kind == "number_type" and was and not scalar.quoted:
            message = f"expected a number, but YAML reads {scalar.text!r} as {was}"
    elif kind == "date_time" and scalar is not None:
        message = f"expected a date, found the date and time '{scalar.text}'"
        hint = f"dates are days, months or years; write {ctx.get('day')}"
    elif kind == "literal_error":
        expected = ctx.get("expected", "")
        given = err.get("input")
        message = f"{given!r} is not one of {expected}"
        choices = re.findall(r"'([^']*)'", str(expected))
        if isinstance(given, str):
            hint = did_you_mean(given, choices)
    elif kind in ("tuple_type", "list_type"):
        message = "expected a list"
    elif kind == "model_type" or kind == "dict_type":
        message = "expected a mapping of fields"
    elif kind == "too_short":
        given = err.get("input")
        if isinstance(given, list | tuple) and len(given) >= int(ctx.get("min_length", 1)):
            return None  # not empty: its items failed, and each says why
        named = bool(path) and isinstance(path[-1], str)  # as written: 'bullets', not its implied 'items'
        message = f"'{path[-1]}' must not be empty" if named else "must not be empty"
    if kind == "unknown_fact" and scalar is not None:
        location = slips.at_offset(doc, path, location, scalar.text.find("{" + str(ctx.get("key"))))
    elif "offset" in ctx:
        location = slips.at_offset(doc, path, location, int(ctx["offset"]))
    return Diagnostic(message, location, hint)


def _model(
    cls: type[BaseModel], data: Any, doc: Document, prefix: Path_, out: Collector, context: dict[str, Any]
) -> Any:
    try:
        return cls.model_validate(data, context=context)
    except ValidationError as exc:
        errors = slips.one_per_slip(exc.errors(include_url=False), sorted(_field_names(cls)))
        for err in errors:
            found = _describe(doc, prefix, err, cls)
            if found is not None and found not in out.errors:
                out.errors.append(found)
        return None


def model_errors(cls: type[BaseModel], data: Any, doc: Document, out: Collector) -> Any:
    """Validate data from a whole document against a model; on failure collect located errors, return None."""
    return _model(cls, data, doc, (), out, {})


def validate_project(doc: Document, out: Collector) -> ProjectConfig | None:
    """Validate ``briefgen.yaml``."""
    if not isinstance(doc.data, dict):
        out.error(
            "the project file must be a mapping with 'brief', 'default_language' and 'languages'",
            Location(doc.path),
        )
        return None
    config: ProjectConfig | None = _model(ProjectConfig, doc.data, doc, (), out, {})
    if config is None:
        return None
    ok = True
    if not SLUG.match(config.brief):
        out.error(
            f"'{config.brief}' cannot name output files",
            doc.where(("brief",)),
            "use lower-case letters, digits and '-', e.g. deepseek-briefing",
        )
        ok = False
    for i, lang in enumerate(config.languages):
        if not check_locale(lang, doc.where(("languages", i)), out):
            ok = False
    if config.default_language not in config.languages:
        out.error(
            f"default language '{config.default_language}' is not in 'languages'",
            doc.where(("default_language",)),
        )
        ok = False
    return config if ok else None


def check_locale(code: str, location: Location, out: Collector) -> bool:
    """Report an error unless ``code`` names a locale Babel knows; return whether it does."""
    from babel import Locale, UnknownLocaleError

    meant = suggestions.alias_language(code)
    hint = f"did you mean '{meant}'?" if meant else "use a code such as ko, en or ja"
    if not re.fullmatch(r"[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*", code):
        out.error(f"'{code}' is not a language code", location, hint)
        return False
    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        out.error(f"unknown language '{code}'", location, hint)
        return False
    return True


def validate_facts(doc: Document | None, out: Collector) -> dict[str, Fact]:
    """Validate ``content/facts.yaml`` into facts by key."""
    if doc is None:
        return {}
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("facts"), dict):
        out.error("expected a mapping 'facts:' of fact keys to facts", Location(doc.path))
        return {}
    extra = set(doc.data) - {"facts"}
    for name in sorted(extra):
        out.error(f"unknown field '{name}'", doc.where((name,)), "facts.yaml holds only 'facts:'")
    facts: dict[str, Fact] = {}
    for key, raw in doc.data["facts"].items():
        where = doc.where(("facts", key))
        if not KEY.match(key):
            out.error(
                f"'{key}' cannot be a fact key", where, "use lower case, digits and '_', e.g. v3_dev_cost"
            )
            continue
        if not isinstance(raw, dict):
            out.error(f"fact '{key}' must be a mapping with a 'kind'", where)
            continue
        kind = raw.get("kind")
        cls = FACT_KINDS.get(kind) if isinstance(kind, str) else None
        if cls is None:
            hint = did_you_mean(str(kind), FACT_KINDS) or "kinds: " + ", ".join(FACT_KINDS)
            out.error(
                f"unknown fact kind '{kind}'" if kind else f"fact '{key}' has no 'kind'",
                doc.where(("facts", key, "kind")) if kind else where,
                hint,
            )
            continue
        fact = _model(cls, {**raw, "key": key}, doc, ("facts", key), out, {})
        if fact is not None:
            facts[key] = fact
    return facts


def _block(raw: Any, doc: Document, path: Path_, out: Collector, context: dict[str, Any]) -> Block | None:
    if isinstance(raw, str):
        return _model(BLOCK_TYPES["paragraph"], {"text": raw}, doc, path, out, context)  # type: ignore[no-any-return]
    misread = slips.misread(doc, path, doc.where(path)) if not isinstance(raw, str) else None
    if misread is not None:
        out.errors.append(misread)
        return None
    if not isinstance(raw, dict) or len(raw) != 1:
        out.error(
            "a block is a text (a paragraph) or a mapping with one key naming its type",
            doc.where(path),
            "types: " + ", ".join(BLOCK_TYPES),
        )
        return None
    ((name, value),) = raw.items()
    cls = BLOCK_TYPES.get(name)
    if cls is None and not KEY.match(name) and isinstance(value, str | None):
        # ``- Cost: the real story``: a text with ': ' in it, which YAML read as a key and its value
        where = doc.key_locations.get((*path, name), doc.where(path))
        out.error(
            "': ' inside a text: YAML reads it as a key and its value",
            Location(where.path, where.line, where.column + len(name)) if where.column else where,
            quote_it(doc.line(where.line)),
        )
        return None
    if cls is None:
        out.error(
            f"unknown block type '{name}'",
            doc.where(path),
            did_you_mean(name, BLOCK_TYPES) or "types: " + ", ".join(BLOCK_TYPES),
        )
        return None
    if cls.shorthand and not isinstance(value, dict):
        value = {cls.shorthand: value}
    elif cls.shorthand and isinstance(value, dict) and cls.shorthand == "text":
        value = value  # a heading or paragraph given as a mapping with 'text'
    return _model(cls, value, doc, (*path, name), out, context)  # type: ignore[no-any-return]


def validate_section(
    doc: Document, out: Collector, facts: dict[str, Fact] | None, declared: frozenset[str] = frozenset()
) -> Section | None:
    """Validate one section file; ``declared`` are fact keys that exist, valid or not.

    ``facts`` None means the facts file could not be read: fact references are then not checked, since
    every one of them would be reported as unknown.
    """
    if not isinstance(doc.data, dict):
        out.error("a section file is a mapping with 'id', 'title' and blocks", Location(doc.path))
        return None
    context = {"facts": facts, "declared": declared}
    data = dict(doc.data)
    blocks: dict[str, list[Block]] = {}
    failed = False
    for part in ("summary", "detail"):
        raw = data.pop(part, [])
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            out.error(f"'{part}' must be a list of blocks", doc.where((part,)))
            failed = True
            continue
        parsed = [_block(b, doc, (part, i), out, context) for i, b in enumerate(raw)]
        failed |= any(b is None for b in parsed)
        blocks[part] = [b for b in parsed if b is not None]
    section: Section | None = _model(Section, {**data, "source_path": doc.path}, doc, (), out, context)
    if section is None or failed:
        return None
    if not SLUG.match(section.id):
        out.error(
            f"'{section.id}' cannot be a section id",
            doc.where(("id",)),
            "use lower case, digits and '-', e.g. cost",
        )
        return None
    return section.model_copy(
        update={"summary": tuple(blocks.get("summary", ())), "detail": tuple(blocks.get("detail", ()))}
    )


def _strings(data: Any, path: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if key not in ("id", "role", "kind", "date", "fact", "also", "align"):
                yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _strings(value, (*path, i))


def hard_coded_numbers(doc: Document, out: Collector) -> None:
    """Warn where prose writes a figure instead of referring to a fact (the rule: ``prose_numbers``)."""
    for path, text in _strings(doc.data):
        for offset, digits in prose_numbers.figures(text):
            out.warn(
                f"the figure '{digits}' is written into the text",
                slips.at_offset(doc, path, doc.where(path), offset),
                "make it a fact in content/facts.yaml and write {key}, or write {=" + digits + "} if it is "
                "not a figure",
            )


def validate_brief(
    files: ProjectFiles,
    config: ProjectConfig,
    languages: list[str],
    out: Collector | None = None,
    *,
    across: bool = True,
) -> tuple[Brief | None, Collector]:
    """Validate every file of a project, collecting all problems before giving up.

    ``across`` also checks the languages against each other (only meaningful when all were read).
    """
    out = out or Collector()
    facts = validate_facts(files.facts, out)
    known = None if FACTS_FILE in files.failed else facts
    declared = frozenset(
        files.facts.data.get("facts", {})
        if files.facts
        and isinstance(files.facts.data, dict)
        and isinstance(files.facts.data.get("facts"), dict)
        else ()
    )
    editions: dict[str, Edition] = {}
    for lang in languages:
        brief_doc = files.briefs.get(lang)
        meta = None
        if brief_doc is not None:
            if isinstance(brief_doc.data, dict):
                meta = _model(BriefMeta, brief_doc.data, brief_doc, (), out, {})
            else:
                out.error("brief.yaml must be a mapping with 'title' and 'date'", Location(brief_doc.path))
        sections: list[Section] = []
        seen: dict[str, Section] = {}
        for doc in files.sections.get(lang, []):
            section = validate_section(doc, out, known, declared)
            hard_coded_numbers(doc, out)
            if section is None:
                continue
            if section.id in seen:
                out.error(
                    f"section id '{section.id}' is used twice (also in {seen[section.id].source_path})",
                    doc.where(("id",)),
                )
                continue
            seen[section.id] = section
            sections.append(section)
        if meta is not None:
            editions[lang] = Edition(lang=lang, meta=meta, sections=tuple(sections))
    if across:
        _compare_languages(editions, files, out, config)
        _compare_structure(editions, out)
    _unused_facts(facts, editions, files, out, config)
    if out.errors:
        return None, out
    return Brief(config=config, facts=facts, editions=editions), out


def _raw_ids(docs: list[Document]) -> list[tuple[str, Document]]:
    return [
        (str(d.data["id"]), d) for d in docs if isinstance(d.data, dict) and isinstance(d.data.get("id"), str)
    ]


def _compare_languages(
    editions: dict[str, Edition], files: ProjectFiles, out: Collector, config: ProjectConfig
) -> None:
    """Every language has the same sections in the same order (compared as written, valid or not)."""
    langs = [lang for lang in files.sections if files.sections[lang]]
    if len(langs) < 2:
        return
    reference = config.default_language if config.default_language in langs else langs[0]
    langs = [reference, *[lang for lang in langs if lang != reference]]
    ref_ids = [i for i, _ in _raw_ids(files.sections[reference])]
    unread = {  # languages with a section file that could not be read: content/<lang>/NN-name.yaml
        path.split("/")[1] for path in files.failed if path.count("/") == 2 and not path.endswith(BRIEF_FILE)
    }
    for lang in langs[1:]:
        if lang in unread or reference in unread:
            continue  # a file that could not be read may hold the section: comparing would only guess
        pairs = _raw_ids(files.sections[lang])
        ids = [i for i, _ in pairs]
        for missing in [i for i in ref_ids if i not in ids]:
            if config.language_fallback:
                out.warn(
                    f"section '{missing}' is not translated into '{lang}': the '{reference}' text stands in",
                    Location(f"content/{lang}"),
                    f"add it, translated from the '{reference}' section",
                )
                continue
            out.error(
                f"section '{missing}' exists in '{reference}' but not in '{lang}'",
                Location(f"content/{lang}"),
                f"add it, translated from the '{reference}' section, or set "
                "language_fallback: true in briefgen.yaml",
            )
        for extra, doc in [(i, d) for i, d in pairs if i not in ref_ids]:
            out.error(f"section '{extra}' exists in '{lang}' but not in '{reference}'", doc.where(("id",)))
        common = [i for i in ref_ids if i in ids]
        if [i for i in ids if i in common] != common:
            out.error(
                f"sections of '{lang}' are in another order than in '{reference}'",
                Location(f"content/{lang}"),
                "number the files in the same order: " + ", ".join(common),
            )


def _compare_structure(editions: dict[str, Edition], out: Collector) -> None:
    """Warn where a translated section drops a figure or a block that the first language has."""
    langs = list(editions)
    if len(langs) < 2:
        return
    reference = {s.id: s for s in editions[langs[0]].sections}
    for lang in langs[1:]:
        for section in editions[lang].sections:
            other = reference.get(section.id)
            if other is None:
                continue
            where = Location(section.source_path)
            for key in sorted(section_facts(other) - section_facts(section)):
                out.warn(
                    f"section '{section.id}' does not refer to fact '{key}', which '{langs[0]}' uses",
                    where,
                    "translations carry the same figures",
                )
            for key in sorted(section_facts(section) - section_facts(other)):
                out.warn(
                    f"section '{section.id}' refers to fact '{key}', which '{langs[0]}' does not use",
                    where,
                    "translations carry the same figures",
                )
            for part in ("summary", "detail"):
                mine = [b.type for b in getattr(section, part)]
                theirs = [b.type for b in getattr(other, part)]
                if mine != theirs:
                    out.warn(
                        f"the {part} of section '{section.id}' has blocks {', '.join(mine) or 'none'}; "
                        f"'{langs[0]}' has {', '.join(theirs) or 'none'}",
                        where,
                        "translations keep the same blocks, so audiences get the same depth",
                    )


def section_facts(section: Section) -> set[str]:
    """Return the keys of every fact a section refers to."""
    keys: set[str] = set()
    for node in _rich_texts(section):
        keys.update(r.key for r in markup.fact_refs(node))
    for block in (*section.summary, *section.detail):
        for item in getattr(block, "items", ()):
            if hasattr(item, "fact"):
                keys.add(item.fact)
        for entry in getattr(block, "entries", ()):
            if isinstance(entry.date, str):
                keys.add(entry.date)
    return keys


def _rich_texts(obj: Any) -> Iterator[markup.RichText]:
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _rich_texts(getattr(obj, name))
    elif isinstance(obj, tuple):
        if obj and all(
            isinstance(
                n,
                markup.Text
                | markup.Code
                | markup.Strong
                | markup.Emphasis
                | markup.Link
                | markup.FactRef
                | markup.Note,
            )
            for n in obj
        ):
            yield obj
        else:
            for item in obj:
                yield from _rich_texts(item)


def _unused_facts(
    facts: dict[str, Fact],
    editions: dict[str, Edition],
    files: ProjectFiles,
    out: Collector,
    config: ProjectConfig,
) -> None:
    """Warn about facts an edition does not show, once per fact naming every such edition; sections standing
    in from the default language count as shown."""
    default = editions.get(config.default_language)
    unused: dict[str, list[str]] = {}
    for lang, edition in editions.items():
        used: set[str] = set()
        sections = list(edition.sections)
        if default is not None and lang != config.default_language:
            own = {s.id for s in edition.sections}
            missing = [s for s in default.sections if s.id not in own]
            if missing and not config.language_fallback:
                continue  # the missing sections are errors already; what they would show is not "unused"
            sections += missing  # shown through the stand-in sections of the default language
        for section in sections:
            used |= section_facts(section)
            for node in _rich_texts(section):
                for ref in markup.fact_refs(node):
                    if ref.also and ref.key in facts:
                        rate = _rate_key(facts, ref.key, ref.also)
                        if rate:
                            used.add(rate)
        for key in set(facts) - used:
            unused.setdefault(key, []).append(f"'{lang}'")
    for key in sorted(unused):
        langs = unused[key]
        which = (
            f"{langs[0]} edition" if len(langs) == 1 else f"{', '.join(langs[:-1])} and {langs[-1]} editions"
        )
        out.warn(
            f"fact '{key}' is not used in the {which}",
            files.facts.where(("facts", key)) if files.facts else None,
            "refer to it as {" + key + "}, or remove it from content/facts.yaml",
        )


def _rate_key(facts: dict[str, Fact], key: str, quote: str) -> str | None:
    from briefgen.model import Money, find_rate

    fact = facts[key]
    if isinstance(fact, Money):
        rate = find_rate(facts, fact.currency, quote)
        return rate.key if rate else None
    return None


def raise_errors(out: Collector) -> None:
    """Raise ContentError with every error collected, if any."""
    if out.errors:
        raise ContentError("", diagnostics=sorted(out.errors, key=lambda d: (d.location or Location(""),)))
