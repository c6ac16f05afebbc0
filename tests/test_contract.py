"""The plug-in contract's shared pieces: the one public module, the file policy every provider
merges with ``Scope.include``, and ``ByKind``'s routing of scopes and changes to one handler per
kind."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

from provisioner.core.errors import ProvisionerError
from provisioner.core.positions import Pos
from provisioner.core.records import Change, DefaultGuard, Loaded, Record, Scope
from provisioner.files.fields import Safety
from provisioner.providers import contract
from provisioner.providers.contract import ByKind, Declared, KindHandler, Written


def loaded(name: str) -> Loaded:
    return Loaded(name, None, Pos(1, 1))  # type: ignore[arg-type]


def test_every_name_of_the_contract_is_importable() -> None:
    for name in contract.__all__:
        assert getattr(contract, name) is not None, name
    with pytest.raises(AttributeError):
        contract.Nothing  # noqa: B018


def test_importing_the_contract_for_a_service_imports_neither_pydantic_nor_plans() -> None:
    code = (
        "import sys\nfrom provisioner.providers.contract import Service\n"
        "print(sorted(m for m in ('pydantic', 'provisioner.core.plan', 'json') if m in "
        "sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout == "[]\n"


def test_one_file_sets_the_scopes_policy() -> None:
    a = loaded("a.yaml")
    scope: Scope[str] = Scope("toy", "shelf 1", {"shelf": 1})
    scope.include(
        a,
        [Declared(a, ("items", 0), "Ball")],
        at=("shelf",),
        prune=False,
        ignore=["b*", "a*"],
        protect=["P*"],
        safety=Safety(max_delete_percent=50, min_existing=3),
    )
    assert (scope.files, scope.prune, scope.ignore, scope.protect) == (
        1,
        False,
        ("a*", "b*"),
        ("P*",),
    )
    assert (scope.safety.max_delete_percent, scope.safety.min_existing) == (50, 3)
    assert scope.anchor == (a, ("shelf",))
    assert [d.item for d in scope.items] == ["Ball"]


def test_several_files_of_one_scope_merge_to_the_most_careful_setting() -> None:
    a, b, c = loaded("a.yaml"), loaded("b.yaml"), loaded("c.yaml")
    scope: Scope[str] = Scope("toy", "shelf 1", {"shelf": 1})
    scope.include(a, [Declared(a, ("items", 0), "Ball")], at=("shelf",), ignore=["x*"])
    scope.include(
        b,
        [Declared(b, ("items", 0), "Kite")],
        at=("shelf",),
        prune=False,
        ignore=["x*", "y*"],
        protect=["K*"],
        safety=Safety(max_delete_percent=50, min_existing=3),
    )
    scope.include(c, safety=Safety(max_delete_percent=80, min_existing=20))
    assert scope.files == 3
    assert scope.prune is False  # prunes only if every file prunes
    assert (scope.ignore, scope.protect) == (("x*", "y*"), ("K*",))
    # a.yaml has no `safety:` (the defaults, 30% and 10), b.yaml 50% and 3, c.yaml 80% and 20
    assert scope.safety == DefaultGuard(max_delete_percent=30, min_existing=3)
    assert scope.anchor == (a, ("shelf",))  # the first file that names the scope
    assert [(d.file.path, d.item) for d in scope.items] == [("a.yaml", "Ball"), ("b.yaml", "Kite")]


class Kind(KindHandler[str]):
    def __init__(self, kind: str) -> None:
        self.kind = kind  # type: ignore[misc]
        self.calls: list[str] = []

    def read(self, scope: Scope[str]) -> dict[str, Record]:
        self.calls.append(f"read {scope.name}")
        return {}

    def desired(
        self, scope: Scope[str], live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]:
        self.calls.append(f"desired {scope.name}")
        return {}

    def apply(self, change: Change) -> Written | None:
        self.calls.append(f"apply {change.key}")
        return None

    def scope_title(self, scope: Scope[str]) -> str | None:
        return f"{self.kind} title"


class Two(ByKind):
    name: ClassVar[str] = "two"

    def __init__(self) -> None:
        self.plans, self.people = Kind("plan"), Kind("person")
        self.handlers = {"plan": self.plans, "person": self.people}

    def scopes(self, files: Any) -> list[Scope]:
        return []


def change(target: dict[str, Any]) -> Change:
    return Change("update", "two", "s", "k", {}, "", target={**target, "id": "9"})


def test_by_kind_routes_scopes_by_kind_and_changes_by_the_id_their_target_holds() -> None:
    two = Two()
    plan = Scope("two", "plan 5", {"service_type": 1, "plan": 5}, kind="plan")
    person = Scope("two", "person 7", {"person": 7})  # made without a kind: found by its target
    two.read(plan)
    two.desired(person, {})
    two.apply(change({"service_type": 1, "plan": 5}))
    two.apply(change({"person": 7}))
    assert two.plans.calls == ["read plan 5", "apply k"]
    assert two.people.calls == ["desired person 7", "apply k"]
    assert (two.scope_title(plan), two.warnings(person, desired={})) == ("plan title", [])
    with pytest.raises(ProvisionerError, match="names kinds"):
        two.apply(change({"plan": 5, "person": 7}))


def test_the_planning_center_provider_has_one_handler_per_kind() -> None:
    source = Path(__file__).resolve().parent.parent / "provisioner/providers/planning_center"
    provider = (source / "provider.py").read_text(encoding="utf-8")
    assert '"person" in' not in provider and '"plan" in' not in provider


def test_every_extension_point_has_a_docstring() -> None:
    """What a plug-in author implements or calls says what it must and may do (an override may rely
    on the method it overrides: inspect.getdoc finds that one's)."""
    undocumented, seen = [], 0
    for name in contract.__all__:
        obj = getattr(contract, name)
        if not getattr(obj, "__module__", "").startswith("provisioner.providers"):
            continue
        seen += 1
        if not inspect.getdoc(obj):
            undocumented.append(name)
        for attr, member in vars(obj).items() if isinstance(obj, type) else ():
            if callable(member) and not attr.startswith("_"):
                seen += 1
                if not inspect.getdoc(getattr(obj, attr)):
                    undocumented.append(f"{name}.{attr}")
    assert (undocumented, seen > 40) == ([], True)


def test_two_guidebook_files_of_one_guide_share_the_most_careful_policy(
    cli: Any, sb: Any, write: Any
) -> None:
    """Guidebook merges its files' policy with the shared Scope.include: one file that does not
    prune keeps the guide from being pruned; one file's protect pattern guards what the other would
    delete."""
    keep = [
        s
        for s in sb.store.guidebook_schedules(47)
        if s["name"] not in ("Legacy Track", "Manual Adjustments")
    ]
    root = write(
        "a.yaml",
        "provider: guidebook\nguide: 47\nignore: ['Manual *']\nschedules:\n"
        + "".join(
            f"  - {{name: {s['name']}, attendees: {s['attendees']}, sessions: {s['sessions']}}}\n"
            for s in keep
        ),
    )
    write("0.yaml", "provider: guidebook\nguide: 47\nprune: false\n")  # read first
    plan = cli("plan", str(root), "--format", "json")
    assert plan.exit_code == 0, plan.output
    assert [c["action"] for c in json.loads(plan.stdout)["changes"]] == []
    write("0.yaml", "provider: guidebook\nguide: 47\nprotect: ['Legacy *']\n")
    applied = cli("apply", str(root), "--auto-approve")
    assert applied.exit_code == 1
    assert "Legacy Track" in applied.output and "--force" in applied.output
    assert [r for r in sb.requests() if r["method"] != "GET"] == []
