"""A saved plan (``plan --out``) as the unit of apply: reading it back, and judging it against a
fresh read of its scopes (stale, pending, or already applied). Plain functions over plain values; no
I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

from provisioner.applying.preconditions import moved_fields
from provisioner.core.errors import StalePlanError
from provisioner.core.outcomes import Survey
from provisioner.core.plan import fingerprint
from provisioner.core.planshape import checked_plan_json
from provisioner.core.records import Change, Plan, Record, Scope
from provisioner.files.planfile import plan_content, read_plan_json
from provisioner.planning.diff import diff_scope


def read_plan_file(path: str) -> Plan:
    """The plan ``plan --out`` wrote to ``path``; StalePlanError for anything else."""
    data = read_plan_json(
        path,
        unreadable=lambda e: f"cannot read plan file {path}: {e}",
        not_json=lambda e: f"cannot read plan file {path}: not JSON ({e})",
    )
    saved = load_saved(data, path)
    _known_services(saved)
    return saved


def _known_services(saved: Plan) -> None:
    """A saved change of a service this provisioner does not know is refused as such (issue 23: it
    was reported as "live state changed")."""
    from provisioner.providers import registry

    known = registry.names()
    unknown = [
        f"{c.action} {c.scope} {c.key!r}: no service {c.provider!r} is known (known: "
        f"{', '.join(known)})"
        for c in saved.changes
        if c.provider not in known
    ]
    if unknown:
        raise StalePlanError(
            "refusing to apply this plan, nothing was written:\n  " + "\n  ".join(unknown)
        )


def load_saved(data: Any, path: str = "the plan file") -> Plan:
    """The saved plan in ``data`` (read from ``path``), checked for shape and fingerprint;
    StalePlanError, in words, for anything this provisioner did not write or that was edited since.
    """
    data = checked_plan_json(data, path)
    with plan_content(path):  # what shape_problem does not foresee: still words
        plan = Plan.from_json(data)
        stored = fingerprint(data.get("inputs_digest", ""), list(data.get("changes", [])))
    if data.get("fingerprint") != stored:
        raise StalePlanError("plan file was edited after it was written (fingerprint mismatch)")
    return plan


def _saved_state(c: Change, run: Survey) -> Literal["pending", "applied", "stale"]:
    """Whether live still holds what a saved change was computed from, already holds what it writes,
    or neither (someone else changed it: the plan is stale)."""
    live = _live_of(c, run)
    if _norm(live.snapshot() if live else None) == _norm(c.before):
        return "pending"
    if (
        c.action == "update"
        and live is not None
        and _norm(live.id) == _norm((c.before or {}).get("id"))
        and not moved_fields(c, live)
    ):  # only a field its file does not manage moved (preconditions.py)
        return "pending"
    if c.action == "delete":
        return "applied" if live is None else "stale"
    after = c.after or {}
    wrote = c.fields if c.action == "update" else after
    same_object = c.action == "create" or (
        live is not None and _norm(live.id) == _norm((c.before or {}).get("id"))
    )
    if (
        live is not None
        and same_object
        and all(_norm(live.values.get(f)) == _norm(after.get(f)) for f in wrote)
    ):
        return "applied"
    return "stale"


def _live_of(c: Change, run: Survey) -> Record | None:
    """The live object a saved change is about: by its key, or (an update) by the id it was computed
    from, since an update can change the key (a Planning Center member's position is part of it)."""
    scope = run.live.get((c.provider, c.scope), {})
    live = scope.get(c.key)
    if live is None and c.action == "update":
        want = _norm((c.before or {}).get("id"))
        live = next((r for r in scope.values() if _norm(r.id) == want), None)
    return live


Desire = Callable[[Scope, dict[str, Record]], dict[str, Record]]


def rederive(saved: Plan, run: Survey, desired: Desire) -> None:
    """Refuse the whole plan (StalePlanError) when the YAML does not make one of its changes."""
    forged = not_derived(saved, run, desired)
    if forged:
        raise StalePlanError(
            "refusing to apply a plan the YAML does not make, nothing was written:\n  "
            + "\n  ".join(forged)
        )


def not_derived(saved: Plan, run: Survey, desired: Desire) -> list[str]:
    """Every saved change the YAML does not make (contract §5): each scope's live state is taken as
    each change's recorded ``before`` says it was, the YAML resolved against it, and the diff must
    give the saved change back. A hand-edited plan, even with its fingerprint recomputed, is
    refused."""
    problems: list[str] = []
    for scope in run.scopes:
        mine = [c for c in saved.changes if (c.provider, c.scope) == (scope.provider, scope.name)]
        if not mine:
            continue
        then = _as_planned(mine, run.live.get(scope.ident, {}))
        derived = {c.key: c for c in diff_scope(scope, desired(scope, then), then)}
        for c in mine:
            again = derived.get(c.key)
            differs = _differs(c, again)
            if differs is not None:
                problems.append(
                    f"{c.action} {c.scope} {c.key!r}: the YAML given makes a different change from "
                    f"its recorded `before` ({differs}); make a new plan from the YAML"
                )
    return problems


def _as_planned(changes: list[Change], live: dict[str, Record]) -> dict[str, Record]:
    """``live`` with each changed object as its change's ``before`` recorded it (creates:
    absent)."""
    ids = {_norm((c.before or {}).get("id")) for c in changes if c.action != "create"}
    keys = {c.key for c in changes}
    then = {k: r for k, r in live.items() if _norm(r.id) not in ids and k not in keys}
    for c in changes:
        if c.action == "create" or c.before is None:
            continue
        values = {k: v for k, v in c.before.items() if k != "id"}
        then[c.key] = Record(
            c.key, values, c.before.get("id"), identity=dict(c.identity), twin_of=c.twin_of
        )
    return then


def _differs(saved: Change, again: Change | None) -> str | None:
    """What of ``saved`` the derived change ``again`` does not repeat (None: the same change)."""
    if again is None:
        return "the YAML makes no change there"
    if again.action != saved.action:
        return f"the YAML makes a {again.action}"
    names = sorted(
        n
        for n in set(saved.fields)
        | set(again.fields)
        | set(saved.after or {})
        | set(again.after or {})
        if _norm(saved.fields.get(n)) != _norm(again.fields.get(n))
        or _norm((saved.after or {}).get(n)) != _norm((again.after or {}).get(n))
    )
    return ", ".join(names) or None


def check_saved(saved: Plan, run: Survey) -> list[str]:
    """Every reason the saved plan may no longer be applied as reviewed. A change already made (live
    holds what it would write) is not a reason: :func:`adopt_saved` leaves it out."""
    if saved.inputs_digest != run.plan.inputs_digest:
        return [
            "the YAML on disk differs from the YAML the plan was made from (edited since, or not "
            "the paths "
            "given to plan); give apply the same paths as plan, or make a new plan"
        ]
    return [
        f"{c.action} {c.scope} {c.key!r}: live state changed since the plan was made"
        for c in saved.changes
        if _saved_state(c, run) == "stale"
    ]


def adopt_saved(saved: Plan, run: Survey) -> tuple[Survey, list[Change]]:
    """The run that applies the saved plan itself (its changes, safety verdicts, warnings, impact)
    over the fresh read of its scopes, and the saved changes live already holds (a plan applied
    before, or an apply that stopped half-way), which are left out."""
    done = [c for c in saved.changes if _saved_state(c, run) == "applied"]
    plan = saved
    if (
        done
    ):  # the exact per-person rows cover every saved change: fall back to the changes' own lines
        plan = replace(saved, changes=tuple(c for c in saved.changes if c not in done), impact=())
    return replace(run, plan=plan), done


def _norm(value: Any) -> Any:
    """Compare snapshots the way JSON stored them (ids may come back as str or int, lists
    sorted)."""
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return sorted((_norm(v) for v in value), key=repr)
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
