"""A person's responses (the Schedule resource), the scopes of kind ``person``: reading their
schedules (with the declined times of partial accepts) and matching the declared answers to them
(docs/api-notes.md, Planning Center).

- Declined schedules may be missing from ``people/{p}/schedules`` even with ``filter=with_declined``
  [3P]; a declared plan the list does not show is looked up on the plan's roster
  (hidden_schedules.py).
- A partial accept's declined times are read back from ``.../schedules/{id}/declined_plan_times``
  [C], only for the schedules a file manages them on (declined_times.py matches a file's entries to
  the plan's times).
- What one schedule row says, and its key: schedule_rows.py; matching declarations:
  response_matching.py; answering (accept / decline, a hidden schedule's PlanPerson status, a 403
  explained): answers.py.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from provisioner.core.errors import ApiError, AuthError, Diagnostic, PlanError
from provisioner.core.records import Change, Declared, Record, Scope, add_live
from provisioner.files.fields import Ref
from provisioner.providers.base import KindHandler
from provisioner.providers.planning_center.answers import answer
from provisioner.providers.planning_center.client import (
    attributes,
    iterate,
    rel_id,
    rel_ids,
)
from provisioner.providers.planning_center.declined_times import declined_ids, describe_times
from provisioner.providers.planning_center.ghosts import RosterReader
from provisioner.providers.planning_center.hidden_schedules import HiddenSchedules
from provisioner.providers.planning_center.members import MemberWriter
from provisioner.providers.planning_center.mergers import merged_hint
from provisioner.providers.planning_center.models import ResponseDecl
from provisioner.providers.planning_center.refusals import Me, read_refused, reworded
from provisioner.providers.planning_center.response_matching import (
    matched,
    response_values,
    whole_only_problem,
)
from provisioner.providers.planning_center.schedule_rows import (
    Facts,
    Keys,
    id_order,
    keep_time,
    position_of,
    schedule_facts,
    schedule_key,
    schedule_values,
    shared_teams,
)
from provisioner.transport.http import HttpClient

if TYPE_CHECKING:
    from provisioner.providers.planning_center.labels import Labels


@dataclass
class PersonScope(Scope):
    """A person's responses; ``all_times`` reads the declined times of every accepted schedule
    (import)."""

    all_times: bool = False


class Responses(KindHandler[ResponseDecl]):
    """The scopes of kind ``person`` (``target = {"person": ...}``): reads and answers one client's
    schedules; remembers plan times for the run (service types: hidden_schedules.py)."""

    kind: ClassVar[str] = "person"

    def __init__(
        self, client: HttpClient, keys: Keys, labels: Labels, roster: RosterReader | None = None
    ) -> None:
        self.client, self.keys, self.labels = client, keys, labels
        # declared schedules the list hides, found on the plan's team_members without
        # deleted-but-listed members (ghosts.py); also which service type holds a plan
        self.hidden = HiddenSchedules(client, keys, roster or RosterReader(client))
        self.keep_labels = labels.keep
        self.me = Me(client)  # who the credentials act as, read only after a refusal
        # team-member writes (a hidden schedule's status PATCH): the item path this run uses, shared
        # with the rosters by the provider, so that a route 404 switches paths once for both
        self.members = MemberWriter(client)
        self._times: dict[
            str, dict[str, dict[str, dict[str, Any]]]
        ] = {}  # scope -> key -> time id -> attrs
        # scope -> schedule key -> (day, team name): what a plan date and a team name match (no
        # extra request)
        self._facts: dict[str, dict[str, Facts]] = {}
        # scope -> schedule key -> its position (team_position_name): what `position:` matches
        self._positions: dict[str, dict[str, str | None]] = {}
        # scope -> keys of the schedules that say `can_accept_partial: false` (point 20)
        self._whole_only: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def missing(self, scope: Scope[ResponseDecl]) -> str:
        """What a JSON:API 404 on the scope's own list means."""
        person = scope.target["person"]
        return (
            f"person {person} does not exist in Planning Center Services (or these credentials "
            f"cannot see it){merged_hint(self.client, person)}"
        )

    def scope_title(self, scope: Scope[ResponseDecl]) -> str | None:
        """``Jane Doe (person 111)``, from what this run read."""
        name = self.labels.of(scope).get("person", {}).get(str(scope.target["person"]))
        return f"{name} ({scope.name})" if name else None

    # -- reading
    # ------------------------------------------------------------------------------------------

    def read(self, scope: Scope[ResponseDecl]) -> dict[str, Record]:
        """The person's schedules (with declined ones), keyed by (plan, team); declared plans the
        list hides are looked up in the plan's team members."""
        person = scope.target["person"]
        decls: list[ResponseDecl] = [d for _, _, d in scope.items]
        everything = isinstance(scope, PersonScope) and scope.all_times
        partial = {str(d.plan) for d in decls if d.declined_times is not None}
        # Declined schedules vanish from the list without this filter [3P ISSUE#1121];
        # `with_declined` is only in the newest docs [G]. The plan times come sideloaded (no extra
        # request) when a file declines some.
        params = {
            "filter": "with_declined",
            **({"include": "plan_times"} if partial or everything else {}),
        }
        facts: dict[str, Facts] = {}
        times: dict[str, dict[str, Any]] = {}
        rows = self._schedules(person, params, times)
        records: dict[str, Record] = {}
        names: dict[str, dict[str, str]] = {
            "plan": {},
            "team": {},
            "person": {},
            "declined_times": {},
        }
        by_key: dict[str, dict[str, dict[str, Any]]] = {}
        positions: dict[str, str | None] = {}
        whole_only: set[str] = set()
        ordered = sorted(rows, key=id_order)
        shared = shared_teams(
            (rel_id(r, "plan"), rel_id(r, "team"), position_of(attributes(r))) for r in ordered
        )
        for row in ordered:
            rec = self._schedule_record(person, row, names, shared)
            rec = add_live(records, rec)
            positions[rec.key] = position_of(attributes(row))
            by_key[rec.key] = {t: times[t] for t in rel_ids(row, "times") if t in times}
            facts[rec.key] = schedule_facts(row, rec)
            if attributes(row).get("can_accept_partial") is False:
                whole_only.add(rec.key)
        # A plan written as a date names a schedule of that day: its declined times are read like an
        # id's.
        partial |= {
            str(records[k].identity["plan"])
            for d in decls
            if d.declined_times is not None and isinstance(d.plan, Ref)
            for k, f in facts.items()
            if f[0] is not None and f[0].isoformat() == d.plan.value
        }
        for rec in list(records.values()):
            plan = str(rec.identity["plan"])
            if (
                rec.values["response"] == "accepted"
                and (everything or plan in partial)
                and rec.twin_of is None
            ):
                rec.values["declined_times"] = self._declined(person, str(rec.id))
        seen = {str(r.identity["plan"]) for r in records.values()}
        ids = {str(d.plan) for d in decls if not isinstance(d.plan, Ref)}
        for plan in sorted(ids - seen, key=int):
            for rec, position in self.hidden.lookup(person, plan, names):
                rec = add_live(records, rec)
                positions[rec.key] = position
        for table in by_key.values():
            names["declined_times"].update(describe_times(table))
        with self._lock:
            self._times[scope.name] = by_key
            self._facts[scope.name] = facts
            self._positions[scope.name] = positions
            self._whole_only[scope.name] = whole_only
        self.keep_labels(scope, names)
        return records

    def _schedules(
        self, person: object, params: dict[str, Any], times: dict[str, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The person's schedules; a 403 says what fits these credentials (refusals.py)."""
        try:
            return list(
                iterate(
                    self.client,
                    f"people/{person}/schedules",
                    params,
                    included=lambda res: keep_time(times, res),
                )
            )
        except AuthError as e:
            if e.status != 403:
                raise
            why = read_refused(person, self.me.get(), auth_hint=self.client.auth_hint)
            raise reworded(e, f"person {person}: {why}") from e

    def _schedule_record(
        self,
        person: object,
        row: dict[str, Any],
        names: dict[str, dict[str, str]],
        shared: set[tuple[str, str | None]],
    ) -> Record:
        plan, team, attrs = rel_id(row, "plan"), rel_id(row, "team"), attributes(row)
        if plan is None:
            raise ApiError(
                f"Planning Center: schedule {row.get('id')} of person {person} names no plan"
            )
        for kind, rid, name in (
            ("plan", plan, attrs.get("short_dates") or attrs.get("dates")),
            ("team", team, attrs.get("team_name")),
            ("person", str(person), attrs.get("person_name")),
        ):
            if rid and name:
                names[kind][rid] = str(name)
        key, identity = schedule_key(self.keys, plan, team, position_of(attrs), shared)
        return Record(key, schedule_values(attrs), id=str(row["id"]), identity=identity)

    def _declined(self, person: object, schedule: str) -> list[int]:
        rows = iterate(self.client, f"people/{person}/schedules/{schedule}/declined_plan_times")
        return sorted(int(r["id"]) for r in rows if str(r.get("id")).isdigit())

    def facts(self, scope: Scope) -> dict[str, Facts]:
        """Each schedule's day, team name and title as this run read them (import writes dates and
        names)."""
        with self._lock:
            return dict(self._facts.get(scope.name, {}))

    # -- resolving
    # ----------------------------------------------------------------------------------------

    def desired(
        self, scope: Scope[ResponseDecl], live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]:
        """The declared answers, matched to the person's schedules by plan (and team)."""
        person = scope.target["person"]
        parsed = {
            key: (str(r.identity["plan"]), _str_or_none(r.identity.get("team")))
            for key, r in live.items()
            if r.twin_of is None
        }
        decls: list[Declared[ResponseDecl]] = scope.items
        with self._lock:
            times = self._times.get(scope.name, {})
            facts = self._facts.get(scope.name, {})
            positions = self._positions.get(scope.name, {})
            whole_only = self._whole_only.get(scope.name, set())
        diags: list[Diagnostic] = []
        claimed: dict[str, str] = {}
        out: dict[str, Record] = {}
        for item, loc, decl in decls:
            found, problem = matched(person, decl, parsed, facts, positions)
            taken = next((k for k in found if k in claimed), None)
            if not problem and taken is not None:
                problem = f"answers the same schedule as the response at {claimed[taken]}"
            if problem:
                diags.append(item.diagnostic(loc, problem))
                continue
            # Two positions on one team are two schedules: a response without `position` answers
            # both.
            for key in found:
                claimed[key] = item.where(*loc)
                if decl.declined_times and key in whole_only:
                    diags.append(whole_only_problem(item, loc, person, decl, facts.get(key)))
                    continue
                declined = declined_ids(item, loc, decl, live[key], times.get(key, {}), diags)
                out[key] = Record(
                    key,
                    response_values(decl, live[key], declined),
                    source=item.where(*loc),
                    identity=live[key].identity,
                )
        if diags:
            raise PlanError(diags)
        return out

    # -- answering
    # ----------------------------------------------------------------------------------------

    def apply(self, change: Change) -> None:
        """A changed response is an update of the schedule: POST accept or decline (answers.py)."""
        answer(
            change,
            client=self.client,
            me=self.me,
            members=self.members,
            service_type_of=self.hidden.service_type_of,
        )


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
