"""The JSON Schema for editors: committed copy up to date, valid, and in agreement with the
loader."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from provisioner.core.errors import Diagnostic
from provisioner.files.loader import load_bytes
from provisioner.files.schema import json_schema, schema_text
from tests.conftest import Cli

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "schema" / "provisioner.schema.json"
EXAMPLES = sorted((ROOT / "schedules").glob("*.y*ml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def errors(validator: jsonschema.Draft7Validator, text: str) -> list[str]:
    data = _as_editors_read(YAML(typ="safe").load(textwrap.dedent(text)))
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    ]


def _as_editors_read(node: Any) -> Any:
    """Editors (yaml-language-server) read YAML 1.2's core schema, where `2026-12-13` is a string;
    ruamel's safe loader makes it a date."""
    if isinstance(node, dict):
        return {k: _as_editors_read(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_as_editors_read(v) for v in node]
    return node.isoformat() if isinstance(node, date) else node


def loader_accepts(text: str) -> bool:
    diags: list[Diagnostic] = []
    return load_bytes("case.yaml", textwrap.dedent(text).encode(), diags) is not None and not diags


def test_committed_schema_is_up_to_date() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "schema/provisioner.schema.json is stale: run `provisioner schema > "
        "schema/provisioner.schema.json`"
    )


def test_schema_id_is_the_versioned_https_url_of_this_release() -> None:
    # The tag vX.Y.Z serves the schema of that release; files in a repository point at their
    # committed copy.
    from provisioner import __version__

    schema_id = json_schema()["$id"]
    assert schema_id.startswith("https://") and schema_id.endswith(
        f"/v{__version__}/schema/provisioner.schema.json"
    )


def test_schema_command_prints_it(cli: Cli) -> None:
    done = cli("schema")
    assert done.exit_code == 0 and done.output == schema_text()


def test_fields_carry_descriptions_and_examples() -> None:
    defs = json_schema()["definitions"]
    for model in (
        "GuidebookFile",
        "GuidebookSchedule",
        "RostersFile",
        "Roster",
        "TeamMember",
        "ResponsesFile",
        "ResponseDecl",
        "Safety",
    ):
        for name, prop in defs[model]["properties"].items():
            assert prop.get("description"), f"{model}.{name} has no description"
    assert defs["GuidebookFile"]["properties"]["guide"]["examples"] == [47]
    assert defs["TeamMember"]["properties"]["status"]["examples"] == ["C"]


