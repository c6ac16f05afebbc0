"""Mass-delete guard and protect patterns."""

from __future__ import annotations

from provisioner.planning.diff import diff_scope
from provisioner.planning.safety import assess
from tests.helpers import rec, scope


def live(n: int) -> dict:
    return {f"S{i:02}": rec(f"S{i:02}", id=i, s=[i]) for i in range(n)}


def desired(keys: list[str]) -> dict:
    return {k: rec(k, s=[int(k[1:])]) for k in keys}


def verdict(sc, have: dict, want: dict) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return assess(sc, have, diff_scope(sc, want, have)).violations


def test_deleting_up_to_30_percent_of_ten_is_fine_more_is_refused() -> None:
    have = live(10)
    assert verdict(scope(), have, desired(list(have)[3:])) == ()
    assert verdict(scope(), have, desired(list(have)[4:])) == (
        "guide 47: would delete 4 of 10 live objects (40%), more than the 30% allowed",
    )


def test_small_scopes_are_exempt_but_deleting_everything_is_not() -> None:
    have = live(5)
    assert verdict(scope(), have, desired(list(have)[4:])) == ()
    assert verdict(scope(), have, {}) == ("guide 47: would delete all 5 live objects",)


def test_thresholds_per_file_and_ignored_objects_do_not_count() -> None:
    have = live(10)
    assert verdict(scope(max_pct=50), have, desired(list(have)[4:])) == ()
    sc = scope(ignore=("S0*",), min_existing=0)
    assert assess(sc, have, diff_scope(sc, desired(["S10"]), have)).live_count == 0


def test_protected_objects_need_force() -> None:
    have = live(3)
    assert verdict(scope(protect=("S0[12]",)), have, desired(["S00"])) == (
        "guide 47: 'S01' is protected (pattern in `protect`) and would be deleted",
        "guide 47: 'S02' is protected (pattern in `protect`) and would be deleted",
    )


def test_a_mass_delete_says_the_exact_copies_it_also_deletes_so_the_counts_add_up() -> None:
    # Measured: "12 to delete" beside "would delete 11 of 13 live objects" (the exact copy, not
    # counted, unsaid).
    have = {
        **live(10),
        "S00 (#100)": rec("S00 (#100)", id=100, s=[0]),
        "S01 (#101)": rec("S01 (#101)", id=101, s=[1]),
    }
    changes = diff_scope(scope(), desired(list(live(10))[4:]), have)
    assert sum(c.action == "delete" for c in changes) == 6
    assert assess(scope(), have, changes).violations == (
        "guide 47: would delete 4 of 10 live objects (40%) and 2 exact copies, more than the 30% "
        "allowed",
    )
    assert verdict(scope(), have, {}) == (
        "guide 47: would delete all 10 live objects and 2 exact copies",
    )
