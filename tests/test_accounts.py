"""`account: NAME` (README: several accounts): per-account credentials, scopes and daily budgets,
through the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from provisioner_sandbox import GUIDEBOOK_KEY, PCO_APP_ID, PCO_SECRET, SandboxServer
from tests.conftest import Cli

Write = Callable[[str, str], Path]
SALES = """
    provider: guidebook
    {account}guide: 47
    prune: false
    schedules:
      - name: Sales Team
        attendees: [6, 7, 10, 11, 12, 8]
        sessions: [13, 14, 40]
"""
JANE = """
    provider: planning_center
    account: east
    person: 111
    responses:
      - plan: 5679
        response: accepted
"""


@pytest.fixture
def east(sb: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Account `east` has its own variables; the plain ones are unset, so nothing can fall back to
    them."""
    for name, value in {
        "GUIDEBOOK_API_KEY_EAST": GUIDEBOOK_KEY,
        "GUIDEBOOK_API_URL_EAST": sb.guidebook_url,
        "PCO_APPLICATION_ID_EAST": PCO_APP_ID,
        "PCO_SECRET_EAST": PCO_SECRET,
        "PCO_API_URL_EAST": sb.pco_url,
    }.items():
        monkeypatch.setenv(name, value)


def test_same_guide_in_two_accounts_is_two_scopes(
    cli: Cli, sb: SandboxServer, write: Write, east: None
) -> None:
    write("default.yaml", SALES.format(account=""))
    d = write("east.yaml", SALES.format(account="account: east\n    "))
    result = cli("plan", "--format", "json", str(d))
    assert result.exit_code == 0, (
        result.output
    )  # the same schedule name twice is no duplicate across accounts
    changes = json.loads(result.stdout)["changes"]
    assert [(c["scope"], c.get("account"), c["key"]) for c in changes] == [
        ("east/guide 47", "east", "Sales Team"),
        ("guide 47", None, "Sales Team"),
    ]
    assert "\nSummit 2026 (guide 47)\n" in cli("plan", str(d)).stdout
    assert cli("plan", str(d)).stdout.startswith("Summit 2026 (east/guide 47)\n")


