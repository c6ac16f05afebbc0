"""Planning Center plan rosters (PlanPerson, "team members"): the ``plan`` kind of scope. Reading a
plan's roster, matching declarations to live members, checking new people and teams, the warnings
about the people a roster writes, and writing members (members.py). API facts: docs/api-notes.md."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, ClassVar

from provisioner.core.errors import ApiError, AuthError, PlanError, ProvisionerError
from provisioner.core.records import Change, Declared, Record, Scope, add_live
from provisioner.files.fields import nfc
from provisioner.providers.base import KindHandler, Written
from provisioner.providers.planning_center import matching
from provisioner.providers.planning_center.blockouts import (
    Blockouts,
    blockout_warnings,
    double_booked,
)
from provisioner.providers.planning_center.client import attributes, rel_id
from provisioner.providers.planning_center.ghosts import RosterReader
from provisioner.providers.planning_center.labels import Labels
from provisioner.providers.planning_center.lists import Lists, short_day
from provisioner.providers.planning_center.members import MemberWriter
from provisioner.providers.planning_center.mergers import merged_hint
from provisioner.providers.planning_center.models import TeamMember, parse_status
from provisioner.providers.planning_center.refs import MISSING, PeopleAndTeams
from provisioner.providers.planning_center.refusals import Me, reworded, roster_refused
from provisioner.providers.writes import adopted
from provisioner.transport.http import HttpClient

log = logging.getLogger(__name__)
PROVIDER = "planning_center"
# Fields of a PlanPerson the YAML can manage, by YAML name; a desired record holds only those the
# YAML sets.
MEMBER_FIELDS = {"position": "team_position_name", "status": "status", "notes": "notes"}


def member_key(person: object, team: object, position: object = None) -> str:
    """A team member's display key (its identity is :func:`member_identity`)."""
    return f"person {person} / team {team}" + (
        f" / {position}" if position not in (None, "") else ""
    )


def member_identity(person: object, team: object, position: object = None) -> dict[str, Any]:
    return {
        "person": id_value(person),
        "team": id_value(team),
        "position": None if position in (None, "") else str(position),
    }


def id_value(value: object) -> int | str:
    """Ids are digit strings in JSON:API [C]; anything else is kept as text rather than refused
    here."""
    text = str(value)
    return int(text) if text.isdigit() else text


def _nfc_or_none(value: Any) -> Any:
    """Positions compared as the YAML's are (NFC): the same name typed two ways is not a change."""
    return nfc(value) if isinstance(value, str) else value


