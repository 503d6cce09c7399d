"""The store's schema, one numbered migration at a time, for SQLite and PostgreSQL side by side.

A store records the version it was last migrated to (`meta.schema_version`). Opening a store
applies, in one transaction each, every migration it has not had yet; a store newer than this code
is refused. A new table or column is one more `Migration` at the end of `MIGRATIONS`, with the SQL
of both backends (or a function of the open connection, for a backfill SQL cannot do); nothing else
changes. `tests/test_store_schema.py` checks that every version upgrades in place on both backends.

The two backends hold the same tables with the same columns, so that a J1QL translation differs
only in its JSON functions: TEXT JSON on SQLite, JSONB (with GIN indexes) on PostgreSQL, where
identifiers sort as bytes (COLLATE "C"), as SQLite's do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph_aws.errors import StoreError
from graph_aws.store.search import search_text, search_vector
from graph_aws.store.sync import digest, dump

Step = str | Callable[[Any], None]  # SQL statements, or a function of the backend's connection


@dataclass(frozen=True)
class Migration:
    version: int
    summary: str
    sqlite: Step
    postgresql: Step


SQLITE_1 = """
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

POSTGRESQL_1 = """
CREATE TABLE scope (
    scope TEXT COLLATE "C" PRIMARY KEY,
    organization_id TEXT COLLATE "C"
);
CREATE TABLE scope_entity (
    scope TEXT COLLATE "C" NOT NULL, key TEXT COLLATE "C" NOT NULL, type TEXT COLLATE "C" NOT NULL,
    data JSONB NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX scope_entity_key ON scope_entity(key);
CREATE TABLE scope_relationship (
    scope TEXT COLLATE "C" NOT NULL, key TEXT COLLATE "C" NOT NULL, type TEXT COLLATE "C" NOT NULL,
    data JSONB NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX scope_relationship_key ON scope_relationship(key);
CREATE TABLE entity (
    key TEXT COLLATE "C" PRIMARY KEY, type TEXT COLLATE "C" NOT NULL, data JSONB NOT NULL
);
CREATE INDEX entity_type ON entity(type);
CREATE INDEX entity_data ON entity USING GIN (data);
CREATE TABLE entity_class (
    class TEXT COLLATE "C" NOT NULL, key TEXT COLLATE "C" NOT NULL, PRIMARY KEY (class, key)
);
CREATE INDEX entity_class_key ON entity_class(key);
CREATE TABLE relationship (
    key TEXT COLLATE "C" PRIMARY KEY, type TEXT COLLATE "C" NOT NULL, class TEXT COLLATE "C" NOT NULL,
    from_key TEXT COLLATE "C" NOT NULL, to_key TEXT COLLATE "C" NOT NULL, data JSONB NOT NULL
);
CREATE INDEX relationship_from ON relationship(from_key, class);
CREATE INDEX relationship_to ON relationship(to_key, class);
CREATE INDEX relationship_type ON relationship(type);
CREATE INDEX relationship_data ON relationship USING GIN (data);
CREATE TABLE run (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    started_at BIGINT NOT NULL, ended_at BIGINT, status TEXT,
    mode TEXT NOT NULL, organization_id TEXT COLLATE "C", settings JSONB NOT NULL
);
CREATE TABLE job (
    run_id BIGINT NOT NULL REFERENCES run(id), scope TEXT COLLATE "C" NOT NULL,
    status TEXT NOT NULL, reason TEXT, started_at BIGINT NOT NULL, ended_at BIGINT NOT NULL,
    created BIGINT NOT NULL, updated BIGINT NOT NULL, deleted BIGINT NOT NULL,
    summary JSONB NOT NULL,
    PRIMARY KEY (run_id, scope)
);
CREATE TABLE account_outcome (
    run_id BIGINT NOT NULL REFERENCES run(id), account_id TEXT COLLATE "C" NOT NULL, name TEXT,
    outcome TEXT NOT NULL, reason TEXT, finished_at BIGINT NOT NULL,
    PRIMARY KEY (run_id, account_id)
);
CREATE INDEX account_outcome_account ON account_outcome(account_id, run_id);
"""


# serve's API keys (graph-aws api-key): never the secret, only its hash.
SQLITE_5 = """
CREATE TABLE IF NOT EXISTS api_key (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL, revoked_at INTEGER
);
"""
POSTGRESQL_5 = """
CREATE TABLE IF NOT EXISTS api_key (
    id TEXT COLLATE "C" PRIMARY KEY, name TEXT NOT NULL, secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL, revoked_at BIGINT
);
"""


