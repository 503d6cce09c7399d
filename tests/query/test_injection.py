"""Injection attempts through values and names fail safely: no SQL runs beyond what the grammar allows."""

from __future__ import annotations

import pytest

from graph_aws.errors import J1QLError
from graph_aws.query import run_query
from graph_aws.store import Store

ATTACKS = [
    "x' OR '1'='1",
    "'; DROP TABLE entity; --",
    '" OR 1=1 --',
    "') UNION SELECT data FROM relationship --",
    "\\'; DELETE FROM entity; --",
]


def entity_count(store: Store) -> int:
    return int(store.read("SELECT COUNT(*) FROM entity")[0][0])


@pytest.mark.parametrize("attack", ATTACKS)
def test_strings_are_values_not_sql(graph_store: Store, attack: str) -> None:
    before = entity_count(graph_store)
    escaped = attack.replace("\\", "\\\\").replace("'", "\\'")
    assert run_query(graph_store, f"FIND * WITH name = '{escaped}'").rows == []
    assert run_query(graph_store, f"FIND * WITH name ~= '{escaped}'").rows == []
    assert entity_count(graph_store) == before


@pytest.mark.parametrize(
    "text",
    [
        "FIND * WITH name = 'x' OR '1'='1'",  # a quoted string where a property name must be
        "FIND aws_account; DROP TABLE entity",
        'FIND aws_account WITH [name"] OR 1=1 --] = 1',
        "FIND aws_account WITH [x]] = 1",
        "FIND aws_account THAT HAS) UNION SELECT * FROM entity --",
        "FIND entity.data WITH 1 = 1",
        "FIND aws_account AS a RETURN a.name FROM entity",
        "FIND aws_account LIMIT 1; DELETE FROM entity",
        "FIND aws_account ORDER BY (SELECT 1)",
        "FIND aws_account WITH name = 'x' -- comment",
    ],
)
def test_names_and_structure_outside_the_grammar_are_syntax_errors(graph_store: Store, text: str) -> None:
    before = entity_count(graph_store)
    with pytest.raises(J1QLError):
        run_query(graph_store, text)
    assert entity_count(graph_store) == before


def test_odd_bracketed_names_are_just_property_names(graph_store: Store) -> None:
    # Brackets allow almost anything; it becomes a JSON path parameter that matches nothing.
    for name in ["'; DROP TABLE entity; --", "$.name", "x') OR 1=1 --", "a.b.c", "*"]:
        assert run_query(graph_store, f"FIND aws_account WITH [{name}] = 'mgmt'").rows == []
        assert len(run_query(graph_store, f"FIND aws_account WITH [{name}] = undefined").rows) == 4


def test_type_and_verb_names_that_look_like_sql_match_nothing(graph_store: Store) -> None:
    assert run_query(graph_store, "FIND (aws_account|sqlite_master) THAT (HAS|OR) *").rows
    assert run_query(graph_store, "FIND sqlite_master").rows == []
    assert run_query(graph_store, "FIND aws_account THAT UNION *").rows == []


@pytest.mark.parametrize(
    "search",
    ["alice OR bob", "NEAR(alice bob)", "name:alice", "* OR x", '\\" OR \\"', "alice^", "- NOT alice"],
)
def test_full_text_words_are_words_not_fts_syntax(graph_store: Store, search: str) -> None:
    # FTS5 has its own query language; each word is bound as a quoted phrase, so none of it applies.
    result = run_query(graph_store, f'FIND "{search}"')
    assert all("alice" in str(row[0]) for row in result.rows)


def test_parameters_and_patterns_are_values_not_sql(graph_store: Store) -> None:
    before = entity_count(graph_store)
    for attack in ATTACKS:
        assert run_query(graph_store, "FIND * WITH name = {{v}}", params={"v": attack}).rows == []
        assert (
            run_query(graph_store, "FIND * WITH name = {{v}}", params={"v": [attack, attack + "x"]}).rows
            == []
        )
    assert run_query(graph_store, "FIND * WITH name = /x'; DROP TABLE entity; --/").rows == []
    assert entity_count(graph_store) == before
