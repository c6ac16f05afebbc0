"""What a plan means for people, in the domain's words rather than payloads.

Guidebook: per attendee, the sessions gained and lost through the changed schedules of a guide
(``alice@example.com: +Opening Keynote, −Workshop B``). Only changed schedules are in a plan, so a session
lost here may still reach the attendee through an unchanged schedule; a session both gained and lost through
changed schedules (someone moved between two schedules holding it) cancels out.

Planning Center: one line per roster or response change (``Jane Doe on Dec 6 Band: added as Vocals
(unconfirmed)``, ``Jane Doe: declines Dec 6 Band (Out of town)``), with names from ``labels`` where known.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from provisioner.plan import Change, Plan
from provisioner.render.common import ScopeId, by_scope, natural, value_text

MAX_ITEMS = 12  # sessions named per impact line before "… N more"
STATUS = {"C": "confirmed", "U": "unconfirmed", "D": "declined"}
ROSTER_FIELDS = {"team_position_name": "position", "status": "status", "notes": "notes"}
REASON_FIELDS = ("decline_reason", "reason")
RESPONSE_VERBS = {"accepted": "accepts", "declined": "declines"}
_ID = re.compile(r"\b(person|team|plan)\s+(\d+)\b")


@dataclass(frozen=True)
class ScopeImpact:
    """The impact lines of one (provider, scope), sorted by person."""

    scope: ScopeId
    lines: tuple[str, ...]


def plan_impact(plan: Plan) -> list[ScopeImpact]:
    out = []
    for scope, changes in by_scope(plan):
        exact = [e for e in plan.impact if (e.get("provider"), e.get("scope")) == scope]
        if exact:  # computed over the whole scope; an empty list means nobody's view changes
            lines = guidebook_exact(changes, [row for e in exact for row in e.get("people", [])])
        else:
            lines = IMPACT.get(scope[0], _no_impact)(changes)
        if lines:
            out.append(ScopeImpact(scope, tuple(lines)))
    return out


def _no_impact(changes: list[Change]) -> list[str]:
    return []


# --- Guidebook -------------------------------------------------------------------------------------------


@dataclass
class _Delta:
    gains: set[str] = field(default_factory=set)
    losses: set[str] = field(default_factory=set)


def guidebook_impact(changes: list[Change]) -> list[str]:
    """Per attendee, net sessions gained and lost across the given changes of one guide."""
    people: dict[str, _Delta] = defaultdict(_Delta)
    for change in changes:
        for attendee, gained, lost in _schedule_effects(change):
            people[attendee].gains |= gained
            people[attendee].losses |= lost
    attendees, sessions = _merged(changes, "attendees"), _merged(changes, "sessions")
    rows = []
    for pid, delta in people.items():
        gains, losses = delta.gains - delta.losses, delta.losses - delta.gains
        if gains or losses:
            person = attendees.get(pid) or f"attendee {pid}"
            rows.append(((natural(person), pid), f"{person}: {_sessions(gains, losses, sessions)}"))
    return [line for _, line in sorted(rows)]


def guidebook_exact(changes: list[Change], rows: list[dict[str, Any]]) -> list[str]:
    """Lines from the provider's exact per-attendee delta (computed over the whole guide)."""
    attendees, sessions = _merged(changes, "attendees"), _merged(changes, "sessions")
    out = []
    for row in rows:
        pid = str(row["person"])
        person = attendees.get(pid) or f"attendee {pid}"
        gains, losses = {str(i) for i in row.get("gain", [])}, {str(i) for i in row.get("lose", [])}
        out.append(((natural(person), pid), f"{person}: {_sessions(gains, losses, sessions)}"))
    return [line for _, line in sorted(out)]


def _schedule_effects(change: Change) -> Iterable[tuple[str, set[str], set[str]]]:
    """(attendee, sessions gained, sessions lost) for everyone a schedule change touches."""
    a0, s0 = _ids(change.before, "attendees", set()), _ids(change.before, "sessions", set())
    gone = change.action == "delete"
    a1 = set() if gone else _ids(change.after, "attendees", a0)
    s1 = set() if gone else _ids(change.after, "sessions", s0)
    for attendee in a1 - a0:
        yield attendee, s1, set()
    for attendee in a0 - a1:
        yield attendee, set(), s0
    if s0 != s1:
        for attendee in a0 & a1:
            yield attendee, s1 - s0, s0 - s1


