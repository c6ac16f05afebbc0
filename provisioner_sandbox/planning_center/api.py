"""Emulation of Planning Center Services v2 (see docs/api-notes.md): auth, rate limit, routing,
JSON:API paging, and the read-only resources (service types, plans, teams, positions, people).

PlanPerson lives in members.py, Schedule in schedules.py, PlanTime in plan_times.py.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from ..credentials import PCO_APP_ID, PCO_PERSON, PCO_SECRET, PCO_TOKEN
from ..readings import Readings
from ..web import Request, Response, json_response
from . import members, schedules
from .blockouts import BlockoutHandlers
from .common import (
    SUCCESS_TYPE,
    PcoError,
    collection,
    error_response,
    filter_names,
    int_or_none,
    not_found,
    org_parent,
    organization_json,
    person_json,
    plan_json,
    position_json,
    service_type_json,
    single,
    team_json,
)
from .plan_times import PlanTimeHandlers
from .rate_window import RateWindows
from .readings import (
    BLOCKOUT_TIMES,
    MEMBER_WRITES,
    ORG_TIME_ZONE,
    RESPOND_OTHERS,
    SORT_DATE,
)
from .routing import Handler, documented, html_404, own_only, undocumented
from .store import PlanningCenterStore


class PcoApi:
    """Planning Center Services (and the People endpoints it needs) as the sandbox serves it:
    ``preflight`` (credentials, the rate window), ``handle`` (routing into the resource handlers,
    one store transaction per request), ``decorate`` (rate headers), JSON:API error bodies and
    Rails' HTML 404."""

    def __init__(
        self,
        store: PlanningCenterStore,
        readings: Readings,
        rate_limit: int = 100,
        rate_period: int = 20,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.readings = store, readings
        self.rate_limit, self.rate_period = rate_limit, rate_period
        self.windows = RateWindows(rate_period, monotonic)
        m = members.MemberHandlers(store, readings)
        s = schedules.ScheduleHandlers(store, readings)
        t = PlanTimeHandlers(store)
        b = BlockoutHandlers(store)
        st, plan = (
            r"/services/v2/service_types/(\d+)",
            r"/services/v2/service_types/(\d+)/plans/(\d+)",
        )
        person, schedule = (
            r"/services/v2/people/(\d+)",
            r"/services/v2/people/(\d+)/schedules/(\d+)",
        )
        specs: list[tuple[str, dict[str, Handler]]] = [
            (r"/services/v2", {"GET": self.get_organization}),
            (r"/services/v2/service_types", {"GET": self.list_service_types}),
            (st, {"GET": self.get_service_type}),
            (st + "/plans", {"GET": self.list_plans}),
            (plan, {"GET": self.get_plan}),
            (plan + "/plan_times", {"GET": t.list_plan_times}),
            (st + "/teams", {"GET": self.list_teams}),
            (st + "/team_positions", {"GET": self.list_positions}),
            (plan + "/team_members", {"GET": m.list_plan_members, "POST": m.create_member}),
            (
                plan + r"/team_members/(\d+)",
                {
                    "GET": m.get_plan_member,
                    "PATCH": undocumented(readings, m.patch_plan_member),
                    "DELETE": undocumented(readings, m.delete_plan_member),
                },
            ),
            (r"/services/v2/people", {"GET": self.list_people}),
            (person, {"GET": self.get_person}),
            (r"/people/v2/me", {"GET": self.get_me}),
            (r"/people/v2/person_mergers", {"GET": self.list_person_mergers}),
            (person + "/plan_people", {"GET": own_only(readings, m.list_person_members)}),
            (
                person + r"/plan_people/(\d+)",
                {
                    "GET": m.get_person_member,
                    "PATCH": documented(readings, m.patch_person_member),
                    "DELETE": documented(readings, m.delete_person_member),
                },
            ),
            (person + r"/plan_people/(\d+)/plan_times", {"GET": m.person_member_times}),
            (
                person + r"/plan_people/(\d+)/declined_plan_times",
                {"GET": m.person_member_declined_times},
            ),
            (person + "/schedules", {"GET": own_only(readings, s.list_schedules)}),
            (person + "/blockouts", {"GET": b.list_blockouts}),
            (person + r"/blockouts/(\d+)", {"GET": b.get_blockout}),
            (schedule, {"GET": s.get_schedule}),
            (schedule + "/plan_times", {"GET": s.schedule_times}),
            (schedule + "/declined_plan_times", {"GET": s.schedule_declined_times}),
            (schedule + "/accept", {"POST": s.accept}),
            (schedule + "/decline", {"POST": s.decline}),
        ]
        self.routes = [(re.compile(p + "/?$"), h) for p, h in specs]

    # ---- pipeline ------------------------------------------------------------------------------

    def _credential(self, req: Request) -> str | None:
        scheme, _, value = req.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and value.strip() == PCO_TOKEN:
            return "token"
        if scheme.lower() == "basic":
            try:
                pair = base64.b64decode(value.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
            if pair == f"{PCO_APP_ID}:{PCO_SECRET}":
                return "basic"
        return None

    def preflight(self, req: Request) -> Response | None:
        """Authenticate, then count the request in its credential's fixed window (429 past the
        limit)."""
        credential = self._credential(req)
        if credential is None:
            req.extras["rate"] = self.windows.peek("anonymous")
            return error_response(
                401,
                [
                    {
                        "status": "401",
                        "title": "Unauthorized",
                        "detail": "Please provide valid credentials: HTTP Basic or a Bearer token.",
                    }
                ],
            )
        start, now, count = self.windows.count(credential)
        req.extras["rate"] = count
        if count <= self.rate_limit:
            return None
        resp = error_response(
            429,
            [
                {
                    "code": "429",
                    "detail": f"Rate limit exceeded: {count} of "
                    f"{self.rate_limit} requests per {self.rate_period} seconds",
                }
            ],
        )
        resp.headers["Retry-After"] = str(max(1, math.ceil(start + self.rate_period - now)))
        return resp

    def reset(self) -> None:
        """Forget the rate windows (the sandbox's reset)."""
        self.windows.reset()

    def decorate(self, req: Request, resp: Response) -> None:
        """Rate headers on every response; the period reads "20" on success, "20 seconds" on errors.
        [R]"""
        if "rate" not in req.extras:
            req.extras["rate"] = self.windows.peek(self._credential(req) or "anonymous")
        resp.headers["X-PCO-API-Request-Rate-Limit"] = str(self.rate_limit)
        resp.headers["X-PCO-API-Request-Rate-Count"] = str(req.extras["rate"])
        ok = resp.status < 400
        resp.headers["X-PCO-API-Request-Rate-Period"] = str(self.rate_period) + (
            "" if ok else " seconds"
        )

    def fault_response(self, status: int) -> Response:
        """An injected fault's answer as Planning Center gives it for ``status`` (a 429 in its
        rate-limit words)."""
        if status == 429:
            return error_response(
                429,
                [
                    {
                        "code": "429",
                        "detail": f"Rate limit exceeded: {self.rate_limit + 1} of "
                        f"{self.rate_limit} requests per {self.rate_period} seconds",
                    }
                ],
            )
        title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        return error_response(
            status, [{"status": str(status), "title": title, "detail": "Injected fault."}]
        )

    def handle(self, req: Request) -> Response:
        """Route ``req`` to its handler inside one store transaction; PcoError as a JSON:API error
        body, an unrouted path (or method) as Rails' HTML 404."""
        req.extras["sort_date"] = self.readings.get(SORT_DATE.name)
        req.extras["blockout_times"] = self.readings.get(BLOCKOUT_TIMES.name)
        for pattern, handlers in self.routes:
            match = pattern.match(req.path)
            if match and req.method in handlers:
                ids = tuple(int(g) for g in match.groups())
                try:
                    with self.store.transaction(keep=req.extras.get("keep", True)):
                        return handlers[req.method](req, ids)
                except PcoError as err:
                    return error_response(err.status, err.errors)
        return html_404()

    # ---- read-only resources -------------------------------------------------------------------

    def get_organization(self, req: Request, ids: tuple[int, ...]) -> Response:
        present = self.readings.get(ORG_TIME_ZONE.name) == "present"
        return single(organization_json(req, present))

    def list_service_types(self, req: Request, ids: tuple[int, ...]) -> Response:
        """Every service type, with the credentials' permissions on it."""
        return collection(
            self.store,
            req,
            "SELECT * FROM pco_service_types",
            [],
            "id",
            lambda r: service_type_json(req, r, self._permissions()),
            {"parent": org_parent()},
        )

    def get_service_type(self, req: Request, ids: tuple[int, ...]) -> Response:
        row = self._one("pco_service_types", "id = ?", ids)
        return single(service_type_json(req, row, self._permissions()))

    def _permissions(self) -> str:
        """The credentials' permissions on a service type: a scheduler's unless pco.member_writes
        says not."""
        forbidden = self.readings.get(MEMBER_WRITES.name) == "forbidden"
        return "Scheduled Viewer" if forbidden else "Administrator"

    def list_plans(self, req: Request, ids: tuple[int, ...]) -> Response:
        """The service type's plans, ``future``/``past`` filtered against the store's today, by sort
        date (``order=-sort_date`` reverses)."""
        self._one("pco_service_types", "id = ?", ids)
        sql, params = "SELECT * FROM pco_plans WHERE service_type = ?", list[Any]([ids[0]])
        filters = filter_names(req)
        now = self.store.filter_now()
        if "future" in filters:
            sql, params = sql + " AND sort_date >= ?", [*params, now]
        if "past" in filters:
            sql, params = sql + " AND sort_date < ?", [*params, now]
        order = "sort_date DESC, id" if req.q("order") == "-sort_date" else "sort_date, id"
        return collection(
            self.store,
            req,
            sql,
            params,
            order,
            lambda r: plan_json(req, r),
            {"parent": {"id": str(ids[0]), "type": "ServiceType"}},
        )

    def get_plan(self, req: Request, ids: tuple[int, ...]) -> Response:
        return single(plan_json(req, self._one("pco_plans", "service_type = ? AND id = ?", ids)))

    def list_teams(self, req: Request, ids: tuple[int, ...]) -> Response:
        """The service type's teams."""
        self._one("pco_service_types", "id = ?", ids)
        return collection(
            self.store,
            req,
            "SELECT * FROM pco_teams WHERE service_type = ?",
            [ids[0]],
            "id",
            lambda r: team_json(req, r),
            {"parent": {"id": str(ids[0]), "type": "ServiceType"}},
        )

    def list_positions(self, req: Request, ids: tuple[int, ...]) -> Response:
        """The team positions of the service type's teams."""
        self._one("pco_service_types", "id = ?", ids)
        sql = (
            "SELECT p.* FROM pco_positions p JOIN pco_teams t ON t.id = p.team WHERE "
            "t.service_type = ?"
        )
        return collection(
            self.store,
            req,
            sql,
            [ids[0]],
            "p.id",
            lambda r: position_json(req, r),
            {"parent": {"id": str(ids[0]), "type": "ServiceType"}},
        )

    def list_people(self, req: Request, ids: tuple[int, ...]) -> Response:
        """Every person the organization has."""
        return collection(
            self.store,
            req,
            "SELECT * FROM pco_people",
            [],
            "id",
            lambda r: person_json(req, r),
            {"parent": org_parent()},
        )

    def get_person(self, req: Request, ids: tuple[int, ...]) -> Response:
        return single(person_json(req, self._one("pco_people", "id = ?", ids)))

    def get_me(self, req: Request, ids: tuple[int, ...]) -> Response:
        """The People API's current user: the person the sandbox's credentials act as (an
        administrator unless pco.respond_others=forbidden says the token is not one)."""
        row = self._one("pco_people", "id = ?", (PCO_PERSON,))
        admin = self.readings.get(RESPOND_OTHERS.name) == "allowed"
        attrs = {
            "first_name": row["first_name"],
            "last_name": row["last_name"],
            "name": f"{row['first_name']} {row['last_name']}",
            "status": "active",
            "site_administrator": admin,
        }
        links = {
            "self": f"{req.base_url}people/v2/people/{row['id']}"
        }  # a People API resource, not a Services one
        data = {"type": "Person", "id": str(row["id"]), "attributes": attrs, "links": links}
        return json_response(200, {"data": data, "included": [], "meta": {}}, SUCCESS_TYPE)

    def list_person_mergers(self, req: Request, ids: tuple[int, ...]) -> Response:
        """People's merge history (``where[person_to_remove_id]``, ``where[person_to_keep_id]``)."""
        sql, params = "SELECT * FROM pco_person_mergers WHERE 1 = 1", list[Any]()
        for column in ("person_to_remove_id", "person_to_keep_id"):
            if req.q(f"where[{column}]") is not None:
                sql += f" AND {column} = ?"
                params.append(int_or_none(req.q(f"where[{column}]")))

        def serialize(r: dict[str, Any]) -> dict[str, Any]:
            attrs = {
                "created_at": r["created_at"],
                "person_to_keep_id": r["person_to_keep_id"],
                "person_to_remove_id": r["person_to_remove_id"],
            }
            return {"type": "PersonMerger", "id": str(r["id"]), "attributes": attrs}

        return collection(self.store, req, sql, params, "id", serialize, {"parent": org_parent()})

    def _one(self, table: str, where: str, params: tuple[int, ...]) -> dict[str, Any]:
        found = self.store.rows(f"SELECT * FROM {table} WHERE {where}", params)
        if not found:
            raise not_found()
        return found[0]
