"""Issue 23 #8: messages that misled, each asserted exactly, end to end through the CLI (against the
sandbox where a service is needed). Each test failed on main before the fix."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.core.clock import FakeClock
from tests.conftest import Cli

Write = Callable[[str, str], Path]
SALES = "  - {name: Sales Team, attendees: [6, 7, 10, 11, 12], sessions: [13, 14, 40]}\n"
GUIDE = "provider: guidebook\nguide: 47\nprune: false\nschedules:\n" + SALES


def sales_id(sb: Any) -> int:
    return next(s["id"] for s in sb.store.guidebook_schedules(47) if s["name"] == "Sales Team")


def test_another_writers_change_is_not_called_an_update_that_did_not_take_effect(
    cli: Cli, sb: Any, write: Write
) -> None:
    """Main said "the server accepted the update but it did not take effect: sessions still differs"
    about a field this run never wrote (another writer changed it during the apply)."""
    d = write("s.yaml", GUIDE.replace("[6, 7, 10, 11, 12]", "[6, 7, 8, 10, 11, 12]"))
    sid = sales_id(sb)
    sb.add_hook(
        lambda store: store.set_schedule_links(sid, sessions=[13]), method="PATCH", path="sched"
    )
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 1, result.output
    assert "did not take effect" not in result.output
    assert "ok     update Summit 2026 (guide 47) 'Sales Team'" in result.stdout
    assert (
        "UNCERTAIN guide 47 'Sales Team': sessions changed while this run applied (not by this "
        "run: "
        "another writer?); run plan again to see what is left"
    ) in result.stdout


def test_a_field_this_run_wrote_that_did_not_stick_is_still_named(
    cli: Cli, sb: Any, write: Write
) -> None:
    """The other side: a PATCH answered 200 that changed nothing is still "did not take effect"."""
    d = write("s.yaml", GUIDE.replace("[6, 7, 10, 11, 12]", "[6, 7, 8, 10, 11, 12]"))
    sid = sales_id(sb)
    # the server forgets the write at once: as if it had never been made
    sb.add_hook(
        lambda store: store.set_schedule_links(sid, attendees=[6, 7, 10, 11, 12]),
        method="GET",
        path="personalized-schedules",
        times=-1,
    )
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 1
    assert (
        "the server accepted the update but it did not take effect: attendees still differs\n"
    ) in result.stdout


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ('{"name": "x"}', "it has no `format_version` and no `changes`"),
        ("[1, 2]", "a JSON list, not an object"),
        ('{"format_version": 1, "changes": {"a": 1}}', "`changes` is an object, not a list"),
        ('{"format_version": 1, "changes": [{"action": "create"}]}', "change 1 has no `provider`"),
        (
            '{"format_version": 1, "changes": [{"action": "move", "provider": "guidebook", '
            '"scope": "guide 47", "key": "X", "fields": {}, "reason": ""}]}',
            "change 1 has action 'move', not create, update or delete",
        ),
        (
            '{"format_version": 1, "changes": [{"action": "create", "provider": "guidebook", '
            '"scope": "guide 47", "key": "X", "fields": [], "reason": ""}]}',
            "change 1's `fields` is a list, not an object",
        ),
        (
            '{"format_version": 1, "changes": [], "scopes": [{"bogus": 1}]}',
            "scope 1 is not a scope this provisioner writes (has `bogus`, needs `provider`, "
            "`scope`, `live_count`, `deletes`)",
        ),
    ],
)
def test_a_file_that_is_not_a_plan_is_called_so_in_words(
    cli: Cli, write: Write, tmp_path: Path, content: str, why: str
) -> None:
    """Main said "format_version None" for a file that is not a plan, and showed raw TypeError /
    KeyError text for a plan file of the wrong shape."""
    d = write("s.yaml", GUIDE)
    plan = tmp_path / "p.json"
    plan.write_text(content)
    shown = cli("show", str(plan))
    applied = cli("apply", str(d), "--plan", str(plan), "--auto-approve")
    for result in (shown, applied):
        assert result.exit_code == 1
        assert result.stderr == f"error: {plan} is not a provisioner plan file ({why})\n"


def test_another_format_version_is_named_as_such(cli: Cli, write: Write, tmp_path: Path) -> None:
    plan = tmp_path / "p.json"
    plan.write_text('{"format_version": 2, "changes": []}')
    result = cli("show", str(plan))
    assert result.stderr == (
        f"error: plan file {plan} has format_version 2; this provisioner reads 1 "
        "(make the plan again with this version)\n"
    )


def test_a_saved_change_of_an_unknown_provider_is_not_live_state_changed(
    cli: Cli, sb: Any, write: Write, tmp_path: Path
) -> None:
    """Main refused it as "live state changed since the plan was made"."""
    from provisioner.core.plan import fingerprint

    d = write("s.yaml", GUIDE.replace("[6, 7, 10, 11, 12]", "[6, 7, 8, 10, 11, 12]"))
    out = tmp_path / "plan.json"
    assert cli("plan", str(d), "--out", str(out)).exit_code == 0
    data = json.loads(out.read_text())
    data["changes"][0]["provider"] = "guidebok"
    data["fingerprint"] = fingerprint(data["inputs_digest"], data["changes"])
    out.write_text(json.dumps(data))
    result = cli("apply", str(d), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: refusing to apply this plan, nothing was written:\n"
        "  update guide 47 'Sales Team': no service 'guidebok' is known (known: guidebook, "
        "planning_center)\n"
    ), result.stderr


def test_a_guide_that_is_not_premium_gets_no_api_key_hint(cli: Cli, sb: Any, write: Write) -> None:
    """Guide 48 is not Premium: publishing answers 403. Main added "(check GUIDEBOOK_API_KEY: is it
    the current key ...)" though the same key had just read and written the guide."""
    sb.store.add_guidebook_schedule(48, "Crew", [], [])
    attendee = sb.store.attendees(48)[0]["id"]
    session = sb.store.sessions(48)[0]["id"]
    d = write(
        "s.yaml",
        "provider: guidebook\nguide: 48\nprune: false\npublish: guide\nschedules:\n"
        f"  - {{name: Crew, attendees: [{attendee}], sessions: [{session}]}}\n",
    )
    result = cli("apply", str(d), "--auto-approve")
    assert result.exit_code == 1
    assert "GUIDEBOOK_API_KEY" not in result.output
    assert (
        "FAILED guide 48: post-apply step failed: Guidebook: POST "
        "/open-api/v1/guides/48/publish-personalized-schedules/ answered 403: The guide must be on "
        "a "
        "Premium service level and must already be published"
    ) in result.stdout


