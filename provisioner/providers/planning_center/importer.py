"""Import Planning Center rosters (docs/api-notes.md, contract §2.2) and a person's responses (§2.3) through the
provider's reads.

References are written readably (contract §2.2): a service type, team or person by name and a plan by date,
each with its id in an end-of-line comment; where the readable form would not name exactly that object (a
shared name, two plans on one day) the id is written, with the name in the comment (readable.py). An existing
file's entries are matched to live ones whichever form they use. Fields the user removed from an item in an
existing file are "not managed" and stay removed; fields
the user kept stay, with the live value (``notes: ""`` when live has none). Team members the file declares and
live lacks are kept and reported, like file-only rosters.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import date
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from provisioner.core.errors import ConfigError, NotFoundError
from provisioner.core.records import Record, Scope
from provisioner.files.fields import int_id
from provisioner.importing.merge import eol_comment, merge_list
from provisioner.providers.planning_center import matching
from provisioner.providers.planning_center.client import attributes
from provisioner.providers.planning_center.lists import fold
from provisioner.providers.planning_center.models import ROSTER_WORDS, parse_status
from provisioner.providers.planning_center.provider import PlanningCenterProvider
from provisioner.providers.planning_center.readable import Readable, read_plan, unique
from provisioner.providers.planning_center.responses import PersonScope

_MEMBER_LABEL = "person {} / team {}"  # as the provider keys a team member (its position follows)
MEMBER_FIELDS = {"position": "team_position_name", "status": "status", "notes": "notes"}
# What a kept field says when live has no value: notes may be empty; a position or status cannot, so null.
_LIVE_EMPTY: dict[str, Any] = {
    "position": None,
    "status": None,
    "notes": DoubleQuotedScalarString(""),
}
MemberKey = tuple[int, int, str | None]  # (person, team, position)
_WORDS = ROSTER_WORDS
_ABSENT = object()


def _int(value: Any) -> int | None:
    try:
        return int_id(value)
    except ValueError:
        return None


def _get(provider: PlanningCenterProvider, path: str, what: str) -> dict[str, Any]:
    """One resource's attributes; a clear error when it does not exist."""
    try:
        body = provider.resource(path)
    except NotFoundError as e:
        raise ConfigError(f"{what} was not found (or these credentials cannot see it)") from e
    data = body.get("data") if isinstance(body, dict) else None
    return attributes(data) if isinstance(data, dict) else {}


def _commented(pairs: Sequence[tuple[str, Any, str | None]]) -> CommentedMap:
    out = CommentedMap()
    for key, value, comment in pairs:
        out[key] = value
        if comment:
            eol_comment(out, key, comment)
    return out


