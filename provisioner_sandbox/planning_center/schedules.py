"""Schedule endpoints of the Planning Center emulation: a person's view of their PlanPerson rows.

A Schedule is never stored: it is read from the same pco_plan_people row (SCHEDULE_SELECT), so a
decline through the schedule shows up on the team member and a PATCH of the team member shows up on
the schedule. Which lists show declined schedules, and whether the credentials may answer for
someone else, follow the readings `pco.declined` and `pco.respond_others`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..credentials import PCO_PERSON
from ..readings import Readings
from ..web import Request, Response, empty_response
from . import plan_times as times
from .common import (
    ORG_TIME_ZONE,
    PcoError,
    collection,
    filter_names,
    int_or_none,
    not_found,
    org_parent,
    require_person,
    resource,
    served_sort_date,
    single,
    validation_error,
)
from .plan_times import can_accept_partial
from .readings import DECLINED, PARTIAL_REFUSED, RESPOND_OTHERS
from .store import SCHEDULE_ID_OFFSET, SCHEDULE_SELECT, PlanningCenterStore, pco_now

CAN_FILTER = [
    "after",
    "all",
    "before",
    "future",
    "not_across_organizations",
    "past",
    "with_declined",
]


def _iso(value: str | None) -> str | None:
    """Normalise an after/before parameter to the stored sort_date format so strings compare as
    times."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise PcoError(
            400, [{"status": "400", "title": "Bad Request", "detail": f"invalid date {value!r}"}]
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def schedule_json(req: Request, r: dict[str, Any], time_ids: list[int]) -> dict[str, Any]:
    """A person's schedule row as the API shows it, with the plan times it covers."""
    partial = can_accept_partial(r)  # a per-schedule flag (part 3 #20)
    attrs = {
        "sort_date": served_sort_date(req, r["sort_date"]),
        "dates": r["dates"],
        "short_dates": r["short_dates"],
        "decline_reason": r["decline_reason"],
        "organization_name": "Sandbox Church",
        "organization_time_zone": ORG_TIME_ZONE,
        "organization_twenty_four_hour_time": False,
        "person_name": r["person_name"],
        "position_display_times": None,
        "responds_to_name": None,
        "service_type_name": r["service_type_name"],
        "status": r["status"],
        "team_name": r["team_name"],
        "team_position_name": r["team_position_name"],
        "can_accept_partial": partial,
        "can_accept_partial_one_time": partial,
        "can_rehearse": True,
        "plan_visible": True,
        "plan_visible_to_me": True,
    }
    rels: dict[str, Any] = {
        "person": ("Person", r["person"]),
        "service_type": ("ServiceType", r["service_type"]),
        "organization": ("Organization", 1),
        "plan_person": ("PlanPerson", r["plan_person"]),
        "plan": ("Plan", r["plan"]),
        "team": ("Team", r["team"]),
        "responds_to_person": None,
        "times": ("PlanTime", time_ids),
    }
    return resource(
        req, "Schedule", r["id"], attrs, rels, f"people/{r['person']}/schedules/{r['id']}"
    )


def _accept_body(req: Request) -> tuple[list[int], str | None]:
    """(declined PlanTime ids, reason) of a ScheduleAccept; an empty body accepts every time [C]."""
    data = req.body.get("data") if isinstance(req.body, dict) else None
    if not isinstance(data, dict):
        return [], None
    attrs = data.get("attributes") if isinstance(data.get("attributes"), dict) else {}
    rels = data.get("relationships") if isinstance(data.get("relationships"), dict) else {}
    linkage = (
        (rels.get("declined_plan_times") or {}).get("data") if isinstance(rels, dict) else None
    )
    declined: list[int] = []
    for item in linkage or []:
        tid = item.get("id") if isinstance(item, dict) else None
        if not str(tid or "").isdigit():
            raise PcoError(
                422,
                [validation_error("declined_plan_times", "must be PlanTime ids", "ScheduleAccept")],
            )
        declined.append(int(str(tid)))
    reason = attrs.get("reason") if isinstance(attrs, dict) else None
    return declined, None if reason is None else str(reason)


