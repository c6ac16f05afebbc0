"""Where each value of a YAML file stands (1-based line and column), kept compact.

A file of 200 schedules x 2,000 ids has 400,000 scalars. One object per scalar position made the
load slow (the cyclic garbage collector walked them all, again and again) and large, so a scalar's
position is one int (``line << 32 | col``, not tracked by the collector) and a list of scalars keeps
them in an ``array``. Only mappings and lists have a :class:`Pos`. Nothing here imports the YAML
library: ``core`` uses it.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

_SHIFT = 32
_COL = (1 << _SHIFT) - 1


def pack(line: int, col: int) -> int:
    return line << _SHIFT | col


def unpack(packed: int) -> tuple[int, int]:
    return packed >> _SHIFT, packed & _COL


class Pos:
    """A mapping's or list's position; ``keys`` and ``values`` hold its children's (a packed int for
    a scalar, a Pos for a mapping or list). A list of scalars keeps its items' positions in an
    ``array('q')``."""

    __slots__ = ("alias", "col", "keys", "line", "values")

    def __init__(
        self,
        line: int,
        col: int,
        keys: dict[Any, int] | None = None,
        values: dict[Any, Any] | Sequence[Any] | None = None,
        alias: bool = False,
    ) -> None:
        self.line, self.col, self.keys, self.values = line, col, keys, values
        self.alias = alias  # written as `*alias` here: what is inside is reported at the alias

    def __repr__(self) -> str:
        return f"Pos({self.line}, {self.col})"


def packed_items(positions: list[int]) -> Sequence[Any]:
    """The positions of a list's items: an untracked array when they are all scalars."""
    return array("q", positions)


def position(tree: Pos, loc: Sequence[Any], key: bool = False) -> tuple[int, int]:
    """1-based (line, col) of the node at ``loc``; the nearest existing ancestor when it is missing.
    With ``key``, the position of the last part's key rather than its value."""
    node = tree
    for i, part in enumerate(loc):
        if node.alias:  # the same node is written elsewhere too: this use is where the alias stands
            break
        values = node.values
        if isinstance(values, dict):
            if isinstance(part, bool) or part not in values:
                break
            if key and i == len(loc) - 1 and node.keys is not None:
                return unpack(node.keys[part])
            child = values[part]
        elif (
            values is not None
            and isinstance(part, int)
            and not isinstance(part, bool)
            and 0 <= part < len(values)
        ):
            child = values[part]
        else:
            break
        if not isinstance(child, Pos):
            return unpack(child)  # a scalar: nothing below it
        node = child
    return node.line, node.col
