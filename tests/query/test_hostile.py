"""Hostile queries end in rows or one clear J1QL error, never a traceback (issue 8, item 7).

Large boolean filters (to 10,000 terms), numbers beyond range, constructs graph-aws does not
support, names that need brackets, aggregates of text; then fuzzing, over the grammar and beyond.
"""

from __future__ import annotations

import os
import re

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backends import Backend
from graph_aws.commands_query import query_command
from graph_aws.errors import GraphAwsError, J1QLError, J1QLSyntaxError
from graph_aws.query import run_query
from graph_aws.store import Store

TERMS = 10_000


def keys(store: Store, text: str) -> list[str]:
    return sorted(row[0]["name"] for row in run_query(store, text).rows)


@pytest.mark.parametrize(
    "text",
    [
        # One property, one operator: a list bound as one parameter.
        "FIND aws_iam_user WITH "
        + " OR ".join(f"name = 'x{i}'" for i in range(TERMS))
        + " OR name = 'alice'",
        "FIND aws_iam_user WITH name = (" + " OR ".join(f"'x{i}'" for i in range(TERMS)) + " OR 'alice')",
        "FIND aws_iam_user WITH name ~= (" + " OR ".join(f"'x{i}'" for i in range(TERMS)) + " OR 'lic')",
        # Distinct properties: a balanced tree.
        "FIND aws_iam_user WITH " + " OR ".join(f"p{i} = {i}" for i in range(TERMS)) + " OR name = 'alice'",
        "FIND aws_iam_user AS u WHERE "
        + " OR ".join(f"u.p{i} > {i}" for i in range(TERMS))
        + " OR u.name = 'alice'",
        # Negations joined by AND, and a long chain of NOTs.
        "FIND aws_iam_user WITH name != 'bob' AND " + " AND ".join(f"p{i} != 'v'" for i in range(TERMS)),
        "FIND aws_iam_user WITH " + "NOT " * TERMS + "name = 'alice'",
    ],
    ids=["or-one-property", "shorthand", "shorthand-contains", "or-properties", "where", "and-not", "nots"],
)
def test_ten_thousand_terms_are_answered(graph_store: Store, text: str) -> None:
    assert keys(graph_store, text) == ["alice"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FIND aws_account LIMIT 9223372036854775808", "LIMIT 9223372036854775808 is too large"),
        ("FIND aws_account SKIP 99999999999999999999", "SKIP 99999999999999999999 is too large"),
        ("FIND aws_account LIMIT 1.5", "whole number"),
        ("FIND aws_account WITH x = 99999999999999999999", "beyond the range of a 64-bit integer"),
        ("FIND aws_account WITH x = -9223372036854775809", "beyond the range of a 64-bit integer"),
        ("FIND aws_account WITH x = 1e999", "beyond the range of a 64-bit float"),
        ("FIND aws_account WITH x < date.now - 99999999999999999999 days", "beyond any date"),
        ("FIND aws_account WITH x < date(99999-01-01)", "not an ISO 8601 date"),
        ("FIND aws_account WITH " + "(" * 100 + "x = 1" + ")" * 100, "nests parentheses 100 deep"),
        ("FIND aws_account" + " THAT HAS *" * 40, "traverses more relationships"),
        ("FIND aws_iam_user AS u RETURN avg(u.name)", "holds text"),
        ("FIND aws_iam_user AS u RETURN sum(u.name) AS s", "holds text"),
        ("FIND aws_account AS a RETURN CONCAT(a.name, 'x')", r"CONCAT\(\) is not supported"),
        ("FIND aws_account AS a RETURN merge(a.email, a.name)", r"MERGE\(\) is not supported"),
        ("FIND aws_account AS a RETURN a.size * 2", "arithmetic in RETURN is not supported"),
        ("FIND aws_account AS a RETURN count(*)", r"count\(\*\) is not supported"),
        ("FIND aws_account WITH tag.j1-integration = 'SKIP'", r"goes in brackets: \[tag.j1-integration\]"),
        (
            "FIND aws_account AS a WHERE a.tag.aws:cloudformation:stack-name = 'x'",
            r"a\.\[tag.aws:cloudformation",
        ),
    ],
)
def test_queries_beyond_what_can_be_answered_say_why(graph_store: Store, text: str, message: str) -> None:
    with pytest.raises(J1QLError, match=message):
        run_query(graph_store, text)


def test_avg_and_sum_of_numbers_still_add_up(graph_store: Store) -> None:
    rows = run_query(
        graph_store, "FIND aws_iam_user AS u RETURN avg(u.loginCount) AS a, sum(u.loginCount) AS s"
    )
    assert rows.records() == [{"a": 7.5, "s": 15}]


