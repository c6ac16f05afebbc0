"""The example plug-in of docs/plugins.md, installed as pip would (its package and a dist-info
declaring the `provisioner.services` entry point, on sys.path), found through the entry point and
run through every command. The code is read from the page, so the documented example is the one that
works."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from provisioner.cli import main
from provisioner.providers import registry

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
# "#### `path`", a paragraph or more, then the first fenced block: that file's whole text.
SOURCES = dict(re.findall(r"^#### `([^`]+)`\n.*?^```\w+\n(.*?)^```$", PAGE, re.M | re.S))
YAML = re.search(r"^```yaml\n(.*?)^```$", PAGE, re.M | re.S)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def shelves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The example installed in a fresh site directory; its state file (SHELVES_STATE) holds shelf 3
    with Ball (red) and Kite. Yields the state file."""
    site = tmp_path / "site"
    for name, text in SOURCES.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    project = tomllib.loads(SOURCES["pyproject.toml"])["project"]
    info = site / f"shelves_plugin-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\n")
    points = project["entry-points"][registry.ENTRY_POINT_GROUP]
    (info / "entry_points.txt").write_text(
        f"[{registry.ENTRY_POINT_GROUP}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
    )
    monkeypatch.syspath_prepend(str(site))
    registry._owners.cache_clear()
    state = tmp_path / "shelves.json"
    save(state, {"3": {"1": ["Ball", "red"], "2": ["Kite", None]}}, next_id=3)
    monkeypatch.setenv("SHELVES_STATE", str(state))
    assert YAML is not None
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "hall.yaml").write_text(YAML.group(1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    yield state
    registry._owners.cache_clear()
    registry._loaded.pop("shelves", None)
    for module in [m for m in sys.modules if m.startswith("shelves_plugin")]:
        del sys.modules[module]


def save(state: Path, shelves: dict[str, Any], next_id: int) -> None:
    state.write_text(json.dumps({"next_id": next_id, "shelves": shelves}), encoding="utf-8")


def shelf(state: Path, number: int = 3) -> dict[str, list[Any]]:
    held: dict[str, list[Any]] = json.loads(state.read_text())["shelves"].get(str(number), {})
    return held


def test_the_documented_plug_in_runs_every_command(shelves: Path) -> None:
    assert set(SOURCES) == {
        "pyproject.toml",
        "shelves_plugin/__init__.py",
        "shelves_plugin/models.py",
        "shelves_plugin/provider.py",
    }
    assert "SHELVES_STATE" in run("--help").output
    assert run("validate", "schedules").output == "1 file valid.\n"
    plan = run("plan", "schedules", "--format", "json")
    assert plan.exit_code == 0, plan.output
    assert [(c["action"], c["key"], c["fields"]) for c in json.loads(plan.output)["changes"]] == [
        ("delete", "Kite", {}),
        ("update", "Ball", {"colour": {"from": "red", "to": "blue"}}),
        ("create", "Train", {}),
    ]
    assert (
        "Plan: 1 to create, 1 to update, 1 to delete."
        in run("plan", "schedules", "--target", "shelf:3").output
    )
    other = run("plan", "schedules", "--target", "shelf:4")
    assert (other.exit_code, other.output) == (
        1,
        "error: --target shelf:4: no file given declares it; the files declare shelf:3\n",
    )
    applied = run("apply", "schedules", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Applied 3, failed 0, skipped 0." in applied.output
    assert shelf(shelves) == {"1": ["Ball", "blue"], "3": ["Train", None]}
    assert (run("drift", "schedules").exit_code, shelf(shelves)["1"]) == (0, ["Ball", "blue"])
    save(shelves, {"3": {"1": ["Ball", "green"], "3": ["Train", None]}}, next_id=4)
    assert run("drift", "schedules").exit_code == 2  # someone changed Ball's colour
    doctor = run("doctor", "schedules")
    assert doctor.exit_code == 0, doctor.output
    assert "state file" in doctor.output and "1 shelves" in doctor.output
    schema = json.loads(run("schema").output)
    assert "shelves" in schema["properties"]["provider"]["enum"]
    assert schema["definitions"]["ShelfFile"]["properties"]["items"]["description"] == (
        "The items; names are unique."
    )


def test_a_file_mistake_in_a_plug_ins_file_is_one_located_message(shelves: Path) -> None:
    Path("schedules/hall.yaml").write_text(
        "provider: shelves\nshelf: 3\nitems:\n  - name: Ball\n    color: red\n  - name: Ball\n"
    )
    result = run("validate", "schedules")
    assert result.exit_code == 1
    assert result.output == (
        "schedules/hall.yaml:5:5: unknown key `color`; did you mean `colour`?\n1 error found.\n"
    )
    Path("schedules/hall.yaml").write_text(
        "provider: shelves\nshelf: 3\nitems:\n  - name: Ball\n  - name: Ball\n"
    )
    assert run("validate", "schedules").output == (
        "schedules/hall.yaml:5:11: item 'Ball' is declared twice (first at schedules/hall.yaml:4)\n"
        "1 error found.\n"
    )


def test_a_plug_in_raising_runtime_error_in_apply_gets_a_failed_row(
    shelves: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shelves_plugin.provider import ShelvesProvider  # type: ignore[import-not-found]

    def apply(self: Any, change: Any) -> Any:
        if change.key == "Train":
            raise RuntimeError("the shelf is full")
        return original(self, change)

    original = ShelvesProvider.apply
    monkeypatch.setattr(ShelvesProvider, "apply", apply)
    result = run("apply", "schedules", "--auto-approve")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (
        "  FAILED create shelf 3 'Train' (schedules/hall.yaml:7): create 'Train' failed "
        "unexpectedly: RuntimeError: the shelf is full\n"
    ) in result.output
    assert "Applied 2, failed 1, skipped 0." in result.output
    assert shelf(shelves) == {"1": ["Ball", "blue"]}  # the others were made


def test_its_accounts_come_from_the_suffixed_variables(
    shelves: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    east = tmp_path / "east.json"
    save(east, {}, next_id=1)
    monkeypatch.setenv("SHELVES_STATE_EAST", str(east))
    Path("schedules/east.yaml").write_text(
        "provider: shelves\naccount: east\nshelf: 3\nitems:\n  - name: Lamp\n"
    )
    result = run("apply", "schedules", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "create east/shelf 3 'Lamp'" in result.output
    assert shelf(east) == {"1": ["Lamp", None]}
    assert shelf(shelves) == {"1": ["Ball", "blue"], "3": ["Train", None]}


def test_its_writes_on_several_threads_lose_nothing(shelves: Path) -> None:
    """40 creates on 8 threads: the lock the contract asks for keeps every read-modify-write
    whole."""
    new = [f"Item {i}" for i in range(40)]
    items = "".join(f"  - name: {name}\n" for name in ["Ball", "Kite", *new])
    Path("schedules/hall.yaml").write_text(f"provider: shelves\nshelf: 3\nitems:\n{items}")
    result = run("apply", "schedules", "--auto-approve", "--parallelism", "8")
    assert "Applied 40, failed 0, skipped 0." in result.output
    assert sorted(name for name, _ in shelf(shelves).values()) == sorted(["Ball", "Kite", *new])
    assert sorted(int(rid) for rid in shelf(shelves)) == list(range(1, 43))  # each id once


def test_the_example_passes_the_projects_lint(tmp_path: Path) -> None:
    for name, text in SOURCES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    for check in (["check", "--select", "E,F,I,UP,B"], ["format", "--check"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *check, "--isolated", "--line-length", "100", "."],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
