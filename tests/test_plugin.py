"""A third service added from outside the package: registered at run time, with an in-memory
backend, and driven through the CLI (validate, plan, apply, drift, schema) without any change to the
provisioner package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
from click.testing import CliRunner, Result
from pydantic import Field

from provisioner.cli import main
from provisioner.core.clock import SYSTEM, Clock
from provisioner.core.errors import Diagnostic
from provisioner.core.records import Change, Loaded, Record, Scope, add_live
from provisioner.files.fields import IntId, Strict, Text
from provisioner.providers import registry
from provisioner.providers.base import Claim, Provider, Service


class Item(Strict):
    name: Text
    colour: Text | None = None


class ToyFile(Strict):
    provider: Literal["toy"]
    shelf: IntId
    items: list[Item] = Field(default_factory=list)


class Backend:
    """The toy service's live state: shelf -> id -> (name, colour)."""

    def __init__(self) -> None:
        self.shelves: dict[int, dict[int, tuple[str, str | None]]] = {}
        self.next_id = 1
        self.writes: list[tuple[str, int]] = []


class ToyProvider(Provider):
    name = "toy"
    title = "Toy"

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def scopes(self, files: Sequence[Loaded]) -> list[Scope]:
        out: dict[int, Scope] = {}
        for item in files:
            doc = item.doc
            if isinstance(doc, ToyFile):
                scope = out.setdefault(
                    doc.shelf, Scope(self.name, f"shelf {doc.shelf}", {"shelf": doc.shelf})
                )
                scope.items += [(item, ("items", i), it) for i, it in enumerate(doc.items)]
        return list(out.values())

    def read(self, scope: Scope) -> dict[str, Record]:
        records: dict[str, Record] = {}
        for rid, (name, colour) in sorted(
            self.backend.shelves.get(scope.target["shelf"], {}).items()
        ):
            add_live(records, Record(name, {"colour": colour}, id=rid, identity={"name": name}))
        return records

    def desired(
        self, scope: Scope, live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]:
        return {
            it.name: Record(
                it.name,
                {"colour": it.colour} if it.colour else {},
                source=item.where(*loc),
                identity={"name": it.name},
            )
            for item, loc, it in scope.items
        }

    def apply(self, change: Change) -> None:
        shelf = self.backend.shelves.setdefault(change.target["shelf"], {})
        if change.action == "create":
            shelf[self.backend.next_id] = (
                change.identity["name"],
                (change.after or {}).get("colour"),
            )
            self.backend.next_id += 1
        elif change.action == "update":
            shelf[int(change.live_id or 0)] = (
                change.identity["name"],
                (change.after or {}).get("colour"),
            )
        else:
            del shelf[int(change.live_id or 0)]
        self.backend.writes.append((change.action, change.target["shelf"]))


class ToyService(Service):
    name = "toy"
    title = "Toy"
    describe = "items on a toy shelf"
    env_vars: ClassVar[tuple[tuple[str, str], ...]] = (("TOY_TOKEN", "token of the toy service"),)

    def __init__(self) -> None:
        self.backend = Backend()

    def file_models(self) -> Sequence[type[Strict]]:
        return (ToyFile,)

    def provider(self, env: Mapping[str, str], *, clock: Clock = SYSTEM) -> Provider:
        return ToyProvider(self.backend)

    def checks(self, files: Sequence[Loaded], claim: Claim) -> list[Diagnostic]:
        for item in files:
            assert isinstance(item.doc, ToyFile)
            for i, it in enumerate(item.doc.items):
                claim(
                    ("toy", item.doc.shelf, it.name),
                    item,
                    ("items", i, "name"),
                    f"item {it.name!r}",
                )
        return []

    def impact_lines(
        self, changes: Sequence[Change], exact: list[dict[str, Any]] | None
    ) -> list[str]:
        return [f"{c.key}: {c.action}d" for c in changes]


