"""Issue 23, end to end against the sandbox: a run deletes only copies it can show it created, and
never exits 0 over doubt (a failed re-read after apply, a 404 on delete with the object still
listed, a duplicate it cannot attribute). Each test failed on main before the fix."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from provisioner.core.clock import FakeClock
from tests.conftest import Cli

Write = Callable[[str, str], Path]
GB = "/open-api/v1/personalized-schedules/"
CREW = (
    "provider: guidebook\nguide: 47\nprune: false\nprotect: [Crew]\nschedules:\n"
    "  - {name: Crew, attendees: [6], sessions: [13]}\n"
)


def everything_and_crew(sb: Any) -> str:
    """Guide 47 as it is, plus "Crew", with prune on: a duplicate of Crew is then the plan's to
    delete."""
    lines = ["provider: guidebook", "guide: 47", "schedules:"]
    for row in sb.store.guidebook_schedules(47):
        lines.append(
            f"  - {{name: {row['name']!r}, attendees: {row['attendees']}, sessions: "
            f"{row['sessions']}}}"
        )
    return "\n".join([*lines, "  - {name: Crew, attendees: [5], sessions: [13]}", ""])


def requests(sb: Any, method: str) -> list[dict[str, Any]]:
    return [r for r in sb.requests() if r["method"] == method]


def crew(sb: Any) -> list[int]:
    return sorted(s["id"] for s in sb.store.guidebook_schedules(47) if s["name"] == "Crew")


def person_creates_crew_once_ours_landed(sb: Any) -> dict[str, int]:
    """A person creates "Crew" by hand just after this run's own create landed (before its
    check)."""
    made: dict[str, int] = {}

    def hook(store: Any) -> None:
        if "id" not in made and any(s["name"] == "Crew" for s in store.guidebook_schedules(47)):
            made["id"] = store.add_guidebook_schedule(47, "Crew", [6], [13])

    sb.add_hook(hook, method="GET", path="personalized-schedules", times=-1)
    return made


def test_a_copy_a_person_made_is_never_deleted_as_this_runs_copy(
    cli: Cli, sb: Any, write: Write
) -> None:
    """#2: the first POST is dropped (nothing written) and sent again; a person then makes the same
    name. Main called the person's copy "this run's copy" and deleted it, past prune: false and
    protect, exit 0."""
    sb.add_fault(method="POST", path=GB + "$", mode="drop_before")
    made = person_creates_crew_once_ours_landed(sb)
    d = write("s.yaml", CREW)
    result = cli("apply", str(d), "--auto-approve")
    assert requests(sb, "DELETE") == []
    ours = [r for r in requests(sb, "POST") if r["status"] == 201]
    assert len(ours) == 1 and crew(sb) == [crew(sb)[0], made["id"]]
    assert result.exit_code == 1, result.output
    assert (
        f"UNCERTAIN guide 47 'Crew' also exists as #{made['id']}, which this run cannot show it "
        f"created: left in place (#{crew(sb)[0]} is the lowest id and stays)"
    ) in result.stdout
    # The next run reports the duplicate (prune off: a warning, exit 2 on drift), never deletes it.
    again = cli("drift", str(d))
    assert again.exit_code == 2 and requests(sb, "DELETE") == []


def test_a_create_committed_late_is_reported_and_left_not_guessed(
    cli: Cli, sb: Any, write: Write, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#3: a POST whose answer was lost lands after the run sent it again: the late copy cannot be
    told from a person's, so it is left and the run exits 1 saying so; the next run with prune on
    removes it."""
    monkeypatch.setenv("PROVISIONER_TIMEOUT", "1.5")
    sb.add_fault(method="POST", path=GB + "$", mode="commit_later", delay=0.3)
    clock.call_at(1.5, sb.wait_for_late_commits)
    d = write("s.yaml", everything_and_crew(sb))
    result = cli("apply", str(d), "--auto-approve")
    sb.wait_for_late_commits()
    assert result.exit_code == 1, result.output
    first, late = crew(sb)
    assert requests(sb, "DELETE") == []
    assert f"UNCERTAIN guide 47 'Crew' also exists as #{late}" in result.stdout
    repaired = cli("apply", str(d), "--auto-approve")
    assert repaired.exit_code == 0, repaired.output
    assert crew(sb) == [first] and [r["path"] for r in requests(sb, "DELETE")] == [f"{GB}{late}/"]


