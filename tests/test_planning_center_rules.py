"""Planning Center's own rules (issue 20): deleted members that stay listed, partial accepts only
where a schedule allows them, messages that fit the token in use, merged people. End to end through
the CLI against the sandbox, under each reading of the points the docs leave open
(docs/api-notes.md, points 19-21)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from provisioner_sandbox import SandboxServer
from tests.conftest import Cli
from tests.helpers import on_team, roster_yaml

Write = Callable[[str, str], Path]
MEMBERS = "/services/v2/service_types/1234/plans/5678/team_members"
# The demo seed's plan 5678 (tests/test_planning_center.py), every member as it is; 114 is declined.
SEEDED = [
    on_team(111, 22),
    on_team(112, 23),
    on_team(113, 22),
    on_team(114, 22),
    on_team(115, 22),
    on_team(116, 23),
    on_team(117, 24),
    on_team(118, 24),
]
FILTERS = ["supported", "ignored", "refused"]


def reads(sb: SandboxServer) -> list[tuple[str, object, int | None]]:
    """The GETs of plan 5678's members: the list (with its filter) and single members."""
    return [
        (r["path"], r["query"].get("filter"), r["status"])
        for r in sb.requests()
        if r["method"] == "GET" and r["path"].startswith(MEMBERS)
    ]


# -- ghost members: deleted in Planning Center, still listed (ISSUE#663)
# -------------------------------------


@pytest.mark.parametrize("listed", ["gone", "listed"])
@pytest.mark.parametrize("filter_", FILTERS)
def test_removing_a_declined_member_converges_though_the_list_keeps_it(
    cli: Cli, sb: SandboxServer, write: Write, listed: str, filter_: str
) -> None:
    sb.set_readings({"pco.deleted_declined": listed, "pco.not_deleted_filter": filter_})
    d = write("r.yaml", roster_yaml(5678, [m for m in SEEDED if m["person"] != 114]))
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Applied 1, failed 0, skipped 0." in result.stdout
    assert "still there" not in result.output
    assert [m["person"] for m in sb.store.ghost_members(5678)] == (
        [114] if listed == "listed" else []
    )
    sb.clear_requests()
    drift = cli("drift", str(d))
    assert drift.exit_code == 0, drift.output
    assert "No changes" in drift.stdout


@pytest.mark.parametrize("filter_", FILTERS)
def test_a_ghost_member_is_never_planned_and_costs_a_lookup_only_without_the_filter(
    cli: Cli, sb: SandboxServer, write: Write, filter_: str
) -> None:
    sb.set_readings({"pco.deleted_declined": "listed", "pco.not_deleted_filter": filter_})
    ghost = sb.store.add_ghost_member(5678, 119, 22, "Keys")
    d = write("r.yaml", roster_yaml(5678, SEEDED))
    result = cli("plan", "--detailed-exitcode", str(d))
    assert result.exit_code == 0, result.output  # neither a delete of the ghost nor anything else
    assert "No changes" in result.stdout
    sent = reads(sb)
    if filter_ == "supported":  # one filtered read, nothing looked up
        assert sent == [(MEMBERS, "not_deleted", 200)]
    # the filter refused or ignored: the declined members (114 and the ghost) looked up once each
    else:
        first = [(MEMBERS, "not_deleted", 400 if filter_ == "refused" else 200)]
        again = [(MEMBERS, None, 200)] if filter_ == "refused" else []
        assert sent == first + again + [
            (f"{MEMBERS}/800000004", None, 200),
            (f"{MEMBERS}/{ghost}", None, 404),
        ]
        assert "each declined member is looked up by its own URL" in result.stderr


# -- partial accepts only where the schedule allows them (can_accept_partial)
# --------------------------------

JOHN_SPLIT = """
    provider: planning_center
    person: 112
    responses:
      - plan: 5679
        response: accepted
        declined_times:
          - type: rehearsal
        reason: Working late
"""  # John Smith is on Tech (team 23) on plan 5679: the seed's schedules of Tech cannot be split


