"""Request budget estimate and refusal, concurrent reads, exact request counts at the lower
bound."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from provisioner.transport.http import HttpClient
from provisioner_sandbox import SandboxServer
from tests.conftest import TODAY, Cli, sandbox_env

Write = Callable[[str, str], Path]
# Sales Team (schedule 1 of guide 47) gains session 15; nothing else of the guide is managed.
SALES = """
    provider: guidebook
    guide: 47
    prune: false
    schedules:
      - name: Sales Team
        attendees: [6, 7, 10, 11, 12]
        sessions: [13, 14, 15, 40]
    """
BUDGET_LINE = "This apply will use about 6 Guidebook requests (budget {}/day).\n"
PLAN_BUDGET_LINE = "Applying this plan will use about 6 Guidebook requests (budget {}/day).\n"


# -- Guidebook request budget
# -------------------------------------------------------------------------------


def test_plan_estimates_the_requests_apply_then_uses(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = write("sales.yaml", SALES)
    planned = cli("plan", str(path))
    # schedules, sessions and attendees pages (1 each) + the guide (its name titles the scope) + 1
    # PATCH + 1 verify read
    assert planned.exit_code == 0 and planned.stderr == PLAN_BUDGET_LINE.format(10000)
    sb.clear_requests()
    applied = cli("apply", str(path), "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    assert applied.stderr == BUDGET_LINE.format(10000)
    assert len(sb.requests()) == 6  # the estimate is exact here


def test_json_plan_and_empty_plans_say_nothing(sb: SandboxServer, cli: Cli, write: Write) -> None:
    path = write("sales.yaml", SALES)
    assert cli("plan", str(path), "--format", "json").stderr == ""
    cli("apply", str(path), "--auto-approve")
    assert cli("plan", str(path)).stderr == ""


def test_apply_over_the_budget_is_refused_unless_forced(
    sb: SandboxServer, cli: Cli, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write("sales.yaml", SALES)
    monkeypatch.setenv("PROVISIONER_GUIDEBOOK_BUDGET", "4")
    sb.clear_requests()
    refused = cli("apply", str(path), "--auto-approve")
    assert refused.exit_code == 1
    assert refused.stderr == BUDGET_LINE.format(4) + (
        "error: refusing to apply: about 6 Guidebook requests is more than the budget of 4 a day "
        "(PROVISIONER_GUIDEBOOK_BUDGET); apply in smaller steps (some files at a time: a scope is "
        "not pruned by a "
        "run given only some of its files), or re-run with --force\n"
    )
    assert [r["method"] for r in sb.requests()] == ["GET"] * 4  # nothing written
    forced = cli("apply", str(path), "--auto-approve", "--force")
    assert forced.exit_code == 0 and "Applied 1, failed 0, skipped 0." in forced.stdout


def test_a_malformed_budget_is_a_config_error(
    cli: Cli, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVISIONER_GUIDEBOOK_BUDGET", "lots")
    result = cli("plan", str(write("sales.yaml", SALES)))
    assert result.exit_code == 1
    assert (
        "error: PROVISIONER_GUIDEBOOK_BUDGET='lots' is not a whole number of requests per day"
        in result.stderr
    )


def test_publish_to_attendees_counts_one_request_per_affected_attendee(
    sb: SandboxServer, cli: Cli, write: Write
) -> None:
    path = write(
        "sales.yaml", SALES.replace("prune: false", "prune: false\n    publish: attendees")
    )
    planned = cli("plan", str(path))
    assert (
        "about 11 Guidebook requests" in planned.stderr
    )  # 6 as above + the 5 attendees of Sales Team
    sb.clear_requests()
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    assert len(sb.requests()) == 11


# -- concurrency and exact request counts over many guides
# ---------------------------------------------------


GUIDES = 8


@pytest.fixture(scope="module")
def bench() -> Iterator[SandboxServer]:
    with SandboxServer(
        today=TODAY, seed=f"bench:guides={GUIDES},schedules=120,sessions=6,attendees=6"
    ) as sb:
        yield sb


@pytest.fixture
def bench_dir(
    bench: SandboxServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """One YAML file per bench guide declaring exactly its live schedules, by id; the CLI pointed at
    it."""
    for key, value in sandbox_env(bench).items():
        monkeypatch.setenv(key, value)
    for guide in range(1001, 1001 + GUIDES):
        lines = ["provider: guidebook", f"guide: {guide}", "schedules:"]
        for row in bench.store.guidebook_schedules(guide):
            lines += [
                f"  - name: {row['name']}",
                f"    attendees: {row['attendees']}",
                f"    sessions: {row['sessions']}",
            ]
        (tmp_path / f"guide-{guide}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bench.clear_faults()
    bench.clear_requests()
    return tmp_path


def test_plan_sends_exactly_one_request_per_page(
    bench: SandboxServer, bench_dir: Path, cli: Cli
) -> None:
    result = cli("plan", str(bench_dir), "--format", "json", "--detailed-exitcode")
    assert result.exit_code == 0, result.stderr
    log = bench.requests()
    # 120 schedules a guide = 2 pages of 100; ids need no session or attendee reads
    assert len(log) == GUIDES * 2
    assert {r["path"] for r in log} == {"/open-api/v1/personalized-schedules/"}
    pages = sorted(
        (r["query"]["guide"], r["query"].get("page", "1"), r["query"]["page_size"]) for r in log
    )
    assert pages == [(str(g), p, "100") for g in range(1001, 1001 + GUIDES) for p in ("1", "2")]


def test_plan_reads_guides_concurrently(
    bench: SandboxServer, bench_dir: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every list request is held 50 ms by the server; the client must have several in flight at
    once."""
    bench.add_fault(path="personalized-schedules", mode="delay", delay=0.05, times=-1)
    lock, state = threading.Lock(), {"now": 0, "max": 0}
    original = HttpClient.request

    def counting(self: HttpClient, *args: Any, **kwargs: Any) -> Any:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        try:
            return original(self, *args, **kwargs)
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(HttpClient, "request", counting)
    result = cli("plan", str(bench_dir), "--format", "json", "--parallelism", "8")
    assert result.exit_code == 0, result.stderr
    # 8 guides, 8 workers, each request held 50 ms: in practice all 8 overlap (no wall-clock
    # assertion: the run also loads YAML, and timings are fragile on a busy machine)
    assert state["max"] >= 4, state
