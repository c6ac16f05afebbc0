"""One personalized schedule per attendee (issue 20 #1, contract §2.1): validate, plan, moves and
their apply order, attendees left on several schedules, end to end through the CLI against the
sandbox under each reading of what the server does with an attendee added to a second schedule
(guidebook.attendee_schedules)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from provisioner_sandbox import SandboxServer
from tests.conftest import Cli

Write = Callable[[str, str], Path]
API = "/open-api/v1/personalized-schedules/"
READINGS = ["many", "move", "reject"]
SCHEMA = Path(__file__).parent.parent / "schema" / "plan.schema.json"


def writes(sb: SandboxServer) -> list[tuple[str, str, Any]]:
    return [(r["method"], r["path"], r["body"]) for r in sb.requests() if r["method"] != "GET"]


def guide_as_it_is(sb: SandboxServer, **edits: list[int] | None) -> str:
    """Guide 47 declared as it is live (prune on, the hand-edited "Manual *" ignored), with the
    attendees of the schedules named in ``edits`` replaced (None: the schedule is not declared, so
    prune deletes it)."""
    lines = ["provider: guidebook", "guide: 47", 'ignore: ["Manual *"]', "schedules:"]
    for row in sb.store.guidebook_schedules(47):
        name = row["name"]
        if name.startswith("Manual"):
            continue
        attendees = edits.get(name.replace(" ", "_"), row["attendees"])
        if attendees is None:
            continue
        lines.append(f"  - {{name: {name}, attendees: {attendees}, sessions: {row['sessions']}}}")
    return "\n".join(lines) + "\n"


def holders(sb: SandboxServer) -> Counter[int]:
    """How many schedules of guide 47 each attendee is on."""
    return Counter(a for s in sb.store.guidebook_schedules(47) for a in s["attendees"])


def where(sb: SandboxServer, attendee: int) -> list[str]:
    return [s["name"] for s in sb.store.guidebook_schedules(47) if attendee in s["attendees"]]


# A swap (bob 7: Sales Team -> VIP Speakers, carol 8: back), alice (6) to a schedule this plan
# creates, and 60 out of a schedule this plan deletes (Legacy Track, no longer declared) into
# Marketing.
MOVES = {
    "Sales_Team": [8, 10, 11, 12],
    "VIP_Speakers": [7, 20, 21],
    "Marketing": [40, 41, 42, 43, 60],
    "Legacy_Track": None,
}
WORKSHOP = "  - {name: Workshop Track, attendees: [6], sessions: [14]}\n"


@pytest.mark.parametrize("reading", READINGS)
def test_moves_apply_under_every_reading_and_the_second_plan_is_empty(
    cli: Cli, sb: SandboxServer, write: Write, reading: str
) -> None:
    sb.set_readings({"guidebook.attendee_schedules": reading})
    d = write("summit.yaml", guide_as_it_is(sb, **MOVES) + WORKSHOP)
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Applied 5, failed 0, skipped 0." in result.stdout  # the check after apply passed too
    sent = writes(sb)
    # First, answered before anything else starts: every mover's removal. Sales Team and VIP
    # Speakers both lose and gain movers, so their removal goes apart (a second PATCH follows);
    # Legacy Track goes whole.
    assert sorted(sent[:3], key=str) == [
        ("DELETE", API + "6/", None),
        ("PATCH", API + "1/", {"attendees": [10, 11, 12]}),
        ("PATCH", API + "3/", {"attendees": [20, 21]}),
    ]
    assert sorted(sent[3:6], key=str) == [
        ("PATCH", API + "1/", {"attendees": [8, 10, 11, 12]}),
        ("PATCH", API + "3/", {"attendees": [7, 20, 21]}),
        ("PATCH", API + "5/", {"attendees": [40, 41, 42, 43, 60]}),
    ]
    assert sent[6:] == [
        ("POST", API, {"guide": 47, "name": "Workshop Track", "attendees": [6], "sessions": [14]})
    ]
    assert max(holders(sb).values()) == 1  # each attendee on exactly one schedule
    assert (where(sb, 6), where(sb, 7), where(sb, 8), where(sb, 60)) == (
        ["Workshop Track"],
        ["VIP Speakers"],
        ["Sales Team"],
        ["Marketing"],
    )
    again = cli("plan", str(d), "--detailed-exitcode")
    assert again.exit_code == 0 and "No changes." in again.stdout, again.output


@pytest.mark.parametrize("reading", READINGS)
def test_a_saved_plan_of_moves_applies_under_every_reading(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path, reading: str
) -> None:
    sb.set_readings({"guidebook.attendee_schedules": reading})
    d = write("summit.yaml", guide_as_it_is(sb, **MOVES) + WORKSHOP)
    out = tmp_path / "plan.json"
    assert cli("plan", str(d), "--out", str(out)).exit_code == 0
    result = cli("apply", str(d), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert max(holders(sb).values()) == 1
    assert cli("drift", str(d)).exit_code == 0


def test_without_the_order_the_reject_reading_refuses_a_swap(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    """What the order is for: sent as plain updates (the new lists at once), a swap is refused."""
    import requests

    from provisioner_sandbox import GUIDEBOOK_KEY

    sb.set_readings({"guidebook.attendee_schedules": "reject"})
    r = requests.patch(
        sb.guidebook_url + "personalized-schedules/3/",
        json={"attendees": [7, 20, 21]},
        headers={"Authorization": f"JWT {GUIDEBOOK_KEY}"},
        timeout=5,
    )
    assert r.status_code == 400
    assert r.json() == {
        "attendees": ["Attendee 7 already has a personalized schedule (Sales Team)."]
    }


def test_the_plan_shows_each_move_in_text_markdown_and_json(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    d = write("summit.yaml", guide_as_it_is(sb, **MOVES) + WORKSHOP)
    text = cli("plan", str(d)).stdout
    assert (
        "Impact\n  Summit 2026 (guide 47)\n"
        "    alice@example.com: Sales Team → Workshop Track\n"
        "    attendee060@example.com: Legacy Track → Marketing\n"
        "    bob@example.com: Sales Team → VIP Speakers\n"
        "    carol@example.com: VIP Speakers → Sales Team\n"
    ) in text
    markdown = cli("plan", str(d), "--format", "markdown").stdout
    assert "- alice<!-- -->@example.com: Sales Team → Workshop Track\n" in markdown
    plan = json.loads(cli("plan", str(d), "--format", "json").stdout)
    jsonschema.validate(plan, json.loads(SCHEMA.read_text()))
    assert plan["format_minor"] == 4
    assert plan["impact"][0]["moves"] == [
        {"person": 6, "from": ["Sales Team"], "to": ["Workshop Track"]},
        {"person": 7, "from": ["Sales Team"], "to": ["VIP Speakers"]},
        {"person": 8, "from": ["VIP Speakers"], "to": ["Sales Team"]},
        {"person": 60, "from": ["Legacy Track"], "to": ["Marketing"]},
    ]


# -- validate and plan: an attendee declared on two schedules
# -------------------------------------------------


def test_validate_names_both_places_of_an_attendee_declared_twice_with_the_other_errors(
    cli: Cli, write: Write
) -> None:
    write(
        "a.yaml",
        """
        provider: guidebook
        guide: 47
        schedules:
          - name: Sales Team
            attendees: [6, {email: Bob@Example.com}]
            sessions: [13]
        """,
    )
    d = write(
        "b.yaml",
        """
        provider: guidebook
        guide: 47
        schedules:
          - {name: VIP Speakers, attendees: [6, 6, {email: bob@example.com}], sessions: [13]}
          - {name: Crew, attendees: [7], sessions: [13]}  # bob by id: plan compares it
        """,
    )
    # another guide's schedules are another matter; this file's unknown key is reported with the
    # rest
    write(
        "c.yaml",
        "provider: guidebook\nguide: 48\nbogus: 1\nschedules:\n  - {name: P, attendees: [6]}\n",
    )
    result = cli("validate", str(d))
    assert result.exit_code == 1
    a, b, c = d / "a.yaml", d / "b.yaml", d / "c.yaml"
    assert result.stderr.splitlines() == [
        f"{b}:4:38: attendee 6 is declared on schedule 'VIP Speakers' and on schedule 'Sales Team' "
        f"(at {a}:5:17); Guidebook keeps one personalized schedule per attendee: keep them on one "
        "of the two",
        f"{b}:4:44: attendee bob@example.com is declared on schedule 'VIP Speakers' and on "
        "schedule "
        f"'Sales Team' (at {a}:5:20); Guidebook keeps one personalized schedule per attendee: keep "
        "them on "
        "one of the two",
        f"{c}:3:1: unknown key `bogus`; allowed: account, guide, ignore, protect, provider, prune, "
        "publish, "
        "safety, schedules",
        "3 errors found.",
    ]


def test_plan_finds_an_attendee_declared_by_id_here_and_by_email_there(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    d = write(
        "s.yaml",
        """
        provider: guidebook
        guide: 47
        prune: false
        schedules:
          - {name: Sales Team, attendees: [6, 10], sessions: [13]}
          - {name: VIP Speakers, attendees: [20, {email: alice@example.com}], sessions: [13]}
        """,
    )
    assert cli("validate", str(d)).exit_code == 0  # offline, an id and an e-mail cannot be compared
    result = cli("plan", str(d))
    assert result.exit_code == 1
    assert (
        f"{d / 's.yaml'}:6:42: attendee alice@example.com is declared on schedule 'VIP Speakers' "
        "and on "
        f"schedule 'Sales Team' (at {d / 's.yaml'}:5:36)" in result.stderr
    )
    assert writes(sb) == []


# -- live attendees on several schedules
# ----------------------------------------------------------------------


def test_an_attendee_left_on_two_schedules_is_drift_with_its_kind(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    sb.store.add_guidebook_schedule(47, "Side Event", [6, 44], [13])  # alice is on Sales Team too
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
        "  - {name: Sales Team, attendees: [6, 7, 10, 11, 12], sessions: [13, 14, 40]}\n",
    )
    result = cli("drift", str(d))
    assert result.exit_code == 2, result.output
    assert (
        "guide 47: attendee alice@example.com (6) is on 2 schedules ('Sales Team', 'Side Event'); "
        "Guidebook "
        "keeps one per attendee: take them off all but one (a schedule that no file manages is "
        "left as it "
        "is: prune: false, ignore, or no `attendees` list)"
    ) in result.output
    plan = json.loads(cli("plan", str(d), "--format", "json", "--detailed-exitcode").stdout)
    jsonschema.validate(plan, json.loads(SCHEMA.read_text()))
    assert plan["changes"] == [] and len(plan["duplicates"]) == 1
    assert [(w["kind"], w["person"], w["schedules"]) for w in plan["warning_details"]] == [
        ("attendee_on_several", 6, ["Sales Team", "Side Event"])
    ]
    assert cli("plan", str(d), "--detailed-exitcode").exit_code == 2
    assert result.stdout.endswith("No changes, but 1 problem in live (see the warnings).\n")
    saved = d.parent / "drift.json"
    assert cli("drift", str(d), "--out", str(saved)).exit_code == 2
    shown = cli("show", str(saved), "--format", "markdown").stdout
    assert "**Drift: no changes, but 1 problem in live (see the warnings).**" in shown


@pytest.mark.parametrize("reading", READINGS)
def test_a_live_attendee_on_two_schedules_is_repaired_where_the_files_manage_both(
    cli: Cli, sb: SandboxServer, write: Write, reading: str
) -> None:
    sb.set_readings({"guidebook.attendee_schedules": reading})
    sb.store.set_schedule_links(3, attendees=[6, 8, 20, 21])  # alice on VIP Speakers and Sales Team
    d = write("summit.yaml", guide_as_it_is(sb, VIP_Speakers=[8, 20, 21]))
    plan = cli("plan", str(d))
    assert plan.exit_code == 0
    assert (
        "warning: Summit 2026 (guide 47): attendee alice@example.com (6) is on 2 schedules in "
        "live ('Sales "
        "Team', "
        "'VIP Speakers'); this plan keeps them on 'Sales Team'"
    ) in plan.output
    assert cli("apply", str(d), "--auto-approve").exit_code == 0
    assert where(sb, 6) == ["Sales Team"]
    assert cli("drift", str(d)).exit_code == 0


def test_a_plan_that_adds_someone_kept_on_an_unmanaged_schedule_says_so(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    """Attendee 9 is on the hand-edited "Manual Adjustments" (ignored): adding them elsewhere leaves
    two."""
    d = write("summit.yaml", guide_as_it_is(sb, Sales_Team=[6, 7, 9, 10, 11, 12]))
    result = cli("plan", str(d), "--detailed-exitcode")
    assert result.exit_code == 2
    assert (
        "attendee attendee009@example.com (9) is on 2 schedules after this plan ('Manual "
        "Adjustments', "
        "'Sales Team')"
    ) in result.output
    # what 9 sees: the schedule assigned last overwrites the other (no union of the two)
    plan = json.loads(cli("plan", str(d), "--format", "json").stdout)
    rows = [p for e in plan["impact"] + plan.get("impact_groups", []) for p in _rows(e)]
    assert rows == [{"person": 9, "gain": [13, 14, 40], "lose": [22, 23]}]
    assert (
        "    attendee009@example.com: +Closing Panel, +Opening Keynote, +Workshop A, −"
        in result.stdout
    )


def _rows(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-person rows of an impact entry, or of an impact_groups entry (people sharing one
    delta)."""
    if "people" in entry and "groups" not in entry:
        return list(entry["people"])
    return [
        {"person": p, "gain": g["gain"], "lose": g["lose"]}
        for g in entry["groups"]
        for p in g["people"]
    ]


