"""Core values shared by every layer: loaded files, records, scopes (and, from ``plan``, changes and
plans).

Nothing here does I/O or knows a service; ``diff``, ``safety``, the engine and every provider import
these types, and this module imports nothing of theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, Protocol, TypeVar

from provisioner.core.errors import Diagnostic
from provisioner.core.plan import Change, Plan, provider_key
from provisioner.core.positions import Pos, position

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "Change",
    "Declared",
    "Loaded",
    "Plan",
    "Record",
    "Scope",
    "Workspace",
    "add_live",
    "position",
    "provider_key",
]


@dataclass(frozen=True)
class Loaded:
    """One validated file: the model plus the positions of its nodes, to point back at lines."""

    path: str
    doc: BaseModel  # the file's model, of its service's schema (files/ validates it)
    tree: Pos

    @property
    def provider(self) -> str:
        return str(getattr(self.doc, "provider", ""))

    @property
    def account(self) -> str | None:
        """The file's ``account:`` (docs/api-notes.md, contract §2.1), None for the default
        account."""
        return getattr(self.doc, "account", None)

    def where(self, *loc: str | int) -> str:
        line, _ = position(self.tree, loc)
        return f"{self.path}:{line}"

    def diagnostic(self, loc: Sequence[str | int], message: str) -> Diagnostic:
        line, col = position(self.tree, loc)
        return Diagnostic(self.path, line, col, message)


@dataclass(frozen=True)
class Workspace:
    """Every file under the given paths, validated, with a digest of their bytes."""

    files: tuple[Loaded, ...]
    digest: str
    # Files the run was not given that sit beside the ones it was (and in schedules/): a scope they
    # also declare is not pruned by this run (it would delete what they declare).
    siblings: tuple[Loaded, ...] = ()
    # Not errors: names that differ only in case or look alike (validate prints them; issue 23).
    warnings: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class Record:
    """One object in comparable form. List values are sets, kept as sorted unique lists.

    ``key`` names the object for display and keys the dicts the diff compares; ``identity`` holds
    the same identity as typed fields (a schedule's name; a team member's person, team and
    position), which is what code reads. ``twin_of`` is set on a live object that repeats the
    identity of another one (the key of that one).
    """

    key: str
    values: dict[str, Any]
    id: Any = None
    source: str | None = None
    identity: dict[str, Any] = field(default_factory=dict)
    twin_of: str | None = None

    def snapshot(self) -> dict[str, Any]:
        """The precondition form stored in a saved plan."""
        return {"id": self.id, **self.values}


@dataclass(frozen=True)
class LiveIndex:
    """One read of a scope, looked up by name and by id in constant time: the checks around an apply
    look up each change's object here rather than scanning the read once per change (issue 24: an
    apply of 4,000 creates spent a third of its time pairing every create with every live object).
    Lists keep read order."""

    by_name: dict[str, list[Record]]  # a record's key, and the key it repeats (twin_of)
    by_id: dict[str, list[Record]]  # by str(id), as the checks compare ids

    @classmethod
    def of(cls, live: dict[str, Record]) -> LiveIndex:
        """Index ``live`` by name (a twin also under the name it is a twin of) and by id."""
        by_name: dict[str, list[Record]] = {}
        by_id: dict[str, list[Record]] = {}
        for r in live.values():
            by_name.setdefault(r.key, []).append(r)
            if r.twin_of is not None and r.twin_of != r.key:
                by_name.setdefault(r.twin_of, []).append(r)
            by_id.setdefault(str(r.id), []).append(r)
        return cls(by_name, by_id)

    def named(self, key: str) -> list[Record]:
        """The records whose key is ``key`` or that repeat it (its twins), in read order."""
        return self.by_name.get(key, [])

    def with_id(self, rid: Any) -> list[Record]:
        """The records whose id reads as ``str(rid)``, in read order."""
        return self.by_id.get(str(rid), [])


def add_live(records: dict[str, Record], record: Record) -> Record:
    """Add a live record. Services allow two objects with one identity: the second is keyed "key
    (#id)" and marked as a twin, so it is never matched to a declaration (prune removes it). An
    object is never its own twin: a row whose id is already held under its key is the same object
    read twice, and is kept once."""
    held = records.get(record.key)
    if held is not None and str(held.id) == str(record.id):
        return held
    same = records.get(f"{record.key} (#{record.id})")
    if same is not None:
        return same
    if held is not None:
        twin = Record(
            f"{record.key} (#{record.id})",
            record.values,
            id=record.id,
            source=record.source,
            identity=record.identity,
            twin_of=record.key,
        )
        records[twin.key] = twin
        return twin
    records[record.key] = record
    return record


class DeleteGuard(Protocol):
    """A scope's mass-delete guard, from its files' ``safety:`` (``files.fields.Safety`` is one)."""

    @property
    def max_delete_percent(self) -> float: ...

    @property
    def min_existing(self) -> int: ...


@dataclass(frozen=True)
class DefaultGuard:
    """The guard of a file without ``safety:`` (the defaults ``files.fields.Safety`` documents)."""

    max_delete_percent: float = 30.0
    min_existing: int = 10


ItemT = TypeVar("ItemT")


class Declared(NamedTuple, Generic[ItemT]):
    """One item a file declares in a scope: the file, where in it (for ``file.where(*loc)`` and
    ``file.diagnostic(loc, ...)``), and the item's model (a schedule, a team member...)."""

    file: Loaded
    loc: tuple[str | int, ...]
    item: ItemT


@dataclass
class Scope(Generic[ItemT]):
    """A unit of ownership (a guide, a plan, a person): declared items plus the policy for the rest.

    ``Scope[TeamMember]`` holds ``Declared[TeamMember]`` items. ``target`` holds the ids that locate
    the scope in the service, under names the provider chooses; the id ``--target KIND:ID`` matches
    is ``target[kind]``. Providers subclass it for what only they need (a guide's publish mode); the
    fields here are what the generic diff, safety and engine read."""

    provider: str
    name: str
    target: dict[str, Any]
    items: list[Declared[ItemT]] = field(default_factory=list)
    prune: bool = True
    ignore: tuple[str, ...] = ()
    protect: tuple[str, ...] = ()
    safety: DeleteGuard = field(default_factory=DefaultGuard)
    note_renames: bool = (
        False  # the service cannot rename: say so where a create looks like a renamed delete
    )
    files: int = 0  # how many files declare this scope
    anchor: tuple[Loaded, tuple[str | int, ...]] | None = (
        None  # where the scope is declared, for errors
    )
    # The `--target KIND:ID` kind this scope answers to (one of its Service's ``target_kinds``); its
    # id is ``target[kind]``. Empty: the scope cannot be picked by --target (only by --changed-since
    # or a saved plan).
    kind: str = ""
    # Live duplicates of declared objects are ours to report (off where the service owns the objects
    # and two of them with one identity are normal, such as a person's schedules).
    dedupe: bool = True
    account: str | None = None  # set by the engine from the provider that made the scope

    @property
    def ident(self) -> tuple[str, str]:
        return (self.provider, self.name)

    def include(
        self,
        file: Loaded,
        items: Iterable[Declared[ItemT]] = (),
        *,
        at: tuple[str | int, ...] | None = None,
        prune: bool = True,
        ignore: Iterable[str] = (),
        protect: Iterable[str] = (),
        safety: DeleteGuard | None = None,
    ) -> None:
        """One more file declares this scope (``at``: where it names it, for errors about the
        scope): its items join the others', and its policy merges with theirs, the most careful
        setting winning. The scope prunes only if every file prunes; every file's ``ignore`` and
        ``protect`` patterns apply; the delete guard takes the lowest percentage and the lowest
        floor of the files' ``safety`` (a file without one: the defaults)."""
        first = self.files == 0
        self.files += 1
        self.items += items
        self.prune = prune if first else self.prune and prune
        self.ignore = tuple(sorted({*self.ignore, *ignore}))
        self.protect = tuple(sorted({*self.protect, *protect}))
        guard: DeleteGuard = safety if safety is not None else DefaultGuard()
        if not first:
            guard = DefaultGuard(
                max_delete_percent=min(self.safety.max_delete_percent, guard.max_delete_percent),
                min_existing=min(self.safety.min_existing, guard.min_existing),
            )
        self.safety = guard
        if self.anchor is None and at is not None:
            self.anchor = (file, at)

    @property
    def provider_key(self) -> str:
        """Which built provider serves this scope: one per (service, account)."""
        return provider_key(self.provider, self.account)
