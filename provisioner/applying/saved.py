"""A saved plan (``plan --out``) as the unit of apply: reading it back, and judging it against a fresh read of
its scopes (stale, pending, or already applied). Plain functions over plain values; no I/O."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Literal

from provisioner.applying.preconditions import moved_fields
from provisioner.core.errors import StalePlanError
from provisioner.core.outcomes import Survey
from provisioner.core.plan import FORMAT_VERSION, fingerprint
from provisioner.core.records import Change, Plan
from provisioner.files.io import FileProblem, read_bounded

MAX_PLAN_BYTES = 64 * 1024 * 1024  # a plan file larger than this is not one we wrote


def read_plan_file(path: str) -> Plan:
    """The plan ``plan --out`` wrote to ``path``; StalePlanError for anything else."""
    try:
        return load_saved(json.loads(read_bounded(path, MAX_PLAN_BYTES)))
    except FileProblem as e:
        raise StalePlanError(f"cannot read plan file {path}: {e}") from e
    except (ValueError, RecursionError) as e:
        raise StalePlanError(f"cannot read plan file {path}: not JSON ({e})") from e


def load_saved(data: Any) -> Plan:
    if not isinstance(data, dict):
        raise StalePlanError(
            f"not a provisioner plan file (a JSON {type(data).__name__}, not an object)"
        )
    version = data.get("format_version")
    if version != FORMAT_VERSION:  # any format_minor of it is read: minors only add fields
        raise StalePlanError(
            f"plan file has format_version {version!r}; this provisioner reads {FORMAT_VERSION}"
        )
    try:
        plan = Plan.from_json(data)
        stored = fingerprint(data.get("inputs_digest", ""), list(data.get("changes", [])))
    except (TypeError, AttributeError, KeyError, ValueError) as e:
        raise StalePlanError(f"not a provisioner plan file ({type(e).__name__}: {e})") from e
    if data.get("fingerprint") != stored:
        raise StalePlanError("plan file was edited after it was written (fingerprint mismatch)")
    return plan


def _saved_state(c: Change, run: Survey) -> Literal["pending", "applied", "stale"]:
    """Whether live still holds what a saved change was computed from, already holds what it writes, or
    neither (someone else changed it: the plan is stale)."""
    live = run.live.get((c.provider, c.scope), {}).get(c.key)
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


def check_saved(saved: Plan, run: Survey) -> list[str]:
    """Every reason the saved plan may no longer be applied as reviewed. A change already made (live holds
    what it would write) is not a reason: :func:`adopt_saved` leaves it out."""
    if saved.inputs_digest != run.plan.inputs_digest:
        return [
            "the YAML on disk differs from the YAML the plan was made from (edited since, or not the paths "
            "given to plan); give apply the same paths as plan, or make a new plan"
        ]
    return [
        f"{c.action} {c.scope} {c.key!r}: live state changed since the plan was made"
        for c in saved.changes
        if _saved_state(c, run) == "stale"
    ]


def adopt_saved(saved: Plan, run: Survey) -> tuple[Survey, list[Change]]:
    """The run that applies the saved plan itself (its changes, safety verdicts, warnings, impact) over the
    fresh read of its scopes, and the saved changes live already holds (a plan applied before, or an apply
    that stopped half-way), which are left out."""
    done = [c for c in saved.changes if _saved_state(c, run) == "applied"]
    plan = saved
    if (
        done
    ):  # the exact per-person rows cover every saved change: fall back to the changes' own lines
        plan = replace(saved, changes=tuple(c for c in saved.changes if c not in done), impact=())
    return replace(run, plan=plan), done


def _norm(value: Any) -> Any:
    """Compare snapshots the way JSON stored them (ids may come back as str or int, lists sorted)."""
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return sorted((_norm(v) for v in value), key=repr)
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