# -- import
# -----------------------------------------------------------------------------------------------------


def test_a_live_guide_that_breaks_the_rule_imports_with_a_warning_comment(
    cli: Cli, sb: SandboxServer, tmp_path: Path
) -> None:
    sb.store.set_schedule_links(3, attendees=[6, 8, 20, 21])  # alice on VIP Speakers and Sales Team
    sb.store.conn.execute("UPDATE gb_attendees SET email = '', import_id = NULL WHERE id = 21")
    sb.store.set_schedule_links(
        5, attendees=[21, 40, 41, 42, 43]
    )  # 21 (bare id) on Marketing as well
    path = tmp_path / "summit.yaml"
    done = cli("import", "guidebook", "--guide", "47", "-o", str(path))
    assert done.exit_code == 0, done.output
    text = path.read_text()
    assert (
        "  - name: Sales Team\n    attendees:\n      - email: alice@example.com  # WARNING: also "
        "on "
        "'VIP Speakers' (one personalized schedule per attendee: keep one)\n"
    ) in text
    assert (
        "      - email: alice@example.com  # WARNING: also on 'Sales Team' (one personalized "
        "schedule per "
        "attendee: keep one)\n"
    ) in text
    assert (
        "      - 21  # Attendee 021; WARNING: also on 'VIP Speakers' (one personalized schedule "
        "per attendee: "
        "keep one)\n"
    ) in text
    assert (
        "attendee Alice Archer <alice@example.com> (6) is on 2 schedules of guide 47 ('Sales "
        "Team', "
        "'VIP Speakers'); Guidebook keeps one per attendee: the file is marked there and will not "
        "validate "
        "until you keep one"
    ) in done.stderr
    result = cli("validate", str(path))
    assert result.exit_code == 1 and "attendee 21 is declared on schedule" in result.stderr


