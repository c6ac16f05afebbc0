"""`--target` and `--changed-since` through the CLI against the sandbox: only the selected scopes
are read, planned and applied (the request log shows no request for any other scope); bad targets
and refs exit 1."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from provisioner_sandbox import SandboxServer
from tests.conftest import Cli

Write = Callable[[str, str], Path]
GUIDE_47 = (
    "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
    "  - {name: Sales Team, attendees: [6, 7, 10, 11, 12], sessions: [13, 14, 40]}\n"
)
GUIDE_48 = (
    "provider: guidebook\nguide: 48\nprune: false\nschedules:\n"
    "  - {name: Partner Track, attendees: [101], sessions: [41]}\n"
)
ROSTERS = (
    "provider: planning_center\nservice_type: 1234\nrosters:\n"
    "  - plan: 5678\n    prune: false\n    team_members:\n      - {person: 112, team: 23, status: "
    "C}\n"
    "  - plan: 5679\n    prune: false\n    team_members:\n      - {person: 112, team: 23, status: "
    "C}\n"
)
PERSON = (
    "provider: planning_center\nperson: 111\nresponses:\n  - {plan: 5678, response: declined}\n"
)


def scopes_read(sb: SandboxServer) -> set[str]:
    """Which scopes the requests touched, named as --target names them."""
    out = set()
    for r in sb.requests():
        path, query = r["path"], r["query"]
        if "guide" in query:
            out.add(f"guide:{query['guide']}")
        elif "/plans/" in path:
            out.add(f"plan:{path.split('/plans/')[1].split('/')[0]}")
        elif "/people/" in path and "/schedules" in path:
            out.add(f"person:{path.split('/people/')[1].split('/')[0]}")
    return out


@pytest.fixture
def repo(write: Write) -> Path:
    d = write("summit.yaml", GUIDE_47)
    write("partner.yaml", GUIDE_48)
    write("sunday.yaml", ROSTERS)
    write("jane.yaml", PERSON)
    return d


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def committed(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The four files committed as `base` in a fresh git repository; the test runs inside it."""
    root = repo.parent
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    git(root, "tag", "base")
    monkeypatch.chdir(root)
    return Path("schedules")


def test_plan_with_targets_reads_only_those_scopes(cli: Cli, sb: SandboxServer, repo: Path) -> None:
    result = cli("plan", str(repo), "--target", "guide:48", "--target", "person:111")
    assert result.exit_code == 0, result.stderr
    assert scopes_read(sb) == {"guide:48", "person:111"}
    assert "Planned 2 scopes (--target): guide 48, person 111." in result.stderr
    # Each scope titled by its name (the guide's: one GET of the guide, only for a scope shown):
    assert result.stdout.startswith("Partner Day (guide 48)\n")
    assert "\nJane Doe (person 111)\n" in result.stdout


def test_quiet_plan_with_a_target_keeps_stderr_empty(cli: Cli, repo: Path) -> None:
    """Measured today: -q still printed "Planned 1 scope (--target): guide 48." on stderr."""
    result = cli("plan", str(repo), "--target", "guide:48", "-q")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("Partner Day (guide 48)\n")


def test_apply_with_a_target_writes_only_that_scope(
    cli: Cli, sb: SandboxServer, repo: Path
) -> None:
    result = cli("apply", str(repo), "--target", "plan:5679", "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert scopes_read(sb) == {"plan:5679"}
    assert [(r["method"], r["path"]) for r in sb.requests() if r["method"] != "GET"] == [
        ("PATCH", "/services/v2/people/112/plan_people/800000010")
    ]  # the documented path
    sb.clear_requests()
    again = cli("plan", str(repo), "--detailed-exitcode")
    assert (
        again.exit_code == 2 and "(plan 5679)" not in again.stdout and "(guide 48)" in again.stdout
    )


def test_a_target_needs_only_its_services_credentials(
    cli: Cli, sb: SandboxServer, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PCO_APPLICATION_ID", "PCO_SECRET", "PCO_ACCESS_TOKEN"):
        monkeypatch.delenv(name)
    assert cli("plan", str(repo), "--target", "guide:48").exit_code == 0
    assert scopes_read(sb) == {"guide:48"}
    result = cli("plan", str(repo), "--target", "plan:5678")
    assert (result.exit_code, result.stderr[:51]) == (
        1,
        "error: Planning Center credentials are incomplete (",
    )


def test_drift_with_a_target(cli: Cli, sb: SandboxServer, repo: Path) -> None:
    result = cli("drift", str(repo), "--target", "guide:47", "--format", "json")
    assert (
        result.exit_code == 0
    )  # guide 47 matches the YAML; the other scopes, which drifted, were not read
    assert scopes_read(sb) == {"guide:47"}


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "guide:99",
            "error: --target guide:99: no file given declares it; the files declare guide:47, "
            "guide:48\n",
        ),
        (
            "guid:47",
            "error: --target guid:47: unknown kind 'guid'; the kinds are guide, person, plan\n",
        ),
        (
            "47",
            "error: --target '47': expected KIND:ID such as guide:47, or ACCOUNT/KIND:ID such as "
            "east/guide:47 "
            "(kinds: guide, person, plan)\n",
        ),
        ("east/guide:47", "error: --target east/guide:47: no file given declares it;"),
    ],
)
def test_unknown_targets_are_clear_errors_before_any_request(
    cli: Cli, sb: SandboxServer, repo: Path, target: str, message: str
) -> None:
    for command in ("plan", "apply", "drift"):
        extra = ["--auto-approve"] if command == "apply" else []
        result = cli(command, str(repo), "--target", target, *extra)
        assert result.exit_code == 1, (command, result.stdout)
        assert result.stderr.startswith(message), result.stderr
    assert sb.requests() == []