@pytest.mark.parametrize(
    "text",
    [
        "FIND aws_account WITH tag.j1-integration = 'SKIP'",
        "FIND aws_account LIMIT 99999999999999999999",
        "FIND aws_account" + " THAT HAS *" * 40,
        "FIND aws_account AS a RETURN CONCAT(a.name)",
        "FIND " + "(" * 5000,
    ],
)
def test_the_command_prints_one_error_and_no_traceback(
    module_backend: Backend, graph_store: Store, text: str
) -> None:
    result = CliRunner().invoke(query_command, [text, "--db", module_backend.url])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.output.startswith("Error: ")
    assert len(result.output.splitlines()) <= 3  # the error, and for syntax the query with a caret


# ------------------------------------------------------------------ fuzzing

# 300 examples each keep `make test` fast; J1QL_FUZZ_EXAMPLES=5000 for a longer hunt.
FUZZ = settings(
    max_examples=int(os.environ.get("J1QL_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

_TOKENS = (
    "FIND find UNIQUE THAT that WITH AS WHERE RETURN TREE ORDER BY ASC DESC SKIP LIMIT AND OR NOT "
    "RELATES TO true false undefined date.now date(2020-01-01) * ! >> << ( ) | ? , . = != < <= > >= "
    "~= ^= $= !~= !^= !$= + - 7days 1 -2 1.5 1e999 99999999999999999999 count( avg( sum( "
    "aws_account aws_iam_user User Account HAS TRUSTS ASSIGNED ALLOWS a b u.name a.* a.[tag.x-y] "
    "[tag.Cost-Center] #CriticalAsset #Nope {{p}} {{missing}} ${param.p} /ab+c/i /(x)/ 'x' \"y\" "
    "'it\\'s' \"aws_iam_user_alice\" /*_c_*/ name loginCount _type _class"
)
VOCABULARY = _TOKENS.split()

# Queries of our own that exercise most of the grammar, to mutate.
SEEDS = [
    "FIND UNIQUE aws_iam_user WITH name ~= ('a' OR 'b') AS u THAT HAS >> aws_iam AS i "
    'WHERE u.loginCount > 2 RETURN u.name AS "User Name", i.name ORDER BY u.name DESC SKIP 1 LIMIT 2',
    'FIND "aws_iam_user alice" WITH _class = "User" THAT !ASSIGNED TO aws_iam_role',
    "FIND User (THAT HAS aws_iam_group)? (THAT TRUSTS << aws_iam_role)? THAT ASSIGNED AccessPolicy "
    "THAT ALLOWS AS perm * WHERE perm.actions ~= ('iam:*') AND perm.resources !~= User.name",
    "FIND #CriticalAsset THAT ALLOWS WITH ingress = true AS r * AS x WHERE x.name = /al/i "
    "RETURN count(x) AS n",
    "FIND aws_account WITH createdOn < date.now - 90 days AND email = {{p}} /* c */ RETURN TREE",
]


def run_or_explain(store: Store, text: str) -> None:
    """The property: rows, or an error of graph-aws's own (the CLI prints it as one line)."""
    try:
        result = run_query(store, text, params={"p": "alice"})
    except GraphAwsError as error:
        first = str(error).splitlines()[0]
        assert first and "Traceback" not in str(error)
        if isinstance(error, J1QLSyntaxError):
            assert re.search(r"line \d+, column \d+", first)
        return
    assert isinstance(result.rows, list)


@FUZZ
@given(words=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=25))
def test_token_soup_never_crashes(graph_store: Store, words: list[str]) -> None:
    run_or_explain(graph_store, " ".join(words))


@FUZZ
@given(words=st.lists(st.sampled_from(VOCABULARY), max_size=20))
def test_anything_after_find_never_crashes(graph_store: Store, words: list[str]) -> None:
    run_or_explain(graph_store, "FIND aws_iam_user " + " ".join(words))


@FUZZ
@given(
    seed=st.sampled_from(SEEDS),
    edits=st.lists(
        st.tuples(st.integers(0, 300), st.integers(0, 8), st.text(max_size=4) | st.sampled_from(VOCABULARY)),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_queries_never_crash(
    graph_store: Store, seed: str, edits: list[tuple[int, int, str]]
) -> None:
    text = seed
    for at, cut, insert in edits:
        at %= len(text) + 1
        text = text[:at] + insert + text[at + cut :]
    run_or_explain(graph_store, text)


@FUZZ
@given(text=st.text(max_size=80))
def test_arbitrary_text_never_crashes(graph_store: Store, text: str) -> None:
    run_or_explain(graph_store, text)