class ScheduleHandlers:
    """A person's schedules: the list, one schedule, its plan times, and accept/decline."""

    def __init__(self, store: PlanningCenterStore, readings: Readings) -> None:
        self.store, self.readings = store, readings

    def list_schedules(self, req: Request, ids: tuple[int, ...]) -> Response:
        """The person's schedules, ``future``/``past`` filtered against the store's today, declined
        ones as the readings say."""
        person = ids[0]
        require_person(self.store, person)
        sql, params = SCHEDULE_SELECT + " WHERE pp.person = ?", list[Any]([person])
        filters = filter_names(req)
        sql += self._declined_clause(filters)
        now = self.store.filter_now()
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
        order = (
            "pl.sort_date DESC, pp.id" if req.q("order") == "-starts_at" else "pl.sort_date, pp.id"
        )
        plan_times: dict[int, list[int]] = {}

        def serialize(r: dict[str, Any]) -> dict[str, Any]:
            if r["plan"] not in plan_times:
                plan_times.update(times.time_ids(self.store, [r["plan"]]))
            return schedule_json(req, r, plan_times[r["plan"]])

        def include(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            wanted = "plan_times" in (req.q("include") or "")
            return (
                times.times_json(req, self.store, [t for r in rows for t in plan_times[r["plan"]]])
                if wanted
                else []
            )

        meta = {"parent": org_parent(), "can_include": ["plan_times"], "can_filter": CAN_FILTER}
        return collection(self.store, req, sql, params, order, serialize, meta, include)

    def _declined_clause(self, filters: set[str]) -> str:
        reading = self.readings.get(DECLINED.name)
        if reading == "shown":
            return ""
        if (
            reading == "hidden"
        ):  # [3P ISSUE#1121] gone even with with_declined; [ISSUE#1361] all = confirmed only
            return " AND pp.status = 'C'" if "all" in filters else " AND pp.status != 'D'"
        return "" if "with_declined" in filters else " AND pp.status != 'D'"

    def _schedule(self, person: int, schedule: int) -> dict[str, Any]:
        found = self.store.rows(
            SCHEDULE_SELECT + " WHERE pp.person = ? AND pp.id = ?",
            (person, schedule - SCHEDULE_ID_OFFSET),
        )
        if not found:
            raise not_found()
        return found[0]

    def get_schedule(self, req: Request, ids: tuple[int, ...]) -> Response:
        """One schedule (also when declined), with its plan times when ``include`` asks for them."""
        # A single GET returns the schedule even when declined: only lists hide declined ones.
        row = self._schedule(*ids)
        plan_times = times.time_ids(self.store, [row["plan"]])[row["plan"]]
        included = (
            times.times_json(req, self.store, plan_times)
            if "plan_times" in (req.q("include") or "")
            else []
        )
        return single(schedule_json(req, row, plan_times), included=included)

    def schedule_times(self, req: Request, ids: tuple[int, ...]) -> Response:
        row = self._schedule(*ids)
        return times.times_collection(req, self.store, "t.plan = ?", [row["plan"]], _parent(row))

    def schedule_declined_times(self, req: Request, ids: tuple[int, ...]) -> Response:
        """The times declined in a partial accept (every time once declined): how a client reads
        them back."""
        row = self._schedule(*ids)
        where, params = times.declined_where(
            {"id": row["plan_person"], "plan": row["plan"], "status": row["status"]}
        )
        return times.times_collection(req, self.store, where, params, _parent(row))

    def _answerable(self, ids: tuple[int, ...]) -> dict[str, Any]:
        row = self._schedule(*ids)
        if self.readings.get(RESPOND_OTHERS.name) == "forbidden" and row["person"] != PCO_PERSON:
            raise PcoError(
                403,
                [
                    {
                        "status": "403",
                        "title": "Forbidden",
                        "detail": "You do not have permission to respond to this schedule",
                    }
                ],
            )
        return row

    def _respond(
        self, row: dict[str, Any], status: str, reason: str | None, declined: list[int]
    ) -> Response:
        now = pco_now()
        self.store.conn.execute(
            "UPDATE pco_plan_people SET status = ?, decline_reason = ?, updated_at = ?, "
            "status_updated_at = ?"
            " WHERE id = ?",
            (status, reason, now, now, row["plan_person"]),
        )
        self.store.set_declined_times(row["plan_person"], sorted(set(declined)))
        # [G] the real response is undocumented; 204 No Content, clients re-GET to read the new
        # status.
        return empty_response(204)

    def accept(self, req: Request, ids: tuple[int, ...]) -> Response:
        """Accept every time, or (a partial accept) all but `relationships.declined_plan_times`,
        with a reason."""
        row = self._answerable(ids)
        declined, reason = _accept_body(req)
        if not declined:
            return self._respond(row, "C", None, [])
        if not row[
            "partial_allowed"
        ]:  # the schedule's flag says no (one time only: partial_accept)
            if self.readings.get(PARTIAL_REFUSED.name) == "ignored":
                return self._respond(row, "C", None, [])  # every time accepted, the list dropped
            raise PcoError(
                422,
                [
                    validation_error(
                        "declined_plan_times",
                        "this schedule cannot be accepted partially",
                        "ScheduleAccept",
                    )
                ],
            )
        member = {"id": row["plan_person"], "plan": row["plan"], "status": row["status"]}
        problem = times.partial_accept(self.store, member, declined)
        if problem:
            raise PcoError(
                422, [validation_error("declined_plan_times", problem, "ScheduleAccept")]
            )
        return self._respond(row, "C", reason, declined)

    def decline(self, req: Request, ids: tuple[int, ...]) -> Response:
        row = self._answerable(ids)
        reason: Any = None
        data = req.body.get("data") if isinstance(req.body, dict) else None
        if isinstance(data, dict) and isinstance(data.get("attributes"), dict):
            reason = data["attributes"].get("reason")
        return self._respond(row, "D", "" if reason is None else str(reason), [])


def _parent(row: dict[str, Any]) -> dict[str, str]:
    return {"id": str(row["id"]), "type": "Schedule"}
