"""What keeps large inputs fast, asserted by what happens rather than by time: no comparison per
pair of changes, no garbage cycles left by a load, positions kept without an object per scalar, ids
kept as ints, per-person impact computed for the touched people only and equal to the definition."""

from __future__ import annotations

import gc
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisioner.core.errors import ValidationError
from provisioner.core.plan import Change, Plan, fingerprint
from provisioner.core.positions import Pos, position
from provisioner.core.records import Record
from provisioner.files.loader import load_workspace
from provisioner.files.yamlnodes import parse
from provisioner.planning.diff import diff_scope
from provisioner.providers.guidebook.impact import exact_rows
from provisioner.render import render
from tests.helpers import examples, rec, scope, simulate

Write = Callable[[str, str], Path]


def test_a_create_is_noted_as_a_rename_of_the_delete_with_its_content() -> None:
    """Among many creates, only the one with the deleted object's content is noted (deletes are
    looked up by content: the CPU time of diff_scope at 10,000 creates is measured by `make bench`).
    """
    desired = {f"New {i}": rec(f"New {i}", s=[i]) for i in range(500)}
    live = {"Old": rec("Old", id=1, s=[7]), "Gone": rec("Gone", id=2, s=[9999])}
    changes = diff_scope(scope(max_pct=100), desired, live)
    renamed = [c.key for c in changes if "renames" in c.reason]
    assert renamed == ["New 7"]  # same content as 'Old'; nothing declared looks like 'Gone'
    (note,) = [c.reason for c in changes if c.key == "New 7"]
    assert note == (
        "missing in live; if this renames 'Old' (deleted here): the API cannot rename, so a rename "
        "is "
        "a delete plus a create"
    )


def test_a_load_leaves_no_garbage_cycles(write: Write) -> None:
    path = write(
        "a.yaml",
        """
        provider: guidebook
        guide: 47
        schedules:
          - name: A
            attendees: [1, 2, {email: a@example.com}]
            sessions: [3]
    """,
    )
    load_workspace([str(path)])
    gc.collect()
    load_workspace([str(path)])
    assert gc.collect() == 0  # every object of the parse was freed by reference counting


def test_a_list_of_scalars_keeps_every_position_without_an_object_each() -> None:
    ((data, tree),) = parse("ids: [4, 5,\n  6]\nname: x\n", max_nodes=100, max_depth=10)
    assert data == {"ids": [4, 5, 6], "name": "x"}
    assert isinstance(tree.values, dict) and isinstance(tree.values["ids"], Pos)
    assert not isinstance(tree.values["ids"].values, list)  # an array of packed ints
    assert [position(tree, ("ids", i)) for i in range(3)] == [(1, 7), (1, 10), (2, 3)]
    assert position(tree, ("ids", 7)) == (1, 6)  # missing: the nearest ancestor
    assert position(tree, ("name",)) == (3, 7) and position(tree, ("name",), key=True) == (3, 1)
    assert position(tree, ("name", "deeper")) == (3, 7)


def test_ids_stay_plain_ints_and_a_bad_one_is_named_by_its_position(write: Write) -> None:
    path = write(
        "a.yaml",
        "provider: guidebook\nguide: 47\nschedules:\n  - name: A\n    attendees: [1, 2, 0]\n",
    )
    with pytest.raises(ValidationError) as info:
        load_workspace([str(path)])
    (diag,) = info.value.diagnostics
    assert (diag.line, diag.col) == (5, 23)
    assert "attendee reference must be an id" in diag.message
    ok = write(
        "a.yaml",
        "provider: guidebook\nguide: 47\nschedules:\n  - name: A\n    attendees: [1, 2, 3]\n",
    )
    (item,) = load_workspace([str(ok)]).files
    assert item.doc.schedules[0].attendees == [1, 2, 3]  # type: ignore[attr-defined]


def test_the_json_plan_has_one_change_a_line_and_reads_back() -> None:
    changes = diff_scope(scope(), {"A": rec("A", s=[1]), "B": rec("B", s=[2])}, {})
    plan = Plan(tuple(changes), inputs_digest="sha256:x")
    out = io.StringIO()
    render(plan, "json", out)
    text = out.getvalue()
    # the plan, and what review output needs beside it (format_minor 2): the title, the note, the
    # words
    assert json.loads(text) == {
        **json.loads(json.dumps(plan.to_json())),
        "command": "plan",
        "note": "",
        "words": {"fields": {}, "impact": []},
    }
    lines = text.splitlines()
    assert lines[0] == "{" and lines[-1] == "}" and lines[1] == '  "format_version": 1,'
    assert sum(line.startswith('    {"action":"create"') for line in lines) == 2
    assert Plan.from_json(json.loads(text)).fingerprint == plan.fingerprint
    # made from each change encoded once, the fingerprint is still the one a reader computes from
    # the file
    odd = diff_scope(scope(), {'Zoë "q"': rec('Zoë "q"', s=[1])}, {"Ü": rec("Ü", id=4, s=[2])})
    odd_plan = Plan(tuple(odd), inputs_digest="sha256:ü")
    assert odd_plan.fingerprint == fingerprint("sha256:ü", [c.to_json() for c in odd_plan.changes])


