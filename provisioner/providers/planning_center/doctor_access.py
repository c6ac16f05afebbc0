"""``provisioner doctor`` for Planning Center: what these credentials may do (docs/api-notes.md,
point 21).

- every page of the service types, with the credentials' ``permissions`` on each the files use;
- one page of each responses file's person's schedules: reading another person's can be refused
  (ISSUE#336);
- the team-member item routes, read with GET: doctor is read-only (DESIGN's commands table, and the
  provider contract: it never writes), so whether PATCH and DELETE are routed there is not probed;
  writes switch to the other path on a route 404 by themselves, and the permissions above say
  whether they would be refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from provisioner.core.errors import AuthError, NotFoundError
from provisioner.providers.base import Finding
from provisioner.providers.planning_center.client import (
    PER_PAGE,
    attributes,
    is_route_404,
    iterate_from,
    jsonapi_detail,
    person_member_path,
    plan_member_path,
    rel_id,
)
from provisioner.providers.planning_center.refusals import read_refused

if TYPE_CHECKING:
    from provisioner.core.records import Scope
    from provisioner.transport.http import HttpClient

# Service type permissions below Scheduler cannot schedule people (PCO's levels: Scheduled Viewer,
# Viewer, Scheduler, Editor, Administrator).
CANNOT_SCHEDULE = ("Scheduled Viewer", "Viewer")


def service_types(client: HttpClient, first: Any) -> dict[str, dict[str, Any]]:
    """Id → attributes of every service type: the first page already read, then the rest by
    offset."""
    rows = list(first.get("data") or []) if isinstance(first, dict) else []
    links = first.get("links") if isinstance(first, dict) else None
    if isinstance(links, dict) and links.get("next"):
        rows += list(iterate_from(client, "service_types", PER_PAGE))
    return {str(r.get("id")): attributes(r) for r in rows if isinstance(r, dict)}


def permissions(st: object, attrs: dict[str, Any]) -> tuple[str, Finding | None]:
    """`` (your permissions: Editor)`` for the service type's row, and a note when they cannot
    schedule."""
    level = attrs.get("permissions")
    if not level:
        return "", None
    if str(level) in CANNOT_SCHEDULE:
        return f"; your permissions: {level}", Finding(
            f"service type {st} permissions",
            "note",
            f"these credentials are {level} here: adding, changing or removing team members needs "
            "Scheduler, Editor or Administrator",
            "use a scheduler's token for roster files (responses files need no more)",
        )
    return f"; your permissions: {level}", None


def schedules(client: HttpClient, person: object, me: tuple[str, str] | None) -> Finding:
    """One page of the person's schedules, as plan reads them."""
    check = f"person {person} schedules"
    try:
        page = client.request(
            "GET",
            f"services/v2/people/{person}/schedules",
            params={"filter": "with_declined", "per_page": 1, "offset": 0},
        ).data
    except AuthError as e:
        if e.status != 403:
            raise
        hint = read_refused(person, me, auth_hint=client.auth_hint)
        # the detail only: the client's generic "check ...: are they current" would contradict the
        # hint
        return Finding(
            check, "problem", f"reading them was refused (403): {jsonapi_detail(e.body)}", hint
        )
    meta = page.get("meta") if isinstance(page, dict) else None
    total = meta.get("total_count") if isinstance(meta, dict) else None
    return Finding(check, "ok", "readable" + (f" ({total} schedules)" if total is not None else ""))


def member_routes(client: HttpClient, scope: Scope) -> list[Finding]:
    """GET on both item paths of one member: routed, not routed, or refused to these credentials.
    PATCH and DELETE use the documented path and switch on a route 404 at run time."""
    st, plan = scope.target["service_type"], scope.target["plan"]
    page = client.request("GET", plan_member_path(st, plan), params={"per_page": 1, "offset": 0})
    rows = page.data.get("data") if isinstance(page.data, dict) else None
    if not rows:
        return [
            Finding(
                "team-member routes",
                "note",
                f"plan {plan} has no team members to probe",
                "nothing to do: writes fall back from a route 404 by themselves",
            )
        ]
    member, person = str(rows[0].get("id")), rel_id(rows[0], "person")
    answers = [
        (name, _probe(client, path))
        for name, path in (
            ("documented people/{p}/plan_people/{id}", person_member_path(person, member)),
            ("plans/{plan}/team_members/{id}", plan_member_path(st, plan, member)),
        )
    ]
    said = "; ".join(f"{n} {a}" for n, a in answers) + " (read with GET: doctor never writes)"
    refused = [a for _, a in answers if a.startswith("refused")]
    if refused:
        return [
            Finding(
                "team-member routes",
                "problem",
                said,
                "these credentials may not read team members: plan, apply and drift of roster "
                "files "
                "need at least Viewer on the service type",
            )
        ]
    routed = [a.startswith("is routed") for _, a in answers]
    status: Literal["ok", "note", "problem"] = (
        "ok" if routed[0] else "note" if routed[1] else "problem"
    )
    todo = {
        "ok": "",
        "note": "nothing to do: writes switch to the plan's path by themselves",
        "problem": "neither path answers: check PCO_API_URL and report it with --record",
    }[status]
    return [Finding("team-member routes", status, said, todo)]


def _probe(client: HttpClient, path: str) -> str:
    try:
        client.request("GET", path)
        return "is routed"
    except NotFoundError as e:
        if is_route_404(e.body):
            return "is not routed (HTML 404)"
        # a JSON:API 404 comes from the API behind a route: the route is there, the member is gone
        # (a deleted declined member the list still shows, ISSUE#663)
        return "is routed (its member answers 404: deleted, though the plan's list shows it)"
    except AuthError as e:
        return f"refused ({e.status}: {jsonapi_detail(e.body)})"
