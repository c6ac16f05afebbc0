"""The rules of issue 11 that hold with one writer too: duplicates always visible, exact copies not
guarded, several positions on one team, mass updates guarded, fields left out not managed, a subset
of the files not pruning the rest, and what a failed publish tells the user. End to end against the
sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli

Write = Callable[[str, str], Path]
GB = "/open-api/v1/personalized-schedules/"
MEMBERS = "/services/v2/service_types/1234/plans/5678/team_members"
GUIDE_47 = [
    "Sales Team",
    "Engineering",
    "VIP Speakers",
    "Manual Adjustments",
    "Marketing",
    "Legacy Track",
    "Product",
    "Support",
    "Executive Briefing",
    "Partners",
    "Volunteers",
    "Press",
]


def writes(sb: Any) -> list[tuple[str, str, Any]]:
    return [(r["method"], r["path"], r["body"]) for r in sb.requests() if r["method"] != "GET"]


def live_schedule(sb: Any, name: str) -> dict[str, Any]:
    return next(s for s in sb.store.guidebook_schedules(47) if s["name"] == name)


# -- 2. duplicates are visible with prune off
# ---------------------------------------------------------------------


def test_a_duplicate_schedule_with_prune_off_is_drift(cli: Cli, sb: Any, write: Write) -> None:
    copy = sb.store.add_guidebook_schedule(47, "Sales Team", [6], [13])
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
        "  - {name: Sales Team, attendees: [6, 7, 10, 11, 12], sessions: [13, 14, 40]}\n",
    )
    warning = (
        f"guide 47: 'Sales Team' exists 2 times in live (#1, #{copy}); prune is off, so nothing "
        "removes the "
        "extra copies: delete them by hand, or turn prune on (the lowest id is kept)"
    )
    plan = cli("plan", str(d), "--detailed-exitcode")
    assert plan.exit_code == 2 and f"warning: {warning}" in plan.stdout
    assert plan.stdout.endswith("No changes, but 1 duplicate in live (see the warnings).\n")
    drift = cli("drift", str(d), "--format", "json")
    assert drift.exit_code == 2 and json.loads(drift.stdout)["duplicates"] == [warning]
    # the same words as the text summary (it read "Drift: duplicates in live (1; see the
    # warnings).")
    assert (
        cli("drift", str(d), "--format", "markdown").stdout.count(
            "**Drift: no changes, but 1 duplicate in live (see the warnings).**\n"
        )
        == 1
    )
    # with a change beside it, the duplicate is said under the summary, not only in the warnings at
    # the end
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
        "  - {name: Sales Team, attendees: [6, 7, 10, 11, 12], sessions: [13, 14]}\n",
    )
    assert cli("plan", str(d), "--format", "markdown").stdout.startswith(
        "<!-- provisioner-plan -->\n### provisioner plan\n\n**Plan: 0 to create, 1 to update, 0 to "
        "delete.**\n\n"
        "_Also 1 duplicate in live that no change removes (prune is off); see the warnings._\n\n"
    )


def test_a_duplicate_team_member_with_prune_off_is_drift(cli: Cli, sb: Any, write: Write) -> None:
    copy = sb.store.add_team_member(5678, 111, 22, status="U", position="Vocals")
    d = write(
        "r.yaml",
        "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5678\n    prune: "
        "false\n"
        "    team_members:\n      - {person: 111, team: 22, position: Vocals}\n",
    )
    result = cli("drift", str(d))
    assert result.exit_code == 2
    assert (
        f"plan 5678: 'person 111 / team 22 / Vocals' exists 2 times in live (#800000001, #{copy}); "
        "prune is off" in result.stdout
    )


def test_exact_copies_are_removed_without_tripping_the_mass_delete_guard(
    cli: Cli, sb: Any, write: Write
) -> None:
    """What two writers leave behind: 6 exact copies among 12 schedules (6 of 18 is over 30%)."""
    copies = [
        sb.store.add_guidebook_schedule(47, s["name"], s["attendees"], s["sessions"])
        for s in sb.store.guidebook_schedules(47)[:6]
    ]
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nschedules:\n"
        + "".join(
            f"  - name: {s['name']}\n    attendees: {s['attendees']}\n    sessions: "
            f"{s['sessions']}\n"
            for s in sb.store.guidebook_schedules(47)
            if s["id"] not in copies
        ),
    )
    plan = cli("plan", str(d), "--format", "json")
    data = json.loads(plan.stdout)
    assert data["summary"] == {"create": 0, "update": 0, "delete": 6}
    assert {c["reason"] for c in data["changes"]} == {
        "duplicate in live: the lowest id is kept (prune)"
    }
    assert data["scopes"][0]["violations"] == [] and data["impact"] == [
        {"provider": "guidebook", "scope": "guide 47", "people": []}
    ]  # nobody loses a session
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert sorted(int(p.split("/")[-2]) for m, p, _ in writes(sb) if m == "DELETE") == copies


def test_removing_a_duplicate_member_says_the_person_stays(cli: Cli, sb: Any, write: Write) -> None:
    sb.store.add_team_member(5678, 111, 22, status="U", position="Vocals")
    d = write(
        "r.yaml",
        "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5678\n    prune: "
        "false\n"
        "    team_members:\n      - {person: 111, team: 22, position: Vocals}\n",
    )
    text = (Path(d) / "r.yaml").read_text().replace("prune: false", "prune: true")
    (Path(d) / "r.yaml").write_text(
        text
        + "".join(
            f"      - {{person: {p}, team: {t}}}\n"
            for p, t in (
                (112, 23),
                (113, 22),
                (114, 22),
                (115, 22),
                (116, 23),
                (117, 24),
                (118, 24),
            )
        )
    )
    result = cli("plan", str(d), "--format", "markdown")
    assert (
        "duplicate entry removed (still on the team)" in result.stdout
        and ": removed" not in result.stdout
    )


# -- 5. one person, two positions on one team
# ---------------------------------------------------------------------


def test_two_positions_on_one_team_import_as_two_entries_and_plan_empty(
    cli: Cli, sb: Any, tmp_path: Path
) -> None:
    sb.store.add_team_member(5678, 111, 22, status="C", position="Keys")  # 111 also sings (Vocals)
    done = cli("import", "planning-center", "--service-type", "1234", "--plan", "5678")
    assert done.exit_code == 0, done.stderr
    assert done.stdout.count("person: Jane Doe  # person 111") == 2
    assert "position: Vocals" in done.stdout and "position: Keys" in done.stdout
    path = tmp_path / "roster.yaml"
    path.write_text(done.stdout, encoding="utf-8")
    sb.clear_requests()
    result = cli("plan", str(path), "--detailed-exitcode")
    assert result.exit_code == 0, result.stdout
    assert [w for w in writes(sb)] == []


def test_a_change_of_position_is_one_patch(cli: Cli, sb: Any, write: Write) -> None:
    d = write(
        "r.yaml",
        "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5678\n    prune: "
        "false\n"
        "    team_members:\n      - {person: 113, team: 22, position: Bass}\n",
    )
    assert cli("apply", str(d), "--auto-approve").exit_code == 0
    assert writes(sb) == [
        (
            "PATCH",
            "/services/v2/people/113/plan_people/800000003",
            {
                "data": {
                    "type": "PlanPerson",
                    "attributes": {"team_position_name": "Bass"},
                    "id": "800000003",
                }
            },
        )
    ]
    assert cli("plan", str(d), "--detailed-exitcode").exit_code == 0


# -- 8. mass updates are guarded like mass deletes
# ------------------------------------------------------------------


def test_emptying_every_schedule_is_refused_without_force(cli: Cli, sb: Any, write: Write) -> None:
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nschedules:\n"
        + "".join(f"  - {{name: {n}, attendees: []}}\n" for n in GUIDE_47),
    )
    plan = cli("plan", str(d))
    assert (
        "UNSAFE: guide 47: would remove members from all 12 live objects (apply needs --force)"
        in plan.stdout
    )
    result = cli("apply", str(d), "--auto-approve")
    assert (
        result.exit_code == 1
        and "refusing to apply: guide 47: would remove members from all 12" in result.stderr
    )
    assert writes(sb) == []


def test_removing_members_from_a_third_of_the_schedules_is_refused(
    cli: Cli, sb: Any, write: Write
) -> None:
    emptied = GUIDE_47[:4]  # 4 of 12: 33%
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nschedules:\n"
        + "".join(
            f"  - {{name: {n}{', attendees: []' if n in emptied else ''}}}\n" for n in GUIDE_47
        ),
    )
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 1
    assert (
        "guide 47: would remove members from 4 of 12 live objects (33%), more than the 30% allowed"
        in result.stderr
    )


# -- 9. fields left out are not managed
# ---------------------------------------------------------------------------


def test_a_schedule_with_only_a_name_changes_nothing(cli: Cli, sb: Any, write: Write) -> None:
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n  - {name: Engineering}\n",
    )
    result = cli("plan", str(d), "--detailed-exitcode")
    assert result.exit_code == 0 and "No changes" in result.stdout


def test_a_field_left_out_keeps_its_live_value(cli: Cli, sb: Any, write: Write) -> None:
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
        "  - {name: Engineering, sessions: [13]}\n",
    )
    assert cli("apply", str(d), "--auto-approve").exit_code == 0
    assert writes(sb) == [("PATCH", f"{GB}2/", {"sessions": [13]})]
    assert live_schedule(sb, "Engineering")["attendees"] == [
        30,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        38,
        39,
    ]


def test_creating_a_schedule_needs_both_fields(cli: Cli, sb: Any, write: Write) -> None:
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n  - {name: Crew, sessions: "
        "[13]}\n",
    )
    result = cli("plan", str(d))
    assert result.exit_code == 1
    assert (
        f"{d / 's.yaml'}:5:5: schedule 'Crew' does not exist yet, and creating it needs both "
        "attendees and "
        "sessions: add attendees (`[]` for none)"
    ) in result.stderr.replace(str(Path.cwd()) + "/", "")


# -- 10. a subset of the files does not prune the rest
# ----------------------------------------------------------------


def test_applying_one_of_two_files_of_a_guide_does_not_prune_the_other(
    cli: Cli, sb: Any, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    def declare(names: list[str]) -> str:
        return "provider: guidebook\nguide: 47\nschedules:\n" + "".join(
            f"  - name: {s['name']}\n    attendees: {s['attendees']}\n    sessions: "
            f"{s['sessions']}\n"
            for s in sb.store.guidebook_schedules(47)
            if s["name"] in names
        )

    d = write("a.yaml", declare(GUIDE_47[:6]))
    write("b.yaml", declare(GUIDE_47[6:]))
    monkeypatch.chdir(d.parent)  # the repository: d is its schedules/
    result = cli("apply", "schedules/a.yaml", "--auto-approve")
    assert result.exit_code == 0 and "No changes" in result.stdout
    assert (
        "warning: guide 47: not pruned: schedules/b.yaml also declares it and this run was not "
        "given it; pass "
        "every file of the scope (or the directory) to prune it"
    ) in result.stdout
    assert writes(sb) == []
    assert (
        cli("plan", str(d), "--detailed-exitcode").exit_code == 0
    )  # given the directory: all of it, in sync


# -- 11. a failed publish says how to publish again
# -------------------------------------------------------------------


def test_a_failed_publish_points_to_republish(cli: Cli, sb: Any, write: Write) -> None:
    sb.add_fault(method="POST", path="publish-personalized-schedules", status=400, times=-1)
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\npublish: guide\nschedules:\n"
        "  - {name: Sales Team, attendees: [6, 7], sessions: [13, 14, 40]}\n",
    )
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "error: the changes were applied but a post-apply step failed; fix the cause, "
        "then run `provisioner apply --republish`\n"
    )
