"""JSON Schemas (draft 2020-12) of a project's YAML files, generated from the models that validate them.

Editors use them to complete and explain fields as they are typed (VS Code's YAML extension, and any editor
built on yaml-language-server); other tools can validate with them. A schema checks what can be checked file
by file (fields, kinds of values, currencies, fact kinds, languages, colours); ``briefgen check`` checks the
rest (fact references, sections across languages, files named by a profile). ``result.schema.json`` describes
what ``--json`` prints. See docs/editors.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any

import click

from briefgen import __version__
from briefgen.cli import _common
from briefgen.console import output_options

if TYPE_CHECKING:
    from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue

SCHEMA_FOLDER = "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class Spec:
    """One schema: its file name, what it describes, and which project files it is for."""

    name: str  # the file is <name>.schema.json
    title: str
    globs: tuple[str, ...]  # project files it describes, relative to the project; empty: not a YAML file
    make: Callable[[], dict[str, Any]]

    @property
    def filename(self) -> str:
        return f"{self.name}.schema.json"


def _model_schema(model: Any) -> dict[str, Any]:
    schema: dict[str, Any] = model.model_json_schema(
        ref_template="#/$defs/{model}", schema_generator=described()
    )
    return schema


def described() -> type[GenerateJsonSchema]:
    """Return a schema generator that describes each field by the docstring written under it.

    pydantic can read those docstrings itself (``use_attribute_docstrings``), but it does so when each model
    class is made, by parsing the module's source: some 20 ms of every build's start, for descriptions only
    a schema shows. They are read here instead, when a schema is made.
    """
    from pydantic import BaseModel
    from pydantic.json_schema import GenerateJsonSchema

    class Described(GenerateJsonSchema):
        def model_schema(self, schema: Any) -> JsonSchemaValue:
            json_schema = super().model_schema(schema)
            cls = schema["cls"]
            properties = json_schema.get("properties")
            if isinstance(properties, dict) and issubclass(cls, BaseModel):
                docs = attribute_docstrings(cls)
                for name, field in cls.model_fields.items():
                    shown = properties.get(field.alias or name)
                    if isinstance(shown, dict) and name in docs and field.description is None:
                        shown["description"] = docs[name]
            return json_schema

    return Described


def attribute_docstrings(cls: type) -> dict[str, str]:
    """Return the docstrings written under a class's annotated attributes, its bases' first."""
    import ast
    import inspect
    import itertools
    import textwrap

    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("briefgen."):
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        body = ast.parse(source).body[0]
        if not isinstance(body, ast.ClassDef):
            continue
        for stmt, after in itertools.pairwise(body.body):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[stmt.target.id] = inspect.cleandoc(after.value.value)
    return docs


def project_schema() -> dict[str, Any]:
    from briefgen.model import ProjectConfig

    return _model_schema(ProjectConfig)


def brief_schema() -> dict[str, Any]:
    from briefgen.model import BriefMeta

    return _model_schema(BriefMeta)


def facts_schema() -> dict[str, Any]:
    from pydantic import Field, TypeAdapter

    from briefgen.model import KEY, Fact

    facts = TypeAdapter(Annotated[Fact, Field(discriminator="kind")]).json_schema(
        ref_template="#/$defs/{model}", schema_generator=described()
    )
    defs = facts.pop("$defs")
    defs["Fact"] = {"description": "A figure, typed by its kind.", **facts}
    return {
        "type": "object",
        "description": "Every figure of the briefing, for all languages; prose refers to them as {key}.",
        "properties": {
            "facts": {
                "type": "object",
                "description": "Facts by key: lower case, digits and '_', e.g. v3_dev_cost.",
                "propertyNames": {"pattern": KEY.pattern},
                "additionalProperties": {"$ref": "#/$defs/Fact"},
            }
        },
        "required": ["facts"],
        "additionalProperties": False,
        "$defs": defs,
    }


def section_schema() -> dict[str, Any]:
    """The section file: its blocks written as YAML has them, a text or a mapping with one key, the type."""
    from pydantic import BaseModel
    from pydantic.json_schema import models_json_schema

    from briefgen.model import BLOCK_TYPES, RICH_SCHEMA, Section

    models: list[type[BaseModel]] = [Section, *BLOCK_TYPES.values()]
    _, top = models_json_schema(
        [(m, "validation") for m in models], ref_template="#/$defs/{model}", schema_generator=described()
    )
    defs: dict[str, Any] = top["$defs"]
    choices: list[dict[str, Any]] = [
        {**RICH_SCHEMA, "description": "A paragraph: " + RICH_SCHEMA["description"]}
    ]
    for name, cls in BLOCK_TYPES.items():
        ref = {"$ref": f"#/$defs/{cls.__name__}"}
        value: dict[str, Any] = ref
        if cls.shorthand:
            shorthand = defs[cls.__name__]["properties"][cls.shorthand]
            value = {"anyOf": [ref, {k: v for k, v in shorthand.items() if k not in ("title", "default")}]}
        choices.append(
            {
                "type": "object",
                "description": (cls.__doc__ or name).strip().splitlines()[0],
                "properties": {name: value},
                "required": [name],
                "additionalProperties": False,
            }
        )
    # a bullet is a text, or a mapping with 'text' and nested 'items' (BulletItem reads either)
    defs["BulletMapping"] = defs.pop("BulletItem")
    defs["BulletItem"] = {"anyOf": [RICH_SCHEMA, {"$ref": "#/$defs/BulletMapping"}]}
    defs["Block"] = {
        "description": "A block: a text (a paragraph), or a mapping with one key, its type.",
        "anyOf": choices,
    }
    section = defs.pop("Section")
    for part in ("summary", "detail"):
        section["properties"][part] = {
            "type": "array",
            "items": {"$ref": "#/$defs/Block"},
            "description": section["properties"][part].get("description", ""),
        }
    return {**section, "$defs": defs}


def audience_schema() -> dict[str, Any]:
    from briefgen.audience import AudienceProfile

    return _model_schema(AudienceProfile)


def brand_schema() -> dict[str, Any]:
    from briefgen.brand import BrandFile

    return _model_schema(BrandFile)


def recipients_schema() -> dict[str, Any]:
    """The YAML recipients file of ``briefgen batch`` (a CSV file has the same columns): see docs/batch.md."""
    from briefgen.batch.recipients import FORMATS

    text = {"type": "string", "minLength": 1}
    recipient = {
        "type": "object",
        "description": "One recipient: their copy is marked with their name and numbered by their row.",
        "properties": {
            "name": {**text, "description": "Whom the copy is for: 'Prepared for …' on the copy."},
            "email": {**text, "description": "The address their copy is mailed to; each recipient once."},
            "organisation": {"type": "string", "description": "Shown after the name in the marking."},
            "language": {
                "type": "string",
                "pattern": r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$",
                "description": "One of the project's languages (default: the project's default language).",
            },
            "audience": {
                "type": "string",
                "description": "An audience profile (default: the whole briefing).",
            },
            "formats": {
                "description": "The formats of their copy (default: pdf): a list, or names in one text.",
                "anyOf": [
                    {"type": "array", "items": {"enum": list(FORMATS)}, "minItems": 1, "uniqueItems": True},
                    {"type": "string", "pattern": r"^\s*(pdf|docx)([\s,;/|+]+(pdf|docx))*\s*$"},
                ],
            },
        },
        "required": ["name", "email"],
        # any other field is kept for the mail templates (recipient.extra), as a text
        "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
    }
    listing = {"type": "array", "items": {"$ref": "#/$defs/Recipient"}}
    return {
        "description": "The recipients of a batch: a list of recipients, or 'recipients:' holding one.",
        "anyOf": [
            listing,
            {
                "type": "object",
                "properties": {"recipients": listing},
                "required": ["recipients"],
                "additionalProperties": False,
            },
        ],
        "$defs": {"Recipient": recipient},
    }


def result_schema() -> dict[str, Any]:
    from briefgen.report import Report

    schema: dict[str, Any] = Report.model_json_schema(
        ref_template="#/$defs/{model}", mode="serialization", schema_generator=described()
    )
    return schema


#: Every schema ``briefgen schema`` writes. A new kind of project file adds its line here.
SPECS: tuple[Spec, ...] = (
    Spec("project", "briefgen project file (briefgen.yaml)", ("briefgen.yaml",), project_schema),
    Spec("facts", "briefgen facts (content/facts.yaml)", ("content/facts.yaml",), facts_schema),
    Spec("brief", "briefgen brief (content/<lang>/brief.yaml)", ("content/*/brief.yaml",), brief_schema),
    Spec(
        "section",
        "briefgen section (content/<lang>/*.yaml)",
        ("content/*/*.yaml", "!content/*/brief.yaml"),
        section_schema,
    ),
    Spec(
        "audience",
        "briefgen audience profile (templates/audiences/*.yaml)",
        ("templates/audiences/*.yaml",),
        audience_schema,
    ),
    Spec("brand", "brand.yml as briefgen reads it (_brand.yml)", ("_brand.yml", "_brand.yaml"), brand_schema),
    Spec(
        "recipients",
        "briefgen batch recipients (recipients.yaml)",
        ("recipients.yaml", "recipients.yml", "*.recipients.yaml"),
        recipients_schema,
    ),
    Spec("result", "briefgen --json output", (), result_schema),
)


def generate() -> dict[str, str]:
    """Return every schema file's text by file name."""
    texts = {}
    for spec in SPECS:
        body = spec.make()
        body.pop("title", None)
        document = {
            "$schema": DIALECT,
            "$comment": f"Generated by briefgen {__version__} with 'briefgen schema'; do not edit.",
            "title": spec.title,
            **body,
        }
        texts[spec.filename] = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return texts