class RostersSource:
    """The :class:`~provisioner.importing.importer.Source` of a service type's plans (all, or the given ones)."""

    list_key = "rosters"
    noun = "roster"

    def __init__(
        self,
        provider: PlanningCenterProvider,
        service_type: int,
        plans: Sequence[int] = (),
        future: bool = False,
    ) -> None:
        self.service_type = service_type
        self.notes: list[str] = []
        self.readable = Readable(provider.lists, provider.directory)
        self.title = _get(
            provider, f"service_types/{service_type}", f"service type {service_type}"
        ).get("name")
        # A service type with years of history has hundreds of plans, each one roster read: `future` keeps to
        # the plans still to come (the documented `filter=future`).
        query = {"filter": "future"} if future else None
        listed = {
            int(p["id"]): attributes(p)
            for p in provider.listing(f"service_types/{service_type}/plans", query)
        }
        unknown = [p for p in plans if p not in listed]
        if unknown:
            raise ConfigError(
                f"plan {', '.join(map(str, unknown))} is not a plan of service type {service_type}"
            )
        self.listed = set(listed)
        self.plans = {
            p: _plan_label(listed[p]) for p in (dict.fromkeys(plans) if plans else listed)
        }
        self.members: dict[int, dict[MemberKey, CommentedMap]] = {}
        for plan in self.plans:
            scope: Scope[Any] = Scope(
                provider.name, f"plan {plan}", {"service_type": service_type, "plan": plan}
            )
            records = provider.read(scope)
            self.members[plan] = self._members(plan, records, provider.labels(scope))

    def _members(
        self, plan: int, records: dict[str, Record], labels: dict[str, dict[str, str]]
    ) -> dict[MemberKey, CommentedMap]:
        out: dict[MemberKey, CommentedMap] = {}
        for key, rec in records.items():
            if rec.twin_of is not None:
                self.notes.append(
                    f"plan {plan}: skipped team member {rec.id} ({key}): the same person holds "
                    "that position on that team twice; a file can declare it once"
                )
                continue
            person, team = str(rec.identity["person"]), str(rec.identity["team"])
            values = rec.values
            pairs: list[tuple[str, Any, str | None]] = [
                ("person", *self.readable.people().write(int(person))),
                ("team", *self.readable.teams(self.service_type).write(int(team))),
            ]
            if values.get("team_position_name"):
                pairs.append(("position", str(values["team_position_name"]), None))
            if values.get("status") in _WORDS:
                pairs.append(("status", values["status"], None))
            if values.get("notes"):
                pairs.append(("notes", str(values["notes"]), None))
            out[(int(person), int(team), _position(values.get("team_position_name")))] = _commented(
                pairs
            )
        return out

    def fresh(self) -> CommentedMap:
        return _commented(
            [
                ("provider", "planning_center", None),
                ("service_type", *self._service_type()),
                ("rosters", CommentedSeq(self._roster(p) for p in self.plans), None),
            ]
        )

    def _service_type(self) -> tuple[Any, str | None]:
        value, comment = self.readable.service_types().write(self.service_type)
        return (value, comment) if value != self.service_type else (value, self.title)

    def _roster(self, plan: int) -> CommentedMap:
        return _commented(
            [
                ("plan", *self.readable.plans(self.service_type).write(plan, self.plans[plan])),
                ("team_members", CommentedSeq(self.members[plan].values()), None),
            ]
        )

    def header_problem(self, existing: CommentedMap) -> str | None:
        if existing.get("provider") != "planning_center":
            return f"it is a {existing.get('provider')!r} file, not a planning_center one"
        if "rosters" not in existing:
            return "it is not a rosters file (it has no `rosters` key)"
        if self.readable.service_types().read(existing.get("service_type")) != self.service_type:
            return f"it declares service_type {existing.get('service_type')!r}, not {self.service_type}"
        return None

    def identity(self, item: Any) -> Hashable | None:
        plans = self.readable.plans(self.service_type)
        return plans.read(item.get("plan")) if isinstance(item, dict) else None

    def member_identity(self, item: Any) -> Hashable | None:
        """(person, team, position) of a file's or live entry, whichever form its references take."""
        if not isinstance(item, dict):
            return None
        person = self.readable.people().read(item.get("person"))
        team = self.readable.teams(self.service_type).read(item.get("team"))
        if person is None or team is None:
            return None
        return (person, team, _position(item.get("position")))

    def label(self, item: Any) -> str:
        return f"plan {item.get('plan')}"

    def wanted(self, existing: CommentedMap, live_item: CommentedMap) -> bool:
        return True

    def selected(self, item: Any) -> bool:
        """A live plan left out by ``--plan`` was not read: its roster is left as it is."""
        plan = self.identity(item)
        return plan in self.plans or plan not in self.listed

    def update(
        self, existing_item: CommentedMap, live_item: CommentedMap, *, shared: set[int]
    ) -> bool:
        plan = self.identity(live_item)
        assert isinstance(plan, int)
        members = _paired(
            existing_item.get("team_members") or [], self.members[plan], self.member_identity
        )
        if existing_item.get("prune") is False:
            # "Only manage the people listed here": live members the roster does not list stay unlisted.
            listed = {self.member_identity(m) for m in existing_item.get("team_members") or []}
            skipped = [k for k in members if k not in listed]
            if skipped:
                self.notes.append(
                    f"plan {plan}: {len(skipped)} live team member{'s' if len(skipped) != 1 else ''} "
                    "not added (the roster has prune: false)"
                )
            members = {k: v for k, v in members.items() if k in listed}
        # The members carry their own comments (on person and team), so a new list of them loses nothing.
        # Members only the file declares stay (they may be about to be added) and are reported, like rosters.
        kept: list[Hashable] = []
        changed = merge_list(
            existing_item,
            "team_members",
            CommentedSeq(members.values()),
            list(members),
            key=self.member_identity,
            shared=shared,
            kept=kept,
            same=lambda mine, live: not _member_changes(mine, live),
            update=lambda mine, live: _apply(mine, _member_changes(mine, live)),
        )
        if kept:
            who = ", ".join(
                _MEMBER_LABEL.format(*key[:2]) + (f" / {key[2]}" if key[2] else "")
                for key in kept
                if isinstance(key, tuple)
            )
            self.notes.append(
                f"kept {len(kept)} team member{'s' if len(kept) != 1 else ''} not in live: "
                f"{who} on plan {plan}"
            )
        return changed


def _plan_label(attrs: dict[str, Any]) -> str | None:
    title, dates = attrs.get("title"), attrs.get("dates")
    return f"{title} ({dates})" if title and dates else (title or dates or None)


