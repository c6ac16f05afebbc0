"""What the reviewer approved is what is applied: `--base` tells the pull request's changes from
drift, and `apply --plan` shows, safety-checks and applies the saved plan itself, reading only its
scopes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import requests

from provisioner_sandbox import GUIDEBOOK_KEY, SandboxServer
from tests.conftest import Cli
from tests.test_targeting import GUIDE_48, ROSTERS, committed, git, scopes_read  # noqa: F401  (a fixture)

Write = Callable[[str, str], Path]
GB_LIST = "/open-api/v1/personalized-schedules/"
MEMBERS_5678 = "/services/v2/service_types/1234/plans/5678/team_members"
DROPPED = ("Legacy Track", "Press")  # schedules 6 and 12 of guide 47's 12


def pruning(sb: SandboxServer) -> str:
    """Guide 47 as live has it, less two schedules: the plan deletes 2 of 12 (17%, safe)."""
    url = sb.guidebook_url + "personalized-schedules/?guide=47"
    rows = requests.get(url, headers={"Authorization": f"JWT {GUIDEBOOK_KEY}"}, timeout=5).json()[
        "results"
    ]
    return "provider: guidebook\nguide: 47\nschedules:\n" + "".join(
        f"  - {{name: {r['name']}, attendees: {r['attendees']}, sessions: {r['sessions']}}}\n"
        for r in rows
        if r["name"] not in DROPPED
    )


BASE_47 = (
    "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
    "  - {name: Sales Team, attendees: [6, 7, 10, 11, 12], sessions: [13, 14, 40]}\n"
    "  - {name: VIP Speakers, attendees: [8, 20, 21], sessions: [13, 15, 40]}\n"
)


def gb(sb: SandboxServer, method: str, path: str, **body: object) -> None:
    """A second writer (someone in Builder) changing live state behind the tool's back."""
    url = sb.guidebook_url + path
    requests.request(
        method, url, json=body or None, headers={"Authorization": f"JWT {GUIDEBOOK_KEY}"}, timeout=5
    ).raise_for_status()


def writes(sb: SandboxServer) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in sb.requests() if r["method"] != "GET"]


# -- apply --plan: the saved plan is the unit of apply
# ---------------------------------------------------------


