"""PlanPerson ("team members") endpoints of the Planning Center emulation (Schedules: schedules.py).

Which create body is accepted and which lists show declined members follow the readings
`pco.member_create` and `pco.declined` (readings.py).
"""

from __future__ import annotations

from typing import Any

from ..readings import Readings
from ..web import Request, Response, empty_response
from . import plan_times as times
from .common import (
    PcoError,
    collection,
    filter_names,
    int_or_none,
    not_found,
    person_json,
    plan_json,
    require_person,
    resource,
    single,
    team_json,
)
from .member_payloads import MemberPayloads
from .plan_times import can_accept_partial
from .readings import (
    DECLINED,
    DELETED_DECLINED,
    NOT_DELETED_FILTER,
)
from .store import GHOST_SELECT, MEMBER_SELECT, PlanningCenterStore, pco_now

FILTER_NOT_DELETED = "not_deleted"


def member_json(
    req: Request, r: dict[str, Any], via_person: bool = False, declined: list[int] | None = None
) -> Any:
    """A team member (PlanPerson) row as the API shows it, under its plan or (``via_person``) under
    its person; ``declined`` lists the plan times it declined."""
    attrs = {
        "status": r["status"],
        "notes": r["notes"],
        "decline_reason": r["decline_reason"],
        "name": r["name"],
        "team_position_name": r["team_position_name"],
        "created_at": r["created_at"],
        "updated_at": r["updated_at"],
        "status_updated_at": r["status_updated_at"],
        "prepare_notification": bool(r["prepare_notification"]),
        "notification_changed_by_name": None,
        "notification_sender_name": None,
        "photo_thumbnail": None,
        "notification_changed_at": None,
        "notification_prepared_at": None,
        "notification_read_at": None,
        "notification_sent_at": None,
        "can_accept_partial": can_accept_partial(r),
    }
    rels: dict[str, Any] = {
        "person": ("Person", r["person"]),
        "plan": ("Plan", r["plan"]),
        "team": ("Team", r["team"]),
        "service_type": ("ServiceType", r["service_type"]),
    }
    if declined is not None:  # only when included: JSON:API links what `included` holds
        rels["declined_plan_times"] = ("PlanTime", declined)
    path = (
        f"people/{r['person']}/plan_people/{r['id']}"
        if via_person
        else f"service_types/{r['service_type']}/plans/{r['plan']}/team_members/{r['id']}"
    )
    return resource(req, "PlanPerson", r["id"], attrs, rels, path)


