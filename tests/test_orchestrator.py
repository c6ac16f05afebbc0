"""The one orchestrator (provisioner/engine.py) called as the CLI calls it, over the toy service of
test_plugin.py: refusals come before the confirmation, the confirmation before any write, and a
saved plan is judged against live before anything is shown or written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioner import engine
from provisioner.core.errors import SafetyError, StalePlanError
from provisioner.providers import registry
from provisioner.render import render
from tests.test_plugin import ToyService, shelf_file

SETTINGS = engine.Settings(parallelism=1, env={})


@pytest.fixture
def toy() -> Iterator[ToyService]:
    service = ToyService()
    registry.register(service)
    yield service
    registry.unregister("toy")


def plan_of(path: Path) -> engine.Planned:
    return engine.plan(engine.load([str(path)]), [str(path)], settings=SETTINGS)


def test_an_unsafe_plan_is_refused_before_the_confirmation_is_asked(
    toy: ToyService, tmp_path: Path
) -> None:
    toy.backend.shelves[3] = {i: (f"Item {i}", None) for i in range(1, 11)}
    planned = plan_of(shelf_file(tmp_path, "provider: toy\nshelf: 3\nitems: []\n"))
    asked: list[str] = []
    with pytest.raises(SafetyError, match="would delete all 10 live objects"):
        engine.apply(planned, confirm=lambda: asked.append("asked"))
    assert asked == [] and toy.backend.writes == []
    report = engine.apply(planned, force=True, confirm=lambda: asked.append("asked"))
    assert asked == ["asked"] and report.ok and report.count("applied") == 10


def test_a_confirmation_that_says_no_writes_nothing(toy: ToyService, tmp_path: Path) -> None:
    planned = plan_of(shelf_file(tmp_path, "provider: toy\nshelf: 3\nitems: [{name: Ball}]\n"))

    def no() -> None:
        raise SafetyError("cancelled")

    with pytest.raises(SafetyError, match="cancelled"):
        engine.apply(planned, confirm=no)
    assert toy.backend.writes == []
    assert engine.apply(planned).ok and toy.backend.writes == [("create", 3)]


def test_an_empty_plan_writes_nothing_and_asks_nothing(toy: ToyService, tmp_path: Path) -> None:
    toy.backend.shelves[3] = {1: ("Ball", None)}
    planned = plan_of(shelf_file(tmp_path, "provider: toy\nshelf: 3\nitems: [{name: Ball}]\n"))
    report = engine.apply(planned, confirm=lambda: pytest.fail("asked"))
    assert planned.run.plan.empty and report.outcomes == [] and report.ok


def saved_plan(planned: engine.Planned, tmp_path: Path) -> str:
    path = tmp_path / "plan.json"
    with path.open("w", encoding="utf-8") as fh:
        render(planned.run.plan, "json", fh, color=False)
    return str(path)


def test_a_saved_plan_is_stale_once_live_moves_and_nothing_is_written(
    toy: ToyService, tmp_path: Path
) -> None:
    toy.backend.shelves[3] = {1: ("Ball", "red")}
    yaml = shelf_file(tmp_path, "provider: toy\nshelf: 3\nitems: [{name: Ball, colour: blue}]\n")
    saved = saved_plan(plan_of(yaml), tmp_path)
    toy.backend.shelves[3][1] = ("Ball", "green")  # someone edits live after the plan
    with pytest.raises(StalePlanError, match="update shelf 3 'Ball': live state changed"):
        engine.plan_saved(engine.load([str(yaml)]), saved, settings=SETTINGS)
    assert toy.backend.writes == []


def test_a_saved_plan_leaves_out_what_live_already_holds(toy: ToyService, tmp_path: Path) -> None:
    yaml = shelf_file(tmp_path, "provider: toy\nshelf: 3\nitems: [{name: Ball}, {name: Kite}]\n")
    saved = saved_plan(plan_of(yaml), tmp_path)
    toy.backend.shelves[3] = {1: ("Ball", None)}  # an earlier apply made one of the two
    toy.backend.next_id = 2
    again = engine.plan_saved(engine.load([str(yaml)]), saved, settings=SETTINGS)
    assert [c.key for c in again.already] == ["Ball"] and again.saved == 2
    assert [c.key for c in again.run.plan.changes] == ["Kite"]
    assert engine.apply(again).ok and toy.backend.shelves[3] == {
        1: ("Ball", None),
        2: ("Kite", None),
    }
    assert json.loads(Path(saved).read_text())["summary"]["create"] == 2  # the file is not touched
