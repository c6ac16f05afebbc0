"""Guidebook end to end: the CLI against the sandbox over loopback, asserting the exact requests
sent."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from provisioner.core.clock import FakeClock
from provisioner_sandbox import SandboxServer
from tests.conftest import Cli

Write = Callable[[str, str], Path]
API = "/open-api/v1/"
SMALL = """
    provider: guidebook
    guide: 47
    prune: false
    schedules:
      - name: Sales Team
        attendees: [6, 7, 10, 11, 12, 5]
        sessions: [13, 15, 40]
      - name: Newcomers
        attendees: [51, 52]
        sessions: [13]
"""


def writes(sb: SandboxServer) -> list[tuple[str, str, object]]:
    return [(r["method"], r["path"], r["body"]) for r in sb.requests() if r["method"] != "GET"]


def gets(sb: SandboxServer) -> list[tuple[str, dict]]:
    return [(r["path"], r["query"]) for r in sb.requests() if r["method"] == "GET"]


def test_plan_json_with_id_references_costs_one_list_request(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    d = write("s.yaml", SMALL)
    result = cli("plan", str(d), "--format", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["summary"] == {"create": 1, "update": 1, "delete": 0}
    assert [(c["action"], c["key"], c["fields"]) for c in plan["changes"]] == [
        (
            "update",
            "Sales Team",
            {"attendees": {"add": [5], "remove": []}, "sessions": {"add": [15], "remove": [14]}},
        ),
        (
            "create",
            "Newcomers",
            {"attendees": {"add": [51, 52], "remove": []}, "sessions": {"add": [13], "remove": []}},
        ),
    ]
    assert plan["changes"][0]["source"].endswith("s.yaml:5")
    assert plan["changes"][0]["before"] == {
        "id": 1,
        "attendees": [6, 7, 10, 11, 12],
        "sessions": [13, 14, 40],
    }
    assert gets(sb) == [
        (API + "personalized-schedules/", {"guide": "47", "page_size": "100", "ordering": "id"})
    ]
    assert writes(sb) == []


def test_apply_sends_minimal_writes_and_replan_is_empty(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    d = write("s.yaml", SMALL)
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Applied 2, failed 0, skipped 0." in result.stdout
    assert sorted(writes(sb), key=str) == [
        (
            "PATCH",
            API + "personalized-schedules/1/",
            {"attendees": [5, 6, 7, 10, 11, 12], "sessions": [13, 15, 40]},
        ),
        (
            "POST",
            API + "personalized-schedules/",
            {"guide": 47, "name": "Newcomers", "attendees": [51, 52], "sessions": [13]},
        ),
    ]
    sb.clear_requests()
    again = cli("plan", str(d), "--detailed-exitcode", "--format", "json")
    assert again.exit_code == 0 and json.loads(again.stdout)["changes"] == []
    assert writes(sb) == []


def test_patch_carries_only_the_changed_field(cli: Cli, sb: SandboxServer, write: Write) -> None:
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
        "  - {name: Sales Team, attendees: [6, 7, 10, 11, 12], sessions: [13, 40]}\n",
    )
    assert cli("apply", str(d), "--auto-approve").exit_code == 0
    assert writes(sb) == [("PATCH", API + "personalized-schedules/1/", {"sessions": [13, 40]})]


def test_prune_deletes_undeclared_and_ignore_protects(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    store = sb.store
    keep = [
        s
        for s in store.guidebook_schedules(47)
        if s["name"] not in ("Legacy Track", "Manual Adjustments")
    ]
    body = "provider: guidebook\nguide: 47\nignore: ['Manual *']\nschedules:\n" + "".join(
        f"  - {{name: {s['name']}, attendees: {s['attendees']}, sessions: {s['sessions']}}}\n"
        for s in keep
    )
    d = write("s.yaml", body)
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert writes(sb) == [("DELETE", API + "personalized-schedules/6/", None)]
    names = {s["name"] for s in store.guidebook_schedules(47)}
    assert "Manual Adjustments" in names and "Legacy Track" not in names


def test_readable_references_resolve_once_per_run(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    d = write(
        "s.yaml",
        """
        provider: guidebook
        guide: 47
        prune: false
        schedules:
          - name: A
            attendees: [{email: Alice@Example.com}, {import_id: crm-1002}]
            sessions: [{name: Opening Keynote}, {import_id: sess-wa}]
          - name: B
            attendees: [{email: carol@example.com}]
            sessions: [{name: Closing Panel}]
    """,
    )
    result = cli("plan", str(d), "--format", "json")
    assert result.exit_code == 0, result.output
    after = {c["key"]: c["after"] for c in json.loads(result.stdout)["changes"]}
    assert after == {
        "A": {"attendees": [6, 7], "sessions": [13, 14]},
        "B": {"attendees": [8], "sessions": [40]},
    }
    assert sorted(p for p, _ in gets(sb)) == sorted(
        [API + "personalized-schedules/", API + "sessions/", API + "attendees/"]
    )


def test_unresolvable_references_name_file_line_and_candidates(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    sb.store.add_session(47, "Workshop A")  # now two sessions share the name
    d = write(
        "s.yaml",
        """
        provider: guidebook
        guide: 47
        schedules:
          - name: A
            attendees: [{email: nobody@example.com}, 999]
            sessions: [{name: Workshop A}, {import_id: sess-nope}]
    """,
    )
    result = cli("plan", str(d))
    assert result.exit_code == 1
    f = str(d / "s.yaml")
    lines = result.stderr.strip().splitlines()
    assert any(
        "s.yaml:5:17: no attendee of guide 47 has email 'nobody@example.com'" in line
        for line in lines
    ), lines
    assert any("s.yaml:5:46: attendee 999 does not exist in guide 47" in line for line in lines), (
        lines
    )
    assert any(
        "s.yaml:6:16: name 'Workshop A' matches 2 sessions of guide 47: 14 (Workshop A), 46 "
        "(Workshop A)"
        in line
        and line.endswith("; use an id")
        for line in lines
    ), lines
    assert any(
        "s.yaml:6:36: no session of guide 47 has import_id 'sess-nope'" in line for line in lines
    ), lines
    assert lines[-1] == "4 errors found."
    assert "Traceback" not in result.output and f


def test_foreign_session_id_is_a_plan_error(cli: Cli, sb: SandboxServer, write: Write) -> None:
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
        "  - {name: Bad, attendees: [6], sessions: [41]}\n",
    )
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 1
    assert "s.yaml:5:44: session 41 does not exist in guide 47" in result.stderr
    assert writes(sb) == []


def test_one_failed_change_does_not_stop_the_others(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    sb.add_fault(method="POST", path=r".*/personalized-schedules/$", status=400, times=1)
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
        "  - {name: A, attendees: [5], sessions: [13]}\n"
        "  - {name: Sales Team, attendees: [6], sessions: [13]}\n",
    )
    result = cli("apply", str(d), "--auto-approve", "--parallelism", "1")
    assert result.exit_code == 1
    assert re.search(
        r"FAILED create Summit 2026 \(guide 47\) 'A' \(.*s\.yaml:5\): Guidebook: POST "
        r"/open-api/v1/personalized-schedules/ answered 400",
        result.stdout,
    )
    assert "ok     update Summit 2026 (guide 47) 'Sales Team'" in result.stdout
    assert "Applied 1, failed 1, skipped 0." in result.stdout
    assert "some changes failed or were skipped; fix the cause" in result.stderr
    assert "run apply again (it converges)" in result.stderr
    again = cli("apply", str(d), "--auto-approve")
    assert again.exit_code == 0 and "Applied 1, failed 0" in again.stdout
    assert cli("plan", str(d), "--detailed-exitcode").exit_code == 0


def test_publish_guide_and_attendees(cli: Cli, sb: SandboxServer, write: Write) -> None:
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\npublish: guide\nschedules:\n"
        "  - {name: Sales Team, attendees: [6, 7], sessions: [13, 14, 40]}\n",
    )
    assert cli("apply", str(d), "--auto-approve").exit_code == 0
    assert writes(sb)[-1] == ("POST", API + "guides/47/publish-personalized-schedules/", None)
    sb.clear_requests()
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\npublish: attendees\nschedules:\n"
        "  - {name: Sales Team, attendees: [6, 8], sessions: [13, 14, 40]}\n",
    )
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert writes(sb)[1:] == [
        ("POST", API + f"attendees/{a}/publish-personalized-schedules/", None) for a in (7, 8)
    ]
    assert "published personalized schedules for 2 attendees" in result.stdout


@pytest.mark.parametrize("mode", ["guide", "attendees"])
def test_publish_refused_by_server_fails_the_run_without_a_crash(
    cli: Cli, sb: SandboxServer, write: Write, mode: str
) -> None:
    d = write(
        "s.yaml",
        f"provider: guidebook\nguide: 48\nprune: false\npublish: {mode}\nschedules:\n"
        "  - {name: Partner Track, attendees: [102, 103], sessions: [41]}\n",
    )
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "FAILED guide 48: post-apply step failed" in result.stdout
    assert (
        "answered 403" in result.stdout
        if mode == "guide"
        else "publishing failed for" in result.stdout
    )
    if mode == "attendees":  # every attendee was tried, not just the first
        publishes = [
            r["path"]
            for r in sb.requests()
            if r["path"].endswith("publish-personalized-schedules/")
        ]
        assert len(publishes) >= 2


def test_ambiguous_create_is_adopted_not_duplicated(
    cli: Cli, sb: SandboxServer, write: Write, clock: FakeClock
) -> None:
    sb.add_fault(method="POST", path=r".*/personalized-schedules/$", mode="drop_after_commit")
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
        "  - {name: New, attendees: [6], sessions: [13]}\n",
    )
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert [s["name"] for s in sb.store.guidebook_schedules(47)].count("New") == 1
    assert [m for m, _, _ in writes(sb)] == [
        "POST"
    ]  # committed once, adopted on re-read, never re-sent
    # one backoff before the re-read; then, before the check after apply, the rest of the request
    # timeout: the copy adopted may be another writer's, with this run's own POST still to land
    assert len(clock.sleeps) == 2 and 0.25 <= clock.sleeps[0] <= 0.5
    assert sum(clock.sleeps) == pytest.approx(30.0)  # PROVISIONER_TIMEOUT's default, from the POST


def test_confirmation_required_without_a_terminal(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    d = write("s.yaml", SMALL)
    result = cli("apply", str(d))
    assert result.exit_code == 1
    assert "no terminal to ask on; pass --auto-approve" in result.stderr
    assert writes(sb) == []


def test_impact_is_the_difference_between_the_old_schedule_and_the_new_one(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    """Issue 20 #1: one schedule per attendee, so no union: bob (7) swaps Sales Team (13, 14, 40)
    for VIP Speakers (13, 15, 40) and carol (8) the other way round; each sees exactly the new
    schedule's sessions. (The old test asserted that adding bob to a second schedule "changes
    nothing he sees".)"""
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
        "  - {name: Sales Team, attendees: [6, 10, 11, 12, 8], sessions: [13, 14, 40]}\n"
        "  - {name: VIP Speakers, attendees: [20, 21, 7], sessions: [13, 15, 40]}\n",
    )
    result = cli("plan", str(d), "--format", "json")
    assert json.loads(result.stdout)["impact"] == [
        {
            "provider": "guidebook",
            "scope": "guide 47",
            "people": [
                {"person": 7, "gain": [15], "lose": [14]},
                {"person": 8, "gain": [14], "lose": [15]},
            ],
            "moves": [
                {"person": 7, "from": ["Sales Team"], "to": ["VIP Speakers"]},
                {"person": 8, "from": ["VIP Speakers"], "to": ["Sales Team"]},
            ],
        },
    ]
    text = cli("plan", str(d)).stdout
    assert (
        "    bob@example.com: Sales Team → VIP Speakers\n"
        "    carol@example.com: VIP Speakers → Sales Team\n"
        "    bob@example.com: +Workshop B, −Workshop A\n"
        "    carol@example.com: +Workshop A, −Workshop B\n"
    ) in text
    markdown = cli("plan", str(d), "--format", "markdown").stdout
    assert "- bob<!-- -->@example.com: Sales Team → VIP Speakers\n" in markdown
    assert "- bob<!-- -->@example.com: +Workshop B, −Workshop A\n" in markdown
    assert "- carol<!-- -->@example.com: +Workshop A, −Workshop B\n" in markdown


