"""Pieces shared by the text and markdown renderers: scope grouping, names next to ids, field descriptions."""

from __future__ import annotations

import re
from itertools import groupby
from typing import Any

from provisioner.plan import Change, Plan

ScopeId = tuple[str, str]
Labels = dict[str, dict[str, str]]


def by_scope(plan: Plan) -> list[tuple[ScopeId, list[Change]]]:
    """The plan's changes grouped by (provider, scope), in plan order (the plan is already sorted)."""
    return [(scope, list(changes)) for scope, changes in groupby(plan.changes, key=lambda c: (c.provider, c.scope))]


def scope_title(scope: ScopeId) -> str:
    return f"{scope[0]} · {scope[1]}"


def unsafe_scopes(plan: Plan) -> set[ScopeId]:
    return {(s.provider, s.scope) for s in plan.scopes if s.violations}


def label(value: Any, table: dict[str, str]) -> str:
    """``Name (id)`` when the id has a name other than itself, else the id alone."""
    name = table.get(str(value))
    return f"{name} ({value})" if name and name != str(value) else str(value)


def value_text(value: Any) -> str:
    if value is None:
        return "(none)"
    return '""' if value == "" else str(value)


def describe_field(
    name: str, diff: dict[str, Any], labels: Labels, *, minus: str = "-", limit: int | None = None
) -> str:
    """``+Name (13) -Name (2)`` for a list field, ``old → new`` for a scalar; lists cut after ``limit`` items."""
    if "add" not in diff:
        return f"{value_text(diff.get('from'))} → {value_text(diff.get('to'))}"
    table = labels.get(name, {})
    parts = [f"+{label(i, table)}" for i in diff["add"]] + [f"{minus}{label(i, table)}" for i in diff["remove"]]
    if limit is not None and len(parts) > limit:
        parts = [*parts[:limit], f"… {len(parts) - limit} more"]
    return " ".join(parts) or "(empty)"


def natural(text: str) -> tuple[str | int, ...]:
    """A sort key that orders ``attendee 2`` before ``attendee 10`` and ``Dec 6`` before ``Dec 13``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text.casefold()))
