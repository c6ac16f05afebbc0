"""A person's responses (the Schedule resource): reading them, partial accepts, and answering
(docs/api-notes.md, Planning Center).

- Declined schedules may be missing from ``people/{p}/schedules`` even with ``filter=with_declined`` [3P]. A
  declared plan the list does not show is looked up in the plan's ``team_members`` (which lists declined
  members [3P ISSUE#1464]) before it is called missing; such a schedule is answered through its PlanPerson's
  documented ``status`` (PATCH ``people/{p}/plan_people/{id}``), since the Schedule's id is not known.
- A partial accept is the accept action with ``relationships.declined_plan_times`` [C]; the declined times are
  read back from ``.../schedules/{id}/declined_plan_times`` [C], only for the schedules a file manages them on.
- Answering another person's schedule may be refused (403) to a non-administrator, and a hidden one to anyone
  but a scheduler: the error names the person and the access needed, fitted to whose credentials these are
  (refusals.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from provisioner.core.errors import (
    ApiError,
    AuthError,
    Diagnostic,
    NotFoundError,
    PlanError,
    ProvisionerError,
)
from provisioner.core.records import Change, Declared, Loaded, Record, Scope, add_live
from provisioner.files.fields import Ref, nfc
from provisioner.providers.base import KindHandler
from provisioner.providers.planning_center.client import (
    SERVICES,
    accept_body,
    attributes,
    decline_body,
    iterate,
    jsonapi_detail,
    plan_person_body,
    rel_id,
    rel_ids,
)
from provisioner.providers.planning_center.ghosts import RosterReader
from provisioner.providers.planning_center.lists import fold, plan_day, short_day
from provisioner.providers.planning_center.members import MemberWriter
from provisioner.providers.planning_center.mergers import merged_hint
from provisioner.providers.planning_center.models import RESPONSE_WORDS, ResponseDecl
from provisioner.providers.planning_center.names import shown
from provisioner.providers.planning_center.refusals import Me, answer_refused, read_refused
from provisioner.transport.http import HttpClient

if TYPE_CHECKING:
    from provisioner.providers.planning_center.labels import Labels

log = logging.getLogger(__name__)
VIA_MEMBER = (
    "plan_person/"  # id prefix of a schedule found through its PlanPerson (the list hid it)
)
Keys = Callable[
    [object, object | None], tuple[str, dict[str, Any]]
]  # (plan, team) -> (key, identity)
Facts = tuple[
    date | None, str | None, str
]  # a schedule's day, team name and title ("Dec 13 (plan 5679)")


@dataclass
class PersonScope(Scope):
    """A person's responses; ``all_times`` reads the declined times of every accepted schedule (import)."""

    all_times: bool = False


