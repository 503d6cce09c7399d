"""The SQLite store (the default): one file, scope-replacing syncs, a merged graph for reads.

Tables (store/schema.py)
    scope_entity, scope_relationship   what each scope holds (the unit a sync replaces)
    entity, entity_class, relationship the merged graph, one row per _key, kept in step with the
                                       scope tables inside each sync's transaction; the query layer
                                       reads only these
    entity_text                        the full-text index of the merged entities (FTS5, rowid =
                                       entity.rowid): what J1QL's `FIND "words"` searches
    scope, run, job, account_outcome   which organization a scope belongs to, and the run history
    api_key                            serve's API keys: a name and the SHA-256 of the secret

Many writers: the file is in WAL mode (readers never wait for a writer) and every sync is one
`BEGIN IMMEDIATE` transaction, so writers, in this process or in others, take turns; one that waits
longer than `lock_timeout` seconds fails with a message naming the scope it was writing.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from graph_aws.errors import StoreError
from graph_aws.model import SYSTEM_MAPPER, Entity, Relationship
from graph_aws.store import schema
from graph_aws.store.base import (
    API_KEY_COLUMNS,
    JOB_COLUMNS,
    RUN_GROUP_PREFIX,
    AccountOutcome,
    ApiKeyRecord,
    JobRecord,
    RunRecord,
    SyncCounts,
    job_from_row,
)
from graph_aws.store.paths import is_store_condition, store_error
from graph_aws.store.process import RunOwner, this_process
from graph_aws.store.search import search_text
from graph_aws.store.sync import (
    ENTITIES,
    RELATIONSHIPS,
    Kind,
    ScopePlan,
    dump,
    merged_entity_columns,
    merged_relationship_columns,
    synchronize,
)

# How a mapped entity's row reads in its canonical JSON (a value holding it would have its quotes escaped).
_MAPPED = dump({"_source": SYSTEM_MAPPER})[1:-1]
DEFAULT_LOCK_TIMEOUT = 60.0  # seconds a writer waits for another one before it gives up


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str, value: Any) -> bool:
    """SQLite's REGEXP operator (`value REGEXP pattern` calls regexp(pattern, value)): re.search."""
    return (
        isinstance(value, str) and isinstance(pattern, str) and _compiled(pattern).search(value) is not None
    )


