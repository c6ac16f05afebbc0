"""What Planning Center changes mean for people: one line per roster or response change (``Jane Doe
on Dec 6 Band: added as Vocals (unconfirmed)``, ``Jane Doe: declines Dec 6 Band (Out of town)``),
with names from ``labels`` where known."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from provisioner.core.records import Change
from provisioner.core.words import natural, value_text
from provisioner.providers.planning_center.models import ROSTER_WORDS as STATUS

ROSTER_FIELDS = {"team_position_name": "position", "status": "status", "notes": "notes"}
REASON_FIELDS = ("decline_reason", "reason")
RESPONSE_VERBS = {"accepted": "accepts", "declined": "declines"}


def impact_lines(changes: Sequence[Change], exact: list[dict[str, Any]] | None) -> list[str]:
    return planning_center_impact(list(changes))


def change_ids(change: Change) -> dict[str, str]:
    """The person, team and plan ids a change names in its identity or target."""
    found = {}
    for name in ("person", "team", "plan"):
        value = change.identity.get(name, change.target.get(name))
        if value is not None:
            found[name] = str(value)
    return found


def planning_center_impact(changes: list[Change]) -> list[str]:
    """One line per change in people's words: who is added, removed or changed on which team, or
    which schedule a person accepts or declines."""
    rows = []
    for change in changes:
        ids = change_ids(change)
        person = _name(change, ids, "person")
        line = (
            _response_line(change, ids, person)
            if "person" in change.target
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
    if change.action == "delete" and change.twin_of:
        return f"{head}: duplicate entry removed (still on the team)"
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
    values = {n: d.get("to") for n, d in change.fields.items() if "add" not in d} | (
        change.after or {}
    )
    text = "added"
    if values.get("team_position_name"):
        text += f" as {values['team_position_name']}"
    if values.get("status"):
        text += f" ({_shown('status', values['status'])})"
    if values.get("notes"):
        text += f", notes: {values['notes']}"
    return text


def _shown(name: str, value: Any) -> str:
    text = value_text(
        value
    )  # None and "" both read "(none)", as in the text and markdown renderers
    return STATUS.get(text.upper(), text) if name == "status" else text


def _decline_reason(change: Change) -> str | None:
    for name in REASON_FIELDS:
        value = (change.after or {}).get(name) or change.fields.get(name, {}).get("to")
        if value:
            return str(value)
    return None


def _response_line(change: Change, ids: dict[str, str], person: str) -> str:
    where = _where(change, ids) or change.key
    if change.identity.get("position"):  # one of two positions on that team: two schedules
        where += f" as {change.identity['position']}"
    diff = change.fields.get("response", {})
    reason = _decline_reason(change)
    verb = RESPONSE_VERBS.get(str(diff.get("to") or (change.after or {}).get("response")))
    if verb is None:
        return (
            f"{person or change.scope}: response {value_text(diff.get('from'))} → "
            f"{value_text(diff.get('to'))} "
            f"for {where}"
        )
    return f"{person or change.scope}: {verb} {where}{_declined_times(change)}" + (
        f" ({reason})" if reason else ""
    )


def _declined_times(change: Change) -> str:
    """ ", declines the rehearsal" for a partial accept; ", every time" when one goes back to
    accepting all."""
    if "declined_times" not in change.fields:
        return ""
    declined = (change.after or {}).get("declined_times") or []
    if not declined:
        return ", every time"
    names = change.labels.get("declined_times", {})
    words = [names.get(str(t), f"plan time {t}") for t in declined]
    return ", declines " + (
        words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    )
