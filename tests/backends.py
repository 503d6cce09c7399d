"""The two store backends as the tests see them: how to open one, and how to tell whether a call wrote.

conftest.py's `backend` fixture yields one of these per test, once for SQLite (a file in the test's
folder) and once for PostgreSQL (a database of its own in the session's throwaway cluster).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph_aws.store import Store, open_store

TABLES = ("scope", "scope_entity", "scope_relationship", "entity", "entity_class", "relationship",
          "run", "job", "account_outcome", "meta")  # fmt: skip


@dataclass
class Backend:
    name: str  # sqlite | postgresql
    url: str  # what --db takes
    opened: list[Store]

    def open(self, **options: Any) -> Store:
        """Another store on the same data (another process would open the same URL)."""
        store = self._open_with(**options) if options else open_store(self.url)
        self.opened.append(store)
        return store

    def _open_with(self, **options: Any) -> Store:
        if self.name == "sqlite":
            from graph_aws.store.sqlite import SqliteStore

            return SqliteStore(self.url, **options)
        from graph_aws.store.postgresql import PostgresStore

        return PostgresStore(self.url, **options)

    def raw(self, sql: str) -> list[tuple[Any, ...]]:
        """SQL on a connection of the test's own, outside the store."""
        if self.name == "sqlite":
            with sqlite3.connect(self.url) as db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            cursor = db.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def write_marker(self) -> Callable[[], bool]:
        """A function that says whether anything was written since it was made. SQLite: the file's
        data_version moves with every committed write. PostgreSQL: every insert, update or delete
        changes the set of row versions (ctid, xmin) of some table."""
        if self.name == "sqlite":
            observer = sqlite3.connect(self.url)
            before = observer.execute("PRAGMA data_version").fetchone()
            return lambda: observer.execute("PRAGMA data_version").fetchone() != before
        snapshot = self._row_versions()
        return lambda: self._row_versions() != snapshot

    def _row_versions(self) -> list[tuple[Any, ...]]:
        union = " UNION ALL ".join(f"SELECT '{t}', ctid::text, xmin::text FROM {t}" for t in TABLES)
        return sorted(self.raw(union))


def sqlite_backend(folder: Path) -> Backend:
    return Backend("sqlite", str(folder / "graph.db"), [])


def postgresql_backend(url: str) -> Backend:
    return Backend("postgresql", url, [])


def path_of(backend: Backend) -> Path:
    assert backend.name == "sqlite"
    return Path(backend.url)
