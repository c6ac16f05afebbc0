"""JSON:API building blocks shared by the Planning Center emulation: errors, resources, paging."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..web import Request, Response, json_response
from .store import PlanningCenterStore

ORG_TIME_ZONE = "America/New_York"  # the sandbox organization's (schedules say so too)
ERROR_TYPE = "application/json; charset=utf-8"
SUCCESS_TYPE = "application/vnd.api+json; charset=utf-8"


class PcoError(Exception):
    """A JSON:API error answer; raising it inside a handler also rolls the transaction back."""

    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(status)
        self.status, self.errors = status, errors


def not_found() -> PcoError:
    """Planning Center's JSON:API 404."""
    return PcoError(
        404,
        [
            {
                "status": "404",
                "title": "Not Found",
                "detail": "The resource you requested could not be found",
            }
        ],
    )


def forbidden_attribute(name: str) -> dict[str, Any]:
    """The documented 422 for an attribute the endpoint does not accept [C] pypco apitour.md."""
    return {"status": "422", "title": "Forbidden Attribute", "detail": f"{name} cannot be assigned"}


def validation_error(param: str, message: str, resource_type: str = "PlanPerson") -> dict[str, Any]:
    """A 422 naming the invalid parameter, shaped like the one in ISSUE#453 [3P]."""
    return {
        "status": "422",
        "title": "Validation Error",
        "detail": message,
        "source": {"parameter": param},
        "meta": {"resource": resource_type, "associated_resources": []},
    }


def filter_names(req: Request) -> set[str]:
    """`filter=a,b` and repeated `filter=` params both name several filters."""
    return {f.strip() for v in req.query.get("filter", []) for f in v.split(",") if f.strip()}


def int_or_none(value: str | None) -> int | None:
    """A `where[...]` id; a malformed one matches nothing (SQL NULL) instead of failing the
    request."""
    return int(value) if value is not None and value.strip().isdigit() else None


def require_person(store: PlanningCenterStore, person: int) -> None:
    if not store.rows("SELECT id FROM pco_people WHERE id = ?", (person,)):
        raise not_found()


Ref = (
    tuple[str, int | None] | None
)  # a to-one relationship: (type, id), or None for no related object
Refs = tuple[str, list[int]]  # a to-many relationship: (type, ids)


def resource(
    req: Request,
    rtype: str,
    rid: int,
    attrs: dict[str, Any],
    rels: Mapping[str, Ref | Refs],
    path: str,
) -> dict[str, Any]:
    """One JSON:API resource object; ids (own and related) are strings, as the real API sends
    them."""
    relationships: dict[str, Any] = {}
    for name, ref in rels.items():
        if ref is not None and isinstance(ref[1], list):
            relationships[name] = {"data": [{"type": ref[0], "id": str(i)} for i in ref[1]]}
        elif ref is None or ref[1] is None:
            relationships[name] = {"data": None}
        else:
            relationships[name] = {"data": {"type": ref[0], "id": str(ref[1])}}
    return {
        "type": rtype,
        "id": str(rid),
        "attributes": attrs,
        "relationships": relationships,
        "links": {"self": f"{req.base_url}services/v2/{path}"},
    }


# ---- JSON:API helpers --------------------------------------------------------------------------


def error_response(status: int, errors: list[dict[str, Any]]) -> Response:
    return json_response(status, {"errors": errors}, ERROR_TYPE)


def single(
    data: dict[str, Any], status: int = 200, included: list[dict[str, Any]] | None = None
) -> Response:
    return json_response(
        status, {"data": data, "included": included or [], "meta": {}}, SUCCESS_TYPE
    )


def org_parent() -> dict[str, str]:
    return {"id": "1", "type": "Organization"}


def collection(
    store: PlanningCenterStore,
    req: Request,
    sql: str,
    params: list[Any],
    order: str,
    serialize: Callable[[dict[str, Any]], dict[str, Any]],
    meta: dict[str, Any],
    include: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
) -> Response:
    """Offset pagination: `links.next`/`meta.next` only when another page exists, `prev` after the
    first."""
    raw = req.q("per_page")
    per_page = min(100, max(1, int(raw))) if raw and raw.lstrip("-").isdigit() else 25
    raw = req.q("offset")
    offset = max(0, int(raw)) if raw and raw.lstrip("-").isdigit() else 0
    total = store.rows(f"SELECT COUNT(*) AS n FROM ({sql})", params)[0]["n"]
    rows = store.rows(f"{sql} ORDER BY {order} LIMIT ? OFFSET ?", [*params, per_page, offset])
    links = {"self": req.url_with(offset=offset, per_page=per_page)}
    page_meta: dict[str, Any] = {"total_count": total, "count": len(rows)}
    if offset + per_page < total:
        links["next"] = req.url_with(offset=offset + per_page, per_page=per_page)
        page_meta["next"] = {"offset": offset + per_page}
    if offset > 0:
        links["prev"] = req.url_with(offset=max(0, offset - per_page), per_page=per_page)
        page_meta["prev"] = {"offset": max(0, offset - per_page)}
    body = {
        "links": links,
        "data": [serialize(r) for r in rows],
        "included": include(rows) if include else [],
        "meta": {**page_meta, **meta},
    }
    return json_response(200, body, SUCCESS_TYPE)


