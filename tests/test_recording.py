"""``--record DIR``: one JSON file per exchange, secrets removed; a recorded directory replays
through the client."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from provisioner.transport.recording import clean_url, load
from provisioner_sandbox import GUIDEBOOK_KEY, PCO_SECRET, SandboxServer
from tests.conftest import Cli
from tests.helpers import on_team, roster_yaml
from tests.replay import ReplayServer

Write = Callable[[str, str], Path]
FILES = {
    "g.yaml": """
        provider: guidebook
        guide: 47
        prune: false
        schedules:
          - name: Sales Team
            attendees: [6, 7, 10, 11, 8]
            sessions: [13, 15, 40]
    """,
    "r.yaml": roster_yaml(5678, [on_team(111, 22, position="Keys")], prune=False),
}


def files(write: Write) -> Path:
    """Both files in one directory; returns it."""
    return [write(name, text) for name, text in FILES.items()][-1]


def test_plan_record_writes_one_file_per_exchange_without_secrets(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    d = files(write)
    out = tmp_path / "rec"
    result = cli("plan", "--format", "json", "--record", str(out), str(d))
    assert result.exit_code == 0, result.output
    exchanges = load(out)
    assert len(exchanges) == len(sb.requests()) == 2
    assert sorted(
        (e["method"], e["url"].split("?")[0].removeprefix(sb.url), e["status"]) for e in exchanges
    ) == [
        ("GET", "open-api/v1/personalized-schedules/", 200),
        ("GET", "services/v2/service_types/1234/plans/5678/team_members", 200),
    ]
    raw = "".join(p.read_text(encoding="utf-8") for p in out.iterdir())
    assert (
        GUIDEBOOK_KEY not in raw
        and PCO_SECRET not in raw
        and "Basic " not in raw
        and "JWT " not in raw
    )
    for e in exchanges:
        assert not {h.lower() for h in e["request"]["headers"]} & {"authorization", "cookie"}
        assert isinstance(e["body"], dict) and e["headers"]["Content-Type"]
    assert sorted(p.name for p in out.iterdir())[0].startswith("0001-GET-")


def test_a_recorded_directory_replays_through_the_client(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = files(write)
    out = tmp_path / "rec"
    live = cli("plan", "--format", "json", "--record", str(out), str(d))
    assert live.exit_code == 0, live.output
    with ReplayServer(out) as replay:
        monkeypatch.setenv("GUIDEBOOK_API_URL", replay.url + "open-api/v1/")
        monkeypatch.setenv("PCO_API_URL", replay.url)
        replayed = cli("plan", "--format", "json", str(d))
    assert replayed.exit_code == 0, replayed.output
    assert replay.unmatched == []
    assert json.loads(replayed.stdout)["changes"] == json.loads(live.stdout)["changes"]


def test_apply_record_keeps_the_write_bodies(
    cli: Cli, sb: SandboxServer, write: Write, tmp_path: Path
) -> None:
    d = files(write)
    out = tmp_path / "rec"
    assert cli("apply", "--auto-approve", "--record", str(out), str(d)).exit_code == 0
    patches = [e for e in load(out) if e["method"] == "PATCH"]
    assert sorted(e["request"]["body"] and next(iter(e["request"]["body"])) for e in patches) == [
        "attendees",
        "data",
    ]


def test_urls_lose_user_info_and_credential_parameters() -> None:
    assert clean_url(
        "https://ann:pw@api.example.com:8443/v2/x?api_key=s3&page=2&access_token=t&where[id]=1"
    ) == (
        "https://api.example.com:8443/v2/x?api_key=%28removed%29&page=2&access_token=%28removed%29&where[id]=1"
    )


def test_record_into_an_unwritable_place_is_one_clear_error(
    cli: Cli, write: Write, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    d = files(write)
    result = cli("plan", "--record", str(blocker / "sub"), str(d))
    assert result.exit_code == 1 and "cannot create the directory" in result.stderr
    assert "Traceback" not in result.output