def test_one_list_request_per_page_of_schedules(cli: Cli, sb: SandboxServer, write: Write) -> None:
    for i in range(150):  # 162 schedules in guide 47: two pages of 100
        sb.store.add_guidebook_schedule(47, f"Extra {i:03}", [6], [13])
    d = write("s.yaml", SMALL)
    assert cli("plan", str(d), "--format", "json").exit_code == 0
    query = {"guide": "47", "page_size": "100", "ordering": "id"}
    assert gets(sb) == [
        (API + "personalized-schedules/", query),
        (API + "personalized-schedules/", {**query, "page": "2"}),
    ]


def test_a_non_api_answer_is_one_clear_error(
    cli: Cli, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import http.server
    import threading
    from functools import partial

    (tmp_path / "www" / "personalized-schedules").mkdir(parents=True)
    (tmp_path / "www" / "personalized-schedules" / "index.html").write_text("<html>hello</html>")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0),
        partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "www")),
    )
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    ).start()
    monkeypatch.setenv("GUIDEBOOK_API_URL", f"http://127.0.0.1:{server.server_port}/")
    try:
        result = cli("plan", str(write("s.yaml", SMALL)), "--format", "json")
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 1
    assert "Guidebook: expected a page with `results`, got str" in result.stderr
    assert "Traceback" not in result.output


