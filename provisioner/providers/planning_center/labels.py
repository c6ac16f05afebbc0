"""Names of the ids a scope's keys mention (people, teams, plans), as this run read them: shared by
the two kinds of scope and the provider, and written from several threads (scopes are read in
parallel)."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from provisioner.core.records import Scope


class Labels:
    """scope name -> kind ("person", "team", "plan") -> id -> name."""

    def __init__(self) -> None:
        self._by_scope: dict[str, dict[str, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def keep(self, scope: Scope, names: Mapping[str, dict[str, str]]) -> None:
        """The names read with a scope's live state (replacing what an earlier read kept)."""
        with self._lock:
            self._by_scope[scope.name] = {kind: table for kind, table in names.items() if table}

    def add(self, scope: Scope, names: Mapping[str, Mapping[str, str]]) -> None:
        """More names (of people and teams a roster adds); a name already read is kept."""
        with self._lock:
            held = self._by_scope.setdefault(scope.name, {})
            for kind, table in names.items():
                held[kind] = {**table, **held.get(kind, {})}

    def of(self, scope: Scope) -> dict[str, dict[str, str]]:
        with self._lock:
            return dict(self._by_scope.get(scope.name, {}))
