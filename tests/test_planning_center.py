"""Planning Center end to end: the CLI against the sandbox (demo seed), asserting the exact requests
sent.

Demo seed used here: service type 1234, plan 5678 with members 111/22 Vocals U, 112/23 Audio C,
113/22 Guitar C, 114/22 Keys D "Traveling", 115/22 Drums C, 116/23 Video U, 117/24 Greeter C, 118/24
Coffee U; person 111 is also on plan 5679 team 22 (U).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.core.clock import FakeClock
from provisioner.core.errors import ProvisionerError
from provisioner.core.plan import Change
from provisioner.core.records import Scope
from provisioner.providers.planning_center.provider import PlanningCenterProvider
from provisioner_sandbox import PCO_APP_ID, PCO_SECRET, PCO_TOKEN, SandboxServer
from tests.conftest import TODAY, Cli
from tests.helpers import on_team, roster_yaml

Write = Callable[[str, str], Path]
PLAN = "/services/v2/service_types/1234/plans/5678/team_members"

ROSTER = """
    provider: planning_center
    service_type: 1234
    rosters:
      - plan: 5678
        team_members:
          - {person: 111, team: 22, position: Keys}     # position changes; status U is not managed
          - {person: 112, team: 23, status: C}          # already C: nothing to do
          - {person: 113, team: 22}                     # nothing managed
          - {person: 114, team: 22, notes: ""}          # notes "" equals live null
          - {person: 115, team: 22, position: Drums, status: confirmed}
          - {person: 116, team: 23, status: confirmed}  # U -> C
          - {person: 117, team: 24}
          - {person: 119, team: 22, position: Guitar, status: U, notes: Bring a capo}
"""  # 118/24 Coffee is not declared: pruned

JANE = """
    provider: planning_center
    person: 111
    responses:
      - plan: 5678
        team: 22
        response: declined
        reason: Out of town
      - plan: 5679
        response: accepted