@pytest.mark.skipif(not EXAMPLES, reason="no example files in schedules/ yet")
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_files_validate(validator: jsonschema.Draft7Validator, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schema/provisioner.schema.json")
    assert errors(validator, text) == []
    assert loader_accepts(text)


# Files the loader accepts, in every spelling it allows: the schema must accept them too, or editors
# would underline valid files.
VALID = {
    "guidebook-every-reference": """\
        provider: guidebook
        guide: "47"
        prune: false
        ignore: ["Manual *"]
        protect: [VIP*]
        publish: attendees
        safety: {max_delete_percent: 50, min_existing: 5}
        schedules:
          - name: Sales Team
            attendees: [6, "7", {email: alice@example.com}, {import_id: crm-1001}, {import_id: 1001}]
            sessions: [13, " 14 ", {import_id: sess-keynote}, {name: Opening Keynote}]
          - name: Empty
        """,
    "guidebook-anchors": """\
        provider: guidebook
        guide: 47
        schedules:
          - name: A
            attendees: &people [6, 7]
            sessions: &talks [{name: Opening Keynote}]
          - name: B
            attendees: *people
            sessions: *talks
        """,
    "guidebook-nothing-declared": """\
        provider: guidebook
        guide: 47
        schedules: []
        """,
    "rosters-status-spellings": """\
        provider: planning_center
        service_type: 1234
        rosters:
          - plan: 5678
            prune: false
            team_members:
              - {person: 111, team: 22, position: Vocals, status: C, notes: Bring in-ears}
              - {person: "112", team: 23, status: confirmed}
              - {person: 113, team: 22, status: " d "}
              - {person: 114, team: 22, status: Unconfirmed, position: null, notes: null}
          - plan: "5679"
        """,
    "rosters-every-readable-form": """\
        provider: planning_center
        service_type: Sunday Services
        rosters:
          - plan: 2026-12-13
            team_members:
              - {person: Jane Doe, team: Band, position: Vocals}
              - {person: {name: Zoë Martin}, team: {name: Tech}}
              - {person: 112, team: "23"}
          - plan: {date: 2026-12-20}
          - plan: {title: Advent 2}
        """,
    "rosters-service-type-as-a-mapping": """\
        provider: planning_center
        service_type: {name: Evening Prayer}
        rosters: [{plan: 9001}]
        """,
    "responses-with-names-and-dates": """\
        provider: planning_center
        person: Jane Doe
        responses:
          - {plan: 2026-12-06, team: Band, response: declined, reason: Out of town}
          - {plan: {date: 2026-12-13}, response: accepted}
          - {plan: 5680, team: 22, response: accepted}
        """,
    "responses-person-as-a-mapping": """\
        provider: planning_center
        person: {name: Jane Doe}
        responses: []
        """,
    "responses-with-and-without-team": """\
        provider: planning_center
        person: 111
        responses:
          - {plan: 5678, response: accepted}
          - {plan: 5679, team: 22, response: declined, reason: Out of town}
          - {plan: 5680, team: null, response: declined, reason: null}
        """,
}

# Files the loader rejects and the schema can tell are wrong.
INVALID = {
    "unknown-key": (
        "provider: guidebook\nguide: 47\nschedules: [{name: A, atendees: []}]\n",
        "atendees",
    ),
    "unknown-provider": ("provider: pco\nservice_type: 1\nrosters: []\n", "provider"),
    "missing-guide": ("provider: guidebook\nschedules: []\n", "guide"),
    "zero-id": ("provider: guidebook\nguide: 0\n", "guide: 0 is not valid"),
    "bad-attendee-reference": (
        "provider: guidebook\nguide: 47\nschedules: [{name: A, attendees: [{name: x}]}]\n",
        "attendees/0",
    ),
    "empty-name": ("provider: guidebook\nguide: 47\nschedules: [{name: ''}]\n", "name"),
    "bad-status": (
        "provider: planning_center\nservice_type: 1\nrosters: [{plan: 2, team_members: "
        "[{person: 3, team: 4, status: maybe}]}]\n",
        "status",
    ),
    "bad-response": (
        "provider: planning_center\nperson: 1\nresponses: [{plan: 2, response: maybe}]\n",
        "response",
    ),
    "plan-by-an-unknown-key": (
        "provider: planning_center\nservice_type: 1\nrosters: [{plan: {day: 2026-12-13}}]\n",
        "rosters/0/plan",
    ),
    "person-by-email": (
        "provider: planning_center\nservice_type: Sunday Services\nrosters: [{plan: 2026-12-13, "
        "team_members: [{person: {email: jane@example.com}, team: Band}]}]\n",
        "team_members/0/person",
    ),
    "empty-title": (
        "provider: planning_center\nservice_type: 1\nrosters: [{plan: {title: ''}}]\n",
        "rosters/0/plan",
    ),
    "rosters-in-a-responses-file": (
        "provider: planning_center\nperson: 1\nresponses: []\nrosters: []\n",
        "rosters",
    ),
    "missing-rosters": ("provider: planning_center\nservice_type: 1234\n", "rosters"),
}


@pytest.mark.parametrize("name", VALID)
def test_schema_accepts_what_the_loader_accepts(
    validator: jsonschema.Draft7Validator, name: str
) -> None:
    assert loader_accepts(VALID[name])
    assert errors(validator, VALID[name]) == []


@pytest.mark.parametrize("name", INVALID)
def test_schema_rejects_what_the_loader_rejects(
    validator: jsonschema.Draft7Validator, name: str
) -> None:
    text, hint = INVALID[name]
    assert not loader_accepts(text)
    found = errors(validator, text)
    assert found and any(hint in e for e in found), found


@pytest.mark.parametrize(
    "args",
    [
        ("guidebook", "--guide", "47"),
        ("guidebook", "--guide", "48"),
        ("planning-center", "--service-type", "1234"),
        ("planning-center", "--service-type", "99"),
        ("planning-center", "--person", "114"),
    ],
)
def test_imported_files_validate(
    validator: jsonschema.Draft7Validator, cli: Cli, args: tuple[str, ...]
) -> None:
    done = cli("import", *args)
    assert done.exit_code == 0, done.stderr
    assert errors(validator, done.stdout) == []


def test_schema_points_editors_at_the_right_kind_of_file(
    validator: jsonschema.Draft7Validator,
) -> None:
    # A rosters file's mistake is reported against the rosters model only, not against all three
    # kinds.
    found = errors(
        validator, "provider: planning_center\nservice_type: 1234\nrosters: [{plan: 1, prune: 3}]\n"
    )
    assert found == ["rosters/0/prune: 3 is not of type 'boolean'"]


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(x for v in node.values() for x in _walk(v))]
    if isinstance(node, list):
        return [x for v in node for x in _walk(v)]
    return []