class Responses(KindHandler[ResponseDecl]):
    """The scopes of kind ``person`` (``target = {"person": ...}``): reads and answers one client's
    schedules; remembers plan times and service types for the run."""

    kind: ClassVar[str] = "person"

    def __init__(
        self, client: HttpClient, keys: Keys, labels: Labels, roster: RosterReader | None = None
    ) -> None:
        self.client, self.keys, self.labels = client, keys, labels
        # a plan's team_members without deleted-but-listed members (ghosts.py), for hidden schedules
        self.roster = roster or RosterReader(client)
        self.keep_labels = labels.keep
        self.me = Me(client)  # who the credentials act as, read only after a refusal
        # team-member writes (a hidden schedule's status PATCH): the item path this run uses, shared with
        # the rosters by the provider, so that a route 404 switches paths once for both
        self.members = MemberWriter(client)
        self._times: dict[
            str, dict[str, dict[str, dict[str, Any]]]
        ] = {}  # scope -> key -> time id -> attrs
        self._plan_service_type: dict[str, str | None] = {}
        self._plan_dates: dict[str, str] = {}
        self._service_types: list[str] | None = None
        # scope -> schedule key -> (day, team name): what a plan date and a team name match (no extra request)
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

    # -- reading ------------------------------------------------------------------------------------------

    def read(self, scope: Scope[ResponseDecl]) -> dict[str, Record]:
        """The person's schedules (with declined ones), keyed by (plan, team); declared plans the list
        hides are looked up in the plan's team members."""
        person = scope.target["person"]
        decls: list[ResponseDecl] = [d for _, _, d in scope.items]
        everything = isinstance(scope, PersonScope) and scope.all_times
        partial = {str(d.plan) for d in decls if d.declined_times is not None}
        # Declined schedules vanish from the list without this filter [3P ISSUE#1121]; `with_declined` is only
        # in the newest docs [G]. The plan times come sideloaded (no extra request) when a file declines some.
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
        ordered = sorted(rows, key=_id_order)
        shared = shared_teams(
            (rel_id(r, "plan"), rel_id(r, "team"), _position(attributes(r))) for r in ordered
        )
        for row in ordered:
            rec = self._schedule_record(person, row, names, shared)
            rec = add_live(records, rec)
            positions[rec.key] = _position(attributes(row))
            by_key[rec.key] = {t: times[t] for t in rel_ids(row, "times") if t in times}
            facts[rec.key] = schedule_facts(row, rec)
            if attributes(row).get("can_accept_partial") is False:
                whole_only.add(rec.key)
        # A plan written as a date names a schedule of that day: its declined times are read like an id's.
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
            for rec, position in self._lookup(person, plan, names):
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
                    included=lambda res: _keep_time(times, res),
                )
            )
        except AuthError as e:
            if e.status != 403:
                raise
            hint = self.client.auth_hint or "check the credentials"
            raise AuthError(
                f"person {person}: {read_refused(person, self.me.get(), auth_hint=hint)} "
                f"Server said: {jsonapi_detail(e.body)}",
                status=403,
                body=e.body,
                method=e.method,
                url=e.url,
            ) from e

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
        key, identity = self._key(plan, team, _position(attrs), shared)
        return Record(key, _values(attrs), id=str(row["id"]), identity=identity)

    def _key(
        self, plan: str, team: str | None, position: str | None, shared: set[tuple[str, str | None]]
    ) -> tuple[str, dict[str, Any]]:
        """A schedule's key and identity: (plan, team), and its position when the person holds several on that
        team of that plan (each is its own schedule, DESIGN §2.3). One position keeps the key it always had."""
        key, identity = self.keys(plan, team)
        if (plan, team) in shared and position:
            return f"{key} / {position}", {**identity, "position": position}
        return key, identity

    def _declined(self, person: object, schedule: str) -> list[int]:
        rows = iterate(self.client, f"people/{person}/schedules/{schedule}/declined_plan_times")
        return sorted(int(r["id"]) for r in rows if str(r.get("id")).isdigit())

    def _lookup(
        self, person: object, plan: str, names: dict[str, dict[str, str]]
    ) -> list[tuple[Record, str | None]]:
        """The person's PlanPeople on a plan the schedules list did not show (it hides declined ones [3P])."""
        st = self._service_type_of(plan)
        if st is None:
            return []
        with self._lock:
            if plan in self._plan_dates:
                names["plan"][plan] = self._plan_dates[plan]
        teams: dict[str, str] = {}
        mine = self.roster.rows(  # a ghost (deleted, still listed) is not a schedule to answer
            st,
            plan,
            {"include": "team"},
            included=lambda res: _keep_name(teams, res, "Team", "name"),
            only=lambda r: rel_id(r, "person") == str(person),  # only theirs are looked up
        )
        mine = sorted(mine, key=_id_order)
        shared = shared_teams((plan, rel_id(r, "team"), _position(attributes(r))) for r in mine)
        out = []
        for row in mine:
            team = rel_id(row, "team")
            if team and team in teams:
                names["team"][team] = teams[team]
            position = _position(attributes(row))
            key, identity = self._key(plan, team, position, shared)
            log.info(
                "person %s: plan %s is not in the schedules list; found PlanPerson %s on its roster",
                person,
                plan,
                row.get("id"),
            )
            rec = Record(
                key, _values(attributes(row)), id=VIA_MEMBER + str(row["id"]), identity=identity
            )
            out.append((rec, position))
        return out

    def _service_type_of(self, plan: str) -> str | None:
        """Which service type holds ``plan``: the service types are listed once, then asked in turn."""
        with self._lock:
            if plan in self._plan_service_type:
                return self._plan_service_type[plan]
            if self._service_types is None:
                self._service_types = [str(r["id"]) for r in iterate(self.client, "service_types")]
            candidates = list(self._service_types)
        found, dates = None, None
        for st in candidates:
            try:
                data = self.client.request("GET", f"{SERVICES}service_types/{st}/plans/{plan}").data
            except NotFoundError:
                continue
            found = st
            attrs = attributes(data.get("data") or {}) if isinstance(data, dict) else {}
            dates = attrs.get("short_dates") or attrs.get("dates")
            break
        with self._lock:
            self._plan_service_type[plan] = found
            if dates:  # review output names the plan by its date, as for a schedule the list shows
                self._plan_dates[plan] = str(dates)
        return found

    def facts(self, scope: Scope) -> dict[str, Facts]:
        """Each schedule's day, team name and title as this run read them (import writes dates and names)."""
        with self._lock:
            return dict(self._facts.get(scope.name, {}))

    # -- resolving ----------------------------------------------------------------------------------------

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
            found = [
                k
                for k, (plan, team) in parsed.items()
                if _same_plan(decl.plan, plan, facts.get(k))
                and _same_team(decl.team, team, facts.get(k))
            ]
            problem = _position_problem(person, decl, found, positions)
            if decl.position is not None:
                found = [k for k in found if positions.get(k) == decl.position]
            problem = problem or _match_problem(person, decl, found, parsed, facts)
            taken = next((k for k in found if k in claimed), None)
            if not problem and taken is not None:
                problem = f"answers the same schedule as the response at {claimed[taken]}"
            if problem:
                diags.append(item.diagnostic(loc, problem))
                continue
            # Two positions on one team are two schedules: a response without `position` answers both.
            for key in found:
                claimed[key] = item.where(*loc)
                if decl.declined_times and key in whole_only:
                    diags.append(whole_only_problem(item, loc, person, decl, facts.get(key)))
                    continue
                declined = self._declined_ids(item, loc, decl, live[key], times.get(key, {}), diags)
                out[key] = Record(
                    key,
                    response_values(decl, live[key], declined),
                    source=item.where(*loc),
                    identity=live[key].identity,
                )
        if diags:
            raise PlanError(diags)
        return out

    def _declined_ids(
        self,
        item: Loaded,
        loc: tuple[str | int, ...],
        decl: ResponseDecl,
        live: Record,
        table: Mapping[str, dict[str, Any]],
        diags: list[Diagnostic],
    ) -> list[int] | None:
        if decl.declined_times is None:
            return None
        if not decl.declined_times:
            return []
        if str(live.id).startswith(VIA_MEMBER):
            diags.append(
                item.diagnostic(
                    (*loc, "declined_times"),
                    f"plan {shown(decl.plan)}: this schedule is hidden from "
                    "the person's schedules list, so it cannot be accepted partially; accept "
                    "it first (without declined_times), then add them",
                )
            )
            return None
        ids: set[int] = set()
        for i, ref in enumerate(decl.declined_times):
            matched = match_times(ref, table)
            if not matched:
                known = "; ".join(describe_time(t, table) for t in sorted(table, key=int)) or "none"
                diags.append(
                    item.diagnostic(
                        (*loc, "declined_times", i),
                        f"no time of plan {shown(decl.plan)} matches {ref}; its times: {known}",
                    )
                )
            ids |= matched
        if table and ids and ids >= {int(t) for t in table}:
            diags.append(
                item.diagnostic(
                    (*loc, "declined_times"),
                    f"declines every time of plan {shown(decl.plan)}: write `response: declined` "
                    "instead",
                )
            )
        return sorted(ids)

    # -- answering ----------------------------------------------------------------------------------------

    def apply(self, change: Change) -> None:
        """A changed response is an update of the schedule: POST accept or decline (idempotent actions)."""
        after = change.after or {}
        want = after.get("response")
        if change.action != "update" or want not in ("accepted", "declined"):
            raise ProvisionerError(
                f"{change.scope} {change.key!r}: a Schedule cannot be {change.action}d "
                f"(only accepted or declined); this plan was not made by this provisioner"
            )
        person, rid = change.target["person"], str(change.live_id)
        try:
            if rid.startswith(VIA_MEMBER):
                self._answer_member(
                    person,
                    str(change.identity.get("plan")),
                    rid.removeprefix(VIA_MEMBER),
                    want,
                    after.get("decline_reason"),
                )
                return
            path = f"{SERVICES}people/{person}/schedules/{rid}/"
            if want == "accepted":
                body = accept_body(after.get("declined_times") or [], after.get("decline_reason"))
                self.client.request("POST", path + "accept", json=body, idempotent=True)
            else:
                self.client.request(
                    "POST",
                    path + "decline",
                    json=decline_body(after.get("decline_reason")),
                    idempotent=True,
                )
        except AuthError as e:
            if e.status != 403:
                raise
            why = answer_refused(
                person,
                self.me.get(),
                hidden=rid.startswith(VIA_MEMBER),
                auth_hint=self.client.auth_hint or "check the credentials",
            )
            raise AuthError(
                f"{change.scope} {change.key!r}: {why} Server said: {jsonapi_detail(e.body)}",
                status=403,
                body=e.body,
                method=e.method,
                url=e.url,
            ) from e

    def _answer_member(
        self, person: object, plan: str, member: str, want: str, reason: Any
    ) -> None:
        attrs: dict[str, Any] = {"status": "C" if want == "accepted" else "D"}
        if want == "declined":
            attrs["decline_reason"] = reason or ""
        # the documented path first; a route 404 there switches to the plan's (as roster writes do)
        target = {"service_type": self._service_type_of(plan), "plan": plan}
        self.members.patch_member(target, str(person), member, plan_person_body(attrs, rid=member))