def test_changed_since_plans_only_the_scopes_of_changed_files(
    cli: Cli, sb: SandboxServer, committed: Path, write: Write
) -> None:
    write("partner.yaml", GUIDE_48.replace("[101]", "[101, 102]"))  # edited
    write(
        "youth.yaml", "provider: planning_center\nperson: 112\nresponses: []\n"
    )  # new, not yet committed
    result = cli("plan", str(committed), "--changed-since", "base")
    assert result.exit_code == 0, result.stderr
    assert scopes_read(sb) == {"guide:48", "person:112"}
    assert "Planned 2 scopes (changed since base): guide 48, person 112." in result.stderr
    md = cli("plan", str(committed), "--changed-since", "base", "--format", "markdown").stdout
    assert (
        "_Planned 2 scopes (changed since base): guide 48, person 112. Other scopes were not read._"
        in md
    )


def test_changed_since_covers_a_deleted_file_whose_scope_another_file_still_declares(
    cli: Cli, sb: SandboxServer, committed: Path, write: Write
) -> None:
    write(
        "partner-extra.yaml",
        GUIDE_48.replace("Partner Track", "Partner VIP").replace("[101]", "[102]"),
    )
    root = committed.parent
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "two files for guide 48")
    git(root, "tag", "two")
    (committed / "partner-extra.yaml").unlink()
    result = cli("plan", str(committed), "--changed-since", "two")
    assert result.exit_code == 0, result.stderr
    assert scopes_read(sb) == {"guide:48"}


def test_changed_since_with_nothing_changed_reads_nothing(
    cli: Cli, sb: SandboxServer, committed: Path
) -> None:
    result = cli("plan", str(committed), "--changed-since", "base", "--detailed-exitcode")
    assert (result.exit_code, sb.requests()) == (0, [])
    assert "Planned 0 scopes (changed since base): none." in result.stderr
    assert result.stdout == "No changes. Live state matches the YAML.\n"


def test_changed_since_and_target_add_up(
    cli: Cli, sb: SandboxServer, committed: Path, write: Write
) -> None:
    write("summit.yaml", GUIDE_47 + "  - {name: Extra, attendees: [], sessions: []}\n")
    result = cli(
        "drift",
        str(committed),
        "--changed-since",
        "base",
        "--target",
        "plan:5678",
        "--format",
        "json",
    )
    assert result.exit_code == 2
    assert scopes_read(sb) == {"guide:47", "plan:5678"}


def test_a_ref_git_cannot_resolve_is_a_clear_error(
    cli: Cli, sb: SandboxServer, committed: Path
) -> None:
    for command in ("plan", "drift", "apply"):
        result = cli(command, str(committed), "--changed-since", "origin/nope")
        assert result.exit_code == 1
        assert result.stderr == (
            "error: --changed-since origin/nope: git cannot resolve 'origin/nope' to a commit; "
            "in CI fetch it first (actions/checkout with fetch-depth: 0)\n"
        )
    assert sb.requests() == []


def test_changed_since_outside_a_repository_is_a_clear_error(
    cli: Cli, sb: SandboxServer, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.parent)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(repo.parent.parent))
    result = cli("plan", "schedules", "--changed-since", "main")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --changed-since needs a git repository: ")
    assert sb.requests() == []


def test_a_target_matches_kind_id_and_account() -> None:
    from dataclasses import dataclass

    from provisioner.core.records import Scope
    from provisioner.planning.selection import Selection, parse_target

    @dataclass
    class AccountScope(Scope):  # scopes gain an account with several accounts per repository
        account: str | None = None

    default = Scope("guidebook", "guide 47", {"guide": 47}, kind="guide")
    east = AccountScope("guidebook", "east/guide 47", {"guide": 47}, kind="guide", account="east")
    kinds = ("guide", "plan", "person")
    assert [
        t.matches(default)
        for t in (
            parse_target("guide:47", kinds),
            parse_target("guide:047", kinds),
            parse_target("east/guide:47", kinds),
            parse_target("plan:47", kinds),
        )
    ] == [True, True, False, False]
    assert Selection((parse_target("east/guide:47", kinds),)).pick([default, east]) == [east]
    assert Selection((parse_target("guide:47", kinds),)).pick([default, east]) == [default]


def test_the_drift_workflow_reads_live_once_and_renders_the_issue_offline(
    cli: Cli, sb: SandboxServer, repo: Path, tmp_path: Path
) -> None:
    # drift.yml's detect job runs `drift --format markdown --out drift.json` (names read once, with
    # the scopes); its report job renders the issue from that file with `show`, without a request.
    from tests.test_workflows import action_steps, workflow

    jobs = workflow("drift.yml")["jobs"]
    (detect,) = action_steps(jobs["detect"], "drift")
    assert (detect["with"]["format"], detect["with"]["plan-file"]) == ("markdown", "drift.json")
    sb.clear_requests()
    found = cli("drift", str(repo), "--format", "markdown", "--out", str(tmp_path / "drift.json"))
    assert found.exit_code == 2
    read_once = len(sb.requests())
    sb.clear_requests()
    shown = cli("show", str(tmp_path / "drift.json"), "--format", "markdown")
    assert (shown.exit_code, shown.stdout, sb.requests()) == (0, found.stdout, [])
    assert read_once > 0
