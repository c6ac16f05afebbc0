"""Which scopes a run covers (planning/selection.py), asserted on plain scopes: `--target` parsing
and matching, a selection's pick, and which services a run must set up."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from provisioner.core.errors import ConfigError
from provisioner.core.positions import Pos
from provisioner.core.records import Loaded, Scope
from provisioner.files.fields import Strict
from provisioner.planning.selection import (
    Selection,
    Target,
    Wanted,
    parse_target,
    target_kinds,
)

KINDS = ("guide", "person", "plan")


def guide(n: int, account: str | None = None) -> Scope:
    name = f"{account}/guide {n}" if account else f"guide {n}"
    return Scope("guidebook", name, {"guide": n}, kind="guide", account=account)


def test_the_built_in_services_answer_to_three_kinds() -> None:
    assert target_kinds() == ["guide", "person", "plan"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("guide:47", Target("guide", "47")),
        (" east/plan:9 ", Target("plan", "9", "east")),
        ("person:abc", Target("person", "abc")),
    ],
)
def test_a_target_is_kind_id_with_an_optional_account(text: str, expected: Target) -> None:
    assert parse_target(text, KINDS) == expected


def test_a_malformed_target_shows_the_form_and_an_unknown_kind_the_kinds() -> None:
    with pytest.raises(ConfigError, match=r"expected KIND:ID such as guide:47.*kinds: guide, "):
        parse_target("guide 47", KINDS)
    with pytest.raises(
        ConfigError, match=r"unknown kind 'shelf'; the kinds are guide, person, plan"
    ):
        parse_target("shelf:1", KINDS)


def test_a_target_matches_its_kind_id_and_account_only() -> None:
    assert Target("guide", "047").matches(guide(47))  # ids compare as numbers
    assert not Target("guide", "47").matches(guide(48))
    assert not Target("plan", "47").matches(guide(47))
    assert not Target("guide", "47").matches(guide(47, "east"))
    assert Target("guide", "47", "east").matches(guide(47, "east"))
    assert not Target("guide", "47", "east").matches(guide(47))


def test_nothing_selected_is_everything_and_targets_add_to_picked_scopes() -> None:
    scopes = [guide(1), guide(2), guide(3)]
    assert Selection().pick(scopes) == scopes
    chosen = Selection((Target("guide", "3"),), frozenset({("guidebook", "guide 1")}))
    assert [s.name for s in chosen.pick(scopes)] == ["guide 1", "guide 3"]  # in the scopes' order
    assert Selection(scopes=frozenset()).pick(scopes) == []  # a saved plan that changes nothing


def test_a_target_no_file_declares_names_what_the_files_do() -> None:
    scopes = [guide(n) for n in range(1, 15)]
    with pytest.raises(ConfigError) as info:
        Selection((Target("guide", "99"),)).pick(scopes)
    assert str(info.value) == (
        "--target guide:99: no file given declares it; the files declare guide:1, guide:2, "
        "guide:3, "
        "guide:4, guide:5, guide:6, guide:7, guide:8, guide:9, guide:10, guide:11, guide:12 and 2 "
        "more"
    )
    with pytest.raises(ConfigError, match=r"declares them; the files declare no plan$"):
        Selection((Target("plan", "1"), Target("plan", "2"))).pick(scopes)


def test_only_the_services_a_target_can_concern_are_set_up() -> None:
    assert Wanted().services() is None
    assert Wanted((Target("guide", "47"),)).services() == {"guidebook"}
    assert Wanted((Target("person", "1"),)).services() == {"planning_center"}
    assert Wanted(changed=()).services() == set()  # nothing changed: no service is needed


def test_a_changed_files_scopes_are_found_from_that_file_alone() -> None:
    a = Loaded("a.yaml", Strict(), Pos(1, 1))
    declared = {"a.yaml": [guide(5), guide(6)]}
    seen: list[list[str]] = []

    def scopes_of(files: Sequence[Loaded]) -> list[Scope]:
        seen.append([f.path for f in files])
        return [s for f in files for s in declared[f.path]]

    picked = Wanted((Target("guide", "7"),), changed=(a,)).selection(scopes_of)
    assert seen == [["a.yaml"]]
    assert [s.name for s in picked.pick([guide(n) for n in (4, 5, 6, 7)])] == [
        "guide 5",
        "guide 6",
        "guide 7",
    ]
    assert Wanted().selection(scopes_of).everything
