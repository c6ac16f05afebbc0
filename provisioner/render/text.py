"""Terminal output: `+ ~ -` lines per scope, names next to ids, impact, warnings, unsafe scopes, a
summary.

Colour only when the caller asks (the CLI does on a TTY without a non-empty NO_COLOR); without it
the output is plain. Text from YAML or a live service reaches the terminal through ``visible``: a
control character in a name shows as ``\x1b`` instead of acting on the terminal. At most
``WARNINGS`` warnings are listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from provisioner.core.plan import Change, Plan, Words
from provisioner.render import common
from provisioner.render.common import (
    CAUSE_TAGS,
    CAUSE_TITLES,
    by_cause,
    by_scope,
    cause_counts,
    count,
    drift_summary,
    scope_title,
    scope_titles,
    titled_warning,
    unsafe_scopes,
    visible,
    warning_titles,
)
from provisioner.render.impact import named_key, plan_impact, shown_reason

SIGNS = {"create": ("+", "green"), "update": ("~", "yellow"), "delete": ("-", "red")}
IMPACT_LINES = 20  # the terminal gets a short impact; -v (and --format markdown) has all of it
LIST_ITEMS = 10  # items of a list field listed on its line; more are counted (-v lists them all)
WARNINGS = 20  # warnings listed before "… and N more warnings"; --format json has all of them
_ANSI = {"green": "32", "yellow": "33", "red": "31", "bold": "1", "dim": "2"}


def paint(text: str, *styles: str, color: bool) -> str:
    """``text`` with control characters made visible, in the given styles when ``color``."""
    text = visible(text)
    return f"\x1b[{';'.join(_ANSI[s] for s in styles)}m{text}\x1b[0m" if color and styles else text


def render_text(
    plan: Plan, out: TextIO, *, color: bool = False, full: bool = False, title: str = "Plan"
) -> None:
    """``full`` (-v): every item of a long list and every impact line, instead of counts. ``title``
    "Drift": the summary says what re-applying the YAML would do."""
    for line in text_lines(plan, color=color, full=full, title=title):
        out.write(line + "\n")


def text_lines(
    plan: Plan, *, color: bool = False, full: bool = False, title: str = "Plan"
) -> Iterator[str]:
    """The plan (or drift report) as terminal lines: changes per cause and scope, impact, warnings,
    unsafe scopes, then the summary line."""
    for cause, part in by_cause(plan):
        if cause is not None:
            yield paint(
                f"{CAUSE_TITLES[cause]}: {len(part.changes) or 'none'}", "bold", color=color
            )
            yield ""
        yield from _changes(part, color, full)
        yield from impact_lines(part, cause, color=color, limit=None if full else IMPACT_LINES)
    yield from warning_lines(plan, color=color)
    for violation in plan.violations:
        yield paint(f"UNSAFE: {violation} (apply needs --force)", "bold", "red", color=color)
    drift = title == "Drift" and not plan.empty
    yield paint(drift_summary(plan) if drift else plan.summary_line(), "bold", color=color)
    if cause_counts(plan):
        yield f"Of these: {cause_counts(plan)}."


def _changes(plan: Plan, color: bool, full: bool = False) -> Iterator[str]:
    unsafe, titles = unsafe_scopes(plan), scope_titles(plan)
    for scope, changes in by_scope(plan):
        flag = "  " + paint("UNSAFE", "bold", "red", color=color) if scope in unsafe else ""
        yield paint(scope_title(scope, titles), "bold", color=color) + flag
        for change in changes:
            yield from change_lines(change, plan.words, color, full)
        yield ""


def change_lines(
    change: Change, words: Words, color: bool = False, full: bool = False
) -> Iterator[str]:
    """One change: its sign, action and name, cause tag and reason, then one line per changed
    field."""
    sign, style = SIGNS[change.action]
    styles = (style, "bold") if change.action == "delete" else (style,)
    where = f"  ({change.source})" if change.source else ""
    head = paint(f"  {sign} {change.action} {named_key(change)!r}", *styles, color=color)
    tag = (
        paint(f"  [{CAUSE_TAGS[change.cause]}]", "bold", color=color)
        if change.cause in CAUSE_TAGS
        else ""
    )
    yield head + tag + paint(f"  # {shown_reason(change, words)}{where}", "dim", color=color)
    for name, diff in common.field_diffs(change, words):
        yield visible(f"      {words.field_name(change, name)}: {_field(name, diff, change, full)}")


def _field(name: str, diff: dict[str, Any], change: Change, full: bool) -> str:
    """A field's change on one line: a list of more than ``LIST_ITEMS`` items as counts (a delete of
    a schedule printed its 200 attendees' e-mails on one line), every item with -v."""
    items = len(diff.get("add", ())) + len(diff.get("remove", ()))
    if full or items <= LIST_ITEMS:
        return common.describe_field(name, diff, change.labels)
    counts = [f"+{len(diff['add']):,} added"] if diff["add"] else []
    counts += [f"-{len(diff['remove']):,} removed"] if diff["remove"] else []
    return f"{', '.join(counts)} (-v lists them)"


def warning_lines(plan: Plan, *, color: bool = False, limit: int = WARNINGS) -> Iterator[str]:
    titles = warning_titles(scope_titles(plan))
    for warning in plan.warnings[:limit]:
        yield paint(f"warning: {titled_warning(warning, titles)}", "yellow", color=color)
    if len(plan.warnings) > limit:
        more = count(len(plan.warnings) - limit, "more warning")
        yield paint(f"warning: … and {more} (--format json lists them all)", "yellow", color=color)


def impact_lines(
    plan: Plan, cause: str | None = None, *, color: bool = False, limit: int | None = IMPACT_LINES
) -> Iterator[str]:
    """Who gains or loses what, per scope, at most ``limit`` lines in all (None: every line)."""
    impacts = plan_impact(plan, cause)
    if not impacts:
        return
    yield paint("Impact", "bold", color=color)
    shown = 0
    total = sum(len(i.lines) for i in impacts)
    limit = total if limit is None else limit
    titles = scope_titles(plan)
    for impact in impacts:
        if shown >= limit:
            break
        yield visible(f"  {scope_title(impact.scope, titles)}")
        for line in impact.lines[: limit - shown]:
            yield visible(f"    {line}")
        shown += min(len(impact.lines), limit - shown)
    if total > shown:
        yield f"  … {count(total - shown, 'more impact line')} (-v lists them all)"
    yield ""