def whole_only_problem(
    item: Loaded,
    loc: tuple[str | int, ...],
    person: object,
    decl: ResponseDecl,
    facts: Facts | None,
) -> Diagnostic:
    """``declined_times`` on a schedule that says ``can_accept_partial: false`` (point 20): what the accept
    action would do with them there (a 422, or every time accepted) is unknown, so nothing is sent."""
    where = facts[2] if facts else f"plan {shown(decl.plan)}"
    return item.diagnostic(
        (*loc, "declined_times"),
        f"person {person}'s schedule on {where} cannot be accepted partially (Planning Center says "
        "can_accept_partial: false for it): remove declined_times and accept or decline it whole, or "
        "ask the scheduler to let this team accept some times",
    )


def response_values(decl: ResponseDecl, live: Record, declined: list[int] | None) -> dict[str, Any]:
    """The declared response. A reason rides along only with an answer that changes something: PCO has no way to
    edit a reason except answering again, and answering again only to reword it would re-notify the scheduler,
    so a differing reason alone is deliberately not a change."""
    values: dict[str, Any] = {"response": decl.response}
    if declined is not None:
        values["declined_times"] = declined
    changing = live.values.get("response") != decl.response or (
        declined is not None and sorted(live.values.get("declined_times") or []) != declined
    )
    if decl.reason and changing and (decl.response == "declined" or declined):
        values["decline_reason"] = decl.reason
    return values


