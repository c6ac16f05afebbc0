"""The JSON plan (docs/api-notes.md, contract §5): also the saved-plan file format."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, TextIO

from provisioner.core.plan import Encoded, Plan, Words


def render_json(plan: Plan, out: TextIO, *, made_by: str = "plan", note: str = "") -> None:
    """The plan's JSON, and (format_minor 2) what review output needs beyond it: ``command``
    (``plan`` or ``drift``: the title of the report), ``note`` (which scopes were planned, when not
    all) and ``words`` (the plan in its services' words: YAML field names, impact lines), so that
    `provisioner show` renders the saved plan exactly as it was shown, with no provider and no
    request."""
    extra = {"command": made_by, "note": note, "words": words_json(plan.words)}
    write_json({**plan.to_json(encoded=True), **extra}, out)


def words_json(words: Words) -> dict[str, Any]:
    impact = [
        {"cause": cause, "provider": provider, "scope": scope, "lines": list(lines)}
        for (cause, provider, scope), lines in words.impact.items()
    ]
    return {"fields": {k: dict(v) for k, v in words.fields.items()}, "impact": impact}


def read_saved(data: dict[str, Any]) -> tuple[Plan, str, str]:
    """A saved plan file's JSON back as the plan, its title and its note, for rendering it again. A
    file without ``words`` (format_minor 1) is shown with the API's field names and no impact lines.
    """
    words = data.get("words") or {}
    impact = {
        (e.get("cause"), e["provider"], e["scope"]): tuple(e["lines"])
        for e in words.get("impact", [])
    }
    plan = replace(Plan.from_json(data), words=Words(words.get("fields", {}), impact))
    note = data.get("note")
    title = "Drift" if data.get("command") == "drift" else "Plan"
    return plan, title, note if isinstance(note, str) else ""


def write_json(data: dict[str, Any], out: TextIO) -> None:
    """One top-level key a line, and one line per item of a list (a change, a scope): readable and
    diffable, and each line is encoded by the C encoder (``indent`` falls back to the pure-Python
    one, which was most of the time of a JSON plan of 10,000 changes)."""
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