@pytest.mark.parametrize("server_does", ["refused", "ignored"])
def test_declined_times_on_a_schedule_that_cannot_be_split_is_a_plan_time_error(
    cli: Cli, sb: SandboxServer, write: Write, server_does: str
) -> None:
    sb.set_readings({"pco.partial_refused": server_does})
    d = write("john.yaml", JOHN_SPLIT)
    for command in ("plan", "apply"):
        result = cli(command, str(d), *(["--auto-approve"] if command == "apply" else []))
        assert result.exit_code == 1, result.output
        assert (
            f"{d / 'john.yaml'}:7:7: person 112's schedule on Sunday Services · Dec 13, 2026 (plan "
            "5679) "
            "cannot be accepted partially (Planning Center says can_accept_partial: false for it): "
            "remove "
            "declined_times and accept or decline it whole, or ask the scheduler to let this team "
            "accept some times"
        ) in result.stderr, result.output
        assert "Traceback" not in result.output
    assert [r for r in sb.requests() if r["method"] != "GET"] == []  # nothing sent
    whole = write("john.yaml", JOHN_SPLIT.split("        declined_times:")[0])
    assert cli("apply", str(whole), "--auto-approve").exit_code == 0  # accepting it whole works


@pytest.mark.parametrize("server_does", ["refused", "ignored"])
def test_the_sandbox_answers_a_partial_accept_of_an_unsplittable_schedule_per_reading(
    sb: SandboxServer, server_does: str
) -> None:
    import requests

    from provisioner_sandbox import PCO_APP_ID, PCO_SECRET

    sb.set_readings({"pco.partial_refused": server_does})
    john = 800000010  # 112 on 5679, Tech
    url = f"{sb.pco_url}services/v2/people/112/schedules/{john + 500_000_000}/accept"
    body = {
        "data": {
            "type": "ScheduleAccept",
            "attributes": {"reason": "Late"},
            "relationships": {"declined_plan_times": {"data": [{"type": "PlanTime", "id": "804"}]}},
        }
    }
    answer = requests.post(url, json=body, auth=(PCO_APP_ID, PCO_SECRET), timeout=5)
    assert answer.status_code == (422 if server_does == "refused" else 204)
    member = sb.store.team_member(john)
    assert member is not None
    assert (member["status"], sb.store.declined_times(john)) == (
        ("U", []) if server_does == "refused" else ("C", [])
    )


# -- 403s on answers: messages that fit the credentials in use
# ------------------------------------------------

VOLUNTEER = {  # the credentials are Jane Doe's own (person 111), a volunteer: no scheduler's writes
    "pco.respond_others": "forbidden",
    "pco.member_writes": "forbidden",
    "pco.declined": "hidden",  # a declined schedule is gone from the person's list [ISSUE#1121]
}
ACCEPTS = """
    provider: planning_center
    person: {person}
    responses:
      - plan: 5678
        response: accepted
"""


def refusal(result_stdout: str) -> str:
    lines = [line.strip() for line in result_stdout.splitlines() if "refused (403)" in line]
    assert len(lines) == 1, result_stdout
    return lines[0]


