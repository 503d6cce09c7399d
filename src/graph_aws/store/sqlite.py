"""The SQLite store (the default): one file, scope-replacing syncs, a merged graph for reads.

Tables
    scope_entity, scope_relationship   what each scope holds (the unit a sync replaces)
    entity, entity_class, relationship the merged graph, one row per _key, kept in step with the
                                       scope tables inside each sync's transaction; the query layer
                                       reads only these
    entity_text                        the full-text index of the merged entities (FTS5, rowid =
                                       entity.rowid): what J1QL's `FIND "words"` searches
    scope, run, job, account_outcome   which organization a scope belongs to, and the run history
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from graph_aws.errors import StoreError
from graph_aws.model import SYSTEM_MAPPER, Entity, Relationship
from graph_aws.store.base import (
    AccountOutcome,
    JobRecord,
    RunRecord,
    SyncCounts,
    merge_views,
)

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scope (
    scope TEXT PRIMARY KEY,
    organization_id TEXT
);
CREATE TABLE IF NOT EXISTS scope_entity (
    scope TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS scope_entity_key ON scope_entity(key);
CREATE TABLE IF NOT EXISTS scope_relationship (
    scope TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS scope_relationship_key ON scope_relationship(key);
CREATE TABLE IF NOT EXISTS entity (
    key TEXT PRIMARY KEY, type TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entity_type ON entity(type);
CREATE TABLE IF NOT EXISTS entity_class (
    class TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (class, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entity_class_key ON entity_class(key);
CREATE TABLE IF NOT EXISTS relationship (
    key TEXT PRIMARY KEY, type TEXT NOT NULL, class TEXT NOT NULL,
    from_key TEXT NOT NULL, to_key TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS relationship_from ON relationship(from_key, class);
CREATE INDEX IF NOT EXISTS relationship_to ON relationship(to_key, class);
CREATE INDEX IF NOT EXISTS relationship_type ON relationship(type);
CREATE TABLE IF NOT EXISTS run (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at INTEGER NOT NULL, ended_at INTEGER, status TEXT,
    mode TEXT NOT NULL, organization_id TEXT, settings TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS job (
    run_id INTEGER NOT NULL REFERENCES run(id), scope TEXT NOT NULL,
    status TEXT NOT NULL, reason TEXT, started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL,
    created INTEGER NOT NULL, updated INTEGER NOT NULL, deleted INTEGER NOT NULL,
    summary TEXT NOT NULL,
    PRIMARY KEY (run_id, scope)
);
CREATE TABLE IF NOT EXISTS account_outcome (
    run_id INTEGER NOT NULL REFERENCES run(id), account_id TEXT NOT NULL, name TEXT,
    outcome TEXT NOT NULL, reason TEXT, finished_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, account_id)
);
CREATE INDEX IF NOT EXISTS account_outcome_account ON account_outcome(account_id, run_id);
"""

# The full-text index: one row per merged entity, its values as words. Tokens are runs of letters,
# digits and underscores (so aws_cloudwatch_metric_alarm is one word), case-folded, accents kept.
SEARCH_TEXT_VERSION = "1"
SEARCH_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS entity_text USING fts5(
    text, tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);
"""
# A letter to unicode61 that no search holds (the query layer drops it): between two values, it keeps
# a phrase from running from the end of one value into the start of the next.
_VALUE_BREAK = " \ue000 "


def search_text(entity: dict[str, Any]) -> str:
    """What `FIND "words"` searches in an entity: every string and number it holds (its _type,
    _class and _key included; list elements one by one), each kept apart from the next."""
    values: list[str] = []
    for value in entity.values():
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, str):
                values.append(item)
            elif isinstance(item, int | float) and not isinstance(item, bool):
                values.append(json.dumps(item))
    return _VALUE_BREAK.join(values)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str, value: Any) -> bool:
    """SQLite's REGEXP operator (`value REGEXP pattern` calls regexp(pattern, value)): re.search."""
    return (
        isinstance(value, str) and isinstance(pattern, str) and _compiled(pattern).search(value) is not None
    )


def _dump(obj: dict[str, Any]) -> str:
    # Sorted keys make equal objects equal strings, so "unchanged" is a string comparison.
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


# How a mapped entity's row reads in _dump's text (a value holding it would have its quotes escaped).
_MAPPED = _dump({"_source": SYSTEM_MAPPER})[1:-1]