def write(folder: Path) -> list[Path]:
    """Write every schema into ``folder``, each file atomically; return the paths."""
    from briefgen.output import write_file

    written = []
    for name, text in generate().items():
        path = folder / name
        write_file(path, text.encode("utf-8"))
        written.append(path)
    return written


def stale(folder: Path) -> list[str]:
    """Return the names of schema files in ``folder`` that are missing or differ from this briefgen's."""
    found = []
    for name, text in generate().items():
        try:
            if (folder / name).read_text("utf-8") != text:
                found.append(name)
        except OSError:
            found.append(name)
    return found


def spec_for(relative: str) -> Spec | None:
    """Return the schema of a project file (``content/ko/01-overview.yaml``), if one describes it."""
    path = PurePosixPath(relative)
    chosen = None
    for spec in SPECS:
        if any(path.match(glob) for glob in spec.globs if not glob.startswith("!")) and not any(
            path.match(glob[1:]) for glob in spec.globs if glob.startswith("!")
        ):
            chosen = chosen or spec
    return chosen


def modeline(relative: str, folder: str = SCHEMA_FOLDER) -> str | None:
    """Return the ``# yaml-language-server: $schema=…`` line for a project file, relative to the file."""
    spec = spec_for(relative)
    if spec is None:
        return None
    depth = len(PurePosixPath(relative).parts) - 1
    return f"# yaml-language-server: $schema={'../' * depth}{folder}/{spec.filename}\n"