def test_a_hidden_schedule_refused_to_the_persons_own_token_says_to_answer_in_planning_center(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    sb.set_readings(VOLUNTEER)
    sb.store.set_team_member(800000001, status="D", decline_reason="Away")  # Jane declined 5678
    result = cli("apply", str(write("jane.yaml", ACCEPTS.format(person=111))), "--auto-approve")
    assert result.exit_code == 1
    assert [
        (r["method"], r["path"], r["status"]) for r in sb.requests() if r["method"] != "GET"
    ] == [("PATCH", "/services/v2/people/111/plan_people/800000001", 403)]
    said = refusal(result.stdout)
    assert (
        "Planning Center refused (403) to change person 111's schedule. It is hidden from their "
        "schedules list (a declined schedule), so it can only be answered by changing their team "
        "member's status, which needs a scheduler's access (Administrator, or Editor on that team, "
        "in Services); these credentials are Jane Doe's own. Answer it in Planning Center (Church "
        "Center or the Services app), or have a scheduler apply this file."
    ) in said
    assert "own credentials" not in said and "account:" not in said


def test_a_hidden_schedule_of_another_person_needs_a_scheduler_not_their_credentials(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    sb.set_readings(VOLUNTEER)  # David Kim (114) declined 5678 in the seed
    result = cli("apply", str(write("david.yaml", ACCEPTS.format(person=114))), "--auto-approve")
    assert result.exit_code == 1
    assert (
        "which needs a scheduler's access (Administrator, or Editor on that team, in Services): "
        "that "
        "person's own credentials would be refused too. These credentials act as Jane Doe (person "
        "111). Server said: Forbidden: You do not have permission to schedule people on this team"
    ) in refusal(result.stdout)


def test_an_own_visible_schedule_refused_points_at_the_token_not_at_other_credentials(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    sb.add_fault(method="POST", path=r".*/people/111/schedules/\d+/accept$", status=403)
    result = cli("apply", str(write("jane.yaml", ACCEPTS.format(person=111))), "--auto-approve")
    assert result.exit_code == 1
    said = refusal(result.stdout)
    assert (
        "Planning Center refused (403) to let person 111's own credentials answer their schedule: "
        "check PCO_APPLICATION_ID and PCO_SECRET: are they current, with access to Services? (an "
        "OAuth "
        "token needs the `services` scope)."
    ) in said
    assert "Administrator" not in said and "account:" not in said


# -- reading another person's schedules can be refused (ISSUE#336)
# -------------------------------------------


@pytest.mark.parametrize("reading", ["allowed", "forbidden"])
def test_another_persons_schedules_refused_get_a_specific_hint_not_the_credentials_one(
    cli: Cli, sb: SandboxServer, write: Write, reading: str
) -> None:
    sb.set_readings({"pco.read_others": reading})
    d = write("david.yaml", ACCEPTS.format(person=114))
    result = cli("plan", str(d))
    if reading == "allowed":
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1
    assert (
        "person 114: Planning Center refused (403) to let these credentials read person 114's "
        "schedules: reading another person's schedules needs Administrator permission in Services "
        "(an Editor was refused it, ISSUE#336). Use an administrator's token, or that person's own "
        "credentials with `account:`. These credentials act as Jane Doe (person 111). Server said: "
        "Forbidden: Forbidden"
    ) in result.stderr, result.output
    assert "are they current" not in result.stderr  # not the generic credentials hint


# -- a merged person: the old id no longer resolves
# ----------------------------------------------------------


def test_a_responses_file_of_a_merged_person_names_the_kept_id(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    sb.store.merge_people(keep=134, remove=114)  # David Kim's profile merged into Zoe Martin's, say
    d = write("david.yaml", ACCEPTS.format(person=114))
    result = cli("plan", str(d))
    assert result.exit_code == 1
    assert (
        f"{d / 'david.yaml'}:2:9: person 114 does not exist in Planning Center Services (or these "
        "credentials cannot see it); Planning Center merged person 114 into person 134, and only "
        "the "
        "kept id resolves: write `person: 134`"
    ) in result.stderr, result.output
    mergers = [r["query"] for r in sb.requests("GET") if r["path"] == "/people/v2/person_mergers"]
    assert [q.get("where[person_to_remove_id]") for q in mergers] == ["114"]  # asked once, after


def test_a_roster_adding_a_merged_person_names_the_kept_id_or_says_what_to_try(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    sb.store.merge_people(keep=120, remove=119)
    d = write(
        "r.yaml",
        roster_yaml(5678, [on_team(119, 22), on_team(999, 22)], prune=False),
    )
    result = cli("plan", str(d))
    assert result.exit_code == 1
    err = result.stderr
    assert (
        "person 119 does not exist in Planning Center Services (or these credentials cannot see "
        "them); Planning Center merged person 119 into person 120, and only the kept id resolves: "
        "write `person: 120`"
    ) in err, err
    assert (
        "person 999 does not exist in Planning Center Services (or these credentials cannot see "
        "them); if this profile was merged into another in Planning Center, its old id no longer "
        "resolves: write the kept profile's id, or the person's name"
    ) in err, err


@pytest.mark.parametrize("filter_", FILTERS)
def test_a_ghost_is_not_taken_for_a_hidden_declined_schedule(
    cli: Cli, sb: SandboxServer, write: Write, filter_: str
) -> None:
    """A hidden declined schedule is looked up on the plan's roster: a ghost there is no
    schedule."""
    sb.set_readings(
        {
            "pco.declined": "hidden",
            "pco.deleted_declined": "listed",
            "pco.not_deleted_filter": filter_,
        }
    )
    sb.store.add_ghost_member(5679, 113, 22, "Keys")  # Maria Garcia, deleted from plan 5679
    d = write("maria.yaml", ACCEPTS.format(person=113).replace("5678", "5679"))
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 1
    assert "person 113 has no schedule on plan 5679" in result.stderr, result.output
    assert [r for r in sb.requests() if r["method"] != "GET"] == []


# -- review (issue 20): a refused roster write names the access it needs, not the credentials'
# validity ------


def test_a_roster_write_refused_says_it_needs_a_schedulers_access_not_other_credentials(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    """A volunteer's token reads every roster but may not change one (pco.member_writes=forbidden):
    the message says what is missing (a scheduler's access) and whose credentials these are, once
    per change, with who they act as read once a run; it does not ask whether the credentials are
    current."""
    sb.set_readings({"pco.member_writes": "forbidden"})
    members = [
        on_team(111, 22, notes="In-ears") if m["person"] == 111 else m
        for m in SEEDED
        if m["person"] != 114
    ]
    d = write("r.yaml", roster_yaml(5678, members))
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 1, result.output
    failed = [line.strip() for line in result.stdout.splitlines() if "FAILED" in line]
    assert len(failed) == 2, result.stdout
    for line in failed:
        assert (
            "Planning Center refused (403) to let these credentials change plan 5678's roster: "
            "adding, changing or removing team members needs a scheduler's access (Administrator, "
            "or Editor on that team, in Services); these credentials act as Jane Doe (person 111). "
            "Use a scheduler's credentials for roster files. Server said: Forbidden: You do not "
            "have permission to schedule people on this team"
        ) in line, line
        assert "are they current" not in line
    assert len([r for r in sb.requests("GET") if r["path"] == "/people/v2/me"]) == 1


def test_a_refused_not_deleted_filter_costs_one_refusal_a_run_however_many_plans_are_read_at_once(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    """Plans are read in parallel: measured, three rosters read at once each sent the filter and got
    a 400 (6 list reads instead of 4). The first read learns what the filter does; the others wait
    for it."""
    sb.set_readings({"pco.not_deleted_filter": "refused"})
    text = "\n".join(
        [
            "provider: planning_center",
            "service_type: 1234",
            "rosters:",
            *(
                f"  - plan: {plan}\n    prune: false\n    team_members:\n"
                "      - {person: 111, team: 22, position: Vocals}"
                for plan in (5678, 5679, 5680)
            ),
        ]
    )
    result = cli("plan", "--format", "json", str(write("r.yaml", text + "\n")))
    assert result.exit_code == 0, result.output
    lists = [
        (r["query"].get("filter"), r["status"])
        for r in sb.requests("GET")
        if r["path"].endswith("/team_members")
    ]
    assert sorted(lists, key=str) == sorted(
        [("not_deleted", 400), (None, 200), (None, 200), (None, 200)], key=str
    )
    assert result.stderr.count("refused filter=not_deleted") == 1


def test_a_hidden_schedule_lookup_checks_only_that_persons_declined_members_for_ghosts(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    """Measured: finding David's hidden schedule on plan 5678's roster looked up every declined
    member of the plan by its own URL (a server that ignores filter=not_deleted), though only his
    own can be it."""
    sb.set_readings({"pco.declined": "hidden", "pco.not_deleted_filter": "ignored"})
    sb.store.set_team_member(800000003, status="D")  # Maria Garcia declined 5678 too
    result = cli("plan", str(write("david.yaml", ACCEPTS.format(person=114))))
    assert result.exit_code == 0, result.output
    assert "accepts Dec 6 Band" in result.stdout, result.stdout
    singles = [p for p, _, _ in reads(sb) if p != MEMBERS]
    assert singles == [f"{MEMBERS}/800000004"]  # David's own member only, not Maria's 800000003


@pytest.mark.parametrize("route", ["both", "team-members-only"])
def test_answering_a_hidden_schedule_switches_to_the_plans_path_on_a_route_404(
    cli: Cli, sb: SandboxServer, write: Write, route: str
) -> None:
    """doctor no longer probes write routes: apply switches paths on a route 404 by itself.
    Measured: the status PATCH that answers a hidden schedule did not, and failed on the HTML 404.
    """
    sb.set_readings({"pco.declined": "hidden", "pco.member_path": route})
    d = write("david.yaml", ACCEPTS.format(person=114))  # David Kim declined 5678 in the seed
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Applied 1, failed 0, skipped 0." in result.stdout
    person_path = "/services/v2/people/114/plan_people/800000004"
    assert [
        (r["method"], r["path"], r["status"]) for r in sb.requests() if r["method"] != "GET"
    ] == (
        [("PATCH", person_path, 200)]
        if route == "both"
        else [("PATCH", person_path, 404), ("PATCH", f"{MEMBERS}/800000004", 200)]
    )
    member = sb.store.team_member(800000004)
    assert member is not None and member["status"] == "C"
    assert cli("drift", str(d)).exit_code == 0
