"""What a plan means for people, in the domain's words rather than payloads: each service words its own
changes (``Service.impact_lines``); this module groups them by scope and names the ids in keys."""

from __future__ import annotations

from dataclasses import dataclass

from provisioner.core.errors import ConfigError
from provisioner.core.plan import Change, Plan
from provisioner.planning.diff import differ_reason
from provisioner.providers import registry
from provisioner.render.common import ScopeId, by_scope


@dataclass(frozen=True)
class ScopeImpact:
    """The impact lines of one (provider, scope), sorted by person."""

    scope: ScopeId
    lines: tuple[str, ...]


def plan_impact(plan: Plan) -> list[ScopeImpact]:
    out = []
    for scope, changes in by_scope(plan):
        exact = [e for e in plan.impact if (e.get("provider"), e.get("scope")) == scope]
        # Exact rows are computed over the whole scope; an empty list means nobody's view changes.
        rows = [row for e in exact for row in e.get("people", [])] if exact else None
        try:
            service = registry.get(scope[0])
        except (
            ConfigError
        ):  # a saved plan of a service this installation lacks: show the changes alone
            continue
        lines = service.impact_lines(changes, rows)
        if lines:
            out.append(ScopeImpact(scope, tuple(lines)))
    return out


def field_name(change: Change, name: str) -> str:
    """A field as the YAML calls it (``position``, not the API's ``team_position_name``), in the service's words."""
    try:
        return registry.get(change.provider).field_names.get(name, name)
    except ConfigError:  # a saved plan of a service this installation lacks
        return name


def shown_reason(change: Change) -> str:
    """The reason in the YAML's field names (``reason, response differ``, not the API's ``decline_reason``): the
    JSON plan keeps the API's names, review output the YAML's."""
    if (
        change.action == "update"
        and change.fields
        and change.reason == differ_reason(change.fields)
    ):
        return differ_reason(field_name(change, name) for name in change.fields)
    return change.reason


def named_key(change: Change) -> str:
    """The key with names before the ids its identity holds: ``Jane Doe (person 111) / Band (team 22)``."""
    key = change.key
    for name, value in change.identity.items():
        label = change.labels.get(name, {}).get(str(value))
        if label and isinstance(value, int):
            key = key.replace(f"{name} {value}", f"{label} ({name} {value})", 1)
    return key