def test_the_request_estimate_counts_the_second_patch_of_a_swap(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    # 4 reads (schedules, sessions, attendees, the guide), 1 check after; 1 write for one change,
    # and 7 for the moves' 5 changes, 2 of which are split (Sales Team and VIP Speakers)
    d = write("summit.yaml", guide_as_it_is(sb, Sales_Team=[6, 7, 10, 11, 12, 44]))
    assert "use about 6 Guidebook requests" in cli("plan", str(d)).output
    d = write("summit.yaml", guide_as_it_is(sb, **MOVES) + WORKSHOP)
    assert "use about 12 Guidebook requests" in cli("plan", str(d)).output
    sb.clear_requests()
    result = cli("apply", str(d), "--auto-approve")
    sent = [(r["method"], r["path"]) for r in sb.requests()]
    assert result.exit_code == 0 and len(sent) == 12, sent


def test_under_reject_adding_someone_kept_on_an_unmanaged_schedule_fails_that_change_clearly(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    sb.set_readings({"guidebook.attendee_schedules": "reject"})
    d = write("summit.yaml", guide_as_it_is(sb, Sales_Team=[6, 7, 9, 10, 11, 12]))
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 1
    assert (
        "FAILED update Summit 2026 (guide 47) 'Sales Team'" in result.stdout
        and "Attendee 9 already has a personalized schedule (Manual Adjustments)." in result.stdout
    ), result.output
    assert where(sb, 9) == ["Manual Adjustments"]
