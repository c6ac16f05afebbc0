"""What a plan means for people, in the domain's words rather than payloads: each service words its
own changes (``Service.impact_lines``, computed by the engine into ``Plan.words``); this module
picks them by scope and names the ids in keys."""

from __future__ import annotations

from dataclasses import dataclass

from provisioner.core.plan import Change, Plan, ScopeId, Words, by_scope
from provisioner.core.words import differ_reason


@dataclass(frozen=True)
class ScopeImpact:
    """The impact lines of one (provider, scope), sorted by person."""

    scope: ScopeId
    lines: tuple[str, ...]


def plan_impact(plan: Plan, cause: str | None = None) -> list[ScopeImpact]:
    """The impact lines the engine computed (``plan.words``) for the plan, or for one cause's part
    of it."""
    out = []
    for scope, _ in by_scope(plan):
        lines = plan.words.impact.get((cause, *scope))
        if lines:
            out.append(ScopeImpact(scope, tuple(lines)))
    return out


def shown_reason(change: Change, words: Words) -> str:
    """The reason in the YAML's field names (``reason, response differ``, not the API's
    ``decline_reason``): the JSON plan keeps the API's names, review output the YAML's."""
    if (
        change.action == "update"
        and change.fields
        and change.reason == differ_reason(change.fields)
    ):
        return differ_reason(words.field_name(change, name) for name in change.fields)
    return change.reason


def named_key(change: Change) -> str:
    """The key with names before the ids its identity holds: ``Jane Doe (person 111) / Band (team
    22)``."""
    key = change.key
    for name, value in change.identity.items():
        label = change.labels.get(name, {}).get(str(value))
        if label and isinstance(value, int):
            key = key.replace(f"{name} {value}", f"{label} ({name} {value})", 1)
    return key
