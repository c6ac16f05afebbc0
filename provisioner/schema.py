"""JSON Schema of the YAML files, generated from the Pydantic models (for editors)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from provisioner.model import GuidebookFile, ResponsesFile, RostersFile

# The schema has no published URL: a URN names it without pretending to be a place to download it from.
# Editors find it through the `# yaml-language-server: $schema=<relative path>` line or `yaml.schemas`.
SCHEMA_ID = "urn:provisioner:schedule-file"


def json_schema() -> dict[str, Any]:
    """The schema editors use. The root picks the file kind the way the loader does (``model.model_for``):
    by ``provider``, then ``person``/``responses`` against ``rosters``, so an editor reports the errors of
    the right kind of file instead of those of every alternative."""
    adapter: TypeAdapter[Any] = TypeAdapter(GuidebookFile | RostersFile | ResponsesFile)
    defs = adapter.json_schema(ref_template="#/$defs/{model}")["$defs"]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "provisioner schedule file",
            "description": "One file under schedules/: Guidebook schedules, Planning Center rosters or responses.",
            "type": "object",
            "required": ["provider"],
            "properties": {"provider": {
                "enum": ["guidebook", "planning_center"],
                "description": "guidebook: personalized schedules of a guide; planning_center: a service type's "
                               "rosters (service_type + rosters) or one person's responses (person + responses)."}},
            "allOf": [
                {"if": _provider("guidebook"), "then": _ref("GuidebookFile")},
                {"if": _provider("planning_center"),
                 "then": {"if": {"anyOf": [{"required": ["person"]}, {"required": ["responses"]}]},
                          "then": _ref("ResponsesFile"), "else": _ref("RostersFile")}},
            ],
            "$defs": defs}


def _provider(name: str) -> dict[str, Any]:
    return {"properties": {"provider": {"const": name}}, "required": ["provider"]}


def _ref(model: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{model}"}


def schema_text() -> str:
    """The schema as committed in ``schema/provisioner.schema.json`` (a test keeps the two equal)."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
