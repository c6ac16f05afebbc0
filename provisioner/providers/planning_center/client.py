"""Planning Center Services v2 over HTTP: credentials, JSON:API errors and pagination, request
bodies.

API facts (documented / recorded / assumed) are in docs/api-notes.md; nothing here knows about the
YAML.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import ApiError, ConfigError
from provisioner.transport.credentials import credential, var
from provisioner.transport.http import (
    HttpClient,
    RatePacer,
    RetryPolicy,
    check_base_url,
    timeout_from_env,
)

log = logging.getLogger(__name__)
DEFAULT_URL = "https://api.planningcenteronline.com/"
SERVICES = "services/v2/"
PER_PAGE = 100  # the documented maximum [C]
# [G] The header pins the documented version; the server lists it in its CORS allow-list [R], and
# recordings without it were processed as 2018-08-01. Sending it costs nothing.
API_VERSION = "2018-11-01"
RATE_HEADERS = (
    "X-PCO-API-Request-Rate-Limit",
    "X-PCO-API-Request-Rate-Count",
    "X-PCO-API-Request-Rate-Period",
)


def client_from_env(
    env: Mapping[str, str], retry: RetryPolicy | None = None, *, clock: Clock = SYSTEM
) -> HttpClient:
    """A Services client: a bearer token wins over HTTP Basic (docs/api-notes.md, contract §3); no
    secret is ever logged. Its retries and its rate pacer wait on ``clock``."""
    url = check_base_url(env.get("PCO_API_URL") or DEFAULT_URL, var(env, "PCO_API_URL"))
    auth = _auth(env)
    names = (
        var(env, "PCO_ACCESS_TOKEN")
        if credential(env, "PCO_ACCESS_TOKEN")
        else f"{var(env, 'PCO_APPLICATION_ID')} and {var(env, 'PCO_SECRET')}"
    )
    return HttpClient(
        url,
        auth=auth,
        service="Planning Center",
        detail=jsonapi_detail,
        retry=retry or RetryPolicy(),
        pacer=RatePacer(*RATE_HEADERS, clock=clock),
        timeout=timeout_from_env(env),
        extra_headers={"X-PCO-API-Version": API_VERSION},
        auth_hint=f"check {names}: are they current, with access to Services?",
        clock=clock,
    )


def _auth(env: Mapping[str, str]) -> Any:
    token = credential(env, "PCO_ACCESS_TOKEN")
    if token:
        header = f"Bearer {token}"
        return lambda: header
    app_id, secret = credential(env, "PCO_APPLICATION_ID"), credential(env, "PCO_SECRET")
    if app_id and secret:
        basic = "Basic " + base64.b64encode(f"{app_id}:{secret}".encode()).decode("ascii")
        return lambda: basic
    missing = " and ".join(
        var(env, n) for n, v in (("PCO_APPLICATION_ID", app_id), ("PCO_SECRET", secret)) if not v
    )
    raise ConfigError(
        f"Planning Center credentials are incomplete ({missing} not set): export "
        "PCO_APPLICATION_ID and PCO_SECRET (a personal access token from "
        "api.planningcenteronline.com/oauth/applications), or PCO_ACCESS_TOKEN (OAuth)"
    )


def jsonapi_detail(body: Any) -> str:
    """One line from a JSON:API ``errors`` array; HTML or text bodies (routing 404s [R]) are
    summarised."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors:
        return "; ".join(_one_error(e) for e in errors[:5]) + (
            f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
        )
    if isinstance(body, str):
        if "<html" in body[:500].lower():
            return "HTML error page (no JSON body; the path or method is probably not routed)"
        return " ".join(body.split())[:300] or "(empty body)"
    if isinstance(
        body, dict
    ):  # not JSON:API (a proxy, or another API under a path prefix): its words only
        if isinstance(body.get("detail"), str):
            return body["detail"][:300]
        return "; ".join(f"{k}: {v if isinstance(v, str | int) else '…'}" for k, v in body.items())[
            :300
        ]
    return "(empty body)" if body is None else str(body)[:300]


def _one_error(err: Any) -> str:
    if not isinstance(err, dict):
        return str(err)[:200]
    # 429 errors carry only code + detail; others status/title/detail, sometimes a null title
    # [R]/[3P].
    title = str(err.get("title") or "")
    detail = " ".join(str(err.get("detail") or "").split())
    text = ": ".join(p for p in (title, detail) if p) or "unknown error"
    source = err.get("source")
    if isinstance(source, dict) and source.get("parameter"):
        text += f" (parameter {source['parameter']})"
    code = str(err.get("code") or "")
    return text + (f" [{code}]" if code and not code.isdigit() else "")