class Rosters(KindHandler[TeamMember]):
    """The scopes of kind ``plan``: one plan's roster, ``target = {"service_type": ..., "plan":
    ...}``."""

    kind: ClassVar[str] = "plan"

    def __init__(
        self,
        client: HttpClient,
        *,
        labels: Labels,
        directory: PeopleAndTeams,
        lists: Lists,
        blockouts: Blockouts,
    ) -> None:
        self.labels, self.directory, self.lists, self.blockouts = (
            labels,
            directory,
            lists,
            blockouts,
        )
        self.members = MemberWriter(client)
        self.roster = RosterReader(client)  # team_members without deleted-but-listed members
        self.me = Me(client)  # who the credentials act as, read only after a refusal

    def missing(self, scope: Scope[TeamMember]) -> str:
        """What a JSON:API 404 on the scope's own list means."""
        t = scope.target
        return (
            f"plan {t['plan']} does not exist in service type {t['service_type']} (or these "
            "credentials cannot see it)"
        )

    def scope_title(self, scope: Scope[TeamMember]) -> str | None:
        """``Sunday Services · Dec 13 (plan 5678)``, from what this run read."""
        st, plan = int(scope.target["service_type"]), int(scope.target["plan"])
        row = self.lists.known_plan(st, plan)
        day = (
            short_day(row.day)
            if row and row.day
            else self.labels.of(scope).get("plan", {}).get(str(plan))
        )
        # A file of ids has not read the service types: one list read names them all (contract §2.2:
        # text and markdown may); the plan's day came sideloaded with its team members.
        kind = self.lists.service_type_name(st)
        parts = [p for p in (kind, day) if p]
        return f"{' · '.join(parts)} ({scope.name})" if parts else None

    # -- reading
    # ------------------------------------------------------------------------------------------

    def read(self, scope: Scope[TeamMember]) -> dict[str, Record]:
        """The plan's team members (team and plan names sideloaded), keyed by (person, team,
        position)."""
        st, plan = scope.target["service_type"], scope.target["plan"]
        records: dict[str, Record] = {}
        names: dict[str, dict[str, str]] = {"person": {}, "team": {}, "plan": {}}
        # Sideloading team and plan names costs no extra request; they only label review output.
        pages = self.roster.rows(
            st,
            plan,
            {"include": "team,plan"},
            included=lambda res: _remember(
                names, res, {"Team": ("team", "name"), "Plan": ("plan", "short_dates")}
            ),
        )
        for row in sorted(pages, key=_id_order):
            person, team = rel_id(row, "person"), rel_id(row, "team")
            if person is None or team is None:
                # Never guess an identity: an unidentifiable member would be pruned as "not
                # declared".
                raise ApiError(
                    f"Planning Center: team member {row.get('id')} of plan {plan} names no person "
                    "or team; refusing to plan against a roster that cannot be identified"
                )
            attrs = attributes(row)
            if attrs.get("name"):
                names["person"][person] = str(attrs["name"])
            position = _nfc_or_none(attrs.get("team_position_name"))
            add_live(
                records,
                Record(
                    member_key(person, team, position),
                    {
                        "team_position_name": position,
                        "status": _status_letter(attrs.get("status")),
                        "notes": attrs.get("notes") or "",
                    },
                    id=str(row["id"]),
                    identity=member_identity(person, team, position),
                ),
            )
        self.labels.keep(scope, names)
        return records

    # -- resolving
    # ----------------------------------------------------------------------------------------

    def desired(
        self, scope: Scope[TeamMember], live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]:
        """The declared members; one whose position alone differs from a live member's takes that
        member's key (an update, not a delete and a create); people and teams new to the plan must
        exist."""
        out: dict[str, Record] = {}
        members: list[Declared[TeamMember]] = scope.items
        # Exact (person, team, position) first, then leftovers of one (person, team) pair up
        # (section 2.2): a paired declaration takes the live member's key, so the diff sees an
        # update, not a delete and a create.
        mine = [r for r in live.values() if r.twin_of is None]
        paired = matching.pair(
            [matching.norm(m.person, m.team, m.position) for _, _, m in members],
            [
                matching.norm(r.identity["person"], r.identity["team"], r.identity.get("position"))
                for r in mine
            ],
        )
        new = []
        for i, (item, loc, member) in enumerate(members):
            values = {
                api: getattr(member, yaml)
                for yaml, api in MEMBER_FIELDS.items()
                if getattr(member, yaml) is not None
            }  # absent = not managed: never reverted, never drift
            match = mine[paired[i]] if i in paired else None
            key = match.key if match else member_key(member.person, member.team, member.position)
            identity = (
                match.identity
                if match
                else member_identity(member.person, member.team, member.position)
            )
            out[key] = Record(key, values, source=item.where(*loc), identity=identity)
            if match is None:
                new.append(Declared(item, loc, member))
        self._check_new_members(scope, new)
        return out

    def _check_new_members(self, scope: Scope[TeamMember], new: list[Declared[TeamMember]]) -> None:
        """People and teams a roster adds must exist (and the team be the service type's) before
        apply."""
        if not new:
            return
        st = scope.target["service_type"]
        teams, diags, people = self.directory.teams(st), [], {}
        # all at once: every unknown one reported (the file's names are ids by now: resolver.py)
        names = self.directory.people(resolved(m.person) for _, _, m in new)
        for item, loc, member in new:
            if str(member.team) not in teams:
                known = ", ".join(f"{t} ({n})" for t, n in sorted(teams.items()))
                diags.append(
                    item.diagnostic(
                        (*loc, "team"),
                        f"team {member.team} is not a team of service type "
                        f"{st}; its teams are {known or 'none'}",
                    )
                )
            name = names.get(resolved(member.person))
            if name == MISSING:
                diags.append(
                    item.diagnostic(
                        (*loc, "person"),
                        f"person {member.person} does not exist in "
                        "Planning Center Services (or these credentials "
                        f"cannot see them){merged_hint(self.roster.client, member.person)}",
                    )
                )
            elif name:
                people[str(member.person)] = name
        if diags:
            raise PlanError(diags)
        self.labels.add(scope, {"person": people, "team": teams})

    def warnings(
        self,
        scope: Scope[TeamMember],
        *,
        desired: dict[str, Record],
        changes: Sequence[Change] = (),
    ) -> list[str]:
        """Warnings about people (DESIGN §6, blockouts.py): ``double_booked``, a person this plan
        writes who is on several teams of the plan (the teams come from the whole declared roster,
        so adding a second team warns about the first too); ``blockout``, a person this plan adds
        whose blockout overlaps a time of the plan (their blockouts and the plan's times read only
        then, once each)."""
        teams: dict[int, set[int]] = defaultdict(set)
        for _, _, member in scope.items:
            teams[resolved(member.person)].add(resolved(member.team))
        involved = {int(r.identity["person"]) for r in desired.values() if "person" in r.identity}
        names = self.labels.of(
            scope
        )  # read for text and markdown output; a JSON plan has ids alone
        plan = int(scope.target["plan"])
        added = [
            int(c.identity["person"])
            for c in changes
            if c.action == "create" and str(c.identity.get("person", "")).isdigit()
        ]
        where = (scope.name, int(scope.target["service_type"]), plan)
        return [
            *double_booked(scope.name, plan, teams, involved, names),
            *blockout_warnings(self.blockouts, where, added, names.get("person", {})),
        ]

    # -- writing
    # ------------------------------------------------------------------------------------------

    def apply(self, change: Change) -> Written | None:
        """A member's create (adopting after an ambiguous failure), PATCH or DELETE (members.py); a
        403 says what these credentials lack (the roster was read with them, so they are valid)."""
        try:
            return self._write(change)
        except AuthError as e:
            if e.status != 403:
                raise
            why = roster_refused(change.target.get("plan"), self.me.get())
            raise reworded(e, why) from e

    def _write(self, change: Change) -> Written | None:
        if change.action == "create":
            return self.members.create(change, lambda: self._adopt(change))
        elif change.action == "update":
            self.members.update(
                change, {name: (change.after or {})[name] for name in change.fields}
            )
        else:
            return self.members.delete(change)
        return None

    def _adopt(self, change: Change) -> Any:
        """After an ambiguous POST: if the member did get created, finish it instead of adding a
        duplicate."""
        target = {"service_type": change.target["service_type"], "plan": change.target["plan"]}
        scope: Scope[TeamMember] = Scope(PROVIDER, change.scope, target, kind=self.kind)
        live = adopted(change, self.read(scope).get(change.key))
        if live is None:
            return None
        stale = {k: v for k, v in (change.after or {}).items() if live.values.get(k) != v}
        if stale:
            self.members.update(change, stale, member=str(live.id))
        return live.id


def resolved(ref: object) -> int:
    """A reference after resolve(): an id (a name left here is a bug, not a user's mistake)."""
    if not isinstance(ref, int):
        raise ProvisionerError(f"internal error: {ref!r} was not resolved to an id")
    return ref


def _status_letter(value: Any) -> Any:
    """Responses carry single letters [R]; tolerate the long words the API also accepts on input
    [C]."""
    try:
        return parse_status(value)
    except ValueError:
        return value


def _remember(
    names: dict[str, dict[str, str]], resource: dict[str, Any], kinds: dict[str, tuple[str, str]]
) -> None:
    """Keep the name of a sideloaded (``included``) resource."""
    kind = kinds.get(str(resource.get("type")))
    name = attributes(resource).get(kind[1]) if kind else None
    if kind and name and resource.get("id") is not None:
        names[kind[0]][str(resource["id"])] = str(name)


def _id_order(row: dict[str, Any]) -> tuple[int, int, str]:
    rid = str(row.get("id"))
    return (0, int(rid), "") if rid.isdigit() else (1, 0, rid)
