"""The command line as users and CI meet it: exit codes, saved plans, drift, safety, secrets."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from provisioner_sandbox import GUIDEBOOK_KEY, PCO_APP_ID, PCO_SECRET, SandboxServer
from tests.conftest import Cli

Write = Callable[[str, str], Path]
ONE = (
    "provider: guidebook\nguide: 47\nprune: false\nschedules:\n"
    "  - {name: Sales Team, attendees: [6], sessions: [13]}\n"
)


def writes(sb: SandboxServer) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in sb.requests() if r["method"] != "GET"]


def test_validate_exit_codes(cli: Cli, write: Write) -> None:
    d = write("ok.yaml", ONE)
    assert (cli("validate", str(d)).exit_code, cli("validate", str(d)).stdout) == (
        0,
        "1 file valid.\n",
    )
    write("bad.yaml", "provider: guidebook\n")
    result = cli("validate", str(d))
    assert result.exit_code == 1
    assert result.stderr.endswith("bad.yaml:1:1: missing required key `guide`\n1 error found.\n")


def test_validate_needs_no_credentials_or_network(
    cli: Cli, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GUIDEBOOK_API_KEY")
    monkeypatch.setenv("GUIDEBOOK_API_URL", "http://192.0.2.1/")
    assert cli("validate", str(write("ok.yaml", ONE))).exit_code == 0


def test_missing_key_is_one_clear_message(
    cli: Cli, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GUIDEBOOK_API_KEY")
    result = cli("plan", str(write("ok.yaml", ONE)))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: GUIDEBOOK_API_KEY is not set;")


@pytest.mark.parametrize(
    "url", ["http://example.com/open-api/v1/", "http://10.0.0.1:8080/", "ftp://127.0.0.1/"]
)
def test_cleartext_to_non_loopback_is_refused_before_any_request(
    cli: Cli, sb: SandboxServer, write: Write, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("GUIDEBOOK_API_URL", url)
    result = cli("plan", str(write("ok.yaml", ONE)))
    assert result.exit_code == 1
    assert f"GUIDEBOOK_API_URL={url!r} refused" in result.stderr
    assert sb.requests() == []


def test_detailed_exitcode_and_drift_codes(cli: Cli, sb: SandboxServer, write: Write) -> None:
    d = write("s.yaml", ONE)
    assert cli("plan", str(d)).exit_code == 0
    assert cli("plan", str(d), "--detailed-exitcode").exit_code == 2
    drift = cli("drift", str(d), "--format", "markdown")
    assert drift.exit_code == 2 and "Sales Team" in drift.stdout
    assert cli("apply", str(d), "--auto-approve").exit_code == 0
    assert cli("plan", str(d), "--detailed-exitcode").exit_code == 0
    in_sync = cli("drift", str(d))
    assert in_sync.exit_code == 0 and "No changes." in in_sync.stdout
    write(
        "bad.yaml",
        "provider: guidebook\nguide: 47\nschedules:\n  - {name: X, sessions: [{name: Nope}]}\n",
    )
    assert cli("drift", str(d)).exit_code == 1


def test_saved_plan_applies_exactly_and_only_once(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    d, out = write("s.yaml", ONE), tmp_path / "plan.json"
    result = cli("plan", str(d), "--out", str(out))
    assert result.exit_code == 0 and "Plan written to" in result.stderr
    saved = json.loads(out.read_text())
    assert saved["format_version"] == 1 and saved["summary"] == {
        "create": 0,
        "update": 1,
        "delete": 0,
    }
    assert saved["changes"][0]["before"]["sessions"] == [13, 14, 40]
    applied = cli("apply", str(d), "--plan", str(out), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert writes(sb) == [("PATCH", "/open-api/v1/personalized-schedules/1/")]
    sb.clear_requests()
    # The same plan again: live already holds what it writes, so it says so and writes nothing.
    again = cli("apply", str(d), "--plan", str(out), "--auto-approve")
    assert again.exit_code == 0
    assert again.stderr == "The saved plan is already applied: live state holds its 1 change.\n"
    assert writes(sb) == []


def test_stale_plan_after_someone_edits_live_is_refused(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    d, out = write("s.yaml", ONE), tmp_path / "plan.json"
    assert cli("plan", str(d), "--out", str(out)).exit_code == 0
    sb.store.add_guidebook_schedule(47, "Sneaky", [6], [13])  # other scope objects: fine
    sb.store.set_schedule_links(1, sessions=[13, 14])
    sb.clear_requests()
    result = cli("apply", str(d), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert "'Sales Team': live state changed since the plan was made" in result.stderr
    assert writes(sb) == []


def test_plan_from_other_yaml_or_edited_file_is_refused(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    d, out = write("s.yaml", ONE), tmp_path / "plan.json"
    assert cli("plan", str(d), "--out", str(out)).exit_code == 0
    write("s.yaml", ONE.replace("[13]", "[13, 14]"))
    result = cli("apply", str(d), "--plan", str(out), "--auto-approve")
    assert (
        result.exit_code == 1
        and "the YAML on disk differs from the YAML the plan was made from" in result.stderr
    )
    assert (
        "(edited since, or not the paths given to plan); give apply the same paths as plan, or "
        "make a new plan" in result.stderr
    )
    data = json.loads(out.read_text())
    data["changes"][0]["after"]["sessions"] = [1]
    out.write_text(json.dumps(data))
    result = cli("apply", str(d), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1 and "fingerprint mismatch" in result.stderr
    out.write_text("{not json")
    assert (
        "cannot read plan file" in cli("apply", str(d), "--plan", str(out), "--auto-approve").stderr
    )
    assert writes(sb) == []


def _everything_but(keep: int, sb: SandboxServer) -> str:
    rows = sb.store.guidebook_schedules(47)[:keep]
    return "provider: guidebook\nguide: 47\nschedules:\n" + "".join(
        f"  - {{name: {s['name']}, attendees: {s['attendees']}, sessions: {s['sessions']}}}\n"
        for s in rows
    )


def test_mass_delete_is_flagged_by_plan_and_refused_by_apply_without_force(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    d = write("s.yaml", _everything_but(8, sb))  # deletes 4 of 12 = 33% > 30%
    plan = cli("plan", str(d))
    assert plan.exit_code == 0
    assert (
        "UNSAFE: guide 47: would delete 4 of 12 live objects (33%), more than the 30% allowed"
        in plan.stdout
    )
    refused = cli("apply", str(d), "--auto-approve")
    assert refused.exit_code == 1
    assert (
        "refusing to apply: guide 47: would delete 4 of 12" in refused.stderr
        and "--force" in refused.stderr
    )
    assert writes(sb) == []
    forced = cli("apply", str(d), "--auto-approve", "--force")
    assert forced.exit_code == 0 and len(writes(sb)) == 4


def test_threshold_per_file(cli: Cli, sb: SandboxServer, write: Write) -> None:
    body = _everything_but(8, sb).replace(
        "schedules:\n", "safety: {max_delete_percent: 40}\nschedules:\n", 1
    )
    assert cli("apply", str(write("s.yaml", body)), "--auto-approve").exit_code == 0


def test_protect_blocks_deletes_without_force(cli: Cli, sb: SandboxServer, write: Write) -> None:
    rows = [s for s in sb.store.guidebook_schedules(47) if s["name"] != "VIP Speakers"]
    body = "provider: guidebook\nguide: 47\nprotect: ['VIP*']\nschedules:\n" + "".join(
        f"  - {{name: {s['name']}, attendees: {s['attendees']}, sessions: {s['sessions']}}}\n"
        for s in rows
    )
    result = cli("apply", str(write("s.yaml", body)), "--auto-approve")
    assert result.exit_code == 1 and "'VIP Speakers' is protected" in result.stderr
    assert writes(sb) == []


def test_deleting_everything_needs_force_even_in_a_small_scope(
    cli: Cli, sb: SandboxServer, write: Write
) -> None:
    result = cli(
        "apply",
        str(write("s.yaml", "provider: guidebook\nguide: 48\nschedules: []\n")),
        "--auto-approve",
    )
    assert result.exit_code == 1 and "guide 48: would delete all 2 live objects" in result.stderr


def test_removed_file_means_unmanaged_not_pruned(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    write("pco.yaml", "provider: planning_center\nperson: 111\nresponses: []\n")
    result = cli("plan", str(tmp_path / "schedules"), "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["changes"] == []
    assert not any("open-api" in r["path"] for r in sb.requests())


def test_secrets_never_appear_in_output_logs_or_plan_files(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    write(
        "pco.yaml",
        "provider: planning_center\nperson: 111\nresponses:\n  - {plan: 5678, response: "
        "accepted}\n",
    )
    d, out = write("s.yaml", ONE), tmp_path / "plan.json"
    sb.add_fault(method="GET", path=".*", status=503, times=1)  # errors are logged too
    rec = tmp_path / "rec"
    results = [
        cli("-vv", "plan", str(d), "--out", str(out), "--record", str(rec)),
        cli("-vv", "apply", str(d), "--auto-approve", "--record", str(rec)),
        cli("-vv", "drift", str(d), "--format", "json", "--record", str(rec)),
        cli("-vv", "doctor", str(d), "--format", "json", "--record", str(rec)),
    ]
    texts = (
        [r.stdout + r.stderr for r in results]
        + [out.read_text()]
        + [p.read_text() for p in rec.iterdir()]
    )
    assert len(texts) > 20  # the recordings are among them
    # the raw values, and the forms they travel in: HTTP Basic's base64 of "id:secret", the JWT
    # header
    basic = base64.b64encode(f"{PCO_APP_ID}:{PCO_SECRET}".encode()).decode()
    for secret in (GUIDEBOOK_KEY, PCO_SECRET, basic, basic[:16], "JWT ", "Basic "):
        assert not [t for t in texts if secret in t], secret
    # the debug log (stderr with -vv) did record the requests and the retried error
    assert "GET /open-api/v1/personalized-schedules/ -> 200" in results[0].stderr
    assert "answered 503" in results[0].stderr


def test_schema_command_prints_json_schema(cli: Cli) -> None:
    result = cli("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["$schema"] == "http://json-schema.org/draft-07/schema#"


@pytest.mark.parametrize(
    "content",
    [
        "[]",
        '{"format_version": 1, "changes": [1, 2]}',
        '{"format_version": 1, "changes": [{"action": "update"}]}',
    ],
)
def test_malformed_plan_files_are_refused_clearly(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path, content: str
) -> None:
    (tmp_path / "plan.json").write_text(content)
    result = cli(
        "apply", str(write("s.yaml", ONE)), "--plan", str(tmp_path / "plan.json"), "--auto-approve"
    )
    assert result.exit_code == 1 and "not a provisioner plan file" in result.stderr
    assert "Traceback" not in result.output and writes(sb) == []


def test_unwritable_plan_out_is_one_clear_error(cli: Cli, write: Write, tmp_path: Path) -> None:
    result = cli(
        "plan", str(write("s.yaml", ONE)), "--out", str(tmp_path / "missing" / "plan.json")
    )
    assert result.exit_code == 1 and "error: cannot write the plan file" in result.stderr


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_bad_timeout_is_a_config_error(
    cli: Cli, write: Write, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PROVISIONER_TIMEOUT", value)
    result = cli("plan", str(write("s.yaml", ONE)))
    assert (
        result.exit_code == 1
        and "PROVISIONER_TIMEOUT" in result.stderr
        and "Traceback" not in result.output
    )


def test_unsafe_plan_is_refused_before_asking(cli: Cli, sb: SandboxServer, write: Write) -> None:
    result = cli(
        "apply",
        str(write("s.yaml", "provider: guidebook\nguide: 48\nschedules: []\n")),
        input="y\n",
    )
    assert result.exit_code == 1
    assert "refusing to apply: guide 48: would delete all 2 live objects" in result.stderr
    assert "Apply these changes?" not in result.output and writes(sb) == []


def test_saved_plan_does_not_depend_on_the_directory_or_path_spelling(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = write("s.yaml", ONE)
    assert cli("plan", str(d), "--out", str(tmp_path / "plan.json")).exit_code == 0
    monkeypatch.chdir(d)
    result = cli("apply", "s.yaml", "--plan", str(tmp_path / "plan.json"), "--auto-approve")
    assert result.exit_code == 0, result.output


def test_ctrl_c_summary_tells_skipped_from_not_started(capsys: pytest.CaptureFixture[str]) -> None:
    """Measured today: a change skipped as stale before Ctrl-C was counted as "not started"."""
    from provisioner.cli.common import interrupted
    from provisioner.core.outcomes import NOT_STARTED, ApplyReport, Outcome
    from provisioner.core.plan import Change

    def change(key: str) -> Change:
        return Change(
            action="create", provider="guidebook", scope="guide 47", key=key, fields={}, reason=""
        )

    report = ApplyReport(
        outcomes=[
            Outcome(change("a"), "applied"),
            Outcome(change("b"), "skipped", "stale: b"),
            Outcome(change("c"), "skipped", NOT_STARTED),
        ]
    )
    with pytest.raises(SystemExit) as exit_:
        interrupted(report)
    assert exit_.value.code == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        "interrupted: 1 applied, 0 failed, 1 skipped, 1 not started. Re-running apply converges "
        "(it plans again "
        "from live state)."
    )
