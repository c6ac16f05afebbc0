"""The sandbox's fault modes for trust tests (acknowledge-but-not-keep, commit later, barriers,
hooks) and the request log's filters, over raw HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from provisioner_sandbox import (
    GUIDEBOOK_KEY,
    PCO_APP_ID,
    PCO_SECRET,
    SandboxError,
    SandboxServer,
    Store,
)
from tests.conftest import TODAY

AUTH = {"Authorization": f"JWT {GUIDEBOOK_KEY}"}
NEW = {"guide": 47, "name": "New", "attendees": [6], "sessions": [13]}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(today=TODAY, seed="demo") as sb:
        yield sb


@pytest.fixture
def sb(server: SandboxServer) -> SandboxServer:
    server.reset("demo")
    return server


def schedules_url(sb: SandboxServer) -> str:
    return sb.guidebook_url + "personalized-schedules/"


def names(sb: SandboxServer) -> list[str]:
    return [s["name"] for s in sb.store.guidebook_schedules(47)]


def test_ack_without_commit_answers_as_a_success_and_keeps_nothing(sb: SandboxServer) -> None:
    sb.add_fault(method="POST", path="personalized-schedules", mode="ack_without_commit")
    r = requests.post(schedules_url(sb), json=NEW, headers=AUTH)
    assert r.status_code == 201 and r.json()["name"] == "New" and isinstance(r.json()["id"], int)
    assert "New" not in names(sb)
    sb.add_fault(method="PATCH", path="team_members", mode="ack_without_commit")
    patch = {"data": {"type": "PlanPerson", "attributes": {"notes": "Bring in-ears"}}}
    r = requests.patch(
        sb.pco_url + "services/v2/service_types/1234/plans/5678/team_members/800000001",
        json=patch,
        auth=(PCO_APP_ID, PCO_SECRET),
    )
    assert r.status_code == 200 and r.json()["data"]["attributes"]["notes"] == "Bring in-ears"
    assert sb.store.team_members(5678)[0]["notes"] is None
    assert [(e["method"], e["status"], e["fault"]) for e in sb.requests()] == [
        ("POST", 201, "ack_without_commit"),
        ("PATCH", 200, "ack_without_commit"),
    ]
    assert (
        requests.post(schedules_url(sb), json=NEW, headers=AUTH).status_code == 201
    )  # the rule was used up
    assert names(sb).count("New") == 1


def test_commit_later_drops_the_connection_then_writes(sb: SandboxServer) -> None:
    sb.add_fault(method="POST", path="personalized-schedules", mode="commit_later", delay=0.2)
    with pytest.raises(requests.ConnectionError):
        requests.post(schedules_url(sb), json=NEW, headers=AUTH, timeout=5)
    assert "New" not in names(sb)  # not yet: the client saw a dropped connection and nothing else
    assert sb.requests() == [
        {
            "method": "POST",
            "path": "/open-api/v1/personalized-schedules/",
            "query": {},
            "body": NEW,
            "content_type": "application/json",
            "status": None,
            "fault": "commit_later",
        }
    ]
    sb.wait_for_late_commits()
    assert names(sb).count("New") == 1 and sb.requests()[0]["status"] == 201


def test_commit_later_that_is_not_due_when_the_server_stops_never_lands(tmp_path: Path) -> None:
    data = str(tmp_path / "db.sqlite3")
    with SandboxServer(today=TODAY, data=data, seed="demo") as sb:
        sb.add_fault(method="POST", mode="commit_later", delay=30)  # stop() must not wait for it
        with pytest.raises(requests.ConnectionError):
            requests.post(schedules_url(sb), json=NEW, headers=AUTH, timeout=5)
    store = Store(data)
    try:
        assert "New" not in [s["name"] for s in store.guidebook_schedules(47)]
    finally:
        store.close()


def test_barrier_holds_the_first_writer_until_the_second_arrives(sb: SandboxServer) -> None:
    sb.add_fault(method="POST", path="personalized-schedules", mode="barrier", times=2, delay=10)
    results: list[int] = []
    first = threading.Thread(
        target=lambda: results.append(
            requests.post(schedules_url(sb), json=NEW, headers=AUTH).status_code
        )
    )
    first.start()
    first.join(0.3)
    assert first.is_alive() and "New" not in names(sb)  # held at the barrier
    second = requests.post(schedules_url(sb), json={**NEW, "name": "New"}, headers=AUTH)
    first.join(5)
    assert (
        second.status_code == 201 and results == [201] and names(sb).count("New") == 2
    )  # both writers created


def test_hook_edits_the_store_just_before_a_matching_request(sb: SandboxServer) -> None:
    seen: list[int] = []

    def other_writer(store: Store) -> None:
        seen.append(len(store.guidebook_schedules(47)))
        store.add_guidebook_schedule(47, "Out of band", [9], [22])

    sb.add_hook(other_writer, method="PATCH", path=r"personalized-schedules/1/$")
    for _ in range(2):
        r = requests.patch(schedules_url(sb) + "1/", json={"sessions": [13]}, headers=AUTH)
        assert r.status_code == 200
    assert seen == [12] and names(sb).count("Out of band") == 1  # once, as times=1 says
    sb.add_hook(other_writer, path="guides")
    sb.clear_faults()  # clears hooks too
    requests.get(sb.guidebook_url + "guides/", headers=AUTH)
    assert seen == [12]


def test_request_log_filters(sb: SandboxServer) -> None:
    requests.get(schedules_url(sb), params={"guide": 47}, headers=AUTH)
    requests.post(schedules_url(sb), json=NEW, headers=AUTH)
    requests.patch(schedules_url(sb) + "2/", data={"attendees": ["7", "30"]}, headers=AUTH)
    assert [e["method"] for e in sb.requests(method="post")] == ["POST"]
    patch = sb.requests(path=r"personalized-schedules/\d+/$")
    assert [(e["method"], e["body"], e["content_type"]) for e in patch] == [
        ("PATCH", {"attendees": ["7", "30"]}, "application/x-www-form-urlencoded")
    ]
    over_http = requests.get(sb.url + "_sandbox/requests", params={"method": "GET"}).json()
    assert [(e["path"], e["query"]) for e in over_http] == [
        ("/open-api/v1/personalized-schedules/", {"guide": "47"})
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"mode": "bogus"}, "unknown fault mode 'bogus'"),
        ({"path": "(unclosed"}, "is not a valid regular expression"),
        ({"mode": "barrier", "times": 1}, "a barrier fault needs times >= 2"),
        ({"times": 0}, "fault times must be a positive whole number"),
        ({"delay": -1}, "fault delay must be a number of seconds >= 0"),
        ({"colour": "red"}, "unknown fault field 'colour'"),
        ({"status": "503"}, "fault status must be an HTTP status 100-599"),
        ({"retry_after": "soon"}, "fault retry_after must be a number of seconds"),
    ],
)
def test_bad_fault_rules_are_one_clear_error(
    sb: SandboxServer, spec: dict[str, object], message: str
) -> None:
    with pytest.raises(SandboxError, match=message.replace("(", r"\(")):
        sb.app.faults.add_many([spec])
    r = requests.post(sb.url + "_sandbox/faults", json=[{"method": "GET"}, spec])
    assert r.status_code == 400 and message in r.json()["error"]
    assert requests.get(sb.url + "_sandbox/faults").json() == {"faults": []}  # all or nothing


@pytest.mark.parametrize(
    ("given", "sent"), [(0.01, "1"), (0.5, "1"), (2, "2"), (2.5, "3"), (0, "0")]
)
def test_an_injected_retry_after_is_whole_seconds_rounded_up(
    sb: SandboxServer, given: float, sent: str
) -> None:
    """Issue 20 #8: real servers send whole seconds; pypco's int() crashed on the sandbox's
    "0.5"."""
    sb.add_fault(method="GET", path="personalized-schedules", status=429, retry_after=given)
    r = requests.get(
        sb.guidebook_url + "personalized-schedules/?guide=47",
        headers={"Authorization": f"JWT {GUIDEBOOK_KEY}"},
        timeout=5,
    )
    assert (r.status_code, r.headers["Retry-After"]) == (429, sent)
    assert int(r.headers["Retry-After"]) == int(sent)  # what pypco does with it
