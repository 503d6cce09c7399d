"""What the PostgreSQL store adds: JSONB, the indexes a J1QL translation will use, and its URLs."""

from __future__ import annotations

import json

import pytest

from graph_aws.errors import StoreError
from graph_aws.model import make_entity, make_relationship
from graph_aws.store import open_store
from graph_aws.store.postgresql import PostgresStore, display_url


@pytest.fixture
def pg(postgres_url):
    store = open_store(postgres_url)
    assert isinstance(store, PostgresStore)
    yield store
    store.close()


def plan(store: PostgresStore, sql: str) -> str:
    """The plan PostgreSQL picks with sequential scans ruled out: the indexes it can use."""
    import psycopg

    with psycopg.connect(store.url) as db:
        db.execute("SET enable_seqscan = off")
        return "\n".join(row[0] for row in db.execute(f"EXPLAIN {sql}"))


def test_properties_are_jsonb_and_every_lookup_a_query_needs_has_an_index(pg):
    users = [
        make_entity(
            key=f"arn:aws:iam::111111111111:user/u{n}", type="aws_iam_user", classes=["User"], name=f"u{n}",
            properties={"mfaEnabled": n % 2 == 0},
        )
        for n in range(300)
    ]  # fmt: skip
    group = make_entity(
        key="arn:aws:iam::111111111111:group/g", type="aws_iam_group", classes=["UserGroup"], name="g"
    )
    links = [make_relationship(from_entity=group, verb="HAS", to_entity=u) for u in users]
    pg.sync_scope("account:111111111111", [group, *users], links)
    pg.read("ANALYZE")
    assert pg.read(
        "SELECT jsonb_typeof(data->'mfaEnabled') FROM entity WHERE key = %s", (users[0]["_key"],)
    ) == [("boolean",)]
    assert "entity_type" in plan(pg, "SELECT key FROM entity WHERE type = 'aws_iam_user'")
    assert "entity_class_pkey" in plan(pg, "SELECT key FROM entity_class WHERE class = 'User'")
    assert "entity_data" in plan(pg, """SELECT key FROM entity WHERE data @> '{"mfaEnabled": true}'""")
    assert "entity_data" in plan(pg, "SELECT key FROM entity WHERE data ? 'mfaEnabled'")
    assert "relationship_from" in plan(
        pg, f"SELECT key FROM relationship WHERE from_key = '{group['_key']}' AND class = 'HAS'"
    )
    assert "relationship_to" in plan(
        pg, f"SELECT key FROM relationship WHERE to_key = '{users[0]['_key']}' AND class = 'HAS'"
    )
    assert "relationship_data" in plan(
        pg, """SELECT key FROM relationship WHERE data @> '{"_class": "HAS"}'"""
    )


def test_reads_return_json_as_text_like_sqlite(pg):
    entity = make_entity(
        key="arn:aws:iam::111111111111:user/alice", type="aws_iam_user", classes=["User"], name="alice"
    )
    pg.sync_scope("account:111111111111", [entity], [])
    ((data, name),) = pg.read("SELECT data, data->'name' FROM entity")
    assert isinstance(data, str) and name == '"alice"'
    assert next(pg.entities())["name"] == "alice"  # whole objects come back decoded, as on SQLite


def test_urls_never_show_a_password():
    assert (
        display_url("postgresql://graph:hunter2@db.internal:5433/graph")
        == "postgresql://graph:***@db.internal:5433/graph"
    )
    assert display_url("postgresql://db.internal/graph") == "postgresql://db.internal/graph"


def test_a_database_that_does_not_exist_is_one_line_naming_the_url(postgres_cluster):
    missing = postgres_cluster.url("no_such_database")
    with pytest.raises(StoreError) as refused:
        open_store(missing)
    assert str(refused.value).startswith(f"cannot open the PostgreSQL store at {missing}: ")
    assert "no_such_database" in str(refused.value) and "\n" not in str(refused.value)


def test_a_nul_character_jsonb_cannot_hold_fails_the_sync_cleanly(pg):
    clean = make_entity(
        key="arn:aws:iam::111111111111:user/alice", type="aws_iam_user", classes=["User"], name="alice"
    )
    pg.sync_scope("account:111111111111", [clean], [])
    odd = make_entity(
        key="arn:aws:iam::111111111111:user/bob", type="aws_iam_user", classes=["User"], name="bob",
        properties={"description": "a\x00b"},
    )  # fmt: skip
    with pytest.raises(StoreError) as refused:
        pg.sync_scope("account:111111111111", [clean, odd], [])
    assert "NUL character" in str(refused.value) and odd["_key"] in str(refused.value)
    assert [e["name"] for e in pg.entities()] == ["alice"]


def test_the_query_command_answers_from_a_postgresql_store(pg, postgres_url):
    import subprocess
    import sys

    account = make_entity(
        key="arn:aws:iam::111111111111:root", type="aws_account", classes=["Account"], name="mgmt-on-pg"
    )
    pg.sync_scope("account:111111111111", [account], [])

    def query(text: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "graph_aws.cli", "query", text, "--db", postgres_url]
        return subprocess.run([*command, "--format", "json"], capture_output=True, text=True, timeout=60)

    found = query("FIND aws_account AS a RETURN a.name")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout) == [{"a.name": "mgmt-on-pg"}]
    wrong = query("FIND aws_account RETURN nobody.name")
    assert wrong.returncode != 0 and "Traceback" not in wrong.stderr and len(wrong.stderr.splitlines()) == 1


def test_reads_take_named_parameters_as_a_dialect_would_bind_them(pg):
    entity = make_entity(
        key="arn:aws:iam::111111111111:user/alice", type="aws_iam_user", classes=["User"], name="alice"
    )
    pg.sync_scope("account:111111111111", [entity], [])
    sql = "SELECT key FROM entity WHERE type = %(p1)s AND data ->> 'name' = %(p2)s AND key LIKE %(p3)s"
    assert pg.read(sql, {"p1": "aws_iam_user", "p2": "alice", "p3": "arn:aws:iam::%"}) == [(entity["_key"],)]
