"""Real-shaped payloads fed to the providers, not only to the HTTP client: the recorded Planning
Center responses in tests/fixtures/pco-recorded/, and pages shaped exactly like the documentation's
examples (docs/api-notes.md says where each shape comes from)."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from provisioner.core.errors import NotFoundError
from provisioner.core.records import Scope
from provisioner.providers.guidebook.provider import GuidebookProvider
from provisioner.providers.planning_center.client import (
    client_from_env,
    is_route_404,
    iterate,
    jsonapi_detail,
)
from provisioner.providers.planning_center.provider import PlanningCenterProvider
from tests.replay import ReplayServer

# The recordings are part of the repository (MIT, pypco; see LICENSE-NOTE.md there), read relative
# to this file so that every checkout runs these tests: none is skipped.
RECORDED = Path(__file__).parent / "fixtures" / "pco-recorded"


def cassette(name: str) -> list[dict[str, Any]]:
    """A vcrpy cassette as replay exchanges (gzip bodies decoded, encoding headers dropped)."""
    data = YAML(typ="safe").load((RECORDED / name).read_text(encoding="utf-8"))
    out = []
    for item in data["interactions"]:
        req, resp = item["request"], item["response"]
        body = resp["body"]["string"]
        headers = {k: v[0] for k, v in resp["headers"].items()}
        if isinstance(body, bytes) and headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if isinstance(body, str) and not body:
            body = None
        out.append(
            {
                "method": req["method"],
                "url": req["uri"],
                "status": resp["status"]["code"],
                "headers": {k: v for k, v in headers.items() if k.lower() != "content-encoding"},
                "body": body,
            }
        )
    return out


def pco(url: str) -> PlanningCenterProvider:
    return PlanningCenterProvider.from_env(
        {"PCO_APPLICATION_ID": "app", "PCO_SECRET": "secret", "PCO_API_URL": url}
    )


def test_recorded_pages_are_followed_until_next_is_absent() -> None:
    with ReplayServer(
        exchanges=cassette("services-iterate-no-relationships.yaml"), by_path=True
    ) as server:
        client = client_from_env(
            {"PCO_APPLICATION_ID": "app", "PCO_SECRET": "secret", "PCO_API_URL": server.url}
        )
        rows = list(iterate(client, "report_templates"))
    assert len(rows) == 36 and len({r["id"] for r in rows}) == 36
    # our first request asks 100 a page; the recorded `next` (another host, per_page=25) is followed
    # on our host
    assert server.seen == [
        "GET /services/v2/report_templates?per_page=100&offset=0",
        "GET /services/v2/report_templates?offset=25&per_page=25",
    ]
    assert client.pacer is not None and (client.pacer.limit, client.pacer.period) == (100, 20.0)


def test_recorded_delete_and_not_found_and_html_404_are_told_apart() -> None:
    exchanges = cassette("services-delete.yaml") + cassette("services-put.yaml")
    with ReplayServer(exchanges=exchanges, by_path=True) as server:
        client = pco(server.url).client
        assert client.request("DELETE", "services/v2/songs/18420243").data is None  # 204, empty
        with pytest.raises(NotFoundError) as gone:
            client.request("GET", "services/v2/songs/18420243")
        with pytest.raises(NotFoundError) as unrouted:
            client.request("PUT", "services/v2/songs/18338876")
    assert not is_route_404(gone.value.body)  # JSON:API errors: the object is not there
    assert (
        jsonapi_detail(gone.value.body)
        == "Not Found: The resource you requested could not be found"
    )
    assert is_route_404(unrouted.value.body)  # text/html: the route is not there
    assert "HTML error page" in jsonapi_detail(unrouted.value.body)


def _member(rid: str, person: str, team: str, position: str, status: str) -> dict[str, Any]:
    """A PlanPerson with every documented attribute, as the team_members list returns it."""
    attrs = {
        "status": status,
        "created_at": "2026-10-01T12:00:00Z",
        "updated_at": "2026-10-02T08:00:00Z",
        "notes": None,
        "decline_reason": None,
        "name": "Jane Doe",
        "notification_changed_by_name": None,
        "notification_sender_name": "Pat Scheduler",
        "team_position_name": position,
        "photo_thumbnail": "https://example.invalid/p.png",
        "status_updated_at": "2026-10-02T08:00:00Z",
        "notification_changed_at": None,
        "notification_prepared_at": None,
        "notification_read_at": None,
        "notification_sent_at": "2026-10-01T12:05:00Z",
        "prepare_notification": False,
        "can_accept_partial": True,
    }
    rels = {
        name: {"data": {"type": kind, "id": rid_}}
        for name, kind, rid_ in (
            ("person", "Person", person),
            ("plan", "Plan", "5678"),
            ("team", "Team", team),
            ("service_type", "ServiceType", "1234"),
            ("scheduled_by", "Person", "900"),
        )
    }
    rels["times"] = {"data": [{"type": "PlanTime", "id": "801"}, {"type": "PlanTime", "id": "802"}]}
    return {
        "type": "PlanPerson",
        "id": rid,
        "attributes": attrs,
        "relationships": rels,
        "links": {
            "self": f"https://api.planningcenteronline.com/services/v2/service_types/1234/plans/5678/"
            f"team_members/{rid}"
        },
    }


def test_a_person_in_two_positions_on_one_team_is_read_as_two_members() -> None:
    page = {
        "links": {
            "self": "https://api.planningcenteronline.com/services/v2/...?offset=0&per_page=100"
        },
        "data": [
            _member("842859242", "111", "22", "Vocals", "C"),
            _member("842859243", "111", "22", "Keys", "U"),
            _member("842859244", "112", "23", "Audio", "D"),
        ],
        "included": [
            {"type": "Team", "id": "22", "attributes": {"name": "Band"}},
            {"type": "Plan", "id": "5678", "attributes": {"short_dates": "Dec 6"}},
        ],
        "meta": {
            "total_count": 3,
            "count": 3,
            "can_include": ["team", "plan"],
            "parent": {"id": "5678", "type": "Plan"},
        },
    }  # last page: no `next` at all [R]
    path = "/services/v2/service_types/1234/plans/5678/team_members"
    exchanges = [
        {
            "method": "GET",
            "url": path,
            "status": 200,
            "body": page,
            "headers": {"Content-Type": "application/vnd.api+json; charset=utf-8"},
        }
    ]
    with ReplayServer(exchanges=exchanges, by_path=True) as server:
        provider = pco(server.url)
        scope = Scope("planning_center", "plan 5678", {"service_type": 1234, "plan": 5678})
        records = provider.read(scope)
    jane = sorted(
        (r for r in records.values() if r.identity["person"] == 111),
        key=lambda r: r.values["team_position_name"],
    )
    assert [
        (r.id, r.identity["team"], r.values["team_position_name"], r.values["status"]) for r in jane
    ] == [("842859243", 22, "Keys", "U"), ("842859242", 22, "Vocals", "C")]
    assert provider.labels(scope)["team"] == {"22": "Band"}


def _schedule(rid: str, plan: str, status: str, reason: str | None) -> dict[str, Any]:
    """A Schedule with every attribute and relationship of the documented example object (seed
    document)."""
    attrs = {
        "can_accept_partial": True,
        "can_accept_partial_one_time": True,
        "can_rehearse": True,
        "dates": "December 6, 2026",
        "decline_reason": reason,
        "organization_name": "Grace Church",
        "organization_time_zone": "America/New_York",
        "organization_twenty_four_hour_time": "false",
        "person_name": "Jane Doe",
        "plan_visible": True,
        "plan_visible_to_me": True,
        "position_display_times": "10am, Noon",
        "responds_to_name": "Pat Scheduler",
        "service_type_name": "Sunday Services",
        "short_dates": "Dec 6",
        "sort_date": "2026-12-06T15:00:00Z",
        "status": status,
        "team_name": "Band",
        "team_position_name": "Vocals",
    }
    one = {
        "person": ("Person", "111"),
        "service_type": ("ServiceType", "1234"),
        "organization": ("Organization", "1"),
        "plan_person": ("PlanPerson", "842859242"),
        "plan": ("Plan", plan),
        "team": ("Team", "22"),
        "responds_to_person": ("Person", "900"),
    }
    rels: dict[str, Any] = {k: {"data": {"type": t, "id": i}} for k, (t, i) in one.items()}
    rels["times"] = {"data": [{"type": "PlanTime", "id": t} for t in ("801", "802", "803")]}
    return {"type": "Schedule", "id": rid, "attributes": attrs, "relationships": rels}


def _time(tid: str, kind: str, name: str, starts: str) -> dict[str, Any]:
    return {
        "type": "PlanTime",
        "id": tid,
        "attributes": {
            "name": name,
            "time_type": kind,
            "starts_at": starts,
            "ends_at": None,
            "recorded": False,
        },
    }


def test_full_schedule_objects_feed_responses_and_partial_accepts(tmp_path: Path) -> None:
    from provisioner.files.loader import load_workspace
    from tests.helpers import Driver

    page = {
        "data": [
            _schedule("61234", "5678", "C", "Working late"),
            _schedule("61235", "5679", "D", "Away"),
        ],
        "included": [
            _time("801", "rehearsal", "Rehearsal", "2026-12-03T23:30:00Z"),
            _time("802", "service", "10am", "2026-12-06T15:00:00Z"),
            _time("803", "service", "Noon", "2026-12-06T17:00:00Z"),
        ],
        "links": {"self": "..."},
        "meta": {"total_count": 2, "count": 2},
    }
    declined = {
        "data": [_time("801", "rehearsal", "Rehearsal", "2026-12-03T23:30:00Z")],
        "links": {},
        "meta": {},
    }
    json_type = {"Content-Type": "application/vnd.api+json"}
    exchanges = [
        {
            "method": "GET",
            "url": "/services/v2/people/111/schedules",
            "status": 200,
            "headers": json_type,
            "body": page,
        },
        {
            "method": "GET",
            "url": "/services/v2/people/111/schedules/61234/declined_plan_times",
            "status": 200,
            "headers": json_type,
            "body": declined,
        },
    ]
    (tmp_path / "jane.yaml").write_text(
        "provider: planning_center\nperson: 111\nresponses:\n"
        "  - plan: 5678\n    response: accepted\n    declined_times: [{starts_at: "
        "'2026-12-03T23:30:00+00:00'}]\n"
        "    reason: Working late\n"
        "  - plan: 5679\n    response: declined\n",
        encoding="utf-8",
    )
    with ReplayServer(exchanges=exchanges, by_path=True) as server:
        engine = Driver({"planning_center": pco(server.url)}, parallelism=1)
        run = engine.survey(load_workspace([str(tmp_path)]))
    assert (
        run.plan.empty
    )  # accepted with the rehearsal declined, and declined: exactly what the file says
    live = run.live[("planning_center", "person 111")]
    assert {k: r.values for k, r in live.items()} == {
        "plan 5678 / team 22": {
            "response": "accepted",
            "decline_reason": "Working late",
            "declined_times": [801],
        },
        "plan 5679 / team 22": {"response": "declined", "decline_reason": "Away"},
    }


def test_a_drf_page_with_next_null_from_the_docs_is_read_for_one_guide() -> None:
    # The documented list example, verbatim: two schedules of two guides, next and previous null
    # [C].
    page = {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": 1,
                "guide": 18,
                "name": "Example Schedule for Sales Team",
                "attendees": [6, 7, 8],
                "sessions": [1, 2, 3],
            },
            {
                "id": 2,
                "guide": 19,
                "name": "Example Schedule for Marketing Team",
                "attendees": [9, 10, 11],
                "sessions": [4, 5, 6],
            },
        ],
    }
    exchanges = [
        {
            "method": "GET",
            "url": "/open-api/v1/personalized-schedules/",
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": page,
        }
    ]
    with ReplayServer(exchanges=exchanges, by_path=True) as server:
        provider = GuidebookProvider.from_env(
            {"GUIDEBOOK_API_KEY": "k", "GUIDEBOOK_API_URL": server.url + "open-api/v1/"}
        )
        records = provider.read(Scope("guidebook", "guide 18", {"guide": 18}))
    assert {k: (r.id, r.values) for k, r in records.items()} == {
        "Example Schedule for Sales Team": (1, {"attendees": [6, 7, 8], "sessions": [1, 2, 3]})
    }
    assert (
        provider.page_size is None
    )  # one page, next null: the page size stays unknown (100 assumed)


def test_the_recordings_are_read_from_this_checkout_so_none_is_skipped() -> None:
    # They were read from a machine-specific absolute path, so these tests skipped on any other
    # checkout.
    assert RECORDED.is_relative_to(Path(__file__).parent)
    assert sorted(p.name for p in RECORDED.glob("*.yaml")) == [
        "services-delete.yaml",
        "services-iterate-no-relationships.yaml",
        "services-patch.yaml",
        "services-post.yaml",
        "services-put.yaml",
    ]