def test_every_ref_resolves() -> None:
    schema = json_schema()
    refs = {n["$ref"] for n in _walk(schema) if "$ref" in n}
    assert refs and all(r.removeprefix("#/definitions/") in schema["definitions"] for r in refs)


# Keywords of 2019-09/2020-12 that draft-07 does not know: SchemaStore takes draft-07 schemas, and
# 2020-12 only on an allow-list; a draft-07 validator would silently ignore these.
LATER_KEYWORDS = {
    "$defs",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$vocabulary",
    "prefixItems",
    "dependentRequired",
    "dependentSchemas",
    "unevaluatedProperties",
    "unevaluatedItems",
    "minContains",
    "maxContains",
}


def _schema_objects(node: Any, at: str = "#") -> list[tuple[str, dict[str, Any]]]:
    """Every schema object with its JSON pointer; the keys of ``properties`` and ``definitions`` are
    names, not keywords, and ``examples`` and ``enum`` hold data."""
    if isinstance(node, list):
        return [x for i, v in enumerate(node) for x in _schema_objects(v, f"{at}/{i}")]
    if not isinstance(node, dict):
        return []
    found = [(at, node)]
    for key, value in node.items():
        if key in ("properties", "definitions", "patternProperties"):
            found += [x for n, v in value.items() for x in _schema_objects(v, f"{at}/{key}/{n}")]
        elif key not in ("examples", "enum", "const", "default"):
            found += _schema_objects(value, f"{at}/{key}")
    return found


def test_schema_is_draft_07_for_schemastore_with_a_versioned_url() -> None:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    used = {key for _, obj in _schema_objects(schema) for key in obj}
    assert not used & LATER_KEYWORDS
    # what users put in `# yaml-language-server: $schema=`: the release's tag, not a moving branch
    assert re.fullmatch(
        r"https://raw\.githubusercontent\.com/schedule-provisioner/provisioner/v\d+\.\d+\.\d+(\.\w+)?/"
        r"schema/provisioner\.schema\.json",
        schema["$id"],
    )


def test_schema_passes_ajv_strict_required() -> None:
    """Ajv's strictRequired (SchemaStore compiles schemas in Ajv's strict mode): every name in
    ``required`` is one of the same object's ``properties``; the committed schema had ``anyOf:
    [{required: [person]}]``."""
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    undeclared = [
        f"{at}: {name}"
        for at, obj in _schema_objects(schema)
        for name in obj.get("required", [])
        if name not in obj.get("properties", {})
    ]
    assert undeclared == []


def test_schema_compiles_in_ajv_strict_mode_where_node_has_ajv(tmp_path: Path) -> None:
    """The same check with Ajv itself, where `node` can load `ajv` (not a dependency: CI skips it;
    run `npm install ajv` in a directory and point AJV_NODE_PATH at its node_modules to include it).
    """
    node = shutil.which("node")
    env = {**os.environ, "NODE_PATH": os.environ.get("AJV_NODE_PATH", "")}
    if (
        node is None
        or subprocess.run(
            [node, "-e", "require('ajv')"], env=env, capture_output=True, check=False
        ).returncode
    ):
        pytest.skip("node with ajv is not installed here")
    script = (
        "const Ajv = require('ajv').default;"
        "const ajv = new Ajv({strict: true, strictRequired: true, strictTypes: true, strictTuples: "
        "true,"
        " logger: {log() {}, warn(m) { throw new Error(m); }, error(m) { throw new Error(m); }}});"
        "ajv.addFormat('date', true);"
        "const v = ajv.compile(JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')));"
        "for (const f of process.argv.slice(2)) {"
        " if (!v(JSON.parse(require('fs').readFileSync(f, 'utf8')))) throw new Error(f + "
        "JSON.stringify(v.errors)); }"
    )
    files = []
    for path in EXAMPLES:
        out = tmp_path / f"{path.name}.json"
        out.write_text(json.dumps(_as_editors_read(YAML(typ="safe").load(path.read_text()))))
        files.append(str(out))
    done = subprocess.run(
        [node, "-e", script, str(COMMITTED), *files],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