class SqliteStore:
    dialect = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            self._check_version()
            self._db.create_function("regexp", 2, _regexp, deterministic=True)
            self._index_search_text()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"cannot open the SQLite store at {self.path}: {error}") from None
        # One connection, one writer at a time: syncs from concurrent account jobs queue here.
        self._lock = threading.RLock()

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE name='schema_version'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by another version of graph-aws (schema {row[0]}, "
                f"this one reads {SCHEMA_VERSION}); collect into a new file"
            )

    def _index_search_text(self) -> None:
        """Create the full-text index, and fill it for a store written before it existed."""
        self._db.executescript(SEARCH_SCHEMA)
        row = self._db.execute("SELECT value FROM meta WHERE name='search_text_version'").fetchone()
        if row is not None and row[0] == SEARCH_TEXT_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("DELETE FROM entity_text")
            rows = self._db.execute("SELECT rowid, data FROM entity")  # streamed: a million rows fit
            self._db.executemany(
                "INSERT INTO entity_text(rowid, text) VALUES (?, ?)",
                ((rowid, search_text(json.loads(data))) for rowid, data in rows),
            )
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('search_text_version', ?)", (SEARCH_TEXT_VERSION,)
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------ synchronization

    def sync_scope(
        self,
        scope: str,
        entities: Sequence[Entity],
        relationships: Sequence[Relationship],
        partial_types: Iterable[str] = (),
        *,
        organization_id: str | None = None,
    ) -> SyncCounts:
        """Make `scope` hold exactly these objects, except that objects of `partial_types` that the
        job did not produce are kept, and so are the scope's mapped entities that a relationship of
        the scope still points to. One transaction; nothing is written when nothing changed."""
        partial = set(partial_types)
        with self._transaction():
            counts = self._replace(scope, "scope_relationship", relationships, partial)
            counts += self._replace(scope, "scope_entity", entities, partial, self._mapped_in_use)
            self._db.execute(
                "INSERT INTO scope(scope, organization_id) VALUES (?, ?) "
                "ON CONFLICT(scope) DO UPDATE SET organization_id=excluded.organization_id "
                "WHERE scope.organization_id IS NOT excluded.organization_id",
                (scope, organization_id),
            )
        return counts

    def delete_scope(self, scope: str) -> SyncCounts:
        """Remove everything a scope holds (an account that left the organization)."""
        with self._transaction():
            counts = self._replace(scope, "scope_entity", [], set())
            counts += self._replace(scope, "scope_relationship", [], set())
            self._db.execute("DELETE FROM scope WHERE scope=?", (scope,))
        return counts

    def scopes(self, organization_id: str | None = None) -> list[str]:
        if organization_id is None:
            rows = self._db.execute("SELECT scope FROM scope ORDER BY scope").fetchall()
        else:
            rows = self._db.execute(
                "SELECT scope FROM scope WHERE organization_id=? ORDER BY scope", (organization_id,)
            ).fetchall()
        return [r[0] for r in rows]

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One writer at a time; everything inside commits together or not at all."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _mapped_in_use(self, scope: str) -> set[str]:
        """The keys the scope's relationships point to (a mapped entity lives as long as one does)."""
        rows = self._db.execute(
            "SELECT data ->> '$._fromEntityKey', data ->> '$._toEntityKey' FROM scope_relationship "
            "WHERE scope=?",
            (scope,),
        )
        return {key for row in rows for key in row}

    def _replace(
        self,
        scope: str,
        table: str,
        objects: Sequence[dict[str, Any]],
        partial: set[str],
        mapped_in_use: Callable[[str], set[str]] | None = None,
    ) -> SyncCounts:
        existing = {
            key: (type_, data)
            for key, type_, data in self._db.execute(
                f"SELECT key, type, data FROM {table} WHERE scope=?", (scope,)
            )
        }
        wanted = {o["_key"]: o for o in objects}
        created: list[tuple[str, str, str, str]] = []
        updated: list[tuple[str, str, str, str]] = []
        for key, obj in wanted.items():
            data = _dump(obj)
            old = existing.get(key)
            if old is None:
                created.append((data, obj["_type"], scope, key))
            elif old[1] != data:
                updated.append((data, obj["_type"], scope, key))
        gone = {
            key: data for key, (type_, data) in existing.items() if key not in wanted and type_ not in partial
        }
        if mapped_in_use and any(_MAPPED in data for data in gone.values()):
            in_use = mapped_in_use(scope)
            gone = {key: data for key, data in gone.items() if not (_MAPPED in data and key in in_use)}
        deleted = [(scope, key) for key in gone]
        if created:
            self._db.executemany(f"INSERT INTO {table}(data, type, scope, key) VALUES (?, ?, ?, ?)", created)
        if updated:
            self._db.executemany(f"UPDATE {table} SET data=?, type=? WHERE scope=? AND key=?", updated)
        if deleted:
            self._db.executemany(f"DELETE FROM {table} WHERE scope=? AND key=?", deleted)
        touched = [row[3] for row in created] + [row[3] for row in updated] + [key for _, key in deleted]
        merge = self._merge_entities if table == "scope_entity" else self._merge_relationships
        for key in touched:
            merge(key)
        return SyncCounts(len(created), len(updated), len(deleted))

    def _merged(self, table: str, key: str) -> dict[str, Any] | None:
        rows = self._db.execute(f"SELECT scope, data FROM {table} WHERE key=?", (key,)).fetchall()
        return merge_views((scope, json.loads(data)) for scope, data in rows)

    def _merge_entities(self, key: str) -> None:
        merged = self._merged("scope_entity", key)
        self._db.execute("DELETE FROM entity_class WHERE key=?", (key,))
        self._db.execute(
            "DELETE FROM entity_text WHERE rowid = (SELECT rowid FROM entity WHERE key=?)", (key,)
        )
        if merged is None:
            self._db.execute("DELETE FROM entity WHERE key=?", (key,))
            return
        self._db.execute(
            "INSERT INTO entity(key, type, data) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET type=excluded.type, data=excluded.data",
            (key, merged["_type"], _dump(merged)),
        )
        self._db.execute(
            "INSERT INTO entity_text(rowid, text) SELECT rowid, ? FROM entity WHERE key=?",
            (search_text(merged), key),
        )
        self._db.executemany(
            "INSERT INTO entity_class(class, key) VALUES (?, ?)", [(c, key) for c in merged["_class"]]
        )

    def _merge_relationships(self, key: str) -> None:
        merged = self._merged("scope_relationship", key)
        if merged is None:
            self._db.execute("DELETE FROM relationship WHERE key=?", (key,))
            return
        self._db.execute(
            "INSERT INTO relationship(key, type, class, from_key, to_key, data) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET type=excluded.type, class=excluded.class, "
            "from_key=excluded.from_key, to_key=excluded.to_key, data=excluded.data",
            (
                key,
                merged["_type"],
                merged["_class"],
                merged["_fromEntityKey"],
                merged["_toEntityKey"],
                _dump(merged),
            ),
        )

    # ------------------------------------------------------------------ the merged graph

    def entities(self, type: str | None = None) -> Iterator[Entity]:
        return self._objects("entity", type)

    def relationships(self, type: str | None = None) -> Iterator[Relationship]:
        return self._objects("relationship", type)

    def _objects(self, table: str, type: str | None) -> Iterator[dict[str, Any]]:
        where, params = ("WHERE type=?", (type,)) if type is not None else ("", ())
        rows = self.read(f"SELECT data FROM {table} {where} ORDER BY key", params)
        return (json.loads(data) for (data,) in rows)

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only statement (the query layer's translated J1QL)."""
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    # ------------------------------------------------------------------ run history

    def start_run(self, mode: str, settings: dict[str, Any]) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO run(started_at, mode, settings) VALUES (?, ?, ?)",
                (int(time.time() * 1000), mode, _dump(settings)),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def record_job(self, run_id: int, job: JobRecord) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO job VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    job.scope,
                    job.status,
                    job.reason,
                    job.started_at,
                    job.ended_at,
                    job.counts.created,
                    job.counts.updated,
                    job.counts.deleted,
                    _dump(job.summary),
                ),
            )

    def record_accounts(self, run_id: int, outcomes: Iterable[AccountOutcome]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO account_outcome VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, o.account_id, o.name, o.outcome, o.reason, o.finished_at) for o in outcomes],
            )

    def finish_run(self, run_id: int, status: str, organization_id: str | None) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE run SET ended_at=?, status=?, organization_id=? WHERE id=?",
                (int(time.time() * 1000), status, organization_id, run_id),
            )

    def runs(self) -> list[RunRecord]:
        rows = self.read(
            "SELECT id, started_at, ended_at, status, mode, organization_id FROM run ORDER BY id"
        )
        return [RunRecord(*row) for row in rows]

    def jobs(self, run_id: int) -> list[JobRecord]:
        rows = self.read(
            "SELECT scope, status, reason, started_at, ended_at, created, updated, deleted, summary "
            "FROM job WHERE run_id=? ORDER BY scope",
            (run_id,),
        )
        return [
            JobRecord(
                scope=r[0],
                status=r[1],
                reason=r[2],
                started_at=r[3],
                ended_at=r[4],
                counts=SyncCounts(r[5], r[6], r[7]),
                summary=json.loads(r[8]),
            )
            for r in rows
        ]

    def latest_account_outcomes(self) -> dict[str, AccountOutcome]:
        rows = self.read(
            "SELECT o.account_id, o.name, o.outcome, o.reason, o.finished_at FROM account_outcome o "
            "JOIN (SELECT account_id, MAX(run_id) AS run_id FROM account_outcome GROUP BY account_id) l "
            "ON o.account_id=l.account_id AND o.run_id=l.run_id"
        )
        return {r[0]: AccountOutcome(*r) for r in rows}

    def last_ingested_at(self) -> dict[str, int]:
        rows = self.read(
            "SELECT account_id, MAX(finished_at) FROM account_outcome "
            "WHERE outcome='ingested' GROUP BY account_id"
        )
        return {r[0]: r[1] for r in rows}
