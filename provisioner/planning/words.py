"""A plan in each service's words, computed before anything is rendered (the renderers call no
provider): the YAML's field names for the API's, and what the changes mean for people
(``Service.impact_lines``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from provisioner.core.errors import ConfigError
from provisioner.core.plan import Change, Plan, Words, by_cause, by_scope
from provisioner.providers import registry


def field_names(service: str) -> Mapping[str, str]:
    """The service's field names as the YAML says them, by API name; empty for a service this
    installation lacks (a saved plan made elsewhere)."""
    try:
        return registry.get(service).field_names
    except ConfigError:
        return {}


def field_name(change: Change, name: str) -> str:
    """A field as the YAML calls it (``position``, not the API's ``team_position_name``)."""
    return field_names(change.provider).get(name, name)


def described(plan: Plan) -> Plan:
    """``plan`` with its :class:`Words`: field names for every service it changes, and the impact
    lines of each scope, for the plan as a whole or, with causes (``--base``), for each cause apart.
    """
    impact: dict[tuple[str | None, str, str], tuple[str, ...]] = {}
    for cause, part in by_cause(plan):  # renderers show a plan with causes one cause at a time
        for scope, changes in by_scope(part):
            lines = _impact_lines(part, scope, changes)
            if lines:
                impact[(cause, *scope)] = lines
    names = {c.provider: dict(field_names(c.provider)) for c in plan.changes}
    return replace(plan, words=Words(names, impact))


def _impact_lines(plan: Plan, scope: tuple[str, str], changes: list[Change]) -> tuple[str, ...]:
    exact = [e for e in plan.impact if (e.get("provider"), e.get("scope")) == scope]
    # Exact rows are computed over the whole scope; an empty list means nobody's view changes.
    rows = [row for e in exact for row in e.get("people", [])] if exact else None
    try:
        service = registry.get(scope[0])
    except ConfigError:  # a saved plan of a service this installation lacks: the changes alone
        return ()
    return tuple(service.impact_lines(changes, rows))
