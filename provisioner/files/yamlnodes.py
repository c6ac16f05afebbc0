"""YAML text → plain Python data plus a tree of positions, through ruamel's composer (libyaml when
available).

The round-trip loader keeps positions too but is pure Python and 5-7x slower on large files;
composing nodes with the C parser and building plain data ourselves keeps every line and column at a
fraction of the cost, and lets us bound alias expansion (YAML bombs), nesting and duplicate keys in
one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.main import CParser
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag
from ruamel.yaml.tokens import AliasToken

from provisioner.core.positions import Pos, pack, packed_items, unpack

MERGE_TAG = "tag:yaml.org,2002:merge"
STR, INT, NULL, BOOL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "null", "bool"))
_DECIMAL = re.compile(r"[-+]?[0-9]+\Z")


class ShapeError(Exception):
    """The document is well-formed YAML but not a shape we accept; carries the position to
    report."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.line, self.col = line, col


def parse(
    text: str, *, max_nodes: int, max_depth: int, problems: list[ShapeError] | None = None
) -> list[tuple[Any, Pos]]:
    """Every document of ``text`` as (data, positions). Raises MarkedYAMLError or ShapeError;
    duplicate keys are appended to ``problems`` (the first value kept) so the rest of the file is
    still checked."""
    found = problems if problems is not None else []
    docs = []
    with _composer(text) as (nodes, constructor):
        for node in nodes:
            value, where, _ = _Builder(constructor, max_nodes, max_depth, found, text)._node(
                node, 0
            )
            docs.append((value, where if isinstance(where, Pos) else Pos(*_at(node))))
    if problems is None and found:
        raise found[0]
    return docs


@contextmanager
def _composer(text: str) -> Iterator[tuple[Iterator[Node], Any]]:
    """(the documents' nodes, a constructor for the rare scalars we do not convert ourselves)."""
    if (
        _CLoader is None
    ):  # no compiled ruamel.yaml.clib: the pure-Python parser, several times slower
        yaml = YAML(typ="safe", pure=True)
        yaml.Resolver = _MemoResolver
        yield yaml.compose_all(text), yaml.constructor
        return
    loader = _CLoader(text)
    try:
        yield _nodes(loader), loader
    finally:
        loader.dispose()
        # The loader refers to itself (as its own parser, composer, constructor and resolver):
        # without this every file would leave a cycle, holding its whole node tree, for the garbage
        # collector to find.
        loader.__dict__.clear()


def _nodes(loader: Any) -> Iterator[Node]:
    while loader.check_node():
        yield loader.get_node()


# Plain scalar -> tag, shared by every parse of the process. The C parser never passes a `%YAML`
# directive on to the resolver (it always resolves as YAML 1.2), so the tag depends on the text
# alone. One Tag object per kind, and a kind of its own for decimal ints, so the builder converts
# the common scalars without a regex.
_TAGS: dict[str, Tag] = {}
_MEMO_LIMIT = 200_000  # distinct texts remembered (names are mostly distinct; ids repeat)
_KINDS: dict[str, Tag] = {}
_DECIMAL_INT = Tag(suffix=INT)


class _MemoResolver(VersionedResolver):
    """Resolves each distinct plain scalar once per process: files repeat the same ids thousands of
    times, and ruamel's resolver (regexes per call, the YAML version looked up per call) was most of
    the parse time."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        if kind is ScalarNode:
            if not implicit[0]:
                return super().resolve(kind, value, implicit)
            tag = _TAGS.get(value)
            if tag is None:
                found = super().resolve(kind, value, implicit)
                suffix = found.suffix
                tag = (
                    _DECIMAL_INT
                    if suffix == INT and _DECIMAL.match(value)
                    else _KINDS.setdefault(suffix, found)
                )
                if len(_TAGS) >= _MEMO_LIMIT:
                    _TAGS.clear()
                _TAGS[value] = tag
            return tag
        return self.DEFAULT_SEQUENCE_TAG if kind is SequenceNode else self.DEFAULT_MAPPING_TAG


_CLoader: Any = None
if CParser is not None:

    class _CLoader(CParser, SafeConstructor, _MemoResolver):  # type: ignore[no-redef]
        """ruamel.yaml.clib's reader, scanner, parser and composer with our resolver: what
        ``YAML(typ="safe")`` builds, but as one class made once (it makes a new class for every
        file)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            self._parser = self._composer = self
            SafeConstructor.__init__(self, loader=self)
            self.allow_duplicate_keys = False
            _MemoResolver.__init__(self, version=None, loadumper=self)

        # Path resolvers are not used: the composer's bookkeeping for them, twice per node, is
        # skipped.
        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass


def _alias_marks(text: str) -> list[tuple[int, int]]:
    """Where each alias is written, in document order. The C composer resolves an alias to the
    anchored node and keeps no trace of where the alias was (nor the anchor's name), so the tokens
    are scanned again, only for a file that uses aliases."""
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


def _packed(node: Node) -> int:
    mark = node.start_mark
    return pack(mark.line + 1, mark.column + 1)