def test_a_bad_budget_of_an_account_names_the_suffixed_variable(
    cli: Cli, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUIDEBOOK_API_KEY_EAST", "k")
    monkeypatch.setenv("PROVISIONER_GUIDEBOOK_BUDGET_EAST", "lots")
    d = write("s.yaml", GUIDE.replace("guide: 47", "account: east\nguide: 47"))
    result = cli("plan", str(d))
    assert result.exit_code == 1
    assert result.stderr == (
        "error: account 'east' (Guidebook): PROVISIONER_GUIDEBOOK_BUDGET_EAST='lots' is not a "
        "whole "
        "number of requests per day — with `account: east` every variable takes the suffix _EAST\n"
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_proxy_that_cannot_be_reached_is_named_not_the_api_host(
    cli: Cli, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Main said "connection failed (ProxyError) talking to api.example.invalid:443"."""
    port = _closed_port()
    for name in ("https_proxy", "all_proxy", "ALL_PROXY", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GUIDEBOOK_API_URL", "https://api.example.invalid/open-api/v1/")
    monkeypatch.setenv("HTTPS_PROXY", f"http://user:pw@127.0.0.1:{port}")
    d = write("s.yaml", GUIDE)
    result = cli("plan", str(d))
    assert result.exit_code == 1
    assert (
        "error: Guidebook: GET /open-api/v1/personalized-schedules/ could not reach the proxy "
        f"127.0.0.1:{port} (from HTTPS_PROXY) on the way to api.example.invalid:443"
    ) in result.stderr, result.stderr
    assert "pw" not in result.output


def test_a_million_plain_values_is_not_called_a_yaml_bomb(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Main said "(a YAML bomb?)" for a file of a million plain values. The limit is lowered to 1000
    here (the same rule, in milliseconds: the real file took 3 s to parse)."""
    monkeypatch.setattr("provisioner.files.loader.MAX_NODES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("provider: guidebook\nguide: 47\nschedules:\n- " + "\n- ".join(["1"] * 1001))
    result = cli("validate", str(path))
    assert result.exit_code == 1
    assert "bomb" not in result.output
    assert (
        f"{path}:4:1: holds more than 1000 values; a file this large should be split "
        "(docs/scale.md, Large files)"
    ) in result.stderr, result.stderr[:500]


def test_alias_expansion_is_still_called_a_yaml_bomb(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("provisioner.files.loader.MAX_NODES", 1000)
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 4):
        lines.append(
            f"{'abcdefgh'[i]}: &{'abcdefgh'[i]} [" + ", ".join([f"*{'abcdefgh'[i - 1]}"] * 10) + "]"
        )
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    result = cli("validate", str(path))
    assert result.exit_code == 1
    assert "expands to more than 1000 values through anchors and aliases (a YAML bomb?)" in (
        result.stderr
    )


class _Header431:
    """A server that answers 431 with an HTML page to any request whose headers are too large."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_error(431, "Request Header Fields Too Large")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def header_431() -> Iterator[_Header431]:
    server = _Header431()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_a_100_kb_key_is_refused_before_any_request(
    cli: Cli, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Main sent it, and printed the server's raw 431 HTML page."""
    monkeypatch.setenv("GUIDEBOOK_API_KEY", "k" * 100_000)
    d = write("s.yaml", GUIDE)
    result = cli("plan", str(d))
    assert result.exit_code == 1
    assert result.stderr == (
        "error: GUIDEBOOK_API_KEY is 100000 characters long; an API key is far shorter (at most "
        "4096 "
        "here): check what the variable holds\n"
    )


def test_a_431_answer_is_words_not_an_html_page(
    cli: Cli, write: Write, monkeypatch: pytest.MonkeyPatch, header_431: _Header431
) -> None:
    monkeypatch.setenv("GUIDEBOOK_API_URL", header_431.url)
    d = write("s.yaml", GUIDE)
    result = cli("plan", str(d))
    assert result.exit_code == 1
    assert "<" not in result.stderr
    assert result.stderr.startswith(
        "error: Guidebook: GET /personalized-schedules/ answered 431: the request's headers are "
        "too "
        "large for the server (check GUIDEBOOK_API_KEY: only the key itself, of normal length?)"
    ), result.stderr


def test_import_planning_center_with_no_option_says_what_to_give(cli: Cli) -> None:
    none = cli("import", "planning-center")
    assert none.exit_code == 1
    assert none.stderr == (
        "error: give --service-type ID (optionally with --plan ID ... or --future) to import "
        "rosters, "
        "or --person ID to import a person's responses\n"
    )
    both = cli("import", "planning-center", "--service-type", "1", "--person", "2")
    assert both.exit_code == 1
    assert both.stderr == (
        "error: give --service-type ID (optionally with --plan ID ... or --future) or --person ID, "
        "not both\n"
    )


def test_validate_warns_about_case_only_twins(cli: Cli, write: Write) -> None:
    d = write("s.yaml", GUIDE + "  - {name: sales team, attendees: [8], sessions: [13]}\n")
    result = cli("validate", str(d))
    assert result.exit_code == 0
    assert result.stdout == "1 file valid.\n"
    assert result.stderr == (
        f"{d / 's.yaml'}:6:12: warning: schedule 'sales team' of guide 47 and 'Sales Team' "
        f"({d / 's.yaml'}:5) differ only in case; the service takes them as two names. Use one "
        "spelling.\n"
    )


def test_the_sandbox_refuses_a_json_object_as_a_faults_file(tmp_path: Path) -> None:
    """`{}` became "503 the next request"."""
    from provisioner_sandbox.errors import SandboxError
    from provisioner_sandbox.faults import Faults

    path = tmp_path / "faults.json"
    path.write_text("{}")
    with pytest.raises(SandboxError) as caught:
        Faults().load_file(str(path))
    assert str(caught.value) == (
        f"the faults file {path} must hold a JSON list of fault objects "
        '(e.g. [{"mode": "status", "status": 503}]), not an object'
    )


def test_sandbox_command_refuses_a_json_object_as_a_faults_file(tmp_path: Path) -> None:
    path = tmp_path / "faults.json"
    path.write_text('{"faults": []}')
    result = CliRunner().invoke(
        main, ["sandbox", "--port", "0", "--faults", str(path)], obj=FakeClock()
    )
    assert result.exit_code == 1
    assert "must hold a JSON list of fault objects" in result.output


# -- look-alikes (confusables)
# -------------------------------------------------------------------------------

CYRILLIC_SALES = "\u0405ales Team"  # the first letter is CYRILLIC CAPITAL LETTER DZE


def test_validate_warns_about_a_look_alike_of_a_declared_name(cli: Cli, write: Write) -> None:
    d = write("s.yaml", GUIDE + f"  - {{name: {CYRILLIC_SALES}, attendees: [8], sessions: [13]}}\n")
    result = cli("validate", str(d))
    assert result.exit_code == 0
    assert result.stderr == (
        f"{d / 's.yaml'}:6:12: warning: schedule '\u0405ales Team' of guide 47 and 'Sales Team' "
        f"({d / 's.yaml'}:5) look alike but are different characters ('\u0405' (U+0405 CYRILLIC "
        "CAPITAL LETTER DZE)); the service takes them as two names. Use one spelling.\n"
    )


def test_plan_warns_about_a_look_alike_of_a_live_name(cli: Cli, write: Write) -> None:
    """Main planned it as an identical-looking create, with no word."""
    d = write("s.yaml", GUIDE.replace("Sales Team", CYRILLIC_SALES))
    result = cli("plan", str(d), "--format", "json")
    assert result.exit_code == 0
    # (the look-alike also takes Sales Team's attendees: each is then on two schedules, warned
    # apart)
    warnings = json.loads(result.stdout)["warnings"]
    assert [w for w in warnings if "on 2 schedules after this plan" not in w] == [
        "guide 47: '\u0405ales Team' and 'Sales Team' look alike but are different characters "
        "('\u0405' (U+0405 CYRILLIC CAPITAL LETTER DZE)) (declared and live); they are two "
        "different "
        "names to the service. Use one spelling."
    ]


def test_skeletons_of_look_alikes() -> None:
    from provisioner.core.lookalike import how_alike, skeleton

    assert skeleton("Ѕаles\u200b Теаm") == "Sales Team"  # Cyrillic S, a, e, a; a zero-width space
    assert skeleton("Ｓａｌｅｓ Team") == "Sales Team"  # full-width letters
    assert skeleton("Workshop \u2013 A") == "Workshop - A"
    assert how_alike("Café", "Cafe") is None  # an accent is a different name, and looks it
    assert how_alike("Cafe\u0301", "Caf\u00e9") is None  # one name in two Unicode forms
    assert how_alike("Sales Team", "sales team") == "differ only in case"
    assert how_alike("Sales\u00a0Team", "Sales Team") == (
        "look alike but are different characters ('\\xa0' (U+00A0 NO-BREAK SPACE))"
    )
