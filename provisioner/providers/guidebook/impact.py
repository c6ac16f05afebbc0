"""What Guidebook changes mean for people: per attendee, the sessions gained and lost through the
changed schedules of a guide (``alice@example.com: +Opening Keynote, −Workshop B``).

Only changed schedules are in a plan, so a session lost here may still reach the attendee through an
unchanged schedule; a session both gained and lost through changed schedules (someone moved between
two schedules holding it) cancels out. The provider's exact rows, computed over the whole guide, are
preferred when present.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from provisioner.core.records import Change, Record
from provisioner.core.words import natural, people_lines
from provisioner.providers.guidebook.moves import after_state, joins_and_leaves, moves

MAX_ITEMS = 12  # sessions named per impact line before "… N more"


def impact_lines(changes: Sequence[Change], exact: list[dict[str, Any]] | None) -> list[str]:
    """The moves between schedules (``alice@example.com: Sales Team → VIP Speakers``), then per
    attendee the sessions gained and lost."""
    people = (
        guidebook_exact(list(changes), exact)
        if exact is not None
        else guidebook_impact(list(changes))
    )
    return move_lines(changes) + people


def move_lines(changes: Sequence[Change]) -> list[str]:
    """One line per attendee who leaves a schedule for another (one personalized schedule each)."""
    attendees = _merged(list(changes), "attendees")
    rows = []
    for move in moves(changes):
        pid = str(move["person"])
        person = attendees.get(pid) or f"attendee {pid}"
        line = f"{person}: {', '.join(move['from'])} → {', '.join(move['to'])}"
        rows.append(((natural(person), pid), line))
    return [line for _, line in sorted(rows)]


def exact_rows(live: dict[str, Record], changes: Sequence[Change]) -> list[dict[str, Any]]:
    """Exactly which sessions each attendee gains and loses: what the attendee reaches through ALL
    the guide's schedules (ignored and unchanged ones included) before and after, so a session still
    reached through another schedule is neither a gain nor a loss.

    Only a pair (person, session) that a change touches can flip, so only the people and sessions
    the changes name are followed through the guide: building everyone's sessions before and after
    cost attendees x sessions (12 s and 800 MB for 200 schedules of 2,000 ids when 2 schedules
    changed). People on the same schedules (before and after) reach the same sessions, so each
    distinct set of schedules is merged and sorted once and its rows share the lists: the 2,000
    people who join one schedule cost one sort, not 2,000."""
    people: set[int] = set()
    sessions: set[int] = set()
    for change in changes:
        for who, what in _touched(change):
            if who and what:
                people |= who
                sessions |= what
    joined = _overwritten(live, changes, people, sessions)
    if not people or not sessions:
        return []
    hits_before, on_before = _memberships(
        ((k, r.values) for k, r in live.items()), people, sessions
    )
    hits_after, on_after = _memberships(after_state(live, changes), people, sessions)
    deltas: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[list[int], list[int]] | None] = {}
    rows = []
    for person in sorted(on_before.keys() | on_after.keys()):
        were, are = tuple(on_before.get(person, ())), tuple(on_after.get(person, ()))
        if person in joined:  # the schedule assigned last is the one the attendee sees
            are = tuple(k for k in are if k in joined[person])
        if (were, are) in deltas:
            delta = deltas[were, are]
        else:
            delta = deltas[were, are] = _delta(_union(hits_before, were), _union(hits_after, are))
        if delta is not None:
            rows.append({"person": person, "gain": delta[0], "lose": delta[1]})
    return rows


_NONE: frozenset[int] = frozenset()


def _overwritten(
    live: Mapping[str, Record], changes: Sequence[Change], people: set[int], sessions: set[int]
) -> dict[int, list[str]]:
    """The schedules each attendee joins through ``changes``. One personalized schedule per
    attendee: "the most recently assigned schedule will overwrite" (Builder's help), so a joiner who
    stays on a schedule no file manages sees only the new one, and loses that one's sessions too:
    they are followed as well (added to ``people`` and ``sessions``)."""
    joined = dict(joins_and_leaves(changes)[0])
    if joined:
        for values in (r.values for r in live.values()):
            staying = {a for a in values.get("attendees") or () if a in joined}
            if staying:
                people |= staying
                sessions |= set(values.get("sessions") or ())
    return joined


def _touched(change: Change) -> Iterable[tuple[set[int], set[int]]]:
    """(people, sessions) whose pairs this change may flip: joiners with the new sessions, leavers
    with the old ones, and those who stay with the sessions that changed."""
    before, after = change.before or {}, change.after or {}
    if change.action == "create":  # nobody leaves and nobody stays: the joiners with every session
        yield set(after.get("attendees") or ()), set(after.get("sessions") or ())
        return
    a0, s0 = set(before.get("attendees") or ()), set(before.get("sessions") or ())
    if change.action == "delete":
        a1, s1 = set(), set()
    else:
        a1 = set(after["attendees"]) if "attendees" in after else a0
        s1 = set(after["sessions"]) if "sessions" in after else s0
    yield a1 - a0, s1
    yield a0 - a1, s0
    yield a0 & a1, s0 ^ s1


def _memberships(
    records: Iterable[tuple[str, dict[str, Any]]], people: set[int], sessions: set[int]
) -> tuple[dict[str, set[int]], dict[int, list[str]]]:
    """Which of ``sessions`` each schedule gives (schedules giving none left out), and which of
    those schedules each of ``people`` is on: the work grows with the guide's lists, never with
    people x sessions."""
    hits: dict[str, set[int]] = {}
    on: dict[int, list[str]] = defaultdict(list)
    for key, values in records:
        hit = sessions.intersection(values.get("sessions") or ())
        if hit:
            hits[key] = hit
            for person in people.intersection(values.get("attendees") or ()):
                on[person].append(key)
    return hits, on


def _union(hits: dict[str, set[int]], keys: tuple[str, ...]) -> frozenset[int] | set[int]:
    return (
        _NONE
        if not keys
        else hits[keys[0]]
        if len(keys) == 1
        else set().union(*map(hits.__getitem__, keys))
    )


def _delta(
    had: frozenset[int] | set[int], has: frozenset[int] | set[int]
) -> tuple[list[int], list[int]] | None:
    return None if had == has else (sorted(has - had), sorted(had - has))


def guidebook_impact(changes: list[Change]) -> list[str]:
    """Per attendee, net sessions gained and lost across the given changes of one guide. The sets of
    one change are shared by everyone it touches alike, and each distinct (gained, lost) is worded
    once: the people of a schedule are not each a copy of its sessions (issue 24: 20,000 attendees x
    200 sessions)."""
    effects: dict[str, list[tuple[set[str], set[str]]]] = defaultdict(list)
    for change in changes:
        for attendee, gained, lost in _schedule_effects(change):
            effects[attendee].append((gained, lost))
    attendees, sessions = _merged(changes, "attendees"), _merged(changes, "sessions")
    worded: dict[tuple[int, ...] | tuple[frozenset[str], frozenset[str]], str | None] = {}
    rows = []
    for pid, mine in effects.items():
        key: tuple[int, ...] | tuple[frozenset[str], frozenset[str]] = tuple(
            id(s) for pair in mine for s in pair
        )
        if key not in worded:
            gains = set().union(*(g for g, _ in mine))
            losses = set().union(*(lo for _, lo in mine))
            net = (frozenset(gains - losses), frozenset(losses - gains))
            if net not in worded:
                worded[net] = _sessions(set(net[0]), set(net[1]), sessions) if any(net) else None
            worded[key] = worded[net]
        text = worded[key]
        if text is not None:
            rows.append((attendees.get(pid) or f"attendee {pid}", text, pid))
    return people_lines(rows)


def guidebook_exact(changes: list[Change], rows: list[dict[str, Any]]) -> list[str]:
    """Lines from the provider's exact per-attendee delta (computed over the whole guide)."""
    attendees, sessions = _merged(changes, "attendees"), _merged(changes, "sessions")
    worded: dict[
        tuple[tuple[Any, ...], tuple[Any, ...]], str
    ] = {}  # people sharing a delta: named and sorted once
    out = []
    for row in rows:
        pid = str(row["person"])
        person = attendees.get(pid) or f"attendee {pid}"
        delta = (tuple(row.get("gain", ())), tuple(row.get("lose", ())))
        text = worded.get(delta)
        if text is None:
            text = worded[delta] = _sessions(
                {str(i) for i in delta[0]}, {str(i) for i in delta[1]}, sessions
            )
        out.append((person, text, pid))
    return people_lines(out)


def _schedule_effects(change: Change) -> Iterable[tuple[str, set[str], set[str]]]:
    """(attendee, sessions gained, sessions lost) for everyone a schedule change touches."""
    a0, s0 = _ids(change.before, "attendees", set()), _ids(change.before, "sessions", set())
    gone = change.action == "delete"
    a1 = set() if gone else _ids(change.after, "attendees", a0)
    s1 = set() if gone else _ids(change.after, "sessions", s0)
    empty: set[str] = set()  # one set shared by everyone the change touches alike (never mutated)
    for attendee in a1 - a0:
        yield attendee, s1, empty
    for attendee in a0 - a1:
        yield attendee, empty, s0
    if s0 != s1:
        gained, lost = s1 - s0, s0 - s1
        for attendee in a0 & a1:
            yield attendee, gained, lost


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