def match_times(ref: Ref, table: Mapping[str, dict[str, Any]]) -> set[int]:
    """The plan time ids a ``declined_times`` entry names: by id, kind (time_type), name or start."""
    if ref.kind == "id":
        return {int(ref.value)} if str(ref.value) in table else set()
    if ref.kind == "starts_at":
        want = _instant(str(ref.value))
        return {
            int(t)
            for t, a in table.items()
            if want is not None and _instant(str(a.get("starts_at"))) == want
        }
    field = "time_type" if ref.kind == "type" else "name"
    return {
        int(t)
        for t, a in table.items()
        if str(a.get(field) or "").lower() == str(ref.value).lower()
    }


def describe_times(table: Mapping[str, dict[str, Any]]) -> dict[str, str]:
    return {t: describe_time(t, table) for t in table}


def describe_time(tid: str, table: Mapping[str, dict[str, Any]]) -> str:
    """'the rehearsal' when it is the plan's only one of its kind, else 'the 10am service'. A time of type
    "other" is called by its name ('Carols in the park'): 'the other' would tell a reviewer nothing."""
    attrs = table[tid]
    kind = str(attrs.get("time_type") or "time")
    label = attrs.get("name") or attrs.get("starts_at") or tid
    if kind == "other":
        return f"the {label} time" if label == tid else str(label)
    if sum(str(a.get("time_type")) == kind for a in table.values()) == 1:
        return f"the {kind}"
    return f"the {label} {kind}"


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _values(attrs: dict[str, Any]) -> dict[str, Any]:
    status = attrs.get("status")
    letter = (
        str(status).strip()[:1].upper() if isinstance(status, str) and status.strip() else status
    )
    return {
        "response": RESPONSE_WORDS.get(str(letter), str(letter).lower()),
        "decline_reason": attrs.get("decline_reason") or None,
    }


