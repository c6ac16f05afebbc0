"""Import Planning Center rosters (docs/api-notes.md, contract §2.2) through the provider's reads,
and the helpers the import of a person's responses (§2.3, import_responses.py) shares.

References are written readably (contract §2.2): a service type, team or person by name and a plan
by date, each with its id in an end-of-line comment; where the readable form would not name exactly
that object (a shared name, two plans on one day) the id is written, with the name in the comment
(readable.py). An existing file's entries are matched to live ones whichever form they use. Fields
the user removed from an item in an existing file are "not managed" and stay removed; fields the
user kept stay, with the live value (``notes: ""`` when live has none). Team members the file
declares and live lacks are kept and reported, like file-only rosters.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from provisioner.core.errors import ConfigError, NotFoundError
from provisioner.core.records import Record, Scope
from provisioner.files.fields import int_id
from provisioner.importing.merge import eol_comment, merge_list
from provisioner.providers.planning_center import matching
from provisioner.providers.planning_center.client import attributes
from provisioner.providers.planning_center.models import ROSTER_WORDS, parse_status
from provisioner.providers.planning_center.provider import PlanningCenterProvider
from provisioner.providers.planning_center.readable import Readable

_MEMBER_LABEL = "person {} / team {}"  # as the provider keys a team member (its position follows)
MEMBER_FIELDS = {"position": "team_position_name", "status": "status", "notes": "notes"}
# What a kept field says when live has no value: notes may be empty; a position or status cannot, so
# null.
_LIVE_EMPTY: dict[str, Any] = {
    "position": None,
    "status": None,
    "notes": DoubleQuotedScalarString(""),
}
MemberKey = tuple[int, int, str | None]  # (person, team, position)
_WORDS = ROSTER_WORDS
ABSENT = object()  # a field an update removes (apply_changes)


def int_or_none(value: Any) -> int | None:
    """An id written in a file, or None when it is not one (a name)."""
    try:
        return int_id(value)
    except ValueError:
        return None


def resource_attributes(provider: PlanningCenterProvider, path: str, what: str) -> dict[str, Any]:
    """One resource's attributes; a clear error when it does not exist."""
    try:
        body = provider.resource(path)
    except NotFoundError as e:
        raise ConfigError(f"{what} was not found (or these credentials cannot see it)") from e
    data = body.get("data") if isinstance(body, dict) else None
    return attributes(data) if isinstance(data, dict) else {}


def commented(pairs: Sequence[tuple[str, Any, str | None]]) -> CommentedMap:
    """A mapping of (key, value, end-of-line comment) pairs: the comment carries an id or a name."""
    out = CommentedMap()
    for key, value, comment in pairs:
        out[key] = value
        if comment:
            eol_comment(out, key, comment)
    return out


class RostersSource:
    """The :class:`~provisioner.importing.importer.Source` of a service type's plans (all, or the
    given ones)."""

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
        self.title = resource_attributes(
            provider, f"service_types/{service_type}", f"service type {service_type}"
        ).get("name")
        # A service type with years of history has hundreds of plans, each one roster read: `future`
        # keeps to the plans still to come (the documented `filter=future`).
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
            out[(int(person), int(team), _position(values.get("team_position_name")))] = commented(
                pairs
            )
        return out

    def fresh(self) -> CommentedMap:
        """A new rosters file: the service type, then one roster per plan."""
        return commented(
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
        return commented(
            [
                ("plan", *self.readable.plans(self.service_type).write(plan, self.plans[plan])),
                ("team_members", CommentedSeq(self.members[plan].values()), None),
            ]
        )

    def header_problem(self, existing: CommentedMap) -> str | None:
        """Why ``existing`` is not this service type's rosters file to merge into (None: it is)."""
        if existing.get("provider") != "planning_center":
            return f"it is a {existing.get('provider')!r} file, not a planning_center one"
        if "rosters" not in existing:
            return "it is not a rosters file (it has no `rosters` key)"
        if self.readable.service_types().read(existing.get("service_type")) != self.service_type:
            return (
                f"it declares service_type {existing.get('service_type')!r}, not "
                f"{self.service_type}"
            )
        return None

    def identity(self, item: Any) -> Hashable | None:
        plans = self.readable.plans(self.service_type)
        return plans.read(item.get("plan")) if isinstance(item, dict) else None

    def member_identity(self, item: Any) -> Hashable | None:
        """(person, team, position) of a file's or live entry, whichever form its references
        take."""
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
        """Bring one existing roster in line with live: members paired by person, team and position,
        kept in the file's order and forms; True when it changed."""
        plan = self.identity(live_item)
        assert isinstance(plan, int)
        members = _paired(
            existing_item.get("team_members") or [], self.members[plan], self.member_identity
        )
        if existing_item.get("prune") is False:
            # "Only manage the people listed here": live members the roster does not list stay
            # unlisted.
            listed = {self.member_identity(m) for m in existing_item.get("team_members") or []}
            skipped = [k for k in members if k not in listed]
            if skipped:
                self.notes.append(
                    f"plan {plan}: {len(skipped)} live team "
                    f"member{'s' if len(skipped) != 1 else ''} "
                    "not added (the roster has prune: false)"
                )
            members = {k: v for k, v in members.items() if k in listed}
        # The members carry their own comments (on person and team), so a new list of them loses
        # nothing. Members only the file declares stay (they may be about to be added) and are
        # reported, like rosters.
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
            update=lambda mine, live: apply_changes(mine, _member_changes(mine, live)),
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
    """Live members keyed as the file's entries they match (section 2.2), so a changed position
    updates the entry it belongs to, and an entry without `position` keeps matching the member
    whatever its position."""
    mine = [i for i in (identity(m) for m in existing) if isinstance(i, tuple)]
    live = list(members)
    paired = matching.pair([matching.norm(*i) for i in mine], [matching.norm(*k) for k in live])
    rekey = {live[j]: mine[i] for i, j in paired.items()}
    return {rekey.get(k, k): v for k, v in members.items()}


def _member_changes(mine: CommentedMap, live: CommentedMap) -> dict[str, Any]:
    """The user's managed fields (those present) that differ from live. A key the user wrote is
    never removed: when live has no value it becomes ``""`` (notes) or null (position, status)."""
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


def apply_changes(item: CommentedMap, changes: dict[str, Any]) -> None:
    """Writes each changed field into an existing item; a field changed to ``ABSENT`` is removed."""
    for field, value in changes.items():
        if value is ABSENT:
            del item[field]
        else:
            item[field] = value