@pytest.fixture
def toy() -> Iterator[ToyService]:
    service = ToyService()
    registry.register(service)
    yield service
    registry.unregister("toy")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def shelf_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "schedules" / "toys.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def test_a_registered_service_runs_validate_plan_apply_drift_through_the_cli(
    toy: ToyService, tmp_path: Path
) -> None:
    toy.backend.shelves[3] = {1: ("Ball", "red"), 2: ("Kite", None)}
    toy.backend.next_id = 3
    path = shelf_file(
        tmp_path,
        """
        provider: toy
        shelf: 3
        items:
          - name: Ball
            colour: blue
          - name: Train
    """,
    )
    assert run("validate", str(path)).output == "1 file valid.\n"
    plan = run("plan", str(path), "--format", "json")
    assert plan.exit_code == 0
    changes = json.loads(plan.output)["changes"]
    assert [(c["action"], c["key"], c["fields"]) for c in changes] == [
        ("delete", "Kite", {}),
        ("update", "Ball", {"colour": {"from": "red", "to": "blue"}}),
        ("create", "Train", {}),
    ]
    text = run("plan", str(path))
    assert "Plan: 1 to create, 1 to update, 1 to delete." in text.output
    assert "Train: created" in text.output  # the service's own impact wording
    applied = run("apply", str(path), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Applied 3, failed 0, skipped 0." in applied.output
    assert toy.backend.shelves[3] == {1: ("Ball", "blue"), 3: ("Train", None)}
    drift = run("drift", str(path))
    assert drift.exit_code == 0
    assert "No changes" in drift.output
    toy.backend.shelves[3][1] = ("Ball", "green")  # someone edits live
    assert run("drift", str(path)).exit_code == 2


def test_a_registered_service_gets_file_errors_schema_and_help(
    toy: ToyService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shelf_file(
        tmp_path,
        """
        provider: toy
        shelf: 3
        items:
          - name: Ball
            colur: blue
    """,
    )
    result = run("validate", "schedules/toys.yaml")
    assert result.exit_code == 1
    assert "schedules/toys.yaml:5:5: unknown key `colur`; did you mean `colour`?" in result.output
    shelf_file(
        tmp_path,
        """
        provider: toy
        shelf: 3
        items:
          - name: Ball
          - name: Ball
    """,
    )
    result = run("validate", "schedules/toys.yaml")
    assert (
        "schedules/toys.yaml:5:11: item 'Ball' is declared twice (first at schedules/toys.yaml:4)"
        in result.output
    )
    schema = json.loads(run("schema").output)
    assert "toy" in schema["properties"]["provider"]["enum"]
    assert {
        "if": {"properties": {"provider": {"const": "toy"}}, "required": ["provider"]},
        "then": {"$ref": "#/definitions/ToyFile"},  # draft-07: the plug-in said #/$defs/
    } in schema["allOf"]
    assert "TOY_TOKEN" in run("--help").output
    shelf_file(tmp_path, "provider: toys\n")
    assert (
        "`provider` must be guidebook, planning_center or toy, got 'toys'"
        in run("validate", "schedules").output
    )


def test_an_installed_distribution_adds_a_service_through_its_entry_point(tmp_path: Path) -> None:
    """A separately installed package (a dist-info on the path, as pip leaves it) declaring the
    `provisioner.services` entry point; run in a fresh process, as a user would, with nothing
    registered."""
    site = tmp_path / "site"
    (site / "toy_plugin-0.1.dist-info").mkdir(parents=True)
    (site / "toy_plugin-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: toy-plugin\nVersion: 0.1\n"
    )
    (site / "toy_plugin-0.1.dist-info" / "entry_points.txt").write_text(
        f"[{registry.ENTRY_POINT_GROUP}]\ntoy = toy_plugin:SERVICE\n"
    )
    (site / "toy_plugin.py").write_text(
        "from tests.test_plugin import ToyService\n\nSERVICE = ToyService()\n"
        "SERVICE.backend.shelves[3] = {1: ('Ball', 'red')}\n"
    )
    path = shelf_file(
        tmp_path, "provider: toy\nshelf: 3\nitems:\n  - name: Ball\n  - name: Train\n"
    )
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(root)])}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from provisioner.cli import main; main()",
            "plan",
            str(path),
            "--format",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [(c["provider"], c["action"], c["key"]) for c in json.loads(done.stdout)["changes"]] == [
        ("toy", "create", "Train")
    ]