def _keep_time(times: dict[str, dict[str, Any]], resource: dict[str, Any]) -> None:
    if resource.get("type") == "PlanTime" and resource.get("id") is not None:
        times[str(resource["id"])] = attributes(resource)


def _keep_name(names: dict[str, str], resource: dict[str, Any], kind: str, attr: str) -> None:
    if (
        resource.get("type") == kind
        and resource.get("id") is not None
        and attributes(resource).get(attr)
    ):
        names[str(resource["id"])] = str(attributes(resource)[attr])


def _same_plan(ref: int | Ref, plan: str, facts: Facts | None) -> bool:
    if not isinstance(ref, Ref):
        return plan == str(ref)
    return facts is not None and facts[0] is not None and facts[0].isoformat() == ref.value


def _same_team(ref: int | Ref | None, team: str | None, facts: Facts | None) -> bool:
    if ref is None:
        return True
    if not isinstance(ref, Ref):
        return team == str(ref)
    return facts is not None and facts[1] is not None and fold(facts[1]) == fold(str(ref.value))


def _match_problem(
    person: int,
    decl: ResponseDecl,
    found: list[str],
    parsed: Mapping[str, tuple[str, str | None]],
    facts: Mapping[str, Facts],
) -> str | None:
    where = f"plan {shown(decl.plan)}" + (
        f" team {shown(decl.team)}" if decl.team is not None else ""
    )
    if not found:
        looked = (
            ""
            if any(_same_plan(decl.plan, plan, facts.get(k)) for k, (plan, _) in parsed.items())
            or isinstance(decl.plan, Ref)
            else "; neither their schedules nor the plan's team members show one"
        )
        return (
            f"person {person} has no schedule on {where} (a Schedule cannot be created; add them to the roster "
            f"first{looked}){_candidates(parsed, facts) if _readable(decl) else ''}"
        )
    if len(found) == 1 or len({parsed[k] for k in found}) == 1:
        return None  # one schedule, or several positions on one team: each is answered
    plans = {parsed[k][0] for k in found}
    if len(plans) > 1:  # a date on which two of their plans fall (two services that day)
        return (
            f"person {person} has schedules on {len(plans)} plans on {shown(decl.plan)}"
            + (f" on team {shown(decl.team)}" if decl.team is not None else "")
            + ": write the plan's id"
            f"{_candidates(parsed, facts, found, 'candidates')}"
        )
    if decl.team is None:
        teams = sorted({str(parsed[k][1]) for k in found}, key=lambda t: (len(t), t))
        return f"person {person} has {len(found)} schedules on {where} (teams {', '.join(teams)}): add `team:`"
    return f"person {person} has {len(found)} schedules on {where}; cannot tell which one to answer"


