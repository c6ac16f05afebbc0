"""Safety guards: mass deletes and removals, protected objects, duplicates. Plan flags them; apply
refuses the first two without --force."""

from __future__ import annotations

from provisioner.core.plan import Change, ScopeReport
from provisioner.core.records import Record, Scope
from provisioner.planning.diff import matches


def assess(scope: Scope, live: dict[str, Record], changes: list[Change]) -> ScopeReport:
    """Judge one scope's changes against its thresholds and ``protect`` patterns.

    Removing members (a list field's values) from an object counts like deleting it: emptying every
    schedule removes more than deleting them would. An exact copy (a duplicate with the same values
    as the object it repeats) is neither counted nor guarded: removing it loses nothing."""
    copies = {k for k, r in live.items() if exact_copy(r, live)}
    counted = [
        k for k, r in live.items() if not matches(k, scope.ignore, r.twin_of) and k not in copies
    ]
    deletes = [c for c in changes if c.action == "delete" and c.key not in copies]
    removals = [c for c in changes if c.action == "update" and _removes_members(c)]
    violations = [
        f"{scope.name}: {c.key!r} is protected (pattern in `protect`) and would be deleted"
        for c in deletes
        if matches(c.key, scope.protect, c.twin_of)
    ]
    total, n = len(counted), len(deletes) + len(removals)
    what = _what(len(deletes), len(removals))
    # The plan's delete count includes the exact copies; say so, or "12 to delete" vs "11 of 13"
    # reads as a bug.
    uncounted = sum(c.action == "delete" and c.key in copies for c in changes)
    aside = f" and {'delete ' if removals else ''}{_copies(uncounted)}" if uncounted else ""
    if n and n == total and not removals:
        violations.append(f"{scope.name}: would delete all {total} live objects{aside}")
    elif n and n == total:
        violations.append(f"{scope.name}: would {what} all {total} live objects{aside}")
    elif total >= scope.safety.min_existing and n * 100 > scope.safety.max_delete_percent * total:
        violations.append(
            f"{scope.name}: would {what} {n} of {total} live objects "
            f"({n * 100 / total:.0f}%){aside}, "
            f"more than the {scope.safety.max_delete_percent:g}% allowed"
        )
    return ScopeReport(scope.provider, scope.name, total, len(deletes), tuple(violations))


def _copies(n: int) -> str:
    return "1 exact copy" if n == 1 else f"{n} exact copies"


def _what(deletes: int, removals: int) -> str:
    if not removals:
        return "delete"
    return (
        "remove members from"
        if not deletes
        else f"delete {deletes} and remove members from {removals}, so touch"
    )


def _removes_members(change: Change) -> bool:
    return any(isinstance(d, dict) and d.get("remove") for d in change.fields.values())


def exact_copy(rec: Record, live: dict[str, Record]) -> bool:
    """A live duplicate with the very values of the object it repeats."""
    first = live.get(rec.twin_of) if rec.twin_of else None
    return first is not None and first.values == rec.values


def duplicates(
    scope: Scope, desired: dict[str, Record], live: dict[str, Record], changes: list[Change]
) -> list[str]:
    """Duplicates of declared objects that this plan leaves in place (prune is off): always said,
    and they make `drift` and `plan --detailed-exitcode` report a difference."""
    if not scope.dedupe:
        return []
    deleted = {c.key for c in changes if c.action == "delete"}
    out: dict[str, list[str]] = {}
    for key, rec in live.items():
        if (
            rec.twin_of in desired
            and key not in deleted
            and not matches(key, scope.ignore, rec.twin_of)
        ):
            out.setdefault(rec.twin_of, []).append(f"#{rec.id}")
    return [
        f"{scope.name}: {name!r} exists {len(ids) + 1} times in live (#{live[name].id}, "
        f"{', '.join(ids)}); "
        "prune is off, so nothing removes the extra copies: delete them by hand, or turn prune on "
        "(the lowest id is kept)"
        for name, ids in sorted(out.items())
    ]
