"""`provisioner import`: live state → YAML that plans empty; merging into a user's file keeps their
work."""

from __future__ import annotations

import json
import re
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from provisioner.importing.merge import ImportResult
from tests.conftest import Cli

SCHEMA_LINE = "# yaml-language-server: $schema="


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def import_plan_empty(cli: Cli, path: Path, *args: str) -> str:
    """Import into a new file, then check it validates and plans empty; return the text."""
    done = cli("import", *args, "-o", str(path))
    assert done.exit_code == 0, done.stderr
    assert cli("validate", str(path)).exit_code == 0
    planned = cli("plan", "--detailed-exitcode", str(path))
    assert planned.exit_code == 0, planned.output + planned.stderr
    assert "No changes" in planned.output
    return path.read_text(encoding="utf-8")


# -- round trips against the sandbox
# --------------------------------------------------------------------


def test_guidebook_round_trip_plans_empty(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "provisioner.schema.json").write_text("{}", encoding="utf-8")
    text = import_plan_empty(
        cli, tmp_path / "schedules" / "summit.yaml", "guidebook", "--guide", "47"
    )
    assert text.startswith(SCHEMA_LINE + "../schema/provisioner.schema.json\n")
    doc = load(tmp_path / "schedules" / "summit.yaml")
    assert (doc["provider"], doc["guide"]) == ("guidebook", 47)
    assert "guide: 47  # Summit 2026\n" in text
    assert len(doc["schedules"]) == 12
    sales = doc["schedules"][0]
    assert sales == {
        "name": "Sales Team",
        "attendees": [
            {"email": "alice@example.com"},
            {"email": "bob@example.com"},
            {"email": "attendee010@example.com"},
            {"email": "attendee011@example.com"},
            {"email": "attendee012@example.com"},
        ],
        "sessions": [
            {"import_id": "sess-keynote"},
            {"import_id": "sess-wa"},
            {"import_id": "sess-close"},
        ],
    }


