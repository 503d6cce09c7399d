"""The PostgreSQL store (`--db postgresql://...`): the SQLite store's contract, for teams and many writers.

The same tables as SQLite (store/schema.py), with JSONB properties and GIN indexes, through a pool
of connections (psycopg 3, psycopg_pool), so that concurrent account jobs sync side by side.

Many writers, no lost data. Each sync is one transaction that first takes a transaction-level
advisory lock on its scope: two writers of one scope take turns (the second waits, at most
`lock_timeout` seconds, then fails naming the scope and who holds it); writers of different scopes
go on at once. Before rewriting the merged row of a key (an `aws_account` that an organization
scope and an account scope both describe, the Internet that every account links to), a sync also
locks that key, all its keys in one sorted order (so two syncs never deadlock), and recomputes the
merged row only while it holds the lock: the last writer of a key always sees every committed view
of it. A sync that changes nothing takes no lock on any key and writes nothing.
"""

from __future__ import annotations

import hashlib
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from psycopg.types.string import StrDumper, TextLoader
from psycopg_pool import ConnectionPool, PoolTimeout

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
from graph_aws.store.process import RunOwner, this_process
from graph_aws.store.search import search_text, search_vector
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

DEFAULT_LOCK_TIMEOUT = 60.0  # seconds a writer waits for another one before it gives up
POOL_SIZE = 16  # connections at most: account jobs sync concurrently, each on one connection
APPLICATION_NAME = "graph-aws"
MIGRATION_LOCK = "migration"


def lock_id(namespace: str, name: str) -> int:
    """The advisory lock of a scope or a merged key: 64 bits of a hash (a collision only makes two
    unrelated writers take turns)."""
    raw = hashlib.blake2b(f"{namespace}\0{name}".encode(), digest_size=8).digest()
    return int.from_bytes(raw, "big", signed=True)


