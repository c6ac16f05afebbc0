"""Guidebook behaviour the docs leave open (docs/api-notes.md): each test runs the CLI against every
reading the sandbox can take of one point, and asserts what the user sees and which requests went
out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from provisioner.core.clock import FakeClock
from provisioner.providers.guidebook import provider as gb_provider
from provisioner_sandbox import SandboxServer
from tests.conftest import Cli

Write = Callable[[str, str], Path]
API = "/open-api/v1/"
SCHEDULES = API + "personalized-schedules/"
CHANGES = """
    provider: guidebook
    guide: 47
    prune: false
    schedules:
      - name: Sales Team
        attendees: [6, 7, 10, 11, 5]
        sessions: [13, 15, 40]
      - name: Newcomers
        attendees: [51, 52]
        sessions: [13]
"""


def with_schedule(name: str, attendees: str, sessions: str) -> str:
    return (
        CHANGES
        + f"      - name: {name}\n        attendees: {attendees}\n        sessions: {sessions}\n"
    )


def writes(sb: SandboxServer) -> list[tuple[str, str, str | None, int | None]]:
    return [
        (r["method"], r["path"], r["content_type"], r["status"])
        for r in sb.requests()
        if r["method"] != "GET"
    ]


def converged(cli: Cli, d: Path) -> bool:
    return cli("plan", "--detailed-exitcode", str(d)).exit_code == 0


@pytest.fixture(autouse=True)
def no_publish_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVISIONER_GUIDEBOOK_PUBLISH_INTERVAL", "0")


# -- 3. request bodies: JSON, or form-encoded after a 415
# -------------------------------------------------------


@pytest.mark.parametrize("reading", ["json", "form-only"])
def test_writes_are_json_and_switch_to_form_encoding_on_415(
    cli: Cli, sb: SandboxServer, write: Write, reading: str
) -> None:
    sb.set_readings({"guidebook.body": reading})
    d = write("s.yaml", CHANGES)
    result = cli("apply", str(d), "--auto-approve", "--parallelism", "1")
    assert result.exit_code == 0, result.output
    assert "Applied 2, failed 0, skipped 0." in result.stdout
    json_type, form = "application/json", "application/x-www-form-urlencoded"
    if reading == "json":
        assert writes(sb) == [
            ("PATCH", SCHEDULES + "1/", json_type, 200),
            ("POST", SCHEDULES, json_type, 201),
        ]
    else:  # one refused JSON write, then form encoding for the rest of the run
        assert writes(sb) == [
            ("PATCH", SCHEDULES + "1/", json_type, 415),
            ("PATCH", SCHEDULES + "1/", form, 200),
            ("POST", SCHEDULES, form, 201),
        ]
        assert "sending form-encoded bodies for the rest of the run" in result.stderr
        created = [r["body"] for r in sb.requests() if r["method"] == "POST"]
        assert created == [
            {"guide": "47", "name": "Newcomers", "attendees": ["51", "52"], "sessions": "13"}
        ]
    assert converged(cli, d)


def test_writes_already_in_flight_when_json_is_refused_are_sent_again_as_forms(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    """Two PATCHes sent as JSON at once both get a 415: the one answered after the switch is sent
    again as a form too (measured: it failed with the 415 while the other succeeded)."""
    sb.set_readings({"guidebook.body": "form-only"})
    sb.add_fault(method="PATCH", path="personalized-schedules", mode="barrier", times=2, delay=10)
    newcomers = "      - name: Newcomers\n        attendees: [51, 52]\n        sessions: [13]\n"
    d = write(
        "s.yaml",
        CHANGES.replace(
            newcomers,
            "      - name: VIP Speakers\n        sessions: [13, 15]\n",
        ),
    )
    result = cli("apply", str(d), "--auto-approve", "--parallelism", "2")
    assert result.exit_code == 0, result.output
    assert "Applied 2, failed 0, skipped 0." in result.stdout
    json_type, form = "application/json", "application/x-www-form-urlencoded"
    assert sorted(writes(sb)) == [
        ("PATCH", SCHEDULES + "1/", json_type, 415),
        ("PATCH", SCHEDULES + "1/", form, 200),
        ("PATCH", SCHEDULES + "3/", json_type, 415),
        ("PATCH", SCHEDULES + "3/", form, 200),
    ]
    assert result.stderr.count("sending form-encoded bodies for the rest of the run") == 1
    assert converged(cli, d)


@pytest.mark.parametrize("reading", ["json", "form-only"])
def test_an_empty_list_under_form_encoding_fails_only_that_schedule(
    cli: Cli, sb: SandboxServer, write: Write, reading: str
) -> None:
    sb.set_readings({"guidebook.body": reading})
    d = write("s.yaml", with_schedule("Placeholder", "[]", "[13]"))
    result = cli("apply", str(d), "--auto-approve", "--parallelism", "1")
    if reading == "json":
        assert result.exit_code == 0, result.output
        assert "Applied 3, failed 0, skipped 0." in result.stdout
        return
    assert result.exit_code == 1
    assert "Applied 2, failed 1, skipped 0." in result.stdout
    assert (
        "FAILED create Summit 2026 (guide 47) 'Placeholder'" in result.stdout
        and "schedule 'Placeholder': attendees would be "
        "empty, and this Guidebook server takes only form-encoded bodies, which cannot carry an "
        "empty list"
        in result.stdout
    )
    assert "Traceback" not in result.output


# -- 4. an empty list refused on create
# -------------------------------------------------------------------------


@pytest.mark.parametrize("reading", ["accepted", "refused-on-create", "refused"])
def test_an_empty_list_refused_by_the_server_is_one_clear_error_for_that_schedule(
    cli: Cli, sb: SandboxServer, write: Write, reading: str
) -> None:
    sb.set_readings({"guidebook.empty_list": reading})
    d = write("s.yaml", with_schedule("Placeholder", "[4]", "[]"))
    result = cli("apply", str(d), "--auto-approve")
    if reading == "accepted":
        assert result.exit_code == 0, result.output
        assert converged(cli, d)
        return
    assert result.exit_code == 1
    assert "Applied 2, failed 1, skipped 0." in result.stdout
    assert (
        "FAILED create Summit 2026 (guide 47) 'Placeholder'" in result.stdout
        and "schedule 'Placeholder': the server refuses "
        "an empty sessions list (This list may not be empty.)"
        in result.stdout
    ), result.stdout


# -- 5. PATCH replaces or merges lists
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("reading", ["replace", "merge"])
def test_a_merging_patch_is_caught_by_the_check_after_apply(
    cli: Cli, sb: SandboxServer, write: Write, reading: str
) -> None:
    sb.set_readings({"guidebook.patch_lists": reading})
    d = write("s.yaml", CHANGES)  # Sales Team: -12 +5 attendees, -14 +15 sessions
    result = cli("apply", str(d), "--auto-approve")
    if reading == "replace":
        assert result.exit_code == 0, result.output
        assert converged(cli, d)
        return
    assert result.exit_code == 1
    assert "FAILED update Summit 2026 (guide 47) 'Sales Team' (" in result.stdout
    assert (
        "the server accepted the update but it did not take effect: attendees, sessions still "
        "differ — the "
        "attendees and sessions removed are still there while the additions took: this Guidebook "
        "server seems to "
        "merge PATCHed lists instead of replacing them"
    ) in result.stdout, result.stdout


# -- 8. publish pacing and 429
# -------------------------------------------------------------------------------

PUBLISHING = CHANGES.replace("prune: false", "prune: false\n    publish: attendees")


def test_publish_calls_are_paced_and_the_pace_is_configurable(
    cli: Cli, sb: SandboxServer, write: Write, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVISIONER_GUIDEBOOK_PUBLISH_INTERVAL", "1.5")
    result = cli("apply", str(write("s.yaml", PUBLISHING)), "--auto-approve")
    assert result.exit_code == 0, result.output
    published = [
        r["path"] for r in sb.requests() if r["path"].endswith("/publish-personalized-schedules/")
    ]
    assert (
        len(published) == 8 and clock.sleeps == [1.5] * 7
    )  # a pause between two calls, none before the first
    assert gb_provider.publish_interval_from_env({}) == gb_provider.PUBLISH_INTERVAL == 2.0


def test_publish_stops_on_429_and_says_who_is_left(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    sb.add_fault(
        method="POST",
        path=r"attendees/6/publish",
        mode="status",
        status=429,
        times=-1,
        retry_after=60,
    )
    result = cli("apply", str(write("s.yaml", PUBLISHING)), "--auto-approve")
    assert result.exit_code == 1
    published = [
        r["path"] for r in sb.requests() if r["path"].endswith("/publish-personalized-schedules/")
    ]
    assert (
        len(published) == 2
    )  # the first, then the 429: nothing after it, and the 429 is not waited out
    assert (
        "publishing stopped: Guidebook answered 429 (too many requests) after 1 of 8 attendees "
        "were published; "
        "not published: 7 attendees (6, 7, 10, 11, 12, 51, 52)"
    ) in result.stdout
    assert "`provisioner apply --republish`" in result.stdout


# -- 9. the request estimate uses the server's page size
# --------------------------------------------------------


@pytest.mark.parametrize(("reading", "estimate"), [("honoured", 7), ("2", 86)])
def test_the_request_estimate_uses_the_page_size_the_server_sends(
    cli: Cli, sb: SandboxServer, write: Write, reading: str, estimate: int
) -> None:
    sb.set_readings({"guidebook.page_size": reading})
    result = cli("plan", str(write("s.yaml", CHANGES)))
    assert result.exit_code == 0, result.output
    pages = [r for r in sb.requests() if r["path"] == SCHEDULES]
    # 12 schedules, 40 sessions, 100 attendees: 3 pages at 100 a page, 6 + 20 + 50 at 2 a page; the
    # guide (its name titles the scope); then 2 writes and the verify re-read of 13 schedules (1 or
    # 7 pages)
    assert len(pages) == (1 if reading == "honoured" else 6)
    assert f"Applying this plan will use about {estimate} Guidebook requests" in result.stderr
