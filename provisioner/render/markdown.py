"""Markdown for pull-request comments and drift issues (docs/api-notes.md, contract §6, "Review").

Order, most important first, so that truncation drops the least useful part: hidden marker, heading,
summary, unsafe changes, deletes, one table per scope, per-person impact, warnings (the first
``WARNINGS``, then a ``<details>`` with more), per-change detail. Long lists go into ``<details>``
blocks. The whole stays under ``LIMIT`` characters: past it, output stops at a row or item boundary,
open tables and blocks are closed, and a note says what was left out.

Every piece of text from YAML or a live service (names, keys, reasons, sources, warnings) is made
inert for where it goes: ``md`` for markdown (table cells, list items, headings), ``html_text``
inside HTML (``<summary>``), ``_code`` for a code span, and one line each inside a code fence longer
than any backtick run in its content. None of them can end a table row, a list item, a ``<details>``
or a fence early.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any, TextIO

from provisioner.core.plan import Change, Plan, Words
from provisioner.render.buffer import SizedBuffer
from provisioner.render.common import (
    CAUSE_TAGS,
    CAUSE_TITLES,
    Labels,
    ScopeId,
    by_cause,
    by_scope,
    cause_counts,
    count,
    describe_field,
    drift_summary,
    field_diffs,
    label,
    one_line,
    scope_title,
    scope_titles,
    titled_warning,
    unsafe_scopes,
    value_text,
    warning_titles,
)
from provisioner.render.impact import named_key, plan_impact, shown_reason

MARKER = "<!-- provisioner-plan -->"  # plan.yml finds its sticky comment by this exact line
DRIFT_MARKER = (
    "<!-- provisioner-drift -->"  # drift output (title="Drift") must not pass for a plan comment
)
LIMIT = 60_000  # GitHub comments hold 65,536 characters; plan.yml adds a short header and footer
TABLE_ROWS = 25  # rows shown per scope before the rest folds into <details>
IMPACT_LINES = 25  # people shown per scope before the rest folds into <details>
WARNINGS = 20  # warnings listed before "… and N more warnings"
FOLDED_WARNINGS = 200  # more warnings inside that <details>; the JSON has all of them
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
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#$])")
_BLOCK_START = re.compile(r"^([-+])|^(\d+)([.)])")  # would start a nested list in a list item
_REFERENCE = re.compile(r"(?<![\w.])([@#])(?=\w)")  # @mention, #123 issue reference
_BACKTICKS = re.compile(r"`+")
# GitHub links every e-mail address in markdown text (including a "+" or "-" sign before it, so
# "+jane@…" and "−jane@…" become two alike blue links). An empty HTML comment before the "@" splits
# the text node its autolinker reads, and the address still reads and copies as it was.
_EMAIL_AT = re.compile(r"(?<=[\w.+-])@(?=[\w-])")
NO_LINK = "<!-- -->"


def render_markdown(
    plan: Plan, out: TextIO, *, title: str = "Plan", limit: int = LIMIT, note: str = ""
) -> None:
    """Write the plan (or drift report) as one pull-request comment to ``out``, most important
    first, within ``limit`` characters (the module docstring says the order and the truncation)."""
    drift = title == "Drift"
    b = SizedBuffer(limit)
    marker = DRIFT_MARKER if drift else MARKER
    counts = f" ({cause_counts(plan)})" if cause_counts(plan) else ""
    b.add(f"{marker}\n### provisioner {title.lower()}\n\n**{_summary(plan, drift)}**{counts}\n\n")
    if note:
        b.add(f"_{md(note)} Other scopes were not read._\n\n")
    if drift and not plan.empty:
        b.add(DRIFT_READING)
    if plan.duplicates and not plan.empty:  # else only the warnings, at the end, would say so
        why = " (prune is off)" if plan.left_in_place.endswith(("duplicate", "duplicates")) else ""
        b.add(
            f"_Also {plan.left_in_place} in live that no change removes{why}; see the "
            "warnings._\n\n"
        )
    _violations(b, plan)
    _deletes(b, plan)
    unsafe, titles = unsafe_scopes(plan), scope_titles(plan)
    for cause, part in by_cause(plan):
        if cause is not None:
            b.add(f"### {CAUSE_TITLES[cause]}\n\n" + ("" if part.changes else "None.\n\n"))
        for scope, changes in by_scope(part):
            _scope_table(b, scope, changes, scope in unsafe, plan.words, titles)
        _impact(b, part, cause, drift)
    _warnings(b, plan)
    _detail(b, plan)
    out.write(b.text())
    if b.stopped:
        out.write(truncation_note(b, len(plan.changes), drift=drift))


def _summary(plan: Plan, drift: bool) -> str:
    if not drift:
        return plan.summary_line()
    if plan.empty and plan.duplicates:
        return f"Drift: no changes, but {plan.left_in_place} in live (see the warnings)."
    if plan.empty:
        return "No drift: live state matches the YAML."
    return drift_summary(plan)


# A drift table lists what re-applying the YAML would do, which is the reverse of what happened in
# live: a session someone added in live is a "remove" here. Said once, above the tables, so "−"
# never reads as a loss.
DRIFT_READING = (
    "_Live differs from the YAML. Each row says what re-applying the YAML would do to live: "
    "**add** what the YAML has and live lacks, **remove** what live has and the YAML does not._\n\n"
)


def md(text: str, *, item: bool = False) -> str:
    """Text from YAML or a live service, made inert for markdown: one line, no HTML, no markdown
    syntax, no @mentions or #references. ``item``: the text starts a list item, so it must not start
    a nested list."""
    text = _MD_SPECIAL.sub(r"\\\1", html.escape(one_line(text).strip(), quote=False))
    if item:
        text = _BLOCK_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)
    return _EMAIL_AT.sub(f"{NO_LINK}@", _REFERENCE.sub("\\1\u200b", text))


def html_text(text: str) -> str:
    """Text from YAML or a live service inside an HTML element (``<summary>``), where markdown is
    not parsed."""
    return _REFERENCE.sub("\\1\u200b", html.escape(one_line(text), quote=False))


def _unit(kind: str, n: int) -> str:
    """``1 per-person impact line``, ``2 per-person impact lines``."""
    words = UNITS.get(kind, kind)
    return words.removesuffix("s") if n == 1 else words


def truncation_note(b: SizedBuffer, total: int, *, drift: bool = False) -> str:
    """The note closing a truncated comment: what was left out, and where the full report is."""
    counts = [
        f"{n:,} of {total:,} {UNITS[k]}" if k == "change" else f"{n:,} {_unit(k, n)}"
        for k, n in sorted(b.left_out.items(), key=lambda kv: list(UNITS).index(kv[0]))
    ]
    left = "; ".join(counts) if counts else "the rest"
    full = (
        "The full report is in `provisioner drift --format json`."
        if drift
        else "The full plan is in the JSON artifact (`plan --out plan.json`)."
    )
    return f"\n> [!NOTE]\n> **Truncated to fit a comment.** Left out: {left}. {full}\n"


def _violations(b: SizedBuffer, plan: Plan) -> None:
    if plan.violations:
        items = "".join(f"> - {md(v, item=True)}\n" for v in plan.violations)
        b.add(
            f"> [!CAUTION]\n> **Unsafe: `apply` refuses this plan without `--force`.**\n{items}\n"
        )


def _deletes(b: SizedBuffer, plan: Plan) -> None:
    deletes = [c for c in plan.changes if c.action == "delete"]
    if not deletes:
        return
    titles = scope_titles(plan)
    names = [
        f"{md(titles.get((c.provider, c.scope), c.scope))}: {md(named_key(c))}"
        for c in deletes[:CALLOUT_ITEMS]
    ]
    more = f" and {len(deletes) - CALLOUT_ITEMS} more" if len(deletes) > CALLOUT_ITEMS else ""
    noun = "delete" if len(deletes) == 1 else "deletes"
    b.add(f"> [!WARNING]\n> **{len(deletes)} {noun}:** {'; '.join(names)}{more}\n\n")


def _warnings(b: SizedBuffer, plan: Plan) -> None:
    """After the changes and the impact, so that many warnings never crowd them out; at most
    ``WARNINGS`` visible, up to ``FOLDED_WARNINGS`` more in a <details>, and a count of the rest."""
    if not plan.warnings:
        return
    b.add("**Warnings**\n\n")
    titles = warning_titles(scope_titles(plan))
    items = [
        f"- ⚠️ {md(titled_warning(w, titles))}\n"
        for w in plan.warnings[: WARNINGS + FOLDED_WARNINGS]
    ]
    if len(plan.warnings) > len(items):
        items.append(f"- … and {len(plan.warnings) - len(items):,} more (in the JSON plan)\n")
    _folded(
        b,
        items,
        WARNINGS,
        f"… and {count(len(plan.warnings) - WARNINGS, 'more warning')}",
        "warning",
    )


def _folded(b: SizedBuffer, items: list[str], shown: int, summary: str, kind: str) -> None:
    """A list whose first ``shown`` items are visible and the rest folded into <details>;
    ``summary`` is HTML."""
    _block(b, items[:shown], "", "\n", kind)
    if len(items) > shown:
        b.open(f"<details><summary>{summary}</summary>\n\n", "</details>\n\n")
        _block(b, items[shown:], "", "\n", kind)
        b.close()


def _block(b: SizedBuffer, items: list[str], head: str, closer: str, kind: str) -> None:
    b.open(head, closer)
    for item in items:
        b.add(item, kind)
    b.close()


def _scope_table(
    b: SizedBuffer,
    scope: ScopeId,
    changes: list[Change],
    unsafe: bool,
    words: Words,
    titles: dict[ScopeId, str],
) -> None:
    flag = " — ⛔ unsafe" if unsafe else ""
    b.add(f"#### {md(scope_title(scope, titles))}{flag}\n\n")
    rows = [_row(c, words) for c in changes]
    _block(b, rows[:TABLE_ROWS], TABLE_HEAD, "\n", "change")
    if len(rows) > TABLE_ROWS:
        summary = (
            f"{count(len(rows) - TABLE_ROWS, 'more change')} in "
            f"{html_text(scope_title(scope, titles))}{flag}"
        )
        b.open(f"<details><summary>{summary}</summary>\n\n", "</details>\n\n")
        _block(b, rows[TABLE_ROWS:], TABLE_HEAD, "\n", "change")
        b.close()


def _row(c: Change, words: Words) -> str:
    changes = "<br>".join(
        f"{md(words.field_name(c, n))}: {part}"
        for n, d in field_diffs(c, words)
        for part in _cell_field(n, d, c.labels)
    )
    reason = md(shown_reason(c, words))
    return (
        f"| {ACTIONS[c.action]} | {md(named_key(c))} | {changes} | {reason} | {_code(c.source)} |\n"
    )


def _cell_field(name: str, diff: dict[str, Any], labels: Labels) -> list[str]:
    """A field's change in a table cell, one line each. A list says in words and signs what it adds
    and what it removes, on lines of their own (``**add** +Jane (13), +Bob (7)``, ``**remove**
    −Carol (8)``), so the two never depend on colour; each lists at most ``CELL_ITEMS`` items and
    counts the rest."""
    if "add" not in diff:
        return [md(describe_field(name, diff, labels))]
    table = labels.get(name, {})
    parts = []
    for verb, sign, items in (("add", "+", diff["add"]), ("remove", "−", diff["remove"])):
        if items:
            shown = [md(f"{sign}{label(i, table)}") for i in items[:CELL_ITEMS]]
            more = [f"… {len(items) - CELL_ITEMS:,} more"] if len(items) > CELL_ITEMS else []
            parts.append(f"**{verb}** " + ", ".join(shown + more))
    return parts or ["(empty)"]


def _code(text: str | None) -> str:
    """A code span in a table cell: one line, no backtick to end it, pipes escaped for the table."""
    return "`" + one_line(text).replace("`", "'").replace("|", "\\|") + "`" if text else ""


def _impact(b: SizedBuffer, plan: Plan, cause: str | None, drift: bool = False) -> None:
    impacts = plan_impact(plan, cause)
    if not impacts:
        return
    # Folded, with its size in the summary: the tables above already say what changes; this says it
    # per person, for a reviewer who wants to check someone in particular.
    lines = count(sum(len(i.lines) for i in impacts), "line")
    scopes = count(len(impacts), "scope")
    what = "What re-applying would change per person" if drift else "Per-person impact"
    b.open(f"<details><summary>{what} ({lines} in {scopes})</summary>\n\n", "</details>\n\n")
    titles = scope_titles(plan)
    for impact in impacts:
        title = scope_title(impact.scope, titles)
        b.add(f"**{md(title)}**\n\n")
        more = (
            f"{count(len(impact.lines) - IMPACT_LINES, 'more person', 'more people')} in "
            f"{html_text(title)}"
        )
        _folded(
            b, [f"- {md(line, item=True)}\n" for line in impact.lines], IMPACT_LINES, more, "person"
        )
    b.close()


def _detail(b: SizedBuffer, plan: Plan) -> None:
    if plan.empty:
        return
    n = len(plan.changes)
    titles = scope_titles(plan)
    details = [
        "".join(f"{line}\n" for line in detail_lines(change, plan.words, titles))
        for change in plan.changes
    ]
    fence = fence_for(details)
    b.open(
        f"<details><summary>Change detail ({n} "
        f"change{'s' if n != 1 else ''})</summary>\n\n{fence}diff\n",
        f"{fence}\n\n</details>\n",
    )
    for detail in details:
        b.add(detail, "detail")
    b.close()


def fence_for(texts: list[str]) -> str:
    """A backtick fence longer than any backtick run in ``texts``, so nothing inside can close
    it."""
    longest = max((len(run) for text in texts for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def detail_lines(
    c: Change, words: Words, titles: dict[ScopeId, str] | None = None
) -> Iterator[str]:
    """One change as diff-colored lines: ``+`` what is added or set, ``-`` what is removed or
    replaced. Each line is one line however the data reads (line breaks collapsed, control
    characters made visible)."""
    return (one_line(line) for line in _detail_lines(c, words, titles))


def _detail_lines(c: Change, words: Words, titles: dict[ScopeId, str] | None) -> Iterator[str]:
    source = f", {c.source}" if c.source else ""
    tag = f", {CAUSE_TAGS[c.cause]}" if c.cause in CAUSE_TAGS else ""
    where = scope_title((c.provider, c.scope), titles)
    yield f"{SIGNS[c.action]} {c.action} {named_key(c)}  [{where}{source}{tag}]"
    yield f"  # {shown_reason(c, words)}"
    for name, diff in field_diffs(c, words):
        yield f"  {words.field_name(c, name)}:"
        if "add" in diff:
            table = c.labels.get(name, {})
            items = [f"+   {label(i, table)}" for i in diff["add"]] + [
                f"-   {label(i, table)}" for i in diff["remove"]
            ]
            yield from items[:DETAIL_ITEMS]
            if len(items) > DETAIL_ITEMS:
                yield f"    … {len(items) - DETAIL_ITEMS} more (in the JSON plan)"
        else:
            if c.action != "create":
                yield f"-   {value_text(diff.get('from'))}"
            if c.action != "delete":
                yield f"+   {value_text(diff.get('to'))}"
    yield ""
