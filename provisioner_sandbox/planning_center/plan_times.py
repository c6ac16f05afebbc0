"""PlanTimes (a plan's service, rehearsal and other times) and the declined times of a partial
accept.

A member's declined times are stored only for an accepted member (a partial accept); a declined
member has declined every time ("If this is a split time request, all times will be declined" [C]),
so those are derived.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..web import Request, Response
from .common import collection, not_found, plan_time_json
from .store import PlanningCenterStore

TIME_SELECT = (
    "SELECT t.*, pl.service_type FROM pco_plan_times t JOIN pco_plans pl ON pl.id = t.plan"
)


def _order(req: Request) -> str:
    return "t.starts_at DESC, t.id" if req.q("order") == "-starts_at" else "t.starts_at, t.id"


def times_collection(
    req: Request, store: PlanningCenterStore, where: str, params: list[Any], parent: Any
) -> Response:
    """A paged list of plan times matching ``where`` (and ``where[time_type]``), under
    ``parent``."""
    if req.q("where[time_type]") is not None:
        where, params = f"({where}) AND t.time_type = ?", [*params, req.q("where[time_type]")]
    return collection(
        store,
        req,
        f"{TIME_SELECT} WHERE {where}",
        params,
        _order(req),
        lambda r: plan_time_json(req, r),
        {"parent": parent, "can_order_by": ["starts_at"], "can_query_by": ["time_type"]},
    )


def declined_where(member: dict[str, Any]) -> tuple[str, list[Any]]:
    """SQL selecting the times a member declined: every time of the plan when the member
    declined."""
    if member["status"] == "D":
        return "t.plan = ?", [member["plan"]]
    return "t.id IN (SELECT plan_time FROM pco_declined_times WHERE plan_person = ?)", [
        member["id"]
    ]


def declined_ids(
    store: PlanningCenterStore, members: Iterable[dict[str, Any]]
) -> dict[int, list[int]]:
    """Declined time ids of each member (a page at a time, for `include=declined_plan_times`)."""
    out: dict[int, list[int]] = {}
    for member in members:
        where, params = declined_where(member)
        out[member["id"]] = [
            r["id"] for r in store.rows(f"{TIME_SELECT} WHERE {where} ORDER BY t.id", params)
        ]
    return out


def time_ids(store: PlanningCenterStore, plans: Iterable[int]) -> dict[int, list[int]]:
    """Each plan's time ids in time order (a Schedule's `times` relationship), in one query for a
    page."""
    wanted = sorted(set(plans))
    out: dict[int, list[int]] = {p: [] for p in wanted}
    if wanted:
        marks = ",".join("?" * len(wanted))
        sql = f"SELECT plan, id FROM pco_plan_times WHERE plan IN ({marks}) ORDER BY starts_at, id"
        for plan, tid in store.tuples(sql, wanted):
            out[plan].append(tid)
    return out


def times_json(
    req: Request, store: PlanningCenterStore, ids: Iterable[int]
) -> list[dict[str, Any]]:
    """PlanTime objects for `included`."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    return [
        plan_time_json(req, r)
        for r in store.rows(f"{TIME_SELECT} WHERE t.id IN ({marks}) ORDER BY t.id", wanted)
    ]


def can_accept_partial(row: dict[str, Any]) -> bool:
    """A schedule's flag: allowed for its member (the seed says no for teams 23 and 24), and a plan
    with more than one time (one time cannot be split)."""
    return bool(row["partial_allowed"]) and row["time_count"] > 1


def partial_accept(
    store: PlanningCenterStore, member: dict[str, Any], declined: list[int]
) -> str | None:
    """Check the times a partial accept declines; the problem as a sentence, or None when they are
    fine."""
    plan_times = {
        r["id"]
        for r in store.rows("SELECT id FROM pco_plan_times WHERE plan = ?", (member["plan"],))
    }
    unknown = sorted(set(declined) - plan_times)
    if unknown:
        return f"PlanTime {unknown[0]} is not a time of this plan"
    if len(plan_times) < 2:
        return "this schedule has one time only and cannot be accepted partially"
    if set(declined) >= plan_times:  # [G] the real answer is unknown; decline is the documented way
        return "every time would be declined: decline the schedule instead"
    return None


class PlanTimeHandlers:
    """The plan times of a plan."""

    def __init__(self, store: PlanningCenterStore) -> None:
        self.store = store

    def list_plan_times(self, req: Request, ids: tuple[int, ...]) -> Response:
        """The plan's times; 404 for a plan that is not the service type's."""
        st, plan = ids
        if not self.store.rows(
            "SELECT id FROM pco_plans WHERE id = ? AND service_type = ?", (plan, st)
        ):
            raise not_found()
        return times_collection(
            req, self.store, "t.plan = ?", [plan], {"id": str(plan), "type": "Plan"}
        )
