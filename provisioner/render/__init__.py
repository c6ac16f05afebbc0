"""Renderers of a Plan. Each writes to a file handle, so tests render into io.StringIO."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from provisioner.core.plan import Plan

FORMATS = ("text", "markdown", "json")


def render(
    plan: Plan,
    fmt: str,
    out: TextIO,
    *,
    color: bool = False,
    title: str = "Plan",
    note: str = "",
    full: bool = False,
) -> None:
    """``note`` (which scopes were planned, when not all) goes into markdown, where the reviewer
    reads; text output has it on stderr. JSON (also the saved plan file) keeps the title and the
    note beside the plan, so that `provisioner show` renders a saved plan exactly as the command
    that made it did. ``full`` (-v): text lists every item of a long list and every impact line
    instead of counting them."""
    if fmt == "json":
        from provisioner.render.json import render_json

        render_json(plan, out, made_by=title.lower(), note=note)
    elif fmt == "markdown":
        from provisioner.render.markdown import render_markdown

        render_markdown(plan, out, title=title, note=note)
    else:
        from provisioner.render.text import render_text

        render_text(plan, out, color=color, full=full, title=title)
