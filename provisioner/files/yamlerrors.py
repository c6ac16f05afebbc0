"""Where a YAML syntax error is, in words: a quote or bracket left open is reported where it opened,
a tab is named as such, anything else where the parser stopped."""

from __future__ import annotations

from typing import Any

from ruamel.yaml.error import MarkedYAMLError

from provisioner.core.errors import Diagnostic


def syntax_error(name: str, text: str, e: MarkedYAMLError) -> Diagnostic:
    """Where the mistake is: a quote or bracket left open is reported where it opened (the parser
    only notices at the end of the file), anything else where the parser stopped."""
    mark, message = e.problem_mark or e.context_mark, _yaml_message(e)
    at_end = e.problem_mark is not None and getattr(e.problem_mark, "index", 0) >= len(
        text.rstrip()
    )
    if e.context_mark and e.problem_mark and (at_end or "end of stream" in str(e.problem or "")):
        mark = e.context_mark
        message = (
            "this quoted value is never closed (a missing closing quote)"
            if "quoted" in str(e.context)
            else f"{str(e.context or 'this').split(chr(10))[0]}: it is never closed before the "
            "file ends"
        )
    elif (
        opened := _opened_earlier(text, e)
    ) is not None:  # left open, noticed on a later line: point at it
        mark, stop = opened
        message = (
            f"this `{_char_at(text, mark.line, mark.column)}` is not closed: at {stop.line + 1}:"
            f"{stop.column + 1} the parser {str(e.problem).split(chr(10))[0]}"
        )
    if mark and _char_at(text, mark.line, mark.column) == "\t":
        message += " (a tab: YAML indents with spaces only)"
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return Diagnostic(name, line, col, message)


def _opened_earlier(text: str, e: MarkedYAMLError) -> tuple[Any, Any] | None:
    """(where a bracket or quote opened, where the parser stopped) when it stopped on a later
    line."""
    ctx, problem = e.context_mark, e.problem_mark
    if ctx is None or problem is None or problem.line <= ctx.line:
        return None
    return (ctx, problem) if _char_at(text, ctx.line, ctx.column) in ("[", "{", '"', "'") else None


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    return lines[line][column : column + 1] if 0 <= line < len(lines) else ""


def _yaml_message(e: MarkedYAMLError) -> str:
    text = " ".join(str(p) for p in (e.context, e.problem) if p)
    return text.split("\n")[0] or "invalid YAML"
