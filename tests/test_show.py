"""`provisioner show PLANFILE`: a saved plan rendered offline, byte for byte what `plan` (or
`drift`) printed for it, without credentials and without a request; one line and exit 1 for a file
that is not a plan."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner_sandbox import SandboxServer
from tests.conftest import Cli, sandbox_env
from tests.test_review_path import pr  # noqa: F401  (a fixture)
from tests.test_targeting import GUIDE_48, ROSTERS

Write = Callable[[str, str], Path]


def offline(*args: str, monkeypatch: pytest.MonkeyPatch, sb: SandboxServer) -> tuple[int, str, str]:
    """`provisioner show ...` with no credential in the environment; it must send no request."""
    for name in sandbox_env(sb):
        monkeypatch.delenv(name, raising=False)
    sb.clear_requests()
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert sb.requests() == []
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", ["markdown", "text", "json"])
def test_show_prints_what_plan_printed_with_causes_names_and_impact(
    cli: Cli,
    pr: Path,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
    fmt: str,
    monkeypatch: pytest.MonkeyPatch,
    sb: SandboxServer,
) -> None:
    out = tmp_path / "plan.json"
    made = cli("plan", str(pr), "--base", "base", "--format", fmt, "--out", str(out))
    assert made.exit_code == 0, made.stderr
    assert "Sales Team" in made.stdout and "VIP Speakers" in made.stdout
    if fmt != "json":
        assert (
            "alice" in made.stdout and "example.com" in made.stdout
        )  # names, read from live when the plan was made
    assert offline("show", str(out), "--format", fmt, monkeypatch=monkeypatch, sb=sb) == (
        0,
        made.stdout,
        "",
    )


def test_show_keeps_the_note_of_a_targeted_plan_and_the_title_of_drift(
    cli: Cli,
    write: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sb: SandboxServer,
) -> None:
    d = write("partner.yaml", GUIDE_48)
    write("sunday.yaml", ROSTERS)
    plan_file, drift_file = tmp_path / "plan.json", tmp_path / "drift.json"
    plan = cli(
        "plan", str(d), "--target", "guide:48", "--format", "markdown", "--out", str(plan_file)
    )
    assert "Other scopes were not read." in plan.stdout
    drift = cli("drift", str(d), "--format", "markdown", "--out", str(drift_file))
    assert drift.exit_code == 2 and "### provisioner drift" in drift.stdout
    assert json.loads(drift_file.read_text())["command"] == "drift"
    got = [
        offline("show", str(f), "--format", "markdown", monkeypatch=monkeypatch, sb=sb)
        for f in (plan_file, drift_file)
    ]
    assert got == [(0, plan.stdout, ""), (0, drift.stdout, "")]


def test_show_without_format_is_the_text_plan(
    cli: Cli,
    pr: Path,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    out = tmp_path / "plan.json"
    text = cli("plan", str(pr), "--out", str(out)).stdout
    assert cli("show", str(out)).stdout == text


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "error: cannot read plan file {f}: cannot read: No such file or directory\n"),
        ("not json", "error: {f} is not a provisioner plan file (not JSON)\n"),
        (
            '["a", "list"]',
            "error: {f} is not a provisioner plan file (a JSON list, not an object)\n",
        ),
        (  # issue 23: it said "format_version None"
            '{"changes": []}',
            "error: {f} is not a provisioner plan file (it has no `format_version`)\n",
        ),
        (  # issue 23: it said "(TypeError: Change.__init__() missing 5 required positional ...)"
            '{"format_version": 1, "changes": [{"action": "update"}]}',
            "error: {f} is not a provisioner plan file (change 1 has no `provider`)\n",
        ),
    ],
)
def test_a_file_that_is_not_a_plan_is_one_line_and_exit_1(
    tmp_path: Path,
    content: str | None,
    said: str,
    monkeypatch: pytest.MonkeyPatch,
    sb: SandboxServer,
) -> None:
    f = tmp_path / "plan.json"
    if content is not None:
        f.write_text(content)
    assert offline("show", str(f), monkeypatch=monkeypatch, sb=sb) == (1, "", said.format(f=f))


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("command", ["plan", "drift"])
@pytest.mark.parametrize("fmt", ["markdown", "text", "json"])
def test_show_of_the_example_schedules_is_byte_for_byte_what_was_printed(
    cli: Cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sb: SandboxServer,
    fmt: str,
    command: str,
) -> None:
    """The examples hold updates of several fields at once (a response and its reason, a position
    and a status): a plan file keeps each change as key-sorted JSON, and show still prints them in
    plan's order."""
    out = tmp_path / "saved.json"
    made = cli(command, str(ROOT / "schedules"), "--format", fmt, "--out", str(out))
    assert made.exit_code == (0 if command == "plan" else 2), made.stderr
    assert "reason" in made.stdout and "response" in made.stdout
    assert offline("show", str(out), "--format", fmt, monkeypatch=monkeypatch, sb=sb) == (
        0,
        made.stdout,
        "",
    )
