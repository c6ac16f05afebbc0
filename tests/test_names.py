"""Planning Center files written with names and dates instead of ids (contract §2.2), end to end
through the CLI against the sandbox: resolution, its errors, its request cost, and review output
that names things.

Seed (provisioner_sandbox/planning_center/seed.py): service types 1234 Sunday Services (plans 5678
Dec 6, 5679 Dec 13, 5680 Dec 20 "Advent 4"; teams 22 Band, 23 Tech, 24 Hospitality), 99 Youth (team
31 Youth Band), 2345 Evening Prayer (9001 "Compline" Dec 18 23:30 New York = Dec 19 UTC; 9002
"Vespers" and 9003 "Compline" both on Dec 27 New York); people 111 Jane Doe, 125 Lydia Lewis, 131
and 132 both Chris Taylor, 133 Zoë Martin (stored NFD), 134 Zoe Martin, 135 "Mary  Ann Lee" (two
spaces). The organization's time zone is America/New_York.
"""

from __future__ import annotations

import json
import re
import runpy
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from provisioner_sandbox import SandboxServer
from tests.conftest import Cli

Write = Callable[[str, str], Path]
PAGE = {"per_page": "100", "offset": "0"}
ST = "/services/v2/service_types"

NAMED = """
    provider: planning_center
    service_type: Sunday Services
    rosters:
      - plan: 2026-12-13
        prune: false
        team_members:
          - {person: Jane Doe, team: Band, position: Vocals, status: C}
          - {person: Zoë Martin, team: Tech, position: Video}
          - {person: Mary Ann Lee, team: {name: Hospitality}, position: Greeter}
      - plan: {title: Advent 4}
        prune: false
        team_members:
          - {person: {name: Lydia Lewis}, team: Band, position: Guitar, status: confirmed}
"""
IDS = """
    provider: planning_center
    service_type: 1234
    rosters:
      - plan: 5679
        prune: false
        team_members:
          - {person: 111, team: 22, position: Vocals, status: C}
          - {person: 133, team: 23, position: Video}
          - {person: 135, team: 24, position: Greeter}
      - plan: 5680
        prune: false
        team_members:
          - {person: 125, team: 22, position: Guitar, status: confirmed}
"""


def reads(sb: SandboxServer) -> list[tuple[str, dict[str, str]]]:
    return [(r["path"], r["query"]) for r in sb.requests() if r["method"] == "GET"]


def writes(sb: SandboxServer) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in sb.requests() if r["method"] != "GET"]


def changes(result: Any, folder: Path) -> list[dict[str, Any]]:
    """The JSON plan's changes, with the file's folder taken out of each source."""
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)["changes"]
    for change in out:
        change["source"] = change["source"].replace(str(folder), "DIR")
    return out


