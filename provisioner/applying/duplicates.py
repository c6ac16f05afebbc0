"""After the writes: "lowest id wins" for creates that turn out duplicated (docs/api-notes.md, contract §6).

Two writers (a local apply racing CI), or a create the server committed after its answer was lost, can leave
an object twice. Ids grow with time, so whichever writer holds the higher id sees the lower one when it re-reads:
each run keeps the lowest id and removes its own copy if that is not the lowest, and never a copy it did not
create. Plain values in, plain values out: the engine does the reads and the deletes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from provisioner.core.records import Change, Record, Scope
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


def id_order(value: Any) -> tuple[int, int, str]:
    text = str(value)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def resolve(
    scope: Scope, live: dict[str, Record], created: Iterable[Created], before: set[str]
) -> Twins:
    """What to remove and say for the copies of this run's creates in ``live`` (a read after the writes).
    ``before`` holds the ids the scope had when it was planned: an unanswered POST can only be one of the
    copies that appeared since."""
    removals: list[Change] = []
    notes: list[str] = []
    for c in created:
        copies = sorted(
            (r for r in live.values() if c.change.key in (r.key, r.twin_of)),
            key=lambda r: id_order(r.id),
        )
        if len(copies) < 2:
            continue
        kept, rest = copies[0], copies[1:]
        mine = _mine(c, rest, before)
        others = [r for r in rest if r not in mine]
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
                f"{where} was created twice (another writer, or a create the server committed late): "
                f"kept #{kept.id}, the lowest id; removing this run's copy {ids}"
            )
        if others:
            ids = ", ".join(f"#{r.id}" for r in others)
            notes.append(
                f"{where} also exists as {ids}, not created by this run (another writer?): #{kept.id} "
                "stays as the lowest id; that writer removes its copy, or the next plan shows it"
            )
    return Twins(tuple(removals), tuple(notes))


def _mine(c: Created, rest: list[Record], before: set[str]) -> list[Record]:
    """This run's copies among the non-lowest ones: the id it was answered, plus, for each POST whose answer
    never came, one more copy that appeared since the plan (the newest first)."""
    mine = [r for r in rest if c.id is not None and str(r.id) == str(c.id)]
    unknown = [r for r in reversed(rest) if r not in mine and str(r.id) not in before]
    return mine + unknown[: c.unanswered]


def rekeyed(live: dict[str, Record]) -> dict[str, Record]:
    """Live records keyed again after some copies were removed: the lowest id left takes the plain key."""
    out: dict[str, Record] = {}
    for rec in sorted(live.values(), key=lambda r: id_order(r.id)):
        base = rec.twin_of or rec.key
        if base in out:
            twin = f"{base} (#{rec.id})"
            out[twin] = Record(twin, rec.values, rec.id, rec.source, rec.identity, base)
        else:
            out[base] = Record(base, rec.values, rec.id, rec.source, rec.identity)
    return out