"""


def members(sb: SandboxServer, plan: int = 5678) -> dict[tuple[int, int], dict[str, Any]]:
    return {(m["person"], m["team"]): m for m in sb.store.team_members(plan)}


def writes(sb: SandboxServer) -> list[tuple[str, str, Any]]:
    """Every non-GET request, sorted (apply runs changes concurrently)."""
    return sorted(
        ((r["method"], r["path"], r["body"]) for r in sb.requests() if r["method"] != "GET"),
        key=lambda w: json.dumps(w, sort_keys=True),
    )


def plan_json(cli: Cli, path: Path) -> dict[str, Any]:
    result = cli("plan", "--format", "json", str(path))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def brief(changes: list[dict[str, Any]]) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [(c["action"], c["scope"], c["key"], c["fields"]) for c in changes]


# -- rosters
# ----------------------------------------------------------------------------------------------------


def test_roster_plan_lists_exactly_the_needed_changes(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    data = plan_json(cli, write("roster.yaml", ROSTER))
    assert data["summary"] == {"create": 1, "update": 2, "delete": 1}
    assert brief(data["changes"]) == [
        (
            "delete",
            "plan 5678",
            "person 118 / team 24 / Coffee",
            {
                "team_position_name": {"from": "Coffee", "to": None},
                "status": {"from": "U", "to": None},
            },
        ),
        # a change of position for someone holding one position is one PATCH (README: Planning
        # Center rosters)
        (
            "update",
            "plan 5678",
            "person 111 / team 22 / Vocals",
            {"team_position_name": {"from": "Vocals", "to": "Keys"}},
        ),
        (
            "update",
            "plan 5678",
            "person 116 / team 23 / Video",
            {"status": {"from": "U", "to": "C"}},
        ),
        (
            "create",
            "plan 5678",
            "person 119 / team 22 / Guitar",
            {
                "team_position_name": {"from": None, "to": "Guitar"},
                "status": {"from": None, "to": "U"},
                "notes": {"from": None, "to": "Bring a capo"},
            },
        ),
    ]
    assert data["changes"][0]["source"] is None
    assert [c["source"].rsplit("/", 1)[-1] for c in data["changes"][1:]] == [
        "roster.yaml:6",
        "roster.yaml:11",
        "roster.yaml:13",
    ]


def test_roster_apply_sends_exactly_the_minimal_requests_then_converges(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = write("roster.yaml", ROSTER)
    ids = {k: str(m["id"]) for k, m in members(sb).items()}
    sb.clear_requests()
    result = cli("apply", "--auto-approve", str(path))
    assert result.exit_code == 0, result.stderr
    assert "Applied 4, failed 0, skipped 0." in result.stdout
    people = "/services/v2/people"
    assert writes(sb) == sorted(
        [  # PATCH and DELETE on the documented path; a create names person and team twice
            ("DELETE", f"{people}/118/plan_people/{ids[(118, 24)]}", None),
            (
                "PATCH",
                f"{people}/111/plan_people/{ids[(111, 22)]}",  # only the changed attribute
                {
                    "data": {
                        "type": "PlanPerson",
                        "id": ids[(111, 22)],
                        "attributes": {"team_position_name": "Keys"},
                    }
                },
            ),
            (
                "PATCH",
                f"{people}/116/plan_people/{ids[(116, 23)]}",
                {
                    "data": {
                        "type": "PlanPerson",
                        "id": ids[(116, 23)],
                        "attributes": {"status": "C"},
                    }
                },
            ),
            (
                "POST",
                PLAN,
                {
                    "data": {
                        "type": "PlanPerson",
                        "attributes": {
                            "team_position_name": "Guitar",
                            "status": "U",
                            "notes": "Bring a capo",
                            "person_id": "119",
                            "team_id": "22",
                        },
                        "relationships": {
                            "person": {"data": {"type": "Person", "id": "119"}},
                            "team": {"data": {"type": "Team", "id": "22"}},
                        },
                    }
                },
            ),
        ],
        key=lambda w: json.dumps(w, sort_keys=True),
    )
    reads = [(r["method"], r["path"], r["query"]) for r in sb.requests() if r["method"] == "GET"]
    page = {"per_page": "100", "offset": "0"}
    assert reads == [
        ("GET", PLAN, {"include": "team,plan", "filter": "not_deleted", **page}),  # live roster
        (
            "GET",
            "/services/v2/service_types/1234/teams",
            page,
        ),  # the added member's team is the service type's
        ("GET", "/services/v2/people/119", {}),  # the added person exists (and their name)
        # the plan's times and the added person's blockouts: a blockout warning (DESIGN §6) when
        # they overlap
        ("GET", "/services/v2/service_types/1234/plans/5678/plan_times", page),
        ("GET", "/services/v2/people/119/blockouts", page),
        ("GET", "/services/v2/service_types", page),  # its name titles the plan (issue 21)
        ("GET", PLAN, {"include": "team,plan", "filter": "not_deleted", **page}),  # verify
    ]
    live = members(sb)
    assert (118, 24) not in live
    assert (live[(111, 22)]["team_position_name"], live[(111, 22)]["status"]) == ("Keys", "U")
    assert (live[(119, 22)]["team_position_name"], live[(119, 22)]["notes"]) == (
        "Guitar",
        "Bring a capo",
    )
    sb.clear_requests()
    assert cli("plan", "--detailed-exitcode", str(path)).exit_code == 0
    assert writes(sb) == []


def test_unmanaged_fields_are_neither_reverted_nor_drift(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = write(
        "roster.yaml", roster_yaml(5678, [on_team(111, 22, position="Vocals")], prune=False)
    )
    member = members(sb)[(111, 22)]["id"]
    sb.store.set_team_member(member, status="C", notes="changed by hand in PCO")
    result = cli("drift", str(path))
    assert result.exit_code == 0, result.stdout  # status and notes are not managed; prune is off
    sb.store.set_team_member(member, team_position_name="Keys")
    result = cli("drift", str(path))
    assert (
        result.exit_code == 2 and "  # position differs  (" in result.stdout
    )  # the YAML's name, not the API's


def test_prune_removes_undeclared_members_and_same_person_twice_on_a_team(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    duplicate = sb.store.add_team_member(5680, 113, 22, status="U", position="Keys")
    path = write(
        "roster.yaml",
        roster_yaml(
            5680,
            [
                on_team(113, 22),
                on_team(125, 22),
                on_team(126, 22),
                on_team(127, 22),
                on_team(128, 23),
                on_team(129, 23),
                on_team(130, 24),
            ],
        ),
    )  # 114/24 is not declared
    gone = members(sb, 5680)[(114, 24)]["id"]
    data = plan_json(cli, path)
    assert [(c["action"], c["key"], c["reason"]) for c in data["changes"]] == [
        # a second position is its own member; the declaration without `position` pairs with the
        # oldest
        ("delete", "person 113 / team 22 / Keys", "not declared (prune)"),
        ("delete", "person 114 / team 24 / Coffee", "not declared (prune)"),
    ]
    sb.clear_requests()
    assert cli("apply", "--auto-approve", str(path)).exit_code == 0
    assert writes(sb) == sorted(
        ("DELETE", f"/services/v2/people/{p}/plan_people/{i}", None)
        for p, i in ((113, duplicate), (114, gone))
    )
    assert len([m for m in sb.store.team_members(5680) if m["person"] == 113]) == 1
    assert cli("plan", "--detailed-exitcode", str(path)).exit_code == 0


def test_person_on_two_teams_of_a_plan_is_a_warning(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = write(
        "roster.yaml",
        roster_yaml(
            5679,
            [on_team(111, 22), on_team(111, 23, position="Audio"), on_team(111, 24)],
            prune=False,
        ),
    )
    result = cli("plan", str(path))
    assert result.exit_code == 0
    # names where they are known (it said "person 111 is on teams 22, 23 and 24")
    assert (
        "warning: Sunday Services · Dec 13 (plan 5679): Jane Doe (person 111) is on teams Band (22), Tech (23) and "
        "Hospitality (24)\n" in result.stdout
    )


def test_ambiguous_create_is_adopted_not_duplicated(
    sb: SandboxServer, cli: Cli, write: Write, clock: FakeClock
) -> None:
    path = write(
        "roster.yaml",
        roster_yaml(5680, [on_team(111, 23, position="Video", notes="first time")], prune=False),
    )
    sb.add_fault("POST", "team_members$", mode="drop_after_commit")
    sb.clear_requests()
    result = cli("apply", "--auto-approve", str(path))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert [(r["method"], r["status"]) for r in sb.requests()] == [
        ("GET", 200),  # plan
        ("GET", 200),  # the service type's teams (team 23 is one of them)
        ("GET", 200),  # person 111 exists
        ("GET", 200),  # the plan's times
        ("GET", 200),  # person 111's blockouts (none overlaps)
        ("GET", 200),  # the service types: the plan's title names its service type (issue 21)
        ("POST", 201),  # committed, but the connection was dropped before the answer
        ("GET", 200),  # re-read: the member exists, so it is adopted instead of posted again
        ("GET", 200),  # verify
    ]
    created = [m for m in sb.store.team_members(5680) if (m["person"], m["team"]) == (111, 23)]
    assert [(m["team_position_name"], m["notes"]) for m in created] == [("Video", "first time")]
    # one backoff before the re-read; then, before the check after apply, the rest of the request
    # timeout: the copy adopted may be another writer's, with this run's own POST still to land
    assert len(clock.sleeps) == 2 and 0.25 <= clock.sleeps[0] <= 0.5
    assert sum(clock.sleeps) == pytest.approx(30.0)  # PROVISIONER_TIMEOUT's default, from the POST
    assert cli("plan", "--detailed-exitcode", str(path)).exit_code == 0


def test_create_that_did_not_commit_is_retried_once_reread(
    sb: SandboxServer, cli: Cli, write: Write, clock: FakeClock
) -> None:
    path = write("roster.yaml", roster_yaml(5680, [on_team(111, 23)], prune=False))
    sb.add_fault("POST", "team_members$", status=502)  # a 5xx on a POST is ambiguous too
    sb.clear_requests()
    assert cli("apply", "--auto-approve", str(path)).exit_code == 0
    assert [(r["method"], r["status"]) for r in sb.requests()] == [
        ("GET", 200),
        ("GET", 200),
        ("GET", 200),  # plan: roster, teams, person 111
        ("GET", 200),
        ("GET", 200),  # the plan's times, person 111's blockouts
        ("GET", 200),  # the service types (the plan's title)
        ("POST", 502),
        ("GET", 200),
        ("POST", 201),
        ("GET", 200),
    ]
    assert (
        len([m for m in sb.store.team_members(5680) if (m["person"], m["team"]) == (111, 23)]) == 1
    )
    assert (
        len(clock.sleeps) == 1 and 0.25 <= clock.sleeps[0] <= 0.5
    )  # one backoff before the re-read


# -- responses
# --------------------------------------------------------------------------------------------------


def test_review_output_gives_the_reason_in_the_yaml_field_names(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    """Measured: text and markdown said "decline_reason, response differ" beside a field shown as
    "reason"."""
    path = write("jane.yaml", JANE)
    assert (
        plan_json(cli, path)["changes"][0]["reason"] == "decline_reason, response differ"
    )  # the JSON keeps the API's
    text = cli("plan", str(path)).stdout
    assert (
        "  ~ update 'Dec 6 (plan 5678) / Band (team 22)'  # reason, response differ  (" in text
        and "decline_reason" not in text
    )
    markdown = cli("plan", "--format", "markdown", str(path)).stdout
    assert (
        "| reason: (none) → Out of town<br>response: pending → declined | reason, response differ "
        "| `"
        in markdown
        and "  # reason, response differ\n" in markdown
        and "decline" + "\\_reason" not in markdown
    )


def test_responses_accept_and_decline_with_reason(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = write("jane.yaml", JANE)
    schedules = {(s["plan"], s["team"]): str(s["id"]) for s in sb.store.schedules(111)}
    data = plan_json(cli, path)
    assert brief(data["changes"]) == [
        (
            "update",
            "person 111",
            "plan 5678 / team 22",
            {
                "response": {"from": "pending", "to": "declined"},
                "decline_reason": {"from": None, "to": "Out of town"},
            },
        ),
        (
            "update",
            "person 111",
            "plan 5679 / team 22",
            {"response": {"from": "pending", "to": "accepted"}},
        ),
    ]
    sb.clear_requests()
    result = cli("apply", "--auto-approve", str(path))
    assert result.exit_code == 0, result.stderr
    base = "/services/v2/people/111/schedules"
    assert writes(sb) == sorted(
        [
            (
                "POST",
                f"{base}/{schedules[(5678, 22)]}/decline",
                {"data": {"type": "ScheduleDecline", "attributes": {"reason": "Out of town"}}},
            ),
            (
                "POST",
                f"{base}/{schedules[(5679, 22)]}/accept",
                {"data": {"type": "ScheduleAccept", "attributes": {}}},
            ),
        ],
        key=lambda w: json.dumps(w, sort_keys=True),
    )
    reads = [(r["path"], r["query"]) for r in sb.requests() if r["method"] == "GET"]
    assert reads == [(base, {"filter": "with_declined", "per_page": "100", "offset": "0"})] * 2
    live = members(sb)
    assert (live[(111, 22)]["status"], live[(111, 22)]["decline_reason"]) == ("D", "Out of town")
    assert members(sb, 5679)[(111, 22)]["status"] == "C"
    assert cli("plan", "--detailed-exitcode", str(path)).exit_code == 0
    # A different reason on an already declined schedule is deliberately not a change (it would
    # re-decline).
    path = write("jane.yaml", JANE.replace("Out of town", "Visiting family"))
    assert cli("plan", "--detailed-exitcode", str(path)).exit_code == 0


def test_accepting_a_declined_schedule(sb: SandboxServer, cli: Cli, write: Write) -> None:
    path = write(
        "david.yaml",
        """
        provider: planning_center
        person: 114
        responses:
          - {plan: 5678, response: accepted}
    """,
    )  # 114 declined plan 5678 ("Traveling"); only `with_declined` lists that schedule
    data = plan_json(cli, path)
    assert brief(data["changes"]) == [
        (
            "update",
            "person 114",
            "plan 5678 / team 22",
            {"response": {"from": "declined", "to": "accepted"}},
        )
    ]
    assert data["changes"][0]["before"]["decline_reason"] == "Traveling"
    assert cli("apply", "--auto-approve", str(path)).exit_code == 0
    assert members(sb)[(114, 22)]["status"] == "C"
    assert cli("plan", "--detailed-exitcode", str(path)).exit_code == 0


def test_response_without_a_schedule_is_a_plan_error_at_its_line(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = write(
        "jane.yaml",
        """
        provider: planning_center
        person: 111
        responses:
          - plan: 5678
            response: accepted
          - plan: 5680
            response: declined
          - plan: 5679
            team: 23
            response: accepted
    """,
    )
    sb.clear_requests()
    result = cli("plan", str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line.rsplit("/", 1)[-1] for line in lines[:2]] == [
        "jane.yaml:6:5: person 111 has no schedule on plan 5680 (a Schedule cannot be created; add "
        "them to the "
        "roster first; neither their schedules nor the plan's team members show one)",
        "jane.yaml:8:5: person 111 has no schedule on plan 5679 team 23 "
        "(a Schedule cannot be created; add them to the roster first)",
    ]
    assert lines[2:] == ["2 errors found."] and "Traceback" not in result.output
    assert writes(sb) == []


def test_person_with_two_schedules_on_a_plan_must_name_the_team(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    sb.store.add_team_member(5678, 111, 23, position="Audio")
    path = write(
        "jane.yaml",
        """
        provider: planning_center
        person: 111
        responses:
          - plan: 5678
            response: accepted
    """,
    )
    result = cli("plan", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].rsplit("/", 1)[-1] == (
        "jane.yaml:4:5: person 111 has 2 schedules on plan 5678 (teams 22, 23): add `team:`"
    )
    path = write(
        "jane.yaml",
        """
        provider: planning_center
        person: 111
        responses:
          - {plan: 5678, team: 23, response: accepted}
    """,
    )
    data = plan_json(cli, path)
    assert brief(data["changes"]) == [
        (
            "update",
            "person 111",
            "plan 5678 / team 23",
            {"response": {"from": "pending", "to": "accepted"}},
        )
    ]


def test_a_schedule_is_never_created_or_deleted(sb: SandboxServer) -> None:
    provider = PlanningCenterProvider.from_env(
        {"PCO_API_URL": sb.pco_url, "PCO_ACCESS_TOKEN": PCO_TOKEN}
    )
    change = Change(
        "delete",
        "planning_center",
        "person 111",
        "plan 5678 / team 22",
        {},
        "x",
        target={"person": 111, "id": "1"},
        before={"response": "pending"},
    )
    with pytest.raises(ProvisionerError, match="a Schedule cannot be deleted"):
        provider.apply(change)
    live = provider.read(
        Scope("planning_center", "person 111", {"person": 111})
    )  # bearer token works too
    assert sorted(live) == ["plan 5678 / team 22", "plan 5679 / team 22"]
    assert [r for r in sb.requests() if r["method"] != "GET"] == []


def test_unknown_person_or_foreign_team_is_a_plan_error_naming_the_line(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = write(
        "roster.yaml", roster_yaml(5678, [on_team(99999, 22), on_team(111, 31)], prune=False)
    )
    result = cli("plan", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (
        "roster.yaml:7:18: person 99999 does not exist in Planning Center Services" in result.stderr
    )
    assert (
        "roster.yaml:8:29: team 31 is not a team of service type 1234; its teams are 22 (Band), 23 "
        "(Tech), "
        "24 (Hospitality)"
    ) in result.stderr
    assert writes(sb) == []


def test_an_added_person_is_named_in_review_output(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = write("roster.yaml", roster_yaml(5678, [on_team(119, 22, position="Keys")], prune=False))
    result = cli("plan", str(path), "--format", "markdown")
    assert "Grace Wilson on Dec 6 Band: added as Keys" in result.stdout


# -- rate limits
# ------------------------------------------------------------------------------------------------


def test_long_apply_is_paced_below_the_rate_limit(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 changes against 10 requests per 2 s: paced from the rate headers, so no 429 ever happens.

    The sandbox's rate window runs on the client's fake clock, so the pacing waits are asserted, not
    waited."""
    people = [(p, t) for p in range(119, 131) for t in (22, 23)]  # 24 creates
    lines = [f"      - {{person: {p}, team: {t}}}" for p, t in people]
    lines += [
        f"      - {{person: {p}, team: {t}, notes: paced}}"
        for p, t in ((111, 22), (112, 23), (113, 22), (114, 22), (115, 22), (116, 23))
    ]  # 6 updates
    (tmp_path / "roster.yaml").write_text(
        "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5678\n    prune: "
        "false\n"
        "    team_members:\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    with SandboxServer(
        today=TODAY, seed="demo", pco_rate_limit=10, pco_rate_period=2, monotonic=clock.monotonic
    ) as sb:
        for key, value in {
            "PCO_API_URL": sb.pco_url,
            "PCO_APPLICATION_ID": PCO_APP_ID,
            "PCO_SECRET": PCO_SECRET,
            "PCO_ACCESS_TOKEN": "",
        }.items():
            monkeypatch.setenv(key, value)
        # One request at a time: a fake clock jumps while others are in flight, which a real one
        # never does.
        result = CliRunner().invoke(
            main,
            ["apply", "--auto-approve", "--parallelism", "1", str(tmp_path)],
            catch_exceptions=False,
            obj=clock,
        )
        assert result.exit_code == 0, result.stderr
        assert "Applied 30, failed 0, skipped 0." in result.stdout
        # A run this long shows its progress (on stderr, and nothing else there).
        progress = result.stderr.splitlines()
        assert progress[-1] == "applying changes: 30/30 changes (100%)"
        assert all(re.fullmatch(r"[a-z ]+: \d+/\d+ [a-z]+ \(\d+%\)", line) for line in progress), (
            progress
        )
        statuses = [r["status"] for r in sb.requests()]
        rereads = [
            r
            for r in sb.requests()
            if r["method"] == "GET" and r["path"].endswith("/plans/5678/team_members")
        ]
        # plan read, the teams and the 12 new people checked once each, the plan's times and the 12
        # new people's blockouts (DESIGN §6), the service types (the plan's title), 30 writes,
        # verify read, and a re-read of the roster to confirm the preconditions whenever the last
        # read is more than a few seconds old (once or twice over these ~9 s)
        assert 1 <= len(rereads) - 2 <= 2
        expected = 1 + 1 + 12 + 1 + 12 + 1 + 30 + 1 + len(rereads) - 2
        assert len(statuses) == expected and 429 not in statuses
        assert len(sb.store.team_members(5678)) == 8 + 24
    # 58 requests, 8 a window (limit 10, margin 2): 7 full windows waited out, each 2 s + 0.05 s
    assert clock.sleeps == [2.05] * 7


