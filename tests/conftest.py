"""Shared fixtures: a sandbox per test module, the CLI runner with sandbox credentials, YAML writers."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provisioner.cli import main


@pytest.fixture(scope="module")
def sandbox() -> Iterator[object]:
    from provisioner.sandbox import SandboxServer

    with SandboxServer(seed="demo") as sb:
        yield sb


@pytest.fixture
def sb(sandbox: object) -> Iterator[object]:
    """The module's sandbox, reset to the demo seed with an empty request log and no faults."""
    sandbox.reset("demo")  # type: ignore[attr-defined]
    sandbox.clear_faults()  # type: ignore[attr-defined]
    sandbox.clear_requests()  # type: ignore[attr-defined]
    yield sandbox


def sandbox_env(sb: object) -> dict[str, str]:
    from provisioner.sandbox import GUIDEBOOK_KEY, PCO_APP_ID, PCO_SECRET

    return {"GUIDEBOOK_API_KEY": GUIDEBOOK_KEY, "GUIDEBOOK_API_URL": sb.guidebook_url,  # type: ignore[attr-defined]
            "PCO_APPLICATION_ID": PCO_APP_ID, "PCO_SECRET": PCO_SECRET,
            "PCO_API_URL": sb.pco_url, "PCO_ACCESS_TOKEN": ""}  # type: ignore[attr-defined]


Cli = Callable[..., Result]


@pytest.fixture
def cli(sb: object, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run the CLI as a user would, against the sandbox; stderr is kept apart from stdout."""
    for key, value in sandbox_env(sb).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NO_COLOR", "1")

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

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