class _Builder:
    """Plain data plus positions from composed nodes. Each node yields (value, where, size):
    ``where`` is a packed int for a scalar and a Pos for a mapping or list; ``size`` counts values
    after alias expansion."""

    def __init__(
        self,
        constructor: Any,
        max_nodes: int,
        max_depth: int,
        problems: list[ShapeError],
        text: str,
    ) -> None:
        self.constructor = constructor
        self.text = text
        # Without an anchor (`&`) there is no alias: no node is met twice, and none needs
        # remembering. A file with one keeps every node, scalars too, to count each use and place it
        # where its alias is written.
        self.shared = "&" in text
        self.aliases: list[tuple[int, int]] | None = (
            None  # where each `*alias` is written, in order
        )
        self.alias_uses = 0
        self.problems = problems
        self.max_nodes, self.max_depth = max_nodes, max_depth
        self.total = 0
        self.copied = 0  # of total, the values counted again through an alias or a merge
        self.memo: dict[int, tuple[Any, Any, int]] = {}  # an alias is the same node again
        self.active: set[int] = set()

    def _node(self, node: Node, depth: int) -> tuple[Any, Any, int]:
        if not self.shared and isinstance(node, ScalarNode):
            if depth > self.max_depth:
                raise ShapeError(f"nested deeper than {self.max_depth} levels", *_at(node))
            self._count(1, node)
            return self._value(node), _packed(node), 1
        key = id(node)
        if key in self.memo:  # an alias: shared, but it counts again towards the expanded size
            value, pos, size = self.memo[key]
            self.copied += size
            self._count(size, node)
            return value, self._alias_pos(pos), size
        if key in self.active:
            raise ShapeError("an alias refers to its own anchor (a cycle)", *_at(node))
        if depth > self.max_depth:
            raise ShapeError(f"nested deeper than {self.max_depth} levels", *_at(node))
        if isinstance(node, ScalarNode):
            self._count(1, node)
            built: tuple[Any, Any, int] = (self._value(node), _packed(node), 1)
        else:
            self.active.add(key)
            try:
                built = self._compound(node, depth)
            finally:
                self.active.discard(key)
        if self.shared:
            self.memo[key] = built
        return built

    def _alias_pos(self, pos: Any) -> Any:
        """The anchored node's positions, but its own line and column where the alias is written, so
        an error about this use (a duplicate made through an alias) points at the alias, not at the
        anchor. The builder meets aliases in document order, so the n-th one met is the n-th alias
        token."""
        if self.aliases is None:
            self.aliases = _alias_marks(self.text)
        self.alias_uses += 1
        if self.alias_uses > len(self.aliases):
            return pos
        line, col = self.aliases[self.alias_uses - 1]
        if not isinstance(pos, Pos):
            return pack(line, col)
        return Pos(line, col, pos.keys, pos.values, alias=True)

    def _count(self, size: int, node: Node) -> None:
        self.total += size
        if self.total > self.max_nodes:
            # "A YAML bomb" only where aliases made most of it; a file of plain values is just
            # large.
            how = (
                f"expands to more than {self.max_nodes} values through anchors and aliases (a YAML "
                "bomb?)"
                if self.copied * 2 > self.total
                else f"holds more than {self.max_nodes} values"
            )
            raise ShapeError(
                f"{how}; a file this large should be split (docs/scale.md, Large files)",
                *_at(node),
            )

    def _value(self, node: ScalarNode) -> Any:
        """The common cases directly (the constructor's tag handling costs more than the parse); the
        rest (floats, timestamps, explicit tags, 0x ints...) through ruamel's own constructor."""
        if node.ctag is _DECIMAL_INT:
            return int(node.value)
        tag = node.ctag.suffix if node.ctag is not None else None
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
        children = node.value
        if (
            not self.shared
            and depth < self.max_depth
            and all(type(child) is ScalarNode for child in children)
        ):
            # The common list of ids: no per-item call, positions in one array.
            self._count(len(children), node)
            value = self._value
            marks = [child.start_mark for child in children]
            return (
                [
                    int(child.value) if child.ctag is _DECIMAL_INT else value(child)
                    for child in children
                ],
                Pos(
                    *_at(node), values=packed_items([pack(m.line + 1, m.column + 1) for m in marks])
                ),
                1 + len(children),
            )
        items = [self._node(child, depth + 1) for child in children]
        return (
            [v for v, _, _ in items],
            Pos(*_at(node), values=[p for _, p, _ in items]),
            1 + sum(s for _, _, s in items),
        )

    def _mapping(self, node: MappingNode, depth: int) -> tuple[Any, Pos, int]:
        self._count(1, node)
        data: dict[Any, Any] = {}
        keys: dict[Any, int] = {}
        values: dict[Any, Any] = {}
        size = 1
        merged: list[tuple[dict[Any, Any], Pos]] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                sources = self._merge_sources(value_node, depth)
                merged += [(value, source_pos) for value, source_pos, _ in sources]
                # Merged keys are copies: they count towards the expanded size, or chained merges
                # are a bomb.
                size += sum(source_size for _, _, source_size in sources)
                self.copied += sum(source_size for _, _, source_size in sources)
                continue
            if not isinstance(key_node, ScalarNode):
                raise ShapeError(
                    "a mapping key must be a plain value, not a list or mapping", *_at(key_node)
                )
            key = self._value(key_node)
            if key is None:
                self.problems.append(
                    ShapeError(
                        "a key is empty (null): write the key's name before the colon",
                        *_at(key_node),
                    )
                )
                continue
            if key in data:
                first, _ = unpack(keys[key])
                self.problems.append(
                    ShapeError(
                        f"duplicate key {key!r} (first at line {first}): each key may "
                        "appear once in a mapping",
                        *_at(key_node),
                    )
                )
                continue
            value, value_pos, value_size = self._node(value_node, depth + 1)
            data[key], keys[key], values[key] = value, _packed(key_node), value_pos
            size += value_size
        for (
            source,
            source_pos,
        ) in merged:  # `<<: *anchor` — explicit keys win, as YAML's merge key says
            assert isinstance(source_pos.keys, dict) and isinstance(source_pos.values, dict)
            for key, value in source.items():
                if key not in data:
                    data[key], keys[key] = value, source_pos.keys[key]
                    values[key] = source_pos.values[key]
        return data, Pos(*_at(node), keys=keys, values=values), size

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
