"""Team members are (person, team, position); matching is exact first, then leftovers of one
(person, team) pair up (README: Planning Center rosters). And the verdict of a change's precondition
against a fresh read."""

from __future__ import annotations

from pathlib import Path

from provisioner.applying.preconditions import Verdict, judge
from provisioner.core.plan import Change
from provisioner.core.records import Record
from provisioner.providers.planning_center.matching import norm, pair
from tests.conftest import Cli


def test_exact_positions_match_first_and_leftovers_pair_by_person_and_team() -> None:
    live = [norm(111, 22, "Vocals"), norm(111, 22, "Keys"), norm(112, 23, "Audio")]
    declared = [
        norm(111, 22, "Keys"),
        norm(111, 22, "Guitar"),
        norm(112, 23, None),
        norm(113, 22, "Bass"),
    ]
    # Keys is exact; Guitar takes the leftover Vocals (a change of position); no position matches
    # any; 113 is new
    assert pair(declared, live) == {0: 1, 1: 0, 2: 2}


def test_a_live_member_is_paired_once() -> None:
    assert pair([norm(1, 2, None), norm(1, 2, None)], [norm(1, 2, "A")]) == {0: 0}
    assert pair([norm(1, 2, "A"), norm(1, 2, "B")], [norm(1, 2, "B"), norm(1, 2, "A")]) == {
        0: 1,
        1: 0,
    }


def _change(action: str, before: dict[str, object] | None = None) -> Change:
    return Change(action, "fake", "s", "x", {}, "r", before=before)  # type: ignore[arg-type]


def test_preconditions_judge_by_id_and_values() -> None:
    live = {
        "x": Record("x", {"v": [1, 2]}, id=7),
        "y (#9)": Record("y (#9)", {"v": [3]}, id=9, twin_of="y"),
    }
    assert judge(_change("update", {"id": 7, "v": [2, 1]}), live) == Verdict()
    moved = judge(_change("update", {"id": 7, "v": [1]}), live)
    assert "was changed meanwhile (v; another writer?)" in str(moved.stale)
    assert "was deleted meanwhile" in str(judge(_change("update", {"id": 8, "v": [1]}), live).stale)
    assert judge(_change("delete", {"id": 8}), live) == Verdict(gone=True)
    assert "was created meanwhile (#7" in str(judge(_change("create"), live).stale)


def test_one_person_may_be_listed_once_per_position(cli: Cli, write: object) -> None:
    head = (
        "provider: planning_center\nservice_type: 1234\nrosters:\n  - plan: 5678\n    "
        "team_members:\n"
    )
    ok = write(
        "r.yaml",
        head + "      - {person: 111, team: 22, position: Vocals}\n"  # type: ignore[operator]
        "      - {person: 111, team: 22, position: Keys}\n",
    )
    assert cli("validate", str(ok)).exit_code == 0
    bad: Path = write(
        "r.yaml",
        head + "      - {person: 111, team: 22, position: Keys}\n"  # type: ignore[operator]
        "      - {person: 111, team: 22, position: Keys}\n",
    )
    result = cli("validate", str(bad))
    assert result.exit_code == 1 and "person 111 on team 22 of plan 5678 as Keys" in result.stderr
