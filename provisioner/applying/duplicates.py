"""After the writes: "lowest id wins" for creates that turn out duplicated (docs/api-notes.md,
contract §6).

Two writers (a local apply racing CI), or a create the server committed after its answer was lost,
can leave an object twice. Ids grow with time, so whichever writer holds the higher id sees the
lower one when it re-reads: each run keeps the lowest id and removes its own copy if that is not the
lowest, and never a copy it did not create. Plain values in, plain values out: the engine does the
reads and the deletes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from provisioner.core.records import Change, LiveIndex, Record, Scope
from provisioner.planning.diff import delete_change


@dataclass(frozen=True)
class Created:
    """One create this run applied: the id it got back and how many of its POSTs went unanswered."""

    change: Change
    id: Any = None
    unanswered: int = 0


@dataclass(frozen=True)
class Twins:
    removals: tuple[Change, ...]  # deletes of this run's own extra copies
    notes: tuple[str, ...]
    uncertain: tuple[str, ...] = ()  # copies left that this run cannot show it created (exit 1)


def id_order(value: Any) -> tuple[int, int, str]:
    text = str(value)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def resolve(scope: Scope, live: dict[str, Record], created: Iterable[Created]) -> Twins:
    """What to remove and say for the copies of this run's creates in ``live`` (a read after the
    writes).

    A copy is this run's only when its id is the one this run's create was answered (or adopted,
    after an ambiguous answer): that copy is removed when a lower id exists. Any other copy may be a
    person's or another writer's, or this run's own POST that landed late; nothing tells them apart
    (issue 23), so it is reported and left, and the run does not end as certain."""
    removals: list[Change] = []
    notes: list[str] = []
    uncertain: list[str] = []
    index = LiveIndex.of(live)  # one pass over the read, not one per create
    for c in created:
        by_id = {str(r.id): r for r in index.named(c.change.key)}
        copies = sorted(by_id.values(), key=lambda r: id_order(r.id))
        if len(copies) < 2:
            continue
        kept, rest = copies[0], copies[1:]
        mine = [r for r in rest if c.id is not None and str(r.id) == str(c.id)]
        others = [r for r in rest if str(r.id) not in {str(m.id) for m in mine}]
        where = f"{scope.name} {c.change.key!r}"
        if mine:
            removals += [
                delete_change(
                    scope, r, reason="this run's duplicate of a lower id (lowest id wins)"
                )
                for r in mine
            ]
            ids = ", ".join(f"#{r.id}" for r in mine)
            notes.append(
                f"{where} was created twice (another writer, or a create the server committed "
                "late): "
                f"kept #{kept.id}, the lowest id; removing this run's copy {ids}"
            )
        if others:
            ids = ", ".join(f"#{r.id}" for r in others)
            uncertain.append(
                f"{where} also exists as {ids}, which this run cannot show it created: left in "
                "place "
                f"(#{kept.id} is the lowest id and stays); the next plan shows the duplicate, and "
                "with "
                "prune on deletes it"
            )
    return Twins(tuple(removals), tuple(notes), tuple(uncertain))


def rekeyed(live: dict[str, Record]) -> dict[str, Record]:
    """Live records keyed again after some copies were removed: the lowest id left takes the plain
    key."""
    out: dict[str, Record] = {}
    for rec in sorted(live.values(), key=lambda r: id_order(r.id)):
        base = rec.twin_of or rec.key
        if base in out:
            twin = f"{base} (#{rec.id})"
            out[twin] = Record(twin, rec.values, rec.id, rec.source, rec.identity, base)
        else:
            out[base] = Record(base, rec.values, rec.id, rec.source, rec.identity)
    return out