def display_url(url: str) -> str:
    """The URL as messages show it: never its password."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _text_array(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values]


class _Transaction:
    """store.sync.ScopeTransaction on one PostgreSQL connection, inside the sync's transaction."""

    def __init__(self, db: psycopg.Connection[Any], scope: str) -> None:
        self.db = db
        self.scope = scope

    def existing(self, kind: Kind, scope: str) -> dict[str, tuple[str, str]]:
        rows = self.db.execute(f"SELECT key, type, digest FROM {kind.scope_table} WHERE scope = %s", (scope,))
        return {key: (type_, digest) for key, type_, digest in rows}

    def registration(self, scope: str) -> tuple[bool, str | None]:
        row = self.db.execute("SELECT organization_id FROM scope WHERE scope = %s", (scope,)).fetchone()
        return (row is not None, row[0] if row else None)

    def lock_keys(self, keyed: Sequence[tuple[Kind, str]]) -> None:
        ids = sorted({lock_id(kind.name, key) for kind, key in keyed})
        with self.db.cursor() as cursor:  # pipelined: one round trip, taken in this order
            cursor.executemany("SELECT pg_advisory_xact_lock(%s)", [(i,) for i in ids])

    def mapped(self, kind: Kind, scope: str, keys: Sequence[str]) -> set[str]:
        rows = self.db.execute(
            f"SELECT key FROM {kind.scope_table} WHERE scope = %s AND key = ANY(%s::text[]) "
            "AND data ->> '_source' = %s",
            (scope, list(keys), SYSTEM_MAPPER),
        )
        return {key for (key,) in rows}

    def endpoints(self, scope: str, keys: Sequence[str]) -> set[str]:
        rows = self.db.execute(
            "SELECT data ->> '_fromEntityKey', data ->> '_toEntityKey' FROM scope_relationship "
            "WHERE scope = %s AND key = ANY(%s::text[])",
            (scope, list(keys)),
        )
        return {end for row in rows for end in row}

    def write_scope(self, kind: Kind, scope: str, plan: ScopePlan) -> None:
        table = kind.scope_table

        def columns(rows: Sequence[Any]) -> tuple[list[str], ...]:
            return tuple(
                _text_array(getattr(r, name) for r in rows) for name in ("key", "type", "digest", "data")
            )

        if plan.created:
            self.db.execute(
                f"INSERT INTO {table}(scope, key, type, digest, data) "
                "SELECT %s, k, t, g, d::jsonb FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) "
                "AS u(k, t, g, d)",
                (scope, *columns(plan.created)),
            )
        if plan.updated:
            self.db.execute(
                f"UPDATE {table} s SET type = u.t, digest = u.g, data = u.d::jsonb "
                "FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) AS u(k, t, g, d) "
                "WHERE s.scope = %s AND s.key = u.k",
                (*columns(plan.updated), scope),
            )
        if plan.deleted:
            self.db.execute(
                f"DELETE FROM {table} WHERE scope = %s AND key = ANY(%s::text[])", (scope, plan.deleted)
            )

    def view_digests(self, kind: Kind, keys: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        found: dict[str, list[tuple[str, str]]] = {}
        rows = self.db.execute(
            f"SELECT key, scope, digest FROM {kind.scope_table} WHERE key = ANY(%s::text[])", (list(keys),)
        )
        for key, scope, view_digest in rows:
            found.setdefault(key, []).append((scope, view_digest))
        return found

    def views(self, kind: Kind, wanted: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        rows = self.db.execute(
            f"SELECT s.scope, s.key, s.data FROM {kind.scope_table} s "
            "JOIN unnest(%s::text[], %s::text[]) AS w(scope, key) ON s.scope = w.scope AND s.key = w.key",
            ([scope for scope, _ in wanted], [key for _, key in wanted]),
        )
        return {(scope, key): data for scope, key, data in rows}

    def write_merged(
        self, kind: Kind, merged: Mapping[str, dict[str, Any] | None], texts: Mapping[str, str]
    ) -> None:
        keys = list(merged)
        present = {key: obj for key, obj in merged.items() if obj is not None}
        gone = [key for key, obj in merged.items() if obj is None]
        if kind is ENTITIES:
            self.db.execute("DELETE FROM entity_class WHERE key = ANY(%s::text[])", (keys,))
            self.db.execute("DELETE FROM entity_text WHERE key = ANY(%s::text[])", (keys,))
        if gone:
            self.db.execute(f"DELETE FROM {kind.merged_table} WHERE key = ANY(%s::text[])", (gone,))
        if not present:
            return
        if kind is ENTITIES:
            columns = {key: merged_entity_columns(obj) for key, obj in present.items()}
            self.db.execute(
                "INSERT INTO entity(key, type, data) "
                "SELECT k, t, d::jsonb FROM unnest(%s::text[], %s::text[], %s::text[]) AS u(k, t, d) "
                "ON CONFLICT (key) DO UPDATE SET type = excluded.type, data = excluded.data",
                (
                    list(present),
                    [columns[k][0] for k in present],
                    [texts.get(k) or dump(o) for k, o in present.items()],
                ),
            )
            pairs = [(c, key) for key, (_, classes) in columns.items() for c in classes]
            self.db.execute(
                "INSERT INTO entity_class(class, key) SELECT * FROM unnest(%s::text[], %s::text[])",
                ([c for c, _ in pairs], [k for _, k in pairs]),
            )
            searched = [search_text(o) for o in present.values()]
            self.db.execute(
                "INSERT INTO entity_text(key, text, words) "
                "SELECT k, t, w::tsvector FROM unnest(%s::text[], %s::text[], %s::text[]) AS u(k, t, w)",
                (list(present), searched, [search_vector(text) for text in searched]),
            )
        else:
            rows = [merged_relationship_columns(obj) for obj in present.values()]
            self.db.execute(
                "INSERT INTO relationship(key, type, class, from_key, to_key, data) "
                "SELECT k, t, c, f, o, d::jsonb FROM unnest(%s::text[], %s::text[], %s::text[], "
                "%s::text[], %s::text[], %s::text[]) AS u(k, t, c, f, o, d) "
                "ON CONFLICT (key) DO UPDATE SET type = excluded.type, class = excluded.class, "
                "from_key = excluded.from_key, to_key = excluded.to_key, data = excluded.data",
                (list(present), *(_text_array(column) for column in zip(*rows, strict=True)),
                 [texts.get(k) or dump(o) for k, o in present.items()]),
            )  # fmt: skip

    def register(self, scope: str, organization_id: str | None) -> None:
        self.db.execute(
            "INSERT INTO scope(scope, organization_id) VALUES (%s, %s) "
            "ON CONFLICT (scope) DO UPDATE SET organization_id = excluded.organization_id",
            (scope, organization_id),
        )

    def unregister(self, scope: str) -> None:
        self.db.execute("DELETE FROM scope WHERE scope = %s", (scope,))


def _configure(connection: psycopg.Connection[Any]) -> None:
    """Each pooled connection: no JIT. Its compile time (hundreds of ms) dominated the store's
    short J1QL queries, which the planner's cost estimates on a large graph made it choose."""
    connection.execute("SET jit = off")


class PostgresStore:
    dialect = "postgresql"

    def __init__(
        self, url: str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT, pool_size: int = POOL_SIZE
    ) -> None:
        self.url = url
        self.shown_url = display_url(url)
        self.lock_timeout = lock_timeout
        options = {"autocommit": True, "application_name": APPLICATION_NAME}
        try:
            with psycopg.connect(url, connect_timeout=10, **options) as connection:  # type: ignore[arg-type]
                self._migrate(connection)
        except psycopg.Error as error:
            raise StoreError(
                f"cannot open the PostgreSQL store at {self.shown_url}: {_first_line(error)}"
            ) from None
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs=options,
            configure=_configure,
            open=True,
            timeout=300,
        )

    # ------------------------------------------------------------------ schema

    @staticmethod
    def _version(db: psycopg.Connection[Any]) -> int:
        # Not to_regclass: after waiting for the migration lock, it can still answer from a cache
        # that predates the other opener's commit. Naming the table looks it up afresh.
        try:
            with db.transaction():  # a savepoint when inside the migration's transaction
                row = db.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
        except psycopg.errors.UndefinedTable:
            return 0
        return int(row[0]) if row else 0

    def schema_version(self) -> int:
        with self._pool.connection() as db:
            return self._version(db)

    def _migrate(self, db: psycopg.Connection[Any]) -> None:
        if not schema.pending(self._version(db), self.shown_url):
            return
        with db.transaction():
            # One opener migrates; another one waits here, then finds nothing left to do.
            db.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id(MIGRATION_LOCK, ""),))
            for migration in schema.pending(self._version(db), self.shown_url):
                db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
                step = migration.postgresql
                if isinstance(step, str):
                    db.execute(step)  # several statements: psycopg sends a query without parameters as one
                else:
                    step(db)
                db.execute(
                    "INSERT INTO meta(name, value) VALUES ('schema_version', %s) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    (str(migration.version),),
                )

    def close(self) -> None:
        self._pool.close()

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
        return self._sync(scope, objects, set(partial_types), organization_id, remove=False)

    def delete_scope(self, scope: str) -> SyncCounts:
        """Remove everything a scope holds (an account that left the organization)."""
        return self._sync(scope, {}, set(), None, remove=True)

    def _sync(
        self,
        scope: str,
        objects: Mapping[Kind, Sequence[Mapping[str, Any]]],
        partial: set[str],
        organization_id: str | None,
        *,
        remove: bool,
    ) -> SyncCounts:
        with self._connection(f"scope {scope}") as db:
            try:
                with db.transaction():
                    db.execute(
                        "SELECT set_config('lock_timeout', %s, true)", (f"{int(self.lock_timeout * 1000)}ms",)
                    )
                    db.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id("scope", scope),))
                    return synchronize(
                        _Transaction(db, scope),
                        scope,
                        objects,
                        partial,
                        organization_id=organization_id,
                        remove=remove,
                    )
            except psycopg.errors.UntranslatableCharacter:
                # JSONB has no NUL character (SQLite stores it); say which objects hold one.
                keys = [o["_key"] for kind in objects for o in objects[kind] if "\\u0000" in dump(o)]
                raise StoreError(
                    f"scope {scope}: PostgreSQL cannot store the NUL character (\\u0000) that "
                    f"{', '.join(keys[:3]) or 'an object'} holds; nothing of the scope was written"
                ) from None
            except psycopg.errors.LockNotAvailable:
                raise StoreError(
                    f"scope {scope}: another writer has held it for over {self.lock_timeout:g} s"
                    f"{self._holder(db, scope)}; let that collect finish, then run again"
                ) from None

    def _holder(self, db: psycopg.Connection[Any], scope: str) -> str:
        """Who holds a scope's lock, as far as PostgreSQL can tell (best effort, for the message)."""
        key = lock_id("scope", scope) & 0xFFFFFFFFFFFFFFFF
        try:
            row = db.execute(
                "SELECT a.pid, a.application_name, a.client_addr::text, a.xact_start FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 1",
                (key >> 32, key & 0xFFFFFFFF),
            ).fetchone()
        except psycopg.Error:
            return ""
        if row is None:
            return ""
        pid, application, address, since = row
        source = f"{application or 'a client'} from {address or 'a local socket'}"
        return f" (PostgreSQL backend {pid}, {source}, since {since:%H:%M:%S %Z})"

    def scopes(self, organization_id: str | None = None) -> list[str]:
        if organization_id is None:
            rows = self.read("SELECT scope FROM scope ORDER BY scope")
        else:
            rows = self.read(
                "SELECT scope FROM scope WHERE organization_id = %s ORDER BY scope", (organization_id,)
            )
        return [r[0] for r in rows]

    def scope_contents(self, scope: str) -> tuple[list[Entity], list[Relationship]]:
        """What one scope holds, as its job wrote it (not merged with other scopes)."""
        with self._connection(f"scope {scope}") as db:
            entities, relationships = (
                [
                    data
                    for (data,) in db.execute(f"SELECT data FROM {t} WHERE scope = %s ORDER BY key", (scope,))
                ]
                for t in ("scope_entity", "scope_relationship")
            )
        return entities, relationships

    def _connection(self, what: str) -> Any:
        try:
            return self._pool.connection()
        except PoolTimeout:
            raise StoreError(f"{what}: no connection to {self.shown_url} became free") from None

    # ------------------------------------------------------------------ the merged graph

    def entities(self, type: str | None = None) -> Iterator[Entity]:
        return self._objects("entity", type)

    def relationships(self, type: str | None = None) -> Iterator[Relationship]:
        return self._objects("relationship", type)

    def _objects(self, table: str, type: str | None) -> Iterator[dict[str, Any]]:
        where, params = ("WHERE type = %s", (type,)) if type is not None else ("", ())
        with self._pool.connection() as db:
            rows = db.execute(f"SELECT data FROM {table} {where} ORDER BY key", params).fetchall()
        return (data for (data,) in rows)

    def read(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only statement (the query layer's translated J1QL): `%s` placeholders with a
        sequence, `%(name)s` with a mapping. JSON values come back as their text, as SQLite's do."""
        with self._pool.connection() as db, db.cursor() as cursor:
            for name in ("json", "jsonb"):
                cursor.adapters.register_loader(name, TextLoader)
            # Strings are text, not psycopg's default "unknown": a parameter used twice has one type.
            cursor.adapters.register_dumper(str, StrDumper)
            bound = params if isinstance(params, Mapping) else (tuple(params) or None)
            cursor.execute(sql, bound)
            return cursor.fetchall() if cursor.description else []

    # ------------------------------------------------------------------ run history

    def start_run(self, mode: str, settings: dict[str, Any]) -> int:
        owner = this_process()
        with self._pool.connection() as db, db.transaction():
            row = db.execute(
                "INSERT INTO run(started_at, mode, settings) VALUES (%s, %s, %s) RETURNING id",
                (_now_ms(), mode, Jsonb(settings)),
            ).fetchone()
            assert row is not None
            db.execute(
                "INSERT INTO run_owner(run_id, host, pid, started) VALUES (%s, %s, %s, %s)",
                (row[0], owner.host, owner.pid, owner.started),
            )
        return int(row[0])

    def publish_run_group(self, name: str, document: str) -> None:
        """What the lister of a sharded run publishes for the others (shards.py), replacing the last."""
        with self._pool.connection() as db:
            db.execute(
                "INSERT INTO meta(name, value) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (RUN_GROUP_PREFIX + name, document),
            )

    def run_group(self, name: str) -> str | None:
        with self._pool.connection() as db:
            row = db.execute("SELECT value FROM meta WHERE name = %s", (RUN_GROUP_PREFIX + name,)).fetchone()
        return row[0] if row else None

    def abandon_dead_runs(self) -> list[int]:
        """Mark `abandoned` every run left open by a process of this machine that no longer runs
        (on another machine it cannot be told; those stay open)."""
        with self._pool.connection() as db:
            rows = db.execute(
                "SELECT r.id, o.host, o.pid, o.started FROM run r JOIN run_owner o ON o.run_id = r.id "
                "WHERE r.ended_at IS NULL ORDER BY r.id"
            ).fetchall()
            dead = [int(run_id) for run_id, *owner in rows if RunOwner(*owner).is_gone()]
            for run_id in dead:
                db.execute(
                    "UPDATE run SET ended_at = %s, status = 'abandoned' WHERE id = %s AND ended_at IS NULL",
                    (_now_ms(), run_id),
                )
        return dead

    def record_job(self, run_id: int, job: JobRecord) -> None:
        c = job.counts
        with self._pool.connection() as db:
            db.execute(
                f"INSERT INTO job(run_id, {JOB_COLUMNS}, summary) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (run_id, scope) DO UPDATE SET status = excluded.status, "
                "reason = excluded.reason, started_at = excluded.started_at, ended_at = excluded.ended_at, "
                "created = excluded.created, updated = excluded.updated, deleted = excluded.deleted, "
                "summary = excluded.summary",
                (run_id, job.scope, job.status, job.reason, job.started_at, job.ended_at,
                 c.created, c.updated, c.deleted, Jsonb(job.summary)),
            )  # fmt: skip

    def record_accounts(self, run_id: int, outcomes: Iterable[AccountOutcome]) -> None:
        rows = [(run_id, o.account_id, o.name, o.outcome, o.reason, o.finished_at) for o in outcomes]
        if not rows:
            return
        with self._pool.connection() as db, db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO account_outcome(run_id, account_id, name, outcome, reason, finished_at) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (run_id, account_id) DO UPDATE SET "
                "name = excluded.name, outcome = excluded.outcome, reason = excluded.reason, "
                "finished_at = excluded.finished_at",
                rows,
            )

    def finish_run(self, run_id: int, status: str, organization_id: str | None) -> None:
        with self._pool.connection() as db:
            db.execute(
                "UPDATE run SET ended_at = %s, status = %s, organization_id = %s WHERE id = %s",
                (_now_ms(), status, organization_id, run_id),
            )

    def runs(self) -> list[RunRecord]:
        rows = self.read(
            "SELECT id, started_at, ended_at, status, mode, organization_id FROM run ORDER BY id"
        )
        return [RunRecord(*row) for row in rows]

    def jobs(self, run_id: int) -> list[JobRecord]:
        with self._pool.connection() as db:
            rows = db.execute(
                f"SELECT {JOB_COLUMNS}, summary FROM job WHERE run_id = %s ORDER BY scope", (run_id,)
            ).fetchall()
        return [job_from_row(r[:8], r[8]) for r in rows]

    def latest_account_outcomes(self) -> dict[str, AccountOutcome]:
        rows = self.read(
            "SELECT DISTINCT ON (account_id) account_id, name, outcome, reason, finished_at "
            "FROM account_outcome ORDER BY account_id, run_id DESC"
        )
        return {r[0]: AccountOutcome(*r) for r in rows}

    def last_ingested_at(self) -> dict[str, int]:
        rows = self.read(
            "SELECT account_id, MAX(finished_at) FROM account_outcome "
            "WHERE outcome = 'ingested' GROUP BY account_id"
        )
        return {r[0]: r[1] for r in rows}

    # ------------------------------------------------------------------ API keys (serve)

    def add_api_key(self, key: ApiKeyRecord) -> None:
        with self._connection(f"API key {key.name!r}") as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id("api_key", key.name),))
            if db.execute(
                "SELECT 1 FROM api_key WHERE name = %s AND revoked_at IS NULL", (key.name,)
            ).fetchone():
                raise StoreError(
                    f"an API key named {key.name!r} exists; revoke it first or choose another name"
                )
            db.execute(
                f"INSERT INTO api_key({API_KEY_COLUMNS}) VALUES (%s, %s, %s, %s, %s)",
                (key.id, key.name, key.secret_hash, key.created_at, key.revoked_at),
            )

    def api_keys(self) -> list[ApiKeyRecord]:
        rows = self.read(f"SELECT {API_KEY_COLUMNS} FROM api_key ORDER BY created_at, id")
        return [ApiKeyRecord(*r) for r in rows]

    def api_key(self, key_id: str) -> ApiKeyRecord | None:
        rows = self.read(f"SELECT {API_KEY_COLUMNS} FROM api_key WHERE id = %s", (key_id,))
        return ApiKeyRecord(*rows[0]) if rows else None

    def revoke_api_key(self, name_or_id: str) -> list[ApiKeyRecord]:
        """Revoke the live keys with this name or id; returns what was revoked (empty: none matched)."""
        now = _now_ms()
        with self._connection(f"API key {name_or_id!r}") as db:
            rows = db.execute(
                "UPDATE api_key SET revoked_at = %s WHERE (id = %s OR name = %s) AND revoked_at IS NULL "
                f"RETURNING {API_KEY_COLUMNS}",
                (now, name_or_id, name_or_id),
            ).fetchall()
        return [ApiKeyRecord(*r) for r in rows]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
