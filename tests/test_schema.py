"""Editor schemas: generated from the models, valid JSON Schema, and in agreement with `briefgen check`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from briefgen import schema
from tests.conftest import PROJECTS, REPO, copy_project, run

CHECK_JSONSCHEMA = [sys.executable, "-m", "check_jsonschema"]


def check_jsonschema(schema_file: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    """Validate YAML files with check-jsonschema, an independent validator that reads YAML 1.2, as editors."""
    return subprocess.run(
        [*CHECK_JSONSCHEMA, "--schemafile", str(schema_file), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("schemas")
    result = run("schema", "--output", str(folder))
    assert result.exit_code == 0, result.output
    return folder


def project_files(root: Path) -> dict[str, list[Path]]:
    """The YAML files of a project, by the schema that describes them."""
    found: dict[str, list[Path]] = {}
    candidates = [root / "briefgen.yaml", *(root / "content").rglob("*.yaml")]
    candidates += (root / "templates" / "audiences").glob("*.yaml")
    for path in sorted(p for p in candidates if p.is_file()):
        relative = path.relative_to(root).as_posix()
        spec = schema.spec_for(relative)
        if spec is not None:
            found.setdefault(spec.filename, []).append(path)
    return found


def test_every_schema_is_valid_draft_2020_12(schemas: Path) -> None:
    names = sorted(p.name for p in schemas.glob("*.schema.json"))
    assert names == sorted(spec.filename for spec in schema.SPECS)
    for path in schemas.glob("*.schema.json"):
        document = json.loads(path.read_text("utf-8"))
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(document)


def test_schemas_carry_enums_and_descriptions(schemas: Path) -> None:
    facts = json.loads((schemas / "facts.schema.json").read_text("utf-8"))
    money = facts["$defs"]["Money"]
    assert {"USD", "KRW", "EUR"} <= set(money["properties"]["currency"]["enum"])
    assert "EURO" not in money["properties"]["currency"]["enum"]
    kinds = {variant["$ref"].rsplit("/", 1)[1] for variant in facts["$defs"]["Fact"]["oneOf"]}
    assert kinds == {
        "Money",
        "Count",
        "Quantity",
        "Percent",
        "Range",
        "Ratio",
        "DateFact",
        "DateRange",
        "ExchangeRate",
    }
    assert money["description"].startswith("An amount of money")
    # a field is described by the docstring under it, in its own class or a base class (FactBase)
    assert money["properties"]["as_of"]["description"].startswith("When the figure was true")
    assert money["properties"]["amount"]["description"]
    project = json.loads((schemas / "project.schema.json").read_text("utf-8"))
    assert {"ko", "en", "ja", "en-GB", "en_GB"} <= set(project["properties"]["default_language"]["enum"])
    assert project["properties"]["allow_hosts"]["description"]
    section = json.loads((schemas / "section.schema.json").read_text("utf-8"))
    block_types = [
        next(iter(choice.get("properties", {"(text)": 0}))) for choice in section["$defs"]["Block"]["anyOf"]
    ]
    assert block_types[1:] == [
        "paragraph",
        "heading",
        "bullets",
        "table",
        "callout",
        "timeline",
        "quote",
        "key_figures",
        "glossary",
        "chart",
    ]


def test_the_reference_project_and_the_fixtures_validate(schemas: Path) -> None:
    for root in (REPO, PROJECTS / "minimal"):
        found = project_files(root)
        assert {
            "project.schema.json",
            "facts.schema.json",
            "brief.schema.json",
            "section.schema.json",
        } <= set(found)
        for name, files in found.items():
            result = check_jsonschema(schemas / name, *files)
            assert result.returncode == 0, (name, result.stdout)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_new_project_links_its_schemas_and_validates(lang: str, tmp_path: Path) -> None:
    target = tmp_path / "fresh"
    assert run("init", str(target), "--lang", lang).exit_code == 0
    checked = 0
    for path in sorted(target.rglob("*.yaml")):
        first = path.read_text("utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        linked = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert linked.is_file(), first
        result = check_jsonschema(linked, path)  # what the editor does with the modeline
        assert result.returncode == 0, (path, result.stdout)
        checked += 1
    assert checked == 5
    settings = json.loads((target / ".vscode" / "settings.json").read_text("utf-8"))
    for schema_file, globs in settings["yaml.schemas"].items():
        assert (target / schema_file).is_file()
        assert globs
    assert json.loads((target / ".vscode" / "extensions.json").read_text("utf-8")) == {
        "recommendations": ["redhat.vscode-yaml"]
    }
    assert schema.stale(target / "schemas") == []
    assert run("check", "--project", str(target)).exit_code == 0


#: Broken files that the schema refuses as they are typed, and that `briefgen check` refuses with a location.
BROKEN = {
    "unknown-field": ("content/ko/01-main.yaml", "titel: x\n", "unknown field 'titel'"),
    "bad-currency": (
        "content/facts.yaml",
        "  broken_cost:\n    kind: money\n    amount: 5\n    currency: EURO\n",
        "unknown currency 'EURO'",
    ),
    "bad-kind": (
        "content/facts.yaml",
        "  broken_cost:\n    kind: moeny\n    value: 5\n",
        "unknown fact kind 'moeny'",
    ),
    "number-as-text": (
        "content/facts.yaml",
        '  broken_cost:\n    kind: count\n    value: "5"\n',
        "expected a number, found the text '5'",
    ),
    "bad-block": ("content/ko/01-main.yaml", "detail:\n  - bulets: [a]\n", "unknown block type 'bulets'"),
    "bad-language": ("briefgen.yaml", "languages: [ko, en, xx]\n", "unknown language 'xx'"),
    "bad-colour": (
        "templates/audiences/readers.yaml",
        "branding:\n  palette:\n    brand: blue\n",
        "'blue' is not a colour",
    ),
    "bad-depth": ("templates/audiences/readers.yaml", "depth: short\n", "'short' is not one of"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_are_refused_by_the_schema_and_by_check(
    case: str, schemas: Path, tmp_path: Path
) -> None:
    project = copy_project(PROJECTS / "minimal", tmp_path / "p")
    relative, text, message = BROKEN[case]
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if relative == "content/ko/01-main.yaml" and case == "bad-block":
        original = path.read_text("utf-8")
        path.write_text(original.split("detail:")[0] + text, "utf-8")
    elif relative == "briefgen.yaml":
        lines = [line for line in path.read_text("utf-8").splitlines() if not line.startswith("languages")]
        path.write_text("\n".join(lines) + "\n" + text, "utf-8")
    else:
        existing = path.read_text("utf-8") if path.exists() else ""
        path.write_text(existing + text, "utf-8")
    spec = schema.spec_for(relative)
    assert spec is not None
    refused = check_jsonschema(schemas / spec.filename, path)
    assert refused.returncode == 1, refused.stdout
    checked = run("check", "--project", str(project))
    assert checked.exit_code == 1, checked.output
    assert f"{relative}:" in checked.stderr and message in checked.stderr, checked.stderr


def test_schema_files_are_reproducible_and_stale_ones_are_found(tmp_path: Path) -> None:
    first = schema.generate()
    assert first == schema.generate()
    schema.write(tmp_path)
    assert schema.stale(tmp_path) == []
    (tmp_path / "facts.schema.json").write_text("{}", "utf-8")
    (tmp_path / "brief.schema.json").unlink()
    assert schema.stale(tmp_path) == ["facts.schema.json", "brief.schema.json"]


def test_modelines_point_from_each_file_to_its_schema() -> None:
    assert schema.modeline("briefgen.yaml") == "# yaml-language-server: $schema=schemas/project.schema.json\n"
    assert schema.modeline("content/ko/03-cost.yaml") == (
        "# yaml-language-server: $schema=../../schemas/section.schema.json\n"
    )
    assert schema.modeline("content/ko/brief.yaml").endswith("schemas/brief.schema.json\n")
    assert (
        schema.modeline("content/facts.yaml")
        == "# yaml-language-server: $schema=../schemas/facts.schema.json\n"
    )
    assert schema.modeline("templates/audiences/x.yaml").endswith("../../schemas/audience.schema.json\n")
    assert schema.modeline("README.md") is None


def test_schemas_do_not_depend_on_what_ran_before() -> None:
    """The same schemas in a fresh process as after validating and generating (doctor compares them)."""
    import subprocess
    import sys

    from briefgen.build import load_project

    load_project(PROJECTS / "minimal")
    schema.generate()
    program = "import json; from briefgen import schema; print(json.dumps(schema.generate()))"
    fresh = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert json.loads(fresh.stdout) == schema.generate()


RECIPIENTS = """recipients:
  - {name: 김민준, email: kim@example.org, organisation: 한국투자증권, audience: executive}
  - name: Lee, Jisoo
    email: lee@example.org
    language: en
    formats: [pdf, docx]
    title: VP
