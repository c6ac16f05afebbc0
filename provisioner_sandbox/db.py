"""The SQLite connection under the sandbox's store: one connection, one re-entrant lock, one
transaction per request.

The sandbox favours simple, serialisable behaviour over throughput, so every use of the connection
goes through one lock. Each service adds its tables and test helpers as a mixin
(`guidebook/store.py`, `planning_center/store.py`); `store.py` puts them together.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from .errors import SandboxError


class Database:
    """One SQLite file shared by the server's threads through one connection, every use serialised
    by a re-entrant lock; ``transaction`` commits or rolls back."""

    def __init__(self, path: str, schema: str) -> None:
        self.path = path
        self.lock = threading.RLock()
        try:
            # One connection shared by the server threads; the lock serialises every use of it.
            self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise SandboxError(f"cannot open the data file {path}: {exc}") from None
        self.conn.row_factory = sqlite3.Row
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives the process (the sandbox's promise across restarts)
            # without an fsync per request; only a power cut could lose the last ones. One
            # transaction for the schema: each CREATE on its own cost a sync, most of a sandbox's
            # start-up time.
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript("BEGIN;\n" + schema + "\nCOMMIT;")
        except sqlite3.Error as exc:  # e.g. "file is not a database"
            self.conn.close()
            raise SandboxError(
                f"the data file {path} is not a sandbox SQLite database ({exc})"
            ) from None

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextmanager
    def transaction(self, keep: bool = True) -> Iterator[sqlite3.Connection]:
        """Run a block atomically: committed on success, rolled back on any exception.

        `keep=False` rolls back even on success: the "acknowledge but do not keep" fault answers
        exactly as a successful write would, then throws the write away.
        """
        with self.lock:
            if self.conn.in_transaction:  # nested use (helpers called from a handler): join it
                yield self.conn
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT" if keep else "ROLLBACK")

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.conn.execute(sql, tuple(params))]

    def tuples(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            cursor = self.conn.execute(sql, tuple(params))
            cursor.row_factory = None
            return cursor.fetchall()

    def get_meta(self, key: str) -> str | None:
        found = self.rows("SELECT value FROM meta WHERE key = ?", (key,))
        return found[0]["value"] if found else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as c:
            c.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def _update(self, table: str, row_id: int, attrs: dict[str, Any]) -> None:
        if not attrs:
            return
        cols = ", ".join(f"{k} = ?" for k in attrs)
        with self.transaction() as c:
            c.execute(f"UPDATE {table} SET {cols} WHERE id = ?", (*attrs.values(), row_id))
