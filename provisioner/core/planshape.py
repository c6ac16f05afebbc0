"""Whether a JSON value has the shape of a plan file (contract §5), said in words: a file that is
not a plan, or a plan of the wrong shape, is one line naming what is wrong, never "format_version
None" or a raw TypeError / KeyError from building the plan (issue 23)."""

from __future__ import annotations

from typing import Any

from provisioner.core.errors import StalePlanError
from provisioner.core.plan import FORMAT_VERSION

CHANGE_NEEDS = ("action", "provider", "scope", "key", "fields", "reason")
CHANGE_OBJECTS = ("fields", "target", "labels", "identity")
CHANGE_OPTIONAL_OBJECTS = ("before", "after")
SCOPE_NEEDS = ("provider", "scope", "live_count", "deletes")
SCOPE_MAY = (*SCOPE_NEEDS, "violations", "title")
LISTS = ("changes", "scopes", "warnings", "impact", "duplicates")


def kind(value: Any) -> str:
    """A JSON value's kind in JSON's words: ``an object``, ``a list``, ``a string``..."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def checked_plan_json(data: Any, path: str = "the plan file") -> dict[str, Any]:
    """``data`` when it has the shape of a plan file of this format_version, else StalePlanError in
    words (contract §5; issue 23: never "format_version None" or a raw TypeError)."""
    problem = version_problem(data)
    if problem is None and data.get("format_version") != FORMAT_VERSION:
        # any format_minor of it is read: minors only add fields
        raise StalePlanError(
            f"plan file {path} has format_version {data.get('format_version')!r}; this provisioner "
            f"reads {FORMAT_VERSION} (make the plan again with this version)"
        )
    problem = problem or shape_problem(data)
    if problem:
        raise StalePlanError(f"{path} is not a provisioner plan file ({problem})")
    return data


def version_problem(data: Any) -> str | None:
    """Why ``data`` is no plan file at all (None: it is one, of some format_version)."""
    if not isinstance(data, dict):
        return f"a JSON {kind(data).split(' ', 1)[-1]}, not an object"
    if "format_version" not in data and "changes" not in data:
        return "it has no `format_version` and no `changes`"
    if "format_version" not in data:
        return "it has no `format_version`"
    return None


def shape_problem(data: dict[str, Any]) -> str | None:
    """What of a plan file of this format_version is not as this provisioner writes it (None:
    nothing)."""
    for name in LISTS:
        if name in data and not isinstance(data[name], list):
            return f"`{name}` is {kind(data[name])}, not a list"
    if "changes" not in data:
        return "it has no `changes`"
    for i, change in enumerate(data["changes"], 1):
        problem = _change_problem(change)
        if problem:
            return f"change {i}{problem}"
    for i, scope in enumerate(data.get("scopes", []), 1):
        problem = _scope_problem(scope)
        if problem:
            return f"scope {i} {problem}"
    return None


def _change_problem(change: Any) -> str | None:
    """The rest of "change N ..." when the change is not one this provisioner writes."""
    if not isinstance(change, dict):
        return f" is {kind(change)}, not an object"
    for name in CHANGE_NEEDS:
        if name not in change:
            return f" has no `{name}`"
    if change["action"] not in ("create", "update", "delete"):
        return f" has action {change['action']!r}, not create, update or delete"
    for name in ("provider", "scope", "key"):
        if not isinstance(change[name], str):
            return f"'s `{name}` is {kind(change[name])}, not a string"
    for name in CHANGE_OBJECTS:
        if name in change and not isinstance(change[name], dict):
            return f"'s `{name}` is {kind(change[name])}, not an object"
    for name in CHANGE_OPTIONAL_OBJECTS:
        if change.get(name) is not None and not isinstance(change[name], dict):
            return f"'s `{name}` is {kind(change[name])}, not an object or null"
    return None


def _scope_problem(scope: Any) -> str | None:
    if not isinstance(scope, dict):
        return f"is {kind(scope)}, not an object"
    unknown = sorted(set(scope) - set(SCOPE_MAY))
    missing = [n for n in SCOPE_NEEDS if n not in scope]
    if unknown or missing:
        has = f"has `{unknown[0]}`, " if unknown else ""
        return (
            f"is not a scope this provisioner writes ({has}needs "
            + ", ".join(f"`{n}`" for n in SCOPE_NEEDS)
            + ")"
        )
    return None
