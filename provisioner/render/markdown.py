"""Markdown for pull-request comments and drift issues (DESIGN.md section 6, "Review").

Order, most important first, so that truncation drops the least useful part: hidden marker, heading, summary,
unsafe changes, deletes, warnings, one table per scope, per-person impact, per-change detail. Long lists go
into ``<details>`` blocks. The whole stays under ``LIMIT`` characters: past it, output stops at a row or item
boundary, open tables and blocks are closed, and a note says what was left out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import TextIO

from provisioner.plan import Change, Plan
from provisioner.render.budget import Budget
from provisioner.render.common import ScopeId, by_scope, describe_field, label, scope_title, unsafe_scopes, value_text
from provisioner.render.impact import named_key, plan_impact

MARKER = "<!-- provisioner-plan -->"  # plan.yml finds its sticky comment by this exact line
LIMIT = 60_000  # GitHub comments hold 65,536 characters; plan.yml adds a short header and footer
TABLE_ROWS = 25  # rows shown per scope before the rest folds into <details>
IMPACT_LINES = 25  # people shown per scope before the rest folds into <details>
WARNINGS = 20
CALLOUT_ITEMS = 10
CELL_ITEMS = 10  # ids listed per field in a table cell; the change detail lists more
DETAIL_ITEMS = 200
ACTIONS = {"create": "➕ create", "update": "✏️ update", "delete": "🗑️ **delete**"}
SIGNS = {"create": "+", "update": "~", "delete": "-"}
TABLE_HEAD = "| action | key | changes | reason | source |\n|---|---|---|---|---|\n"
UNITS = {
    "change": "table rows (changes)",
    "person": "per-person impact lines",
    "detail": "change details",
    "warning": "warnings",
}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MENTION = re.compile(r"(?<![\w.])@(?=\w)")


def render_markdown(plan: Plan, out: TextIO, *, title: str = "Plan", limit: int = LIMIT) -> None:
    b = Budget(limit)
    b.add(f"{MARKER}\n### provisioner {title.lower()}\n\n**{plan.summary_line()}**\n\n")
    _violations(b, plan)
    _deletes(b, plan)
    _warnings(b, plan)
    unsafe = unsafe_scopes(plan)
    for scope, changes in by_scope(plan):
        _scope_table(b, scope, changes, scope in unsafe)
    _impact(b, plan)
    _detail(b, plan)
    out.write(b.text())
    if b.stopped:
        out.write(truncation_note(b, len(plan.changes)))


def md(text: str) -> str:
    """Text from YAML or a live service, made inert: no HTML, no markdown syntax, no @mentions, one line."""
    text = _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)).replace("\n", " ")
    return _MENTION.sub("@\u200b", text)


def truncation_note(b: Budget, total: int) -> str:
    counts = [
        f"{n:,} of {total:,} {UNITS[k]}" if k == "change" else f"{n:,} {UNITS.get(k, k)}"
        for k, n in sorted(b.left_out.items(), key=lambda kv: list(UNITS).index(kv[0]))
    ]
    left = "; ".join(counts) if counts else "the rest"
    return (
        f"\n> [!NOTE]\n> **Truncated to fit a comment.** Left out: {left}. "
        "The full plan is in the JSON artifact (`plan --out plan.json`).\n"
    )


def _violations(b: Budget, plan: Plan) -> None:
    if plan.violations:
        items = "".join(f"> - {md(v)}\n" for v in plan.violations)
        b.add(f"> [!CAUTION]\n> **Unsafe: `apply` refuses this plan without `--force`.**\n{items}\n")


def _deletes(b: Budget, plan: Plan) -> None:
    deletes = [c for c in plan.changes if c.action == "delete"]
    if not deletes:
        return
    names = [f"{md(c.scope)}: {md(named_key(c))}" for c in deletes[:CALLOUT_ITEMS]]
    more = f" and {len(deletes) - CALLOUT_ITEMS} more" if len(deletes) > CALLOUT_ITEMS else ""
    noun = "delete" if len(deletes) == 1 else "deletes"
    b.add(f"> [!WARNING]\n> **{len(deletes)} {noun}:** {'; '.join(names)}{more}\n\n")


def _warnings(b: Budget, plan: Plan) -> None:
    if not plan.warnings:
        return
    b.add("**Warnings**\n\n")
    _folded(b, [f"- ⚠️ {md(w)}\n" for w in plan.warnings], WARNINGS, "more warnings", "warning")


def _folded(b: Budget, items: list[str], shown: int, what: str, kind: str) -> None:
    """A list whose first ``shown`` items are visible and the rest folded into <details>."""
    _block(b, items[:shown], "", "\n", kind)
    if len(items) > shown:
        b.open(f"<details><summary>{len(items) - shown} {what}</summary>\n\n", "</details>\n\n")
        _block(b, items[shown:], "", "\n", kind)
        b.close()


def _block(b: Budget, items: list[str], head: str, closer: str, kind: str) -> None:
    b.open(head, closer)
    for item in items:
        b.add(item, kind)
    b.close()


def _scope_table(b: Budget, scope: ScopeId, changes: list[Change], unsafe: bool) -> None:
    title = md(scope_title(scope)) + (" — ⛔ unsafe" if unsafe else "")
    b.add(f"#### {title}\n\n")
    rows = [_row(c) for c in changes]
    _block(b, rows[:TABLE_ROWS], TABLE_HEAD, "\n", "change")
    if len(rows) > TABLE_ROWS:
        b.open(f"<details><summary>{len(rows) - TABLE_ROWS} more changes in {title}</summary>\n\n", "</details>\n\n")
        _block(b, rows[TABLE_ROWS:], TABLE_HEAD, "\n", "change")
        b.close()


def _row(c: Change) -> str:
    changes = "<br>".join(
        f"{md(n)}: {md(describe_field(n, d, c.labels, minus='−', limit=CELL_ITEMS))}" for n, d in c.fields.items()
    )
    return f"| {ACTIONS[c.action]} | {md(named_key(c))} | {changes} | {md(c.reason)} | {_code(c.source)} |\n"


def _code(text: str | None) -> str:
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`" if text else ""


def _impact(b: Budget, plan: Plan) -> None:
    impacts = plan_impact(plan)
    if not impacts:
        return
    b.add("#### Per-person impact\n\n")
    for impact in impacts:
        title = md(scope_title(impact.scope))
        b.add(f"**{title}**\n\n")
        _folded(b, [f"- {md(line)}\n" for line in impact.lines], IMPACT_LINES, f"more people in {title}", "person")


def _detail(b: Budget, plan: Plan) -> None:
    if plan.empty:
        return
    n = len(plan.changes)
    b.open(
        f"<details><summary>Change detail ({n} change{'s' if n != 1 else ''})</summary>\n\n```diff\n",
        "```\n\n</details>\n",
    )
    for change in plan.changes:
        b.add("".join(f"{line}\n" for line in detail_lines(change)), "detail")
    b.close()


def detail_lines(c: Change) -> Iterator[str]:
    """One change as diff-colored lines: ``+`` what is added or set, ``-`` what is removed or replaced."""
    source = f", {c.source}" if c.source else ""
    yield f"{SIGNS[c.action]} {c.action} {named_key(c)}  [{scope_title((c.provider, c.scope))}{source}]"
    yield f"  # {c.reason}"
    for name, diff in c.fields.items():
        yield f"  {name}:"
        if "add" in diff:
            table = c.labels.get(name, {})
            items = [f"+   {label(i, table)}" for i in diff["add"]] + [f"-   {label(i, table)}" for i in diff["remove"]]
            yield from items[:DETAIL_ITEMS]
            if len(items) > DETAIL_ITEMS:
                yield f"    … {len(items) - DETAIL_ITEMS} more (in the JSON plan)"
        else:
            if c.action != "create":
                yield f"-   {value_text(diff.get('from'))}"
            if c.action != "delete":
                yield f"+   {value_text(diff.get('to'))}"
    yield ""