def vscode_settings(folder: str = SCHEMA_FOLDER) -> str:
    """Return .vscode/settings.json mapping the project's YAML files to their schemas (VS Code's YAML)."""
    mapping = {f"./{folder}/{spec.filename}": list(spec.globs) for spec in SPECS if spec.globs}
    return json.dumps({"yaml.schemas": mapping}, indent=2) + "\n"


VSCODE_EXTENSIONS = json.dumps({"recommendations": ["redhat.vscode-yaml"]}, indent=2) + "\n"


def with_editor_support(files: dict[str, str]) -> dict[str, str]:
    """Return a new project's files with what editors need: the schemas, a modeline atop each YAML file
    that has a schema, and VS Code's settings mapping the project's YAML files to them (for new files)."""
    out = {}
    for relative, text in files.items():
        line = modeline(relative) if relative.endswith((".yaml", ".yml")) else None
        out[relative] = line + text if line else text
    out.update({f"{SCHEMA_FOLDER}/{name}": text for name, text in generate().items()})
    out[".vscode/settings.json"] = vscode_settings()
    out[".vscode/extensions.json"] = VSCODE_EXTENSIONS
    return out


@click.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Folder to write into; default: {SCHEMA_FOLDER}/ in the project.",
)
@_common
@output_options(json_option=False)
def schema(output: Path | None, project: Path, debug: bool) -> None:
    """Write JSON Schemas (draft 2020-12) of the project's YAML files, and of --json's output.

    Editors validate and complete with them: `briefgen init` links them from every file it writes. Run this
    again after upgrading briefgen (`briefgen doctor` says when they are stale).
    """
    from briefgen.cli import _display, _run
    from briefgen.console import current
    from briefgen.errors import ExitCode

    def action() -> int:
        for path in write(output or project / SCHEMA_FOLDER):
            current().say(f"wrote {_display(path)}")
        return ExitCode.OK

    _run(debug, action)
