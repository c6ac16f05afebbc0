"""YAML text → plain Python data plus a tree of positions, through ruamel's composer (libyaml when available).

The round-trip loader keeps positions too but is pure Python and 5-7x slower on large files; composing nodes
with the C parser and building plain data ourselves keeps every line and column at a fraction of the cost,
and lets us bound alias expansion (YAML bombs), nesting and duplicate keys in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tokens import AliasToken

MERGE_TAG = "tag:yaml.org,2002:merge"
STR, INT, NULL, BOOL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "null", "bool"))
_DECIMAL = re.compile(r"[-+]?[0-9]+\Z")


@dataclass
class Pos:
    """1-based line and column of a node; for mappings the key and value positions, for sequences the items."""

    line: int
    col: int
    keys: dict[Any, Pos] = field(default_factory=dict)
    values: dict[Any, Pos] | list[Pos] = field(default_factory=dict)
    alias: bool = False  # written as `*alias` here: what is inside is reported at the alias


class ShapeError(Exception):
    """The document is well-formed YAML but not a shape we accept; carries the position to report."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.line, self.col = line, col


def parse(text: str, *, max_nodes: int, max_depth: int,
          problems: list[ShapeError] | None = None) -> list[tuple[Any, Pos]]:
    """Every document of ``text`` as (data, positions). Raises MarkedYAMLError or ShapeError; duplicate keys
    are appended to ``problems`` (the first value kept) so the rest of the file is still checked."""
    yaml = YAML(typ="safe", pure=False)
    yaml.Resolver = _MemoResolver
    found = problems if problems is not None else []
    docs = [_Builder(yaml, max_nodes, max_depth, found, text).build(node) for node in yaml.compose_all(text)]
    if problems is None and found:
        raise found[0]
    return docs


