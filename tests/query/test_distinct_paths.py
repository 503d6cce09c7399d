"""Rows of a traversal are distinct paths: an entity reached by two relationships, or by two paths,
comes once; LIMIT/SKIP pages are stable and add up to the whole answer; SQLite and PostgreSQL give
the same rows. (PostgreSQL walks a hop as a LATERAL subquery of far keys, without DISTINCT, when the
RETURN names every entity of the path; these tests hold both shapes to the same answers.)

The hand-built graph: instances h1..h3, volumes v1..v3, security groups sg1, sg2.
h1 USES v1 and h1 HAS v1 (two relationships, one pair); h1 USES v2; h2 USES v2; h3 uses nothing.
sg1 PROTECTS h1 and h2; sg2 PROTECTS h1 (so sg1 reaches v2 by two paths).
h1 CONNECTS h2 and h2 CONNECTS h1 (each reaches the other both ways).
A second part, for paging: 12 instances p0..p11, each USES and HAS 3 of 5 volumes q0..q4.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backends import Backend, postgresql_backend, sqlite_backend
from graph_aws.model import make_entity, make_relationship
from graph_aws.query import run_query
from graph_aws.store import Store


def _entity(type_: str, class_: str, name: str) -> dict[str, Any]:
    return make_entity(key=f"{type_}:{name}", type=type_, classes=[class_], name=name)


def build_graph() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    h = {n: _entity("aws_instance", "Host", n) for n in ("h1", "h2", "h3")}
    v = {n: _entity("aws_ebs_volume", "DataStore", n) for n in ("v1", "v2", "v3")}
    sg = {n: _entity("aws_security_group", "Firewall", n) for n in ("sg1", "sg2")}
    p = [_entity("aws_instance", "Host", f"p{i}") for i in range(12)]
    q = [_entity("aws_ebs_volume", "DataStore", f"q{i}") for i in range(5)]

    def rel(a: dict[str, Any], verb: str, b: dict[str, Any]) -> dict[str, Any]:
        return make_relationship(from_entity=a, to_entity=b, verb=verb)

    relationships = [
        rel(h["h1"], "USES", v["v1"]),
        rel(h["h1"], "HAS", v["v1"]),
        rel(h["h1"], "USES", v["v2"]),
        rel(h["h2"], "USES", v["v2"]),
        rel(sg["sg1"], "PROTECTS", h["h1"]),
        rel(sg["sg1"], "PROTECTS", h["h2"]),
        rel(sg["sg2"], "PROTECTS", h["h1"]),
        rel(h["h1"], "CONNECTS", h["h2"]),
        rel(h["h2"], "CONNECTS", h["h1"]),
    ]
    for i, instance in enumerate(p):
        for j in range(3):
            volume = q[(i + j) % len(q)]
            relationships += [rel(instance, "USES", volume), rel(instance, "HAS", volume)]
    entities = [*h.values(), *v.values(), *sg.values(), *p, *q]
    return entities, relationships


def _open(backend: Backend) -> Store:
    store = backend.open()
    store.sync_scope("account:all", *build_graph())
    return store


@pytest.fixture
def graph(backend: Backend) -> Store:
    return _open(backend)


def rows(store: Store, text: str, page_size: int | None = None) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in run_query(store, text, page_size=page_size).rows]


ONE_HOP = "FIND aws_instance AS i THAT (USES|HAS) aws_ebs_volume AS v WITH name ^= 'v' RETURN i.name, v.name"
TWO_HOPS = (
    "FIND aws_security_group AS g THAT PROTECTS aws_instance AS i THAT USES aws_ebs_volume AS v "
    "RETURN g.name, i.name, v.name"
)
PAGED = "FIND aws_instance AS i WITH name ^= 'p' THAT (USES|HAS) aws_ebs_volume AS v RETURN i.name, v.name"


def test_an_entity_reached_by_two_relationships_comes_once(graph: Store) -> None:
    assert sorted(rows(graph, ONE_HOP)) == [("h1", "v1"), ("h1", "v2"), ("h2", "v2")]


def test_both_directions_give_each_pair_once(graph: Store) -> None:
    text = "FIND aws_instance AS a THAT CONNECTS aws_instance AS b RETURN a.name, b.name"
    assert sorted(rows(graph, text)) == [("h1", "h2"), ("h2", "h1")]


def test_two_hops_give_each_path_once(graph: Store) -> None:
    assert sorted(rows(graph, TWO_HOPS)) == [
        ("sg1", "h1", "v1"),
        ("sg1", "h1", "v2"),
        ("sg1", "h2", "v2"),
        ("sg2", "h1", "v1"),
        ("sg2", "h1", "v2"),
    ]


def test_ends_reached_by_two_paths_come_once_when_the_middle_is_not_returned(graph: Store) -> None:
    text = (
        "FIND aws_security_group AS g THAT PROTECTS aws_instance THAT USES aws_ebs_volume AS v "
        "RETURN g.name, v.name"
    )
    assert sorted(rows(graph, text)) == [("sg1", "v1"), ("sg1", "v2"), ("sg2", "v1"), ("sg2", "v2")]


def test_returning_the_far_side_only_gives_each_entity_once(graph: Store) -> None:
    text = "FIND aws_instance THAT (USES|HAS) aws_ebs_volume AS v WITH name ^= 'v' RETURN v.name"
    assert sorted(rows(graph, text)) == [("v1",), ("v2",)]


def test_a_named_relationship_gives_one_row_per_relationship(graph: Store) -> None:
    text = (
        "FIND aws_instance AS i WITH name = 'h1' THAT (USES|HAS) AS r aws_ebs_volume AS v "
        "RETURN v.name, r._class"
    )
    assert sorted(rows(graph, text)) == [("v1", "HAS"), ("v1", "USES"), ("v2", "USES")]


def test_counts_count_distinct_entities(graph: Store) -> None:
    text = "FIND aws_instance AS i THAT (USES|HAS) aws_ebs_volume AS v RETURN COUNT(v) AS n"
    assert rows(graph, text) == [(7,)]  # v1, v2 and q0..q4; v3 is used by nothing


@pytest.mark.parametrize("order", ["", " ORDER BY i.name, v.name"])
def test_pages_are_stable_and_add_up_to_the_whole_answer(graph: Store, order: str) -> None:
    whole = rows(graph, PAGED + order)
    assert len(whole) == 36 == len(set(whole))  # 12 instances x 3 volumes, each pair once
    pages = [rows(graph, f"{PAGED}{order} SKIP {skip} LIMIT 5") for skip in range(0, 40, 5)]
    again = [rows(graph, f"{PAGED}{order} SKIP {skip} LIMIT 5") for skip in range(0, 40, 5)]
    assert pages == again
    paged = [row for page in pages for row in page]
    assert sorted(paged) == sorted(whole)
    if order:
        assert paged == whole == sorted(whole)


def test_the_default_page_says_whether_more_rows_follow(graph: Store) -> None:
    first = run_query(graph, PAGED, page_size=30)
    assert len(first.rows) == 30 and first.more
    rest = run_query(graph, PAGED + " SKIP 30", page_size=30)
    assert len(rest.rows) == 6 and not rest.more
    assert len({tuple(r) for r in first.rows} | {tuple(r) for r in rest.rows}) == 36


@pytest.fixture
def both(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    stores = (_open(sqlite_backend(tmp_path)), _open(postgresql_backend(postgres_url)))
    yield stores
    for store in stores:
        store.close()


AGREE = [
    ONE_HOP,
    TWO_HOPS,
    PAGED,
    PAGED + " ORDER BY v.name DESC, i.name SKIP 4 LIMIT 9",
    "FIND aws_instance AS i THAT (USES|HAS) aws_ebs_volume AS v RETURN i, v",
    "FIND aws_instance AS a THAT CONNECTS aws_instance AS b RETURN a.name, b.name",
    "FIND aws_security_group AS g THAT PROTECTS aws_instance THAT USES aws_ebs_volume AS v "
    "RETURN g.name, v.name",
    "FIND aws_instance AS i THAT (USES|HAS) aws_ebs_volume AS v RETURN i.name, COUNT(v) AS n ORDER BY i.name",
    "FIND UNIQUE aws_instance AS i THAT (USES|HAS) aws_ebs_volume AS v RETURN v.name",
]


@pytest.mark.parametrize("text", AGREE)
def test_sqlite_and_postgresql_give_the_same_rows(both: tuple[Store, Store], text: str) -> None:
    def answer(store: Store) -> list[str]:
        found = [json.dumps(r, sort_keys=True) for r in run_query(store, text, page_size=None).records()]
        return found if " ORDER BY " in text else sorted(found)

    sqlite, postgresql = both
    assert answer(postgresql) == answer(sqlite)
    assert answer(sqlite)  # agreeing on something
