"""Schedule endpoints of the Planning Center emulation: a person's view of their PlanPerson rows.

A Schedule is never stored: it is read from the same pco_plan_people row (SCHEDULE_SELECT), so a decline
through the schedule shows up on the team member and a PATCH of the team member shows up on the schedule.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from .pco_common import PcoError, collection, int_or_none, not_found, org_parent, require_person, resource, single
from .pco_members import filter_names
from .store import SCHEDULE_ID_OFFSET, SCHEDULE_SELECT, Store, pco_now
from .web import Request, Response, empty_response


def _iso(value: str | None) -> str | None:
    """Normalise an after/before parameter to the stored sort_date format so strings compare as times."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise PcoError(400, [{"status": "400", "title": "Bad Request", "detail": f"invalid date {value!r}"}]) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def schedule_json(req: Request, r: dict[str, Any]) -> dict[str, Any]:
    attrs = {
        "sort_date": r["sort_date"],
        "dates": r["dates"],
        "short_dates": r["short_dates"],
        "decline_reason": r["decline_reason"],
        "organization_name": "Sandbox Church",
        "organization_time_zone": "America/New_York",
        "organization_twenty_four_hour_time": False,
        "person_name": r["person_name"],
        "position_display_times": None,
        "responds_to_name": None,
        "service_type_name": r["service_type_name"],
        "status": r["status"],
        "team_name": r["team_name"],
        "team_position_name": r["team_position_name"],
        "can_accept_partial": False,
        "can_accept_partial_one_time": False,
        "can_rehearse": True,
        "plan_visible": True,
        "plan_visible_to_me": True,
    }
    rels: dict[str, tuple[str, int | None] | None] = {
        "person": ("Person", r["person"]),
        "service_type": ("ServiceType", r["service_type"]),
        "organization": ("Organization", 1),
        "plan_person": ("PlanPerson", r["plan_person"]),
        "plan": ("Plan", r["plan"]),
        "team": ("Team", r["team"]),
        "responds_to_person": None,
    }
    out = resource(req, "Schedule", r["id"], attrs, rels, f"people/{r['person']}/schedules/{r['id']}")
    out["relationships"]["times"] = {"data": []}
    return out


class ScheduleHandlers:
    def __init__(self, store: Store) -> None:
        self.store = store

    def list_schedules(self, req: Request, ids: tuple[int, ...]) -> Response:
        person = ids[0]
        require_person(self.store, person)
        sql, params = SCHEDULE_SELECT + " WHERE pp.person = ?", list[Any]([person])
        filters = filter_names(req)
        if "with_declined" not in filters:  # declined schedules vanish from the list [3P ISSUE#1121]
            sql += " AND pp.status != 'D'"
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        bounds = {
            "future": (">=", now),
            "past": ("<", now),
            "after": (">", _iso(req.q("after"))),
            "before": ("<", _iso(req.q("before"))),
        }
        for name, (op, value) in bounds.items():
            if name in filters and value is not None:
                sql, params = sql + f" AND pl.sort_date {op} ?", [*params, value]
        if req.q("where[plan_id]") is not None:
            sql, params = sql + " AND pp.plan = ?", [*params, int_or_none(req.q("where[plan_id]"))]
        order = "pl.sort_date DESC, pp.id" if req.q("order") == "-starts_at" else "pl.sort_date, pp.id"
        return collection(
            self.store,
            req,
            sql,
            params,
            order,
            lambda r: schedule_json(req, r),
            {
                "parent": org_parent(),
                "can_include": ["plan_times"],
                "can_filter": ["after", "all", "before", "future", "not_across_organizations", "past", "with_declined"],
            },
        )

    def _schedule(self, person: int, schedule: int) -> dict[str, Any]:
        found = self.store.rows(
            SCHEDULE_SELECT + " WHERE pp.person = ? AND pp.id = ?", (person, schedule - SCHEDULE_ID_OFFSET)
        )
        if not found:
            raise not_found()
        return found[0]

    def get_schedule(self, req: Request, ids: tuple[int, ...]) -> Response:
        # A single GET returns the schedule even when declined: only lists hide declined ones.
        return single(schedule_json(req, self._schedule(*ids)))

    def _respond(self, ids: tuple[int, ...], status: str, reason: str | None) -> Response:
        row = self._schedule(*ids)
        now = pco_now()
        self.store.conn.execute(
            "UPDATE pco_plan_people SET status = ?, decline_reason = ?, updated_at = ?, status_updated_at = ?"
            " WHERE id = ?",
            (status, reason, now, now, row["plan_person"]),
        )
        # [G] the real response is undocumented; 204 No Content, clients re-GET to read the new status.
        return empty_response(204)

    def accept(self, req: Request, ids: tuple[int, ...]) -> Response:
        return self._respond(ids, "C", None)

    def decline(self, req: Request, ids: tuple[int, ...]) -> Response:
        reason: Any = None
        data = req.body.get("data") if isinstance(req.body, dict) else None
        if isinstance(data, dict) and isinstance(data.get("attributes"), dict):
            reason = data["attributes"].get("reason")
        return self._respond(ids, "D", "" if reason is None else str(reason))