"""


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("  - {name: Park}\n", "no e-mail address"),
        ("  - {name: Park, email: park@example.org, formats: [pdf, odt]}\n", "unknown format 'odt'"),
    ],
)
def test_the_recipients_file_is_described_and_refused_alike(
    schemas: Path, tmp_path: Path, broken: str, message: str
) -> None:
    from briefgen.batch.recipients import Defaults, load
    from briefgen.errors import ContentError

    defaults = Defaults(languages=("ko", "en"), default_lang="ko", audiences={"executive"})
    spec = schema.spec_for("recipients.yaml")
    assert spec is not None and spec.filename == "recipients.schema.json"
    good = tmp_path / "recipients.yaml"
    good.write_text(RECIPIENTS, "utf-8")
    assert check_jsonschema(schemas / spec.filename, good).returncode == 0
    assert [r.name for r in load(good, "recipients.yaml", defaults)] == ["김민준", "Lee, Jisoo"]
    bad = tmp_path / "bad.recipients.yaml"
    bad.write_text(RECIPIENTS + broken, "utf-8")
    assert check_jsonschema(schemas / spec.filename, bad).returncode == 1
    with pytest.raises(ContentError) as info:
        load(bad, "bad.recipients.yaml", defaults)
    found = info.value.diagnostics
    assert any(d.location and d.location.line == 8 and message in d.message for d in found), found


def test_field_docstrings_are_read_for_schemas_only() -> None:
    """Starting briefgen does not parse its own source for descriptions; a schema reads them."""
    from briefgen.model import Money

    assert Money.model_fields["as_of"].description is None
    docs = schema.attribute_docstrings(Money)
    assert docs["as_of"].startswith("When the figure was true")
    assert "key" not in docs  # an attribute without a docstring under it