def _position_problem(
    person: int, decl: ResponseDecl, found: list[str], positions: Mapping[str, str | None]
) -> str | None:
    """A `position:` the person does not hold on the schedules the plan (and team) match."""
    if decl.position is None or not found:
        return None
    held = sorted({p for k in found if (p := positions.get(k))})
    if decl.position in held:
        return None
    where = f"plan {shown(decl.plan)}" + (
        f" team {shown(decl.team)}" if decl.team is not None else ""
    )
    return (
        f"person {person} has no schedule as {decl.position} on {where}; their positions there: "
        f"{', '.join(held) or 'none'}"
    )


def shared_teams(
    schedules: Iterable[tuple[str | None, str | None, str | None]],
) -> set[tuple[str, str | None]]:
    """The (plan, team) pairs a person holds with more than one position: two schedules there."""
    held: dict[tuple[str, str | None], set[str | None]] = {}
    for plan, team, position in schedules:
        if plan is not None:
            held.setdefault((plan, team), set()).add(position)
    return {pair for pair, positions in held.items() if len(positions) > 1}


def _position(attrs: Mapping[str, Any]) -> str | None:
    value = attrs.get("team_position_name")
    return nfc(value) if isinstance(value, str) and value else None


def _readable(decl: ResponseDecl) -> bool:
    """Written with a date or a team name: the message then lists the schedules it could have meant."""
    return isinstance(decl.plan, Ref) or isinstance(decl.team, Ref)


def _candidates(
    parsed: Mapping[str, tuple[str, str | None]],
    facts: Mapping[str, Facts],
    only: Sequence[str] | None = None,
    label: str = "their schedules",
) -> str:
    """Up to five of the person's schedules (``only`` those), with ids and dates: for a reference that
    matches none, or several."""
    listed = [
        facts[k][2] + (f" {facts[k][1]} (team {team})" if facts[k][1] else "")
        for k, (_, team) in sorted(
            parsed.items(), key=lambda kv: (facts.get(kv[0], (None,))[0] or date.min, kv[0])
        )
        if k in facts and (only is None or k in only)
    ]
    more = f" (+{len(listed) - 5} more)" if len(listed) > 5 else ""
    return f"; {label}: {', '.join(listed[:5])}{more}" if listed else ""


def schedule_facts(row: dict[str, Any], rec: Record) -> Facts:
    """What a responses file may match a schedule by: its day in the organization's time zone (the schedule
    carries ``organization_time_zone``, so no request is needed), and its team's name."""
    attrs = attributes(row)
    day = plan_day(attrs, _zone(attrs.get("organization_time_zone")))
    plan = rec.identity["plan"]
    title = f"{short_day(day, year=True)} (plan {plan})" if day else f"plan {plan}"
    kind = attrs.get(
        "service_type_name"
    )  # which service: two plans of one day are told apart by it
    title = f"{kind} · {title}" if kind else title
    team = attrs.get("team_name")
    return (day, str(team) if team else None, title)


def _zone(name: Any) -> tzinfo:
    try:
        return ZoneInfo(str(name)) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        log.warning(
            "unknown organization time zone %r on a schedule; reading its date in UTC", name
        )
        return UTC


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _id_order(row: dict[str, Any]) -> tuple[int, int, str]:
    rid = str(row.get("id"))
    return (0, int(rid), "") if rid.isdigit() else (1, 0, rid)
