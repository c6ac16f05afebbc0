"""Terminal output: `+ ~ -` lines per scope, names next to ids, a one-line summary."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any, TextIO

from provisioner.plan import Change, Plan

SIGNS = {"create": ("+", "green"), "update": ("~", "yellow"), "delete": ("-", "red")}
_ANSI = {"green": "32", "yellow": "33", "red": "31", "bold": "1", "dim": "2"}


def _paint(text: str, style: str, color: bool) -> str:
    return f"\x1b[{_ANSI[style]}m{text}\x1b[0m" if color else text


def render_text(plan: Plan, out: TextIO, *, color: bool = False) -> None:
    for scope, changes in groupby(plan.changes, key=lambda c: (c.provider, c.scope)):
        out.write(_paint(f"{scope[0]} · {scope[1]}", "bold", color) + "\n")
        for change in changes:
            for line in change_lines(change, color):
                out.write(line + "\n")
        out.write("\n")
    for warning in plan.warnings:
        out.write(_paint(f"warning: {warning}", "yellow", color) + "\n")
    for violation in plan.violations:
        out.write(_paint(f"UNSAFE: {violation} (apply needs --force)", "red", color) + "\n")
    out.write(_paint(plan.summary_line(), "bold", color) + "\n")


def change_lines(change: Change, color: bool = False) -> Iterator[str]:
    sign, style = SIGNS[change.action]
    where = f"  ({change.source})" if change.source else ""
    yield _paint(f"  {sign} {change.action} {change.key!r}", style, color) + f"  # {change.reason}{where}"
    for name, diff in change.fields.items():
        yield f"      {name}: {describe_field(name, diff, change.labels)}"


def describe_field(name: str, diff: dict[str, Any], labels: dict[str, dict[str, str]]) -> str:
    if "add" in diff:
        table = labels.get(name, {})
        parts = [f"+{_label(i, table)}" for i in diff["add"]] + [f"-{_label(i, table)}" for i in diff["remove"]]
        return " ".join(parts) or "(empty)"
    return f"{diff.get('from')!r} → {diff.get('to')!r}"


def _label(value: Any, table: dict[str, str]) -> str:
    name = table.get(str(value))
    return f"{name} ({value})" if name else str(value)
