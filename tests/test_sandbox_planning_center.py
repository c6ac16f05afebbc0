"""The sandbox's Planning Center Services emulation, over real HTTP (docs/api-notes.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests

from provisioner_sandbox import PCO_APP_ID, PCO_SECRET, PCO_TOKEN, SCHEDULE_ID_OFFSET, SandboxServer
from tests.conftest import TODAY

BASIC = (PCO_APP_ID, PCO_SECRET)
JSONAPI = "application/vnd.api+json; charset=utf-8"
ERROR_JSON = "application/json; charset=utf-8"
MEMBERS = "services/v2/service_types/1234/plans/5678/team_members"


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxServer]:
    with SandboxServer(today=TODAY, seed="demo", pco_rate_limit=10_000) as server:
        yield server


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.auth = BASIC
        yield session


@pytest.fixture(autouse=True)
def fresh(sb: SandboxServer) -> None:
    sb.reset("demo")


def member_body(person: Any = "113", team: Any = "22", **attrs: Any) -> dict[str, Any]:
    return {
        "data": {
            "type": "PlanPerson",
            "attributes": {"status": "U", **attrs},
            "relationships": {
                "person": {"data": {"type": "Person", "id": person}},
                "team": {"data": {"type": "Team", "id": team}},
            },
        }
    }


def schedules(
    sb: SandboxServer, http: requests.Session, person: int, **params: Any
) -> list[dict[str, Any]]:
    r = http.get(f"{sb.pco_url}services/v2/people/{person}/schedules", params=params)
    assert r.status_code == 200
    return list(r.json()["data"])


# ---- auth, errors, rate limiting -----------------------------------------------------------------


def test_auth_basic_bearer_and_401(sb: SandboxServer) -> None:
    target = sb.pco_url + "services/v2/service_types"
    assert requests.get(target, auth=BASIC).status_code == 200
    assert requests.get(target, headers={"Authorization": f"Bearer {PCO_TOKEN}"}).status_code == 200
    r = requests.get(target, auth=(PCO_APP_ID, "wrong"))
    assert r.status_code == 401 and r.headers["Content-Type"] == ERROR_JSON
    err = r.json()["errors"][0]
    assert (err["status"], err["title"]) == ("401", "Unauthorized")
    assert r.headers["X-PCO-API-Request-Rate-Period"] == "20 seconds"


def test_html_404_for_unknown_route_and_put(sb: SandboxServer, http: requests.Session) -> None:
    for r in (
        http.get(sb.pco_url + "services/v2/bogus"),
        http.put(f"{sb.pco_url}{MEMBERS}/800000001", json={}),
    ):
        assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")
    r = http.get(f"{sb.pco_url}{MEMBERS}/123")
    assert r.status_code == 404 and r.headers["Content-Type"] == ERROR_JSON
    assert r.json() == {
        "errors": [
            {
                "status": "404",
                "title": "Not Found",
                "detail": "The resource you requested could not be found",
            }
        ]
    }


def test_rate_limit_headers_and_429() -> None:
    with SandboxServer(today=TODAY, seed="empty", pco_rate_limit=5, pco_rate_period=2) as small:
        got = [requests.get(small.pco_url + "services/v2/people", auth=BASIC) for _ in range(6)]
    assert [r.status_code for r in got] == [200] * 5 + [429]
    assert [r.headers["X-PCO-API-Request-Rate-Count"] for r in got] == [
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
    ]
    assert got[0].headers["X-PCO-API-Request-Rate-Limit"] == "5"
    assert got[0].headers["X-PCO-API-Request-Rate-Period"] == "2"
    limited = got[-1]
    assert limited.headers["X-PCO-API-Request-Rate-Period"] == "2 seconds"
    assert 1 <= int(limited.headers["Retry-After"]) <= 2
    assert limited.json() == {
        "errors": [{"code": "429", "detail": "Rate limit exceeded: 6 of 5 requests per 2 seconds"}]
    }


# ---- pagination ----------------------------------------------------------------------------------


def test_pagination_next_absent_on_last_page(sb: SandboxServer, http: requests.Session) -> None:
    page: str | None = sb.pco_url + "services/v2/people?per_page=6&where[x]=1"
    ids: list[str] = []
    bodies = []
    while page:
        body = http.get(page).json()
        bodies.append(body)
        ids += [p["id"] for p in body["data"]]
        page = body["links"].get("next")
    assert ids == [str(i) for i in range(111, 136)] and len(bodies) == 5
    first, last = bodies[0], bodies[-1]
    assert "prev" not in first["links"] and first["meta"]["next"] == {"offset": 6}
    assert "where[x]=1" in first["links"]["next"]
    assert set(last["links"]) == {"self", "prev"} and "next" not in last["meta"]
    assert (
        last["meta"]["total_count"] == 25
        and last["meta"]["count"] == 1
        and last["meta"]["prev"] == {"offset": 18}
    )
    capped = http.get(sb.pco_url + "services/v2/people", params={"per_page": 1000}).json()
    assert capped["meta"]["count"] == 25 and "next" not in capped["links"]


def test_read_resources(sb: SandboxServer, http: requests.Session) -> None:
    plan = http.get(sb.pco_url + "services/v2/service_types/1234/plans/5678")
    assert plan.headers["Content-Type"] == JSONAPI
    assert plan.json()["data"]["attributes"]["dates"] == "December 6, 2026"
    teams = http.get(sb.pco_url + "services/v2/service_types/1234/teams").json()["data"]
    assert [(t["id"], t["attributes"]["name"]) for t in teams] == [
        ("22", "Band"),
        ("23", "Tech"),
        ("24", "Hospitality"),
    ]
    positions = http.get(sb.pco_url + "services/v2/service_types/1234/team_positions").json()[
        "data"
    ]
    assert len(positions) == 9 and positions[0]["relationships"]["team"]["data"] == {
        "type": "Team",
        "id": "22",
    }
    plans = http.get(sb.pco_url + "services/v2/service_types/1234/plans").json()["data"]
    assert [p["id"] for p in plans] == ["5678", "5679", "5680"]
    assert http.get(sb.pco_url + "services/v2/service_types/99/plans/5678").status_code == 404


# ---- team members --------------------------------------------------------------------------------


def test_team_members_list_and_include(sb: SandboxServer, http: requests.Session) -> None:
    body = http.get(sb.pco_url + MEMBERS, params={"include": "person,team"}).json()
    assert body["meta"]["total_count"] == 8
    jane = body["data"][0]
    assert jane["type"] == "PlanPerson" and jane["attributes"]["status"] == "U"
    assert jane["relationships"]["person"]["data"] == {"type": "Person", "id": "111"}
    assert {(i["type"], i["id"]) for i in body["included"]} >= {("Person", "111"), ("Team", "22")}
    not_declined = http.get(sb.pco_url + MEMBERS, params={"filter": "not_declined"}).json()
    assert not_declined["meta"]["total_count"] == 7


def test_create_member_relationships_and_attributes(
    sb: SandboxServer, http: requests.Session
) -> None:
    r = http.post(
        sb.pco_url + MEMBERS, json=member_body(team_position_name="Keys", prepare_notification=True)
    )
    assert r.status_code == 201 and r.headers["Content-Type"] == JSONAPI
    data = r.json()["data"]
    assert (
        data["attributes"]["team_position_name"] == "Keys"
        and data["attributes"]["name"] == "Maria Garcia"
    )
    assert data["links"]["self"].endswith(f"{MEMBERS}/{data['id']}")
    r = http.post(
        sb.pco_url + MEMBERS,
        json={"data": {"attributes": {"person_id": "114", "team_id": "23", "status": "Confirmed"}}},
    )
    assert r.status_code == 201 and r.json()["data"]["attributes"]["status"] == "C"
    assert len(sb.store.team_members(5678)) == 10


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (
            member_body(team="31"),
            422,
            {
                "status": "422",
                "title": "Validation Error",
                "detail": "invalid for plan",
                "source": {"parameter": "team_id"},
                "meta": {"resource": "PlanPerson", "associated_resources": []},
            },
        ),
        (
            member_body(person="999"),
            422,
            {
                "status": "422",
                "title": "Validation Error",
                "detail": "must exist",
                "source": {"parameter": "person_id"},
                "meta": {"resource": "PlanPerson", "associated_resources": []},
            },
        ),
        (
            member_body(bogus=1),
            422,
            {"status": "422", "title": "Forbidden Attribute", "detail": "bogus cannot be assigned"},
        ),
        (
            {},
            400,
            {
                "status": "400",
                "title": "Bad Request",
                "code": "invalid_resource_payload",
                "detail": "The payload given does not contain a 'data' key.",
            },
        ),
    ],
)
def test_create_member_errors(
    sb: SandboxServer,
    http: requests.Session,
    body: dict[str, Any],
    status: int,
    expected: dict[str, Any],
) -> None:
    r = http.post(sb.pco_url + MEMBERS, json=body)
    assert r.status_code == status and r.headers["Content-Type"] == ERROR_JSON
    assert r.json() == {"errors": [expected]}
    assert len(sb.store.team_members(5678)) == 8


def test_bad_status_is_422(sb: SandboxServer, http: requests.Session) -> None:
    r = http.patch(
        f"{sb.pco_url}{MEMBERS}/800000001", json={"data": {"attributes": {"status": "Maybe"}}}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["source"] == {"parameter": "status"}


def test_patch_and_delete_on_both_paths(sb: SandboxServer, http: requests.Session) -> None:
    r = http.patch(
        f"{sb.pco_url}{MEMBERS}/800000001",
        json={"data": {"type": "PlanPerson", "attributes": {"notes": "In-ears"}}},
    )
    assert r.status_code == 200 and r.json()["data"]["attributes"]["notes"] == "In-ears"
    r = http.patch(
        f"{sb.pco_url}services/v2/people/111/plan_people/800000001",
        json={"data": {"attributes": {"status": "C"}}},
    )
    assert r.json()["data"]["links"]["self"].endswith("people/111/plan_people/800000001")
    assert sb.store.team_members(5678)[0]["status"] == "C"
    assert http.get(f"{sb.pco_url}services/v2/people/112/plan_people/800000001").status_code == 404
    r = http.delete(f"{sb.pco_url}{MEMBERS}/800000001")
    assert (r.status_code, r.content) == (204, b"")
    assert (
        http.delete(f"{sb.pco_url}services/v2/people/112/plan_people/800000002").status_code == 204
    )
    assert [m["id"] for m in sb.store.team_members(5678)][:1] == [800000003]


# ---- schedules (derived from team members) -------------------------------------------------------


def test_schedule_ids_and_relationships(sb: SandboxServer, http: requests.Session) -> None:
    mine = schedules(sb, http, 111)
    assert [s["relationships"]["plan"]["data"]["id"] for s in mine] == ["5678", "5679"]
    first = mine[0]
    plan_person = first["relationships"]["plan_person"]["data"]["id"]
    assert first["id"] == str(int(plan_person) + SCHEDULE_ID_OFFSET) != plan_person
    assert (
        first["attributes"]["team_name"] == "Band"
        and first["attributes"]["service_type_name"] == "Sunday Services"
    )


def test_decline_via_schedule_shows_on_team_member(
    sb: SandboxServer, http: requests.Session
) -> None:
    sched = schedules(sb, http, 111, **{"where[plan_id]": 5678})[0]
    base = f"{sb.pco_url}services/v2/people/111/schedules/{sched['id']}"
    reason = {"data": {"type": "ScheduleDecline", "attributes": {"reason": "Out of town"}}}
    r = http.post(base + "/decline", json=reason)
    assert (r.status_code, r.content) == (204, b"")
    member = http.get(f"{sb.pco_url}{MEMBERS}/800000001").json()["data"]["attributes"]
    assert (member["status"], member["decline_reason"]) == ("D", "Out of town")
    assert [s["id"] for s in schedules(sb, http, 111)] == [str(800000009 + SCHEDULE_ID_OFFSET)]
    declined = schedules(sb, http, 111, filter="future,with_declined")
    assert [s["attributes"]["status"] for s in declined] == ["D", "U"]
    assert http.post(base + "/accept").status_code == 204
    assert (
        sb.store.team_members(5678)[0]["status"] == "C"
        and sb.store.team_members(5678)[0]["decline_reason"] is None
    )


def test_team_member_patch_shows_on_schedule(sb: SandboxServer, http: requests.Session) -> None:
    sb.store.set_team_member(800000009, status="D", decline_reason="Sick")
    assert [s["attributes"]["dates"] for s in schedules(sb, http, 111)] == ["December 6, 2026"]
    one = http.get(
        f"{sb.pco_url}services/v2/people/111/schedules/{800000009 + SCHEDULE_ID_OFFSET}"
    ).json()
    assert one["data"]["attributes"]["decline_reason"] == "Sick"
    assert (
        http.get(
            f"{sb.pco_url}services/v2/people/112/schedules/{800000009 + SCHEDULE_ID_OFFSET}"
        ).status_code
        == 404
    )


def test_schedule_time_filters(sb: SandboxServer, http: requests.Session) -> None:
    sb.store.add_plan(5000, 1234, "2020-01-05T15:00:00Z", dates="January 5, 2020")
    sb.store.add_team_member(5000, 111, 22, status="C", position="Vocals")
    assert [s["attributes"]["dates"] for s in schedules(sb, http, 111, filter="past")] == [
        "January 5, 2020"
    ]
    assert (
        len(schedules(sb, http, 111, filter="future")) == 2 and len(schedules(sb, http, 111)) == 3
    )
    after = schedules(sb, http, 111, filter="after", after="2026-12-10")
    assert [s["attributes"]["dates"] for s in after] == ["December 13, 2026"]
    sb.store.today = date(
        2026, 12, 10
    )  # `sandbox --today`: the filters move with the sandbox's today
    future = schedules(sb, http, 111, filter="future")
    assert [s["attributes"]["dates"] for s in future] == ["December 13, 2026"]
    sb.store.today = TODAY


def test_status_fault_has_jsonapi_body_and_rate_headers(
    sb: SandboxServer, http: requests.Session
) -> None:
    sb.add_fault(method="POST", path="team_members", status=429, retry_after=1)
    r = http.post(sb.pco_url + MEMBERS, json=member_body())
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    assert r.json()["errors"][0]["code"] == "429" and "X-PCO-API-Request-Rate-Count" in r.headers
    assert len(sb.store.team_members(5678)) == 8
    sb.add_fault(path="schedules", status=503)
    r = http.get(sb.pco_url + "services/v2/people/111/schedules")
    assert r.json()["errors"][0]["status"] == "503"
    assert [e["status"] for e in sb.requests()[-2:]] == [429, 503]


def test_person_plan_people_list(sb: SandboxServer, http: requests.Session) -> None:
    body = http.get(
        f"{sb.pco_url}services/v2/people/111/plan_people", params={"include": "plan"}
    ).json()
    assert [d["id"] for d in body["data"]] == ["800000001", "800000009"]
    assert {i["id"] for i in body["included"]} == {"5678", "5679"}
    assert http.get(f"{sb.pco_url}services/v2/people/999/plan_people").status_code == 404
