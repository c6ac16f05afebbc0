"""The plan file's contract (schema/plan.schema.json): real plans validate against
schema/plan.schema.json, and a plan of a later format_minor, with fields this version does not know,
is still read and applied."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from provisioner import __version__
from provisioner.applying.saved import load_saved
from provisioner.core.errors import StalePlanError
from provisioner.core.plan import FORMAT_MINOR, fingerprint
from tests.conftest import Cli

Write = Callable[[str, str], Path]

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schema" / "plan.schema.json"
ONE = """\
    provider: guidebook
    guide: 47
    prune: false
    schedules:
      - name: Sales Team
        sessions: [13]
    """


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def errors(validator: Any, data: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(data)
    ]


def test_schema_id_is_a_versioned_https_url() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$id"].startswith("https://") and f"/v{__version__}/" in schema["$id"]
    assert schema["properties"]["format_version"] == {
        **schema["properties"]["format_version"],
        "const": 1,
    }


def test_demo_plan_json_validates_and_names_its_minor_and_tool_version(
    cli: Cli, validator: Any
) -> None:
    """The demo schedules plan creates, updates and deletes in both services."""
    result = cli("plan", str(ROOT / "schedules"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {c["action"] for c in data["changes"]} == {"create", "update", "delete"}
    assert {c["provider"] for c in data["changes"]} == {"guidebook", "planning_center"}
    assert (data["format_version"], data["format_minor"], data["tool_version"]) == (
        1,
        FORMAT_MINOR,
        __version__,
    )
    assert errors(validator, data) == []


def test_saved_plan_file_validates(cli: Cli, write: Write, tmp_path: Path, validator: Any) -> None:
    out = tmp_path / "plan.json"
    assert cli("plan", str(write("s.yaml", ONE)), "--out", str(out)).exit_code == 0
    assert errors(validator, json.loads(out.read_text(encoding="utf-8"))) == []


def test_schema_rejects_what_a_reader_would_refuse(validator: Any) -> None:
    good = {
        "format_version": 1,
        "summary": {"create": 0, "update": 1, "delete": 0},
        "fingerprint": "sha256:" + "0" * 64,
        "changes": [
            {
                "action": "update",
                "provider": "guidebook",
                "scope": "guide 47",
                "key": "A",
                "fields": {},
                "reason": "r",
                "before": {"id": 1},
            }
        ],
    }
    assert errors(validator, good) == []
    assert errors(validator, {**good, "format_version": 2})
    assert errors(validator, {**good, "format_minor": "1"})
    assert errors(validator, {**good, "fingerprint": "md5:x"})
    no_before = {k: v for k, v in good["changes"][0].items() if k != "before"}
    assert errors(validator, {**good, "changes": [no_before]}), "an update must carry `before`"
    assert errors(validator, {**good, "changes": [{**good["changes"][0], "action": "rename"}]})


def test_a_later_minor_with_unknown_fields_is_read_and_applied(
    cli: Cli, sb: object, write: Write, tmp_path: Path, validator: Any
) -> None:
    """What a newer provisioner (same format_version, higher format_minor) writes: extra fields at
    the top and in each change, covered by its fingerprint. This version applies it, and still
    refuses an edited one."""
    d, out = write("s.yaml", ONE), tmp_path / "plan.json"
    assert cli("plan", str(d), "--out", str(out)).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    data["format_minor"] = FORMAT_MINOR + 7
    data["tool_version"] = "99.0.0"
    data["from_the_future"] = {"anything": [1, 2]}
    for change in data["changes"]:
        change["priority"] = "high"
    data["fingerprint"] = fingerprint(data["inputs_digest"], data["changes"])
    assert errors(validator, data) == []
    assert [c.key for c in load_saved(data).changes] == ["Sales Team"]

    edited = json.loads(json.dumps(data))
    edited["changes"][0]["priority"] = "low"
    with pytest.raises(StalePlanError, match="fingerprint mismatch"):
        load_saved(edited)

    out.write_text(json.dumps(data), encoding="utf-8")
    result = cli("apply", str(d), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Applied 1, failed 0, skipped 0." in result.stdout


def test_schema_describes_every_field_the_tool_writes() -> None:
    """The schema is the plan file's documentation: each field of a change and of the plan is
    described there (readers of a later minor still accept fields they do not know)."""
    from dataclasses import fields

    from provisioner.core.plan import Change, Plan

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    described = schema["$defs"]["change"]["properties"]
    assert sorted(f.name for f in fields(Change) if f.name not in described) == []
    assert all(
        described[name].get("description") or name in ("action", "reason") for name in described
    )
    assert sorted(set(Plan(changes=()).to_json()) - set(schema["properties"])) == []
