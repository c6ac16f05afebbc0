"""JSON Schema of the YAML files, generated from the Pydantic models (for editors)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from provisioner.model import GuidebookFile, ResponsesFile, RostersFile

SCHEMA_ID = "https://github.com/provisioner/provisioner/schema/provisioner.schema.json"


def json_schema() -> dict[str, Any]:
    adapter: TypeAdapter[Any] = TypeAdapter(GuidebookFile | RostersFile | ResponsesFile)
    schema = adapter.json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "provisioner schedule file",
            "description": "One file under schedules/: Guidebook schedules, Planning Center rosters or responses.",
            **schema}


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
