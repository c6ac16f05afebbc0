"""`provisioner doctor`: first-contact checks that change nothing through the CLI against the
sandbox."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from provisioner_sandbox import SandboxServer
from tests.conftest import Cli

Write = Callable[[str, str], Path]
GUIDE = """
    provider: guidebook
    guide: {guide}
    schedules:
      - name: Sales Team
        attendees: [6, {{email: alice@example.com}}]
        sessions: [13]
"""
ROSTER = """
    provider: planning_center
    service_type: 1234
    rosters:
      - plan: {plan}
        team_members:
          - {{person: 111, team: 22}}
"""
PERSON = """
    provider: planning_center
    person: {person}
    responses:
      - plan: 5678
        response: accepted
"""


def files(write: Write, guide: int = 47, plan: int = 5678, person: int = 112) -> Path:
    write("g.yaml", GUIDE.format(guide=guide))
    write("p.yaml", PERSON.format(person=person))
    return write("r.yaml", ROSTER.format(plan=plan))


def test_doctor_checks_every_service_read_only(cli: Cli, sb: SandboxServer, write: Write) -> None:
    result = cli("doctor", str(files(write)))
    assert result.exit_code == 0, result.output
    out = result.stdout
    for line in (
        "Guidebook        credentials           ok       the API key is accepted",
        "Guidebook        rate-limit headers    note     none sent",
        "Guidebook        guide 47              ok       exists; 12 schedules, 40 sessions, 100 "
        "attendees",
        "Planning Center  credentials           ok       accepted; acting as Jane Doe (person 111)",
        "Planning Center  rate-limit headers    ok       100 requests per 20 s",
        "Planning Center  service type 1234     ok       Sunday Services; 3 teams; your "
        "permissions: "
        "Administrator",
        "Planning Center  plan 5678             ok       December 6, 2026",
        "Planning Center  team-member routes    ok       documented people/{p}/plan_people/{id} is "
        "routed; "
        "plans/{plan}/team_members/{id} is routed (read with GET: doctor never writes)",
        "Planning Center  person 112 schedules  ok       readable (2 schedules)",
        "Planning Center  person 112 answers    note     these credentials act as Jane Doe (person "
        "111): "
        "answering someone else's schedules needs Administrator",
    ):
        assert line in out, out
    assert "checks: 0 problems, 2 notes." in out
    # read-only (DESIGN's commands table): GETs only, the route probes included
    assert {r["method"] for r in sb.requests()} == {"GET"}


def test_doctor_json_and_problems_that_would_stop_a_run_exit_1(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    result = cli("doctor", "--format", "json", str(files(write, guide=999, plan=9999)))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    problems = {(c["service"], c["check"]): c for c in data["checks"] if c["status"] == "problem"}
    assert set(problems) == {("Guidebook", "guide 999"), ("Planning Center", "plan 9999")}
    assert problems[("Guidebook", "guide 999")]["detail"].startswith("guide 999 (")
    assert (
        "does not exist or this key cannot see it" in problems[("Guidebook", "guide 999")]["detail"]
    )
    assert problems[("Planning Center", "plan 9999")]["todo"] == "fix the plan id in the file"
    assert {r["method"] for r in sb.requests()} == {"GET"}  # no plan to probe routes on


def test_doctor_reports_refused_and_missing_credentials(
    cli: Cli, sb: SandboxServer, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUIDEBOOK_API_KEY", "wrong")
    monkeypatch.delenv("PCO_SECRET")
    result = cli("doctor", str(files(write)))
    assert result.exit_code == 1
    assert "Guidebook        credentials  problem  the API key was refused (401)" in result.stdout
    assert (
        "Planning Center  credentials  problem  Planning Center credentials are incomplete "
        "(PCO_SECRET not set)" in result.stdout
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize("count", ["present", "absent"])
def test_doctor_notes_a_page_size_the_server_chose(
    cli: Cli, sb: SandboxServer, write: Write, count: str
) -> None:
    """Measured: pages without `count` hid the page size of 5 behind the note about `count`."""
    sb.set_readings({"guidebook.page_size": "5", "guidebook.count": count})
    result = cli("doctor", str(write("g.yaml", GUIDE.format(guide=47))))
    assert result.exit_code == 0, result.output
    assert (
        "pagination          note     page size 5 (100 asked for): page_size is not honoured"
        in result.stdout
    )
    assert ("pages lack count" in result.stdout) == (count == "absent")


def test_doctor_can_record(cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path) -> None:
    result = cli(
        "doctor", "--record", str(tmp_path / "rec"), str(write("g.yaml", GUIDE.format(guide=47)))
    )
    assert result.exit_code == 0
    assert len(list((tmp_path / "rec").iterdir())) == len(sb.requests()) > 0


def test_doctor_checks_the_people_a_roster_names(cli: Cli, sb: SandboxServer, write: Write) -> None:
    """Measured: a roster naming person 999 passed doctor (only `plan` found it)."""
    write(
        "r.yaml",
        ROSTER.format(plan=5678).replace(
            "{person: 111, team: 22}",
            "{person: 111, team: 22}\n          - {person: 999, team: 22}",
        ),
    )
    result = cli("doctor", str(write("g.yaml", GUIDE.format(guide=47))))
    assert result.exit_code == 1, result.output
    assert (
        "Planning Center  service type 1234 people  problem  person(s) 999 do not exist in "
        "Planning Center "
        "Services (or these credentials cannot see them)"
    ) in result.stdout, result.stdout
    assert {r["method"] for r in sb.requests() if r["body"] != {}} == {"GET"}  # PATCH {}: a probe


# -- what the credentials may do (issue 20)
# -----------------------------------------------------------------


def pco_rows(out: str) -> dict[str, tuple[str, str]]:
    """check → (status, detail) of the Planning Center rows of a text table (first line of each)."""
    rows = {}
    for line in out.splitlines():
        if line.startswith("Planning Center  "):
            check, status, detail = (p.strip() for p in re.split(r"\s{2,}", line[17:], maxsplit=2))
            rows[check] = (status, detail)
    return rows


@pytest.mark.parametrize(
    "readings",
    [
        {"pco.member_path": "documented-only"},
        {"pco.member_path": "team-members-only"},
        {"pco.member_writes": "forbidden"},
    ],
)
def test_doctor_reads_the_team_member_routes_and_never_writes(
    cli: Cli, sb: SandboxServer, write: Write, readings: dict[str, str]
) -> None:
    """doctor is read-only: the item routes are read with GET (writes switch paths on a route 404 by
    themselves), and credentials that may not schedule are told by the service type's permissions.
    """
    sb.set_readings(readings)
    result = cli("doctor", str(write("r.yaml", ROSTER.format(plan=5678))))
    rows = pco_rows(result.stdout)
    assert rows["team-member routes"] == (
        "ok",
        "documented people/{p}/plan_people/{id} is routed; plans/{plan}/team_members/{id} is "
        "routed (read with GET: doctor never writes)",
    ), result.stdout
    assert {r["method"] for r in sb.requests()} == {"GET"}
    if "pco.member_writes" in readings:  # the service type says so
        assert rows["service type 1234"] == (
            "ok",
            "Sunday Services; 3 teams; your permissions: Scheduled Viewer",
        )
        assert rows["service type 1234 permissions"][0] == "note", result.stdout


@pytest.mark.parametrize("reading", ["allowed", "forbidden"])
def test_doctor_reads_each_responses_persons_schedules(
    cli: Cli, sb: SandboxServer, write: Write, reading: str
) -> None:
    """Measured: doctor said all was well for a person whose schedules plan could not read
    (ISSUE#336)."""
    sb.set_readings({"pco.read_others": reading})
    write("own.yaml", PERSON.format(person=111))
    result = cli("doctor", str(write("p.yaml", PERSON.format(person=112))))
    rows = pco_rows(result.stdout)
    assert rows["person 111 schedules"] == ("ok", "readable (2 schedules)")
    if reading == "allowed":
        assert rows["person 112 schedules"] == ("ok", "readable (2 schedules)")
        assert result.exit_code == 0
        return
    assert result.exit_code == 1
    assert rows["person 112 schedules"][0] == "problem"
    assert (
        "→ Planning Center refused (403) to let these credentials read person 112's schedules: "
        "reading another person's schedules needs Administrator permission in Services (an Editor "
        "was refused it, ISSUE#336)."
    ) in " ".join(result.stdout.split()), result.stdout


def test_doctor_reads_every_page_of_the_service_types(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    """Measured: a service type past the first 100 was 'not among the service types these
    credentials see'."""
    with sb.store.transaction() as c:
        c.executemany(
            "INSERT INTO pco_service_types(id, name) VALUES (?, ?)",
            [(5000 + i, f"Extra {i}") for i in range(120)],
        )
        c.execute("INSERT INTO pco_teams(id, service_type, name) VALUES (61, 5119, 'Ushers')")
        c.execute(
            "INSERT INTO pco_plans(id, service_type, title, series_title, dates, short_dates, "
            "sort_date) VALUES (6001, 5119, 'Late', '', 'January 3, 2027', 'Jan 3', "
            "'2027-01-03T15:00:00Z')"
        )
    roster = ROSTER.replace("1234", "5119").replace("team: 22", "team: 61")
    result = cli("doctor", str(write("r.yaml", roster.format(plan=6001))))
    rows = pco_rows(result.stdout)
    assert rows["service type 5119"] == (
        "ok",
        "Extra 119; 1 teams; your permissions: Administrator",
    )
    listed = [r["query"] for r in sb.requests("GET") if r["path"] == "/services/v2/service_types"]
    assert [(q.get("offset"), q.get("per_page")) for q in listed] == [("0", "100"), ("100", "100")]


# -- review (issue 20)
# -----------------------------------------------------------------------------------------


def test_doctor_refused_schedules_line_does_not_ask_whether_the_credentials_are_current(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    """The credentials were accepted a few lines up: the refusal's own line must not contradict its
    hint with the generic "are they current" one."""
    sb.set_readings({"pco.read_others": "forbidden"})
    result = cli("doctor", str(write("p.yaml", PERSON.format(person=112))))
    assert result.exit_code == 1
    rows = pco_rows(result.stdout)
    assert rows["person 112 schedules"] == (
        "problem",
        "reading them was refused (403): Forbidden: Forbidden",
    )
    assert "are they current" not in result.stdout, result.stdout


@pytest.mark.parametrize("filter_", ["supported", "ignored", "refused"])
def test_doctor_reads_the_member_routes_past_a_ghost_member(
    cli: Cli, sb: SandboxServer, write: Write, filter_: str
) -> None:
    """A deleted declined member that the plan's list still shows (ISSUE#663) answers a JSON:API 404
    on both item paths: both routes answer, so this is no "neither path answers" problem (exit 1).
    """
    sb.set_readings({"pco.deleted_declined": "listed", "pco.not_deleted_filter": filter_})
    sb.store.set_team_member(800000001, status="D")  # Jane Doe declined, then was deleted: a ghost
    sb.store.bury(800000001)
    result = cli("doctor", str(write("r.yaml", ROSTER.format(plan=5678))))
    rows = pco_rows(result.stdout)
    assert rows["team-member routes"][0] == "ok", result.stdout
    assert result.exit_code == 0, result.stdout
    assert {r["method"] for r in sb.requests()} == {"GET"}


def test_doctor_names_the_kept_id_of_a_merged_person_a_roster_adds(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    """The CHANGELOG says a merged person's old id names the kept one "in plan, apply and doctor";
    doctor's roster check said only "do not exist ... fix the person ids"."""
    sb.store.merge_people(keep=120, remove=119)
    roster = ROSTER.replace("{{person: 111, team: 22}}", "{{person: 119, team: 22}}")
    result = cli("doctor", str(write("r.yaml", roster.format(plan=5678))))
    assert result.exit_code == 1
    said = " ".join(result.stdout.split())
    assert (
        "person(s) 119 do not exist in Planning Center Services (or these credentials cannot see "
        "them) "
        "→ fix the person ids (`provisioner plan` names each line); Planning Center merged person "
        "119 "
        "into person 120, and only the kept id resolves: write `person: 120`"
    ) in said, result.stdout