def iterate(
    client: HttpClient,
    path: str,
    params: dict[str, Any] | None = None,
    *,
    included: Callable[[dict[str, Any]], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every resource of a collection: ``per_page=100`` then ``links.next`` until it is absent [R].
    ``included`` is called with each sideloaded resource of each page."""
    return client.iterate(
        SERVICES + path,
        {**(params or {}), "per_page": PER_PAGE, "offset": 0},
        items=lambda page: _page_items(page, included),
        next_url=lambda page: _next(client, page),
    )


def iterate_from(
    client: HttpClient, path: str, offset: int, params: dict[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """The resources of a collection from ``offset`` on: the rest after a first page already
    read."""
    return client.iterate(
        SERVICES + path,
        {**(params or {}), "per_page": PER_PAGE, "offset": offset},
        items=_page_items,
        next_url=lambda page: _next(client, page),
    )


READS = 3  # reads of one collection before it is given up as not holding still (issue 23)


def read_whole(
    client: HttpClient,
    path: str,
    params: dict[str, Any] | None = None,
    *,
    included: Callable[[dict[str, Any]], None] | None = None,
    meta: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Every resource of a collection, checked: offset pages read across a write can repeat a
    resource (and miss another), and a repeat taken as a second object would be planned as a delete
    of the only copy. A read that repeats an id or disagrees with ``meta.total_count`` is read
    again, at most ``READS`` times. ``meta`` is called with each page's ``meta`` object
    (``can_filter`` says which filters the list knows)."""
    seen: list[list[str]] = []
    for _ in range(READS):
        totals: set[Any] = set()

        def items(page: Any, totals: set[Any] = totals) -> list[dict[str, Any]]:
            page_meta = page.get("meta") if isinstance(page, dict) else None
            totals.add(page_meta.get("total_count") if isinstance(page_meta, dict) else None)
            if meta is not None and isinstance(page_meta, dict):
                meta(page_meta)
            return _page_items(page, included)

        rows = list(
            client.iterate(
                SERVICES + path,
                {**(params or {}), "per_page": PER_PAGE, "offset": 0},
                items=items,
                next_url=lambda page: _next(client, page),
            )
        )
        ids = [str(row.get("id")) for row in rows]
        total = totals.pop() if len(totals) == 1 else -1
        counted = not isinstance(total, int) or isinstance(total, bool) or total == len(rows)
        if len(set(ids)) == len(ids) and counted:
            return rows
        seen.append(ids)
    twice = sorted({i for i in seen[0] if seen[0].count(i) > 1})
    if twice and all(ids == seen[0] for ids in seen):  # a steady list: no write moved it
        raise ApiError(
            f"Planning Center: every read of {path} lists id {twice[0]} twice ({READS} reads "
            "alike): "
            "the server's list is not one object per id, and a plan made from it could delete the "
            "only copy; nothing was planned (if it stays so, report it to Planning Center support)"
        )
    raise ApiError(
        f"Planning Center: the pages of {path} did not hold still while they were read (an id came "
        f"twice, or the pages did not add up to their total_count) in {READS} reads; try again "
        "when "
        "the plan is not being written to"
    )


def _page_items(
    page: Any, included: Callable[[dict[str, Any]], None] | None = None
) -> list[dict[str, Any]]:
    data = page.get("data") if isinstance(page, dict) else None
    if not isinstance(data, list):
        raise ApiError(
            f"Planning Center: expected a JSON:API collection, got {type(page).__name__}"
        )
    if included is not None:
        for resource in page.get("included") or []:
            if isinstance(resource, dict):
                included(resource)
    return data


def _next(client: HttpClient, page: Any) -> str | None:
    links = page.get("links") if isinstance(page, dict) else None
    link = links.get("next") if isinstance(links, dict) else None
    if not link:
        return None
    # links.next keeps our params and can be followed verbatim [R]; HttpClient keeps it on our own
    # host.
    return str(link)


def rel_id(resource: dict[str, Any], name: str) -> str | None:
    """The id of a to-one relationship, as a string, or None when absent or null."""
    rels = resource.get("relationships")
    rel = rels.get(name) if isinstance(rels, dict) else None
    data = rel.get("data") if isinstance(rel, dict) else None
    rid = data.get("id") if isinstance(data, dict) else None
    return None if rid is None else str(rid)


def attributes(resource: dict[str, Any]) -> dict[str, Any]:
    attrs = resource.get("attributes")
    return attrs if isinstance(attrs, dict) else {}


def plan_person_body(
    attrs: dict[str, Any],
    *,
    person: str | None = None,
    team: str | None = None,
    rid: str | None = None,
) -> dict[str, Any]:
    """A PlanPerson payload. The team goes as a relationship: the form confirmed by third-party code
    and a staff answer [3P]; attributes-only bodies were reported to fail (ISSUE#1251)."""
    data: dict[str, Any] = {"type": "PlanPerson", "attributes": attrs}
    if rid is not None:
        data["id"] = rid
    if person is not None and team is not None:
        data["relationships"] = {
            "person": {"data": {"type": "Person", "id": person}},
            "team": {"data": {"type": "Team", "id": team}},
        }
    return {"data": data}


def member_create_body(
    attrs: dict[str, Any], *, person: str, team: str, forms: str = "both"
) -> dict[str, Any]:
    """A PlanPerson create. ``forms="both"`` names person and team twice: as the documented
    ``person_id`` / ``team_id`` attributes [C] and as the relationships third-party code and a staff
    answer use [3P], so either reading of the API finds them; ``"relationships"`` leaves the
    attributes out (after a 422 refusing them)."""
    body = plan_person_body(attrs, person=person, team=team)
    if forms == "both":
        body["data"]["attributes"] = {**attrs, "person_id": person, "team_id": team}
    return body


REFERENCE_ATTRIBUTES = ("person_id", "team_id")


def refuses_reference_attributes(body: Any) -> bool:
    """A 422 naming ``person_id`` or ``team_id`` as an attribute the endpoint does not take
    ("Forbidden Attribute" [C]); a validation error about the value (``source.parameter: team_id``,
    "invalid for plan" [3P]) is not one: the same team would be refused in any form."""
    errors = body.get("errors") if isinstance(body, dict) else None
    for err in errors if isinstance(errors, list) else []:
        if not isinstance(err, dict) or str(err.get("title") or "") == "Validation Error":
            continue
        text = f"{err.get('title') or ''} {err.get('detail') or ''} {err.get('source') or ''}"
        if any(name in text for name in REFERENCE_ATTRIBUTES):
            return True
    return False


def person_member_path(person: object, member: object) -> str:
    """The documented path of one PlanPerson for PATCH and DELETE [C]."""
    return f"{SERVICES}people/{person}/plan_people/{member}"


def plan_member_path(service_type: object, plan: object, member: object | None = None) -> str:
    """A plan's team members (list, create [C]); with ``member``, the undocumented item path
    [3P/R]."""
    path = f"{SERVICES}service_types/{service_type}/plans/{plan}/team_members"
    return path if member is None else f"{path}/{member}"


def is_route_404(body: Any) -> bool:
    """A routing 404 is an HTML page (Rails) [R]; a JSON:API ``errors`` body means the object is not
    there."""
    return not (isinstance(body, dict) and "errors" in body)


def rel_ids(resource: dict[str, Any], name: str) -> list[str]:
    """The ids of a to-many relationship, as strings (empty when absent)."""
    rels = resource.get("relationships")
    rel = rels.get(name) if isinstance(rels, dict) else None
    data = rel.get("data") if isinstance(rel, dict) else None
    return (
        [str(d["id"]) for d in data if isinstance(d, dict) and d.get("id") is not None]
        if isinstance(data, list)
        else []
    )


def accept_body(
    declined_times: list[int] | None = None, reason: str | None = None
) -> dict[str, Any]:
    """Accept every time, or (a partial accept) all but ``declined_times``, with a reason [C]."""
    # The docs say an "empty JSON body" is accepted [C]; a bare {} was answered 400 "does not
    # contain a 'data' key" on another endpoint [R], so we send an empty but well-formed JSON:API
    # resource instead.
    if not declined_times:
        return {"data": {"type": "ScheduleAccept", "attributes": {}}}
    return {
        "data": {
            "type": "ScheduleAccept",
            "attributes": {"reason": reason or ""},
            "relationships": {
                "declined_plan_times": {
                    "data": [{"type": "PlanTime", "id": str(t)} for t in declined_times]
                }
            },
        }
    }


def decline_body(reason: str | None) -> dict[str, Any]:
    return {"data": {"type": "ScheduleDecline", "attributes": {"reason": reason or ""}}}
