"""Warnings about people (DESIGN §6): ``blockout``, ``double_booked``, ``overlapping_sessions`` in
text, markdown and the JSON plan (``warning_details``, format_minor 3), read with the fewest
requests, never an exit code.

Demo seed: Grace Wilson (119) blocked out Dec 19-20 (plan 5680 "Advent 4": its Carols Dec 19 and
both services Dec 20), Peter Clark (124) blocked out every 2 weeks from Sunday Nov 29 (Dec 13 = plan
5679, not Dec 20), Jane Doe (111) a past blockout. Guidebook sessions 14 "Workshop A" and 15
"Workshop B" share a slot.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from provisioner.core.notice import Notice, with_details
from provisioner.core.plan import Plan
from provisioner.providers.planning_center.blockouts import Span, parse_blockout
from provisioner_sandbox import SandboxServer
from tests.conftest import Cli
from tests.helpers import on_team, roster_yaml

Write = Callable[[str, str], Path]
ST = "/services/v2/service_types/1234"
PAGE = {"per_page": "100", "offset": "0"}
GRACE = (
    "plan 5680: Grace Wilson (person 119) is blocked out Dec 19, 2026 – Dec 20, 2026 (Visiting "
    "family), which overlaps Carols in the park, 10am and Noon; Planning Center schedules them "
    "anyway"
)
# text and markdown title the scope (the JSON plan keeps `plan 5680`)
GRACE_TITLED = GRACE.replace("plan 5680:", "Sunday Services · Dec 20 (plan 5680):", 1)
PETER = (
    "plan 5679: Peter Clark (person 124) is blocked out every 2 weeks from Nov 29, 2026 (Alternate "
    "Sundays), which overlaps 10am and Noon; Planning Center schedules them anyway"
)


def reads(sb: SandboxServer) -> list[tuple[str, dict[str, str]]]:
    return [(r["path"], r["query"]) for r in sb.requests() if r["method"] == "GET"]


def grace_roster(write: Write) -> Path:
    return write(
        "roster.yaml", roster_yaml(5680, [on_team(119, 22, position="Vocals")], prune=False)
    )


def test_a_person_added_on_a_blocked_out_day_is_a_blockout_warning_in_text(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = grace_roster(write)
    sb.clear_requests()
    result = cli("plan", "--detailed-exitcode", str(path))
    assert result.exit_code == 2  # the create, not the warning: warnings never change an exit code
    assert f"warning: {GRACE_TITLED}\n" in result.stdout
    # the roster, the added person's checks, then the plan's times and her blockouts: once each
    assert reads(sb) == [
        (
            f"{ST}/plans/5680/team_members",
            {"include": "team,plan", "filter": "not_deleted", **PAGE},
        ),
        (f"{ST}/teams", PAGE),
        ("/services/v2/people/119", {}),
        (f"{ST}/plans/5680/plan_times", PAGE),
        ("/services/v2/people/119/blockouts", PAGE),
        ("/services/v2/service_types", PAGE),  # the plan's title names its service type (issue 21)
    ]


def test_the_blockout_warning_is_in_markdown_and_in_the_json_plan_with_its_kind(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = grace_roster(write)
    markdown = cli("plan", "--format", "markdown", str(path))
    assert markdown.exit_code == 0
    assert f"- ⚠️ {GRACE_TITLED}\n" in markdown.stdout.replace("\\-", "-")
    sb.clear_requests()
    result = cli("plan", "--format", "json", str(path))
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["format_minor"] >= 3  # warning_details came with minor 3
    assert data["warnings"] == [GRACE]
    assert data["warning_details"] == [
        {
            "kind": "blockout",
            "message": GRACE,
            "provider": "planning_center",
            "scope": "plan 5680",
            "person": 119,
            "plan": 5680,
            "blockout": {
                "id": "901",
                "starts_at": "2026-12-19T05:00:00Z",
                "ends_at": "2026-12-21T04:59:00Z",
                "reason": "Visiting family",
                "repeats": False,
            },
            "times": [
                {
                    "id": "810",
                    "name": "Carols in the park",
                    "starts_at": "2026-12-19T22:00:00Z",
                    "ends_at": "2026-12-19T23:30:00Z",
                },
                {
                    "id": "808",
                    "name": "10am",
                    "starts_at": "2026-12-20T15:00:00Z",
                    "ends_at": "2026-12-20T16:15:00Z",
                },
                {
                    "id": "809",
                    "name": "Noon",
                    "starts_at": "2026-12-20T17:00:00Z",
                    "ends_at": "2026-12-20T18:15:00Z",
                },
            ],
        }
    ]
    assert (
        len(reads(sb)) == 5
    )  # the JSON plan reads what text does: no name is needed for the warning


def test_a_saved_plan_keeps_its_warnings_kinds_and_show_renders_them(
    sb: SandboxServer, cli: Cli, write: Write, tmp_path: Path
) -> None:
    path = grace_roster(write)
    saved = tmp_path / "plan.json"
    shown = cli("plan", "--out", str(saved), str(path))
    assert shown.exit_code == 0
    sb.clear_requests()
    again = cli("show", str(saved))
    assert again.exit_code == 0 and sb.requests() == []
    assert again.stdout == shown.stdout
    data = json.loads(saved.read_text())
    assert [d["kind"] for d in data["warning_details"]] == ["blockout"]
    plan = Plan.from_json(data)
    assert isinstance(plan.warnings[0], Notice) and plan.warnings[0].kind == "blockout"
    assert plan.to_json()["warning_details"] == data["warning_details"]


def test_a_repeating_blockout_warns_on_the_dates_it_repeats_on_and_is_read_once_a_run(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    text = "\n".join(
        [
            roster_yaml(5679, [on_team(124, 23, position="Video")], prune=False),
            *roster_yaml(5680, [on_team(124, 23, position="Lighting")], prune=False).splitlines()[
                3:
            ],
        ]
    )
    path = write("roster.yaml", text + "\n")
    sb.clear_requests()
    result = cli("plan", "--format", "json", str(path))
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # Dec 13 is one of his alternate Sundays; Dec 20 is not
    assert data["warnings"] == [PETER]
    assert [(d["kind"], d["plan"], d["blockout"]["repeats"]) for d in data["warning_details"]] == [
        ("blockout", 5679, True)
    ]
    blockout_reads = [p for p, _ in reads(sb) if p.endswith("/blockouts")]
    assert blockout_reads == ["/services/v2/people/124/blockouts"]  # two plans add him: read once
    assert sorted(p for p, _ in reads(sb) if p.endswith("/plan_times")) == [
        f"{ST}/plans/5679/plan_times",
        f"{ST}/plans/5680/plan_times",
    ]


def test_a_plan_that_adds_nobody_reads_no_blockouts(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    # Peter is already on Dec 13 (Coffee): a change of his notes adds nobody, so nothing is read for
    # warnings
    path = write(
        "roster.yaml",
        roster_yaml(5679, [on_team(124, 24, position="Coffee", notes="x")], prune=False),
    )
    sb.clear_requests()
    result = cli("plan", "--format", "json", str(path))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["warnings"] == []
    assert reads(sb) == [
        (f"{ST}/plans/5679/team_members", {"include": "team,plan", "filter": "not_deleted", **PAGE})
    ]


def test_a_blockout_added_in_the_sandbox_is_seen_and_a_past_one_is_not(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    sb.store.add_blockout(111, "2026-12-20T16:00:00Z", "2026-12-20T17:30:00Z", "Dentist")
    path = write(
        "roster.yaml", roster_yaml(5680, [on_team(111, 23, position="Video")], prune=False)
    )
    result = cli("plan", "--format", "json", str(path))
    data = json.loads(result.stdout)
    # her October blockout (seed) overlaps nothing; the new one overlaps the 10am service's end and
    # Noon
    assert data["warnings"] == [
        "plan 5680: Jane Doe (person 111) is blocked out Dec 20, 2026 (Dentist), which overlaps "
        "10am and "
        "Noon; Planning Center schedules them anyway"
    ]


def test_double_booked_is_a_kind_in_the_json_plan(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = write(
        "roster.yaml",
        roster_yaml(5679, [on_team(111, 22), on_team(111, 23, position="Audio")], prune=False),
    )
    data = json.loads(cli("plan", "--format", "json", str(path)).stdout)
    assert data["warning_details"] == [
        {
            "kind": "double_booked",
            "message": "plan 5679: Jane Doe (person 111) is on teams Band (22) and Tech (23)",
            "provider": "planning_center",
            "scope": "plan 5679",
            "person": 111,
            "plan": 5679,
            "teams": [22, 23],
        }
    ]


def test_overlapping_sessions_is_a_kind_in_the_json_plan(
    sb: SandboxServer, cli: Cli, write: Write, tmp_path: Path
) -> None:
    path = write(
        "guide.yaml",
        """
        provider: guidebook
        guide: 47
        prune: false
        schedules:
          - name: Workshops
            attendees: []
            sessions: [14, 15]
        """,
    )
    # Sessions' times come with the guide's lists, read for text and markdown (and for names): the
    # saved plan of a text plan has the warning; `--format json` of an id-only file reads no list
    # and has none.
    saved = tmp_path / "plan.json"
    result = cli("plan", "--out", str(saved), str(path))
    assert result.exit_code == 0, result.stderr
    data = json.loads(saved.read_text())
    message = (
        "guide 47: schedule 'Workshops' has overlapping sessions 'Workshop A' and 'Workshop B'"
    )
    titled = message.replace("guide 47:", "Summit 2026 (guide 47):", 1)  # JSON keeps it plain
    assert f"warning: {titled}\n" in result.stdout
    assert data["warnings"] == [message]
    assert data["warning_details"] == [
        {
            "kind": "overlapping_sessions",
            "message": message,
            "provider": "guidebook",
            "scope": "guide 47",
            "schedule": "Workshops",
            "sessions": [14, 15],
        }
    ]


# -- units: how a blockout repeats
# -----------------------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def blockout(**attrs: Any) -> Any:
    found = parse_blockout({"id": "1", "attributes": {"time_zone": "America/New_York", **attrs}})
    assert found is not None
    return found


def sunday_10am(day: str) -> Span:
    return Span(at(f"{day}T15:00:00"), at(f"{day}T16:15:00"), "10am")


def test_a_weekly_blockout_repeats_every_n_weeks_in_its_own_time_zone_until_its_end() -> None:
    b = blockout(
        starts_at="2026-11-29T14:00:00Z",
        ends_at="2026-11-29T19:00:00Z",
        repeat_frequency="every_2",
        repeat_period="weekly",
        repeat_until="2027-01-10",
    )
    days = ["2026-12-06", "2026-12-13", "2026-12-20", "2026-12-27", "2027-01-10", "2027-01-24"]
    assert [bool(b.hits([sunday_10am(d)])) for d in days] == [False, True, False, True, True, False]
    # after the clocks change (Mar 8, 2027) it still covers 10am local: repeats keep the wall-clock
    # time
    spring = blockout(
        starts_at="2027-02-28T14:00:00Z",
        ends_at="2027-02-28T16:00:00Z",
        repeat_frequency="every_1",
        repeat_period="weekly",
    )
    assert spring.hits([Span(at("2027-03-14T14:00:00"), at("2027-03-14T15:00:00"))])


def test_monthly_blockouts_by_day_of_month_or_by_weekday_of_the_month() -> None:
    day_31 = blockout(
        starts_at="2027-01-31T05:00:00Z",
        ends_at="2027-02-01T04:59:00Z",
        repeat_frequency="every_1",
        repeat_period="monthly",
        repeat_interval="exact_day_of_month",
    )
    assert not day_31.hits([Span(at("2027-02-28T15:00:00"), at("2027-02-28T16:00:00"))])
    assert day_31.hits([Span(at("2027-03-31T15:00:00"), at("2027-03-31T16:00:00"))])
    last_sunday = blockout(  # Sunday Nov 29, 2026 is the last Sunday of November
        starts_at="2026-11-29T05:00:00Z",
        ends_at="2026-11-30T04:59:00Z",
        repeat_frequency="every_1",
        repeat_period="monthly",
        repeat_interval="week_of_month_last",
    )
    hits = [bool(last_sunday.hits([sunday_10am(d)])) for d in ("2026-12-20", "2026-12-27")]
    assert hits == [False, True]
    second_sunday = blockout(
        starts_at="2026-11-08T05:00:00Z",
        ends_at="2026-11-09T04:59:00Z",
        repeat_frequency="every_1",
        repeat_period="monthly",
        repeat_interval="week_of_month_2",
    )
    hits = [bool(second_sunday.hits([sunday_10am(d)])) for d in ("2026-12-06", "2026-12-13")]
    assert hits == [False, True]


def test_a_blockout_that_does_not_repeat_or_cannot_be_read() -> None:
    once = blockout(starts_at="2026-12-13T05:00:00Z", ends_at="2026-12-14T04:59:00Z")
    assert once.hits([sunday_10am("2026-12-13")]) and not once.hits([sunday_10am("2026-12-20")])
    assert parse_blockout({"id": "2", "attributes": {"starts_at": None}}) is None
    daily = blockout(
        starts_at="2026-12-01T05:00:00Z",
        ends_at="2026-12-01T06:00:00Z",
        repeat_frequency="every_3",
        repeat_period="daily",
    )
    assert daily.hits([Span(at("2026-12-04T05:30:00"), at("2026-12-04T05:45:00"))])
    assert not daily.hits([Span(at("2026-12-05T05:30:00"), at("2026-12-05T05:45:00"))])


def test_a_saved_warning_gets_its_kind_back_by_its_text_and_unknown_ones_stay_plain() -> None:
    restored = with_details(
        ["plain", "kinded"], [{"kind": "blockout", "message": "kinded", "person": 1}, "junk"]
    )
    assert restored == ("plain", "kinded")
    assert not isinstance(restored[0], Notice)
    assert isinstance(restored[1], Notice) and restored[1].to_json() == {
        "kind": "blockout",
        "message": "kinded",
        "person": 1,
    }


def test_the_sandbox_serves_a_persons_blockouts_with_the_documented_fields(
    sb: SandboxServer,
) -> None:
    import urllib.request

    from tests.conftest import sandbox_env

    sb.set_readings(
        {"pco.blockout_times": "utc"}
    )  # the times as stored (tests/test_blockout_times.py: local)
    env = sandbox_env(sb)
    request = urllib.request.Request(f"{sb.pco_url}services/v2/people/124/blockouts?filter=future")
    import base64

    token = base64.b64encode(f"{env['PCO_APPLICATION_ID']}:{env['PCO_SECRET']}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request) as response:
        body = json.load(response)
    (row,) = body["data"]
    assert (row["type"], row["id"], row["relationships"]["person"]["data"]) == (
        "Blockout",
        "902",
        {"type": "Person", "id": "124"},
    )
    attrs = row["attributes"]
    assert {k: attrs[k] for k in ("starts_at", "repeat_frequency", "repeat_period", "reason")} == {
        "starts_at": "2026-11-29T05:00:00Z",
        "repeat_frequency": "every_2",
        "repeat_period": "weekly",
        "reason": "Alternate Sundays",
    }