def _position(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _paired(
    existing: Sequence[Any],
    members: dict[MemberKey, CommentedMap],
    identity: Callable[[Any], Hashable | None],
) -> dict[MemberKey, CommentedMap]:
    """Live members keyed as the file's entries they match (section 2.2), so a changed position updates the
    entry it belongs to, and an entry without `position` keeps matching the member whatever its position."""
    mine = [i for i in (identity(m) for m in existing) if isinstance(i, tuple)]
    live = list(members)
    paired = matching.pair([matching.norm(*i) for i in mine], [matching.norm(*k) for k in live])
    rekey = {live[j]: mine[i] for i, j in paired.items()}
    return {rekey.get(k, k): v for k, v in members.items()}


def _member_changes(mine: CommentedMap, live: CommentedMap) -> dict[str, Any]:
    """The user's managed fields (those present) that differ from live. A key the user wrote is never removed:
    when live has no value it becomes ``""`` (notes) or null (position, status)."""
    changes: dict[str, Any] = {}
    for field in MEMBER_FIELDS:
        if field not in mine:
            continue  # absent = not managed: the user chose not to track it
        if field not in live:
            empty = _LIVE_EMPTY[field]
            if mine[field] != empty:
                changes[field] = empty
        elif field == "status":
            if _same_status(mine[field], live[field]):
                continue
            words = isinstance(mine[field], str) and len(mine[field].strip()) > 1
            changes[field] = _WORDS[live[field]] if words else live[field]
        elif mine[field] != live[field]:
            changes[field] = live[field]
    return changes


def _same_status(mine: Any, live: str) -> bool:
    try:
        return parse_status(mine) == live
    except ValueError:
        return False


def _apply(item: CommentedMap, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        if value is _ABSENT:
            del item[field]
        else:
            item[field] = value


class ResponsesSource:
    """The :class:`~provisioner.importing.importer.Source` of one person's answers: accepted (C) and declined (D)
    schedules; pending ones are listed in a comment, since a file cannot say "not answered"."""

    list_key = "responses"
    noun = "response"

    def __init__(self, provider: PlanningCenterProvider, person: int) -> None:
        self.person = person
        self.notes: list[str] = []
        attrs = _get(provider, f"people/{person}", f"person {person}")
        self.name = attrs.get("full_name") or " ".join(
            filter(None, [attrs.get("first_name"), attrs.get("last_name")])
        )
        # Every accepted schedule's declined times are read back (one request each): a partial accept is kept.
        scope = PersonScope(
            provider.name, f"person {person}", {"person": person}, prune=False, all_times=True
        )
        records = provider.read(scope)
        labels = provider.labels(scope)
        self.plan_names, self.team_names = labels.get("plan", {}), labels.get("team", {})
        self.time_names = labels.get("declined_times", {})
        self.readable = Readable(provider.lists, provider.directory)
        # A plan by date and a team by name match this person's own schedules (contract §2.2): written so
        # only where they name one schedule's plan / team.
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
                f"skipped {len(self.pending)} pending schedule{'s' if len(self.pending) != 1 else ''}"
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
        # Two positions on one team of the plan are two schedules (DESIGN §2.3): each entry names its own.
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
        self.answered[(*where, position or None)] = _commented(pairs)

    def _plan(self, plan: int) -> tuple[Any, str | None]:
        day = self.days.get(plan)
        if day is not None and self.by_day.get(day) == plan:
            # a date object of its own: the writer anchors one object written twice (`plan: *id001`), as it
            # would for two schedules (teams or positions) on one plan
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
        doc = _commented(
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
        if existing.get("provider") != "planning_center":
            return f"it is a {existing.get('provider')!r} file, not a planning_center one"
        if "responses" not in existing:
            return "it is not a responses file (it has no `responses` key)"
        if self.readable.people().read(existing.get("person")) != self.person:
            return f"it declares person {existing.get('person')!r}, not {self.person}"
        return None

    def identity(self, item: Any) -> Hashable | None:
        if not isinstance(item, dict):
            return None
        plan = read_plan(item.get("plan"), self.by_day.get)
        if plan is None:
            return None
        position = item.get("position") or None
        if item.get("team") is not None:
            team = item.get("team")
            if _int(team) is not None:
                return (plan, _int(team), position)
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
        changes: dict[str, Any] = {}
        flipped = existing_item.get("response") != live_item["response"]
        if flipped:
            changes["response"] = live_item["response"]
        live_times = live_item.get("declined_times", _ABSENT)
        if live_times is not _ABSENT and list(existing_item.get("declined_times") or []) != list(
            live_times
        ):
            changes["declined_times"] = live_times
        elif (
            live_times is _ABSENT
            and "declined_times" in existing_item
            and live_item["response"] != "accepted"
        ):
            changes["declined_times"] = _ABSENT
        # A reason is refreshed where the user keeps one, added when the answer flipped to a decline, and
        # dropped when it no longer applies (PCO ignores a reason on an already declined schedule).
        mine, live = existing_item.get("reason", _ABSENT), live_item.get("reason", _ABSENT)
        if live is not _ABSENT and (flipped or mine is not _ABSENT) and mine != live:
            changes["reason"] = live
        elif (
            live is _ABSENT
            and mine is not _ABSENT
            and (flipped or live_item["response"] != "declined")
        ):
            changes["reason"] = _ABSENT
        _apply(existing_item, changes)
        return bool(changes)


def _where(where: tuple[int, int | None]) -> str:
    return f"plan {where[0]}" + (f" team {where[1]}" if where[1] is not None else "")
