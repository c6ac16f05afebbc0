"""JSON Schema of the YAML files, generated from the Pydantic models (for editors)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic.json_schema import models_json_schema

from provisioner import __version__
from provisioner.providers import registry

if TYPE_CHECKING:
    from provisioner.providers.base import Service

# Versioned with the release whose tag serves it, so an editor can fetch exactly the schema of the
# tool in use; files in a repository still point at their committed copy (`# yaml-language-server:
# $schema=<relative path>`).
DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_ID = f"https://raw.githubusercontent.com/schedule-provisioner/provisioner/v{__version__}/schema/provisioner.schema.json"


def json_schema() -> dict[str, Any]:
    """The schema editors use. The root picks the file kind the way the loader does (each service's
    ``model_for``), so an editor reports the errors of the right kind of file instead of those of
    every alternative."""
    services = registry.services()
    defs, rules = _definitions(services)
    schema = {
        "$schema": DRAFT,
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
        "allOf": [{"if": _provider(s.name), "then": rules[s.name]} for s in services],
        "$defs": defs,
    }
    return _draft_07(_declare_required(schema))


def _draft_07(schema: dict[str, Any]) -> dict[str, Any]:
    """Draft-07's spelling: ``definitions`` and ``#/definitions/<Name>``. Providers and pydantic
    speak of ``$defs`` (2020-12), which SchemaStore accepts only on an allow-list; the keywords used
    are draft-07's."""
    defs = schema.pop("$defs")
    moved = {f"#/$defs/{name}": f"#/definitions/{name}" for name in defs}
    return _retarget({**schema, "definitions": defs}, moved)


def _declare_required(node: Any) -> Any:
    """Every name a schema object requires is also one of its ``properties`` (Ajv's strictRequired,
    which SchemaStore's checks run): a provider's rule such as ``anyOf: [{required: [person]},
    ...]`` gets ``properties: {person: {}}``, which allows anything, so what validates is unchanged.
    An object closed by ``additionalProperties: false`` is left as it is (pydantic lists its
    properties anyway)."""
    if isinstance(node, list):
        return [_declare_required(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _declare_required(v) for k, v in node.items()}
    required = out.get("required")
    if isinstance(required, list) and out.get("additionalProperties") is not False:
        props = dict(out.get("properties", {}))
        for name in required:
            props.setdefault(name, {})
        out["properties"] = props
    return out


def _definitions(services: list[Service]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every service's models under ``$defs``, and each service's rule pointing into them.

    Each service's models are described on their own, so definitions are namespaced per service: a
    name that two services define differently (a plug-in's ``Safety`` or ``GuidebookFile``) becomes
    ``<service>.<Name>`` in both, with every reference of theirs following; a definition every
    service that names it shares (the same ``Safety``) stays one plain ``<Name>``."""
    own: dict[str, dict[str, Any]] = {}  # service -> its definitions
    for service in services:
        models = [(model, "validation") for model in service.file_models()]
        _, described = models_json_schema(models, ref_template="#/$defs/{model}")  # type: ignore[arg-type]
        own[service.name] = described.get("$defs", {})
    variants: dict[str, list[Any]] = {}
    for service_defs in own.values():
        for name, schema in service_defs.items():
            if schema not in variants.setdefault(name, []):
                variants[name].append(schema)
    clashing = {name for name, schemas in variants.items() if len(schemas) > 1}
    defs: dict[str, Any] = {}
    rules: dict[str, Any] = {}
    for service in services:
        renamed = {f"#/$defs/{n}": f"#/$defs/{service.name}.{n}" for n in clashing}
        for name, schema in own[service.name].items():
            key = f"{service.name}.{name}" if name in clashing else name
            defs[key] = _retarget(schema, renamed)
        rules[service.name] = _retarget(service.schema_rule(), renamed)
    return _reachable(defs, rules), rules


def _reachable(defs: dict[str, Any], rules: dict[str, Any]) -> dict[str, Any]:
    """The definitions the rules reach (a model whose schema a field overrides is described by
    pydantic anyway), sorted by name."""
    keep: set[str] = set()
    todo = [rules]
    while todo:
        for ref in _refs(todo.pop()):
            name = ref.removeprefix("#/$defs/")
            if name in defs and name not in keep:
                keep.add(name)
                todo.append(defs[name])
    return {name: defs[name] for name in sorted(keep)}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _retarget(node: Any, renamed: dict[str, str]) -> Any:
    """``node`` with each ``$ref`` in ``renamed`` pointing to its new name."""
    if isinstance(node, dict):
        return {
            k: renamed.get(v, v) if k == "$ref" else _retarget(v, renamed) for k, v in node.items()
        }
    if isinstance(node, list):
        return [_retarget(v, renamed) for v in node]
    return node


def _provider(name: str) -> dict[str, Any]:
    return {"properties": {"provider": {"const": name}}, "required": ["provider"]}


def schema_text() -> str:
    """The schema as committed in ``schema/provisioner.schema.json`` (a test keeps the two
    equal)."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