def test_a_safe_saved_plan_is_applied_even_when_the_fresh_plan_would_be_unsafe(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    d = write("summit.yaml", pruning(sb))
    plan = tmp_path / "plan.json"
    made = cli("plan", str(d), "--out", str(plan))
    assert (
        "Plan: 0 to create, 0 to update, 2 to delete." in made.stdout
        and "UNSAFE" not in made.stdout
    )
    for name in (
        "Hand-made 1",
        "Hand-made 2",
        "Hand-made 3",
    ):  # fresh plan: 5 of 15 deletes, over 30%
        gb(sb, "POST", "personalized-schedules/", guide=47, name=name, attendees=[], sessions=[])
    assert "UNSAFE" in cli("plan", str(d)).stdout
    sb.clear_requests()

    result = cli("apply", str(d), "--plan", str(plan), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert (
        "Plan: 0 to create, 0 to update, 2 to delete." in result.stdout
        and "UNSAFE" not in result.stdout
    )
    assert "Hand-made" not in result.stdout
    assert sorted(writes(sb)) == [
        ("DELETE", "/open-api/v1/personalized-schedules/12/"),  # concurrent: any order
        ("DELETE", "/open-api/v1/personalized-schedules/6/"),
    ]
    assert result.stdout.endswith("Applied 2, failed 0, skipped 0.\n")


def test_a_stale_saved_plan_is_refused_with_nothing_written(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    d = write("summit.yaml", pruning(sb))
    plan = tmp_path / "plan.json"
    cli("plan", str(d), "--out", str(plan))
    gb(
        sb, "PATCH", "personalized-schedules/12/", attendees=[1, 2]
    )  # someone edits what the plan deletes
    sb.clear_requests()
    result = cli("apply", str(d), "--plan", str(plan), "--auto-approve")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: refusing to apply a stale plan, nothing was written:\n"
        "  delete guide 47 'Press': live state changed since the plan was made\n"
    )
    assert writes(sb) == []


def test_apply_plan_reads_only_the_scopes_the_saved_plan_changes(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    d = write("summit.yaml", pruning(sb))
    write("partner.yaml", GUIDE_48)
    write("sunday.yaml", ROSTERS)
    plan = tmp_path / "plan.json"
    cli("plan", str(d), "--target", "guide:47", "--out", str(plan))
    sb.clear_requests()
    result = cli("apply", str(d), "--plan", str(plan), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert scopes_read(sb) == {"guide:47"}


READABLE = (
    "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
    "  - name: Sales Team\n    attendees: [{email: alice@example.com}, {email: bob@example.com}, "
    "10, 11, 12,"
    " {email: attendee005@example.com}]\n    sessions: [{import_id: sess-keynote}, {name: Workshop "
    "B}, 40]\n"
)
MOVES = (
    "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5678\n    prune: false\n"
    "    team_members:\n      - {person: 113, team: 22, position: Bass}\n"
    "      - {person: 119, team: 22, position: Keys}\n"
)


def test_apply_plan_reads_the_names_once_to_derive_its_changes_again(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    # Issue 23 (contract §5): each saved change is derived again from the YAML, so the names its
    # references use are read once (the guide's session and attendee lists); the writes stay the
    # saved plan's.
    d = write("summit.yaml", READABLE)
    write("roster.yaml", MOVES)
    plan = tmp_path / "plan.json"
    made = cli("plan", str(d), "--out", str(plan))
    assert "Plan: 1 to create, 2 to update, 0 to delete." in made.stdout, made.output
    sb.clear_requests()
    result = cli("apply", str(d), "--plan", str(plan), "--auto-approve", "--parallelism", "1")
    assert result.exit_code == 0, result.output
    assert (
        "attendee005@example.com (5)" in result.stdout and "Workshop B (15)" in result.stdout
    )  # the saved names
    reads = [r["path"] for r in sb.requests() if r["method"] == "GET"]
    assert (
        reads.count(GB_LIST) == 2 and reads.count(MEMBERS_5678) == 2
    )  # before and after the writes
    assert (
        reads.count("/open-api/v1/attendees/") == 1 and reads.count("/open-api/v1/sessions/") == 1
    )
    assert result.stdout.endswith("Applied 3, failed 0, skipped 0.\n")
    assert cli("plan", str(d), "--detailed-exitcode").exit_code == 0


def test_a_saved_change_not_kept_fails_naming_the_field(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    d = write("summit.yaml", READABLE)
    write("roster.yaml", MOVES)
    plan = tmp_path / "plan.json"
    cli("plan", str(d), "--out", str(plan))
    sb.add_fault(method="PATCH", path="personalized-schedules/1/", mode="ack_without_commit")
    sb.add_fault(method="PATCH", path="plan_people", mode="ack_without_commit")
    result = cli("apply", str(d), "--plan", str(plan), "--auto-approve")
    assert result.exit_code == 1
    assert (
        "FAILED update Summit 2026 (guide 47) 'Sales Team' (" in result.stdout
        and "the server accepted the update but it did "
        "not take effect: attendees, sessions still differ"
        in result.stdout
    )
    assert (
        "FAILED update Sunday Services · Dec 6 (plan 5678) "
        "'Maria Garcia (person 113) / Band (team 22) / Guitar' ("
        in result.stdout
        and "did not take effect: position still differs" in result.stdout
    )  # the YAML's name
    assert "Applied 1, failed 2, skipped 0." in result.stdout


PUBLISHING = (
    "provider: guidebook\nguide: 47\nprune: false\npublish: attendees\nschedules:\n"
    "  - {name: Sales Team, attendees: [{email: alice@example.com}, 7], sessions: [13, 14, 40]}\n"
)


@pytest.mark.parametrize(("extra", "everyone"), [((), False), (("--republish",), True)])
def test_apply_plan_publishes_the_saved_changes_and_republish_everyone(
    cli: Cli,
    sb: SandboxServer,
    write: Write,
    tmp_path: Path,
    extra: tuple[str, ...],
    everyone: bool,
) -> None:
    # Publishing what changed needs only the saved changes; --republish publishes everyone the YAML
    # declares. Both resolve the YAML (issue 23: a saved change is derived again from it), reading
    # the attendees.
    d = write("summit.yaml", PUBLISHING)
    plan = tmp_path / "plan.json"
    cli("plan", str(d), "--out", str(plan))
    sb.clear_requests()
    result = cli("apply", str(d), "--plan", str(plan), "--auto-approve", *extra)
    assert result.exit_code == 0, result.output
    published = [p for _, p in writes(sb) if p.endswith("publish-personalized-schedules/")]
    people = (
        (6, 7) if everyone else (10, 11, 12)
    )  # everyone declared / the three who left the schedule
    assert published == [
        f"/open-api/v1/attendees/{a}/publish-personalized-schedules/" for a in people
    ]
    assert any(r["path"] == "/open-api/v1/attendees/" for r in sb.requests())


def test_reapplying_an_applied_plan_says_so(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    d = write("summit.yaml", pruning(sb))
    plan = tmp_path / "plan.json"
    cli("plan", str(d), "--out", str(plan))
    assert cli("apply", str(d), "--plan", str(plan), "--auto-approve").exit_code == 0
    sb.clear_requests()
    again = cli("apply", str(d), "--plan", str(plan), "--auto-approve")
    assert again.exit_code == 0
    assert again.stderr == "The saved plan is already applied: live state holds its 2 changes.\n"
    assert again.stdout == "No changes. Live state matches the YAML.\n"
    assert writes(sb) == []


def test_apply_plan_with_a_target_is_refused(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    d = write("summit.yaml", pruning(sb))
    plan = tmp_path / "plan.json"
    cli("plan", str(d), "--out", str(plan))
    result = cli("apply", str(d), "--plan", str(plan), "--target", "guide:47", "--auto-approve")
    assert (result.exit_code, result.stderr) == (
        1,
        "error: --plan applies the saved plan's own scopes; leave out --target and "
        "--changed-since\n",
    )


# -- --base: the pull request's changes apart from drift
# --------------------------------------------------------


@pytest.fixture
def pr(write: Write, sb: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A repository whose `base` declares guide 47's Sales Team and VIP Speakers as live has them;
    then the pull request adds session 15 to Sales Team, and someone removes attendee 21 from VIP
    Speakers in Builder."""
    d = write("summit.yaml", BASE_47)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    git(tmp_path, "tag", "base")
    write("summit.yaml", BASE_47.replace("sessions: [13, 14, 40]", "sessions: [13, 14, 15, 40]"))
    gb(sb, "PATCH", "personalized-schedules/3/", attendees=[8, 20])
    monkeypatch.chdir(tmp_path)
    return Path("schedules") if d else d


def test_base_labels_the_pull_requests_edit_and_the_out_of_band_edit(cli: Cli, pr: Path) -> None:
    result = cli("plan", str(pr), "--base", "base", "--format", "json")
    assert result.exit_code == 0, result.stderr
    causes = {c["key"]: (c["cause"], c["fields"]) for c in json.loads(result.stdout)["changes"]}
    assert causes == {
        "Sales Team": ("change", {"sessions": {"add": [15], "remove": []}}),
        "VIP Speakers": ("drift", {"attendees": {"add": [21], "remove": []}}),
    }
    impact = {(i["scope"], i["cause"]): i["people"] for i in json.loads(result.stdout)["impact"]}
    assert impact[("guide 47", "drift")] == [{"person": 21, "gain": [13, 15, 40], "lose": []}]
    assert [row["person"] for row in impact[("guide 47", "change")]] == [6, 7, 10, 11, 12]


def test_base_groups_markdown_and_marks_text(cli: Cli, pr: Path) -> None:
    md = cli("plan", str(pr), "--base", "base", "--format", "markdown").stdout
    assert (
        "**Plan: 0 to create, 2 to update, 0 to delete.** (1 from this pull request, 1 drift "
        "already in live)" in md
    )
    mine, drift = md.split("### Changes from this pull request\n")[1].split(
        "### Drift already in live (would be corrected too)\n"
    )
    assert "Sales Team" in mine and "VIP Speakers" not in mine and "Per-person impact" in mine
    assert (
        "alice<!-- -->@example.com" in mine
    )  # the PR's own impact: Sales Team's people gain Workshop B
    drift = drift.split("**Warnings**")[0]
    assert "VIP Speakers" in drift and "Sales Team" not in drift
    assert "attendee021<!-- -->@example.com" in drift and "Per-person impact" in drift
    text = cli("plan", str(pr), "--base", "base").stdout
    assert (
        "Changes from this pull request: 1" in text
        and "Drift already in live (would be corrected too): 1" in text
    )
    assert (
        "  ~ update 'Sales Team'  [this PR]" in text
        and "  ~ update 'VIP Speakers'  [drift]" in text
    )
    assert text.endswith(
        "Plan: 0 to create, 2 to update, 0 to delete.\n"
        "Of these: 1 from this pull request, 1 drift already in live.\n"
    )


def test_drift_with_base_and_a_base_that_does_not_resolve(cli: Cli, pr: Path) -> None:
    result = cli("drift", str(pr), "--base", "base", "--format", "json")
    assert result.exit_code == 2
    assert {c["cause"] for c in json.loads(result.stdout)["changes"]} == {"change", "drift"}
    bad = cli("plan", str(pr), "--base", "no-such-ref")
    assert (bad.exit_code, bad.stderr) == (
        1,
        "error: --base no-such-ref: git cannot resolve 'no-such-ref' to a "
        "commit; in CI fetch it first (actions/checkout with fetch-depth: 0)\n",
    )


def test_a_saved_plan_keeps_its_causes_and_without_base_there_are_none(
    cli: Cli, pr: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan.json"
    assert cli("plan", str(pr), "--base", "base", "--out", str(out)).exit_code == 0
    saved = json.loads(out.read_text())
    assert [c["cause"] for c in saved["changes"]] == ["change", "drift"]
    schema = json.loads(
        (Path(__file__).resolve().parent.parent / "schema" / "plan.schema.json").read_text()
    )
    assert [
        e.message for e in jsonschema.validators.validator_for(schema)(schema).iter_errors(saved)
    ] == []
    applied = cli("apply", str(pr), "--plan", str(out), "--auto-approve")
    assert applied.exit_code == 0 and "  ~ update 'VIP Speakers'  [drift]" in applied.stdout
    plain = json.loads(cli("plan", str(pr), "--format", "json").stdout)
    assert plain["changes"] == [] and "cause" not in json.dumps(plain)


def test_after_an_apply_that_stopped_half_way_the_rest_is_applied(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    d = write("summit.yaml", pruning(sb))
    plan = tmp_path / "plan.json"
    cli("plan", str(d), "--out", str(plan))
    gb(
        sb, "DELETE", "personalized-schedules/6/"
    )  # the first of the two deletes went through before a failure
    sb.clear_requests()
    result = cli("apply", str(d), "--plan", str(plan), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(
        "1 of the saved plan's 2 changes are already applied; applying the other 1.\n"
    )
    assert writes(sb) == [("DELETE", "/open-api/v1/personalized-schedules/12/")]


def test_a_saved_plan_is_not_stale_for_a_field_its_files_do_not_manage(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    """Measured today: a saved plan accepting Jane's Dec 6 schedule and adding notes to her roster
    entry, stopped after the accept, was then refused whole as stale: the accept had set her team
    member's status, which her roster entry does not manage and the notes PATCH does not carry."""
    write(
        "jane.yaml",
        "provider: planning_center\nperson: 111\nresponses:\n  - {plan: 5678, response: "
        "accepted}\n",
    )
    d = write(
        "roster.yaml",
        "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5678\n"
        "    prune: false\n    team_members:\n"
        "      - {person: 111, team: 22, position: Vocals, notes: Bring in-ears}\n",
    )
    plan = tmp_path / "plan.json"
    assert cli("plan", str(d), "--out", str(plan)).exit_code == 0
    jane = next(m for m in sb.store.team_members(5678) if m["person"] == 111)
    sb.store.set_team_member(jane["id"], status="C")  # what the accept did before the apply stopped
    result = cli("apply", str(d), "--plan", str(plan), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert (
        next(m for m in sb.store.team_members(5678) if m["person"] == 111)["notes"]
        == "Bring in-ears"
    )
