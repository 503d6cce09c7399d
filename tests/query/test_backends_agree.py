"""One graph on SQLite and on PostgreSQL answers every query alike: the published rule packs' AWS
queries, and queries of our own over what a collect of the demo organization holds (every resource
type, two regions), on one page of every row, compared row for row."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from backends import Backend, postgresql_backend, sqlite_backend
from graph_aws.query import run_query
from graph_aws.store import SqliteStore, Store
from query.test_rule_packs import aws_queries

OURS = [
    "FIND *",
    "FIND * WITH _source != 'system-mapper'",
    "FIND aws_instance AS i RETURN i.name, i.state, i.region ORDER BY i.name, i.region",
    "FIND aws_instance AS i THAT USES aws_ebs_volume AS v RETURN i.name, v.encrypted, v.size",
    "FIND aws_account AS a THAT HAS * AS x RETURN a.accountId, count(x) AS n ORDER BY n DESC, a.accountId",
    "FIND aws_ebs_volume AS v RETURN v.region, count(v) AS n, sum(v.size) AS s, avg(v.size) AS a, "
    "min(v.size) AS lo, max(v.name) AS hi ORDER BY v.region",
    "FIND aws_security_group AS sg THAT ALLOWS AS rule * AS src RETURN sg.name, rule.fromPort, "
    "rule.toPort, src._type ORDER BY rule.fromPort DESC, sg.name, rule.toPort, src._type",
    "FIND aws_iam_role AS r WITH name ~= 'a' AND name !^= 'AWS' ORDER BY r.name, r.arn",
    "FIND aws_iam_user WITH name = /^?/i".replace("^?", "a"),
    "FIND User (THAT HAS aws_iam_group)? THAT ASSIGNED AccessPolicy AS p RETURN p.name ORDER BY p.name",
    "FIND UNIQUE aws_instance AS i THAT (USES|HAS|PROTECTS) * AS x RETURN x._type",
    "FIND aws_s3_bucket WITH tag.Environment != undefined RETURN TREE",
    'FIND "us-east-1"',
    'FIND "aws_s3_bucket" WITH encrypted = true',
    "FIND aws_vpc AS v THAT HAS aws_subnet AS s WHERE s.cidrBlock ^= '10.' RETURN v.cidrBlock, s.cidrBlock",
    "FIND aws_account WITH createdOn > date.now - 3650days OR joinedOn > 0",
    "FIND Host WITH region = ('us-east-1' OR 'eu-west-1') AND state != ('terminated' AND 'stopped')",
    "FIND aws_iam_policy AS p THAT ALLOWS AS a * AS r WHERE a.admin = true RETURN p.name, r._type",
    "FIND aws_account AS a RETURN a.name ORDER BY a.accountId DESC SKIP 2 LIMIT 3",
]


@pytest.fixture(scope="module")
def both(
    seeded_store: SqliteStore, postgres_cluster: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, Store]]:
    """The seeded organization's merged graph written alike into a new SQLite and PostgreSQL store."""
    entities, relationships = list(seeded_store.entities()), list(seeded_store.relationships())
    name = "agree_graph"
    sqlite = sqlite_backend(tmp_path_factory.mktemp("agree"))
    postgresql = postgresql_backend(postgres_cluster.create_database(name))
    stores: list[Backend] = [sqlite, postgresql]
    opened = [b.open() for b in stores]
    for store in opened:
        store.sync_scope("account:all", entities, relationships)
    yield opened[0], opened[1]
    for store in opened:
        store.close()
    postgres_cluster.drop_database(name)


def answer(store: Store, text: str) -> Any:
    result = run_query(store, text, now_ms=1_800_000_000_000, page_size=None)
    if result.kind == "tree":
        assert result.tree is not None
        return {kind: sorted(o["_key"] for o in objects) for kind, objects in result.tree.items()}
    rows = [json.dumps(row, sort_keys=True, default=str) for row in result.records()]
    ordered = " order by " in text.lower()
    return result.kind, result.columns, rows if ordered else sorted(rows)


@pytest.mark.parametrize("text", [t for _, t in aws_queries()] + OURS)
def test_sqlite_and_postgresql_give_the_same_answer(both: tuple[Store, Store], text: str) -> None:
    sqlite, postgresql = both
    assert answer(postgresql, text) == answer(sqlite, text)


def test_the_queries_find_something(both: tuple[Store, Store]) -> None:
    """So that agreeing is not agreeing on nothing: most of our queries have rows on this graph."""
    empty = [text for text in OURS if not run_query(both[0], text, page_size=None).rows]
    assert len(empty) <= 3, empty
