"""Each Planning Center reading of the sandbox, plan times and partial accepts, over raw HTTP (the
undocumented points of docs/api-notes.md, both ways)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from provisioner_sandbox import (
    PCO_APP_ID,
    PCO_PERSON,
    PCO_SECRET,
    SCHEDULE_ID_OFFSET,
    SandboxServer,
)
from tests.conftest import TODAY

SERVICES = "services/v2/"
PLAN = SERVICES + "service_types/1234/plans/5678"
MEMBERS = PLAN + "/team_members"
JANE_5678 = 800000001  # Jane Doe (111), Band/Vocals, U on plan 5678
JOHN_5679 = 800000010  # John Smith (112), Tech/Audio, U on plan 5679


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(today=TODAY, seed="demo", pco_rate_limit=10_000) as sb:
        yield sb


@pytest.fixture
def sb(server: SandboxServer) -> SandboxServer:
    server.reset("demo")
    return server


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.auth = (PCO_APP_ID, PCO_SECRET)
        yield session


def u(sb: SandboxServer, path: str) -> str:
    return sb.pco_url + path


def create(
    person: str, team: str, attrs: dict[str, Any] | None = None, rels: bool = True
) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "PlanPerson", "attributes": {"status": "U", **(attrs or {})}}
    if rels:
        data["relationships"] = {
            "person": {"data": {"type": "Person", "id": person}},
            "team": {"data": {"type": "Team", "id": team}},
        }
    return {"data": data}


def member(sb: SandboxServer, member_id: int) -> dict[str, Any]:
    row = sb.store.team_member(member_id)
    assert row is not None
    return row


def schedule_url(person: int, member: int) -> str:
    return f"{SERVICES}people/{person}/schedules/{member + SCHEDULE_ID_OFFSET}"


# ---- pco.member_create
# -----------------------------------------------------------------------------


def test_member_create_both_forms_by_default(sb: SandboxServer, http: requests.Session) -> None:
    r = http.post(u(sb, MEMBERS), json=create("113", "23"))
    assert r.status_code == 201 and r.json()["data"]["relationships"]["team"]["data"]["id"] == "23"
    r = http.post(
        u(sb, MEMBERS), json=create("", "", {"person_id": "114", "team_id": "24"}, rels=False)
    )
    assert r.status_code == 201 and r.json()["data"]["relationships"]["team"]["data"]["id"] == "24"
    body = create(
        "115", "23", {"person_id": "115", "team_id": "23"}
    )  # both forms at once, as a careful client
    assert http.post(u(sb, MEMBERS), json=body).status_code == 201


def test_member_create_attributes_only_ignores_relationships(
    sb: SandboxServer, http: requests.Session
) -> None:
    sb.set_readings({"pco.member_create": "attributes"})
    r = http.post(
        u(sb, MEMBERS), json=create("", "", {"person_id": "113", "team_id": "23"}, rels=False)
    )
    assert r.status_code == 201 and r.json()["data"]["relationships"]["team"]["data"]["id"] == "23"
    # relationships only: the person is missing, so it is refused
    r = http.post(u(sb, MEMBERS), json=create("113", "23"))
    assert r.status_code == 422 and r.json()["errors"][0]["source"] == {"parameter": "person_id"}
    # a person attribute and a team relationship: the team is not seen, the member lands on the
    # first team (22)
    r = http.post(u(sb, MEMBERS), json=create("114", "24", {"person_id": "114"}))
    assert r.status_code == 201 and r.json()["data"]["relationships"]["team"]["data"]["id"] == "22"


def test_member_create_relationships_only_forbids_the_attributes(
    sb: SandboxServer, http: requests.Session
) -> None:
    sb.set_readings({"pco.member_create": "relationships"})
    r = http.post(u(sb, MEMBERS), json=create("113", "23", {"person_id": "113", "team_id": "23"}))
    assert r.status_code == 422
    assert r.json() == {
        "errors": [
            {
                "status": "422",
                "title": "Forbidden Attribute",
                "detail": "person_id cannot be assigned",
            },
            {
                "status": "422",
                "title": "Forbidden Attribute",
                "detail": "team_id cannot be assigned",
            },
        ]
    }
    assert len(sb.store.team_members(5678)) == 8
    r = http.post(u(sb, MEMBERS), json=create("113", "23"))
    assert r.status_code == 201 and r.json()["data"]["relationships"]["team"]["data"]["id"] == "23"
    assert [(q["method"], q["status"]) for q in sb.requests(path="team_members")] == [
        ("POST", 422),
        ("POST", 201),
    ]


# ---- pco.member_path
# -------------------------------------------------------------------------------


def test_member_path_both_by_default(sb: SandboxServer, http: requests.Session) -> None:
    patch = {"data": {"type": "PlanPerson", "attributes": {"notes": "x"}}}
    assert http.patch(u(sb, f"{MEMBERS}/{JANE_5678}"), json=patch).status_code == 200
    assert (
        http.patch(u(sb, f"{SERVICES}people/111/plan_people/{JANE_5678}"), json=patch).status_code
        == 200
    )


def test_member_path_documented_only(sb: SandboxServer, http: requests.Session) -> None:
    sb.set_readings({"pco.member_path": "documented-only"})
    patch = {"data": {"type": "PlanPerson", "attributes": {"notes": "x"}}}
    for r in (
        http.patch(u(sb, f"{MEMBERS}/{JANE_5678}"), json=patch),
        http.delete(u(sb, f"{MEMBERS}/{JANE_5678}")),
    ):
        assert r.status_code == 404 and r.headers["Content-Type"].startswith(
            "text/html"
        )  # a route 404
    assert (
        http.get(u(sb, f"{MEMBERS}/{JANE_5678}")).status_code == 200
    )  # reading one stays documented
    r = http.patch(u(sb, f"{SERVICES}people/111/plan_people/{JANE_5678}"), json=patch)
    assert r.status_code == 200 and member(sb, JANE_5678)["notes"] == "x"
    r = http.delete(u(sb, f"{SERVICES}people/111/plan_people/{JANE_5678}/"))
    assert r.status_code == 204 and sb.store.team_member(JANE_5678) is None
    gone = http.delete(u(sb, f"{SERVICES}people/111/plan_people/{JANE_5678}"))
    assert gone.status_code == 404 and gone.headers["Content-Type"].startswith(
        "application/json"
    )  # object 404


# ---- pco.declined
# ----------------------------------------------------------------------------------


def ids(http: requests.Session, url: str, **params: Any) -> list[str]:
    r = http.get(url, params=params)
    assert r.status_code == 200
    return [d["id"] for d in r.json()["data"]]


def test_declined_with_filter_by_default(sb: SandboxServer, http: requests.Session) -> None:
    declined = str(800000004 + SCHEDULE_ID_OFFSET)  # David Kim (114) declined plan 5678
    assert declined not in ids(http, u(sb, SERVICES + "people/114/schedules"))
    assert declined in ids(http, u(sb, SERVICES + "people/114/schedules"), filter="with_declined")
    assert "800000004" in ids(http, u(sb, SERVICES + "people/114/plan_people"))


def test_declined_hidden_from_person_lists(sb: SandboxServer, http: requests.Session) -> None:
    sb.set_readings({"pco.declined": "hidden"})
    declined = str(800000004 + SCHEDULE_ID_OFFSET)
    assert declined not in ids(
        http, u(sb, SERVICES + "people/114/schedules"), filter="future,with_declined"
    )
    assert "800000004" not in ids(http, u(sb, SERVICES + "people/114/plan_people"))
    assert "800000004" in ids(http, u(sb, MEMBERS))  # a plan's team_members still lists them
    assert (
        http.get(u(sb, f"{SERVICES}people/114/schedules/{declined}")).json()["data"]["attributes"][
            "status"
        ]
        == "D"
    )
    # filter=all reportedly returns confirmed ones only (ISSUE#1361): Jane's two schedules are
    # unconfirmed
    assert ids(http, u(sb, SERVICES + "people/111/schedules"), filter="all") == []


def test_declined_shown_everywhere(sb: SandboxServer, http: requests.Session) -> None:
    sb.set_readings({"pco.declined": "shown"})
    assert str(800000004 + SCHEDULE_ID_OFFSET) in ids(
        http, u(sb, SERVICES + "people/114/schedules")
    )


# ---- pco.respond_others
# ----------------------------------------------------------------------------


def test_respond_for_others_allowed_by_default(sb: SandboxServer, http: requests.Session) -> None:
    assert http.post(u(sb, schedule_url(112, JOHN_5679) + "/accept")).status_code == 204
    assert member(sb, JOHN_5679)["status"] == "C"
    me = http.get(u(sb, "people/v2/me")).json()["data"]
    assert (me["id"], me["attributes"]["site_administrator"]) == (str(PCO_PERSON), True)


def test_respond_for_others_forbidden(sb: SandboxServer, http: requests.Session) -> None:
    sb.set_readings({"pco.respond_others": "forbidden"})
    r = http.post(
        u(sb, schedule_url(112, JOHN_5679) + "/decline"),
        json={"data": {"attributes": {"reason": "x"}}},
    )
    assert r.status_code == 403 and r.json()["errors"][0]["title"] == "Forbidden"
    assert member(sb, JOHN_5679)["status"] == "U"
    assert (
        http.post(u(sb, schedule_url(PCO_PERSON, JANE_5678) + "/accept")).status_code == 204
    )  # one's own: fine
    assert (
        http.get(u(sb, "people/v2/me")).json()["data"]["attributes"]["site_administrator"] is False
    )


# ---- plan times and partial accepts
# ----------------------------------------------------------------


def test_plan_times_of_a_plan_and_on_schedules(sb: SandboxServer, http: requests.Session) -> None:
    times = http.get(u(sb, PLAN + "/plan_times")).json()["data"]
    assert [(t["id"], t["attributes"]["time_type"], t["attributes"]["name"]) for t in times] == [
        ("801", "rehearsal", "Rehearsal"),
        ("802", "service", "10am"),
        ("803", "service", "Noon"),
    ]
    assert times[1]["attributes"]["starts_at"] == "2026-12-06T15:00:00Z"
    rehearsals = http.get(
        u(sb, PLAN + "/plan_times"), params={"where[time_type]": "rehearsal"}
    ).json()["data"]
    assert [t["id"] for t in rehearsals] == ["801"]
    body = http.get(
        u(sb, SERVICES + "people/111/schedules"), params={"include": "plan_times"}
    ).json()
    first = body["data"][0]
    assert first["attributes"]["can_accept_partial"] is True
    assert [t["id"] for t in first["relationships"]["times"]["data"]] == ["801", "802", "803"]
    assert {i["id"] for i in body["included"]} == {"801", "802", "803", "804", "805", "806"}
    youth = http.get(u(sb, SERVICES + "people/130/schedules")).json()["data"]
    # 7001 (Dec 11): one time; 5680 (Dec 20): Hospitality, a team whose schedules cannot be split
    # (seed)
    assert [s["attributes"]["can_accept_partial"] for s in youth] == [False, False]
    maria = http.get(u(sb, SERVICES + "people/113/schedules")).json()["data"]
    assert [s["attributes"]["can_accept_partial"] for s in maria] == [True, True]  # Band


def test_partial_accept_and_reading_declined_times_back(
    sb: SandboxServer, http: requests.Session
) -> None:
    sched = schedule_url(111, JANE_5678)
    accept = {
        "data": {
            "type": "ScheduleAccept",
            "attributes": {"reason": "Working late Thursday"},
            "relationships": {"declined_plan_times": {"data": [{"type": "PlanTime", "id": "801"}]}},
        }
    }
    assert http.post(u(sb, sched + "/accept"), json=accept).status_code == 204
    one = http.get(u(sb, sched)).json()["data"]["attributes"]
    assert (one["status"], one["decline_reason"]) == ("C", "Working late Thursday")
    assert ids(http, u(sb, sched + "/declined_plan_times")) == ["801"]
    assert ids(http, u(sb, sched + "/plan_times")) == ["801", "802", "803"]
    assert ids(
        http, u(sb, f"{SERVICES}people/111/plan_people/{JANE_5678}/declined_plan_times")
    ) == ["801"]
    page = http.get(u(sb, MEMBERS), params={"include": "declined_plan_times"}).json()
    jane = next(m for m in page["data"] if m["id"] == str(JANE_5678))
    assert jane["relationships"]["declined_plan_times"]["data"] == [
        {"type": "PlanTime", "id": "801"}
    ]
    david = next(
        m for m in page["data"] if m["id"] == "800000004"
    )  # declined: every time of the plan
    assert [t["id"] for t in david["relationships"]["declined_plan_times"]["data"]] == [
        "801",
        "802",
        "803",
    ]
    assert [i["id"] for i in page["included"] if i["type"] == "PlanTime"] == ["801", "802", "803"]
    assert sb.store.declined_times(JANE_5678) == [801]
    # a full accept clears the partial one; a decline declines every time
    assert http.post(u(sb, sched + "/accept"), json={}).status_code == 204
    assert ids(http, u(sb, sched + "/declined_plan_times")) == []
    assert member(sb, JANE_5678)["decline_reason"] is None
    http.post(u(sb, sched + "/decline"), json={"data": {"attributes": {"reason": "Away"}}})
    assert ids(http, u(sb, sched + "/declined_plan_times")) == ["801", "802", "803"]


def test_partial_accept_refusals(sb: SandboxServer, http: requests.Session) -> None:
    def accept(person: int, member: int, *times: str) -> requests.Response:
        rel = {"declined_plan_times": {"data": [{"type": "PlanTime", "id": t} for t in times]}}
        return http.post(
            u(sb, schedule_url(person, member) + "/accept"), json={"data": {"relationships": rel}}
        )

    for r, problem in (
        (accept(111, JANE_5678, "805"), "PlanTime 805 is not a time of this plan"),
        (
            accept(111, JANE_5678, "801", "802", "803"),
            "every time would be declined: decline the schedule instead",
        ),
        (
            accept(130, 800000025, "811"),
            "this schedule has one time only and cannot be accepted partially",
        ),
    ):
        assert r.status_code == 422 and r.json()["errors"][0]["detail"] == problem
        assert r.json()["errors"][0]["source"] == {"parameter": "declined_plan_times"}
    assert member(sb, JANE_5678)["status"] == "U"


def test_a_team_member_patch_of_status_clears_a_partial_accept(
    sb: SandboxServer, http: requests.Session
) -> None:
    sb.store.set_declined_times(JANE_5678, [801])
    sb.store.set_team_member(JANE_5678, status="C")
    patch = {"data": {"type": "PlanPerson", "attributes": {"status": "U"}}}
    assert http.patch(u(sb, f"{MEMBERS}/{JANE_5678}"), json=patch).status_code == 200
    assert sb.store.declined_times(JANE_5678) == []
