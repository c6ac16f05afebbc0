"""The engine's boundary with provider code: whatever a provider raises that is not the project's
own error (a bug in a plug-in) becomes that change's FAILED row while applying, or one error line
while reading; never a traceback. Driven through the CLI with the toy service of test_plugin.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provisioner.cli import main
from provisioner.core.records import Change, Record, Scope
from provisioner.providers import registry
from tests.test_plugin import Backend, ToyProvider, ToyService, shelf_file

SHELF = """
provider: toy
shelf: 3
items:
  - name: Ball
    colour: blue
  - name: Train
"""


class BrokenProvider(ToyProvider):
    """The toy provider with bugs: ``broken`` names what raises RuntimeError (a key for apply, or
    "read", "desired", "after_apply")."""

    def __init__(self, backend: Backend, broken: set[str]) -> None:
        super().__init__(backend)
        self.broken = broken

    def read(self, scope: Scope) -> dict[str, Record]:
        if "read" in self.broken:
            raise RuntimeError("the shelf fell over")
        return super().read(scope)

    def desired(
        self, scope: Scope, live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]:
        if "desired" in self.broken:
            raise KeyError("colour")
        return super().desired(scope, live, want_labels=want_labels)

    def apply(self, change: Change) -> None:
        if change.key in self.broken:
            raise RuntimeError(f"cannot {change.action} {change.key}")
        super().apply(change)

    def post_apply_step(self, scope: Scope) -> str | None:
        return "dust" if "after_apply" in self.broken else None

    def after_apply(self, scope: Scope, *, applied: object) -> list[str]:
        raise RuntimeError("no duster")


class BrokenService(ToyService):
    def __init__(self) -> None:
        super().__init__()
        self.broken: set[str] = set()

    def provider(self, env: object, *, clock: object = None) -> BrokenProvider:  # type: ignore[override]
        return BrokenProvider(self.backend, self.broken)


@pytest.fixture
def toy(tmp_path: Path) -> Iterator[BrokenService]:
    service = BrokenService()
    service.backend.shelves[3] = {1: ("Ball", "red")}
    service.backend.next_id = 2
    registry.register(service)
    yield service
    registry.unregister("toy")


def run(*args: str) -> Result:
    # catch_exceptions=False: a traceback fails the test instead of hiding in result.exception
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_a_provider_raising_runtime_error_in_apply_fails_that_change_only(
    toy: BrokenService, tmp_path: Path
) -> None:
    toy.broken = {"Train"}
    result = run("apply", str(shelf_file(tmp_path, SHELF)), "--auto-approve")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (
        "\n  ok     update shelf 3 'Ball'\n"
        "  FAILED create shelf 3 'Train' (schedules/toys.yaml:6): create 'Train' failed "
        "unexpectedly: RuntimeError: cannot create Train\n"
        "Applied 1, failed 1, skipped 0.\n"
    ).replace("schedules/toys.yaml", str(tmp_path / "schedules" / "toys.yaml")) in result.output
    assert result.output.endswith(
        "error: some changes failed or were skipped; fix the cause (for a stale change: review a "
        "new "
        "plan) and run apply again (it converges)\n"
    )
    assert toy.backend.shelves[3] == {1: ("Ball", "blue")}  # the other change was made


def test_a_provider_raising_runtime_error_while_reading_gives_one_error_line(
    toy: BrokenService, tmp_path: Path
) -> None:
    toy.broken = {"read"}
    path = str(shelf_file(tmp_path, SHELF))
    for command in (["plan", path], ["apply", path, "--auto-approve"], ["drift", path]):
        result = run(*command)
        assert (result.exit_code, result.output) == (
            1,
            "error: reading shelf 3 failed unexpectedly: RuntimeError: the shelf fell over\n",
        ), command
    assert toy.backend.writes == []


def test_a_provider_raising_while_resolving_gives_one_error_line(
    toy: BrokenService, tmp_path: Path
) -> None:
    toy.broken = {"desired"}
    result = run("plan", str(shelf_file(tmp_path, SHELF)))
    assert (result.exit_code, result.output) == (
        1,
        "error: resolving shelf 3 failed unexpectedly: KeyError: 'colour'\n",
    )


def test_a_post_apply_step_raising_is_a_failed_step_not_a_traceback(
    toy: BrokenService, tmp_path: Path
) -> None:
    toy.broken = {"after_apply"}
    result = run("apply", str(shelf_file(tmp_path, SHELF)), "--auto-approve")
    assert result.exit_code == 1
    assert "FAILED shelf 3: post-apply step failed: RuntimeError: no duster\n" in result.output
    assert "Applied 2, failed 0, skipped 0." in result.output
    assert toy.backend.shelves[3] == {1: ("Ball", "blue"), 2: ("Train", None)}