def _sqlite_digests(db: Any) -> None:
    """Add each scope row's digest, computed from the canonical JSON it already holds, and index the
    views of a key with their digests (a merge reads those first)."""
    db.create_function("graph_aws_digest", 1, digest, deterministic=True)
    for table in ("scope_entity", "scope_relationship"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN digest TEXT NOT NULL DEFAULT ''")
        db.execute(f"UPDATE {table} SET digest = graph_aws_digest(data)")
        db.execute(f"DROP INDEX {table}_key")
        db.execute(f"CREATE INDEX {table}_key ON {table}(key, digest)")


def _postgresql_digests(db: Any) -> None:
    """As on SQLite; JSONB keeps no text, so the canonical JSON is made again from each row."""
    for table in ("scope_entity", "scope_relationship"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN digest TEXT NOT NULL DEFAULT ''")
        rows = db.execute(f"SELECT scope, key, data FROM {table}").fetchall()
        with db.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET digest = %s WHERE scope = %s AND key = %s",
                [(digest(dump(data)), scope, key) for scope, key, data in rows],
            )
        db.execute(f"DROP INDEX {table}_key")
        db.execute(f"CREATE INDEX {table}_key ON {table}(key) INCLUDE (scope, digest)")


def _sqlite_search(db: Any) -> None:
    """The full-text index (store/search.py), filled from the merged entities. A store that the
    first J1QL version already indexed (without a schema version for it) is indexed again."""
    db.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS entity_text USING fts5("
        "text, tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\")"
    )
    db.execute("DELETE FROM entity_text")
    rows = db.execute("SELECT rowid, data FROM entity")  # streamed: a million rows fit
    db.executemany(
        "INSERT INTO entity_text(rowid, text) VALUES (?, ?)",
        ((rowid, search_text(json.loads(data))) for rowid, data in rows),
    )
    db.execute("DELETE FROM meta WHERE name = 'search_text_version'")  # that version's own marker


def _postgresql_search(db: Any) -> None:
    db.execute(
        'CREATE TABLE entity_text (key TEXT COLLATE "C" PRIMARY KEY, text TEXT NOT NULL, '
        "words TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED)"
    )
    db.execute("CREATE INDEX entity_text_words ON entity_text USING GIN (words)")
    with db.cursor("fill_entity_text") as rows, db.cursor() as insert:  # server-side: streamed
        rows.execute("SELECT key, data FROM entity")
        while batch := rows.fetchmany(5000):
            insert.executemany(
                "INSERT INTO entity_text(key, text) VALUES (%s, %s)",
                [(key, search_text(data)) for key, data in batch],
            )


def _sqlite_search_tokens(db: Any) -> None:
    """SQLite's index already cuts text into the tokens migration 5 gives PostgreSQL."""


def _postgresql_search_tokens(db: Any) -> None:
    """The tsvector of SQLite's tokens (search.search_vector) instead of to_tsvector('simple'), which
    splits on underscores and reads hosts and paths as tokens of their own: one search rule on both."""
    db.execute("DROP INDEX entity_text_words")
    db.execute("ALTER TABLE entity_text DROP COLUMN words")
    db.execute("ALTER TABLE entity_text ADD COLUMN words TSVECTOR")
    with db.cursor("refill_entity_text") as rows, db.cursor() as update:  # server-side: streamed
        rows.execute("SELECT key, text FROM entity_text")
        while batch := rows.fetchmany(5000):
            update.execute(
                "UPDATE entity_text t SET words = u.w::tsvector "
                "FROM unnest(%s::text[], %s::text[]) AS u(k, w) WHERE t.key = u.k",
                ([key for key, _ in batch], [search_vector(text) for _, text in batch]),
            )
    db.execute("ALTER TABLE entity_text ALTER COLUMN words SET NOT NULL")
    db.execute("CREATE INDEX entity_text_words ON entity_text USING GIN (words)")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "the graph, its scopes and the run history", SQLITE_1, POSTGRESQL_1),
    Migration(
        2,
        "a digest of each scope row: a sync compares it, a merge reads it first",
        _sqlite_digests,
        _postgresql_digests,
    ),
    Migration(3, "the full-text index of the merged entities", _sqlite_search, _postgresql_search),
    Migration(
        4,
        "the process each run belongs to, so a later run can tell one left open by a dead process",
        "CREATE TABLE IF NOT EXISTS run_owner (run_id INTEGER PRIMARY KEY REFERENCES run(id), "
        "host TEXT NOT NULL, pid INTEGER NOT NULL, started TEXT)",
        "CREATE TABLE IF NOT EXISTS run_owner (run_id BIGINT PRIMARY KEY REFERENCES run(id), "
        "host TEXT NOT NULL, pid INTEGER NOT NULL, started TEXT)",
    ),
    Migration(5, "serve's API keys: each one's name and the SHA-256 of its secret", SQLITE_5, POSTGRESQL_5),
    Migration(
        6,
        "PostgreSQL's full-text index holds SQLite's tokens",
        _sqlite_search_tokens,
        _postgresql_search_tokens,
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def pending(current: int, store: str) -> list[Migration]:
    """The migrations a store at `current` still needs; a store newer than this code is refused."""
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"{store} has schema version {current}, newer than this graph-aws reads ({SCHEMA_VERSION}): "
            "upgrade graph-aws (pip install --upgrade graph-aws) to open it"
        )
    return [m for m in MIGRATIONS if m.version > current]