def test_guidebook_import_is_idempotent(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "summit.yaml"
    first = import_plan_empty(cli, path, "guidebook", "--guide", "47")
    again = cli("import", "guidebook", "--guide", "47", "-o", str(path))
    assert again.exit_code == 0
    assert path.read_text(encoding="utf-8") == first
    assert "0 added, 0 updated" in again.stderr


def test_without_out_prints_yaml_and_reports_on_stderr(cli: Cli, sb: Any) -> None:
    done = cli("import", "guidebook", "--guide", "48")
    assert done.exit_code == 0
    assert done.stdout.startswith(SCHEMA_LINE)
    doc = YAML(typ="safe").load(done.stdout)
    assert [s["name"] for s in doc["schedules"]] == ["Partner Track", "Partner VIP"]
    # alice@example.com is attendee 6 in guide 47 and 101 in guide 48: lookups are per guide, so
    # email is fine.
    assert doc["schedules"][0]["attendees"][0] == {"email": "alice@example.com"}
    assert "yaml-language-server" not in done.stderr


def test_unknown_guide_is_a_clear_error(cli: Cli) -> None:
    done = cli("import", "guidebook", "--guide", "999")
    assert done.exit_code == 1
    assert "guide 999 was not found" in done.stderr


def test_rosters_round_trip_plans_empty(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "sunday.yaml"
    text = import_plan_empty(cli, path, "planning-center", "--service-type", "1234")
    doc = load(path)
    # Names and dates, with the ids in comments (contract §2.2).
    assert doc["provider"] == "planning_center" and doc["service_type"] == "Sunday Services"
    assert [r["plan"] for r in doc["rosters"]] == [
        date(2026, 12, 6),
        date(2026, 12, 13),
        date(2026, 12, 20),
    ]
    assert doc["rosters"][0]["team_members"][0] == {
        "person": "Jane Doe",
        "team": "Band",
        "position": "Vocals",
        "status": "U",
    }
    assert "service_type: Sunday Services  # service type 1234\n" in text
    assert "  - plan: 2026-12-06  # plan 5678, Advent 2\n" in text
    assert "      - person: Jane Doe  # person 111\n        team: Band  # team 22\n" in text


def test_rosters_of_chosen_plans_keep_notes(cli: Cli, sb: Any, tmp_path: Path) -> None:
    member = sb.store.team_members(5679)[0]["id"]
    sb.store.set_team_member(member, notes="Bring in-ears")
    path = tmp_path / "advent3.yaml"
    import_plan_empty(cli, path, "planning-center", "--service-type", "1234", "--plan", "5679")
    rosters = load(path)["rosters"]
    assert [r["plan"] for r in rosters] == [date(2026, 12, 13)]
    assert rosters[0]["team_members"][0]["notes"] == "Bring in-ears"
    assert "notes" not in rosters[0]["team_members"][1]


def test_plan_of_another_service_type_is_refused(cli: Cli) -> None:
    done = cli("import", "planning-center", "--service-type", "1234", "--plan", "7001")
    assert done.exit_code == 1
    assert "plan 7001 is not a plan of service type 1234" in done.stderr


@pytest.mark.parametrize(
    "args",
    [  # no option at all: tests/test_edges_messages.py (it said "not both" too)
        ("--service-type", "1234", "--person", "111"),
        ("--person", "111", "--plan", "5678"),
        ("--person", "111", "--future"),
    ],
)  # measured today: --future was ignored
def test_planning_center_needs_one_mode(cli: Cli, args: tuple[str, ...]) -> None:
    done = cli("import", "planning-center", *args)
    assert (done.exit_code, done.stdout) == (1, "")
    assert done.stderr == (
        "error: give --service-type ID (optionally with --plan ID ... or --future) or --person ID, "
        "not both\n"
    )


def test_responses_round_trip_plans_empty(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "david.yaml"
    text = import_plan_empty(cli, path, "planning-center", "--person", "114")
    assert load(path) == {
        "provider": "planning_center",
        "person": "David Kim",
        "responses": [
            {
                "plan": date(2026, 12, 6),
                "team": "Band",
                "response": "declined",
                "reason": "Traveling",
            }
        ],
    }
    assert "person: David Kim  # person 114\n" in text
    assert "  - plan: 2026-12-06  # plan 5678\n    team: Band  # team 22\n" in text
    assert "# Pending (not answered yet)" in text and "#   plan 5680 team 24" in text


def test_person_with_only_pending_schedules(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "jane.yaml"
    text = import_plan_empty(cli, path, "planning-center", "--person", "111")
    assert load(path)["responses"] == []
    assert "#   plan 5678 team 22" in text and "#   plan 5679 team 22" in text
    done = cli("import", "planning-center", "--person", "111")
    assert "skipped 2 pending schedules of person 111" in done.stderr


# -- references
# -----------------------------------------------------------------------------------------


def test_references_fall_back_to_ids_with_comments(cli: Cli, sb: Any, tmp_path: Path) -> None:
    conn = sb.store.conn
    conn.execute(
        "UPDATE gb_attendees SET email = '', import_id = NULL WHERE id = 10"
    )  # nothing readable
    conn.execute(
        "UPDATE gb_attendees SET email = 'attendee011@example.com' WHERE id = 12"
    )  # email shared
    conn.execute(
        "UPDATE gb_sessions SET name = 'Lightning Talks' WHERE id IN (38, 39)"
    )  # no import_id, same name
    conn.execute(
        "UPDATE gb_sessions SET import_id = 'sess-keynote' WHERE id = 2"
    )  # import_id shared
    schedule = sb.store.guidebook_schedules(47)[0]
    assert schedule["name"] == "Sales Team"
    sb.store.set_schedule_links(schedule["id"], sessions=[13, 14, 38, 39, 40])

    path = tmp_path / "summit.yaml"
    text = import_plan_empty(cli, path, "guidebook", "--guide", "47")
    sales = load(path)["schedules"][0]
    assert sales["attendees"] == [
        {"email": "alice@example.com"},
        {"email": "bob@example.com"},
        10,
        {"import_id": "crm-0011"},
        {"import_id": "crm-0012"},
    ]
    assert sales["sessions"] == [
        {"name": "Opening Keynote"},
        {"import_id": "sess-wa"},
        38,
        39,
        {"import_id": "sess-close"},
    ]
    assert "      - 10  # Attendee 010\n" in text
    assert "      - 38  # Lightning Talks\n      - 39  # Lightning Talks\n" in text


# -- merging into an existing file
# ----------------------------------------------------------------------

SUMMIT = """\
# Summit 2026: owned by the events team. Keep this header.
provider: guidebook
guide: 47
ignore: ["Manual *"]
schedules:
  # The sales crowd, curated by hand.
  - name: Sales Team
    attendees:
      - email: alice@example.com  # team lead
      - 7  # Bob
      - import_id: crm-0010
      - email: attendee011@example.com
      - email: attendee012@example.com
    sessions: &core
      - name: Opening Keynote
      - import_id: sess-wa
      - 40
  - name: VIP Speakers
    attendees:
      - email: carol@example.com
      - 20
      - 21
    sessions:
      - 13
      - 15
      - 40
  - name: Speaker Dinner  # not created yet
    attendees: [4, 5]  # one schedule per attendee: the speakers cannot be here too
    sessions: *core
"""


def merge_into(cli: Cli, tmp_path: Path, text: str, *args: str) -> tuple[Path, Any]:
    path = tmp_path / "schedules" / "summit.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path, cli("import", *args, "-o", str(path))


def test_merge_keeps_comments_anchors_and_file_only_schedules(cli: Cli, tmp_path: Path) -> None:
    path, done = merge_into(cli, tmp_path, SUMMIT, "guidebook", "--guide", "47")
    assert done.exit_code == 0, done.stderr
    assert "kept 1 schedule not in live: 'Speaker Dinner'" in done.stderr
    assert "skipped schedule 'Manual Adjustments': the file ignores it" in done.stderr
    text = path.read_text(encoding="utf-8")
    # Everything the user wrote is still there, byte for byte: the two live schedules already
    # matched.
    assert text.startswith(SUMMIT)
    names = [s["name"] for s in load(path)["schedules"]]
    assert names[:3] == ["Sales Team", "VIP Speakers", "Speaker Dinner"]
    assert "Manual Adjustments" not in names and len(names) == 3 + 9
    planned = cli("plan", "--format", "json", str(path.parent))
    changes = json.loads(planned.output)["changes"]
    assert [(c["action"], c["key"]) for c in changes] == [("create", "Speaker Dinner")]


def test_merge_updates_changed_lists_without_breaking_aliases(
    cli: Cli, sb: Any, tmp_path: Path
) -> None:
    by_name = {s["name"]: s for s in sb.store.guidebook_schedules(47)}
    sb.store.set_schedule_links(
        by_name["Sales Team"]["id"], attendees=[6, 7, 10, 11, 44], sessions=[13, 15, 40]
    )
    path, done = merge_into(cli, tmp_path, SUMMIT, "guidebook", "--guide", "47")
    assert done.exit_code == 0, done.stderr
    assert "1 updated" in done.stderr
    text = path.read_text(encoding="utf-8")
    # The unshared attendee list was edited in place: comments stay, 12 goes, 44 comes.
    assert "      - email: alice@example.com  # team lead\n      - 7  # Bob\n" in text
    sales_text = text[text.index("- name: Sales Team") : text.index("- name: VIP Speakers")]
    assert "attendee012@example.com" not in sales_text
    assert "      - email: attendee044@example.com\n" in text
    # The shared session list changed only for Sales Team; Speaker Dinner still refers to the
    # anchor.
    doc = load(path)
    sales, dinner = doc["schedules"][0], doc["schedules"][2]
    assert sales["sessions"] == [
        {"import_id": "sess-keynote"},
        {"import_id": "sess-wb"},
        {"import_id": "sess-close"},
    ]
    assert dinner["sessions"] == [{"name": "Opening Keynote"}, {"import_id": "sess-wa"}, 40]
    # the anchor moves to the list that still holds it (Speaker Dinner's)
    assert (
        "# one schedule per attendee: the speakers cannot be here too\n    sessions: &core" in text
    )
    assert "# Summit 2026: owned by the events team. Keep this header.\n" in text
    assert "  # The sales crowd, curated by hand.\n" in text
    planned = cli("plan", "--format", "json", str(path.parent))
    changes = json.loads(planned.output)["changes"]
    assert [(c["action"], c["key"]) for c in changes] == [("create", "Speaker Dinner")]


def test_merge_refuses_a_file_of_another_guide(cli: Cli, tmp_path: Path) -> None:
    path, done = merge_into(
        cli, tmp_path, SUMMIT.replace("guide: 47", "guide: 48"), "guidebook", "--guide", "47"
    )
    assert done.exit_code == 1
    assert "declares guide 48, not 47" in done.stderr
    assert path.read_text(encoding="utf-8") == SUMMIT.replace("guide: 47", "guide: 48")


ROSTER = """\
provider: planning_center
service_type: 1234
rosters:
  - plan: 5678  # Advent 2
    prune: true
    team_members:
      - person: 111  # Jane
        team: 22
        status: unconfirmed   # words are fine
      - person: 112
        team: 23
        position: Audio
        status: C
        notes: Old note
      - person: 999  # left the church
        team: 22
  - plan: 9999  # a plan made later by hand
    team_members: []
"""


def test_merge_rosters_respects_unmanaged_fields(cli: Cli, sb: Any, tmp_path: Path) -> None:
    members = {(m["person"], m["team"]): m["id"] for m in sb.store.team_members(5678)}
    sb.store.set_team_member(members[(111, 22)], status="C")
    path, done = merge_into(
        cli, tmp_path, ROSTER, "planning-center", "--service-type", "1234", "--plan", "5678"
    )
    assert done.exit_code == 0, done.stderr
    assert (
        "kept 1 roster not in live: plan 9999" in done.stderr
    )  # not a plan of the service type at all
    assert "kept 1 team member not in live: person 999 / team 22 on plan 5678" in done.stderr
    text = path.read_text(encoding="utf-8")
    assert re.search(
        r"\n        status: confirmed +# words are fine\n", text
    )  # the user's spelling, updated
    assert (
        "      - person: 999  # left the church\n        team: 22\n" in text
    )  # kept, with its comment
    roster = load(path)["rosters"][0]
    assert roster["prune"] is True
    people = {m["person"]: m for m in roster["team_members"]}
    assert (
        "position" not in people[111]
    )  # the user does not manage Jane's position: still not managed
    assert people[112]["notes"] == ""  # live has no notes: the key the user manages stays, empty
    # The file's entries keep their ids; the live members it lacked come in by name.
    assert set(people) == {
        *(111, 112, 999),
        *(
            "Maria Garcia",
            "David Kim",
            "Sarah Johnson",
            "Michael Brown",
            "Emily Davis",
            "Daniel Lee",
        ),
    }


def test_merge_responses_matches_entries_without_team(cli: Cli, sb: Any, tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        provider: planning_center
        person: 114
        responses:
          # Declined, then changed his mind.
          - plan: 5678
            response: accepted
          - plan: 5680
            response: declined
            reason: Away
        """)
    path, done = merge_into(cli, tmp_path, text, "planning-center", "--person", "114")
    assert done.exit_code == 0, done.stderr
    assert "kept 1 response not in live: plan 5680 (pending in live)" in done.stderr
    out = path.read_text(encoding="utf-8")
    assert "  # Declined, then changed his mind.\n  - plan: 5678\n    response: declined\n" in out
    assert load(path)["responses"][0] == {
        "plan": 5678,
        "response": "declined",
        "reason": "Traveling",
    }


def test_result_messages() -> None:
    result = ImportResult(
        "", path="s.yaml", merged=True, added=["'A'"], kept=["'B'", "'C'"], noun="schedule"
    )
    assert result.messages() == [
        "kept 2 schedules not in live: 'B', 'C'",
        "merged into s.yaml: 1 added, 0 updated",
    ]


def test_merge_never_edits_a_shared_team_member_in_place(cli: Cli, sb: Any, tmp_path: Path) -> None:
    members = {(m["person"], m["team"]): m["id"] for m in sb.store.team_members(5679)}
    sb.store.set_team_member(members[(111, 22)], status="D", decline_reason="Away")
    text = textwrap.dedent("""\
        provider: planning_center
        service_type: 1234
        rosters:
          - plan: 5678
            team_members:
              - &jane {person: 111, team: 22, position: Vocals, status: U}
          - plan: 5679
            team_members:
              - *jane
        """)
    path, done = merge_into(
        cli,
        tmp_path,
        text,
        "planning-center",
        "--service-type",
        "1234",
        "--plan",
        "5678",
        "--plan",
        "5679",
    )
    assert done.exit_code == 0, done.stderr
    rosters = load(path)["rosters"]
    assert rosters[0]["team_members"][0] == {
        "person": 111,
        "team": 22,
        "position": "Vocals",
        "status": "U",
    }
    assert rosters[1]["team_members"][0] == {
        "person": "Jane Doe",  # a plain entry of its own for plan 5679, written as imports write
        "team": "Band",
        "position": "Vocals",
        "status": "D",
    }
    assert "&jane" in path.read_text(encoding="utf-8")
    assert cli("plan", "--detailed-exitcode", str(path)).exit_code == 0


def test_merge_refuses_a_file_that_is_not_yaml(cli: Cli, tmp_path: Path) -> None:
    path, done = merge_into(cli, tmp_path, "provider: [unclosed\n", "guidebook", "--guide", "47")
    assert done.exit_code == 1
    assert "cannot merge into this file" in done.stderr
    assert path.read_text(encoding="utf-8") == "provider: [unclosed\n"


def test_merge_keeps_blank_lines_and_comments_around_removed_and_added_entries(
    cli: Cli, sb: Any, tmp_path: Path
) -> None:
    by_name = {s["name"]: s for s in sb.store.guidebook_schedules(47)}
    sb.store.set_schedule_links(by_name["Sales Team"]["id"], attendees=[6, 7, 10, 11, 42])
    text = textwrap.dedent("""\
        provider: guidebook
        guide: 47
        prune: false
        schedules:
          - name: Sales Team
            attendees:
              - 6
              - 7
              - 10
              - 11
              - 12  # leaves in June
              # 13 joins later

            sessions: [{name: Opening Keynote}, 14, 40]

          # Support is managed here too.
          - name: Support
            attendees: []
        """)
    path, done = merge_into(cli, tmp_path, text, "guidebook", "--guide", "47")
    assert done.exit_code == 0, done.stderr
    out = path.read_text(encoding="utf-8")
    assert (
        "      - 11\n      - email: attendee042@example.com\n      # 13 joins later\n\n    "
        "sessions:" in out
    )
    assert (
        "    sessions: [{name: Opening Keynote}, 14, 40]\n\n  # Support is managed here too.\n"
        in out
    )


def test_merge_into_a_roster_that_does_not_prune_adds_nobody(cli: Cli, tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        provider: planning_center
        service_type: 1234
        rosters:
          - plan: 5679
            prune: false  # only manage the people listed here
            team_members:
              - {person: 112, team: 23, position: Audio, status: C}
        """)
    path, done = merge_into(
        cli, tmp_path, text, "planning-center", "--service-type", "1234", "--plan", "5679"
    )
    assert done.exit_code == 0, done.stderr
    assert "plan 5679: 7 live team members not added (the roster has prune: false)" in done.stderr
    assert load(path)["rosters"][0]["team_members"] == [
        {"person": 112, "team": 23, "position": "Audio", "status": "U"}
    ]
    assert cli("plan", "--detailed-exitcode", str(path)).exit_code == 0


def test_schema_line_points_at_the_repository_schema(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "elsewhere" / "summit.yaml"
    done = cli("import", "guidebook", "--guide", "48", "-o", str(outside))
    assert done.exit_code == 0
    # No schema in reach and no published URL: no line (never a made-up URL), and a hint on stderr.
    assert outside.read_text(encoding="utf-8").startswith("provider: guidebook\n")
    assert "yaml-language-server" not in outside.read_text(encoding="utf-8")
    assert (
        "tip: run `provisioner schema > schema/provisioner.schema.json` and add a "
        "`# yaml-language-server: $schema=...` line for editor completion" in done.stderr
    )
    (tmp_path / "repo" / "schema").mkdir(parents=True)
    (tmp_path / "repo" / "schema" / "provisioner.schema.json").write_text("{}", encoding="utf-8")
    nested = tmp_path / "repo" / "schedules" / "events" / "partner-day.yaml"
    assert cli("import", "guidebook", "--guide", "48", "-o", str(nested)).exit_code == 0
    assert nested.read_text(encoding="utf-8").startswith(
        SCHEMA_LINE + "../../schema/provisioner.schema.json\n"
    )
    monkeypatch.chdir(tmp_path / "repo")
    printed = cli("import", "guidebook", "--guide", "48")
    assert printed.stdout.startswith(
        SCHEMA_LINE + "../schema/provisioner.schema.json\n"
    )  # as if in schedules/
    assert "tip:" not in printed.stderr
    monkeypatch.chdir(tmp_path / "elsewhere")
    printed = cli("import", "guidebook", "--guide", "48")
    assert (
        printed.stdout.startswith("provider: guidebook\n")
        and "tip: run `provisioner schema" in printed.stderr
    )


# -- the example file, merging with --plan, directories
# --------------------------------------------------

EXAMPLE = Path(__file__).resolve().parent.parent / "schedules" / "sunday-services.yaml"


def test_merge_into_the_example_keeps_file_only_members_managed_notes_and_unselected_plans(
    cli: Cli, tmp_path: Path
) -> None:
    original = EXAMPLE.read_text(encoding="utf-8")
    grace = "{person: Grace Wilson, team: Band, position: Keys, status: U}"
    assert grace in original  # in the file, not in live
    jane = "{person: Jane Doe, team: Band, position: Vocals, notes: Bring in-ears}"
    assert jane in original  # live notes are ""
    path, done = merge_into(
        cli, tmp_path, original, "planning-center", "--service-type", "1234", "--plan", "5678"
    )
    assert done.exit_code == 0, done.stderr
    assert "kept 1 team member not in live: person 119 / team 22 / Keys on plan 5678" in done.stderr
    # Plan 5679 is live; --plan 5678 only left it out of this import (the file names it by title).
    assert "not in live: plan" not in done.stderr
    assert "left unchanged: plan {'title': 'Advent 3'} (not selected)" in done.stderr
    text = path.read_text(encoding="utf-8")
    assert f"      - {grace}          # Grace replaces David on keys\n" in text
    assert '      - {person: Jane Doe, team: Band, position: Vocals, notes: ""}\n' in text
    start = "  - plan: {title: Advent 3}"
    assert text[text.index(start) :] == original[original.index(start) :]
    rosters = load(path)["rosters"]
    assert rosters[0]["team_members"][0] == {
        "person": "Jane Doe",
        "team": "Band",
        "position": "Vocals",
        "notes": "",
    }
    planned = cli("plan", "--format", "json", str(path))
    changes = json.loads(planned.output)["changes"]
    assert ("create", "person 119 / team 22 / Keys") in [(c["action"], c["key"]) for c in changes]
    assert not [c for c in changes if "person 111 " in c["key"]]  # notes "" is what live has


def test_merge_keeps_managed_keys_null_when_live_has_no_value(
    cli: Cli, sb: Any, tmp_path: Path
) -> None:
    members = {(m["person"], m["team"]): m["id"] for m in sb.store.team_members(5678)}
    sb.store.set_team_member(members[(113, 22)], position=None, notes="")
    text = textwrap.dedent("""\
        provider: planning_center
        service_type: 1234
        rosters:
          - plan: 5678
            prune: false
            team_members:
              - person: 113
                team: 22
                position: Guitar  # may move to bass
                notes: Tune down
        """)
    path, done = merge_into(
        cli, tmp_path, text, "planning-center", "--service-type", "1234", "--plan", "5678"
    )
    assert done.exit_code == 0, done.stderr
    out = path.read_text(encoding="utf-8")
    assert (
        re.search(r"\n        position: +# may move to bass\n", out)
        and '        notes: ""\n' in out
    )
    assert load(path)["rosters"][0]["team_members"] == [
        {"person": 113, "team": 22, "position": None, "notes": ""}
    ]
    assert cli("plan", "--detailed-exitcode", str(path)).exit_code == 0


def test_merge_keeps_file_only_members_of_a_shared_list(cli: Cli, tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        provider: planning_center
        service_type: 1234
        rosters:
          - plan: 5678
            prune: false
            team_members: &band
              - {person: 111, team: 22, position: Vocals, status: C}  # live: U on both plans
              - &new {person: 999, team: 22, position: Keys}
          - plan: 5679
            prune: false
            team_members: *band
        """)
    path, done = merge_into(
        cli,
        tmp_path,
        text,
        "planning-center",
        "--service-type",
        "1234",
        "--plan",
        "5678",
        "--plan",
        "5679",
    )
    assert done.exit_code == 0, done.stderr
    # The shared list differs from live on both plans, so each gets a plain list of its own: the
    # live members plus the file-only one, still the user's anchored mapping.
    assert "kept 1 team member not in live: person 999 / team 22 / Keys on plan 5678" in done.stderr
    assert "kept 1 team member not in live: person 999 / team 22 / Keys on plan 5679" in done.stderr
    for roster in load(path)["rosters"]:
        assert roster["team_members"] == [
            {"person": "Jane Doe", "team": "Band", "position": "Vocals", "status": "U"},
            {"person": 999, "team": 22, "position": "Keys"},
        ]
    out = path.read_text(encoding="utf-8")
    assert "&new" in out and "*new" in out


def test_import_into_a_new_directory_says_so(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "partner.yaml"
    done = cli("import", "guidebook", "--guide", "48", "-o", str(path))
    assert done.exit_code == 0, done.stderr
    assert f"created directory {path.parent}\n" in done.stderr
    assert path.is_file()
    again = cli(
        "import", "guidebook", "--guide", "48", "-o", str(tmp_path / "new" / "dir" / "other.yaml")
    )
    assert again.exit_code == 0 and "created directory" not in again.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_import_quiet_prints_only_the_yaml(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Measured today: -q (before or after the subcommand) still printed the schema tip on
    stderr."""
    monkeypatch.chdir(tmp_path)  # a repository without schema/: the tip is due
    args = ["import", "guidebook", "--guide", "48", "-o", "-"]
    quiet = cli("-q", *args) if where == "before" else cli(*args, "-q")
    assert quiet.exit_code == 0 and quiet.stdout.startswith(
        "provider: guidebook\nguide: 48  # Partner Day\n"
    )
    assert quiet.stderr == ""
    assert "tip: run `provisioner schema" in cli(*args).stderr


def test_import_into_an_unwritable_place_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("", encoding="utf-8")
    done = cli("import", "guidebook", "--guide", "48", "-o", str(tmp_path / "file.txt" / "x.yaml"))
    assert done.exit_code == 1
    assert "cannot write" in done.stderr and "Traceback" not in done.stderr


def test_rosters_and_responses_imported_together_plan_empty(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "imp"
    assert (
        cli(
            "import", "planning-center", "--service-type", "1234", "-o", str(out / "pc.yaml")
        ).exit_code
        == 0
    )
    for person in (
        "114",
        "113",
    ):  # a declined and a confirmed person: their roster status agrees with the answer
        assert (
            cli(
                "import", "planning-center", "--person", person, "-o", str(out / f"p{person}.yaml")
            ).exit_code
            == 0
        )
    result = cli("plan", str(out), "--detailed-exitcode")
    assert result.exit_code == 0, result.output


def test_future_keeps_to_plans_still_to_come(cli: Cli, sb: Any, tmp_path: Path) -> None:
    sb.store.add_plan(
        5600, 1234, "2025-12-01T15:00:00Z", dates="December 1, 2025", title="Last Year"
    )
    assert (
        cli(
            "import",
            "planning-center",
            "--service-type",
            "1234",
            "--future",
            "-o",
            str(tmp_path / "f.yaml"),
        ).exit_code
        == 0
    )
    assert [r["plan"] for r in load(tmp_path / "f.yaml")["rosters"]] == [
        date(2026, 12, 6),
        date(2026, 12, 13),
        date(2026, 12, 20),
    ]
    # The plans to import come from filter=future; whether a date names one plan is told from them
    # all.
    paths = [r["query"] for r in sb.requests() if r["path"].endswith("/service_types/1234/plans")]
    assert [q.get("filter") for q in paths] == ["future", None]