def test_nobody_affected_is_said_exactly_not_guessed(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    sb.store.add_guidebook_schedule(47, "Copy of Sales", [6], [13])
    rows = [s for s in sb.store.guidebook_schedules(47) if s["name"] != "Copy of Sales"]
    body = "provider: guidebook\nguide: 47\nschedules:\n" + "".join(
        f"  - {{name: {s['name']}, attendees: {s['attendees']}, sessions: {s['sessions']}}}\n"
        for s in rows
    )
    result = cli("plan", str(write("s.yaml", body)), "--format", "markdown")
    assert "Copy of Sales" in result.stdout  # deleted...
    assert (
        "alice@example.com: −Opening Keynote" not in result.stdout
    )  # ...but Alice keeps it via Sales Team


def test_a_failed_publish_can_be_run_again_with_republish(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    sb.add_fault(method="POST", path="publish-personalized-schedules", status=400, times=-1)
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\npublish: guide\nschedules:\n"
        "  - {name: Sales Team, attendees: [6, 7], sessions: [13, 14, 40]}\n",
    )
    assert cli("apply", str(d), "--auto-approve").exit_code == 1
    sb.clear_faults()
    sb.clear_requests()
    assert cli("apply", str(d), "--auto-approve").stdout.endswith(
        "No changes. Live state matches the YAML.\n"
    )
    result = cli("apply", str(d), "--auto-approve", "--republish")
    assert result.exit_code == 0, result.output
    assert "guide 47: published personalized schedules" in result.stdout
    assert writes(sb) == [("POST", API + "guides/47/publish-personalized-schedules/", None)]


def test_publish_covers_what_succeeded_when_other_changes_failed(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    sb.add_fault(method="PATCH", path="personalized-schedules/3/", status=400, times=-1)
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\npublish: attendees\nschedules:\n"
        "  - {name: Sales Team, attendees: [6, 7], sessions: [13, 14, 40]}\n"
        "  - {name: VIP Speakers, attendees: [8], sessions: [13]}\n",
    )
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 1
    assert "publish (attendees) covers the 1 changes that succeeded" in result.stdout
    published = [p for _, p, _ in writes(sb) if p.endswith("publish-personalized-schedules/")]
    assert published == [
        API + f"attendees/{a}/publish-personalized-schedules/" for a in (10, 11, 12)
    ]


def test_republish_with_changes_publishes_once(cli: Cli, sb: SandboxServer, write: Write) -> None:
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 47\nprune: false\npublish: attendees\nschedules:\n"
        "  - {name: Sales Team, attendees: [6, 7], sessions: [13, 14, 40]}\n",
    )
    assert cli("apply", str(d), "--auto-approve", "--republish").exit_code == 0
    published = [p for _, p, _ in writes(sb) if p.endswith("publish-personalized-schedules/")]
    assert published == [
        API + f"attendees/{a}/publish-personalized-schedules/" for a in (6, 7)
    ]  # all, each once


