"""Import live state as YAML (docs/api-notes.md, contract §2), or merge it into an existing file
keeping its comments.

A *source* (each service's ``importer`` module) reads live state through a provider's reads and
builds a fresh document; this module writes it, or merges it (``importer_merge``) into the file
already on disk with ruamel.yaml round-trip so the user's comments, key order, anchors and aliases
survive. Nothing here prints: the CLI shows the :class:`ImportResult`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from provisioner.core.errors import ConfigError
from provisioner.files.io import (
    MAX_YAML_BYTES,
    STDIO,
    FileProblem,
    read_bounded,
    regular_or_absent,
    write_text,
)
from provisioner.importing.emit import OFFSET, SEQUENCE, emit
from provisioner.importing.merge import ImportResult, Source, merge

__all__ = ["ImportResult", "Source", "out_option", "run_import"]
F = TypeVar("F", bound=Callable[..., Any])

SCHEMA_FILE = Path("schema") / "provisioner.schema.json"
SCHEMA_TIP = (
    "tip: run `provisioner schema > schema/provisioner.schema.json` and add a "
    "`# yaml-language-server: $schema=...` line for editor completion"
)


def out_option() -> Callable[[F], F]:
    """The ``-o/--out`` option every ``import`` subcommand takes."""
    return click.option(
        "-o",
        "--out",
        type=click.Path(dir_okay=False, allow_dash=True),
        help="Write or merge into FILE (keeping its comments), not stdout; `-` is stdout.",
    )


def account_option() -> Callable[[F], F]:
    """The ``--account`` option every ``import`` subcommand takes (``account:`` of the file,
    docs/api-notes.md)."""
    return click.option(
        "--account",
        metavar="NAME",
        help="Read with the variables of this account (..._NAME) and "
        "write `account: NAME` into the file.",
    )


def run_import(source: Source, out: str | None, account: str | None = None) -> ImportResult:
    """Import into ``out`` (merging when it is an existing file) or, without ``out`` or with ``-``,
    return the text to print. A symlink is written through; a device or FIFO (``/dev/stdout``) is
    written to, never read. With ``account`` the file says ``account: NAME`` (and a file of another
    account is not merged into)."""
    target = Path(out) if out and out != STDIO else None
    if target is not None and target.exists() and regular_or_absent(target):
        result = merge_file(source, target, account)
    else:
        doc = source.fresh()
        if account:
            doc.insert(1, "account", account)
        ref = schema_ref(target)
        if ref is not None:
            doc.yaml_set_start_comment(f"yaml-language-server: $schema={ref}")
        items = doc.get(source.list_key) or []
        result = ImportResult(
            dump_fresh(doc),
            added=[source.label(i) for i in items],
            notes=list(source.notes),
            noun=source.noun,
        )
        if ref is None:  # there is no published schema URL: say how to get one, never invent one
            result.notes.append(SCHEMA_TIP)
    if target is not None:
        result.path = str(target)
        created = not target.parent.exists()
        try:
            write_text(target, result.text)
        except OSError as e:
            raise ConfigError(f"{target}: cannot write: {e.strerror or type(e).__name__}") from e
        if created:
            result.notes.append(f"created directory {target.parent}")
    return result


def merge_file(source: Source, path: Path, account: str | None = None) -> ImportResult:
    """Merge live state into the file at ``path``; raises ConfigError when it is not a matching YAML
    file."""
    try:
        text = read_bounded(path, MAX_YAML_BYTES).decode("utf-8-sig")
        existing, sequence, offset = load_yaml_guess_indent(text, yaml=_round_trip())
    except (FileProblem, UnicodeDecodeError, YAMLError) as e:
        raise ConfigError(f"{path}: cannot merge into this file: {str(e).splitlines()[0]}") from e
    if not isinstance(existing, CommentedMap):
        raise ConfigError(
            f"{path}: cannot merge into this file: expected a mapping with a `provider` key"
        )
    problem = source.header_problem(existing)
    if not problem and (existing.get("account") or None) != account:
        problem = (
            f"it is for account {existing.get('account') or '(default)'!r}, not "
            f"{account or '(default)'!r}"
        )
    if problem:
        raise ConfigError(f"{path}: cannot merge into this file: {problem}")
    result = merge(source, existing)
    result.text = dump(existing, sequence=sequence or 4, offset=2 if offset is None else offset)
    return result


def _round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 120
    yaml.preserve_quotes = True  # "007" stays a string, 'quoted' stays quoted
    yaml.brace_single_entry_mapping_in_flow_sequence = True  # [{name: A}] stays so, not [name: A]
    return yaml


def dump(doc: Any, *, sequence: int = 4, offset: int = 2) -> str:
    """Block style, two-space mappings; ``sequence`` and ``offset`` as guessed from the user's file,
    so a merge keeps their "- " placement."""
    yaml = _round_trip()
    yaml.indent(mapping=2, sequence=max(sequence, offset + 2), offset=offset)
    buf = io.StringIO()
    yaml.dump(doc, buf)
    return buf.getvalue()


def dump_fresh(doc: Any) -> str:
    """A fresh document as :func:`dump` writes it, through the fast writer when it can lay it out
    (issue 24: ruamel's emitter was most of a big guide's import); byte for byte the same
    (tests/test_emit.py)."""
    yaml = _round_trip()
    yaml.indent(mapping=2, sequence=SEQUENCE, offset=OFFSET)
    text = emit(doc, yaml)
    return dump(doc) if text is None else text


def schema_ref(target: Path | None) -> str | None:
    """Where the editor finds the schema: a path relative to the new file when the repository has
    ``schema/provisioner.schema.json`` above it, else None (the schema has no published URL).
    Printed output is assumed to be saved under ``schedules/`` of the current directory."""
    start = (target.parent if target is not None else Path("schedules")).absolute()
    for folder in [start, *start.parents]:
        if (folder / SCHEMA_FILE).is_file():
            return Path(os.path.relpath(folder / SCHEMA_FILE, start)).as_posix()
    return None
