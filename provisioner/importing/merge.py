"""The merge half of importing: fold live items into the user's round-trip YAML tree, touching
little.

Items found in both are updated in place (their comments, order and anchors survive), live-only
items are appended, file-only items are kept and reported; items outside the import's selection
(``--plan``) are left alone. A list reached through an alias is never edited in place.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken


@dataclass
class ImportResult:
    """What an import did. ``text`` is the YAML written (or to print when there is no ``path``)."""

    text: str
    path: str | None = None
    merged: bool = False
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    noun: str = "item"

    def messages(self) -> list[str]:
        """One-line summaries for stderr."""
        out = list(self.notes)
        if self.kept:
            plural = "" if len(self.kept) == 1 else "s"
            out.append(
                f"kept {len(self.kept)} {self.noun}{plural} not in live: {', '.join(self.kept)}"
            )
        if self.path:
            verb = "merged into" if self.merged else "wrote"
            out.append(f"{verb} {self.path}: {len(self.added)} added, {len(self.updated)} updated")
        return out


class Source(Protocol):
    """One kind of file to import. ``fresh`` holds live state; the rest steer the merge.

    - ``list_key``: the top-level list holding the items (``schedules``, ``rosters``,
      ``responses``).
    - ``noun``: what an item is called in messages.
    - ``header_problem(existing)``: why the file cannot take this import (another guide...), or
      None.
    - ``identity(item)``: the item's identity, the same for a live item and the user's spelling of
      it.
    - ``label(item)``: the item in messages.
    - ``update(existing_item, live_item)``: make the user's item match live, touching as little as
      possible; True when something changed.
    - ``wanted(existing, live_item)``: False for live items the file says to leave alone
      (``ignore``).
    - ``selected(item)``: False for the user's items that this import did not read (a plan left out
      by ``--plan``): they are left unchanged, not reported as missing from live.
    """

    list_key: str
    noun: str
    notes: list[str]

    def fresh(self) -> CommentedMap: ...

    def header_problem(self, existing: CommentedMap) -> str | None: ...

    def identity(self, item: Any) -> Hashable | None: ...

    def label(self, item: Any) -> str: ...

    def update(
        self, existing_item: CommentedMap, live_item: CommentedMap, *, shared: set[int]
    ) -> bool: ...

    def wanted(self, existing: CommentedMap, live_item: CommentedMap) -> bool: ...

    def selected(self, item: Any) -> bool: ...


def merge(source: Source, existing: CommentedMap) -> ImportResult:
    """Update items found in both, append live-only items, keep (and report) file-only items; items
    outside the selection are left unchanged."""
    items = existing.get(source.list_key)
    if not isinstance(items, list):
        items = existing[source.list_key] = CommentedSeq()
    shared = shared_nodes(existing)
    _pin_anchors(existing)
    by_identity: dict[Hashable, Any] = {}
    for item in items:
        key = source.identity(item)
        if key is not None:
            by_identity.setdefault(key, item)
    result = ImportResult("", merged=True, noun=source.noun)
    seen: set[Hashable] = set()
    for live in source.fresh().get(source.list_key) or []:
        key = source.identity(live)
        seen.add(key)
        mine = by_identity.get(key)
        if mine is None:
            if source.wanted(existing, live):
                append(items, live)
                result.added.append(source.label(live))
        elif source.update(mine, live, shared=shared):
            result.updated.append(source.label(live))
    missing = [item for key, item in by_identity.items() if key not in seen]
    result.kept = [source.label(item) for item in missing if source.selected(item)]
    unselected = [source.label(item) for item in missing if not source.selected(item)]
    result.notes = list(source.notes)
    if unselected:
        result.notes.append(f"left unchanged: {', '.join(unselected)} (not selected)")
    return result


def shared_nodes(doc: Any) -> set[int]:
    """ids of the lists and mappings reached more than once (through aliases): editing them in place
    would change every place that refers to them."""
    counts: dict[int, int] = {}

    def walk(node: Any) -> None:
        if not isinstance(node, dict | list):
            return
        counts[id(node)] = counts.get(id(node), 0) + 1
        if counts[id(node)] == 1:
            for child in node.values() if isinstance(node, dict) else node:
                walk(child)

    walk(doc)
    return {k for k, n in counts.items() if n > 1}


def _pin_anchors(node: Any, seen: set[int] | None = None) -> None:
    """ruamel writes an anchor only while something aliases it; the user named it, so it stays."""
    seen = set() if seen is None else seen
    if not isinstance(node, dict | list) or id(node) in seen:
        return
    seen.add(id(node))
    _keep_anchor(node)
    for child in node.values() if isinstance(node, dict) else node:
        _pin_anchors(child, seen)


def merge_list(
    parent: CommentedMap,
    field: str,
    fresh: CommentedSeq,
    live_keys: list[Hashable],
    *,
    key: Callable[[Any], Hashable | None],
    shared: set[int],
    same: Callable[[Any, Any], bool] = lambda mine, live: True,
    update: Callable[[Any, Any], None] = lambda mine, live: None,
    kept: list[Hashable] | None = None,
) -> bool:
    """Make ``parent[field]`` hold the live items of ``fresh`` (whose identities are ``live_keys``)
    while touching as little of the user's list as possible: entries still live stay where they are
    with their comments (``update`` brings their fields up to date), the others are dropped and new
    ones appended with ``fresh``'s comments. With ``kept`` (a list to fill), the user's entries that
    are not live are kept instead of dropped, and their identities added to ``kept``. A list reached
    through an alias is left alone when it matches and otherwise replaced, so the other places that
    share it do not change. True when something changed."""
    node = parent.get(field)
    if not isinstance(node, CommentedSeq):
        if node is None and not fresh:
            return False
        parent[field] = fresh
        return True
    live = dict(zip(live_keys, fresh, strict=True))
    mine = [key(entry) for entry in node]
    extra: dict[Hashable, int] = {}  # file-only entries to keep: identity -> index of the first one
    if kept is not None:
        for i, k in enumerate(mine):
            if k is not None and k not in live:
                extra.setdefault(k, i)
        kept.extend(extra)
    if (
        None not in mine
        and len(set(mine)) == len(mine)
        and set(mine) == set(live) | set(extra)
        and all(k in extra or same(entry, live[k]) for entry, k in zip(node, mine, strict=True))
    ):
        return False
    if id(node) in shared:
        _keep_anchor(node)
        for (
            i
        ) in extra.values():  # into the plain list that replaces the shared one for this place only
            entry = node[i]
            anchored = getattr(getattr(entry, "anchor", None), "value", None)
            fresh.append(
                entry if anchored else copy.deepcopy(entry)
            )  # the user's anchor: an alias to it
        parent[field] = fresh
        return True
    present: set[Hashable] = set()
    drop = []
    for i, k in enumerate(mine):
        if k is None or k in present or (k not in live and extra.get(k) != i):
            drop.append(i)
        else:
            present.add(k)
            if k in extra or same(node[i], live[k]):
                continue
            if id(node[i]) in shared:  # an aliased entry: change this place only
                _keep_anchor(node[i])
                node[i] = live[k]
            else:
                update(node[i], live[k])
    for i in reversed(drop):
        delete(node, i)
    for i, k in enumerate(live_keys):
        if k not in present:
            append(node, fresh[i], fresh.ca.items.get(i))
    return True


# ruamel keeps the blank lines and comment lines that follow an entry in the end-of-line comment of
# that entry's last scalar. Deleting or appending at the end would carry them away or strand them
# mid-list; these helpers move the lines after the first one (the entry's own end-of-line comment)
# to the new neighbour.


def append(seq: CommentedSeq, item: Any, comment: Any = None) -> None:
    """Append ``item`` (with ``comment``, a ruamel ``ca.items`` entry) after what used to follow the
    list."""
    tail = _detach_tail(seq, len(seq) - 1) if seq else ""
    seq.append(item)
    if comment is not None:
        seq.ca.items[len(seq) - 1] = comment
    _attach_tail(seq, len(seq) - 1, tail)


def delete(seq: CommentedSeq, index: int) -> None:
    """Delete one entry; the comment lines that followed it now follow the entry before it."""
    tail = _detach_tail(seq, index)
    del seq[index]
    if index > 0:
        _attach_tail(seq, index - 1, tail)


def _slots(container: Any, key: Any) -> list[tuple[Any, Any, int]]:
    """Where the comment after the last line of ``container[key]`` may live, outermost first."""
    out = [(container, key, 2 if isinstance(container, dict) else 0)]
    child = container[key]
    if isinstance(child, CommentedMap | CommentedSeq) and child and not child.fa.flow_style():
        out += _slots(child, next(reversed(child)) if isinstance(child, dict) else len(child) - 1)
    return out


def _token(container: Any, key: Any, slot: int) -> Any:
    entry = container.ca.items.get(key)
    return entry[slot] if entry and len(entry) > slot else None


def _detach_tail(seq: CommentedSeq, index: int) -> str:
    for container, key, slot in reversed(_slots(seq, index)):
        token = _token(container, key, slot)
        if token is not None and isinstance(getattr(token, "value", None), str):
            first, newline, rest = token.value.partition("\n")
            token.value = first + newline
            return rest
    return ""


def _attach_tail(seq: CommentedSeq, index: int, tail: str) -> None:
    if not tail:
        return
    container, key, slot = _slots(seq, index)[-1]
    token = _token(container, key, slot)
    if token is None:
        entry = container.ca.items.setdefault(
            key, [None] * (4 if isinstance(container, dict) else 2)
        )
        entry[slot] = CommentToken("\n" + tail, CommentMark(0), None)
    else:
        token.value = token.value.rstrip("\n") + "\n" + tail


def eol_comment(node: CommentedMap | CommentedSeq, key: Any, text: str) -> None:
    """``value  # text`` with two spaces, as ruff and PEP 8 write it; ruamel's default depends on
    neighbours."""
    node.yaml_add_eol_comment(f"# {text}", key, column=0)
    entry = node.ca.items[key]
    token = entry[2] if isinstance(node, dict) else entry[0]
    token.value = f" # {text}"


def _keep_anchor(node: Any) -> None:
    """ruamel drops an anchor that ends up used once; the user named it, so it stays for their next
    alias."""
    anchor = getattr(node, "anchor", None)
    if anchor is not None and anchor.value:
        node.yaml_set_anchor(anchor.value, always_dump=True)
