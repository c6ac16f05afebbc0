"""Small builders shared by the unit tests."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from provisioner.applying import run as applying
from provisioner.core.outcomes import ApplyReport, Survey
from provisioner.core.plan import Change
from provisioner.core.records import Loaded, Record, Scope
from provisioner.files.fields import Safety
from provisioner.planning import run as planning
from provisioner.planning.reading import Workers
from provisioner.providers.base import Provider, Written


def examples(thorough: int) -> int:
    """Hypothesis examples for a property: a quarter of ``thorough`` in ``make test`` (kept fast, as
    it is run often), all of them with PROVISIONER_TEST_THOROUGH=1 (``make test-thorough``)."""
    return thorough if os.environ.get("PROVISIONER_TEST_THOROUGH") else max(25, thorough // 4)


class Driver:
    """Planning and applying over the given providers, as the engine drives them (without files,
    selection or a CLI): ``survey`` then ``apply``."""

    def __init__(self, providers: Mapping[str, Provider], **settings: Any) -> None:
        self.workers = Workers(providers, **settings)

    def survey(self, workspace: Any, **kw: Any) -> Survey:
        return planning.survey(self.workers, workspace, **kw)

    def apply(self, run: Survey, **kw: Any) -> ApplyReport:
        return applying.apply(self.workers, run, **kw)


def scope(
    prune: bool = True,
    ignore: tuple[str, ...] = (),
    protect: tuple[str, ...] = (),
    max_pct: float = 30,
    min_existing: int = 10,
) -> Scope:
    return Scope(
        "guidebook",
        "guide 47",
        {"guide": 47},
        prune=prune,
        ignore=ignore,
        protect=protect,
        safety=Safety(max_delete_percent=max_pct, min_existing=min_existing),
        note_renames=True,
    )


def rec(key: str, id: Any = None, source: str | None = None, **values: Any) -> Record:
    """A record; a key written "Name (#id)" is a live twin of "Name", as providers' ``add_live``
    makes it."""
    twin = re.fullmatch(r"(.*) \(#[^)]*\)", key)
    return Record(key, values, id=id, source=source, twin_of=twin[1] if twin else None)


def ident(key: str) -> dict[str, Any]:
    """The typed identity a Planning Center provider gives a key like "person 111 / team 22" (test
    shorthand)."""
    return {kind: int(n) for kind, n in re.findall(r"(person|team|plan) (\d+)", key)}


def simulate(live: dict[str, Record], changes: list[Change]) -> dict[str, Record]:
    """What a faithful server would hold after the changes: the model the property tests check
    against."""
    out = dict(live)
    next_id = 10_000
    for c in changes:
        if c.action == "delete":
            del out[c.key]
        elif c.action == "create":
            next_id += 1
            out[c.key] = Record(c.key, dict(c.after or {}), id=next_id)
        else:
            old = out[c.key]
            out[c.key] = Record(
                c.key, {**old.values, **{k: (c.after or {})[k] for k in c.fields}}, id=old.id
            )
    return out


class FakeProvider(Provider):
    """An in-memory provider for engine tests: scopes come from the test, not from files. Only the
    contract's abstract methods are implemented; everything else is the real default behaviour."""

    name = "fake"
    title = "Fake"

    def __init__(
        self,
        scopes: list[Scope],
        live: dict[str, dict[str, Record]],
        desired: dict[str, dict[str, Record]],
    ) -> None:
        self._scopes, self.live, self._desired = scopes, live, desired
        self.applied: list[tuple[str, str]] = []
        self.fail: dict[str, Exception] = {}  # key -> error its change raises
        self.unreadable: dict[str, Exception] = {}  # scope name -> error its read raises

    def scopes(self, files: Sequence[Loaded]) -> list[Scope]:
        return self._scopes

    def read(self, scope: Scope) -> dict[str, Record]:
        if scope.name in self.unreadable:
            raise self.unreadable[scope.name]
        return dict(self.live[scope.name])

    def desired(
        self, scope: Scope, live: dict[str, Record], *, want_labels: bool = False
    ) -> dict[str, Record]:
        return self._desired[scope.name]

    def apply(self, change: Change) -> Written | None:
        if change.key in self.fail:
            raise self.fail[change.key]
        self.applied.append((change.action, change.key))
        self.live[change.scope] = simulate(self.live[change.scope], [change])
        made = self.live[change.scope].get(change.key) if change.action == "create" else None
        return Written(id=made.id) if made else None


def roster_yaml(
    plan: int,
    members: Sequence[dict[str, Any]],
    *,
    prune: bool | None = None,
    service_type: int = 1234,
) -> str:
    """A Planning Center roster file of one plan, laid out as users write it: `provider` on line 1,
    the plan on line 4, `prune` (when given) on line 5, and the team members from line 6 or 7, one
    flow mapping a line."""
    lines = [
        "provider: planning_center",
        f"service_type: {service_type}",
        "rosters:",
        f"  - plan: {plan}",
    ]
    if prune is not None:
        lines.append(f"    prune: {'true' if prune else 'false'}")
    lines.append("    team_members:")
    lines += [
        "      - {" + ", ".join(f"{k}: {_scalar(v)}" for k, v in m.items()) + "}" for m in members
    ]
    return "\n".join(lines) + "\n"


def _scalar(value: Any) -> str:
    if isinstance(value, str) and not re.fullmatch(r"[A-Za-z][\w .'-]*", value):
        return json.dumps(value)  # a JSON string is a YAML double-quoted scalar
    return str(value)


def on_team(person: int, team: int, **fields: Any) -> dict[str, Any]:
    """One team-member entry for :func:`roster_yaml`."""
    return {"person": person, "team": team, **fields}
