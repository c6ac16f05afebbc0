"""How values read for people, in every layer (the diff, renderers, the services' impact wording):
``(none)`` for no value, a sort key that orders numbers inside text as numbers, an update's reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any


def value_text(value: Any) -> str:
    """A field value for people: None and the empty string both read ``(none)``, in every
    renderer."""
    return "(none)" if value is None or value == "" else str(value)


def natural(text: str) -> tuple[str | int, ...]:
    """A sort key that orders ``attendee 2`` before ``attendee 10`` and ``Dec 6`` before ``Dec
    13``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text.casefold()))


def differ_reason(names: Iterable[str]) -> str:
    """``response differs``, ``notes, status differ``: an update's reason, from the names of its
    fields."""
    ordered = sorted(names)
    return f"{', '.join(ordered)} differ" if len(ordered) > 1 else f"{ordered[0]} differs"


GROUP_ABOVE = (
    50  # people lines a scope shows one by one; above, people with the same line are one line
)
NAMES_SHOWN = 3  # people named on a grouped line before "and N more"


def people_lines(rows: list[tuple[str, str, str]]) -> list[str]:
    """``person: what changes for them`` for each (person, what, id) row, ordered by person (then
    id). Up to GROUP_ABOVE rows, one line each (as always); above, the people who share what changes
    are one line, ordered by its first person: ``Ann, Bob, Cy and 47 more: +Keynote`` (issue 24:
    with one schedule per attendee, everyone moved together reads as one move)."""
    keyed = sorted(((natural(person), rid), person, what) for person, what, rid in rows)
    if len(keyed) <= GROUP_ABOVE:
        return [f"{person}: {what}" for _, person, what in keyed]
    groups: dict[str, list[str]] = {}
    for _, person, what in keyed:
        groups.setdefault(what, []).append(person)
    out = []
    for what, people in groups.items():
        shown = ", ".join(people[:NAMES_SHOWN])
        more = len(people) - NAMES_SHOWN
        out.append(f"{shown} and {more} more: {what}" if more > 0 else f"{shown}: {what}")
    return out