def _is_locked(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


class _Transaction:
    """store.sync.ScopeTransaction on one SQLite connection, inside BEGIN IMMEDIATE."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def existing(self, kind: Kind, scope: str) -> dict[str, tuple[str, str]]:
        rows = self.db.execute(f"SELECT key, type, digest FROM {kind.scope_table} WHERE scope=?", (scope,))
        return {key: (type_, digest) for key, type_, digest in rows}

    def registration(self, scope: str) -> tuple[bool, str | None]:
        row = self.db.execute("SELECT organization_id FROM scope WHERE scope=?", (scope,)).fetchone()
        return (row is not None, row[0] if row else None)

    def lock_keys(self, keyed: Sequence[tuple[Kind, str]]) -> None:
        pass  # BEGIN IMMEDIATE already holds the whole file

    def mapped(self, kind: Kind, scope: str, keys: Sequence[str]) -> set[str]:
        sql = f"SELECT key FROM {kind.scope_table} WHERE scope=? AND key=? AND instr(data, ?) > 0"
        return {key for key in keys if self.db.execute(sql, (scope, key, _MAPPED)).fetchone()}

    def endpoints(self, scope: str, keys: Sequence[str]) -> set[str]:
        sql = (
            "SELECT data ->> '$._fromEntityKey', data ->> '$._toEntityKey' FROM scope_relationship "
            "WHERE scope=? AND key=?"
        )
        return {end for key in keys for row in self.db.execute(sql, (scope, key)) for end in row}

    def write_scope(self, kind: Kind, scope: str, plan: ScopePlan) -> None:
        table = kind.scope_table
        self.db.executemany(
            f"INSERT INTO {table}(scope, key, type, digest, data) VALUES (?, ?, ?, ?, ?)",
            [(scope, r.key, r.type, r.digest, r.data) for r in plan.created],
        )
        self.db.executemany(
            f"UPDATE {table} SET type=?, digest=?, data=? WHERE scope=? AND key=?",
            [(r.type, r.digest, r.data, scope, r.key) for r in plan.updated],
        )
        self.db.executemany(
            f"DELETE FROM {table} WHERE scope=? AND key=?", [(scope, k) for k in plan.deleted]
        )

    # One statement per sync, not one per key: the keys go in as one JSON array parameter.
    def view_digests(self, kind: Kind, keys: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        found: dict[str, list[tuple[str, str]]] = {}
        rows = self.db.execute(
            f"SELECT key, scope, digest FROM {kind.scope_table} "
            "WHERE key IN (SELECT value FROM json_each(?))",
            (json.dumps(list(keys)),),
        )
        for key, scope, view_digest in rows:
            found.setdefault(key, []).append((scope, view_digest))
        return found

    def views(self, kind: Kind, wanted: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        if not wanted:
            return {}
        rows = self.db.execute(
            f"SELECT scope, key, data FROM {kind.scope_table} "
            "WHERE (scope, key) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))",
            (json.dumps(list(wanted)),),
        )
        return {(scope, key): json.loads(data) for scope, key, data in rows}

    def write_merged(
        self, kind: Kind, merged: Mapping[str, dict[str, Any] | None], texts: Mapping[str, str]
    ) -> None:
        if kind is ENTITIES:
            keys = [(k,) for k in merged]
            self.db.executemany("DELETE FROM entity_class WHERE key=?", keys)
            self.db.executemany(
                "DELETE FROM entity_text WHERE rowid = (SELECT rowid FROM entity WHERE key=?)", keys
            )
        gone = [(key,) for key, obj in merged.items() if obj is None]
        self.db.executemany(f"DELETE FROM {kind.merged_table} WHERE key=?", gone)
        present = {key: obj for key, obj in merged.items() if obj is not None}
        if kind is ENTITIES:
            rows = [(key, *merged_entity_columns(obj), obj) for key, obj in present.items()]
            self.db.executemany(
                "INSERT INTO entity(key, type, data) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET type=excluded.type, data=excluded.data",
                [(key, type_, texts.get(key) or dump(obj)) for key, type_, _, obj in rows],
            )
            self.db.executemany(
                "INSERT INTO entity_class(class, key) VALUES (?, ?)",
                [(c, key) for key, _, classes, _ in rows for c in classes],
            )
            self.db.executemany(
                "INSERT INTO entity_text(rowid, text) SELECT rowid, ? FROM entity WHERE key=?",
                [(search_text(obj), key) for key, _, _, obj in rows],
            )
        else:
            self.db.executemany(
                "INSERT INTO relationship(key, type, class, from_key, to_key, data) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET type=excluded.type, class=excluded.class, "
                "from_key=excluded.from_key, to_key=excluded.to_key, data=excluded.data",
                [
                    (key, *merged_relationship_columns(obj), texts.get(key) or dump(obj))
                    for key, obj in present.items()
                ],
            )

    def register(self, scope: str, organization_id: str | None) -> None:
        self.db.execute(
            "INSERT INTO scope(scope, organization_id) VALUES (?, ?) "
            "ON CONFLICT(scope) DO UPDATE SET organization_id=excluded.organization_id",
            (scope, organization_id),
        )

    def unregister(self, scope: str) -> None:
        self.db.execute("DELETE FROM scope WHERE scope=?", (scope,))


class SqliteStore:
    dialect = "sqlite"

    def __init__(self, path: str | Path, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self.path = str(path)
        self.lock_timeout = lock_timeout
        # One connection, one writer at a time: syncs from concurrent account jobs queue here.
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=lock_timeout
            )
            self._enable_wal()
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.create_function("regexp", 2, _regexp, deterministic=True)  # J1QL's =~
            self._migrate()
        except sqlite3.OperationalError as error:
            if _is_locked(error):
                raise self._locked(f"opening {self.path}") from None
            raise store_error(self.path, error) from None
        except sqlite3.Error as error:
            raise store_error(self.path, error) from None

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's errors about the file (disk full, read-only, damaged) as one line naming the
        path; errors of a statement itself (the query layer's SQL) pass through unchanged."""
        try:
            yield
        except sqlite3.Error as error:
            if not is_store_condition(error):
                raise
            raise store_error(self.path, error) from None

    def get_meta(self, name: str) -> str | None:
        with self._lock, self._errors():
            row = self._db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        with self._lock, self._errors():
            self._db.execute("INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)", (name, value))

    def publish_run_group(self, name: str, document: str) -> None:
        """What the lister of a sharded run publishes for the others (shards.py), replacing the last."""
        self.set_meta(RUN_GROUP_PREFIX + name, document)

    def run_group(self, name: str) -> str | None:
        return self.get_meta(RUN_GROUP_PREFIX + name)

    def _enable_wal(self) -> None:
        """WAL mode, which the file keeps. Switching a new file needs it to itself: openers of one
        new file at once can find it locked without SQLite waiting for them, so wait here."""
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL").fetchall()
                return
            except sqlite3.OperationalError as error:
                if not _is_locked(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    # ------------------------------------------------------------------ schema

    def schema_version(self) -> int:
        exists = self._db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        if not exists:
            return 0
        row = self._db.execute("SELECT value FROM meta WHERE name='schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        if not schema.pending(self.schema_version(), self.path):
            return
        with self._writing(f"upgrading {self.path}"):
            # Another process may have upgraded the file while this one waited for the lock.
            for migration in schema.pending(self.schema_version(), self.path):
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
                step = migration.sqlite
                if isinstance(step, str):
                    for statement in _statements(step):
                        self._db.execute(statement)
                else:
                    step(self._db)
                self._db.execute(
                    "INSERT INTO meta(name, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT(name) DO UPDATE SET value=excluded.value",
                    (str(migration.version),),
                )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def interrupt(self) -> None:
        """Abort the statement running on this store's connection, from any thread (a J1QL timeout)."""
        self._db.interrupt()

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
        job did not produce are kept. One transaction; nothing is written when nothing changed."""
        objects = {ENTITIES: entities, RELATIONSHIPS: relationships}
        with self._writing(f"scope {scope}"):
            return synchronize(
                _Transaction(self._db), scope, objects, set(partial_types), organization_id=organization_id
            )

    def delete_scope(self, scope: str) -> SyncCounts:
        """Remove everything a scope holds (an account that left the organization)."""
        with self._writing(f"scope {scope}"):
            return synchronize(_Transaction(self._db), scope, {}, set(), organization_id=None, remove=True)

    def scopes(self, organization_id: str | None = None) -> list[str]:
        if organization_id is None:
            rows = self.read("SELECT scope FROM scope ORDER BY scope")
        else:
            rows = self.read(
                "SELECT scope FROM scope WHERE organization_id=? ORDER BY scope", (organization_id,)
            )
        return [r[0] for r in rows]

    def scope_contents(self, scope: str) -> tuple[list[Entity], list[Relationship]]:
        """What one scope holds, as its job wrote it (not merged with other scopes)."""
        entities, relationships = (
            [
                json.loads(data)
                for (data,) in self.read(f"SELECT data FROM {t} WHERE scope=? ORDER BY key", (scope,))
            ]
            for t in ("scope_entity", "scope_relationship")
        )
        return entities, relationships

    @contextmanager
    def _writing(self, what: str) -> Iterator[None]:
        """One writer at a time, in this process and across processes; everything inside commits
        together or not at all (a COMMIT that fails, on a full disk, rolls back too)."""
        with self._lock, self._errors():
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if _is_locked(error):
                    raise self._locked(what) from None
                raise
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _locked(self, what: str) -> StoreError:
        return StoreError(
            f"{what}: another process has been writing to {self.path} for over {self.lock_timeout:g} s; "
            "let it finish, then run again"
        )

    def _write(self, sql: str, rows: Sequence[Sequence[Any]]) -> sqlite3.Cursor:
        """Autocommitted statements of the run history (one per row), with the same bounded wait."""
        with self._lock, self._errors():
            try:
                return self._db.executemany(sql, rows)
            except sqlite3.OperationalError as error:
                if _is_locked(error):
                    raise self._locked("recording the run") from None
                raise

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
        with self._lock, self._errors():
            return self._db.execute(sql, tuple(params)).fetchall()

    # ------------------------------------------------------------------ run history

    def start_run(self, mode: str, settings: dict[str, Any]) -> int:
        owner = this_process()
        with self._writing("starting a run"):
            self._db.execute(
                "INSERT INTO run(started_at, mode, settings) VALUES (?, ?, ?)",
                (int(time.time() * 1000), mode, dump(settings)),
            )
            run_id = int(self._db.execute("SELECT last_insert_rowid()").fetchone()[0])
            self._db.execute(
                "INSERT INTO run_owner(run_id, host, pid, started) VALUES (?, ?, ?, ?)",
                (run_id, owner.host, owner.pid, owner.started),
            )
        return run_id

    def abandon_dead_runs(self) -> list[int]:
        """Mark `abandoned` every run left open by a process that no longer runs; return their ids."""
        rows = self.read(
            "SELECT r.id, o.host, o.pid, o.started FROM run r JOIN run_owner o ON o.run_id = r.id "
            "WHERE r.ended_at IS NULL ORDER BY r.id"
        )
        dead = [run_id for run_id, *owner in rows if RunOwner(*owner).is_gone()]
        if dead:
            self._write(
                "UPDATE run SET ended_at=?, status='abandoned' WHERE id=? AND ended_at IS NULL",
                [(int(time.time() * 1000), run_id) for run_id in dead],
            )
        return dead

    def record_job(self, run_id: int, job: JobRecord) -> None:
        self._write(
            "INSERT OR REPLACE INTO job(run_id, scope, status, reason, started_at, ended_at, "
            "created, updated, deleted, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
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
                    dump(job.summary),
                )
            ],
        )

    def record_accounts(self, run_id: int, outcomes: Iterable[AccountOutcome]) -> None:
        self._write(
            "INSERT OR REPLACE INTO account_outcome(run_id, account_id, name, outcome, reason, finished_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(run_id, o.account_id, o.name, o.outcome, o.reason, o.finished_at) for o in outcomes],
        )

    def finish_run(self, run_id: int, status: str, organization_id: str | None) -> None:
        self._write(
            "UPDATE run SET ended_at=?, status=?, organization_id=? WHERE id=?",
            [(int(time.time() * 1000), status, organization_id, run_id)],
        )

    def runs(self) -> list[RunRecord]:
        rows = self.read(
            "SELECT id, started_at, ended_at, status, mode, organization_id FROM run ORDER BY id"
        )
        return [RunRecord(*row) for row in rows]

    def jobs(self, run_id: int) -> list[JobRecord]:
        rows = self.read(
            f"SELECT {JOB_COLUMNS}, summary FROM job WHERE run_id=? ORDER BY scope",
            (run_id,),
        )
        return [job_from_row(r[:8], json.loads(r[8])) for r in rows]

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

    # ------------------------------------------------------------------ API keys (serve)

    def add_api_key(self, key: ApiKeyRecord) -> None:
        with self._writing(f"API key {key.name!r}"):
            if self._db.execute(
                "SELECT 1 FROM api_key WHERE name=? AND revoked_at IS NULL", (key.name,)
            ).fetchone():
                raise StoreError(
                    f"an API key named {key.name!r} exists; revoke it first or choose another name"
                )
            self._db.execute(
                f"INSERT INTO api_key({API_KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                (key.id, key.name, key.secret_hash, key.created_at, key.revoked_at),
            )

    def api_keys(self) -> list[ApiKeyRecord]:
        return [
            ApiKeyRecord(*r)
            for r in self.read(f"SELECT {API_KEY_COLUMNS} FROM api_key ORDER BY created_at, id")
        ]

    def api_key(self, key_id: str) -> ApiKeyRecord | None:
        rows = self.read(f"SELECT {API_KEY_COLUMNS} FROM api_key WHERE id=?", (key_id,))
        return ApiKeyRecord(*rows[0]) if rows else None

    def revoke_api_key(self, name_or_id: str) -> list[ApiKeyRecord]:
        """Revoke the live keys with this name or id; returns what was revoked (empty: none matched)."""
        now = int(time.time() * 1000)
        with self._writing(f"API key {name_or_id!r}"):
            rows = self._db.execute(
                f"SELECT {API_KEY_COLUMNS} FROM api_key WHERE (id=? OR name=?) AND revoked_at IS NULL",
                (name_or_id, name_or_id),
            ).fetchall()
            self._db.executemany("UPDATE api_key SET revoked_at=? WHERE id=?", [(now, r[0]) for r in rows])
        return [ApiKeyRecord(r[0], r[1], r[2], r[3], now) for r in rows]


def _statements(script: str) -> Iterator[str]:
    """The statements of a script, whole (a trigger's body keeps its inner semicolons)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        yield pending.strip()
