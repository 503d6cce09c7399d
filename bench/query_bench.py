"""J1QL on a synthetic graph of 1,000,000 entities and 3,000,000 relationships (SQLite or PostgreSQL).

    .venv/bin/python bench/query_bench.py [--entities N] [--keep PATH] [--backend sqlite|postgresql]

Builds the graph straight into the store's merged tables (entity, entity_class, relationship) with
executemany -- sync_scope's per-object merge is made for collection, not for a million rows -- then
opens it as a store written before the full-text index existed, which fills the index (timed), and
times queries through graph_aws.query.run_query: a one-hop FIND ... WITH ... THAT ... RETURN, a
two-hop query, a COUNT, and full-text searches (J1's page of 250 rows unless a query says LIMIT). It
prints figures and asserts nothing about time.

Shape, per 1,000 entities: 1 aws_account; 300 aws_instance, 400 aws_ebs_volume, 100
aws_security_group, 100 aws_iam_user, 99 aws_s3_bucket. Relationships: the account HAS each of
its resources, an instance USES its volumes, two security groups PROTECT each instance, and
instances CONNECT to other instances until there are three relationships per entity.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graph_aws.query import run_query
from graph_aws.store import open_store

BATCH = 50_000
SHAPE = [  # type, class, count per 1,000 entities
    ("aws_instance", "Host", 300),
    ("aws_ebs_volume", "DataStore", 400),
    ("aws_security_group", "Firewall", 100),
    ("aws_iam_user", "User", 100),
    ("aws_s3_bucket", "DataStore", 99),
]

QUERIES = {
    "one-hop": (
        "FIND aws_instance WITH state = 'stopped' THAT USES aws_ebs_volume WITH encrypted = false "
        "RETURN aws_instance.name, aws_ebs_volume.name, aws_ebs_volume.size"
    ),
    "two-hop": (
        "FIND aws_security_group WITH name = 'default' THAT PROTECTS aws_instance "
        "THAT USES aws_ebs_volume WITH encrypted = false "
        "RETURN aws_security_group.accountId, aws_instance.name, aws_ebs_volume.name"
    ),
    "count": (
        "FIND aws_instance WITH state = 'stopped' THAT USES aws_ebs_volume RETURN COUNT(aws_instance) AS n"
    ),
    # Full text: one entity of a million; a word in 1,000 (a page of 250); a word in 30,000, then a hop.
    "text-one": 'FIND "aws_instance-500-7"',
    "text-page": 'FIND "default aws_security_group"',
    "text-hop": (
        "FIND \"stopped\" WITH _type = 'aws_instance' AS i THAT USES aws_ebs_volume WITH encrypted = false "
        "RETURN COUNT(i) AS n"
    ),
}


def _entity(key: str, type_: str, class_: str, name: str, **props: object) -> tuple[str, str, str]:
    data = {"_key": key, "_type": type_, "_class": [class_], "name": name, "displayName": name, **props}
    return key, type_, json.dumps(data, separators=(",", ":"))


def _relationship(from_key: str, verb: str, to_key: str, type_: str) -> tuple[str, str, str, str, str, str]:
    key = f"{from_key}|{verb.lower()}|{to_key}"
    data = {
        "_key": key,
        "_type": type_,
        "_class": verb,
        "_fromEntityKey": from_key,
        "_toEntityKey": to_key,
        "displayName": verb,
    }
    return key, type_, verb, from_key, to_key, json.dumps(data, separators=(",", ":"))


def generate(total: int, seed: int = 7) -> Iterator[tuple[list[tuple[str, ...]], list[tuple[str, ...]]]]:
    """Yield (entities, relationships) account by account: 1,000 entities and 3,000 relationships each."""
    rng = random.Random(seed)
    for a in range(total // 1000):
        account_id = f"{100000000000 + a}"
        account_key = f"arn:aws:iam::{account_id}:root"
        entities = [_entity(account_key, "aws_account", "Account", f"account-{a}", accountId=account_id)]
        relationships = []
        keys: dict[str, list[str]] = {}
        for type_, class_, count in SHAPE:
            keys[type_] = []
            for i in range(count):
                key = f"arn:aws:{type_}:us-east-1:{account_id}:{i}"
                props: dict[str, object] = {"accountId": account_id, "region": "us-east-1"}
                name = f"{type_}-{a}-{i}"
                if type_ == "aws_instance":
                    props["state"] = rng.choice(["running"] * 9 + ["stopped"])
                elif type_ == "aws_ebs_volume":
                    props |= {"encrypted": rng.random() > 0.2, "size": rng.choice([8, 20, 100, 500])}
                elif type_ == "aws_security_group":
                    name = "default" if i == 0 else name
                elif type_ == "aws_s3_bucket":
                    props["public"] = rng.random() < 0.05
                entities.append(_entity(key, type_, class_, name, **props))
                keys[type_].append(key)
                relationships.append(_relationship(account_key, "HAS", key, f"aws_account_has_{type_[4:]}"))
        instances, volumes, groups = keys["aws_instance"], keys["aws_ebs_volume"], keys["aws_security_group"]
        for i, volume in enumerate(volumes):
            owner = instances[i] if i < len(instances) else rng.choice(instances)
            relationships.append(_relationship(owner, "USES", volume, "aws_instance_uses_ebs_volume"))
        for i, instance in enumerate(instances):
            for group in (groups[i % len(groups)], groups[(i * 7 + 1) % len(groups)]):
                relationships.append(
                    _relationship(group, "PROTECTS", instance, "aws_security_group_protects_instance")
                )
        seen = {r[0] for r in relationships}
        while len(relationships) < 3000:
            rel = _relationship(
                rng.choice(instances), "CONNECTS", rng.choice(instances), "aws_instance_connects_instance"
            )
            if rel[0] not in seen:
                seen.add(rel[0])
                relationships.append(rel)
        yield entities, relationships


def build(path: Path, total: int) -> None:
    open_store(str(path)).close()  # the store's own schema
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    # Load without secondary indexes, then build them once: several times faster than row by row.
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
        "AND tbl_name IN ('entity','entity_class','relationship')"
    ).fetchall()
    for name, _ in indexes:
        db.execute(f"DROP INDEX {name}")
    started = time.perf_counter()
    db.execute("BEGIN")
    loaded = 0
    for entities, relationships in generate(total):
        db.executemany("INSERT INTO entity(key, type, data) VALUES (?, ?, ?)", entities)
        db.executemany(
            "INSERT INTO entity_class(class, key) VALUES (?, ?)",
            [(json.loads(e[2])["_class"][0], e[0]) for e in entities],
        )
        db.executemany(
            "INSERT INTO relationship(key, type, class, from_key, to_key, data) VALUES (?, ?, ?, ?, ?, ?)",
            relationships,
        )
        loaded += len(entities)
        if loaded % 100_000 == 0:
            elapsed = time.perf_counter() - started
            print(f"  loaded {loaded:,} entities, {loaded * 3:,} relationships ({elapsed:.0f} s)")
    db.execute("COMMIT")
    # As a store of the schema version before the full-text index: the next open_store fills it.
    db.execute("DROP TABLE entity_text")
    db.execute("UPDATE meta SET value = '2' WHERE name = 'schema_version'")
    for name, sql in indexes:
        print(f"  indexing {name}")
        db.execute(sql)
    db.close()
    print(f"built in {time.perf_counter() - started:.0f} s, {path.stat().st_size / 1e9:.2f} GB")


def build_postgresql(url: str, total: int) -> None:
    """The same graph into a PostgreSQL store: COPY into the merged tables without their indexes,
    the full-text table filled as a sync fills it (search_text, search_vector), then the indexes."""
    import psycopg

    from graph_aws.store.search import search_text, search_vector

    open_store(url).close()  # the store's own schema, every migration
    tables = ("entity", "entity_class", "relationship", "entity_text")
    with psycopg.connect(url, autocommit=True) as db:
        indexes = db.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = ANY(%s) AND indexname NOT LIKE '%%pkey'",
            (list(tables),),
        ).fetchall()
        for name, _ in indexes:
            db.execute(f"DROP INDEX {name}")
        started = time.perf_counter()
        loaded = 0
        for entities, relationships in generate(total):
            with db.transaction(), db.cursor() as cursor:
                with cursor.copy("COPY entity(key, type, data) FROM STDIN") as copy:
                    for row in entities:
                        copy.write_row(row)
                with cursor.copy("COPY entity_class(class, key) FROM STDIN") as copy:
                    for key, _, data in entities:
                        copy.write_row((json.loads(data)["_class"][0], key))
                with cursor.copy("COPY entity_text(key, text, words) FROM STDIN") as copy:
                    for key, _, data in entities:
                        text = search_text(json.loads(data))
                        copy.write_row((key, text, search_vector(text)))
                with cursor.copy(
                    "COPY relationship(key, type, class, from_key, to_key, data) FROM STDIN"
                ) as copy:
                    for row in relationships:
                        copy.write_row(row)
            loaded += len(entities)
            if loaded % 100_000 == 0:
                print(f"  loaded {loaded:,} entities ({time.perf_counter() - started:.0f} s)")
        for name, sql in indexes:
            print(f"  indexing {name}")
            db.execute(sql)
        db.execute("ANALYZE")
        size = db.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
    print(f"built in {time.perf_counter() - started:.0f} s, {size / 1e9:.2f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument(
        "--keep", type=Path, help="build into (or reuse) this file instead of a temporary one"
    )
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql"), default="sqlite", help="the store to query"
    )
    args = parser.parse_args()
    if args.backend == "postgresql":
        from graph_aws.demo.postgres_cluster import PostgresCluster

        cluster = PostgresCluster(durable=True).start()
        try:
            url = cluster.create_database("query_bench")
            print(
                f"building {args.entities:,} entities and {args.entities * 3:,} relationships in PostgreSQL"
            )
            build_postgresql(url, args.entities)
            store = open_store(url)
            time_queries(store)
            store.close()
        finally:
            cluster.stop()
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.db"
        if not path.exists():
            print(f"building {args.entities:,} entities and {args.entities * 3:,} relationships in {path}")
            build(path, args.entities)
        started = time.perf_counter()
        store = open_store(str(path))  # fills the full-text index when the file has none yet
        print(f"opened in {time.perf_counter() - started:.1f} s (filling the full-text index if missing)")
        time_queries(store)
        store.close()


def time_queries(store: Any) -> None:
    for label, query in QUERIES.items():
        for attempt in ("cold", "warm"):
            started = time.perf_counter()
            result = run_query(store, query)
            elapsed = time.perf_counter() - started
            first = result.rows[0] if result.rows else None
            rows = f"{len(result.rows):>7,} rows"
            print(f"{label:9} {attempt}: {elapsed:7.3f} s  {rows}  first={str(first)[:70]}")
        print(f"         {query}")


if __name__ == "__main__":
    main()
