"""A person with two positions on one team of one plan has two schedules (DESIGN §2.3, issue 20 #7):
a response answers every schedule of that (person, plan, team), or only the one its `position:`
names.

Demo seed: Jane Doe (111) is on plan 5679 team 22 (Band) as Vocals, unconfirmed; each test gives her
a second position there (Keys), unconfirmed too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from provisioner_sandbox import SandboxServer
from tests.conftest import Cli

Write = Callable[[str, str], Path]
BASE = "/services/v2/people/111/schedules"
ACCEPT = {"data": {"type": "ScheduleAccept", "attributes": {}}}


def responses(*entries: str) -> str:
    return "provider: planning_center\nperson: 111\nresponses:\n" + "".join(
        f"  - {e}\n" for e in entries
    )


def two_positions(sb: SandboxServer) -> dict[str, str]:
    """Jane's second position on Dec 13's Band; her two schedules there by position."""
    sb.store.add_team_member(5679, 111, 22, status="U", position="Keys")
    return {
        s["team_position_name"]: str(s["id"])
        for s in sb.store.schedules(111)
        if (s["plan"], s["team"]) == (5679, 22)
    }


def statuses(sb: SandboxServer) -> dict[str, str]:
    return {
        m["team_position_name"]: m["status"]
        for m in sb.store.team_members(5679)
        if (m["person"], m["team"]) == (111, 22)
    }


def posts(sb: SandboxServer) -> list[tuple[str, Any]]:
    return sorted((r["path"], r["body"]) for r in sb.requests() if r["method"] == "POST")


def plan(cli: Cli, path: Path) -> dict[str, Any]:
    result = cli("plan", "--format", "json", str(path))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_an_accept_answers_both_schedules_of_two_positions_and_then_plans_empty(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    ids = two_positions(sb)
    path = write("jane.yaml", responses("{plan: 5679, response: accepted}"))
    data = plan(cli, path)
    assert [(c["key"], c["fields"]) for c in data["changes"]] == [
        ("plan 5679 / team 22 / Keys", {"response": {"from": "pending", "to": "accepted"}}),
        ("plan 5679 / team 22 / Vocals", {"response": {"from": "pending", "to": "accepted"}}),
    ]
    sb.clear_requests()
    result = cli("apply", "--auto-approve", str(path))
    assert result.exit_code == 0, result.stderr
    assert posts(sb) == sorted(
        [(f"{BASE}/{ids['Vocals']}/accept", ACCEPT), (f"{BASE}/{ids['Keys']}/accept", ACCEPT)]
    )
    assert statuses(sb) == {"Vocals": "C", "Keys": "C"}
    # before: "No changes" while Keys was still unconfirmed; now live matches, and drift agrees
    assert cli("plan", "--detailed-exitcode", str(path)).exit_code == 0
    assert cli("drift", str(path)).exit_code == 0


def test_a_position_names_the_one_schedule_a_response_answers(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    ids = two_positions(sb)
    path = write(
        "jane.yaml",
        responses(
            "{plan: 5679, team: 22, position: Keys, response: declined, reason: No keyboard}"
        ),
    )
    data = plan(cli, path)
    assert [(c["key"], c["identity"]) for c in data["changes"]] == [
        ("plan 5679 / team 22 / Keys", {"plan": 5679, "team": 22, "position": "Keys"})
    ]
    sb.clear_requests()
    assert cli("apply", "--auto-approve", str(path)).exit_code == 0
    assert posts(sb) == [
        (
            f"{BASE}/{ids['Keys']}/decline",
            {"data": {"type": "ScheduleDecline", "attributes": {"reason": "No keyboard"}}},
        )
    ]
    assert statuses(sb) == {"Vocals": "U", "Keys": "D"}
    assert cli("plan", "--detailed-exitcode", str(path)).exit_code == 0


def test_each_position_answered_its_own_way(sb: SandboxServer, cli: Cli, write: Write) -> None:
    two_positions(sb)
    path = write(
        "jane.yaml",
        responses(
            "{plan: 5679, team: 22, position: Vocals, response: accepted}",
            "{plan: 5679, team: 22, position: Keys, response: declined, reason: No keyboard}",
        ),
    )
    assert cli("validate", str(path)).exit_code == 0  # two positions are two declarations
    assert cli("apply", "--auto-approve", str(path)).exit_code == 0
    assert statuses(sb) == {"Vocals": "C", "Keys": "D"}
    assert cli("plan", "--detailed-exitcode", str(path)).exit_code == 0


def test_a_position_the_person_does_not_hold_is_an_error_naming_the_ones_they_do(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    two_positions(sb)
    path = write(
        "jane.yaml", responses("{plan: 5679, team: 22, position: Drums, response: accepted}")
    )
    result = cli("plan", str(path))
    assert result.exit_code == 1
    file = path / "jane.yaml" if path.is_dir() else path
    assert result.stderr.splitlines() == [
        f"{file}:4:5: person 111 has no schedule as Drums on plan 5679 team 22; their positions "
        "there: Keys, Vocals",
        "1 error found.",
    ]
    assert [r for r in sb.requests() if r["method"] == "POST"] == []


def test_a_position_answering_one_of_two_schedules_and_a_response_for_both_collide(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    two_positions(sb)
    path = write(
        "jane.yaml",
        responses(
            "{plan: 5679, response: accepted}",
            "{plan: 5679, team: 22, position: Keys, response: declined}",
        ),
    )
    result = cli("plan", str(path))
    assert result.exit_code == 1
    file = path / "jane.yaml" if path.is_dir() else path
    assert result.stderr.splitlines() == [
        f"{file}:5:5: answers the same schedule as the response at {file}:4",
        "1 error found.",
    ]


def test_one_position_keeps_the_key_it_always_had(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = write("jane.yaml", responses("{plan: 5679, position: Vocals, response: accepted}"))
    data = plan(cli, path)
    assert [(c["key"], c["identity"]) for c in data["changes"]] == [
        ("plan 5679 / team 22", {"plan": 5679, "team": 22})
    ]


def test_import_writes_each_position_and_the_file_plans_empty(
    sb: SandboxServer, cli: Cli, tmp_path: Path
) -> None:
    two_positions(sb)
    for member in sb.store.team_members(5679):
        if (member["person"], member["team"]) == (111, 22):
            answer = {"Vocals": "C", "Keys": "D"}[member["team_position_name"]]
            sb.store.set_team_member(member["id"], status=answer, decline_reason="No keyboard")
    path = tmp_path / "jane.yaml"
    done = cli("import", "planning-center", "--person", "111", "-o", str(path))
    assert done.exit_code == 0, done.stderr
    text = path.read_text(encoding="utf-8")
    assert (
        "  - plan: 2026-12-13  # plan 5679\n    team: Band  # team 22\n    position: Keys\n"
        "    response: declined\n    reason: No keyboard\n" in text
    )
    assert (
        "  - plan: 2026-12-13  # plan 5679\n    team: Band  # team 22\n    position: Vocals\n"
        "    response: accepted\n" in text
    )
    assert cli("validate", str(path)).exit_code == 0
    planned = cli("plan", "--detailed-exitcode", str(path))
    assert planned.exit_code == 0, planned.output + planned.stderr


def test_import_of_two_schedules_on_one_date_writes_the_date_twice_not_an_alias(
    sb: SandboxServer, cli: Cli, tmp_path: Path
) -> None:
    sb.store.add_team_member(5679, 111, 23, status="C", position="Audio")
    for member in sb.store.team_members(5679):
        if member["person"] == 111:
            sb.store.set_team_member(member["id"], status="C")
    path = tmp_path / "jane.yaml"
    assert cli("import", "planning-center", "--person", "111", "-o", str(path)).exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert "*id" not in text and "&id" not in text
    assert text.count("  - plan: 2026-12-13  # plan 5679\n") == 2