def test_an_account_reads_only_its_suffixed_variables(
    cli: Cli, sb: SandboxServer, write: Write, east: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = write("jane.yaml", JANE)
    for name in ("GUIDEBOOK_API_KEY", "PCO_APPLICATION_ID", "PCO_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert cli("apply", "--auto-approve", str(d)).exit_code == 0
    assert cli("plan", "--detailed-exitcode", str(d)).exit_code == 0
    monkeypatch.delenv("PCO_SECRET_EAST")
    monkeypatch.setenv("PCO_SECRET", PCO_SECRET)  # the plain variable is never used for an account
    result = cli("plan", str(d))
    assert result.exit_code == 1
    assert (
        "error: account 'east' (Planning Center): Planning Center credentials are incomplete "
        "(PCO_SECRET_EAST not set)" in result.stderr
    )
    assert "with `account: east` every variable takes the suffix _EAST" in result.stderr


def test_daily_budgets_are_per_account(
    cli: Cli, sb: SandboxServer, write: Write, east: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("default.yaml", SALES.format(account=""))
    d = write("east.yaml", SALES.format(account="account: east\n    "))
    monkeypatch.setenv("PROVISIONER_GUIDEBOOK_BUDGET_EAST", "2")
    result = cli("apply", "--auto-approve", str(d))
    assert result.exit_code == 1
    assert "This apply will use about 6 Guidebook requests (budget 10000/day)." in result.stderr
    assert "This apply will use about 6 Guidebook (east) requests (budget 2/day)." in result.stderr
    assert (
        "refusing to apply: about 6 Guidebook (east) requests is more than the budget of 2 a day "
        "(PROVISIONER_GUIDEBOOK_BUDGET_EAST)"
    ) in result.stderr
    assert [r for r in sb.requests() if r["method"] != "GET"] == []


def test_doctor_checks_each_account(
    cli: Cli, sb: SandboxServer, write: Write, east: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("default.yaml", SALES.format(account=""))
    d = write("east.yaml", SALES.format(account="account: east\n    "))
    monkeypatch.setenv("GUIDEBOOK_API_KEY", "wrong")
    result = cli("doctor", str(d))
    assert result.exit_code == 1
    assert (
        "Guidebook         credentials         problem  the API key was refused (401)"
        in result.stdout
    )
    assert "Guidebook (east)  guide 47            ok" in result.stdout


def test_an_account_name_must_fit_a_variable_suffix(cli: Cli, write: Write) -> None:
    result = cli("validate", str(write("bad.yaml", SALES.format(account="account: east-1\n    "))))
    assert result.exit_code == 1
    assert "an account is a name of letters, digits and _ starting with a letter" in result.stderr


def test_a_target_names_an_account(cli: Cli, sb: SandboxServer, write: Write, east: None) -> None:
    write("default.yaml", SALES.format(account=""))
    d = write("east.yaml", SALES.format(account="account: east\n    "))
    result = cli("plan", "--format", "json", "--target", "east/guide:47", str(d))
    assert result.exit_code == 0, result.output
    assert {c["scope"] for c in json.loads(result.stdout)["changes"]} == {"east/guide 47"}


def test_import_for_an_account_writes_it_and_plans_empty(
    cli: Cli, sb: SandboxServer, east: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GUIDEBOOK_API_KEY")  # only the account's variables are read
    out = tmp_path / "east.yaml"
    done = cli("import", "guidebook", "--guide", "47", "--account", "east", "-o", str(out))
    assert done.exit_code == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith(
        "provider: guidebook\naccount: east\nguide: 47"
    )
    assert cli("plan", "--detailed-exitcode", str(out)).exit_code == 0
    monkeypatch.setenv("GUIDEBOOK_API_KEY", GUIDEBOOK_KEY)
    again = cli(
        "import", "guidebook", "--guide", "47", "-o", str(out)
    )  # the default account's import
    assert again.exit_code == 1
    assert "cannot merge into this file: it is for account 'east', not '(default)'" in again.stderr
    assert (
        "provider: planning_center\naccount: east\nperson: Jane Doe  # person 111"
        in cli("import", "planning-center", "--person", "111", "--account", "east").stdout
    )


def test_a_refused_account_key_names_the_account_s_variable(
    cli: Cli, sb: SandboxServer, write: Write, east: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Measured: a 401 for `account: east` said "check GUIDEBOOK_API_KEY", the default account's
    (correct) key."""
    d = write("east.yaml", SALES.format(account="account: east\n    "))
    write("jane.yaml", JANE)
    monkeypatch.setenv("GUIDEBOOK_API_KEY_EAST", "wrong")
    monkeypatch.setenv("PCO_SECRET_EAST", "wrong")
    guide = cli("plan", str(d), "--target", "east/guide:47")
    assert guide.exit_code == 1
    assert (
        "answered 401: Invalid signature. (check GUIDEBOOK_API_KEY_EAST: is it" in guide.stderr
    ), guide.stderr
    person = cli("plan", str(d), "--target", "east/person:111")
    assert person.exit_code == 1
    assert "(check PCO_APPLICATION_ID_EAST and PCO_SECRET_EAST: are they" in person.stderr, (
        person.stderr
    )
    doctor = cli("doctor", str(d))
    assert doctor.exit_code == 1
    assert "→ check GUIDEBOOK_API_KEY_EAST (Builder" in doctor.stdout, doctor.stdout
    assert (
        "→ check PCO_APPLICATION_ID_EAST / PCO_SECRET_EAST, or PCO_ACCESS_TOKEN_EAST"
        in doctor.stdout
    )
    monkeypatch.setenv("GUIDEBOOK_API_KEY_EAST", "x\u200by")
    assert "GUIDEBOOK_API_KEY_EAST contains U+200B" in cli("plan", str(d)).stderr
