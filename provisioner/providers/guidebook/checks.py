"""Checks across Guidebook files: a schedule declared twice, a declared schedule that is also
ignored, and an attendee declared on two schedules of one guide (Guidebook keeps one personalized
schedule per attendee)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fnmatch import fnmatchcase

from provisioner.core.errors import Diagnostic
from provisioner.core.positions import position
from provisioner.core.records import Loaded
from provisioner.files.fields import Ref
from provisioner.providers.base import Claim
from provisioner.providers.guidebook.models import GuidebookFile, GuidebookSchedule

# Builder's help, "Overview of Preset Schedules" (FAQ): "If you assign multiple preset schedules to
# one user, the most recently assigned schedule will overwrite any existing scheduled sessions"
# (docs/api-notes.md).
ONE_SCHEDULE = "Guidebook keeps one personalized schedule per attendee: keep them on one of the two"

Place = tuple[Loaded, tuple[str | int, ...], str]  # file, location of the reference, schedule name


def checks(files: Sequence[Loaded], claim: Claim) -> list[Diagnostic]:
    """Guidebook's cross-file checks: each schedule declared once per guide (``claim``), none both
    declared and matched by an ignore pattern, and no attendee reference on two schedules of a
    guide."""
    diags: list[Diagnostic] = []
    seen: dict[tuple[object, ...], dict[object, Owner]] = {}
    for item in files:
        doc = item.doc
        if not isinstance(doc, GuidebookFile):
            continue
        for i, schedule in enumerate(doc.schedules):
            claim(
                ("schedule", doc.guide, schedule.name),
                item,
                ("schedules", i, "name"),
                f"schedule {schedule.name!r} of guide {doc.guide}",
            )
            for pattern in doc.ignore:
                if fnmatchcase(schedule.name, pattern):
                    diags.append(
                        item.diagnostic(
                            ("schedules", i, "name"),
                            f"schedule {schedule.name!r} matches ignore pattern {pattern!r}: "
                            "an ignored schedule cannot be managed; remove one of them",
                        )
                    )
            diags += _one_schedule_each(item, doc, i, seen)
    return diags


Owner = tuple[Loaded, int, GuidebookSchedule]  # the file, the schedule's index in it, the schedule


def _one_schedule_each(
    item: Loaded,
    doc: GuidebookFile,
    i: int,
    seen: dict[tuple[object, ...], dict[object, Owner]],
) -> list[Diagnostic]:
    """The same literal attendee reference on two schedules of one guide (an id and the e-mail of
    the same attendee are found by `plan`, once references resolve). Twice on one schedule is fine:
    a set. Set operations first, positions only for a clash: 500,000 ids cost 0.74 s one by one."""
    schedule = doc.schedules[i]
    refs = schedule.attendees or []
    owners = seen.setdefault((item.account, doc.guide), {})
    literals = set(refs) if set(map(type, refs)) <= {int} else {_literal(r) for r in refs}
    diags: list[Diagnostic] = []
    clash = {x for x in literals if x in owners}  # (set.intersection(dict) walks the dict)
    for literal in sorted(clash, key=lambda x: _index(refs, x)):
        other, k, first = owners[literal]
        if first.name == schedule.name:  # one schedule declared twice: reported as such
            continue
        j = _index(refs, literal)
        place = (
            other,
            ("schedules", k, "attendees", _index(first.attendees or [], literal)),
            first.name,
        )
        diags.append(
            item.diagnostic(
                ("schedules", i, "attendees", j), on_two(_shown(refs[j]), schedule.name, place)
            )
        )
    owners.update(dict.fromkeys(literals - clash, (item, i, schedule)))
    return diags


def _index(refs: Sequence[int | Ref], literal: object) -> int:
    return next(j for j, ref in enumerate(refs) if _literal(ref) == literal)


def on_two(attendee: str, schedule: str, first: Place) -> str:
    """The message for an attendee declared on ``schedule`` and on the schedule at ``first``."""
    other, loc, name = first
    line, col = position(other.tree, loc)
    return (
        f"attendee {attendee} is declared on schedule {schedule!r} and on schedule {name!r} "
        f"(at {other.path}:{line}:{col}); {ONE_SCHEDULE}"
    )


def _literal(ref: int | Ref) -> object:
    if isinstance(
        ref, Ref
    ):  # e-mail addresses compare case-insensitively, as the guide matches them
        return (ref.kind, str(ref.value).lower() if ref.kind == "email" else ref.value)
    return ref


def _shown(ref: int | Ref) -> str:
    return str(ref.value) if isinstance(ref, Ref) and ref.kind == "email" else str(ref)


def resolved_twice(
    schedules: Sequence[tuple[Loaded, tuple[str | int, ...], GuidebookSchedule, list[int] | None]],
    resolve: Callable[[int | Ref], int | None],
    describe: Callable[[int], str],
) -> list[Diagnostic]:
    """After references resolve (plan): one attendee on two schedules through different references
    (an id on one, the e-mail on the other). Each is (file, location, schedule, its resolved
    attendee ids or None when the schedule does not manage attendees). Positions are looked up only
    for a clash."""
    first: dict[int, tuple[Loaded, tuple[str | int, ...], GuidebookSchedule]] = {}
    diags: list[Diagnostic] = []
    for item, loc, schedule, ids in schedules:
        mine = set(ids or ())
        clash = {x for x in mine if x in first}
        for person in sorted(clash):
            other, other_loc, seen = first[person]
            if seen.name == schedule.name:
                continue
            here = (*loc, "attendees", _position(schedule, person, resolve))
            there = (other, (*other_loc, "attendees", _position(seen, person, resolve)), seen.name)
            diags.append(item.diagnostic(here, on_two(describe(person), schedule.name, there)))
        first.update(dict.fromkeys(mine - clash, (item, loc, schedule)))
    return diags


def _position(
    schedule: GuidebookSchedule, person: int, resolve: Callable[[int | Ref], int | None]
) -> int:
    """Where ``person`` is referred to in the schedule's attendees (the first reference that
    resolves to them)."""
    refs = schedule.attendees or []
    literal = next((j for j, ref in enumerate(refs) if ref == person), None)
    if literal is not None:
        return literal
    return next((j for j, r in enumerate(refs) if isinstance(r, Ref) and resolve(r) == person), 0)
