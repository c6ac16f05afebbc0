"""The writer of fresh import files: the bytes ruamel.yaml would write, in a fraction of its time
(issue 24).

ruamel's emitter spends most of an import of a big guide (a 300-schedule guide: 70% of 14.8 s of
CPU) walking thousands of small nodes event by event. A fresh import is always the same simple
shape: block mappings and sequences of plain values, with end-of-line comments made by
``merge.eol_comment`` and the schema line at the top. This writer lays that shape out itself and
asks ruamel only how to write each distinct scalar (quoted or not), once per value and column, so
the output is byte for byte what ``importer.dump`` writes.

Anything outside that shape (an anchor, a flow-style node, a comment of another kind, a scalar that
would wrap past the line width, an object reached twice) makes :func:`emit` answer None, and the
caller writes the document with ruamel as before. Merging into an existing file always goes through
ruamel (round trip).
"""

from __future__ import annotations

import datetime
import io
import re
from collections import OrderedDict
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

SEQUENCE, OFFSET = 4, 2  # importer.dump's defaults for a fresh file: "  - item" under its key
_KEY = re.compile(r"[a-z_]+\Z")  # the keys a source writes (provider, schedules, team_members...)
_EOL = re.compile(r" # [^\n\r\x85\u2028\u2029]*\Z")  # what merge.eol_comment stores


class _Unsupported(Exception):
    """The document leaves the shape this writer knows: ruamel writes it."""


def emit(doc: Any, yaml: YAML) -> str | None:
    """``doc`` as ``yaml`` (configured as ``importer.dump`` configures it) would write it, or None
    when the document holds something this writer does not lay out itself."""
    if not isinstance(doc, CommentedMap) or not doc:
        return None
    writer = _Writer(_Scalars(yaml))
    try:
        writer.start(doc)
        writer.mapping(doc, 0, top=True)
    except _Unsupported:
        return None
    return "".join(writer.out)


_BREAKS = frozenset("\r\x85\u2028\u2029")


class _Scalars:
    """How ruamel writes one scalar after ``key: `` at a column: asked once per (type, value,
    column)."""

    def __init__(self, yaml: YAML) -> None:
        self.yaml = yaml
        self.seen: dict[tuple[type, Any, int], str] = {}

    def text(self, value: Any, column: int) -> str:
        """What follows ``key:`` (a leading space included, as ruamel writes it), or
        _Unsupported."""
        if type(value) is int:  # the bulk of a guide's ids: written as Python writes them
            return f" {value}"
        key = (type(value), value, column)
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = self._probe(value, column)
        return found

    def _probe(self, value: Any, column: int) -> str:
        if not isinstance(value, str | bool | float | datetime.date | type(None)) or column < 3:
            raise _Unsupported
        label = "x" * (column - 2)  # a key as long as the text before the value: the same column
        buf = io.StringIO()
        self.yaml.dump(CommentedMap([(label, value)]), buf)
        text = buf.getvalue()
        if not text.startswith(label + ":") or text.count("\n") != 1 or _BREAKS.intersection(text):
            # wrapped past the width, a block scalar, or a line break YAML knows and str.count does
            # not (NEL, LS, PS, CR: the continuation's indent depends on the column): ruamel lays it
            # out
            raise _Unsupported
        return text[len(label) + 1 : -1]


