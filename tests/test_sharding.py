"""docs/scale.md's sharding recipe, through the CLI against the sandbox: one shard per account, each
given its account's folder and `--changed-since`, with only that account's credentials. A shard
reads nothing when the change is another account's; `--target` is no way to shard a
`--changed-since` run, since the two add up."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from provisioner_sandbox import GUIDEBOOK_KEY, SandboxServer
from tests.conftest import Cli
from tests.test_targeting import git

Write = Callable[[str, str], Path]
SALES = """
    provider: guidebook
    account: {account}
    guide: 47
    prune: false
    schedules:
      - name: Sales Team
        attendees: [6, 7, 10, 11, 12{extra}]
        sessions: [13, 14, 40]
"""


@pytest.fixture
def shards(write: Write, monkeypatch: pytest.MonkeyPatch) -> Path:
    """schedules/east/ and schedules/west/ committed as `base`, then west's file edited; the test
    runs in the repo."""
    for account in ("east", "west"):
        write(f"{account}/sales.yaml", SALES.format(account=account, extra=""))
    root = write("west/sales.yaml", SALES.format(account="west", extra="")).parent.parent
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    git(root, "tag", "base")
    write("west/sales.yaml", SALES.format(account="west", extra=", 8"))
    monkeypatch.chdir(root)
    return root


def only_account(monkeypatch: pytest.MonkeyPatch, sb: SandboxServer, account: str) -> None:
    """The shard's job sees its own account's secrets and no other's."""
    for name in ("east", "west"):
        suffix = "_" + name.upper()
        if name == account:
            monkeypatch.setenv("GUIDEBOOK_API_KEY" + suffix, GUIDEBOOK_KEY)
            monkeypatch.setenv("GUIDEBOOK_API_URL" + suffix, sb.guidebook_url)
        else:
            monkeypatch.delenv("GUIDEBOOK_API_KEY" + suffix, raising=False)
            monkeypatch.delenv("GUIDEBOOK_API_URL" + suffix, raising=False)


def test_a_shard_per_account_folder_plans_only_its_own_changes(
    cli: Cli, sb: SandboxServer, shards: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_account(monkeypatch, sb, "east")
    east = cli("plan", "schedules/east", "--changed-since", "base", "--detailed-exitcode")
    assert (east.exit_code, sb.requests()) == (0, [])
    assert "Planned 0 scopes (changed since base): none." in east.stderr

    only_account(monkeypatch, sb, "west")
    west = cli("plan", "schedules/west", "--changed-since", "base", "--detailed-exitcode")
    assert west.exit_code == 2, west.output
    assert "Planned 1 scope (changed since base): west/guide 47." in west.stderr
    assert "Plan: 0 to create, 1 to update, 0 to delete." in west.stdout


def test_a_target_does_not_narrow_changed_since(
    cli: Cli, sb: SandboxServer, shards: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What scale.md once showed: east's shard as `--target east/guide:47 --changed-since` also
    takes west's change (the two add up), so it needs west's secrets and would write to west outside
    west's concurrency group."""
    only_account(monkeypatch, sb, "east")
    result = cli("plan", "schedules", "--target", "east/guide:47", "--changed-since", "base")
    assert result.exit_code == 1
    assert "account 'west'" in result.stderr and "GUIDEBOOK_API_KEY" in result.stderr