def test_a_plan_that_publishes_says_the_first_publish_e_mails_the_attendees(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    """Issue 20 #8: Builder e-mails each attendee an invitation the first time their schedule is
    published; nothing said so."""
    body = (
        "prune: false\nschedules:\n  - {name: Sales Team, attendees: [6, 5], sessions: [13, 14, "
        "40]}\n"
    )
    d = write("s.yaml", f"provider: guidebook\nguide: 47\npublish: attendees\n{body}")
    said = (
        "guide 47: publish: attendees — after this apply the schedules of 5 attendees are "
        "published; "
        "Guidebook e-mails each attendee an invitation the first time their schedule is published"
    )
    # text and markdown title the scope the warning is about; the JSON plan keeps it plain
    titled = said.replace("guide 47:", "Summit 2026 (guide 47):", 1)
    assert f"warning: {titled}\n" in cli("plan", str(d)).output
    assert titled in cli("plan", str(d), "--format", "markdown").stdout
    plan = json.loads(cli("plan", str(d), "--format", "json").stdout)
    assert plan["warning_details"] == [
        {
            "kind": "publish_emails",
            "message": said,
            "provider": "guidebook",
            "scope": "guide 47",
            "publish": "attendees",
            "attendees": 5,
        }
    ]
    d = write("s.yaml", f"provider: guidebook\nguide: 47\npublish: guide\n{body}")
    assert (
        "Summit 2026 (guide 47): publish: guide — after this apply the guide's personalized "
        "schedules are published; "
        "Guidebook e-mails each attendee an invitation the first time their schedule is published"
    ) in cli("plan", str(d)).output
    assert cli("apply", str(d), "--auto-approve").exit_code == 0
    assert "publish:" not in cli("plan", str(d)).output  # nothing to apply, nothing published
    d = write("s.yaml", f"provider: guidebook\nguide: 47\n{body.replace('6, 5', '6')}")
    assert "publish:" not in cli("plan", str(d)).output  # publish: none
