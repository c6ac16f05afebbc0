"""Pieces shared by the text and markdown renderers: scope grouping, names next to ids, field
descriptions."""

from __future__ import annotations

import re
from typing import Any

from provisioner.core.plan import Change, Plan, ScopeId, Words, by_cause, by_scope
from provisioner.core.words import natural, value_text

__all__ = ["ScopeId", "by_cause", "by_scope", "natural", "value_text"]
Labels = dict[str, dict[str, str]]


# With `--base`, the changes are shown in two groups (docs/api-notes.md, contract §4), the pull
# request's first.
CAUSE_TITLES = {
    "change": "Changes from this pull request",
    "drift": "Drift already in live (would be corrected too)",
}
CAUSE_TAGS = {"change": "this PR", "drift": "drift"}


def drift_summary(plan: Plan) -> str:
    """A drift report's summary, in what re-applying would do: drift's ``-`` is live having more
    than the YAML, not a loss."""
    s = plan.summary
    return (
        f"Drift: re-applying the YAML would create {s['create']}, update {s['update']} and delete "
        f"{s['delete']}."
    )


def cause_counts(plan: Plan) -> str:
    """``2 from this pull request, 1 drift already in live`` when the changes carry causes, else
    empty."""
    if not any(c.cause for c in plan.changes):
        return ""
    drift = sum(c.cause == "drift" for c in plan.changes)
    return f"{len(plan.changes) - drift} from this pull request, {drift} drift already in live"


def scope_titles(plan: Plan) -> dict[ScopeId, str]:
    """The scopes' names for people (``Sunday Services · Dec 13 (plan 5678)``), where the run read
    them."""
    return {(s.provider, s.scope): s.title for s in plan.scopes if s.title}


def warning_titles(titles: dict[ScopeId, str]) -> dict[str, str]:
    """Scope name → title (of :func:`scope_titles`), for :func:`titled_warning`: the titled scopes
    whose name no other service's scope shares (a warning names its scope by name alone)."""
    seen: dict[str, list[str]] = {}
    for (_, scope), title in titles.items():
        seen.setdefault(scope, []).append(title)
    return {scope: titles[0] for scope, titles in seen.items() if len(titles) == 1}


def titled_warning(warning: str, titles: dict[str, str]) -> str:
    """``plan 5678: ...`` as ``Sunday Services · Dec 6 (plan 5678): ...`` when ``titles`` (from
    :func:`warning_titles`) has that scope (only scopes with changes have titles); any other
    warning is kept as it is. The JSON plan keeps the plain text."""
    head, sep, rest = warning.partition(": ")
    title = titles.get(head) if sep else None
    return warning if title is None else f"{title}: {rest}"


def scope_title(scope: ScopeId, titles: dict[ScopeId, str] | None = None) -> str:
    """The scope's title from ``titles``, else ``planning_center · plan 5678``."""
    return (titles or {}).get(scope) or f"{scope[0]} · {scope[1]}"


def unsafe_scopes(plan: Plan) -> set[ScopeId]:
    return {(s.provider, s.scope) for s in plan.scopes if s.violations}


def label(value: Any, table: dict[str, str]) -> str:
    """``Name (id)`` when the id has a name other than itself, else the id alone."""
    name = table.get(str(value))
    return f"{name} ({value})" if name and name != str(value) else str(value)


# Text from YAML or a live service may hold anything. Line breaks would break a table row, a list
# item or a code fence; other control characters (ESC starts a terminal escape sequence) and bidi
# overrides would be invisible or act on the terminal. Renderers pass such text through ``visible``
# or ``one_line``.
_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    char = m[0]
    return _NAMED.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def visible(text: str) -> str:
    """Control characters as visible escapes (``\\x1b``, ``\\n``): data never moves the cursor or
    breaks a line."""
    return _CONTROL.sub(_escape, text)


def one_line(text: str) -> str:
    """Line breaks and tabs collapsed to one space, other control characters as visible escapes."""
    return visible(_BREAKS.sub(" ", text))


def describe_field(
    name: str, diff: dict[str, Any], labels: Labels, *, minus: str = "-", limit: int | None = None
) -> str:
    """``+Name (13) -Name (2)`` for a list field, ``old → new`` for a scalar; lists cut after
    ``limit`` items."""
    if "add" not in diff:
        return f"{value_text(diff.get('from'))} → {value_text(diff.get('to'))}"
    table = labels.get(name, {})
    parts = [f"+{label(i, table)}" for i in diff["add"]] + [
        f"{minus}{label(i, table)}" for i in diff["remove"]
    ]
    if limit is not None and len(parts) > limit:
        parts = [*parts[:limit], f"… {len(parts) - limit} more"]
    return " ".join(parts) or "(empty)"


def field_diffs(change: Change, words: Words) -> list[tuple[str, dict[str, Any]]]:
    """A change's fields by their shown names, as its reason lists them (``reason, response
    differ``). A plan file stores each change as canonical, key-sorted JSON: an order of their own
    would not survive it, and `show` must print what `plan` printed."""
    return sorted(
        change.fields.items(), key=lambda item: (words.field_name(change, item[0]), item[0])
    )


def count(n: int, one: str, many: str | None = None) -> str:
    """``1 warning``, ``2 warnings``, ``1 person``, ``3 people``."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"
