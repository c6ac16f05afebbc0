"""Which declared team member is which live one (docs/api-notes.md, contract §2.2).

A person may hold several positions on one team of one plan, so a member's identity is (person,
team, position). Matching is exact first; a declared and a live member of the same (person, team)
left over after that pair up, so a change of position is one PATCH and never a delete plus a create.
A declaration without ``position`` does not manage it: it matches a live member of its (person,
team) whatever that member's position.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

Ident = tuple[Any, Any, Any]  # (person, team, position or None)


def norm(person: object, team: object, position: object) -> Ident:
    """Ids compared as text (JSON:API ids are strings, YAML ids integers); an empty position is no
    position."""
    return (str(person), str(team), str(position) if position not in (None, "") else None)


def pair(declared: Sequence[Ident], live: Sequence[Ident]) -> dict[int, int]:
    """Declared index -> live index. ``live`` is in id order, so the oldest member is paired first;
    each live member is paired at most once (the rest are left for prune)."""
    out: dict[int, int] = {}
    free: dict[Hashable, list[int]] = {}
    for j, ident in enumerate(live):
        free.setdefault(ident, []).append(j)
    for i, ident in enumerate(declared):
        if ident[2] is not None and free.get(ident):
            out[i] = free[ident].pop(0)
    taken = set(out.values())
    by_pair: dict[Hashable, list[int]] = {}
    for j, ident in enumerate(live):
        if j not in taken:
            by_pair.setdefault(ident[:2], []).append(j)
    for i, ident in enumerate(declared):
        if i not in out and by_pair.get(ident[:2]):
            # An exact match of a position-less declaration first, then the oldest member of its
            # (person, team).
            spots = by_pair[ident[:2]]
            j = next((j for j in spots if live[j] == ident), spots[0])
            spots.remove(j)
            out[i] = j
    return out