def _brute_force_impact(live: dict[str, Record], changes: list[Change]) -> list[dict[str, Any]]:
    """Everyone's sessions over the whole guide before and after: the definition, at attendees x
    sessions. One personalized schedule per attendee: after, someone who joins a schedule sees only
    the ones they join (the schedule assigned last overwrites the others)."""
    from provisioner.providers.guidebook.moves import joins_and_leaves

    joined = joins_and_leaves(changes)[0]

    def reach(records: dict[str, Record], last: dict[int, list[str]]) -> dict[int, set[int]]:
        out: dict[int, set[int]] = {}
        for r in records.values():
            for a in r.values.get("attendees", []):
                if a in last and r.key not in last[a]:
                    continue
                out.setdefault(a, set()).update(r.values.get("sessions", []))
        return out

    before, after = reach(live, {}), reach(simulate(live, changes), joined)
    rows = []
    for p in sorted(before.keys() | after.keys()):
        had, has = before.get(p, set()), after.get(p, set())
        if had != has:
            rows.append({"person": p, "gain": sorted(has - had), "lose": sorted(had - has)})
    return rows


small_ids = st.lists(st.integers(1, 6), max_size=5).map(lambda v: sorted(set(v)))
guide = st.dictionaries(st.sampled_from("ABCDE"), st.tuples(small_ids, small_ids), max_size=5)


@given(guide, guide)
@settings(max_examples=examples(200), deadline=None)
def test_impact_of_the_touched_people_equals_everyones(
    live_spec: dict[str, Any], want_spec: dict[str, Any]
) -> None:
    live = {
        k: Record(k, {"attendees": a, "sessions": s}, id=i)
        for i, (k, (a, s)) in enumerate(live_spec.items())
    }
    desired = {k: Record(k, {"attendees": a, "sessions": s}) for k, (a, s) in want_spec.items()}
    changes = diff_scope(scope(), desired, live)
    assert exact_rows(live, changes) == _brute_force_impact(live, changes)


def test_people_on_the_same_schedules_share_one_sorted_delta() -> None:
    """Each distinct set of schedules is merged and sorted once: the rows of everyone who joins one
    schedule are the same lists (a schedule of 2,000 attendees cost 2,000 sorts of its sessions)."""
    live = {"Old": Record("Old", {"attendees": [1, 2], "sessions": [5]}, id=1)}
    desired = {
        "Old": Record("Old", {"attendees": [1, 2], "sessions": [5]}),
        "New": Record("New", {"attendees": list(range(1, 200)), "sessions": [7, 5, 6]}),
    }
    rows = exact_rows(live, diff_scope(scope(), desired, live))
    assert rows[0] == {"person": 1, "gain": [6, 7], "lose": []}  # 5 was already theirs through Old
    assert rows[2] == {"person": 3, "gain": [5, 6, 7], "lose": []}
    assert len(rows) == 199 and len({id(r["gain"]) for r in rows}) == 2


def test_review_lines_word_each_persons_delta_from_a_saved_plans_rows() -> None:
    """Rows read back from a saved plan (lists, not sets): each person's line names their own delta,
    people with the same delta get the same words (worded once per delta: 40,000 people on 20 new
    schedules took 63 s when each was worded apart; `make bench` measures it)."""
    from provisioner.providers.guidebook import impact

    rows = [{"person": p, "gain": [6, 5], "lose": []} for p in range(1, 300)] + [
        {"person": 400, "gain": [], "lose": [6]},
        {"person": 401, "gain": [7], "lose": [5]},
    ]
    lines = impact.guidebook_exact([], json.loads(json.dumps(rows)))
    # above 50 people, those with the same delta are one line (issue 24): worded once, named by the
    # first three
    assert lines[0] == "attendee 1, attendee 2, attendee 3 and 296 more: +session 5, +session 6"
    assert len(lines) == 3
    assert lines[-2:] == ["attendee 400: −session 6", "attendee 401: +session 7, −session 5"]


def test_entry_points_are_read_like_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The registry reads entry points without importlib.metadata (half of `provisioner --help`'s
    time)."""
    from importlib.metadata import entry_points

    from provisioner.providers.entrypoints import entry_point_specs

    dist = tmp_path / "toy_service-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-service\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[console_scripts]\ntoy = toy:main\n\n[provisioner.services]\ntoy = toy_service:SERVICE\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for group in ("provisioner.services", "console_scripts", "pytest11"):
        assert entry_point_specs(group) == {ep.name: ep.value for ep in entry_points(group=group)}
    assert entry_point_specs("provisioner.services") == {"toy": "toy_service:SERVICE"}


def test_help_imports_neither_pydantic_nor_requests_nor_the_yaml_parser() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from provisioner.cli import main; "
        "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('pydantic', 'requests', 'ruamel.yaml', 'importlib.metadata') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_a_survey_leaves_no_garbage_cycles(
    sb: Any, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The survey runs with the collector paused and freezes what it made (collector.py): sound only
    while it makes no garbage cycles, which would then be kept for the run."""
    from provisioner.providers import registry
    from tests.conftest import sandbox_env
    from tests.helpers import Driver

    path = write(
        "a.yaml",
        """
        provider: guidebook
        guide: 47
        prune: false
        schedules:
          - {name: Sales Team, attendees: [6, 7, 20], sessions: [13, 14]}
          - {name: Brand New, attendees: [9, 8], sessions: [15]}
    """,
    )
    ws = load_workspace([str(path)])
    monkeypatch.setattr(gc, "freeze", lambda: None)
    engine = Driver(registry.build(ws, sandbox_env(sb)), parallelism=2)
    engine.survey(
        ws
    )  # the first one also makes what lives as long as the process (connections, caches)
    gc.collect()
    run = engine.survey(ws, want_labels=True)
    assert gc.collect() == 0
    assert run.plan.summary == {"create": 1, "update": 1, "delete": 0} and run.plan.impact