class _Writer:
    """Block style, two-space mappings, sequences indented by OFFSET under their key."""

    def __init__(self, scalars: _Scalars) -> None:
        self.text = scalars.text
        self.out: list[str] = []
        self.visited: set[int] = set()  # ruamel writes an object met twice as an anchor and alias

    def start(self, doc: CommentedMap) -> None:
        """The lines ``yaml_set_start_comment`` put above the document."""
        comment = doc.ca.comment
        if comment is None:
            return
        if comment[0] is not None or any(comment[2:]) or not comment[1]:
            raise _Unsupported
        for token in comment[1]:
            value = token.value
            if not (value.startswith("#") and value.endswith("\n") and value.count("\n") == 1):
                raise _Unsupported
            self.out.append(value)

    def _comments(self, node: Any, *, top: bool = False) -> dict[Any, str]:
        """The end-of-line comments of ``node``'s entries (what follows their value); _Unsupported
        for an anchor, a tag, flow style or a comment of another kind. A node met twice is refused
        too."""
        if id(node) in self.visited:
            raise _Unsupported
        self.visited.add(id(node))
        ca = getattr(node, "_yaml_comment", None)
        if node.__dict__ and not _plain_attributes(node):
            raise _Unsupported
        if ca is None:
            return _NONE
        if (ca.comment is not None and not top) or ca.end or ca.pre:  # top: start() wrote it
            raise _Unsupported
        slot = 2 if isinstance(node, CommentedMap) else 0
        out: dict[Any, str] = {}
        for key, entry in ca.items.items():
            token = entry[slot]
            if (
                token is None
                or any(e is not None for i, e in enumerate(entry) if i != slot)
                or not _EOL.match(token.value)
            ):
                raise _Unsupported
            out[key] = " " + token.value
        return out

    def mapping(
        self, node: CommentedMap, indent: int, first: str | None = None, *, top: bool = False
    ) -> None:
        """The pairs at ``indent``; with ``first``, the first pair goes on that line (after a "-
        ")."""
        comments = self._comments(node, top=top)
        pad = " " * indent
        for i, (key, value) in enumerate(OrderedDict.items(node)):
            if not isinstance(key, str) or not _KEY.match(key):
                raise _Unsupported
            lead = first if i == 0 and first is not None else pad
            self.value(f"{lead}{key}:", indent + len(key) + 2, indent, comments.get(key), value)

    def value(self, line: str, column: int, indent: int, comment: str | None, value: Any) -> None:
        """``value`` after ``line`` (which ends with ":" or "-"), its children indented from
        ``indent``."""
        if isinstance(value, CommentedMap | CommentedSeq):
            if comment is not None:
                raise _Unsupported  # a comment after "key:" of a collection: ruamel places it
            if not value:
                self._comments(value)
                self.out.append(f"{line} {'{}' if isinstance(value, CommentedMap) else '[]'}\n")
            elif isinstance(value, CommentedMap):
                if line.endswith("-"):
                    self.mapping(value, indent + 2, first=line + " ")
                else:
                    self.out.append(line + "\n")
                    self.mapping(value, indent + 2)
            elif line.endswith("-"):
                raise _Unsupported  # a list in a list: not a shape the sources make
            else:
                self.out.append(line + "\n")
                self.sequence(value, indent + OFFSET)
            return
        if isinstance(value, dict | list | tuple | set):
            raise _Unsupported
        text = self.text(value, column)
        if line.endswith("-") and not text.startswith(" "):
            raise _Unsupported
        self.out.append(f"{line}{text}{comment or ''}\n")

    def sequence(self, node: CommentedSeq, indent: int) -> None:
        """Each item as ``- item`` at ``indent``; a guide's thousands of ids and one-key references
        are written straight away (the common case), anything else through :meth:`value`."""
        comments = self._comments(node)
        dash, out, text = " " * indent + "-", self.out, self.text
        for i, item in enumerate(list.__iter__(node)):  # the list's own iterator: no Python layer
            kind = type(item)
            if kind is int:
                out.append(f"{dash} {item}{comments.get(i, '')}\n")
            elif kind is CommentedMap and len(item) == 1 and _bare(item) and i not in comments:
                self.visited.add(id(item))
                ((key, value),) = OrderedDict.items(item)
                if type(value) is not str or not isinstance(key, str) or not _KEY.match(key):
                    self.visited.discard(id(item))
                    self.value(dash, indent + 2, indent, None, item)
                    continue
                out.append(f"{dash} {key}:{text(value, indent + len(key) + 4)}\n")
            else:
                self.value(dash, indent + 2, indent, comments.get(i), item)


_NONE: dict[Any, str] = {}


def _bare(node: CommentedMap) -> bool:
    """No comment, format, anchor, tag or merge: a node as a source builds it."""
    return not node.__dict__ and getattr(node, "_yaml_comment", None) is None


def _plain_attributes(node: Any) -> bool:
    """Only ruamel's format record, and no flow style in it (reading ``fa`` creates one)."""
    extra = set(node.__dict__) - {"_yaml_format"}
    fmt = node.__dict__.get("_yaml_format")
    return not extra and (fmt is None or not fmt.flow_style())