def _ids(values: dict[str, Any] | None, name: str, default: set[str]) -> set[str]:
    if values is None or name not in values:
        return default
    return {str(v) for v in values[name] or ()}


def _merged(changes: list[Change], table: str) -> dict[str, str]:
    return {k: v for c in changes for k, v in c.labels.get(table, {}).items()}


def _sessions(gains: set[str], losses: set[str], names: dict[str, str]) -> str:
    def ordered(ids: set[str]) -> list[str]:
        return sorted((names.get(i) or f"session {i}" for i in ids), key=lambda n: (natural(n), n))

    parts = [f"+{n}" for n in ordered(gains)] + [f"−{n}" for n in ordered(losses)]
    if len(parts) > MAX_ITEMS:
        parts = [*parts[:MAX_ITEMS], f"… {len(parts) - MAX_ITEMS} more"]
    return ", ".join(parts)


# --- Planning Center ---------------------------------------------------------------------------------------


def change_ids(change: Change) -> dict[str, str]:
    """The person, team and plan ids a Planning Center change names in its scope, key or target."""
    found = dict(_ID.findall(f"{change.scope} / {change.key}"))
    for name in ("person", "team", "plan"):
        if name not in found and change.target.get(name) is not None:
            found[name] = str(change.target[name])
    return found


def planning_center_impact(changes: list[Change]) -> list[str]:
    rows = []
    for change in changes:
        ids = change_ids(change)
        person = _name(change, ids, "person")
        line = (
            _response_line(change, ids, person)
            if change.scope.startswith("person")
            else _roster_line(change, ids, person)
        )
        rows.append(((natural(person), natural(line)), line))
    return [line for _, line in sorted(rows)]


def _name(change: Change, ids: dict[str, str], table: str) -> str:
    rid = ids.get(table)
    if rid is None:
        return ""
    return change.labels.get(table, {}).get(rid) or f"{table} {rid}"


def _where(change: Change, ids: dict[str, str]) -> str:
    return " ".join(filter(None, (_name(change, ids, "plan"), _name(change, ids, "team"))))


def _roster_line(change: Change, ids: dict[str, str], person: str) -> str:
    head = f"{person or change.key} on {_where(change, ids)}"
    if change.action == "delete":
        return f"{head}: removed"
    if change.action == "create":
        return f"{head}: {_added(change)}"
    edits = [
        f"{ROSTER_FIELDS.get(n, n)} {_shown(n, d.get('from'))} → {_shown(n, d.get('to'))}"
        for n, d in change.fields.items()
        if "add" not in d
    ]
    return f"{head}: {'; '.join(edits)}"


def _added(change: Change) -> str:
    values = {n: d.get("to") for n, d in change.fields.items() if "add" not in d} | (change.after or {})
    text = "added"
    if values.get("team_position_name"):
        text += f" as {values['team_position_name']}"
    if values.get("status"):
        text += f" ({_shown('status', values['status'])})"
    if values.get("notes"):
        text += f", notes: {values['notes']}"
    return text


def _shown(name: str, value: Any) -> str:
    text = value_text(value)  # None and "" both read "(none)", as in the text and markdown renderers
    return STATUS.get(text.upper(), text) if name == "status" else text


def _decline_reason(change: Change) -> str | None:
    for name in REASON_FIELDS:
        value = (change.after or {}).get(name) or change.fields.get(name, {}).get("to")
        if value:
            return str(value)
    return None


def _response_line(change: Change, ids: dict[str, str], person: str) -> str:
    where = _where(change, ids) or change.key
    diff = change.fields.get("response", {})
    reason = _decline_reason(change)
    verb = RESPONSE_VERBS.get(str(diff.get("to") or (change.after or {}).get("response")))
    if verb is None:
        return (
            f"{person or change.scope}: response {value_text(diff.get('from'))} → {value_text(diff.get('to'))} "
            f"for {where}"
        )
    return f"{person or change.scope}: {verb} {where}" + (f" ({reason})" if reason else "")


IMPACT: dict[str, Callable[[list[Change]], list[str]]] = {
    "guidebook": guidebook_impact,
    "planning_center": planning_center_impact,
}


def named_key(change: Change) -> str:
    """The key with names before the ids it mentions: ``Jane Doe (person 111) / Band (team 22)``."""

    def named(m: re.Match[str]) -> str:
        name = change.labels.get(m[1], {}).get(m[2])
        return f"{name} ({m[0]})" if name else m[0]

    return _ID.sub(named, change.key)
