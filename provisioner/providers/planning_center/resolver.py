"""Readable references in Planning Center files → ids, before scopes are made (contract §2.2).

A roster's service type, plans, teams and people, and a responses file's person, may be written by
name (a plan by date or title). They are resolved here into the ids the rest of the run works with,
so scopes, keys and the JSON plan are exactly those of the same file written with ids. Each list is
read at most once a run and only when a file needs it; a file written with ids alone costs nothing.
Every reference that matches nothing or several things is reported in one run (``file:line:col``, up
to five candidates), before anything is written.

A responses file's plans (by date) and teams (by name) are matched against the person's own
schedules instead, with no extra request (response_matching.py).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

from provisioner.core.errors import Diagnostic, PlanError
from provisioner.core.records import Loaded
from provisioner.files.fields import Ref, nfc
from provisioner.providers.planning_center.lists import Lists, PlanRow, fold
from provisioner.providers.planning_center.models import (
    ResponsesFile,
    Roster,
    RostersFile,
    TeamMember,
)
from provisioner.providers.planning_center.names import shown
from provisioner.providers.planning_center.refs import PeopleAndTeams

CANDIDATES = 5
Loc = tuple[str | int, ...]


def has_names(item: Loaded) -> bool:
    """Whether a file holds any readable reference this module resolves (a file of ids is left as it
    is)."""
    doc = item.doc
    if isinstance(doc, ResponsesFile):
        return isinstance(doc.person, Ref)
    if not isinstance(doc, RostersFile):
        return False
    return isinstance(doc.service_type, Ref) or any(
        isinstance(r.plan, Ref)
        or any(isinstance(m.person, Ref) or isinstance(m.team, Ref) for m in r.team_members)
        for r in doc.rosters
    )


class Resolver:
    """Resolves the files of one provider (one account); shares its lists with the provider for the
    run."""

    def __init__(self, lists: Lists, directory: PeopleAndTeams) -> None:
        self.lists, self.directory = lists, directory

    def files(self, files: Sequence[Loaded]) -> list[Loaded]:
        """The files with every readable reference replaced by its id; PlanError listing every one
        that fails."""
        diags: list[Diagnostic] = []
        out = [self._file(item, diags) if has_names(item) else item for item in files]
        if diags:
            raise PlanError(diags)
        return out

    def _file(self, item: Loaded, diags: list[Diagnostic]) -> Loaded:
        doc = item.doc
        if isinstance(doc, ResponsesFile):
            person = self._person(item, ("person",), doc.person, diags)
            return replace(item, doc=doc.model_copy(update={"person": person}))
        assert isinstance(doc, RostersFile)
        st = self._service_type(item, doc.service_type, diags)
        if st is None:
            return (
                item  # its plans and teams cannot be looked for: the service type's error says why
            )
        rosters = [self._roster(item, st, r, roster, diags) for r, roster in enumerate(doc.rosters)]
        return replace(item, doc=doc.model_copy(update={"service_type": st, "rosters": rosters}))

    def _roster(
        self, item: Loaded, st: int, r: int, roster: Roster, diags: list[Diagnostic]
    ) -> Roster:
        plan = self._plan(item, ("rosters", r, "plan"), st, roster.plan, diags)
        members = [
            self._member(item, ("rosters", r, "team_members", m), st, member, diags)
            for m, member in enumerate(roster.team_members)
        ]
        return roster.model_copy(update={"plan": plan or roster.plan, "team_members": members})

    def _member(
        self, item: Loaded, loc: Loc, st: int, member: TeamMember, diags: list[Diagnostic]
    ) -> TeamMember:
        person = self._person(item, (*loc, "person"), member.person, diags)
        team = self._team(item, (*loc, "team"), st, member.team, diags)
        return member.model_copy(
            update={"person": person or member.person, "team": team or member.team}
        )

    # -- one reference each
    # ---------------------------------------------------------------------------------

    def _service_type(self, item: Loaded, ref: int | Ref, diags: list[Diagnostic]) -> int | None:
        if not isinstance(ref, Ref):
            return ref
        known = self.lists.service_types()
        return _named(
            item,
            ("service_type",),
            ref,
            sorted(known.items()),
            "service type",
            diags,
            none=f"no service type is called {shown(ref)}",
            several=f"service types are called {shown(ref)}",
        )

    def _plan(
        self, item: Loaded, loc: Loc, st: int, ref: int | Ref, diags: list[Diagnostic]
    ) -> int | None:
        if not isinstance(ref, Ref):
            return ref
        plans = self.lists.plans(st)
        owner = self._owner(st)
        if ref.kind == "title":
            found = [p for p in plans if fold(p.title) == fold(str(ref.value))]
            fallback = _close(str(ref.value), [(p.title, p.describe()) for p in plans])
            what = f"titled {ref.value!r}"
        else:
            day = date.fromisoformat(str(ref.value))
            found = [p for p in plans if p.day == day]
            fallback = [p.describe() for p in _nearest(plans, day)]
            _, zone = self.lists.time_zone()
            what = f"on {day.isoformat()} (in the organization's time zone, {zone})"
        return _one(
            item,
            loc,
            [p.id for p in found],
            diags,
            none=f"{owner} has no plan {what}",
            several=f"{len(found)} plans of {owner} are {what}: write the plan's id",
            listed=[p.describe() for p in found] or fallback,
        )

    def _team(
        self, item: Loaded, loc: Loc, st: int, ref: int | Ref, diags: list[Diagnostic]
    ) -> int | None:
        if not isinstance(ref, Ref):
            return ref
        teams = sorted((int(i), n) for i, n in self.directory.teams(st).items() if i.isdigit())
        return _named(
            item,
            loc,
            ref,
            teams,
            "team",
            diags,
            none=f"{self._owner(st)} has no team called {shown(ref)} (a team of another service "
            "type "
            "cannot be used here)",
            several=f"teams of {self._owner(st)} are called {shown(ref)}",
            every_row="its teams",
        )

    def _person(
        self, item: Loaded, loc: Loc, ref: int | Ref, diags: list[Diagnostic]
    ) -> int | None:
        if not isinstance(ref, Ref):
            return ref
        people = sorted((i, nfc(n)) for i, n in self.directory.everyone().items())
        return _named(
            item,
            loc,
            ref,
            people,
            "person",
            diags,
            none=f"no person in Planning Center Services is called {shown(ref)} (names are "
            "compared "
            "exactly, accents and case included)",
            several=f"people are called {shown(ref)}: write the person's id",
        )

    def _owner(self, st: int) -> str:
        name = self.lists.known_service_type(st)
        return f"service type {name} ({st})" if name else f"service type {st}"


def _named(
    item: Loaded,
    loc: Loc,
    ref: Ref,
    rows: list[tuple[int, str]],
    noun: str,
    diags: list[Diagnostic],
    *,
    none: str,
    several: str,
    every_row: str | None = None,
) -> int | None:
    """The id of the one row (id, name) whose name is ``ref``'s, compared folded; otherwise a
    diagnostic naming the matches as ``name (noun id)``, else near misses, or every row under the
    heading ``every_row`` when one is given. ``several`` follows the number of matches."""
    found = [i for i, n in rows if fold(n) == fold(str(ref.value))]
    described = [(n, f"{n} ({noun} {i})") for i, n in rows]
    everyone = [d for _, d in described]
    return _one(
        item,
        loc,
        found,
        diags,
        none=none,
        several=f"{len(found)} {several}",
        listed=[d for (i, _), d in zip(rows, everyone, strict=True) if i in found]
        or (everyone if every_row else _close(str(ref.value), described)),
        missing=every_row or "did you mean",
    )


def _one(
    item: Loaded,
    loc: Loc,
    found: list[int],
    diags: list[Diagnostic],
    *,
    none: str,
    several: str,
    listed: list[str],
    missing: str = "did you mean",
) -> int | None:
    """The one match, or a diagnostic listing up to five candidates (``missing`` heads them for no
    match)."""
    if len(found) == 1:
        return found[0]
    more = f" (+{len(listed) - CANDIDATES} more)" if len(listed) > CANDIDATES else ""
    label = "candidates" if found else missing
    tail = f"; {label}: {', '.join(listed[:CANDIDATES])}{more}" if listed else ""
    diags.append(item.diagnostic(loc, (several if found else none) + tail))
    return None


def _plain(text: str) -> str:
    """For near misses only: without accents, case or extra spaces (``Zoe martin`` is close to ``Zoë
    Martin``)."""
    decomposed = unicodedata.normalize("NFKD", fold(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _close(wanted: str, options: list[tuple[str, str]]) -> list[str]:
    """Up to five options whose name is close to ``wanted``, closest first."""
    by_plain: dict[str, list[str]] = {}
    for name, described in options:
        by_plain.setdefault(_plain(name), []).append(described)
    close = difflib.get_close_matches(_plain(wanted), list(by_plain), n=CANDIDATES, cutoff=0.6)
    return [d for c in close for d in by_plain[c]]


def _nearest(plans: list[PlanRow], day: date) -> list[PlanRow]:
    dated = [p for p in plans if p.day is not None]
    key: Callable[[PlanRow], tuple[int, int]] = lambda p: (abs((p.day - day).days), p.id)  # type: ignore[operator]  # noqa: E731
    return sorted(dated, key=key)[:CANDIDATES]
