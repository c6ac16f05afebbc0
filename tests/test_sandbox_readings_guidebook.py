"""Each Guidebook reading of the sandbox, over raw HTTP: both sides of every undocumented point in
docs/api-notes.md, so client tests can run against each."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from provisioner_sandbox import GUIDEBOOK_KEY, SandboxError, SandboxServer
from tests.conftest import TODAY

AUTH = {"Authorization": f"JWT {GUIDEBOOK_KEY}"}
SCHEDULES = "personalized-schedules/"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(today=TODAY, seed="demo") as sb:
        yield sb


@pytest.fixture
def sb(server: SandboxServer) -> SandboxServer:
    server.reset("demo")  # also back to the default readings
    return server


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers.update(AUTH)
        yield session


def url(sb: SandboxServer, path: str) -> str:
    return sb.guidebook_url + path


def sales(sb: SandboxServer) -> dict[str, Any]:
    return sb.store.guidebook_schedules(47)[0]


# ---- switching readings
# ----------------------------------------------------------------------------


def test_defaults_python_and_http_switches(sb: SandboxServer) -> None:
    assert sb.readings() == {
        "guidebook.body": "json",
        "guidebook.patch_lists": "replace",
        "guidebook.empty_list": "accepted",
        "guidebook.page_size": "honoured",
        "guidebook.ordering": "honoured",
        "guidebook.count": "present",
        "guidebook.attendee_schedules": "many",
        "pco.member_create": "both",
        "pco.member_path": "both",
        "pco.declined": "with-declined",
        "pco.respond_others": "allowed",
        "pco.sort_date": "utc",
        "pco.org_time_zone": "present",
        "pco.deleted_declined": "gone",
        "pco.not_deleted_filter": "supported",
        "pco.partial_refused": "refused",
        "pco.member_writes": "allowed",
        "pco.read_others": "allowed",
        "pco.blockout_times": "utc",
    }
    sb.set_readings({"guidebook.body": "form-only"})
    assert sb.readings()["guidebook.body"] == "form-only"
    r = requests.post(sb.url + "_sandbox/readings", json={"guidebook.patch_lists": "merge"})
    assert r.status_code == 200 and r.json()["readings"]["guidebook.patch_lists"] == "merge"
    got = requests.get(sb.url + "_sandbox/readings").json()
    assert got["readings"]["guidebook.body"] == "form-only"
    assert got["known"]["guidebook.body"]["values"] == ["json", "form-only"]
    assert (
        requests.delete(sb.url + "_sandbox/readings").json()["readings"]["guidebook.body"] == "json"
    )
    assert sb.requests() == []  # control endpoints are not logged


def test_bad_readings_are_refused_whole(sb: SandboxServer) -> None:
    with pytest.raises(
        SandboxError, match=r"reading guidebook.body cannot be 'xml'; use json \| form-only"
    ):
        sb.set_readings({"guidebook.patch_lists": "merge", "guidebook.body": "xml"})
    assert (
        sb.readings()["guidebook.patch_lists"] == "replace"
    )  # nothing of a refused change applies
    r = requests.post(sb.url + "_sandbox/readings", json={"guidebook.nope": "x"})
    assert r.status_code == 400 and "unknown reading 'guidebook.nope'" in r.json()["error"]
    with pytest.raises(SandboxError, match="unknown reading"):
        SandboxServer(today=TODAY, seed="empty", readings={"nope": "x"})


def test_readings_given_at_start_are_what_reset_restores() -> None:
    with SandboxServer(today=TODAY, seed="empty", readings={"guidebook.body": "form-only"}) as sb:
        sb.set_readings({"guidebook.body": "json"})
        sb.reset("empty")
        assert sb.readings()["guidebook.body"] == "form-only"


# ---- guidebook.body
# ----------------------------------------------------------------------------------


def test_body_json_default_takes_json_and_form(sb: SandboxServer, http: requests.Session) -> None:
    body = {"guide": 47, "name": "J", "attendees": [6], "sessions": [13]}
    assert http.post(url(sb, SCHEDULES), json=body).status_code == 201
    assert http.post(url(sb, SCHEDULES), data={**body, "name": "F"}).status_code == 201
    assert [(r["content_type"], r["status"]) for r in sb.requests(method="POST")] == [
        ("application/json", 201),
        ("application/x-www-form-urlencoded", 201),
    ]


def test_body_form_only_answers_415_to_json(sb: SandboxServer, http: requests.Session) -> None:
    sb.set_readings({"guidebook.body": "form-only"})
    body = {"guide": 47, "name": "J", "attendees": [6, 7], "sessions": [13]}
    r = http.post(url(sb, SCHEDULES), json=body)
    assert (r.status_code, r.json()) == (
        415,
        {"detail": 'Unsupported media type "application/json" in request.'},
    )
    r = http.patch(url(sb, SCHEDULES + "1/"), json={"sessions": [13]})
    assert r.status_code == 415 and sales(sb)["sessions"] == [13, 14, 40]
    r = http.post(url(sb, SCHEDULES), data={**body, "name": "F"})  # attendees=6&attendees=7
    assert r.status_code == 201 and r.json()["attendees"] == [6, 7]
    assert (
        http.post(url(sb, "guides/47/publish-personalized-schedules/")).status_code == 202
    )  # empty body: fine
    assert http.get(url(sb, SCHEDULES), params={"guide": 47}).status_code == 200


# ---- guidebook.patch_lists
# ---------------------------------------------------------------------------


def test_patch_lists_replace_by_default(sb: SandboxServer, http: requests.Session) -> None:
    r = http.patch(url(sb, SCHEDULES + "1/"), json={"attendees": [6, 99]})
    assert r.json()["attendees"] == [6, 99] and sales(sb)["attendees"] == [6, 99]


def test_patch_lists_merge_unions_so_removals_do_nothing(
    sb: SandboxServer, http: requests.Session
) -> None:
    sb.set_readings({"guidebook.patch_lists": "merge"})
    r = http.patch(url(sb, SCHEDULES + "1/"), json={"attendees": [6, 99]})
    assert r.status_code == 200 and r.json()["attendees"] == [6, 7, 10, 11, 12, 99]
    assert sales(sb)["attendees"] == [6, 7, 10, 11, 12, 99] and sales(sb)["sessions"] == [
        13,
        14,
        40,
    ]
    assert http.patch(url(sb, SCHEDULES + "1/"), json={"sessions": []}).json()["sessions"] == [
        13,
        14,
        40,
    ]


# ---- guidebook.empty_list
# ----------------------------------------------------------------------------


def test_empty_list_accepted_by_default(sb: SandboxServer, http: requests.Session) -> None:
    r = http.post(
        url(sb, SCHEDULES), json={"guide": 47, "name": "E", "attendees": [], "sessions": [13]}
    )
    assert r.status_code == 201 and r.json()["attendees"] == []
    assert http.patch(url(sb, SCHEDULES + "1/"), json={"attendees": []}).json()["attendees"] == []


def test_empty_list_refused_on_create_and_patch(sb: SandboxServer, http: requests.Session) -> None:
    sb.set_readings({"guidebook.empty_list": "refused"})
    r = http.post(
        url(sb, SCHEDULES), json={"guide": 47, "name": "E", "attendees": [], "sessions": []}
    )
    assert r.status_code == 400
    assert r.json() == {
        "attendees": ["This list may not be empty."],
        "sessions": ["This list may not be empty."],
    }
    r = http.patch(url(sb, SCHEDULES + "1/"), json={"attendees": []})
    assert (r.status_code, r.json()) == (400, {"attendees": ["This list may not be empty."]})
    assert len(sb.store.guidebook_schedules(47)) == 12 and sales(sb)["attendees"] == [
        6,
        7,
        10,
        11,
        12,
    ]


def test_empty_list_refused_on_create_only(sb: SandboxServer, http: requests.Session) -> None:
    sb.set_readings({"guidebook.empty_list": "refused-on-create"})
    r = http.post(
        url(sb, SCHEDULES), json={"guide": 47, "name": "E", "attendees": [6], "sessions": []}
    )
    assert (r.status_code, r.json()) == (400, {"sessions": ["This list may not be empty."]})
    assert http.patch(url(sb, SCHEDULES + "1/"), json={"attendees": []}).status_code == 200


# ---- guidebook.page_size, guidebook.ordering, guidebook.count
# ----------------------------------------


def test_page_size_honoured_up_to_100_with_count(sb: SandboxServer, http: requests.Session) -> None:
    body = http.get(url(sb, "attendees/"), params={"guide": 47, "page_size": 30}).json()
    assert body["count"] == 100 and len(body["results"]) == 30 and "page_size=30" in body["next"]
    assert len(http.get(url(sb, "attendees/"), params={"page_size": 500}).json()["results"]) == 100
    assert len(http.get(url(sb, "attendees/")).json()["results"]) == 25  # the server's own default


def test_page_size_decided_by_the_server(sb: SandboxServer, http: requests.Session) -> None:
    sb.set_readings({"guidebook.page_size": "7"})
    first = http.get(url(sb, "attendees/"), params={"guide": 47, "page_size": 100}).json()
    assert first["count"] == 100 and len(first["results"]) == 7
    last = http.get(
        url(sb, "attendees/"), params={"guide": 47, "page_size": 100, "page": 15}
    ).json()
    assert len(last["results"]) == 2 and last["next"] is None
    with pytest.raises(SandboxError, match="a page size 1-10000"):
        sb.set_readings({"guidebook.page_size": "0"})


def test_parallel_pages_with_ordering_id_hold_count_distinct_ids(
    sb: SandboxServer, http: requests.Session
) -> None:
    params = {"guide": 47, "page_size": 5, "ordering": "id"}
    first = http.get(url(sb, "attendees/"), params=params).json()
    pages = [first] + [
        http.get(url(sb, "attendees/"), params={**params, "page": n}).json() for n in range(2, 21)
    ]
    ids = [a["id"] for p in pages for a in p["results"]]
    assert ids == list(range(1, 101)) and len(set(ids)) == first["count"]
    newest = http.get(url(sb, SCHEDULES), params={"guide": 47, "ordering": "-id"}).json()["results"]
    assert [s["id"] for s in newest][:2] == [12, 11]


def test_ordering_ignored_is_not_by_id_and_moves_after_a_write(
    sb: SandboxServer, http: requests.Session
) -> None:
    sb.set_readings({"guidebook.ordering": "ignored"})
    params = {"guide": 47, "page_size": 10, "ordering": "id"}

    def read() -> list[int]:
        pages = [
            http.get(url(sb, "attendees/"), params={**params, "page": n}).json()
            for n in range(1, 11)
        ]
        return [a["id"] for p in pages for a in p["results"]]

    before = read()
    assert sorted(before) == list(range(1, 101)) and before != sorted(
        before
    )  # whole, but not in id order
    assert read() == before  # stable while nothing is written
    http.patch(url(sb, "attendees/6/"), json={"revoked": True})
    after = read()
    assert after != before and sorted(after) == list(range(1, 101))
    # a read that straddles the write: page 1 before, page 2 after, overlap or gaps appear
    page1 = http.get(url(sb, "attendees/"), params={**params, "page": 1}).json()["results"]
    http.patch(url(sb, "attendees/7/"), json={"revoked": True})
    page2 = http.get(url(sb, "attendees/"), params={**params, "page": 2}).json()["results"]
    assert {a["id"] for a in page1} | {a["id"] for a in page2} != set(after[:20])


def test_count_absent(sb: SandboxServer, http: requests.Session) -> None:
    sb.set_readings({"guidebook.count": "absent"})
    body = http.get(url(sb, SCHEDULES), params={"guide": 47, "page_size": 5}).json()
    assert set(body) == {"next", "previous", "results"} and len(body["results"]) == 5


# ---- guidebook.attendee_schedules
# --------------------------------------------------------------------


def on(sb: SandboxServer, attendee: int) -> list[str]:
    """The names of the schedules of guide 47 that hold ``attendee``."""
    return [s["name"] for s in sb.store.guidebook_schedules(47) if attendee in s["attendees"]]


def test_attendee_schedules_many_by_default_keeps_both(
    sb: SandboxServer, http: requests.Session
) -> None:
    # alice (6) is on Sales Team (1): adding her to VIP Speakers (3) keeps her on both
    r = http.patch(url(sb, SCHEDULES + "3/"), json={"attendees": [6, 8, 20, 21]})
    assert r.status_code == 200 and on(sb, 6) == ["Sales Team", "VIP Speakers"]


def test_attendee_schedules_move_takes_the_attendee_off_the_other(
    sb: SandboxServer, http: requests.Session
) -> None:
    sb.set_readings({"guidebook.attendee_schedules": "move"})
    r = http.patch(url(sb, SCHEDULES + "3/"), json={"attendees": [6, 8, 20, 21]})
    assert r.status_code == 200 and on(sb, 6) == ["VIP Speakers"]
    assert sales(sb)["attendees"] == [7, 10, 11, 12]
    r = http.post(
        url(sb, SCHEDULES), json={"guide": 47, "name": "New", "attendees": [7], "sessions": [13]}
    )
    assert r.status_code == 201 and on(sb, 7) == ["New"]
    # re-sending someone already on the schedule adds nobody: carol (8) stays where she is
    sb.store.add_guidebook_schedule(47, "Also Carol", [8], [13])
    assert http.patch(url(sb, SCHEDULES + "3/"), json={"attendees": [6, 8]}).status_code == 200
    assert on(sb, 8) == ["VIP Speakers", "Also Carol"]


def test_attendee_schedules_reject_refuses_and_writes_nothing(
    sb: SandboxServer, http: requests.Session
) -> None:
    sb.set_readings({"guidebook.attendee_schedules": "reject"})
    r = http.patch(url(sb, SCHEDULES + "3/"), json={"attendees": [6, 7, 8]})
    assert (r.status_code, r.json()) == (
        400,
        {
            "attendees": [
                "Attendee 6 already has a personalized schedule (Sales Team).",
                "Attendee 7 already has a personalized schedule (Sales Team).",
            ]
        },
    )
    assert on(sb, 6) == ["Sales Team"] and on(sb, 8) == ["VIP Speakers"]
    r = http.post(
        url(sb, SCHEDULES), json={"guide": 47, "name": "New", "attendees": [6], "sessions": [13]}
    )
    assert r.status_code == 400 and len(sb.store.guidebook_schedules(47)) == 12
    # another guide's schedules do not count, nor does re-sending the schedule's own attendees
    assert http.patch(url(sb, SCHEDULES + "1/"), json={"attendees": [6, 7]}).status_code == 200
    r = http.post(
        url(sb, SCHEDULES), json={"guide": 48, "name": "P", "attendees": [106], "sessions": [41]}
    )
    assert r.status_code == 201
