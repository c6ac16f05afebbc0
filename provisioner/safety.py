"""Safety guards: mass deletes and protected objects. Plan flags them; apply refuses without --force."""

from __future__ import annotations

from provisioner.core import Record, Scope
from provisioner.diff import matches
from provisioner.plan import Change, ScopeReport


def assess(scope: Scope, live: dict[str, Record], changes: list[Change]) -> ScopeReport:
    """Judge one scope's changes against its thresholds and ``protect`` patterns."""
    counted = [k for k, r in live.items() if not matches(k, scope.ignore, r.twin_of)]
    deletes = [c for c in changes if c.action == "delete"]
    violations = [f"{scope.name}: {c.key!r} is protected (pattern in `protect`) and would be deleted"
                  for c in deletes if matches(c.key, scope.protect, c.twin_of)]
    total, n = len(counted), len(deletes)
    if n and n == total:
        violations.append(f"{scope.name}: would delete all {total} live objects")
    elif total >= scope.safety.min_existing and n * 100 > scope.safety.max_delete_percent * total:
        violations.append(f"{scope.name}: would delete {n} of {total} live objects ({n * 100 / total:.0f}%), "
                          f"more than the {scope.safety.max_delete_percent:g}% allowed")
    return ScopeReport(scope.provider, scope.name, total, n, tuple(violations))
