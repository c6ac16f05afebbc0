"""Markdown for pull-request comments and drift issues."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from provisioner.plan import Plan
from provisioner.render.text import describe_field

MARKER = "<!-- provisioner-plan -->"
ICONS = {"create": "➕ create", "update": "✏️ update", "delete": "🗑️ **delete**"}


def render_markdown(plan: Plan, out: TextIO, *, title: str = "Plan") -> None:
    out.write(f"{MARKER}\n### provisioner {title.lower()}\n\n**{plan.summary_line()}**\n\n")
    for violation in plan.violations:
        out.write(f"> [!CAUTION]\n> {violation} — apply needs `--force`\n\n")
    for scope, changes in groupby(plan.changes, key=lambda c: (c.provider, c.scope)):
        out.write(f"#### {scope[0]} · {scope[1]}\n\n| action | key | changes | reason | source |\n|---|---|---|---|---|\n")
        for c in changes:
            detail = "<br>".join(f"{n}: {describe_field(n, d, c.labels)}" for n, d in c.fields.items())
            out.write(f"| {ICONS[c.action]} | `{_cell(c.key)}` | {_cell(detail)} | {_cell(c.reason)} | "
                      f"{_cell(c.source or '')} |\n")
        out.write("\n")
    for warning in plan.warnings:
        out.write(f"- ⚠️ {warning}\n")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
