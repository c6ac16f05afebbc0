"""Issue 24 #3: a plan file says once what many people share (impact_groups, format_minor 4), files
of older minors are still read, and text shows people who share a move as one line once a scope
lists more than GROUP_ABOVE people (small plans read as before)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from provisioner.core.plan import Plan, grouped, ungrouped
from provisioner.core.words import GROUP_ABOVE, people_lines
from tests.conftest import Cli

SCHEMA = json.loads((Path(__file__).parent.parent / "schema" / "plan.schema.json").read_text())


def entry(people: int, *, shared: bool = True) -> dict[str, Any]:
    gain, lose = [13, 40], [14]
    rows = [
        {"person": p, "gain": gain if shared else [p], "lose": lose} for p in range(1, people + 1)
    ]
    return {"provider": "guidebook", "scope": "guide 47", "people": rows}


def test_many_people_sharing_a_move_are_one_group_and_read_back_as_rows() -> None:
    big = entry(GROUP_ABOVE + 1)
    big["people"][0] = {"person": 1, "gain": [99], "lose": []}
    data = Plan(impact=(big,)).to_json()
    assert data["format_minor"] == 4 and data["impact"] == []
    assert data["impact_groups"] == [
        {
            "provider": "guidebook",
            "scope": "guide 47",
            "groups": [
                {"people": [1], "gain": [99], "lose": []},
                {"people": list(range(2, GROUP_ABOVE + 2)), "gain": [13, 40], "lose": [14]},
            ],
        }
    ]
    jsonschema.validate(data, SCHEMA)
    assert Plan.from_json(json.loads(json.dumps(data))).impact == (big,)


def test_small_or_unshared_impact_stays_per_person_as_older_minors_wrote_it() -> None:
    for kept in (entry(GROUP_ABOVE), entry(GROUP_ABOVE + 5, shared=False)):
        data = Plan(impact=(kept,)).to_json()
        assert data["impact"] == [kept] and data["impact_groups"] == []
    older = {"format_version": 1, "format_minor": 1, "changes": [], "impact": [entry(3)]}
    assert Plan.from_json(older).impact == (entry(3),)


def test_groups_compare_by_value_when_the_lists_are_not_shared() -> None:
    rows = [{"person": p, "gain": [1, 2], "lose": []} for p in (3, 1, 2)]  # each its own lists
    one = grouped({"provider": "p", "scope": "s", "cause": "drift", "people": rows})
    assert one == {
        "provider": "p",
        "scope": "s",
        "cause": "drift",
        "groups": [{"people": [3, 1, 2], "gain": [1, 2], "lose": []}],
    }
    assert [r["person"] for r in ungrouped(one)["people"]] == [1, 2, 3]


def test_text_groups_people_only_above_the_threshold() -> None:
    few = [(f"attendee {i}", "+Keynote", str(i)) for i in range(GROUP_ABOVE, 0, -1)]
    assert people_lines(few)[:2] == ["attendee 1: +Keynote", "attendee 2: +Keynote"]
    many = [*few, ("Zoe", "−Workshop A", "99"), ("attendee 51", "+Keynote", "51")]
    assert people_lines(many) == [
        f"attendee 1, attendee 2, attendee 3 and {GROUP_ABOVE - 2} more: +Keynote",
        "Zoe: −Workshop A",
    ]


EVERYONE = """\
provider: guidebook
guide: 47
prune: false
schedules:
  - name: Everyone
    attendees: [{ids}]
    sessions: [1, 2]
"""


def test_a_plan_file_of_a_big_move_is_grouped_and_shown_and_applied(
    cli: Cli, write: Any, tmp_path: Path
) -> None:
    folder = write("summit.yaml", EVERYONE.format(ids=", ".join(map(str, range(40, 100)))))
    saved = tmp_path / "plan.json"
    planned = cli("plan", str(folder), "--out", str(saved))
    assert planned.exit_code == 0, planned.stderr
    data = json.loads(saved.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    [entry] = data["impact_groups"]
    assert data["impact"] == [] and sum(len(g["people"]) for g in entry["groups"]) > GROUP_ABOVE
    grouped_line = next(line for line in planned.stdout.splitlines() if " more: +" in line)
    assert grouped_line.lstrip().startswith(
        "attendee040@example.com, attendee041@example.com, attendee042@example.com and "
    )
    assert cli("show", str(saved)).stdout == planned.stdout
    applied = cli("apply", str(folder), "--plan", str(saved), "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    assert "Applied 1, failed 0, skipped 0." in applied.stdout
