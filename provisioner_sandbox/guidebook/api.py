"""Emulation of the Guidebook Open API v1 (see docs/api-notes.md): auth, throttling, routing,
paging.

The API is Django REST Framework underneath, so error bodies follow DRF conventions ([G] in the
notes): ``{"detail": ...}`` for auth/404/405/429 and ``{"field": ["message"]}`` for validation.
Undocumented points follow the current readings (readings.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..credentials import GUIDEBOOK_KEY
from ..readings import Readings
from ..web import Request, Response, empty_response, json_response
from . import resources as res
from .one_schedule import one_schedule_each
from .paging import Query, drf_page, page_size
from .readings import BODY, EMPTY_LIST, PATCH_LISTS
from .resources import GbError, detail
from .store import GuidebookStore, gb_now
from .throttle import DailyBudget

PREFIX = "/open-api/v1/"
Handler = Callable[[Request, int | None], Response]
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class GuidebookApi:
    """The Guidebook Open API v1 as the sandbox serves it: ``preflight`` (auth, daily budget), then
    ``handle`` (routing, body checks, one store transaction per request), DRF pages and error
    bodies."""

    def __init__(
        self,
        store: GuidebookStore,
        readings: Readings,
        page_size: int = 25,
        max_page_size: int = 100,
        daily_limit: int = 10000,
    ) -> None:
        self.store, self.readings = store, readings
        self.page_size, self.max_page_size, self.daily_limit = page_size, max_page_size, daily_limit
        # successful writes so far: reshuffles the storage order under guidebook.ordering=ignored
        self._writes = 0
        self.budget = DailyBudget(daily_limit)
        specs: list[tuple[str, dict[str, Handler]]] = [
            (r"guides/", {"GET": self.list_guides}),
            (r"guides/(\d+)/", {"GET": self.get_guide, "PATCH": self.patch_guide}),
            (r"guides/(\d+)/publish-personalized-schedules/", {"POST": self.publish_guide}),
            (r"sessions/", {"GET": self.list_sessions, "POST": self.create_session}),
            (
                r"sessions/(\d+)/",
                {
                    "GET": self.get_session,
                    "PATCH": self.patch_session,
                    "DELETE": self.delete_session,
                },
            ),
            (r"attendees/", {"GET": self.list_attendees, "POST": self.create_attendee}),
            (r"attendees/(\d+)/", {"GET": self.get_attendee, "PATCH": self.patch_attendee}),
            (r"attendees/(\d+)/publish-personalized-schedules/", {"POST": self.publish_attendee}),
            (
                r"personalized-schedules/",
                {"GET": self.list_schedules, "POST": self.create_schedule},
            ),
            (
                r"personalized-schedules/(\d+)/",
                {
                    "GET": self.get_schedule,
                    "PATCH": self.patch_schedule,
                    "DELETE": self.delete_schedule,
                },
            ),
        ]
        self.routes = [(re.compile(re.escape(PREFIX) + p + "$"), h) for p, h in specs]

    # ---- pipeline ------------------------------------------------------------------------------

    def preflight(self, req: Request) -> Response | None:
        """Authentication and the daily budget, answered before any state is touched."""
        scheme, _, key = req.headers.get("authorization", "").partition(" ")
        if scheme != "JWT" or not key:
            return self._unauthorized("Authentication credentials were not provided.")
        if key.strip() != GUIDEBOOK_KEY:
            return self._unauthorized("Invalid signature.")
        return self.budget.spend(key.strip())

    def _unauthorized(self, message: str) -> Response:
        resp = json_response(401, {"detail": message})
        resp.headers["WWW-Authenticate"] = 'JWT realm="api"'
        return resp

    def reset(self) -> None:
        """Forget the daily budgets spent (the sandbox's reset)."""
        self.budget.reset()

    def decorate(self, req: Request, resp: Response) -> None:
        """Guidebook documents no rate-limit headers, so nothing is added."""

    def fault_response(self, status: int) -> Response:
        """An injected fault's answer in DRF's words for ``status``."""
        messages = {
            429: "Request was throttled.",
            500: "A server error occurred.",
            502: "Bad gateway.",
            503: "Service temporarily unavailable, try again later.",
            504: "Gateway timeout.",
        }
        return json_response(status, {"detail": messages.get(status, "Injected fault.")})

    def handle(self, req: Request) -> Response:
        """Route and run one request inside a store transaction (rolled back on any error
        answer)."""
        for pattern, handlers in self.routes:
            match = pattern.match(req.path)
            if not match:
                continue
            handler = handlers.get(req.method)
            if handler is None:
                resp = json_response(405, {"detail": f'Method "{req.method}" not allowed.'})
                resp.headers["Allow"] = ", ".join([*handlers, "OPTIONS"])
                return resp
            refused = self._unsupported_media(req)
            if refused is not None:
                return refused
            if req.body_error is not None:
                return json_response(400, {"detail": f"JSON parse error - {req.body_error}"})
            if req.body is not None and not isinstance(req.body, dict):
                return json_response(
                    400,
                    {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
                )
            obj_id = int(match.group(1)) if match.groups() else None
            keep = req.extras.get("keep", True)
            try:
                with self.store.transaction(keep=keep):
                    resp = handler(req, obj_id)
                    self._writes += int(keep and req.method != "GET")  # under the store lock
            except GbError as err:
                return json_response(err.status, err.body)
            return resp
        return json_response(404, {"detail": "Not found."})

    def _unsupported_media(self, req: Request) -> Response | None:
        """Under guidebook.body=form-only, a non-form body is DRF's 415 (an empty body is never
        parsed)."""
        if self.readings.get(BODY.name) != "form-only" or not req.raw_body.strip():
            return None
        if req.media_type in FORM_TYPES:
            return None
        return json_response(
            415, {"detail": f'Unsupported media type "{req.media_type or ""}" in request.'}
        )

    # ---- paging and lists ----------------------------------------------------------------------

    def page(
        self,
        req: Request,
        table: str,
        where: list[str],
        params: list[Any],
        order: str,
        serialize: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
    ) -> Response:
        """DRF page-number pagination over `SELECT * FROM table WHERE ... ORDER BY order`
        (paging.py)."""
        size = page_size(req, self.readings, self.page_size, self.max_page_size)
        return drf_page(
            self.store,
            self.readings,
            req,
            Query(table, where, params, order),
            serialize,
            size,
            self._writes,
        )

    def _get(self, table: str, obj_id: int | None) -> dict[str, Any]:
        found = self.store.rows(f"SELECT * FROM {table} WHERE id = ?", (obj_id,))
        if not found:
            raise detail(404, "Not found.")
        return found[0]

    # ---- guides and publishing -----------------------------------------------------------------

    def list_guides(self, req: Request, _: int | None) -> Response:
        where, params = res.int_filters(req, {"owner": "owner", "id": "id"})
        return self.page(
            req, "gb_guides", where, params, "id", lambda rows: [res.guide_json(r) for r in rows]
        )

    def get_guide(self, req: Request, guide: int | None) -> Response:
        return json_response(200, res.guide_json(self._get("gb_guides", guide)))

    def patch_guide(self, req: Request, guide: int | None) -> Response:
        """PATCH a guide's settable fields; the guide as it is now."""
        self._get("gb_guides", guide)
        changes = res.guide_changes(req.body or {})
        if changes:
            cols = ", ".join(f"{k} = ?" for k in changes)
            self.store.conn.execute(
                f"UPDATE gb_guides SET {cols} WHERE id = ?", (*changes.values(), guide)
            )
        return json_response(200, res.guide_json(self._get("gb_guides", guide)))

    def _publish(self, guide: dict[str, Any], attendee: int | None) -> Response:
        if not (guide["premium"] and guide["published"]):
            raise detail(
                403,
                "The guide must be on a Premium service level and must already be published "
                "to publish personalized schedules.",
            )
        self.store.conn.execute(
            "INSERT INTO gb_publishes(scope, guide, attendee, at) VALUES (?, ?, ?, ?)",
            ("attendee" if attendee else "guide", guide["id"], attendee, gb_now()),
        )
        # [G] the response body is undocumented; an empty 202 keeps clients from depending on one.
        return empty_response(202)

    def publish_guide(self, req: Request, guide: int | None) -> Response:
        return self._publish(self._get("gb_guides", guide), None)

    def publish_attendee(self, req: Request, attendee: int | None) -> Response:
        row = self._get("gb_attendees", attendee)
        return self._publish(self._get("gb_guides", row["guide"]), row["id"])

    # ---- sessions ------------------------------------------------------------------------------

    def list_sessions(self, req: Request, _: int | None) -> Response:
        """The guide's sessions, filtered by guide, id and import_id, ordered as ``ordering``
        asks."""
        where, params = res.int_filters(req, {"guide": "guide", "id": "id"})
        if req.q("import_id") is not None:
            where.append("import_id = ?")
            params.append(req.q("import_id"))
        order = res.ordering(req, {"id", "start_time", "end_time", "name"})
        return self.page(
            req,
            "gb_sessions",
            where,
            params,
            order,
            lambda rows: [res.session_json(r) for r in rows],
        )

    def get_session(self, req: Request, session: int | None) -> Response:
        return json_response(200, res.session_json(self._get("gb_sessions", session)))

    def create_session(self, req: Request, _: int | None) -> Response:
        """POST a session (validated as Guidebook does); 201 with the new session."""
        cols = res.validate_session(self.store, req.body or {}, creating=True)
        cols.setdefault("created_at", gb_now())
        marks = ", ".join("?" * len(cols))
        cur = self.store.conn.execute(
            f"INSERT INTO gb_sessions({', '.join(cols)}) VALUES ({marks})", tuple(cols.values())
        )
        return json_response(201, res.session_json(self._get("gb_sessions", cur.lastrowid)))

    def patch_session(self, req: Request, session: int | None) -> Response:
        """PATCH a session's fields (validated against its current values); the session as it is
        now."""
        current = self._get("gb_sessions", session)
        cols = res.validate_session(self.store, req.body or {}, creating=False, current=current)
        if cols:
            sets = ", ".join(f"{k} = ?" for k in cols)
            self.store.conn.execute(
                f"UPDATE gb_sessions SET {sets} WHERE id = ?", (*cols.values(), session)
            )
        return json_response(200, res.session_json(self._get("gb_sessions", session)))

    def delete_session(self, req: Request, session: int | None) -> Response:
        self._get("gb_sessions", session)
        self.store.conn.execute("DELETE FROM gb_schedule_sessions WHERE session = ?", (session,))
        self.store.conn.execute("DELETE FROM gb_sessions WHERE id = ?", (session,))
        return empty_response(204)

    # ---- attendees -----------------------------------------------------------------------------

    def list_attendees(self, req: Request, _: int | None) -> Response:
        """Attendees filtered by guide, id, status, import_id, e-mail (any case) and revoked,
        ordered as ``ordering`` asks."""
        where, params = res.int_filters(req, {"guide": "guide", "id": "id", "status": "status"})
        for key, col in (
            ("import_id", "import_id = ?"),
            ("account__email", "lower(email) = lower(?)"),
        ):
            if req.q(key) is not None:
                where.append(col)
                params.append(req.q(key))
        revoked = res.parse_bool(req.q("revoked"))
        if revoked is not None:
            where.append("revoked = ?")
            params.append(int(revoked))
        order = res.ordering(req, {"id", "email", "first_name", "last_name", "revoked", "status"})
        return self.page(
            req,
            "gb_attendees",
            where,
            params,
            order,
            lambda rows: [res.attendee_json(r) for r in rows],
        )

    def get_attendee(self, req: Request, attendee: int | None) -> Response:
        return json_response(200, res.attendee_json(self._get("gb_attendees", attendee)))

    def create_attendee(self, req: Request, _: int | None) -> Response:
        """POST an attendee; one with that e-mail in the guide already is answered as it is (200,
        the documented idempotency), else 201 with the new one."""
        data = req.body or {}
        cols = res.validate_attendee(self.store, data)
        existing = self.store.rows(
            "SELECT * FROM gb_attendees WHERE guide = ? AND lower(email) = lower(?)",
            (cols["guide"], cols["email"]),
        )
        if existing:  # documented idempotency: the POST data is ignored; [G] 200 rather than 201
            return json_response(200, res.attendee_json(existing[0]))
        cols["created_at"] = gb_now()
        marks = ", ".join("?" * len(cols))
        cur = self.store.conn.execute(
            f"INSERT INTO gb_attendees({', '.join(cols)}) VALUES ({marks})", tuple(cols.values())
        )
        self.store.conn.execute(
            "UPDATE gb_attendees SET account_id = id + 5000 WHERE id = ?", (cur.lastrowid,)
        )
        return json_response(201, res.attendee_json(self._get("gb_attendees", cur.lastrowid)))

    def patch_attendee(self, req: Request, attendee: int | None) -> Response:
        """PATCH an attendee's settable fields; the attendee as it is now."""
        self._get("gb_attendees", attendee)
        changes = res.attendee_changes(req.body or {})
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            self.store.conn.execute(
                f"UPDATE gb_attendees SET {sets} WHERE id = ?", (*changes.values(), attendee)
            )
        return json_response(200, res.attendee_json(self._get("gb_attendees", attendee)))

    # ---- personalized schedules ----------------------------------------------------------------

    def _schedules_json(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        links = self.store.schedule_links([r["id"] for r in rows])
        return [res.schedule_json(r, *links[r["id"]]) for r in rows]

    def _schedule_response(self, status: int, schedule: int) -> Response:
        return json_response(status, self._schedules_json([self._get("gb_schedules", schedule)])[0])

    def list_schedules(self, req: Request, _: int | None) -> Response:
        """Personalized schedules filtered by guide, id, attendee id or attendee import_id."""
        where, params = res.int_filters(req, {"guide": "guide", "id": "id"})
        if req.q("attendees__id") is not None:
            where.append("id IN (SELECT schedule FROM gb_schedule_attendees WHERE attendee = ?)")
            params.append(res.int_param("attendees__id", req.q("attendees__id")))
        if req.q("attendees__import_id") is not None:
            where.append(
                "id IN (SELECT sa.schedule FROM gb_schedule_attendees sa JOIN gb_attendees a"
                " ON a.id = sa.attendee WHERE a.import_id = ?)"
            )
            params.append(req.q("attendees__import_id"))
        order = res.ordering(req, {"id", "name"})
        return self.page(req, "gb_schedules", where, params, order, self._schedules_json)

    def get_schedule(self, req: Request, schedule: int | None) -> Response:
        return self._schedule_response(200, self._get("gb_schedules", schedule)["id"])

    def create_schedule(self, req: Request, _: int | None) -> Response:
        """POST a personalized schedule (empty lists as guidebook.empty_list reads them; one
        schedule per attendee as the reading says); 201 with it."""
        empty = self.readings.get(EMPTY_LIST.name)
        guide, name, attendees, sessions = res.validate_new_schedule(
            self.store, req.body or {}, empty != "accepted"
        )
        one_schedule_each(self.store, self.readings, guide, None, attendees)
        cur = self.store.conn.execute(
            "INSERT INTO gb_schedules(guide, name, created_at) VALUES (?, ?, ?)",
            (guide, name, gb_now()),
        )
        sid = int(cur.lastrowid or 0)
        self.store.set_schedule_links(sid, attendees=attendees, sessions=sessions)
        return self._schedule_response(201, sid)

    def patch_schedule(self, req: Request, schedule: int | None) -> Response:
        """PATCH a schedule's lists: replaced, or merged under guidebook.patch_lists=merge;
        attendees it adds are checked for one schedule each."""
        row = self._get("gb_schedules", schedule)
        refuse_empty = self.readings.get(EMPTY_LIST.name) == "refused"
        attendees, sessions = res.validate_schedule_patch(
            self.store, row["guide"], req.body or {}, refuse_empty
        )
        old_attendees, old_sessions = self.store.schedule_links([row["id"]])[row["id"]]
        if self.readings.get(PATCH_LISTS.name) == "merge":  # the old ids stay: removals do nothing
            attendees = None if attendees is None else sorted({*old_attendees, *attendees})
            sessions = None if sessions is None else sorted({*old_sessions, *sessions})
        if attendees is not None:  # only those this write adds: re-sending one is no new assignment
            added = set(attendees) - set(old_attendees)
            one_schedule_each(self.store, self.readings, row["guide"], row["id"], added)
        self.store.set_schedule_links(row["id"], attendees=attendees, sessions=sessions)
        return self._schedule_response(200, row["id"])

    def delete_schedule(self, req: Request, schedule: int | None) -> Response:
        self.store.delete_guidebook_schedule(self._get("gb_schedules", schedule)["id"])
        return empty_response(204)
