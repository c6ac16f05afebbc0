"""What Guidebook changes mean for people: per attendee, the sessions gained and lost through the changed
schedules of a guide (``alice@example.com: +Opening Keynote, −Workshop B``).

Only changed schedules are in a plan, so a session lost here may still reach the attendee through an unchanged
schedule; a session both gained and lost through changed schedules (someone moved between two schedules
holding it) cancels out. The provider's exact rows, computed over the whole guide, are preferred when present.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from provisioner.core import Change
from provisioner.render.common import natural

MAX_ITEMS = 12  # sessions named per impact line before "… N more"


def impact_lines(changes: Sequence[Change], exact: list[dict[str, Any]] | None) -> list[str]:
    return guidebook_exact(list(changes), exact) if exact is not None else guidebook_impact(list(changes))



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
