"""JSON Schema of the YAML files, generated from the Pydantic models (for editors)."""

from __future__ import annotations

import json
from typing import Any, Union

from pydantic import TypeAdapter

from provisioner import __version__
from provisioner.providers import registry

# Versioned with the release whose tag serves it, so an editor can fetch exactly the schema of the tool in use;
# files in a repository still point at their committed copy (`# yaml-language-server: $schema=<relative path>`).
SCHEMA_ID = f"https://raw.githubusercontent.com/schedule-provisioner/provisioner/v{__version__}/schema/provisioner.schema.json"


def json_schema() -> dict[str, Any]:
    """The schema editors use. The root picks the file kind the way the loader does (each service's
    ``model_for``), so an editor reports the errors of the right kind of file instead of those of every
    alternative."""
    services = registry.services()
    models = [m for service in services for m in service.file_models()]
    adapter: TypeAdapter[Any] = TypeAdapter(Union[tuple(models)])  # type: ignore[arg-type]  # noqa: UP007
    defs = adapter.json_schema(ref_template="#/$defs/{model}")["$defs"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "provisioner schedule file",
        "description": "One file under schedules/: "
        + "; ".join(s.describe for s in services)
        + ".",
        "type": "object",
        "required": ["provider"],
        "properties": {
            "provider": {
                "enum": [s.name for s in services],
                "description": "; ".join(f"{s.name}: {s.describe}" for s in services) + ".",
            }
        },
        "allOf": [{"if": _provider(s.name), "then": s.schema_rule()} for s in services],
        "$defs": defs,
    }


def _provider(name: str) -> dict[str, Any]:
    return {"properties": {"provider": {"const": name}}, "required": ["provider"]}


def schema_text() -> str:
    """The schema as committed in ``schema/provisioner.schema.json`` (a test keeps the two equal)."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