def test_a_json_404_on_delete_while_the_object_is_still_listed_is_a_failure(
    cli: Cli, sb: Any, write: Write
) -> None:
    """#3: a DELETE answered with the API's own JSON 404 counted as "already gone" even while the
    object was still listed (exit 0, and the next plan deletes it again)."""
    rows = sb.store.guidebook_schedules(47)
    victim = rows[-1]
    lines = ["provider: guidebook", "guide: 47", "schedules:"]
    for row in rows[:-1]:
        lines.append(
            f"  - {{name: {row['name']!r}, attendees: {row['attendees']}, sessions: "
            f"{row['sessions']}}}"
        )
    d = write("s.yaml", "\n".join(lines) + "\n")
    sb.add_fault(method="DELETE", path=GB, mode="status", status=404)
    result = cli("apply", str(d), "--auto-approve")
    assert [r["status"] for r in requests(sb, "DELETE")] == [404]
    assert victim["id"] in [s["id"] for s in sb.store.guidebook_schedules(47)]
    assert result.exit_code == 1, result.output
    assert (
        f"FAILED delete Summit 2026 (guide 47) "
        f"{victim['name']!r}: the server answered 404 (already gone) but "
        "the "
        f"object is still listed (#{victim['id']})"
    ) in result.stdout
    again = cli("apply", str(d), "--auto-approve")
    assert again.exit_code == 0 and victim["id"] not in [
        s["id"] for s in sb.store.guidebook_schedules(47)
    ]


# -- 4. a subdirectory is a subset too
# ------------------------------------------------------------------------


def declare_47(sb: Any, names: slice) -> str:
    rows = sb.store.guidebook_schedules(47)[names]
    return "provider: guidebook\nguide: 47\nschedules:\n" + "".join(
        f"  - {{name: {r['name']!r}, attendees: {r['attendees']}, sessions: {r['sessions']}}}\n"
        for r in rows
    )


def repo_with_sub(tmp_path: Path, sb: Any, *, git: bool) -> Path:
    """schedules/sub/a.yaml declares guide 47's first 6 schedules, schedules/b.yaml the rest."""
    import subprocess

    repo = tmp_path / "repo"
    (repo / "schedules" / "sub").mkdir(parents=True)
    (repo / "schedules" / "sub" / "a.yaml").write_text(declare_47(sb, slice(0, 6)), "utf-8")
    (repo / "schedules" / "b.yaml").write_text(declare_47(sb, slice(6, None)), "utf-8")
    if git:
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def nothing_written(sb: Any) -> bool:
    return [r for r in sb.requests() if r["method"] != "GET"] == []


def test_a_subdirectory_does_not_prune_what_another_file_of_the_repository_declares(
    cli: Cli, sb: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#4: `apply schedules/sub` deleted what schedules/b.yaml declares (the subset rule only looked
    for other files when files were given). The declaring files are found under the git top level's
    schedules/, from wherever the command runs."""
    repo = repo_with_sub(tmp_path, sb, git=True)
    monkeypatch.chdir(repo)
    result = cli("apply", "schedules/sub", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert nothing_written(sb) and "No changes" in result.stdout
    assert (
        "warning: guide 47: not pruned: schedules/b.yaml also declares it and this run was not "
        "given "
        "it; pass every file of the scope (or the directory) to prune it"
    ) in result.stdout
    monkeypatch.chdir(repo / "schedules" / "sub")  # from inside the subdirectory: the same rule
    result = cli("apply", ".", "--auto-approve")
    assert result.exit_code == 0 and nothing_written(sb), result.output
    assert "not pruned: ../b.yaml also declares it" in result.stdout


def test_root_names_the_schedules_root_outside_git(
    cli: Cli, sb: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_with_sub(tmp_path, sb, git=False)
    monkeypatch.chdir(repo)
    root = str(repo / "schedules")
    result = cli("apply", "schedules/sub", "--root", root, "--auto-approve")
    assert result.exit_code == 0 and nothing_written(sb), result.output
    assert "not pruned: schedules/b.yaml also declares it" in result.stdout
    plan = cli("plan", "schedules/sub/a.yaml", "--root", root, "--format", "json")
    assert json.loads(plan.stdout)["summary"] == {"create": 0, "update": 0, "delete": 0}
    whole = cli("plan", "schedules", "--root", root, "--detailed-exitcode")
    assert whole.exit_code == 0, whole.output  # given the root: all of it, in sync


# -- 5. a saved plan carries out only what the YAML declares
# ----------------------------------------------------


def test_a_hand_edited_plan_with_its_fingerprint_recomputed_is_refused(
    cli: Cli, sb: Any, write: Write, tmp_path: Path
) -> None:
    """#5: the fingerprint is a public hash: main applied an edited `after` (exit 0) and live then
    held an attendee no YAML declares. Each saved change is now derived again from the YAML and its
    `before`."""
    from provisioner.core.plan import fingerprint

    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
        "  - {name: Sales Team, attendees: [6], sessions: [13]}\n",
    )
    out = tmp_path / "plan.json"
    assert cli("plan", str(d), "--out", str(out)).exit_code == 0
    data = json.loads(out.read_text())
    change = data["changes"][0]
    change["after"]["attendees"] = [6, 99]
    data["fingerprint"] = fingerprint(data["inputs_digest"], data["changes"])
    out.write_text(json.dumps(data))
    sb.clear_requests()
    result = cli("apply", str(d), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert nothing_written(sb)
    assert result.stderr.endswith(
        "error: refusing to apply a plan the YAML does not make, nothing was written:\n"
        "  update guide 47 'Sales Team': the YAML given makes a different change from its "
        "recorded `before` (attendees); make a new plan from the YAML\n"
    ), result.stderr


def test_a_saved_position_change_applied_twice_is_already_applied(
    cli: Cli, sb: Any, write: Write, tmp_path: Path
) -> None:
    """#5: a saved plan that changes a member's position was refused as stale once it had run."""
    from tests.helpers import on_team, roster_yaml

    d = write("r.yaml", roster_yaml(5678, [on_team(113, 22, position="Keys")], prune=False))
    out = tmp_path / "plan.json"
    assert cli("plan", str(d), "--out", str(out)).exit_code == 0
    first = cli("apply", str(d), "--plan", str(out), "--auto-approve")
    assert first.exit_code == 0, first.output
    sb.clear_requests()
    again = cli("apply", str(d), "--plan", str(out), "--auto-approve")
    assert again.exit_code == 0, again.output
    assert again.stderr == "The saved plan is already applied: live state holds its 1 change.\n"
    assert nothing_written(sb)


