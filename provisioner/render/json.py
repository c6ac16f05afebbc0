"""The JSON plan (docs/api-notes.md, contract §5): also the saved-plan file format."""

from __future__ import annotations

import json
from typing import Any, TextIO

from provisioner.core.plan import Encoded, Plan


def render_json(plan: Plan, out: TextIO, *, made_by: str = "plan", note: str = "") -> None:
    """The plan's JSON, and (format_minor 2) what review output needs beyond it: ``command`` (``plan`` or
    ``drift``: the title of the report) and ``note`` (which scopes were planned, when not all)."""
    write_json({**plan.to_json(encoded=True), "command": made_by, "note": note}, out)


def write_json(data: dict[str, Any], out: TextIO) -> None:
    """One top-level key a line, and one line per item of a list (a change, a scope): readable and diffable,
    and each line is encoded by the C encoder (``indent`` falls back to the pure-Python one, which was most
    of the time of a JSON plan of 10,000 changes)."""
    out.write("{\n")
    for i, (key, value) in enumerate(data.items()):
        out.write(f"  {_dump(key)}: ")
        if isinstance(value, list) and value:
            out.write("[\n" + ",\n".join(f"    {_dump(item)}" for item in value) + "\n  ]")
        else:
            out.write(_dump(value))
        out.write(",\n" if i < len(data) - 1 else "\n")
    out.write("}\n")


def _dump(value: Any) -> str:
    return value if isinstance(value, Encoded) else json.dumps(value, ensure_ascii=False)
