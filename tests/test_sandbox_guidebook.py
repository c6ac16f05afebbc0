"""The sandbox's Guidebook Open API emulation, over real HTTP (docs/api-notes.md is the
reference)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from provisioner_sandbox import GUIDEBOOK_KEY, SandboxServer
from tests.conftest import TODAY

AUTH = {"Authorization": f"JWT {GUIDEBOOK_KEY}"}


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxServer]:
    with SandboxServer(today=TODAY, seed="demo", guidebook_page_size=10) as server:
        yield server


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers.update(AUTH)
        yield session


@pytest.fixture(autouse=True)
def fresh(sb: SandboxServer) -> None:
    sb.reset("demo")


def url(sb: SandboxServer, path: str) -> str:
    return sb.guidebook_url + path


def all_pages(http: requests.Session, first: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    page: str | None = first
    while page:
        body = http.get(page, params=params if page == first else None).json()
        out += body["results"]
        page = body["next"]
    return out


# ---- auth, routing, throttling -------------------------------------------------------------------


def test_auth_missing_wrong_and_wrong_scheme(sb: SandboxServer) -> None:
    r = requests.get(url(sb, "guides/"))
    assert (r.status_code, r.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )
    r = requests.get(url(sb, "guides/"), headers={"Authorization": "JWT nope"})
    assert (r.status_code, r.json()) == (401, {"detail": "Invalid signature."})
    r = requests.get(url(sb, "guides/"), headers={"Authorization": f"Bearer {GUIDEBOOK_KEY}"})
    assert r.json() == {"detail": "Authentication credentials were not provided."}


def test_unknown_route_unknown_id_and_bad_method(sb: SandboxServer, http: requests.Session) -> None:
    assert http.get(url(sb, "nothing-here/")).json() == {"detail": "Not found."}
    r = http.get(url(sb, "sessions/99999/"))
    assert (r.status_code, r.json()) == (404, {"detail": "Not found."})
    r = http.put(url(sb, "personalized-schedules/1/"), json={})
    assert (r.status_code, r.json()) == (405, {"detail": 'Method "PUT" not allowed.'})


def test_daily_budget_gives_429_with_retry_after() -> None:
    with SandboxServer(today=TODAY, seed="empty", guidebook_daily_limit=3) as small:
        statuses = [
            requests.get(small.guidebook_url + "guides/", headers=AUTH).status_code
            for _ in range(4)
        ]
        r = requests.get(small.guidebook_url + "guides/", headers=AUTH)
    assert statuses == [200, 200, 200, 429]
    wait = int(r.headers["Retry-After"])
    assert 1 <= wait <= 86400
    assert r.json() == {"detail": f"Request was throttled. Expected available in {wait} seconds."}


# ---- pagination and filters ----------------------------------------------------------------------


def test_pagination_follows_next_and_keeps_filters(
    sb: SandboxServer, http: requests.Session
) -> None:
    first = http.get(url(sb, "attendees/"), params={"guide": 47}).json()
    assert first["count"] == 100 and len(first["results"]) == 10 and first["previous"] is None
    assert "guide=47" in first["next"] and "page=2" in first["next"]
    everyone = all_pages(http, url(sb, "attendees/"), guide=47)
    assert [a["id"] for a in everyone] == list(range(1, 101))
    second = http.get(first["next"]).json()
    assert second["previous"] == url(sb, "attendees/?guide=47")


def test_page_size_is_capped_and_bad_page_is_404(sb: SandboxServer, http: requests.Session) -> None:
    body = http.get(url(sb, "attendees/"), params={"page_size": 1000}).json()
    assert body["count"] == 110 and len(body["results"]) == 100 and body["next"]
    r = http.get(url(sb, "sessions/"), params={"guide": "47", "page": "99"})
    assert (r.status_code, r.json()) == (404, {"detail": "Invalid page."})
    assert http.get(url(sb, "sessions/"), params={"page": "x"}).status_code == 404


def test_filters_and_ordering(sb: SandboxServer, http: requests.Session) -> None:
    keynote = http.get(
        url(sb, "sessions/"), params={"guide": "47", "import_id": "sess-keynote"}
    ).json()
    assert [(s["id"], s["name"]) for s in keynote["results"]] == [(13, "Opening Keynote")]
    alice = http.get(url(sb, "attendees/"), params={"account__email": "alice@example.com"}).json()[
        "results"
    ]
    assert sorted((a["id"], a["guide_id"]) for a in alice) == [(6, 47), (101, 48)]
    scheds = http.get(
        url(sb, "personalized-schedules/"), params={"guide": "47", "attendees__id": "6"}
    ).json()
    assert [s["name"] for s in scheds["results"]] == ["Sales Team"]
    by_crm = http.get(
        url(sb, "personalized-schedules/"), params={"attendees__import_id": "crm-1001"}
    ).json()
    assert {s["guide"] for s in by_crm["results"]} == {47, 48}
    latest = http.get(
        url(sb, "sessions/"), params={"guide": "47", "ordering": "-start_time"}
    ).json()["results"][0]
    assert latest["name"] == "Closing Panel"
    revoked = http.get(url(sb, "attendees/"), params={"guide": "47", "revoked": "True"}).json()[
        "results"
    ]
    assert [a["id"] for a in revoked] == [100]


# ---- personalized schedules ----------------------------------------------------------------------


def test_create_schedule_json_and_form(sb: SandboxServer, http: requests.Session) -> None:
    r = http.post(
        url(sb, "personalized-schedules/"),
        json={"guide": 47, "name": "New", "attendees": [8, 6], "sessions": [14, 13]},
    )
    assert r.status_code == 201
    body = r.json()
    assert {k: body[k] for k in ("guide", "name", "attendees", "sessions")} == {
        "guide": 47,
        "name": "New",
        "attendees": [6, 8],
        "sessions": [13, 14],
    }
    assert isinstance(body["id"], int) and body["created_at"].endswith("+0000")
    r = http.post(
        url(sb, "personalized-schedules/"),
        data={"guide": "47", "name": "Form", "attendees": ["6", "7"], "sessions": ["13"]},
    )
    assert r.status_code == 201 and r.json()["attendees"] == [6, 7] and r.json()["sessions"] == [13]
    # Duplicate names are allowed by the API itself: the tool must not rely on it for uniqueness.
    again = http.post(
        url(sb, "personalized-schedules/"),
        json={"guide": 47, "name": "New", "attendees": [], "sessions": []},
    )
    assert again.status_code == 201
    assert [s["name"] for s in sb.store.guidebook_schedules(47)].count("New") == 2


def test_create_schedule_validation_bodies(sb: SandboxServer, http: requests.Session) -> None:
    r = http.post(url(sb, "personalized-schedules/"), json={"guide": 47})
    assert r.status_code == 400
    assert r.json() == {
        "name": ["This field is required."],
        "attendees": ["This field is required."],
        "sessions": ["This field is required."],
    }
    r = http.post(
        url(sb, "personalized-schedules/"),
        json={"guide": 47, "name": "X", "attendees": [6], "sessions": [13, 999]},
    )
    assert r.json() == {"sessions": ['Invalid pk "999" - object does not exist.']}
    # Session 41 and attendee 101 exist, but in guide 48: as unknown as a made-up id.
    r = http.post(
        url(sb, "personalized-schedules/"),
        json={"guide": 47, "name": "X", "attendees": [101], "sessions": [41]},
    )
    assert r.json() == {
        "attendees": ['Invalid pk "101" - object does not exist.'],
        "sessions": ['Invalid pk "41" - object does not exist.'],
    }
    r = http.post(
        url(sb, "personalized-schedules/"),
        json={"guide": 9, "name": "X", "attendees": [], "sessions": []},
    )
    assert r.json() == {"guide": ['Invalid pk "9" - object does not exist.']}
    assert len(sb.store.guidebook_schedules(47)) == 12


def test_patch_replaces_lists_and_refuses_other_fields(
    sb: SandboxServer, http: requests.Session
) -> None:
    r = http.patch(url(sb, "personalized-schedules/1/"), json={"sessions": [40, 13]})
    assert (
        r.status_code == 200
        and r.json()["sessions"] == [13, 40]
        and r.json()["attendees"] == [6, 7, 10, 11, 12]
    )
    r = http.patch(url(sb, "personalized-schedules/1/"), json={"name": "Renamed", "sessions": [13]})
    assert (r.status_code, r.json()) == (400, {"name": ["This field cannot be updated."]})
    r = http.patch(url(sb, "personalized-schedules/1/"), data={"attendees": "6"})
    assert r.json()["attendees"] == [6]
    assert sb.store.guidebook_schedules(47)[0] | {"created_at": None} == {
        "id": 1,
        "guide": 47,
        "name": "Sales Team",
        "attendees": [6],
        "sessions": [13, 40],
        "created_at": None,
    }


def test_delete_schedule_is_204_empty(sb: SandboxServer, http: requests.Session) -> None:
    r = http.delete(url(sb, "personalized-schedules/6/"))
    assert (r.status_code, r.content) == (204, b"")
    assert http.get(url(sb, "personalized-schedules/6/")).status_code == 404
    assert "Legacy Track" not in [s["name"] for s in sb.store.guidebook_schedules(47)]


# ---- attendees and publishing --------------------------------------------------------------------


def test_attendee_post_is_idempotent_and_delete_not_allowed(
    sb: SandboxServer, http: requests.Session
) -> None:
    r = http.post(
        url(sb, "attendees/"), json={"guide": 47, "email": "alice@example.com", "first_name": "Zed"}
    )
    assert r.status_code == 200 and r.json()["id"] == 6 and r.json()["first_name"] == "Alice"
    r = http.post(
        url(sb, "attendees/"), data={"guide": 47, "email": "new@example.com", "import_id": "crm-9"}
    )
    assert r.status_code == 201 and r.json()["guide_id"] == 47 and r.json()["import_id"] == "crm-9"
    r = http.delete(url(sb, "attendees/6/"))
    assert (r.status_code, r.json()) == (405, {"detail": 'Method "DELETE" not allowed.'})
    assert http.patch(url(sb, "attendees/6/"), json={"revoked": True}).json()["revoked"] is True
    assert http.patch(url(sb, "attendees/6/"), json={"email": "x@y.z"}).status_code == 400


def test_publish_needs_premium_published_guide(sb: SandboxServer, http: requests.Session) -> None:
    assert http.post(url(sb, "guides/47/publish-personalized-schedules/")).status_code == 202
    assert http.post(url(sb, "attendees/6/publish-personalized-schedules/")).status_code == 202
    r = http.post(url(sb, "guides/48/publish-personalized-schedules/"))
    assert r.status_code == 403 and "Premium" in r.json()["detail"]
    assert http.post(url(sb, "attendees/101/publish-personalized-schedules/")).status_code == 403
    assert [(p["scope"], p["guide"], p["attendee"]) for p in sb.store.publishes()] == [
        ("guide", 47, None),
        ("attendee", 47, 6),
    ]


# ---- request log, faults, control endpoints ------------------------------------------------------


def test_request_log(sb: SandboxServer, http: requests.Session) -> None:
    sb.clear_requests()
    http.get(url(sb, "sessions/"), params=[("guide", "47"), ("id", "1"), ("id", "2")])
    http.patch(url(sb, "personalized-schedules/3/"), data={"sessions": ["13", "15"]})
    requests.get(sb.url + "_sandbox/state")  # control endpoints are not logged
    assert sb.requests() == [
        {
            "method": "GET",
            "path": "/open-api/v1/sessions/",
            "query": {"guide": "47", "id": ["1", "2"]},
            "body": None,
            "content_type": None,
            "status": 200,
            "fault": None,
        },
        {
            "method": "PATCH",
            "path": "/open-api/v1/personalized-schedules/3/",
            "query": {},
            "body": {"sessions": ["13", "15"]},
            "content_type": "application/x-www-form-urlencoded",
            "status": 200,
            "fault": None,
        },
    ]
    assert requests.get(sb.url + "_sandbox/requests").json() == sb.requests()


def test_fault_status_does_not_commit(sb: SandboxServer, http: requests.Session) -> None:
    sb.add_fault(method="PATCH", path=r"personalized-schedules/\d+/$", status=503, retry_after=2)
    r = http.patch(url(sb, "personalized-schedules/1/"), json={"sessions": [13]})
    assert (r.status_code, r.headers["Retry-After"]) == (503, "2") and "detail" in r.json()
    assert sb.store.guidebook_schedules(47)[0]["sessions"] == [13, 14, 40]
    assert (
        http.patch(url(sb, "personalized-schedules/1/"), json={"sessions": [13]}).status_code == 200
    )


def test_fault_drop_before_and_after_commit(sb: SandboxServer, http: requests.Session) -> None:
    body = {"guide": 47, "name": "Dropped", "attendees": [6], "sessions": [13]}
    sb.add_fault(method="POST", path="personalized-schedules", mode="drop_before")
    with pytest.raises(requests.ConnectionError):
        http.post(url(sb, "personalized-schedules/"), json=body)
    assert "Dropped" not in [s["name"] for s in sb.store.guidebook_schedules(47)]
    sb.add_fault(method="POST", path="personalized-schedules", mode="drop_after_commit")
    with pytest.raises(requests.ConnectionError):
        http.post(url(sb, "personalized-schedules/"), json=body)
    assert [s["name"] for s in sb.store.guidebook_schedules(47)].count("Dropped") == 1
    assert [e["status"] for e in sb.requests()[-2:]] == [None, 201]


def test_fault_delay_and_timeout(sb: SandboxServer, http: requests.Session) -> None:
    sb.add_fault(path="guides/47/$", mode="delay", delay=0.1)
    assert http.get(url(sb, "guides/47/")).status_code == 200
    assert (
        sb.requests()[-1]["fault"] == "delay"
    )  # applied (its length is the server's sleep, not asserted here)
    sb.add_fault(method="DELETE", mode="timeout", delay=0.3)
    with pytest.raises(requests.Timeout):
        http.delete(url(sb, "personalized-schedules/2/"), timeout=0.1)
    deadline = time.monotonic() + 3
    while sb.requests()[-1]["status"] is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sb.requests()[-1]["status"] == 204  # the server still carried the delete out, late
    assert 2 not in [s["id"] for s in sb.store.guidebook_schedules(47)]


def test_control_endpoints(sb: SandboxServer) -> None:
    rule = {"method": "GET", "path": "guides", "status": 500, "times": 2}
    assert requests.post(sb.url + "_sandbox/faults", json={"faults": [rule]}).status_code == 201
    codes = [requests.get(url(sb, "guides/"), headers=AUTH).status_code for _ in range(3)]
    assert codes == [500, 500, 200]
    assert (
        requests.post(sb.url + "_sandbox/faults", json={"faults": [{"mode": "bogus"}]}).status_code
        == 400
    )
    requests.post(sb.url + "_sandbox/faults", json={"faults": [rule]})
    assert requests.delete(sb.url + "_sandbox/faults").status_code == 204
    assert requests.get(url(sb, "guides/"), headers=AUTH).status_code == 200
    sb.store.add_guidebook_schedule(47, "Temp", [6], [13])
    assert requests.post(sb.url + "_sandbox/reset", json={"seed": "demo"}).status_code == 200
    state = requests.get(sb.url + "_sandbox/state").json()
    assert len([s for s in state["gb_schedules"] if s["guide"] == 47]) == 12
    assert requests.delete(sb.url + "_sandbox/requests").status_code == 204 and sb.requests() == []


# ---- server-level behaviour ----------------------------------------------------------------------


def test_latency_overlaps_between_concurrent_requests() -> None:
    """Latency is waited outside every lock: four requests are all in their wait at once (no clock
    involved: stopping the server ends the waits)."""

    def call(target: str) -> None:
        with contextlib.suppress(requests.RequestException):
            requests.get(target, headers=AUTH, timeout=30)

    with SandboxServer(today=TODAY, seed="empty", latency=30) as slow:
        threads = [
            threading.Thread(target=call, args=(slow.guidebook_url + "guides/",)) for _ in range(4)
        ]
        for t in threads:
            t.start()
        give_up = time.monotonic() + 20  # a guard against hanging, not a timing assertion
        while len(slow.requests()) < 4 and time.monotonic() < give_up:
            time.sleep(0.01)
        assert [e["status"] for e in slow.requests()] == [
            None
        ] * 4  # all four arrived, none answered yet
    for t in threads:
        t.join()


def test_data_persists_across_restart(tmp_path: Path) -> None:
    data = str(tmp_path / "sb.sqlite3")
    with SandboxServer(today=TODAY, data=data, seed="demo") as first:
        r = requests.post(
            first.guidebook_url + "personalized-schedules/",
            headers=AUTH,
            json={"guide": 47, "name": "Kept", "attendees": [6], "sessions": [13]},
        )
        assert r.status_code == 201
    with SandboxServer(today=TODAY, data=data, seed=None) as second:
        names = [s["name"] for s in second.store.guidebook_schedules(47)]
    assert "Kept" in names and len(names) == 13


def test_bench_seed_shape() -> None:
    with SandboxServer(
        today=TODAY, seed="bench:guides=2,schedules=5,sessions=10,attendees=8"
    ) as bench:
        schedules = bench.store.guidebook_schedules(1002)
        assert len(bench.store.sessions(1001)) == 10 and len(bench.store.attendees(1002)) == 8
        assert len(schedules) == 5 and all(len(s["sessions"]) == 5 for s in schedules)
        # one schedule per attendee: the 8 attendees are dealt out, 2, 2, 2, 1 and 1
        held = [a for s in schedules for a in s["attendees"]]
        assert sorted(len(s["attendees"]) for s in schedules) == [1, 1, 2, 2, 2]
        assert len(held) == len(set(held)) == 8
        assert {a for s in schedules for a in s["attendees"]} <= {
            a["id"] for a in bench.store.attendees(1002)
        }


def test_control_endpoints_take_json_whatever_the_content_type() -> None:
    import json as _json
    import urllib.request

    from provisioner_sandbox import SandboxServer

    with SandboxServer(today=TODAY, seed="empty") as server:
        req = urllib.request.Request(
            server.url + "_sandbox/faults",
            method="POST",
            data=_json.dumps([{"method": "GET", "path": "x", "status": 503}]).encode(),
        )
        req.add_header("Content-Type", "application/x-www-form-urlencoded")  # what curl -d sends
        with urllib.request.urlopen(req) as answer:
            assert answer.status == 201