# -- 6. the circuit breaker
# ----------------------------------------------------------------------------------


def test_a_server_that_goes_away_stops_the_apply_within_a_minute(
    cli: Cli, sb: Any, write: Write, clock: FakeClock
) -> None:
    """#6: every connection is dropped once the first write arrives (the server went away). Main
    kept retrying every change (548 retry warnings, 12 minutes); after 5 connection failures in a
    row to the host nothing new is started: the rest is reported as not started, exit 1."""
    rows = sb.store.guidebook_schedules(47)[:6]
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
        + "".join(
            f"  - {{name: {r['name']!r}, attendees: {r['attendees']}, "
            f"sessions: {r['sessions'] + [min(set(range(1, 41)) - set(r['sessions']))]}}}\n"
            for r in rows
        ),
    )
    sb.add_hook(lambda store: sb.add_fault(mode="drop_before", times=-1), method="PATCH", path=GB)
    result = cli("apply", str(d), "--auto-approve", "--parallelism", "1")
    assert result.exit_code == 1, result.output
    dropped = [r for r in sb.requests() if r["fault"] == "drop_before"]
    assert len(dropped) == 5  # one change's 5 attempts, then nothing more is sent
    assert result.stdout.count("skip   update Summit 2026 (guide 47)") == 5
    assert (
        f"not started: Guidebook: 127.0.0.1:{sb.port} failed 5 connections in a row (refused, "
        "reset "
        "or unreachable); nothing new is started against it"
    ) in result.stdout
    assert "Applied 0, failed 1, skipped 5." in result.stdout
    assert clock.slept < 60


# -- found by the soak: a resent PATCH that lands after the run's later PATCH of the same object
# -----------


def test_a_lost_patch_that_lands_after_a_later_patch_is_waited_for_not_exit_0(
    cli: Cli, sb: Any, write: Write, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """benchmarks/soak.py (seed 5, round 8): moving carol (8) from VIP Speakers to Sales Team and
    bob
    (6) from Sales Team to a new schedule writes Sales Team twice (first without bob, then with
    carol: one schedule per attendee). The first PATCH's answer was lost and it was sent again; the
    lost one landed after the second PATCH and undid it, after the check had looked: exit 0, and the
    next plan adds carol again. The check after apply now waits out a lost write's window (3× the
    timeout) before it looks."""
    monkeypatch.setenv("PROVISIONER_TIMEOUT", "1.5")
    rows = {s["name"]: s for s in sb.store.guidebook_schedules(47)}
    sales, vip = rows["Sales Team"], rows["VIP Speakers"]
    assert 8 in vip["attendees"] and 6 in sales["attendees"]
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
        f"  - {{name: Sales Team, attendees: {sorted({*sales['attendees'], 8} - {6})}, "
        f"sessions: {sales['sessions']}}}\n"
        f"  - {{name: VIP Speakers, attendees: {sorted(set(vip['attendees']) - {8})}, "
        f"sessions: {vip['sessions']}}}\n"
        "  - {name: Workshop Track, attendees: [6], sessions: [14]}\n",
    )
    sb.add_fault(method="PATCH", path=f"{GB}{sales['id']}/$", mode="commit_later", delay=60)
    clock.call_at(
        3.0, sb.land_late_commits
    )  # inside the lost PATCH's window (4.5 s), after the writes
    try:
        result = cli("apply", str(d), "--auto-approve")
    finally:
        sb.land_late_commits()
    patches = [
        r["body"]["attendees"] for r in requests(sb, "PATCH") if str(sales["id"]) in r["path"]
    ]
    assert (
        8 not in patches[0] and 8 in patches[-1]
    )  # the lost first PATCH, then the one adding carol
    assert (
        8
        not in next(s for s in sb.store.guidebook_schedules(47) if s["id"] == sales["id"])[
            "attendees"
        ]
    )  # the lost one landed last
    assert result.exit_code == 1, result.output
    assert (
        "the server accepted the update but it did not take effect: attendees still differs"
        in result.stdout
    )
    again = cli("apply", str(d), "--auto-approve")
    assert again.exit_code == 0, again.output
