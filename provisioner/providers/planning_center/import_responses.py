"""Import a person's responses (docs/api-notes.md, contract §2.3) through the provider's reads:
accepted and declined schedules, with a partial accept's declined times; references written readably
(a plan by date, a team by name, each with its id in an end-of-line comment) where they name exactly
one of the person's own schedules. The rules for an existing file are the rosters' (importer.py)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import date
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from provisioner.core.records import Record
from provisioner.providers.planning_center.importer import (
    ABSENT,
    apply_changes,
    commented,
    int_or_none,
    resource_attributes,
)
from provisioner.providers.planning_center.lists import fold
from provisioner.providers.planning_center.provider import PlanningCenterProvider
from provisioner.providers.planning_center.readable import Readable, read_plan, unique
from provisioner.providers.planning_center.responses import PersonScope


class ResponsesSource:
    """The :class:`~provisioner.importing.importer.Source` of one person's answers: accepted (C) and
    declined (D) schedules; pending ones are listed in a comment, since a file cannot say "not
    answered"."""

    list_key = "responses"
    noun = "response"

    def __init__(self, provider: PlanningCenterProvider, person: int) -> None:
        self.person = person
        self.notes: list[str] = []
        attrs = resource_attributes(provider, f"people/{person}", f"person {person}")
        self.name = attrs.get("full_name") or " ".join(
            filter(None, [attrs.get("first_name"), attrs.get("last_name")])
        )
        # Every accepted schedule's declined times are read back (one request each): a partial
        # accept is kept.
        scope = PersonScope(
            provider.name, f"person {person}", {"person": person}, prune=False, all_times=True
        )
        records = provider.read(scope)
        labels = provider.labels(scope)
        self.plan_names, self.team_names = labels.get("plan", {}), labels.get("team", {})
        self.time_names = labels.get("declined_times", {})
        self.readable = Readable(provider.lists, provider.directory)
        # A plan by date and a team by name match this person's own schedules (contract §2.2):
        # written so only where they name one schedule's plan / team.
        facts = provider.responses.facts(scope)
        mine = [(r, facts.get(k)) for k, r in records.items() if r.twin_of is None]
        self.by_day = unique(
            (f[0], int(r.identity["plan"])) for r, f in mine if f is not None and f[0] is not None
        )
        self.team_ids = unique(
            ((int(r.identity["plan"]), fold(f[1])), int(r.identity["team"]))
            for r, f in mine
            if f is not None and f[1] and r.identity.get("team") is not None
        )
        self.days = {int(r.identity["plan"]): f[0] for r, f in mine if f is not None and f[0]}
        self.answered: dict[tuple[int, int | None, str | None], CommentedMap] = {}
        self.pending: list[tuple[int, int | None]] = []
        self.teams: dict[int, set[int | None]] = {}
        for key, rec in records.items():
            self._add(key, rec)
        if self.pending:
            self.notes.append(
                f"skipped {len(self.pending)} pending "
                f"schedule{'s' if len(self.pending) != 1 else ''}"
                f" of person {person} (not answered yet): {', '.join(map(_where, self.pending))}"
            )

    def _add(self, key: str, rec: Record) -> None:
        if rec.twin_of is not None:
            self.notes.append(
                f"skipped schedule {rec.id} ({key}): several schedules on one plan and team"
            )
            return
        team_id = rec.identity.get("team")
        where = (int(rec.identity["plan"]), int(team_id) if team_id is not None else None)
        self.teams.setdefault(where[0], set()).add(where[1])
        response = rec.values.get("response")
        if response not in ("accepted", "declined"):
            self.pending.append(where)
            return
        plan, team = where
        # Two positions on one team of the plan are two schedules (DESIGN §2.3): each entry names
        # its own.
        position = rec.identity.get("position")
        pairs: list[tuple[str, Any, str | None]] = [("plan", *self._plan(plan))]
        if team is not None:
            pairs.append(("team", *self._team(plan, team)))
        if position:
            pairs.append(("position", str(position), None))
        pairs.append(("response", response, None))
        declined = rec.values.get("declined_times") or []
        if response == "accepted" and declined:
            pairs.append(("declined_times", self._times(declined), None))
        if (response == "declined" or declined) and rec.values.get("decline_reason"):
            pairs.append(("reason", str(rec.values["decline_reason"]), None))
        self.answered[(*where, position or None)] = commented(pairs)

    def _plan(self, plan: int) -> tuple[Any, str | None]:
        day = self.days.get(plan)
        if day is not None and self.by_day.get(day) == plan:
            # a date object of its own: the writer anchors one object written twice (`plan:
            # *id001`), as it would for two schedules (teams or positions) on one plan
            return date.fromordinal(day.toordinal()), f"plan {plan}"
        return plan, self.plan_names.get(str(plan))

    def _team(self, plan: int, team: int) -> tuple[Any, str | None]:
        name = self.team_names.get(str(team))
        if name and self.team_ids.get((plan, fold(name))) == team:
            return fold(name), f"team {team}"
        return team, name

    def _times(self, ids: Sequence[int]) -> CommentedSeq:
        seq = CommentedSeq(ids)
        for i, tid in enumerate(ids):
            if self.time_names.get(str(tid)):
                seq.yaml_add_eol_comment(self.time_names[str(tid)], i)
        return seq

    def fresh(self) -> CommentedMap:
        """A new responses file: the person, then one entry per answered schedule."""
        doc = commented(
            [
                ("provider", "planning_center", None),
                ("person", *self.readable.people().write(self.person)),
                ("responses", CommentedSeq(self.answered.values()), None),
            ]
        )
        if self.pending:
            lines = [
                f"  plan {plan}"
                + (f" team {team}" if team else "")
                + f"  ({self._describe(plan, team)})"
                for plan, team in self.pending
            ]
            doc.yaml_set_comment_before_after_key(
                "responses",
                before="Pending (not answered yet), so not listed; add one to accept or decline:\n"
                + "\n".join(lines),
            )
        return doc

    def _describe(self, plan: int, team: int | None) -> str:
        parts = [self.plan_names.get(str(plan)), self.team_names.get(str(team)) if team else None]
        return ", ".join(p for p in parts if p) or "no name"

    def header_problem(self, existing: CommentedMap) -> str | None:
        """Why ``existing`` is not this person's responses file to merge into (None: it is)."""
        if existing.get("provider") != "planning_center":
            return f"it is a {existing.get('provider')!r} file, not a planning_center one"
        if "responses" not in existing:
            return "it is not a responses file (it has no `responses` key)"
        if self.readable.people().read(existing.get("person")) != self.person:
            return f"it declares person {existing.get('person')!r}, not {self.person}"
        return None

    def identity(self, item: Any) -> Hashable | None:
        """What one responses entry answers: (plan, team, position), matched to a schedule; None
        when it names none of the person's."""
        if not isinstance(item, dict):
            return None
        plan = read_plan(item.get("plan"), self.by_day.get)
        if plan is None:
            return None
        position = item.get("position") or None
        if item.get("team") is not None:
            team = item.get("team")
            if int_or_none(team) is not None:
                return (plan, int_or_none(team), position)
            name = team.get("name") if isinstance(team, dict) else team
            return (plan, self.team_ids.get((plan, fold(str(name)))), position)
        teams = self.teams.get(plan, set())
        return (
            (plan, next(iter(teams)), position) if len(teams) == 1 else (plan, None, position)
        )  # `team:` may be left out

    def label(self, item: Any) -> str:
        where = self.identity(item)
        text = f"plan {item.get('plan')}" + (
            f" team {item.get('team')}" if item.get("team") is not None else ""
        )
        pending = isinstance(where, tuple) and where[:2] in self.pending
        return text + (" (pending in live)" if pending else "")

    def wanted(self, existing: CommentedMap, live_item: CommentedMap) -> bool:
        return True

    def selected(self, item: Any) -> bool:
        return True

    def update(
        self, existing_item: CommentedMap, live_item: CommentedMap, *, shared: set[int]
    ) -> bool:
        """Bring one existing entry in line with live (response, reason, declined times), keeping
        its comments and form; True when it changed."""
        changes: dict[str, Any] = {}
        flipped = existing_item.get("response") != live_item["response"]
        if flipped:
            changes["response"] = live_item["response"]
        live_times = live_item.get("declined_times", ABSENT)
        if live_times is not ABSENT and list(existing_item.get("declined_times") or []) != list(
            live_times
        ):
            changes["declined_times"] = live_times
        elif (
            live_times is ABSENT
            and "declined_times" in existing_item
            and live_item["response"] != "accepted"
        ):
            changes["declined_times"] = ABSENT
        # A reason is refreshed where the user keeps one, added when the answer flipped to a
        # decline, and dropped when it no longer applies (PCO ignores a reason on an already
        # declined schedule).
        mine, live = existing_item.get("reason", ABSENT), live_item.get("reason", ABSENT)
        if live is not ABSENT and (flipped or mine is not ABSENT) and mine != live:
            changes["reason"] = live
        elif (
            live is ABSENT
            and mine is not ABSENT
            and (flipped or live_item["response"] != "declined")
        ):
            changes["reason"] = ABSENT
        apply_changes(existing_item, changes)
        return bool(changes)


def _where(where: tuple[int, int | None]) -> str:
    return f"plan {where[0]}" + (f" team {where[1]}" if where[1] is not None else "")
