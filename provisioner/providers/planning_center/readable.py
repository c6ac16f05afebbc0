"""What `import planning-center` writes for a reference (contract §2.2): the readable form (a name,
a plan's date) with the id in a comment, or the id with the name in a comment where the readable
form would not resolve back to exactly this object (a shared name, two plans on one day). And the
way back: any form an existing file holds, as the id it names, so a merge pairs the file's entries
with live ones however they are written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from datetime import date
from typing import Any

from provisioner.files.fields import Ref, text
from provisioner.providers.planning_center.lists import Lists, fold
from provisioner.providers.planning_center.names import parse_named, parse_plan
from provisioner.providers.planning_center.refs import PeopleAndTeams

Written = tuple[Any, str | None]  # (the YAML value, its end-of-line comment)
_parse_named = parse_named("reference").func
_parse_plan = parse_plan(titles=True).func


def unique(pairs: Iterable[tuple[Hashable, int]]) -> dict[Hashable, int | None]:
    """Each key → its one id, or None when several ids share it."""
    seen: dict[Hashable, set[int]] = defaultdict(set)
    for key, rid in pairs:
        seen[key].add(rid)
    return {k: next(iter(v)) if len(v) == 1 else None for k, v in seen.items()}


def writable_name(name: str | None) -> str | None:
    """The name as a file may hold it (NFC, spaces folded), or None when it cannot be one (digits
    only: that reads as an id; control characters; too long)."""
    if not name:
        return None
    folded = fold(name)
    if re.fullmatch(r"\s*\d+\s*", folded):
        return None
    try:
        return text(folded)
    except ValueError:
        return None


class Names:
    """A name ↔ id table for one kind (service types, a service type's teams, people)."""

    def __init__(self, noun: str, rows: dict[int, str]) -> None:
        self.noun, self.rows = noun, rows
        self.by_name = unique((fold(n), i) for i, n in rows.items())

    def write(self, rid: int) -> Written:
        name = writable_name(self.rows.get(rid))
        if name is not None and self.by_name.get(name) == rid:
            return name, f"{self.noun} {rid}"
        shared = self.rows.get(rid)
        return rid, (f"{fold(shared)} (a shared name)" if name else shared) if shared else None

    def read(self, value: Any) -> int | None:
        """The id ``value`` names (an id, or a name compared folded); None when it names nothing
        known."""
        try:
            ref = _parse_named(value)  # type: ignore[call-arg]
        except ValueError:
            return None
        if isinstance(ref, int):
            return ref
        return self.by_name.get(fold(str(ref.value)))


class Plans:
    """A service type's plans: written by date where the day has only this plan, read back by any
    form."""

    def __init__(self, lists: Lists, service_type: int) -> None:
        self.rows = {p.id: p for p in lists.plans(service_type)}
        self.by_day = unique((p.day, p.id) for p in self.rows.values() if p.day)
        self.by_title = unique((fold(p.title), p.id) for p in self.rows.values() if p.title)

    def write(self, plan: int, label: str | None) -> Written:
        row = self.rows.get(plan)
        if row is not None and row.day is not None and self.by_day.get(row.day) == plan:
            return row.day, f"plan {plan}" + (f", {row.title}" if row.title else "")
        return plan, label

    def read(self, value: Any) -> int | None:
        return read_plan(value, self.by_day.get, self.by_title.get)


def read_plan(
    value: Any,
    by_day: Callable[[date], int | None],
    by_title: Callable[[str], int | None] = lambda _: None,
) -> int | None:
    """The plan id ``value`` names: an id, a day (``by_day``) or a title (``by_title``); None
    otherwise."""
    try:
        ref = _parse_plan(value)  # type: ignore[call-arg]
    except ValueError:
        return None
    if isinstance(ref, int):
        return ref
    assert isinstance(ref, Ref)
    if ref.kind == "date":
        return by_day(date.fromisoformat(str(ref.value)))
    return by_title(fold(str(ref.value)))


class Readable:
    """The tables one import reads (each list once): service types, plans, teams, people."""

    def __init__(self, lists: Lists, directory: PeopleAndTeams) -> None:
        self.lists, self.directory = lists, directory
        self._plans: dict[int, Plans] = {}
        self._teams: dict[int, Names] = {}
        self._people: Names | None = None
        self._service_types: Names | None = None

    def service_types(self) -> Names:
        if self._service_types is None:
            self._service_types = Names("service type", self.lists.service_types())
        return self._service_types

    def plans(self, service_type: int) -> Plans:
        if service_type not in self._plans:
            self._plans[service_type] = Plans(self.lists, service_type)
        return self._plans[service_type]

    def teams(self, service_type: int) -> Names:
        if service_type not in self._teams:
            rows = self.directory.teams(service_type)
            self._teams[service_type] = Names(
                "team", {int(i): n for i, n in rows.items() if i.isdigit()}
            )
        return self._teams[service_type]

    def people(self) -> Names:
        if self._people is None:
            self._people = Names("person", self.directory.everyone())
        return self._people
