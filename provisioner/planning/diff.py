"""Compare declared and live records of one scope: identity by key (set arithmetic), then values."""

from __future__ import annotations

from dataclasses import replace
from fnmatch import fnmatchcase
from typing import Any

from provisioner.core.lookalike import folded, how_alike
from provisioner.core.records import Change, Record, Scope
from provisioner.core.words import differ_reason


def matches(key: str, patterns: tuple[str, ...], twin_of: str | None = None) -> bool:
    """Patterns match the name; a live duplicate keyed "Name (#id)" matches as "Name" does."""
    return any(
        fnmatchcase(key, p) or (twin_of is not None and fnmatchcase(twin_of, p)) for p in patterns
    )


def field_diff(desired: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
    """Only fields present in ``desired`` are managed; lists compare as sets."""
    out: dict[str, Any] = {}
    for name, want in desired.items():
        have = live.get(name)
        if isinstance(want, list) and not have:  # nothing live (a create): every id is added
            if want:
                out[name] = {"add": sorted(set(want)), "remove": []}
        elif isinstance(want, list):
            have_set, want_set = set(have or ()), set(want)
            if have_set != want_set:
                out[name] = {
                    "add": sorted(want_set - have_set),
                    "remove": sorted(have_set - want_set),
                }
        elif want != have:
            out[name] = {"from": have, "to": want}
    return out


def diff_scope(
    scope: Scope,
    desired: dict[str, Record],
    live: dict[str, Record],
    labels: dict[str, dict[str, str]] | None = None,
) -> list[Change]:
    """The fewest creates, updates and deletes that make ``live`` match ``desired``."""
    labels = labels or {}
    live = {
        k: r for k, r in live.items() if not matches(k, scope.ignore, r.twin_of) or k in desired
    }
    changes = [_create(scope, r, labels) for k, r in desired.items() if k not in live]
    changes += [
        c
        for k in desired.keys() & live.keys()
        if (c := _update(scope, desired[k], live[k], labels))
    ]
    if scope.prune:
        changes += [
            _delete(scope, r, labels, kept=r.twin_of in desired)
            for k, r in live.items()
            if k not in desired
        ]
    return _note_renames(changes) if scope.note_renames else changes


def _change(
    scope: Scope,
    action: str,
    key: str,
    fields: dict[str, Any],
    reason: str,
    *,
    desired: Record | None,
    live: Record | None,
    labels: dict[str, dict[str, str]],
) -> Change:
    target = {**scope.target}
    if live is not None:
        target["id"] = live.id
    rec = desired or live
    return Change(
        action=action,  # type: ignore[arg-type]
        provider=scope.provider,
        scope=scope.name,
        key=key,
        account=scope.account,
        fields=fields,
        reason=reason,
        identity=dict(rec.identity) if rec else {},
        twin_of=live.twin_of if live is not None and desired is None else None,
        source=desired.source if desired else None,
        target=target,
        before=live.snapshot() if live else None,
        after=dict(desired.values) if desired else None,
        labels=_used_labels(
            labels,
            (desired.values if desired else None, live.values if live else None),
            (*(rec.identity.values() if rec else ()), *target.values()),
        ),
    )


def _create(scope: Scope, rec: Record, labels: dict[str, dict[str, str]]) -> Change:
    fields = field_diff(rec.values, {})
    return _change(
        scope, "create", rec.key, fields, "missing in live", desired=rec, live=None, labels=labels
    )


def _update(
    scope: Scope, want: Record, have: Record, labels: dict[str, dict[str, str]]
) -> Change | None:
    fields = field_diff(want.values, have.values)
    if not fields:
        return None
    return _change(
        scope,
        "update",
        want.key,
        fields,
        differ_reason(fields),
        desired=want,
        live=have,
        labels=labels,
    )


def _delete(scope: Scope, rec: Record, labels: dict[str, dict[str, str]], *, kept: bool) -> Change:
    """``kept``: the copy with the lowest id stays (it is declared); an undeclared one goes with its
    copies."""
    reason = "duplicate in live: the lowest id is kept (prune)" if kept else "not declared (prune)"
    return delete_change(scope, rec, reason=reason, labels=labels)


def delete_change(
    scope: Scope, rec: Record, *, reason: str, labels: dict[str, dict[str, str]] | None = None
) -> Change:
    """The delete of one live record (prune, or a run removing its own duplicate)."""
    fields = {
        n: {"add": [], "remove": sorted(set(v))} if isinstance(v, list) else {"from": v, "to": None}
        for n, v in rec.values.items()
        if v not in (None, [], "")
    }
    return _change(
        scope, "delete", rec.key, fields, reason, desired=None, live=rec, labels=labels or {}
    )


def _note_renames(changes: list[Change]) -> list[Change]:
    """The API cannot rename: say so where a create looks like a renamed delete (same content, or
    the only create and the only delete of the scope). Linear: deletes are looked up by content."""
    deletes = [c for c in changes if c.action == "delete" and c.before]
    creates = sum(1 for c in changes if c.action == "create" and c.after)
    if not deletes or not creates:
        return changes
    same = {_values_key(c.before): c for c in deletes}
    only = deletes[0] if creates == len(deletes) == 1 else None
    out = []
    for c in changes:
        if c.action == "create" and c.after:
            old = same.get(_values_key(c.after))
            if old is None and only is not None and _similar(c.after, only.before):
                old = only
            if old is not None:
                c = replace(
                    c,
                    reason=f"missing in live; if this renames {old.key!r} (deleted here): "
                    "the API cannot rename, so a rename is a delete plus a create",
                )
        out.append(c)
    return out


def _similar(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """At least half of the two objects' values in common: a rename that was also edited, not a
    stranger."""

    def items(values: dict[str, Any] | None) -> set[tuple[str, Any]]:
        out: set[tuple[str, Any]] = set()
        for name, value in (values or {}).items():
            if name != "id":
                out |= {(name, v) for v in value} if isinstance(value, list) else {(name, value)}
        return out

    left, right = items(a), items(b)
    return bool(left | right) and len(left & right) * 2 >= len(left | right)


def _values_key(values: dict[str, Any] | None) -> str:
    if not values:
        return ""
    return repr(
        sorted((k, sorted(v) if isinstance(v, list) else v) for k, v in values.items() if k != "id")
    )


def _used_labels(
    labels: dict[str, dict[str, str]],
    lists: tuple[dict[str, Any] | None, ...],
    context: tuple[Any, ...],
) -> dict[str, dict[str, str]]:
    """The names a reviewer needs: ids in the change's list values, else ids named by its identity
    or target."""
    out: dict[str, dict[str, str]] = {}
    mentioned = {str(v) for v in context if isinstance(v, int) and not isinstance(v, bool)}
    for name, table in labels.items():
        listed = [v for values in lists for v in (values or {}).get(name, [])]
        ids = {str(i) for i in listed} if listed else mentioned
        used = {i: table[i] for i in sorted(ids) if i in table}
        if used:
            out[name] = used
    return out


def case_twins(scope: Scope, desired: dict[str, Record], live: dict[str, Record]) -> list[str]:
    """Warnings for declared keys that differ from another declared or live key only in case, or
    look like it (a Cyrillic letter for a Latin one: issue 23): the services compare names exactly,
    so `Sales team` next to live `Sales Team` is a new object, rarely what was meant."""
    seen: dict[str, str] = {}
    out = []
    for key in [
        *sorted(desired),
        *sorted(k for k, r in live.items() if r.twin_of is None and k not in desired),
    ]:
        other = seen.setdefault(folded(key), key)
        alike = how_alike(other, key)
        if alike and (other in desired or key in desired):
            where = (
                "declared and live" if (other in desired) != (key in desired) else "both declared"
            )
            out.append(
                f"{scope.name}: {other!r} and {key!r} {alike} ({where}); they are two "
                "different names to the service. Use one spelling."
            )
    return out