class _MemoResolver(VersionedResolver):
    """Resolves each distinct plain scalar once: files repeat the same ids thousands of times, and ruamel's
    resolver (regexes per call, the YAML version looked up per call) was most of the load time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._memo: dict[str, Any] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0] and not self.yaml_path_resolvers:
            tag = self._memo.get(value)
            if tag is None:
                tag = self._memo[value] = super().resolve(kind, value, implicit)
            return tag
        return super().resolve(kind, value, implicit)


def _alias_marks(text: str) -> list[tuple[int, int]]:
    """Where each alias is written, in document order. The C composer resolves an alias to the anchored node
    and keeps no trace of where the alias was (nor the anchor's name), so the tokens are scanned again, only
    for a file that uses aliases."""
    out: list[tuple[int, int]] = []
    try:
        for token in YAML(typ="safe", pure=True).scan(text):
            if isinstance(token, AliasToken):
                out.append((token.start_mark.line + 1, token.start_mark.column + 1))
    except MarkedYAMLError:
        pass  # the composer accepted the text; positions stay those of the anchor
    return out


def _at(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    def __init__(self, yaml: YAML, max_nodes: int, max_depth: int, problems: list[ShapeError], text: str) -> None:
        self.constructor = yaml.constructor
        self.text = text
        self.aliases: list[tuple[int, int]] | None = None  # where each `*alias` is written, in order
        self.alias_uses = 0
        self.problems = problems
        self.max_nodes, self.max_depth = max_nodes, max_depth
        self.total = 0
        self.memo: dict[int, tuple[Any, Pos, int]] = {}
        self.active: set[int] = set()

    def build(self, node: Node) -> tuple[Any, Pos]:
        value, pos, _ = self._node(node, 0)
        return value, pos

    def _node(self, node: Node, depth: int) -> tuple[Any, Pos, int]:
        key = id(node)
        if key in self.memo:  # an alias: shared, but it counts again towards the expanded size
            value, pos, size = self.memo[key]
            self._count(size, node)
            return value, self._alias_pos(pos), size
        if key in self.active:
            raise ShapeError("an alias refers to its own anchor (a cycle)", *_at(node))
        if depth > self.max_depth:
            raise ShapeError(f"nested deeper than {self.max_depth} levels", *_at(node))
        self.active.add(key)
        try:
            built = self._compound(node, depth) if not isinstance(node, ScalarNode) else self._scalar(node)
        finally:
            self.active.discard(key)
        self.memo[key] = built
        return built

    def _alias_pos(self, pos: Pos) -> Pos:
        """The anchored node's positions, but its own line and column where the alias is written, so an error
        about this use (a duplicate made through an alias) points at the alias, not at the anchor. The builder
        meets aliases in document order, so the n-th one met is the n-th alias token."""
        if self.aliases is None:
            self.aliases = _alias_marks(self.text)
        self.alias_uses += 1
        if self.alias_uses > len(self.aliases):
            return pos
        line, col = self.aliases[self.alias_uses - 1]
        return replace(pos, line=line, col=col, alias=True)

    def _count(self, size: int, node: Node) -> None:
        self.total += size
        if self.total > self.max_nodes:
            raise ShapeError(f"expands to more than {self.max_nodes} values through anchors and aliases "
                             "(a YAML bomb?)", *_at(node))

    def _scalar(self, node: ScalarNode) -> tuple[Any, Pos, int]:
        self._count(1, node)
        return self._value(node), Pos(*_at(node)), 1

    def _value(self, node: ScalarNode) -> Any:
        """The common cases directly (the constructor's tag handling costs more than the parse); the rest
        (floats, timestamps, explicit tags, 0x ints...) through ruamel's own constructor."""
        tag = getattr(getattr(node, "ctag", None), "suffix", None)
        if tag == STR:
            return node.value
        if tag == INT and _DECIMAL.match(node.value):
            return int(node.value)
        if tag == NULL:
            return None
        if tag == BOOL and node.value.lower() in ("true", "false"):
            return node.value.lower() == "true"
        return self.constructor.construct_object(node, deep=True)

    def _compound(self, node: Node, depth: int) -> tuple[Any, Pos, int]:
        if isinstance(node, SequenceNode):
            return self._sequence(node, depth)
        if isinstance(node, MappingNode):
            return self._mapping(node, depth)
        raise ShapeError(f"unsupported YAML node {type(node).__name__}", *_at(node))

    def _sequence(self, node: SequenceNode, depth: int) -> tuple[Any, Pos, int]:
        self._count(1, node)
        items = [self._node(child, depth + 1) for child in node.value]
        return [v for v, _, _ in items], Pos(*_at(node), values=[p for _, p, _ in items]), 1 + sum(
            s for _, _, s in items)

    def _mapping(self, node: MappingNode, depth: int) -> tuple[Any, Pos, int]:
        self._count(1, node)
        data: dict[Any, Any] = {}
        pos = Pos(*_at(node))
        assert isinstance(pos.values, dict)
        size = 1
        merged: list[tuple[dict[Any, Any], Pos]] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                sources = self._merge_sources(value_node, depth)
                merged += [(value, source_pos) for value, source_pos, _ in sources]
                # Merged keys are copies: they count towards the expanded size, or chained merges are a bomb.
                size += sum(source_size for _, _, source_size in sources)
                continue
            if not isinstance(key_node, ScalarNode):
                raise ShapeError("a mapping key must be a plain value, not a list or mapping", *_at(key_node))
            key = self.constructor.construct_object(key_node, deep=True)
            if key is None:
                self.problems.append(ShapeError("a key is empty (null): write the key's name before the colon",
                                                *_at(key_node)))
                continue
            if key in data:
                first = pos.keys[key]
                self.problems.append(ShapeError(f"duplicate key {key!r} (first at line {first.line}): each key may "
                                                "appear once in a mapping", *_at(key_node)))
                continue
            value, value_pos, value_size = self._node(value_node, depth + 1)
            data[key], pos.keys[key], pos.values[key] = value, Pos(*_at(key_node)), value_pos
            size += value_size
        for source, source_pos in merged:  # `<<: *anchor` — explicit keys win, as YAML's merge key says
            for key, value in source.items():
                if key not in data:
                    data[key], pos.keys[key] = value, source_pos.keys[key]
                    pos.values[key] = source_pos.values[key]
        return data, pos, size

    def _merge_sources(self, node: Node, depth: int) -> list[tuple[dict[Any, Any], Pos, int]]:
        nodes = node.value if isinstance(node, SequenceNode) else [node]
        out = []
        for child in nodes:
            value, pos, size = self._node(child, depth + 1)
            if not isinstance(value, dict):
                raise ShapeError("`<<` must merge a mapping", *_at(child))
            out.append((value, pos, size))
        return out


__all__ = ["MarkedYAMLError", "Pos", "ShapeError", "parse"]
