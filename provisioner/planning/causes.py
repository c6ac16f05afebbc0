"""`--base REF`: tell a pull request's own changes from drift already in live (docs/api-notes.md,
contract §4).

The base branch's YAML is planned against the same live records the plan was computed from (no
request: the scopes were just read). A change that plan would make too, identically, is ``"drift"``:
live moved away from what REF declares, and merging would correct it. Every other change is
``"change"``: it exists because the YAML differs from REF, so the reviewer is approving it. A change
partly from each (the PR edits a schedule that also drifted) is one write, and counts as the PR's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from provisioner.core.errors import PlanError, ValidationError
from provisioner.core.plan import CAUSES
from provisioner.core.records import Change, Loaded, Plan, Record, Scope
from provisioner.files.gitref import snapshot
from provisioner.files.loader import SUFFIXES, load_workspace
from provisioner.planning.diff import diff_scope
from provisioner.providers.base import Provider, scopes_of

CHANGE, DRIFT = CAUSES


def label_causes(
    plan: Plan,
    scopes: Sequence[Scope],
    live: Mapping[tuple[str, str], dict[str, Record]],
    providers: Mapping[str, Provider],
    base: Sequence[Loaded],
    ref: str,
    notes: Sequence[str] = (),
) -> Plan:
    """``plan`` with each change's ``cause`` set and the per-person impact computed per cause."""
    declared = {s.ident: s for key, p in providers.items() for s in scopes_of(key, p, base)}
    drift: set[str] = set()
    warnings: list[str] = list(notes)
    for scope in scopes:
        found, problem = _base_changes(
            declared.get(scope.ident), live[scope.ident], providers[scope.provider_key]
        )
        drift |= {_signature(c) for c in found}
        if problem:
            warnings.append(
                f"{scope.name}: cannot tell drift from this pull request's changes: the YAML at "
                f"{ref} "
                f"does not plan ({problem}); every change here is shown as the pull request's"
            )
    changes = tuple(
        replace(c, cause=DRIFT if _signature(c) in drift else CHANGE) for c in plan.changes
    )
    impact = _impact(changes, scopes, live, providers)
    return replace(plan, changes=changes, warnings=(*plan.warnings, *warnings), impact=impact)


def _base_changes(
    scope: Scope | None, live: dict[str, Record], provider: Provider
) -> tuple[list[Change], str]:
    """What REF's YAML would plan for this scope now; nothing when REF does not declare it (new in
    the PR)."""
    if scope is None:
        return [], ""
    try:
        desired = provider.desired(scope, live)
    except PlanError as e:
        return [], str(e.diagnostics[0]) if e.diagnostics else str(e)
    return diff_scope(scope, desired, live), ""


def _signature(c: Change) -> str:
    """Same object, same action, same field changes: the same write."""
    return json.dumps([c.provider, c.scope, c.key, c.action, c.fields], sort_keys=True, default=str)


def _impact(
    changes: Sequence[Change],
    scopes: Sequence[Scope],
    live: Mapping[tuple[str, str], dict[str, Record]],
    providers: Mapping[str, Provider],
) -> tuple[dict[str, Any], ...]:
    """Per scope and cause, what that group of changes alone means for each person."""
    out = []
    for scope in scopes:
        for cause in CAUSES:
            mine = [c for c in changes if (c.provider, c.scope) == scope.ident and c.cause == cause]
            people = (
                providers[scope.provider_key].impact(scope, live=live[scope.ident], changes=mine)
                if mine
                else None
            )
            if people is not None:
                out.append(
                    {
                        "provider": scope.provider,
                        "scope": scope.name,
                        "cause": cause,
                        "people": people,
                    }
                )
                moved = providers[scope.provider_key].moves(scope, changes=mine)
                if moved:
                    out[-1]["moves"] = moved
    return tuple(out)


def load_base(ref: str, paths: Sequence[str]) -> tuple[list[Loaded], list[str]]:
    """The files the given paths held at ``ref``, and a warning when they do not validate (then
    nothing of REF is known, and every change counts as the pull request's)."""
    with snapshot(ref, paths, "--base") as snap:
        if not any(p.suffix in SUFFIXES for p in snap.files()):
            return [], []
        try:
            workspace = load_workspace([str(p) for p in snap.paths.values() if p is not None])
        except ValidationError as e:
            first = e.diagnostics[0].message if e.diagnostics else str(e)
            return [], [
                f"the YAML at {ref} does not validate ({len(e.diagnostics)} errors, the first: "
                f"{first}); "
                "every change is shown as the pull request's"
            ]
        return list(workspace.files), []