def test_a_roster_of_names_validates_plans_applies_and_replans_empty(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    folder = write("roster.yaml", NAMED)
    assert cli("validate", str(folder)).exit_code == 0
    assert sb.requests() == []  # validate reads nothing
    planned = cli("plan", str(folder))
    assert planned.exit_code == 0, planned.stderr
    shown = unicodedata.normalize(
        "NFC", planned.stdout
    )  # names as the API spells them (133 is NFD)
    assert "Sunday Services · Dec 13 (plan 5679)\n" in shown
    assert "Sunday Services · Dec 20 (plan 5680)\n" in shown
    assert "+ create 'Zoë Martin (person 133) / Tech (team 23) / Video'" in shown
    assert "+ create 'Mary  Ann Lee (person 135) / Hospitality (team 24) / Greeter'" in shown
    assert "Plan: 2 to create, 2 to update, 0 to delete." in shown
    applied = cli("apply", "--auto-approve", str(folder))
    assert applied.exit_code == 0, applied.stderr
    assert sorted(writes(sb))[:2] == [
        ("PATCH", "/services/v2/people/111/plan_people/800000009"),
        ("PATCH", "/services/v2/people/125/plan_people/800000018"),
    ]
    sb.clear_requests()
    again = cli("plan", "--detailed-exitcode", str(folder))
    assert again.exit_code == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout and writes(sb) == []


def test_the_same_roster_with_ids_plans_identically(
    sb: SandboxServer, cli: Cli, tmp_path: Path
) -> None:
    plans, shown = [], []
    for name, text in (("named", NAMED), ("ids", IDS)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "roster.yaml").write_text(
            "\n".join(line[4:] for line in text.strip("\n").splitlines()) + "\n"
        )
        plans.append(changes(cli("plan", "--format", "json", str(folder)), folder))
        for fmt in ("text", "markdown"):
            result = cli("plan", "--format", fmt, str(folder))
            assert result.exit_code == 0, result.stderr
            shown.append(result.stdout.replace(str(folder), "DIR"))
    assert plans[0] == plans[1]
    assert [c["scope"] for c in plans[0]] == ["plan 5679"] * 3 + ["plan 5680"]
    # The review output too, byte for byte: names and dates whichever way the file was written.
    assert shown[:2] == shown[2:]
    assert "\n#### Sunday Services · Dec 13 (plan 5679)\n" in shown[1]


def test_request_counts_ids_cost_nothing_extra_names_read_each_list_once(
    sb: SandboxServer, cli: Cli, write: Write, tmp_path: Path
) -> None:
    members = [
        (
            f"{ST}/1234/plans/5679/team_members",
            {"include": "team,plan", "filter": "not_deleted", **PAGE},
        ),
        (
            f"{ST}/1234/plans/5680/team_members",
            {"include": "team,plan", "filter": "not_deleted", **PAGE},
        ),
    ]
    blockouts = [
        ("/services/v2/people/133/blockouts", PAGE),
        ("/services/v2/people/135/blockouts", PAGE),
    ]
    ids = write("ids/roster.yaml", IDS)
    sb.clear_requests()
    assert cli("plan", "--format", "json", str(ids)).exit_code == 0
    # As before names existed: the two rosters, the added members' team list and the two added
    # people; then the warnings about people (DESIGN §6): the times of the plan that adds them, and
    # each one's blockouts.
    assert sorted(reads(sb)[:2]) == members
    assert reads(sb)[2:-2] == [
        (f"{ST}/1234/teams", PAGE),
        ("/services/v2/people/133", {}),
        ("/services/v2/people/135", {}),
        (f"{ST}/1234/plans/5679/plan_times", PAGE),
    ]
    assert sorted(reads(sb)[-2:]) == blockouts  # read concurrently: in no fixed order
    named = write("named/roster.yaml", NAMED)
    sb.clear_requests()
    assert cli("plan", "--format", "json", str(named)).exit_code == 0
    # Each list the names need, once, before the rosters; the people list also answers who exists.
    assert reads(sb)[:5] == [
        (ST, PAGE),
        ("/services/v2", {}),
        (f"{ST}/1234/plans", PAGE),
        ("/services/v2/people", PAGE),
        (f"{ST}/1234/teams", PAGE),
    ]
    assert sorted(reads(sb)[5:7]) == members
    assert reads(sb)[7:-2] == [(f"{ST}/1234/plans/5679/plan_times", PAGE)]
    assert sorted(reads(sb)[-2:]) == blockouts


ERRORS = """
    provider: planning_center
    service_type: 1234
    rosters:
      - plan: 2026-12-13
        team_members:
          - {person: Chris Taylor, team: Band}
          - {person: Jane Doe, team: Youth Band}
          - {person: Zoe martin, team: Band}
      - plan: 2026-12-27
        team_members: []
"""


EVENING_ERRORS = """
    provider: planning_center
    service_type: Evening Prayer
    rosters:
      - plan: 2026-12-27
        team_members:
          - {person: Jane Doe, team: Choir}
"""


def test_every_unresolved_name_is_an_error_at_its_place_with_candidates(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    """Contract §2.2, issue 21's done-when: two people with one full name, a team of another service
    type, a date with no plan (here) and two plans on one day (in a second file), all in one run,
    exit 1, no write."""
    write("evening.yaml", EVENING_ERRORS)
    folder = write("roster.yaml", ERRORS)
    result = cli("apply", "--auto-approve", str(folder))
    assert result.exit_code == 1
    path, evening = folder / "roster.yaml", folder / "evening.yaml"
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{evening}:4:11: 2 plans of service type Evening Prayer (2345) are on 2026-12-27 (in the "
        "organization's time zone, America/New_York): write the plan's id; candidates: Vespers · "
        "Dec 27, "
        "2026 (plan 9002), Compline · Dec 27, 2026 (plan 9003)",
        f"{path}:6:18: 2 people are called 'Chris Taylor': write the person's id; candidates: "
        "Chris Taylor (person 131), Chris Taylor (person 132)",
        # The service types list was read for the other file's name: messages name the service type.
        f"{path}:7:34: service type Sunday Services (1234) has no team called 'Youth Band' (a team "
        "of "
        "another service type cannot be used here); its teams: Band (team 22), Tech (team 23), "
        "Hospitality (team 24)",
        f"{path}:8:18: no person in Planning Center Services is called 'Zoe martin' (names are "
        "compared exactly, accents and case included); did you mean: Zoë Martin (person 133), "
        "Zoe Martin (person 134)",
        f"{path}:9:11: service type Sunday Services (1234) has no plan on 2026-12-27 (in the "
        "organization's time zone, "
        "America/New_York); did you mean: Advent 4 · Dec 20, 2026 (plan 5680), Advent 3 · Dec 13, "
        "2026 (plan 5679), Advent 2 · Dec 6, 2026 (plan 5678)",
        "5 errors found.",
    ]
    assert writes(sb) == []
    assert not any("team_members" in path for path, _ in reads(sb))  # nothing read past the names


def test_two_plans_on_one_day_and_a_shared_title_are_errors_with_their_dates(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    folder = write(
        "evening.yaml",
        """
        provider: planning_center
        service_type: {name: Evening Prayer}
        rosters:
          - plan: {date: 2026-12-27}
            team_members: []
          - plan: {title: Compline}
            team_members: []
        """,
    )
    result = cli("plan", str(folder))
    assert result.exit_code == 1
    path = folder / "evening.yaml"
    assert result.stderr.splitlines() == [
        f"{path}:4:11: 2 plans of service type Evening Prayer (2345) are on 2026-12-27 (in the "
        "organization's time zone, America/New_York): write the plan's id; candidates: Vespers · "
        "Dec 27, "
        "2026 (plan 9002), Compline · Dec 27, 2026 (plan 9003)",
        f"{path}:6:11: 2 plans of service type Evening Prayer (2345) are titled 'Compline': write "
        "the "
        "plan's id; candidates: Compline · Dec 18, 2026 (plan 9001), Compline · Dec 27, 2026 (plan "
        "9003)",
        "2 errors found.",
    ]


EVENING = """
    provider: planning_center
    service_type: Evening Prayer
    rosters:
      - plan: {day}
        prune: false
        team_members:
          - {{person: Jane Doe, team: Choir, position: Cantor}}
"""


@pytest.mark.parametrize("reading", ["utc", "local"])
def test_a_plan_near_midnight_resolves_to_its_day_in_the_organizations_time_zone(
    sb: SandboxServer, cli: Cli, write: Write, reading: str
) -> None:
    """9001 is at 23:30 on Dec 18 in New York (04:30 on Dec 19 in UTC). Whether sort_date comes as
    the instant (utc) or as New York's wall clock with a Z (local, ISSUE#987), Dec 18 names it and
    Dec 19 names nothing."""
    sb.set_readings({"pco.sort_date": reading})
    folder = write("evening.yaml", EVENING.format(day="2026-12-18"))
    result = cli("plan", "--format", "json", str(folder))
    assert result.exit_code == 0, result.stderr
    assert [c["scope"] for c in json.loads(result.stdout)["changes"]] == ["plan 9001"]
    folder = write("evening.yaml", EVENING.format(day="2026-12-19"))
    result = cli("plan", str(folder))
    assert result.exit_code == 1
    assert "has no plan on 2026-12-19" in result.stderr
    assert "did you mean: Compline · Dec 18, 2026 (plan 9001)" in result.stderr


def test_without_an_organization_time_zone_dates_are_read_in_utc(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    sb.set_readings({"pco.org_time_zone": "absent"})
    folder = write("evening.yaml", EVENING.format(day="2026-12-19"))
    result = cli("plan", "--format", "json", str(folder))
    assert result.exit_code == 0, result.stderr
    assert [c["scope"] for c in json.loads(result.stdout)["changes"]] == ["plan 9001"]


def test_names_differing_only_in_accents_or_spacing(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    """Zoë typed precomposed matches the NFD name the API stores, and not Zoe; spaces are folded."""
    folder = write(
        "roster.yaml",
        """
        provider: planning_center
        service_type: 1234
        rosters:
          - plan: 5680
            prune: false
            team_members:
              - {person: Zoë Martin, team: 22, position: Keys}
              - {person: Zoe Martin, team: 22, position: Drums}
              - {person: Mary  Ann   Lee, team: 23, position: Audio}
        """,
    )
    result = cli("plan", "--format", "json", str(folder))
    assert result.exit_code == 0, result.stderr
    people = [c["identity"]["person"] for c in json.loads(result.stdout)["changes"]]
    assert people == [133, 134, 135]


def test_a_responses_file_matches_dates_and_team_names_against_the_persons_schedules(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    folder = write(
        "jane.yaml",
        """
        provider: planning_center
        person: Jane Doe
        responses:
          - plan: 2026-12-06
            team: Band
            response: declined
            reason: Out of town
          - plan: {date: 2026-12-13}
            response: accepted
        """,
    )
    planned = cli("plan", "--format", "json", str(folder))
    assert planned.exit_code == 0, planned.stderr
    got = [(c["scope"], c["key"], c["after"]) for c in json.loads(planned.stdout)["changes"]]
    assert got == [
        (
            "person 111",
            "plan 5678 / team 22",
            {"response": "declined", "decline_reason": "Out of town"},
        ),
        ("person 111", "plan 5679 / team 22", {"response": "accepted"}),
    ]
    # The person's name needs the people list; the dates and the team, nothing beyond her schedules.
    assert reads(sb) == [
        ("/services/v2/people", PAGE),
        ("/services/v2/people/111/schedules", {"filter": "with_declined", **PAGE}),
    ]
    text = cli("plan", str(folder))
    assert "Jane Doe (person 111)" in text.stdout
    assert "Dec 6 (plan 5678) / Band (team 22)" in text.stdout


def test_a_responses_date_without_a_schedule_lists_the_persons_schedules(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    folder = write(
        "jane.yaml",
        """
        provider: planning_center
        person: 111
        responses:
          - plan: 2026-12-20
            response: accepted
          - plan: 2026-12-13
            team: Tech
            response: accepted
        """,
    )
    result = cli("plan", str(folder))
    assert result.exit_code == 1
    path = folder / "jane.yaml"
    schedules = (
        "their schedules: Sunday Services · Dec 6, 2026 (plan 5678) Band (team 22), Sunday "
        "Services · "
        "Dec 13, 2026 (plan 5679) Band (team 22)"
    )
    assert result.stderr.splitlines() == [
        f"{path}:4:5: person 111 has no schedule on plan 2026-12-20 (a Schedule cannot be created; "
        "add "
        f"them to the roster first); {schedules}",
        f"{path}:6:5: person 111 has no schedule on plan 2026-12-13 team 'Tech' (a Schedule cannot "
        "be "
        f"created; add them to the roster first); {schedules}",
        "2 errors found.",
    ]


def test_a_responses_date_of_two_plans_is_an_error_listing_both(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    """Two services on one day (Vespers and Compline, Dec 27 in New York): a date picks neither,
    with or without the team; the message lists both with their ids (it said "add `team:`", which
    could not help)."""
    sb.store.add_team_member(9002, 111, 41, position="Cantor")
    sb.store.add_team_member(9003, 111, 41, position="Cantor")
    folder = write(
        "jane.yaml",
        """
        provider: planning_center
        person: Jane Doe
        responses:
          - plan: 2026-12-27
            response: accepted
          - plan: 9003
            team: Choir
            response: declined
        """,
    )
    result = cli("plan", str(folder))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{folder / 'jane.yaml'}:4:5: person 111 has schedules on 2 plans on 2026-12-27: write the "
        "plan's "
        "id; candidates: Evening Prayer · Dec 27, 2026 (plan 9002) Choir (team 41), Evening Prayer "
        "· Dec "
        "27, 2026 (plan 9003) Choir (team 41)",
        "1 error found.",
    ]
    assert writes(sb) == []


# -- import
# -------------------------------------------------------------------------------------------------


def test_import_writes_names_and_dates_and_ids_where_they_would_be_ambiguous(
    sb: SandboxServer, cli: Cli, tmp_path: Path
) -> None:
    sb.store.add_team_member(9001, 131, 41, position="Cantor")  # Chris Taylor: a shared name
    sb.store.add_team_member(
        9001, 133, 41, position="Cantor", status="C"
    )  # Zoë Martin, NFD in live
    sb.store.add_team_member(9002, 135, 41, position="Cantor")  # "Mary  Ann Lee"
    out = tmp_path / "evening.yaml"
    done = cli("import", "planning-center", "--service-type", "2345", "-o", str(out))
    assert done.exit_code == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert text.splitlines() == [
        "provider: planning_center",
        "service_type: Evening Prayer  # service type 2345",
        "rosters:",
        "  - plan: 2026-12-18  # plan 9001, Compline",
        "    team_members:",
        "      - person: 131  # Chris Taylor (a shared name)",
        "        team: Choir  # team 41",
        "        position: Cantor",
        "        status: U",
        "      - person: Zoë Martin  # person 133",
        "        team: Choir  # team 41",
        "        position: Cantor",
        "        status: C",
        "  - plan: 9002  # Vespers (December 27, 2026)",  # 9003 is on that day too
        "    team_members:",
        "      - person: Mary Ann Lee  # person 135",
        "        team: Choir  # team 41",
        "        position: Cantor",
        "        status: U",
        "  - plan: 9003  # Compline (December 27, 2026)",
        "    team_members: []",
    ]
    assert unicodedata.is_normalized("NFC", text)
    planned = cli("plan", "--detailed-exitcode", str(out))
    assert planned.exit_code == 0, planned.stdout + planned.stderr
    again = cli("import", "planning-center", "--service-type", "2345", "-o", str(out))
    assert (
        again.exit_code == 0 and out.read_text(encoding="utf-8") == text
    )  # merging: nothing moves


def test_import_merges_into_a_file_written_with_names(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    folder = write("roster.yaml", NAMED)
    assert cli("apply", "--auto-approve", str(folder)).exit_code == 0
    members = {(m["person"], m["team"]): m["id"] for m in sb.store.team_members(5679)}
    sb.store.set_team_member(members[(133, 23)], notes="Bring a camera")
    path = folder / "roster.yaml"
    before = path.read_text(encoding="utf-8")
    done = cli(
        "import", "planning-center", "--service-type", "1234", "--plan", "5679", "-o", str(path)
    )
    assert done.exit_code == 0, done.stderr
    after = path.read_text(encoding="utf-8")
    # Entries are matched by what their names resolve to: the file's forms stay; no member is added
    # twice (prune: false: the live members the roster does not list stay unlisted).
    assert after.count("Zoë Martin") == 1 and "Bring a camera" not in after  # notes not managed
    assert after == before
    assert cli("plan", "--detailed-exitcode", str(folder)).exit_code == 0


def test_one_date_in_two_service_types_is_two_plans_and_twice_in_one_is_declared_twice(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    """A date or title names a plan within the file's service type only: Dec 27 of Evening Prayer
    and Dec 27 of Sunday Services are not one roster (validate said "declared twice" before); the
    same date twice in one service type is, offline; a plan's id and its date are the same roster
    once names resolve."""
    write("evening.yaml", EVENING.format(day="2026-12-18"))
    folder = write(
        "sunday.yaml",
        """
        provider: planning_center
        service_type: Sunday Services
        rosters:
          - plan: 2026-12-18
            team_members: []
        """,
    )
    assert cli("validate", str(folder)).exit_code == 0
    write(
        "more.yaml",
        """
        provider: planning_center
        service_type: Sunday Services
        rosters:
          - plan: {date: 2026-12-18}
            team_members: []
        """,
    )
    result = cli("validate", str(folder))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{folder / 'sunday.yaml'}:4:5: roster of plan 2026-12-18 of service type 'Sunday "
        "Services' is "
        f"declared twice (first at {folder / 'more.yaml'}:4)",
        "1 error found.",
    ]
    (folder / "more.yaml").unlink()
    (folder / "evening.yaml").write_text(
        "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5679\n    "
        "team_members: []\n"
    )
    (folder / "sunday.yaml").write_text(
        "provider: planning_center\nservice_type: Sunday Services\nrosters:\n  - plan: 2026-12-13\n"
        "    team_members: []\n"
    )
    assert cli("validate", str(folder)).exit_code == 0  # offline, a date and an id are not compared
    result = cli("plan", str(folder))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{folder / 'sunday.yaml'}:4:5: roster of plan 5679 is declared twice (first at "
        f"{folder / 'evening.yaml'}:4)",
        "1 error found.",
    ]


# -- scope titles
# -------------------------------------------------------------------------------------------


def test_review_output_titles_scopes_by_name_and_date_the_json_plan_keeps_ids(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    """A file of ids is reviewed by names too: text and markdown read the service types list once
    (contract §2.2 allows it) and a guide's own resource for the scopes they show; JSON reads
    neither."""
    ids = write("ids/roster.yaml", IDS)
    sb.clear_requests()
    text = cli("plan", str(ids))
    assert text.exit_code == 0, text.stderr
    assert "\nSunday Services · Dec 20 (plan 5680)\n" in text.stdout
    assert text.stdout.startswith("Sunday Services · Dec 13 (plan 5679)\n")
    assert [q for q in reads(sb) if not re.search("team_members|plan_times|blockouts", q[0])] == [
        (f"{ST}/1234/teams", PAGE),
        ("/services/v2/people/133", {}),
        ("/services/v2/people/135", {}),
        (ST, PAGE),  # once, for both scopes' titles
    ]
    sb.clear_requests()
    as_json = cli("plan", "--format", "json", str(ids))
    assert (ST, PAGE) not in reads(sb)
    assert [s.get("title") for s in json.loads(as_json.stdout)["scopes"]] == [None, None]
    assert [c["scope"] for c in json.loads(as_json.stdout)["changes"]] == ["plan 5679"] * 3 + [
        "plan 5680"
    ]
    guide = write(
        "guide/summit.yaml",
        """
        provider: guidebook
        guide: 47
        prune: false
        schedules:
          - name: Legacy Track
            attendees: [60]
        """,
    )
    roster = write(
        "pruned/roster.yaml",
        """
        provider: planning_center
        service_type: 1234
        rosters:
          - plan: 5678
            team_members:
              - {person: 111, team: 22, position: Vocals}
              - {person: 112, team: 23, position: Audio}
              - {person: 113, team: 22, position: Guitar}
              - {person: 115, team: 22, position: Drums}
              - {person: 116, team: 23, position: Video}
              - {person: 117, team: 24, position: Greeter}
              - {person: 118, team: 24, position: Coffee}
        """,
    )
    sb.clear_requests()
    md = cli("plan", "--format", "markdown", str(guide), str(roster))
    assert md.exit_code == 0, md.stderr
    assert (
        "> **1 delete:** Sunday Services · Dec 6 (plan 5678): David Kim (person 114) / Band (team "
        "22) "
        "/ Keys\n" in md.stdout
    )
    assert "\n#### Summit 2026 (guide 47)\n" in md.stdout
    assert "\n#### Sunday Services · Dec 6 (plan 5678)\n" in md.stdout
    assert reads(sb).count(("/open-api/v1/guides/47/", {})) == 1
    # No change, no title: an empty plan reads neither the guide nor the service types.
    assert cli("apply", "--auto-approve", str(guide), str(roster)).exit_code == 0
    sb.clear_requests()
    empty = cli("plan", "--detailed-exitcode", str(guide), str(roster))
    assert empty.exit_code == 0, empty.stdout
    assert [q for q in reads(sb) if "guides/" in q[0] or q[0] == ST] == []


# -- request counts (issue 21's done-when; benchmarks/names.py prints them)
# ---------------------------------

BENCH = runpy.run_path(str(Path(__file__).resolve().parent.parent / "benchmarks" / "names.py"))


@pytest.mark.parametrize(
    ("args", "ids", "named"),
    [
        # 6 at 345641b, before names existed: 3 rosters, the teams list, the 2 added people one GET
        # each;
        # + the 2 plans' times and the 2 added people's blockouts, for blockout warnings (DESIGN
        #   §6).
        (("plan", "--format", "json"), 10, 12),
        # Text titles the plans by name: the service types list once more (contract §2.2 allows it).
        (("plan",), 11, 12),
        # 23 at 345641b; + the service types list, + the blockout reads. The writes and the check
        # after apply are the same.
        (("apply", "--auto-approve"), 28, 29),
    ],
)
def test_ids_cost_what_they_did_and_names_read_each_list_at_most_once(
    sb: SandboxServer, cli: Cli, write: Write, args: tuple[str, ...], ids: int, named: int
) -> None:
    sent = {}
    for form in ("ids", "names"):
        sb.reset("demo")
        folder = write(f"{form}/rosters.yaml", BENCH["roster"](form == "names"))
        sb.clear_requests()
        result = cli(*args, str(folder))
        assert result.exit_code == 0, result.stderr
        sent[form] = [[r["method"], r["path"], r["query"]] for r in sb.requests()]
    assert (len(sent["ids"]), len(sent["names"])) == (ids, named)
    assert BENCH["read_twice"](sent["names"]) == []
    lists = BENCH["kinds"](sent["names"])
    assert [lists[k] for k in BENCH["LISTS"]] == [1, 1, 1, 1, 1]  # organization ... people list
    # Names replace the added people's lookups (the people list answers who exists) and nothing
    # else.
    more = BENCH["kinds"](sent["names"])
    more.subtract(BENCH["kinds"](sent["ids"]))
    assert {k: n for k, n in more.items() if n} == {
        "organization": 1,
        "plans": 1,
        "people list": 1,
        "a person": -2,
        **({"service types": 1} if args == ("plan", "--format", "json") else {}),
    }


def test_doctor_reports_each_unresolved_name_on_its_own_row(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    """doctor printed the run's name errors as one "checks" row whose second line broke the
    table."""
    folder = write("roster.yaml", ERRORS)
    result = cli("doctor", str(folder))
    assert result.exit_code == 1
    path = folder / "roster.yaml"
    rows = [line for line in result.stdout.splitlines() if line.startswith("Planning Center")]
    assert [row.split("  problem  ")[1].split(":")[:3] for row in rows] == [
        [str(path), "6", "18"],
        [str(path), "7", "34"],
        [str(path), "8", "18"],
        [str(path), "9", "11"],
    ]
    assert all(" references  problem  " in row for row in rows)
    assert result.stdout.count("→ fix the reference, or write the id") == 4
    assert "4 checks: 4 problems, 0 notes." in result.stdout


def test_a_title_that_cannot_be_read_leaves_the_plain_scope_name(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    """The guide's name is for people only: its read failing (here a 403 on the guide) costs the
    title, never the plan, and the service types list failing costs the service type's name."""
    sb.add_fault("GET", r"guides/47/$", status=403)
    sb.add_fault("GET", r"service_types$", status=403)
    guide = write(
        "summit.yaml",
        """
        provider: guidebook
        guide: 47
        prune: false
        schedules:
          - name: Legacy Track
            attendees: [60]
        """,
    )
    write("ids/roster.yaml", IDS)
    result = cli("plan", str(guide))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("guidebook · guide 47\n")
    assert "\nDec 13 (plan 5679)\n" in result.stdout
    assert sum(r["path"] == ST for r in sb.requests()) == 1  # tried once, for both plans


def test_unresolved_references_of_every_service_are_reported_in_one_run(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    """A Planning Center name that does not resolve no longer hides a Guidebook one until the next
    run: the other services' scopes are still read and resolved, and nothing is written."""
    write(
        "summit.yaml",
        """
        provider: guidebook
        guide: 47
        prune: false
        schedules:
          - name: Sales Team
            sessions: [{name: No Such Session}]
        """,
    )
    folder = write("roster.yaml", ERRORS)
    result = cli("apply", "--auto-approve", str(folder))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[
        0
    ] == f"{folder / 'roster.yaml'}:6:18: 2 people are called 'Chris Taylor': write the " + (
        "person's id; candidates: Chris Taylor (person 131), Chris Taylor (person 132)"
    )
    assert (
        f"{folder / 'summit.yaml'}:6:16: no session of guide 47 has name 'No Such Session'" in lines
    )
    assert lines[-1] == "5 errors found."
    assert writes(sb) == []


def test_an_unknown_organization_time_zone_is_an_error_that_says_what_to_do() -> None:
    """Where Python has no tz database (Windows without tzdata) or the zone is unknown, a date
    cannot be placed: one clear error naming the zone, the package and the id form, never a
    traceback."""
    from types import SimpleNamespace

    from provisioner.core.errors import ApiError
    from provisioner.providers.planning_center.lists import Lists

    body = {
        "data": {"type": "Organization", "id": "1", "attributes": {"time_zone": "Mars/Olympus"}}
    }
    client = SimpleNamespace(request=lambda method, path: SimpleNamespace(data=body))
    with pytest.raises(ApiError) as raised:
        Lists(client).time_zone()  # type: ignore[arg-type]
    assert str(raised.value) == (
        "Planning Center: the organization's time zone 'Mars/Olympus' is not known here (a plan "
        "date cannot "
        "be placed); install the tzdata package, or write the plan's id"
    )


def test_apply_outcome_rows_carry_the_titles_the_plan_showed_at_no_extra_request(
    sb: SandboxServer, cli: Cli, write: Write, tmp_path: Path
) -> None:
    """apply's outcome rows name each scope as the plan above them did (the titles read for the
    plan, no request more); apply --plan takes them from the saved plan file when it carries them,
    and else shows plain names."""
    rows = [
        "  ok     update Sunday Services · Dec 13 (plan 5679) "
        "'Jane Doe (person 111) / Band (team 22) / Vocals'",
        "  ok     update Sunday Services · Dec 20 (plan 5680) "
        "'Lydia Lewis (person 125) / Band (team 22) / Guitar'",
        "  ok     create Sunday Services · Dec 13 (plan 5679) "
        "'Zoë Martin (person 133) / Tech (team 23) / Video'",
        "  ok     create Sunday Services · Dec 13 (plan 5679) "
        "'Mary  Ann Lee (person 135) / Hospitality (team 24) / Greeter'",
    ]

    def ok_rows(result: Any) -> list[str]:
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()  # the seed spells Zoë decomposed
        return [unicodedata.normalize("NFC", x) for x in lines if x.startswith("  ok ")]

    ids = write("ids/roster.yaml", IDS)
    sb.clear_requests()
    assert ok_rows(cli("apply", "--auto-approve", str(ids))) == rows
    assert reads(sb).count((ST, PAGE)) == 1  # the titles' one read, for the plan and the rows
    # Saved from a text plan: the file carries the titles (only the scopes with changes have any).
    back = write("back/roster.yaml", IDS.replace("status: C", "status: U"))
    saved = tmp_path / "plan.json"
    assert cli("plan", str(back), "--out", str(saved)).exit_code == 0
    assert ok_rows(cli("apply", "--auto-approve", "--plan", str(saved), str(back))) == [
        "  ok     update Sunday Services · Dec 13 (plan 5679) "
        "'Jane Doe (person 111) / Band (team 22) / Vocals'"
    ]
    assert "title" in json.loads(saved.read_text())["scopes"][0]
    # Saved from a JSON plan, which reads no titles: the file has none, the rows plain names.
    again = write("again/roster.yaml", IDS)
    plain = tmp_path / "plain.json"
    assert cli("plan", "--format", "json", str(again), "--out", str(plain)).exit_code == 0
    assert ok_rows(cli("apply", "--auto-approve", "--plan", str(plain), str(again))) == [
        "  ok     update plan 5679 'Jane Doe (person 111) / Band (team 22) / Vocals'"
    ]


def test_a_warning_is_titled_only_by_the_one_titled_scope_it_names() -> None:
    from provisioner.render.common import titled_warning, warning_titles

    scoped = {("planning_center", "plan 5678"): "Sunday Services · Dec 6 (plan 5678)"}
    titles = warning_titles(scoped)
    assert titled_warning("plan 5678: Jane Doe (person 111) is on teams", titles) == (
        "Sunday Services · Dec 6 (plan 5678): Jane Doe (person 111) is on teams"
    )
    assert titled_warning("plan 5679: not titled (no changes)", titles) == (
        "plan 5679: not titled (no changes)"
    )
    assert titled_warning("plan 5678 without a colon", titles) == "plan 5678 without a colon"
    both = warning_titles({**scoped, ("other", "plan 5678"): "Other (plan 5678)"})
    assert titled_warning("plan 5678: two services' scopes", both) == (
        "plan 5678: two services' scopes"
    )