def test_a_429_that_slips_through_is_retried_after_retry_after(
    sb: SandboxServer, cli: Cli, write: Write, clock: FakeClock
) -> None:
    path = write("jane.yaml", JANE)
    sb.add_fault("POST", "/decline$", status=429, retry_after=3)
    sb.clear_requests()
    result = cli("apply", "--auto-approve", str(path))
    assert result.exit_code == 0 and "Applied 2, failed 0" in result.stdout
    assert [r["status"] for r in sb.requests() if r["path"].endswith("/decline")] == [429, 204]
    assert (
        len(clock.sleeps) == 1 and 3 <= clock.sleeps[0] <= 3.1
    )  # Retry-After, plus up to 0.1 s of jitter


def test_unknown_plan_or_person_is_a_plan_error_at_its_line(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    folder = write(
        "roster.yaml",
        """
        provider: planning_center
        service_type: 99
        rosters:
          - plan: 5678
            team_members: []
    """,
    )
    write("nobody.yaml", "provider: planning_center\nperson: 999\nresponses: []\n")
    for name, expected in [
        (
            "roster.yaml",
            "roster.yaml:4:11: plan 5678 does not exist in service type 99 "
            "(or these credentials cannot see it)",
        ),
        (
            "nobody.yaml",
            "nobody.yaml:2:9: person 999 does not exist in Planning Center Services "
            "(or these credentials cannot see it); if this profile was merged into another in "
            "Planning Center, its old id no longer resolves: write the kept profile's id, or the "
            "person's name",
        ),
    ]:
        result = cli("plan", str(folder / name))
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.stderr.splitlines()[0].rsplit("/", 1)[-1] == expected


def test_two_responses_for_one_schedule_are_an_error(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = write(
        "jane.yaml",
        """
        provider: planning_center
        person: 111
        responses:
          - {plan: 5678, response: accepted}
          - {plan: 5678, team: 22, response: declined}
    """,
    )
    result = cli("plan", str(path))
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    file = first.split(":", 1)[0]
    assert file.endswith("jane.yaml")
    assert first == f"{file}:5:5: answers the same schedule as the response at {file}:4"
