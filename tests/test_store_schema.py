"""Schema versions: a store written at an earlier version upgrades in place, a newer one is refused."""

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from graph_aws.errors import StoreError
from graph_aws.store import schema

SCHEMA_1_DUMP = Path(__file__).parent / "data" / "store-schema1.sql"
V1_TABLES = ("scope", "scope_entity", "scope_relationship", "entity", "entity_class", "relationship",
             "run", "job", "account_outcome")  # fmt: skip
JSON_COLUMNS = {
    "scope_entity": 3,
    "scope_relationship": 3,
    "entity": 2,
    "relationship": 5,
    "run": 6,
    "job": 9,
}


def schema_1_rows() -> dict[str, list[tuple]]:
    """Every row of the store that graph-aws wrote at schema 1 (commit 527cf1e)."""
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA_1_DUMP.read_text())
    return {table: db.execute(f"SELECT * FROM {table}").fetchall() for table in V1_TABLES}


def write_schema_1(backend) -> None:
    """The store as schema 1 left it: on SQLite the file itself; on PostgreSQL the same rows in
    migration 1's tables."""
    if backend.name == "sqlite":
        with sqlite3.connect(backend.url) as db:
            db.executescript(SCHEMA_1_DUMP.read_text())
        return
    import psycopg

    with psycopg.connect(backend.url) as db:
        db.execute(schema.MIGRATIONS[0].postgresql)
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        for table, rows in schema_1_rows().items():
            for row in rows:
                marks = ", ".join(
                    "%s::jsonb" if i == JSON_COLUMNS.get(table) else "%s" for i in range(len(row))
                )
                db.execute(f"INSERT INTO {table} VALUES ({marks})", row)
        db.execute("SELECT setval(pg_get_serial_sequence('run', 'id'), (SELECT max(id) FROM run))")


def objects_by_scope(table: str) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for scope, _key, _type, data in schema_1_rows()[table]:
        found.setdefault(scope, []).append(json.loads(data))
    return found


def test_a_schema_1_store_upgrades_in_place_and_keeps_everything(backend):
    write_schema_1(backend)
    before = {key: json.loads(data) for key, _type, data in schema_1_rows()["entity"]}
    store = backend.open()
    assert store.schema_version() == schema.SCHEMA_VERSION
    assert {e["_key"]: e for e in store.entities()} == before
    assert [r["_type"] for r in store.relationships()] == [
        "aws_account_has_account",
        "aws_account_has_iam_user",
    ]
    (run,) = store.runs()
    assert (run.status, run.organization_id) == ("succeeded", "o-abc123")
    assert store.latest_account_outcomes()["111111111111"].outcome == "ingested"
    assert store.scopes("o-abc123") == ["account:111111111111", "organization:o-abc123"]
    # The full-text index (migration 3) holds every merged entity.
    assert store.read("SELECT COUNT(*) FROM entity_text") == [(len(before),)]

    # The digests filled in by the upgrade are exact: the same objects again are unchanged.
    entities, relationships = objects_by_scope("scope_entity"), objects_by_scope("scope_relationship")
    wrote = backend.write_marker()
    for scope in entities:
        counts = store.sync_scope(
            scope, entities[scope], relationships.get(scope, []), organization_id="o-abc123"
        )
        assert not counts.changed, scope
    assert not wrote()

    # And the upgraded store goes on as any other.
    alice = next(e for e in entities["account:111111111111"] if e["_type"] == "aws_iam_user")
    counts = store.sync_scope(
        "account:111111111111", [{**alice, "path": "/admins/"}], [], organization_id="o-abc123"
    )
    assert (counts.created, counts.updated, counts.deleted) == (0, 1, 2)
    assert store.start_run("organization", {}) == run.id + 1


def test_a_store_the_first_j1ql_version_indexed_is_indexed_again(tmp_path):
    """That version kept its full-text index beside schema version 1, with a marker of its own."""
    from graph_aws.query import run_query
    from graph_aws.store import open_store

    path = tmp_path / "graph.db"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_1_DUMP.read_text())
        db.execute(
            'CREATE VIRTUAL TABLE entity_text USING fts5(text, tokenize = "unicode61 remove_diacritics 0 '
            "tokenchars '_'\")"
        )
        db.execute("INSERT INTO entity_text(rowid, text) SELECT rowid, 'stale words' FROM entity")
        db.execute("INSERT INTO meta VALUES ('search_text_version', '1')")
    store = open_store(str(path))
    assert store.schema_version() == schema.SCHEMA_VERSION
    assert [r["name"] for r in run_query(store, 'FIND "payments"').records()] == ["alice"]
    assert run_query(store, 'FIND "stale"').records() == []
    assert store.read("SELECT value FROM meta WHERE name = 'search_text_version'") == []
    store.close()


def test_a_store_newer_than_the_code_is_refused_with_the_fix(backend):
    backend.open().close()
    if backend.name == "sqlite":
        with sqlite3.connect(backend.url) as db:
            db.execute(
                "UPDATE meta SET value = ? WHERE name = 'schema_version'", (schema.SCHEMA_VERSION + 1,)
            )
    else:
        import psycopg

        with psycopg.connect(backend.url) as db:
            db.execute(
                "UPDATE meta SET value = %s WHERE name = 'schema_version'", (str(schema.SCHEMA_VERSION + 1),)
            )
    with pytest.raises(StoreError) as refused:
        backend.open()
    message = str(refused.value)
    assert "\n" not in message
    assert f"schema version {schema.SCHEMA_VERSION + 1}, newer than this graph-aws reads" in message
    assert "pip install --upgrade graph-aws" in message


def test_stores_opened_at_once_on_a_new_database_migrate_once(backend):
    errors: list[BaseException] = []
    stores = []

    def open_one() -> None:
        try:
            stores.append(backend.open())
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert backend.raw("SELECT value FROM meta WHERE name = 'schema_version'") == [
        (str(schema.SCHEMA_VERSION),)
    ]
    stores[0].sync_scope("account:111111111111", [], [])
    assert stores[-1].scopes() == ["account:111111111111"]


def test_every_migration_exists_for_both_backends_in_order():
    versions = [m.version for m in schema.MIGRATIONS]
    assert versions == list(range(1, len(versions) + 1))
    for migration in schema.MIGRATIONS:
        assert migration.summary and migration.sqlite and migration.postgresql
