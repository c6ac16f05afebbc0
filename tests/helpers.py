"""Small builders shared by the unit tests."""

from __future__ import annotations

from typing import Any

from provisioner.model import Safety
from provisioner.plan import Change
from provisioner.providers.base import Record, Scope


def scope(prune: bool = True, ignore: tuple[str, ...] = (), protect: tuple[str, ...] = (),
          max_pct: float = 30, min_existing: int = 10) -> Scope:
    return Scope("guidebook", "guide 47", {"guide": 47}, prune=prune, ignore=ignore, protect=protect,
                 safety=Safety(max_delete_percent=max_pct, min_existing=min_existing), options={"note_renames": True})


def rec(key: str, id: Any = None, source: str | None = None, **values: Any) -> Record:
    return Record(key, values, id=id, source=source)


def simulate(live: dict[str, Record], changes: list[Change]) -> dict[str, Record]:
    """What a faithful server would hold after the changes: the model the property tests check against."""
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
            out[c.key] = Record(c.key, {**old.values, **{k: (c.after or {})[k] for k in c.fields}}, id=old.id)
    return out
