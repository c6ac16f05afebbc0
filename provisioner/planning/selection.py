"""Which scopes a run covers (docs/api-notes.md, contract §4): `--target KIND:ID`, `--changed-since
REF`, a saved plan.

A :class:`Selection` is a plain value the engine applies to the scopes the providers found, before
anything is read: a scope left out costs no request. The kinds a target may name come from the
services (``Service.target_kinds``), and each scope says which kind it answers to (``Scope.kind``),
so nothing here names a service.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from provisioner.core.errors import ConfigError, Diagnostic
from provisioner.providers import registry

if (
    TYPE_CHECKING
):  # the CLI imports this module for --help: no pydantic, YAML parser or git until a command runs
    from provisioner.core.records import Loaded, Scope, Workspace
    from provisioner.files.gitref import Snapshot

ScopeIdent = tuple[str, str]
_TARGET = re.compile(r"^(?:(?P<account>[A-Za-z0-9_-]+)/)?(?P<kind>[a-z_]+):(?P<id>[^\s/:]+)$")
SHOWN = 12  # declared scopes listed in an "unknown target" message


@dataclass(frozen=True)
class Target:
    """One `--target`: ``account/kind:id``; no account means the default account."""

    kind: str
    id: str
    account: str | None = None

    def __str__(self) -> str:
        return f"{self.account + '/' if self.account else ''}{self.kind}:{self.id}"

    def matches(self, scope: Scope) -> bool:
        if scope.kind != self.kind or self.kind not in scope.target:
            return False
        # Scopes gain an account with several accounts per repository; until then every scope is the
        # default one.
        account = getattr(scope, "account", None) or None
        return _id(scope.target[self.kind]) == _id(self.id) and account == self.account


def target_kinds() -> list[str]:
    """Every kind a registered service's scopes answer to."""
    return sorted({kind for service in registry.services() for kind in service.target_kinds})


def parse_target(text: str, kinds: Collection[str]) -> Target:
    """``guide:47``, ``east/guide:47``; a ConfigError that shows the form for anything else."""
    m = _TARGET.match(text.strip())
    if m is None:
        raise ConfigError(
            f"--target {text!r}: expected KIND:ID such as guide:47, or ACCOUNT/KIND:ID such as "
            f"east/guide:47 (kinds: {', '.join(kinds)})"
        )
    if m["kind"] not in kinds:
        raise ConfigError(
            f"--target {text}: unknown kind {m['kind']!r}; the kinds are {', '.join(kinds)}"
        )
    return Target(m["kind"], m["id"], m["account"])


@dataclass(frozen=True)
class Selection:
    """``targets`` and ``scopes`` (picked by changed files or a saved plan) add up; neither given
    means all."""

    targets: tuple[Target, ...] = ()
    scopes: frozenset[ScopeIdent] | None = None

    @property
    def everything(self) -> bool:
        return not self.targets and self.scopes is None

    def pick(self, scopes: Sequence[Scope]) -> list[Scope]:
        """The selected scopes, in their order; a target that matches no declared scope is an
        error."""
        if self.everything:
            return list(scopes)
        unmatched = [t for t in self.targets if not any(t.matches(s) for s in scopes)]
        if unmatched:
            kinds = sorted({t.kind for t in unmatched})
            declared = [_as_target(s) for s in scopes if s.kind in kinds]
            more = f" and {len(declared) - SHOWN} more" if len(declared) > SHOWN else ""
            listed = ", ".join(declared[:SHOWN]) + more if declared else f"no {' or '.join(kinds)}"
            raise ConfigError(
                f"--target {', '.join(map(str, unmatched))}: no file given declares "
                f"{'it' if len(unmatched) == 1 else 'them'}; the files declare {listed}"
            )
        chosen = self.scopes or frozenset()
        return [s for s in scopes if s.ident in chosen or any(t.matches(s) for t in self.targets)]


ScopesOf = Callable[[Sequence["Loaded"]], list["Scope"]]


@dataclass(frozen=True)
class Wanted:
    """What `--target` and `--changed-since` ask for, known before any provider is built: so only
    the services it can concern are set up (a targeted guide needs no Planning Center credentials).
    """

    targets: tuple[Target, ...] = ()
    changed: tuple[Loaded, ...] | None = (
        None  # files that differ from REF (deleted ones as REF held them)
    )
    why: str = ""

    def services(self) -> set[str] | None:
        """The services whose scopes may be selected; None for all."""
        if not self.targets and self.changed is None:
            return None
        kinds = {t.kind for t in self.targets}
        by_kind = {s.name for s in registry.services() if kinds & set(s.target_kinds)}
        return by_kind | {f.provider for f in self.changed or ()}

    def selection(self, scopes_of: ScopesOf) -> Selection:
        """The selection, once providers exist: a changed file's scopes are found from that file
        alone."""
        if self.changed is None:
            return Selection(self.targets)
        return Selection(
            self.targets, frozenset(s.ident for f in self.changed for s in scopes_of([f]))
        )


def wanted(
    targets: Sequence[str], changed_since: str | None, paths: Sequence[str], workspace: Workspace
) -> Wanted:
    """Parse `--target` values and find the files changed since `--changed-since` (a git snapshot of
    REF)."""
    parsed = tuple(parse_target(t, target_kinds()) for t in targets)
    why = f"changed since {changed_since}" if changed_since else "--target" if targets else ""
    if changed_since is None:
        return Wanted(parsed, None, why)
    from provisioner.files.gitref import snapshot

    with snapshot(changed_since, paths, "--changed-since") as snap:
        return Wanted(parsed, tuple(changed_files(snap, workspace)), why)


def changed_files(snap: Snapshot, workspace: Workspace) -> list[Loaded]:
    """Files that differ between the snapshot and the working tree: changed and new files, and files
    deleted since, as the snapshot holds them (their scopes may still be declared elsewhere, and
    lose what the deleted file declared)."""
    changed = [f for f in workspace.files if _differs(snap, Path(f.path))]
    here = {Path(f.path).resolve() for f in workspace.files}
    from provisioner.files.loader import SUFFIXES, load_bytes

    gone = [p for p in snap.files() if p.suffix in SUFFIXES and snap.working_path(p) not in here]
    diags: list[Diagnostic] = []
    # A deleted file that no longer validates (an older schema) cannot name its scopes; the rest
    # still count.
    old = [f for f in (load_bytes(str(p), p.read_bytes(), diags) for p in gone) if f is not None]
    known = {f.provider for f in workspace.files}
    return [*changed, *(f for f in old if f.provider in known)]


def _differs(snap: Snapshot, path: Path) -> bool:
    copy = snap.copy_of(path)
    try:
        return not copy.is_file() or copy.read_bytes() != path.read_bytes()
    except OSError:
        return True


def _as_target(scope: Scope) -> str:
    if not scope.kind:
        return scope.name
    account = getattr(scope, "account", None)
    return f"{account + '/' if account else ''}{scope.kind}:{scope.target.get(scope.kind)}"


def _id(value: object) -> str:
    text = str(value).strip()
    return str(int(text)) if text.isdigit() else text
