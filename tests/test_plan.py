"""Plan values: ordering, counts, JSON round trip, fingerprint."""

from __future__ import annotations

import json

import pytest

from provisioner.applying.saved import load_saved
from provisioner.core.errors import StalePlanError
from provisioner.core.plan import Change, Plan, ScopeReport


def change(action: str, key: str, scope: str = "guide 47") -> Change:
    return Change(
        action=action,
        provider="guidebook",
        scope=scope,
        key=key,  # type: ignore[arg-type]
        fields={"sessions": {"add": [13], "remove": [2]}},
        reason="r",
        source="s.yaml:1",
        target={"guide": 47, "id": 1},
        before={"id": 1, "sessions": [2]},
        after={"sessions": [13]},
    )


def test_sorted_counted_and_summarised() -> None:
    plan = Plan(
        (change("create", "b"), change("delete", "z"), change("update", "a"), change("create", "a"))
    )
    assert [(c.action, c.key) for c in plan.changes] == [
        ("delete", "z"),
        ("update", "a"),
        ("create", "a"),
        ("create", "b"),
    ]
    assert plan.summary == {"create": 2, "update": 1, "delete": 1}
    assert plan.summary_line() == "Plan: 2 to create, 1 to update, 1 to delete."
    assert Plan().summary_line() == "No changes. Live state matches the YAML."


def test_json_form_has_the_fixed_fields_and_round_trips() -> None:
    plan = Plan(
        (change("update", "Sales Team"),),
        (ScopeReport("guidebook", "guide 47", 12, 0),),
        ("w",),
        "sha256:x",
    )
    data = json.loads(json.dumps(plan.to_json()))
    assert data["format_version"] == 1
    assert data["summary"] == {"create": 0, "update": 1, "delete": 0}
    assert data["changes"][0] | {} == {
        "action": "update",
        "provider": "guidebook",
        "scope": "guide 47",
        "key": "Sales Team",
        "fields": {"sessions": {"add": [13], "remove": [2]}},
        "reason": "r",
        "source": "s.yaml:1",
        "target": {"guide": 47, "id": 1},
        "before": {"id": 1, "sessions": [2]},
        "after": {"sessions": [13]},
        "labels": {},
    }
    assert data["fingerprint"].startswith("sha256:")
    again = load_saved(data)
    assert again == plan and again.fingerprint == plan.fingerprint


def test_tampered_or_foreign_plan_files_are_refused() -> None:
    data = Plan((change("update", "a"),)).to_json()
    data["changes"][0]["after"] = {"sessions": [99]}
    with pytest.raises(StalePlanError, match="fingerprint mismatch"):
        load_saved(data)
    with pytest.raises(StalePlanError, match="format_version 2"):
        load_saved({**data, "format_version": 2})
