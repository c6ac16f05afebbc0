"""Shared fixtures: a sandbox per test module, a fake clock, the CLI runner with sandbox
credentials, YAML writers."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provisioner.cli import main
from provisioner.core.clock import FakeClock
from provisioner_sandbox import SandboxServer
from provisioner_sandbox.readings import parse_assignments

# The sandbox's today: a week before the demo seed's first plan (Advent 2, 2026-12-06), so that its
# plans stay "future" for Planning Center's filters on whatever day the suite runs.
TODAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """One sandbox per test module. SANDBOX_READINGS="guidebook.body=form-only,pco.declined=hidden"
    starts it with other readings, to see which end-to-end tests depend on an undocumented API
    behaviour."""
    readings = parse_assignments(filter(None, os.environ.get("SANDBOX_READINGS", "").split(",")))
    with SandboxServer(seed="demo", readings=readings, today=TODAY) as server:
        yield server


@pytest.fixture
def sb(sandbox: SandboxServer) -> SandboxServer:
    """The module's sandbox, back to the demo seed and its starting readings, with an empty request
    log and no faults or hooks (reset does all of that)."""
    sandbox.reset("demo")
    return sandbox


def sandbox_env(sb: SandboxServer) -> dict[str, str]:
    return sb.client_env()


Cli = Callable[..., Result]


@pytest.fixture
def clock() -> FakeClock:
    """The time the CLI and clients wait on in a test: sleeps return at once and are recorded."""
    return FakeClock()


@pytest.fixture
def cli(sb: SandboxServer, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Survey the CLI as a user would, against the sandbox, on the fake ``clock``; stderr is kept
    apart from stdout."""
    for key, value in sandbox_env(sb).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NO_COLOR", "1")

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False, obj=clock)

    return run


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented YAML file under tmp_path/schedules and return the directory."""

    def put(name: str, text: str) -> Path:
        path = tmp_path / "schedules" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path.parent

    return put