def service_type_json(
    req: Request, r: dict[str, Any], permissions: str = "Administrator"
) -> dict[str, Any]:
    """A service type row as the API shows it, with the credentials' ``permissions``."""
    attrs = {
        "name": r["name"],
        "sequence": 0,
        "frequency": "Weekly",
        "archived_at": None,
        "deleted_at": None,
        "permissions": permissions,  # the credentials' own on this service type
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    return resource(
        req, "ServiceType", r["id"], attrs, {"parent": None}, f"service_types/{r['id']}"
    )


def served_sort_date(req: Request, stored: str | None) -> str | None:
    """A sort_date as served: stored in UTC; under pco.sort_date=local, the organization's
    wall-clock time with a Z suffix (the handler puts the reading in ``req.extras``)."""
    return wall_clock(stored) if req.extras.get("sort_date") == "local" else stored


def wall_clock(stored: str | None) -> str | None:
    """A time stored in UTC as the organization's wall-clock time with a Z suffix (a ``local``
    reading)."""
    if not stored:
        return stored
    instant = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    return instant.astimezone(ZoneInfo(ORG_TIME_ZONE)).strftime("%Y-%m-%dT%H:%M:%SZ")


def organization_json(req: Request, time_zone: bool) -> dict[str, Any]:
    """The organization (``GET /services/v2``) [3P ISSUE#575]."""
    attrs: dict[str, Any] = {"name": "Sandbox Church", "twenty_four_hour_time": False}
    if time_zone:
        attrs["time_zone"] = ORG_TIME_ZONE
    return {
        "type": "Organization",
        "id": "1",
        "attributes": attrs,
        "links": {"self": f"{req.base_url}services/v2"},
    }


def plan_json(req: Request, r: dict[str, Any]) -> dict[str, Any]:
    """A plan row as the API shows it (its sort date as the current reading serves it)."""
    attrs = {
        "title": r["title"],
        "series_title": r["series_title"],
        "dates": r["dates"],
        "short_dates": r["short_dates"],
        "sort_date": served_sort_date(req, r["sort_date"]),
        "last_time_at": served_sort_date(req, r["sort_date"]),
        "public": False,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    return resource(
        req,
        "Plan",
        r["id"],
        attrs,
        {"service_type": ("ServiceType", r["service_type"])},
        f"service_types/{r['service_type']}/plans/{r['id']}",
    )


def team_json(req: Request, r: dict[str, Any]) -> dict[str, Any]:
    """A team row as the API shows it."""
    attrs = {
        "name": r["name"],
        "schedule_to": "plan",
        "default_status": "U",
        "default_prepare_notifications": True,
        "archived_at": None,
        "deleted_at": None,
        "rehearsal_team": False,
        "secure_team": False,
        "sequence": r["id"],
    }
    return resource(
        req,
        "Team",
        r["id"],
        attrs,
        {"service_type": ("ServiceType", r["service_type"])},
        f"teams/{r['id']}",
    )


def position_json(req: Request, r: dict[str, Any]) -> dict[str, Any]:
    """A team position row as the API shows it."""
    attrs = {
        "name": r["name"],
        "sequence": r["id"],
        "tags": [],
        "tag_groups": [],
        "negative_tag_groups": [],
    }
    return resource(
        req,
        "TeamPosition",
        r["id"],
        attrs,
        {"team": ("Team", r["team"])},
        f"team_positions/{r['id']}",
    )


def person_json(req: Request, r: dict[str, Any]) -> dict[str, Any]:
    """A person row as the API shows it."""
    attrs = {
        "first_name": r["first_name"],
        "last_name": r["last_name"],
        "full_name": f"{r['first_name']} {r['last_name']}",
        "status": "active",
        "archived": False,
        "permissions": "Scheduled Viewer",
    }
    return resource(req, "Person", r["id"], attrs, {}, f"people/{r['id']}")


def plan_time_json(req: Request, r: dict[str, Any]) -> dict[str, Any]:
    """A PlanTime; `r` needs the plan's service_type for the self link. time_type is sent as the
    word the docs list (rehearsal | service | other) although the vertex types it "integer" [C:
    PCO-JSON plan_time]."""
    attrs = {
        "name": r["name"],
        "time_type": r["time_type"],
        "starts_at": r["starts_at"],
        "ends_at": r["ends_at"],
        "live_starts_at": None,
        "live_ends_at": None,
        "recorded": False,
        "team_reminders": [],
        "created_at": "2026-10-01T12:00:00Z",
        "updated_at": "2026-10-01T12:00:00Z",
    }
    path = f"service_types/{r['service_type']}/plans/{r['plan']}/plan_times/{r['id']}"
    return resource(req, "PlanTime", r["id"], attrs, {"assigned_teams": ("Team", [])}, path)
