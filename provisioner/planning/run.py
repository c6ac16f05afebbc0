"""Planning: select the scopes, read them live, resolve the YAML, diff, judge safety, label causes
(--base). Nothing here writes; ``applying`` takes the :class:`~provisioner.core.outcomes.Survey`
made here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from provisioner.core.collector import paused
from provisioner.core.errors import Diagnostic, PlanError, ProvisionerError
from provisioner.core.outcomes import Live, Survey
from provisioner.core.plan import ScopeReport
from provisioner.core.records import Loaded, Plan, Record, Scope, Workspace
from provisioner.planning.diff import case_twins, diff_scope
from provisioner.planning.reading import Workers, unexpected
from provisioner.planning.safety import assess, duplicates

log = logging.getLogger(__name__)
Pick = Callable[[list[Scope]], list[Scope]]


def survey(
    workers: Workers, workspace: Workspace, *, want_labels: bool = False, only: Pick | None = None
) -> Survey:
    """Read, resolve and diff every scope the files declare, or those ``only`` picks (the others
    cost no request). The collector is paused meanwhile and what the survey made is kept out of it
    (collector.py): a survey of 10,000 creates spent a third of its time in full collections over
    the records and changes it keeps for the run, and makes no garbage cycles."""
    with paused(keep=True):
        return _survey(workers, workspace, want_labels=want_labels, only=only)


def _survey(
    workers: Workers, workspace: Workspace, *, want_labels: bool, only: Pick | None
) -> Survey:
    scopes, unresolved = workers.scopes_and_problems(workspace.files)
    if only is not None:
        scopes = only(scopes)
    notes = _subset_guard(workers, workspace, scopes)
    read_at = workers.clock.monotonic()
    live, diags = workers.read_all(scopes)
    desired, more = _resolve(workers, [s for s in scopes if s.ident in live], live, want_labels)
    if unresolved or diags or more:
        raise PlanError([*unresolved, *diags, *more])
    changes, reports, warnings, impact, twins = [], [], list(notes), [], []
    for scope in scopes:
        provider, k = workers.providers[scope.provider_key], scope.ident
        found = diff_scope(scope, desired[k], live[k], provider.labels(scope))
        changes += found
        reports.append(assess(scope, live[k], found))
        twins += duplicates(scope, desired[k], live[k], found)
        people = provider.impact(scope, live=live[k], changes=found)
        if people is not None:
            impact.append({"provider": scope.provider, "scope": scope.name, "people": people})
            moved = provider.moves(scope, changes=found)
            if moved:
                impact[-1]["moves"] = moved
        repaired, left = provider.conflicts(scope, live=live[k], changes=found)
        warnings += repaired
        twins += left
        # Sanity warnings only for what this plan writes: the reviewer is approving those.
        touched = {c.key for c in found if c.action != "delete"}
        warnings += provider.warnings(
            scope, desired={n: r for n, r in desired[k].items() if n in touched}, changes=found
        )
        warnings += case_twins(scope, desired[k], live[k])
    if want_labels:
        reports = _titled(workers, scopes, reports, {(c.provider, c.scope) for c in changes})
    plan = Plan(
        tuple(changes),
        tuple(reports),
        tuple(warnings + twins),
        workspace.digest,
        tuple(impact),
        tuple(twins),
    )
    log.info("planned %d scope(s): %s", len(reports), plan.summary_line())
    return Survey(plan, scopes, live, desired, read_at)


def _titled(
    workers: Workers, scopes: list[Scope], reports: list[ScopeReport], changed: set[tuple[str, str]]
) -> list[ScopeReport]:
    """The reports with their titles for people (``Sunday Services · Dec 13 (plan 5678)``, ``Summit
    2026 (guide 47)``), for the scopes text and markdown show: those with changes. A provider may
    read to name a scope (a guide's name: one request), so only those, and at once; a title that
    cannot be had is left out (the scope is then shown by its plain name), never an error."""
    wanted = [i for i, r in enumerate(reports) if (r.provider, r.scope) in changed]
    titles = workers.map("name", lambda i: _title(workers, scopes[i]), wanted)
    out = list(reports)
    for i, title in zip(wanted, titles, strict=True):
        out[i] = replace(out[i], title=title or "")
    return out


def _title(workers: Workers, scope: Scope) -> str | None:
    try:
        return workers.providers[scope.provider_key].scope_title(scope)
    except ProvisionerError as e:
        log.info("%s: shown by its plain name (%s)", scope.name, e)
    except Exception as e:  # the boundary: a provider's bug costs the title, not the plan
        log.info("%s", unexpected(f"naming {scope.name}", e))
    return None


def read_saved(workers: Workers, workspace: Workspace, saved: Plan) -> Survey:
    """apply --plan's fresh read: the live objects of the scopes the saved plan changes, and nothing
    else. The YAML is not resolved again (its digest is compared instead, and the saved changes
    carry ids and names), so no name is read: a guide's attendee and session lists cost more pages
    than its schedules."""
    wanted = {(c.provider, c.scope) for c in saved.changes}
    scopes = [s for s in workers.scopes(workspace.files) if s.ident in wanted]
    read_at = workers.clock.monotonic()
    live, diags = workers.read_all(scopes)
    if diags:
        raise PlanError(diags)
    return Survey(Plan(inputs_digest=workspace.digest), scopes, live, {}, read_at, resolved=False)


def with_causes(
    workers: Workers, run: Survey, base: Sequence[Loaded], ref: str, notes: Sequence[str] = ()
) -> Survey:
    """The run with each change labelled "change" or "drift" against the YAML at ``ref``
    (``base``)."""
    from provisioner.planning.causes import (
        label_causes,
    )  # only with --base: it imports the git reader

    plan = label_causes(run.plan, run.scopes, run.live, workers.providers, base, ref, notes)
    return replace(run, plan=plan)


def planned_note(scopes: Sequence[Scope], why: str) -> str:
    """Which scopes a run planned, when not every declared one (``why``: --target, changed since
    REF)."""
    from provisioner.planning.selection import SHOWN

    n = len(scopes)
    names = ", ".join(s.name for s in scopes[:SHOWN]) + (" …" if n > SHOWN else "")
    return f"Planned {n} scope{'s' if n != 1 else ''} ({why}): {names or 'none'}."


def _subset_guard(workers: Workers, workspace: Workspace, scopes: list[Scope]) -> list[str]:
    """A run given only some of the files that declare a scope must not prune that scope (it would
    delete what the other files declare): turn its prune off and say why."""
    if not workspace.siblings:
        return []
    elsewhere: dict[tuple[str, str], list[str]] = {}
    for item in workspace.siblings:
        try:
            others = workers.scopes([item])
        except PlanError as e:  # a file this run was not given, whose names do not resolve
            log.warning("%s: cannot tell which scopes it declares: %s", item.path, e)
            continue
        for other in others:
            elsewhere.setdefault(other.ident, []).append(item.path)
    notes = []
    for scope in scopes:
        paths = sorted(set(elsewhere.get(scope.ident, [])))
        if paths and scope.prune:
            scope.prune = False
            one = len(paths) == 1
            notes.append(
                f"{scope.name}: not pruned: {', '.join(paths)} also declare{'s' if one else ''} it "
                "and "
                f"this run was not given {'it' if one else 'them'}; pass every file of the scope "
                "(or "
                "the directory) to prune it"
            )
    return notes


def _resolve(
    workers: Workers, scopes: list[Scope], live: Live, want_labels: bool
) -> tuple[Live, list[Diagnostic]]:
    def one(scope: Scope) -> dict[str, Record] | PlanError:
        try:
            return workers.providers[scope.provider_key].desired(
                scope, live[scope.ident], want_labels=want_labels
            )
        except PlanError as e:
            return e
        except ProvisionerError:
            raise
        except Exception as e:  # the boundary: a provider's bug is one message, not a traceback
            raise unexpected(f"resolving {scope.name}", e) from e

    results = workers.map("resolve", one, scopes)
    diags = [d for r in results if isinstance(r, PlanError) for d in r.diagnostics]
    return {
        s.ident: r for s, r in zip(scopes, results, strict=True) if not isinstance(r, PlanError)
    }, diags