class MemberHandlers:
    """The PlanPerson endpoints, under a plan and under a person: lists (with ``include`` and the
    declined readings), one member, create, PATCH and DELETE; write bodies are checked by
    MemberPayloads."""

    def __init__(self, store: PlanningCenterStore, readings: Readings) -> None:
        self.store, self.readings = store, readings
        self.payloads = MemberPayloads(store, readings)

    # ---- lookups -------------------------------------------------------------------------------

    def _plan(self, st: int, plan: int) -> dict[str, Any]:
        found = self.store.rows(
            "SELECT * FROM pco_plans WHERE id = ? AND service_type = ?", (plan, st)
        )
        if not found:
            raise not_found()
        return found[0]

    def member(self, where: str, params: tuple[int, ...]) -> dict[str, Any]:
        found = self.store.rows(MEMBER_SELECT + " WHERE " + where, params)
        if not found:
            raise not_found()
        return found[0]

    def _included(
        self, req: Request, rows: list[dict[str, Any]], declined: dict[int, list[int]] | None
    ) -> Any:
        """Sideload what a page refers to (`include=person,team,plan,declined_plan_times`)."""
        wanted = {i.strip() for i in (req.q("include") or "").split(",")}
        out: list[dict[str, Any]] = []
        for name, table, serialize in (
            ("person", "pco_people", person_json),
            ("team", "pco_teams", team_json),
            ("plan", "pco_plans", plan_json),
        ):
            ids = sorted({r[name] for r in rows})
            if name in wanted and ids:
                marks = ",".join("?" * len(ids))
                found = self.store.rows(
                    f"SELECT * FROM {table} WHERE id IN ({marks}) ORDER BY id", ids
                )
                out += [serialize(req, r) for r in found]
        if declined is not None:
            out += times.times_json(req, self.store, [t for ids in declined.values() for t in ids])
        return out

    def _page(
        self,
        req: Request,
        sql: str,
        params: list[Any],
        parent: dict[str, str],
        via_person: bool,
        can_filter: list[str] | None = None,
    ) -> Response:
        wants_declined = "declined_plan_times" in (req.q("include") or "")
        declined: dict[
            int, list[int]
        ] = {}  # filled as the page's rows are serialized, then used for `included`

        def serialize(r: dict[str, Any]) -> Any:
            if wants_declined:
                declined.update(times.declined_ids(self.store, [r]))
            return member_json(
                req, r, via_person, declined.get(r["id"]) if wants_declined else None
            )

        def include(rows: list[dict[str, Any]]) -> Any:
            return self._included(req, rows, declined if wants_declined else None)

        meta: dict[str, Any] = {
            "parent": parent,
            "can_include": ["declined_plan_times", "person", "plan", "team"],
        }
        if can_filter is not None:
            meta["can_filter"] = can_filter
        return collection(self.store, req, sql, params, "pp.id", serialize, meta, include)

    def _one(
        self, req: Request, row: dict[str, Any], status: int = 200, via_person: bool = False
    ) -> Response:
        declined = None
        if "declined_plan_times" in (req.q("include") or ""):
            declined = times.declined_ids(self.store, [row])
        resource_json = member_json(req, row, via_person, declined[row["id"]] if declined else None)
        return single(resource_json, status, self._included(req, [row], declined))

    # ---- reads ---------------------------------------------------------------------------------

    def list_plan_members(self, req: Request, ids: tuple[int, ...]) -> Response:
        """A plan's members, declined ones included whatever pco.declined says [3P ISSUE#1464, PCO
        staff]."""
        st, plan = ids
        self._plan(st, plan)
        where, params = "pp.plan = ?", list[Any]([plan])
        filters = filter_names(req)
        deleted = self.readings.get(NOT_DELETED_FILTER.name)
        if FILTER_NOT_DELETED in filters and deleted == "refused":
            raise PcoError(
                400,
                [
                    {
                        "status": "400",
                        "title": "Bad Request",
                        "detail": "Unknown filter: not_deleted",
                    }
                ],
            )
        if "confirmed" in filters:
            where += " AND pp.status = 'C'"
        if "not_declined" in filters:
            where += " AND pp.status != 'D'"
        if req.q("where[team_id]") is not None:
            where, params = (
                where + " AND pp.team = ?",
                [*params, int_or_none(req.q("where[team_id]"))],
            )
        sql = MEMBER_SELECT + " WHERE " + where
        if not (FILTER_NOT_DELETED in filters and deleted == "supported"):
            # ghosts (pco.deleted_declined=listed) stay listed: ISSUE#663
            sql = f"SELECT * FROM ({sql} UNION ALL {GHOST_SELECT} WHERE {where}) AS pp"
            params = params * 2
        known = ["confirmed", "not_archived", "not_declined"]
        can_filter = [*known, FILTER_NOT_DELETED] if deleted == "supported" else known
        return self._page(
            req, sql, params, {"id": str(plan), "type": "Plan"}, False, can_filter=can_filter
        )

    def list_person_members(self, req: Request, ids: tuple[int, ...]) -> Response:
        """A person's PlanPeople; declined ones left out under pco.declined=hidden."""
        require_person(self.store, ids[0])
        sql = MEMBER_SELECT + " WHERE pp.person = ?"
        if (
            self.readings.get(DECLINED.name) == "hidden"
        ):  # "as well as their PlanPeople list" [3P ISSUE#1121]
            sql += " AND pp.status != 'D'"
        return self._page(
            req, sql, [ids[0]], {"id": str(ids[0]), "type": "Person"}, via_person=True
        )

    def get_plan_member(self, req: Request, ids: tuple[int, ...]) -> Response:
        return self._one(req, self.member("pl.service_type = ? AND pp.plan = ? AND pp.id = ?", ids))

    def get_person_member(self, req: Request, ids: tuple[int, ...]) -> Response:
        return self._one(req, self.member("pp.person = ? AND pp.id = ?", ids), via_person=True)

    def person_member_times(self, req: Request, ids: tuple[int, ...]) -> Response:
        member = self.member("pp.person = ? AND pp.id = ?", ids)
        return times.times_collection(
            req, self.store, "t.plan = ?", [member["plan"]], _parent(member)
        )

    def person_member_declined_times(self, req: Request, ids: tuple[int, ...]) -> Response:
        member = self.member("pp.person = ? AND pp.id = ?", ids)
        where, params = times.declined_where(member)
        return times.times_collection(req, self.store, where, params, _parent(member))

    # ---- writes --------------------------------------------------------------------------------

    def create_member(self, req: Request, ids: tuple[int, ...]) -> Response:
        """POST a team member to a plan (body read as pco.member_create says); 201 with it."""
        st, plan = ids
        self._plan(st, plan)
        attrs, rels = self.payloads.payload(req)
        cols = self.payloads.columns(attrs, rels, st, creating=True)
        now = pco_now()
        cols = {
            "status": "U",
            **cols,
            "plan": plan,
            "created_at": now,
            "updated_at": now,
            "status_updated_at": now,
        }
        marks = ", ".join("?" * len(cols))
        cur = self.store.conn.execute(
            f"INSERT INTO pco_plan_people({', '.join(cols)}) VALUES ({marks})", tuple(cols.values())
        )
        return self._one(req, self.member("pp.id = ?", (int(cur.lastrowid or 0),)), status=201)

    def _patch(self, req: Request, row: dict[str, Any], via_person: bool) -> Response:
        attrs, rels = self.payloads.payload(req)
        cols = self.payloads.columns(attrs, rels, row["service_type"], creating=False)
        if cols.get("status") not in (None, row["status"]):
            cols["status_updated_at"] = pco_now()
            if cols["status"] != "D" and "decline_reason" not in cols:
                cols["decline_reason"] = None  # a reason only makes sense on a declined member
            self.store.set_declined_times(row["id"], [])  # a new answer replaces a partial accept
        if cols:
            cols["updated_at"] = pco_now()
            sets = ", ".join(f"{k} = ?" for k in cols)
            self.store.conn.execute(
                f"UPDATE pco_plan_people SET {sets} WHERE id = ?", (*cols.values(), row["id"])
            )
        return self._one(req, self.member("pp.id = ?", (row["id"],)), via_person=via_person)

    def patch_plan_member(self, req: Request, ids: tuple[int, ...]) -> Response:
        return self._patch(
            req, self.member("pl.service_type = ? AND pp.plan = ? AND pp.id = ?", ids), False
        )

    def patch_person_member(self, req: Request, ids: tuple[int, ...]) -> Response:
        return self._patch(req, self.member("pp.person = ? AND pp.id = ?", ids), True)

    def _delete(self, row: dict[str, Any]) -> Response:
        self.payloads.scheduler()
        if row["status"] == "D" and self.readings.get(DELETED_DECLINED.name) == "listed":
            self.store.bury(
                row["id"]
            )  # 204, yet the plan's team_members still lists it [ISSUE#663]
            return empty_response(204)
        self.store.set_declined_times(row["id"], [])
        self.store.conn.execute("DELETE FROM pco_plan_people WHERE id = ?", (row["id"],))
        return empty_response(204)

    def delete_plan_member(self, req: Request, ids: tuple[int, ...]) -> Response:
        return self._delete(self.member("pl.service_type = ? AND pp.plan = ? AND pp.id = ?", ids))

    def delete_person_member(self, req: Request, ids: tuple[int, ...]) -> Response:
        return self._delete(self.member("pp.person = ? AND pp.id = ?", ids))


def _parent(member: dict[str, Any]) -> dict[str, str]:
    return {"id": str(member["id"]), "type": "PlanPerson"}
