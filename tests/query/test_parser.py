"""J1QL text -> AST: the surface of the language, and syntax errors users can act on."""

from __future__ import annotations

import pytest

from graph_aws.errors import GraphAwsError, J1QLError, J1QLSyntaxError
from graph_aws.query.ast import (
    UNDEFINED,
    BoolOp,
    Comparison,
    Hop,
    OptionalHops,
    Property,
    RefComparison,
    RelativeDate,
    ValueSet,
)
from graph_aws.query.parser import parse

REFERENCE_EXAMPLES = [
    "Find aws_account with master=true as a return a.accountId, a.displayName, a.description, a.email, "
    "a.mfaEnabled order by a.displayName",
    "Find aws_account with master=true that has aws_account with _source='system-mapper' as a "
    "return count(a) as value",
    "Find aws_account with _source!='system-mapper' and master!=true as a return count(a) as value",
    "FIND aws_account WITH _source != 'system-mapper' THAT !HAS aws_account WITH master = true",
    "Find aws_account with _source!='system-mapper' and email=undefined",
    "Find aws_account with _source!='system-mapper' as account Return account.name, account.id, "
    "account.description, account.email, account.owner, account.phone",
    "Find aws_account with _source!='system-mapper' and mfaEnabled!=true",
    "Find aws_account that !HAS aws_cloudtrail",
    "find aws_account with master=true that HAS aws_iam that HAS (User|AccessRole) "
    "(that ASSIGNED aws_iam_role)? that TRUSTS aws_iam_role that HAS aws_iam that HAS aws_account",
    "Find aws_account that has aws_iam that has aws_iam_role as a that (trusts|assigned) "
    "(Account|AccessRole|User|UserGroup) as b where a.tag.AccountName!=b.tag.AccountName return tree",
]


@pytest.mark.parametrize("text", REFERENCE_EXAMPLES)
def test_every_reference_example_parses(text: str) -> None:
    assert parse(text).find.target.names


def test_keywords_ignore_case_but_names_keep_it() -> None:
    lower = parse("find Host with Name = 'x' that has aws_x return count(Host) as N")
    upper = parse("FIND Host WITH Name = 'x' THAT HAS aws_x RETURN COUNT(Host) AS N")
    assert lower == upper
    assert lower.find.target.classes == ("Host",)
    assert lower.find.filter == Comparison(Property("Name"), "=", "x")


def test_class_type_any_and_alternatives() -> None:
    query = parse("FIND (User|aws_iam_role) THAT HAS *")
    assert query.find.target.classes == ("User",) and query.find.target.types == ("aws_iam_role",)
    hop = query.steps[0]
    assert isinstance(hop, Hop) and hop.node.target.names == ()


def test_with_operators_values_and_precedence() -> None:
    query = parse(
        "FIND * WITH a ~= 'x' AND b ^= \"y\" OR NOT c $= 'z' AND d >= 1.5 AND e < -2 "
        "AND f = false AND g != undefined AND [tag.Cost-Center] = 'cc'"
    )
    assert isinstance(query.find.filter, BoolOp) and query.find.filter.op == "or"
    text = repr(query.find.filter)
    for fragment in ("'~='", "'^='", "'$='", "1.5", "-2", "False", "undefined", "tag.Cost-Center"):
        assert fragment in text


def test_shorthand_any_of_and_all_of() -> None:
    assert parse("FIND * WITH x = ('a' or 'b')").find.filter == Comparison(
        Property("x"), "=", ValueSet(("a", "b"), "any")
    )
    assert parse("FIND * WITH x != ('a' and 'b')").find.filter == Comparison(
        Property("x"), "!=", ValueSet(("a", "b"), "all")
    )
    # The one-value shorthand is the value itself.
    assert parse("FIND * WITH x ~= ('a')").find.filter == Comparison(Property("x"), "~=", "a")


def test_relative_dates() -> None:
    minus = parse("FIND * WITH createdOn < date.now - 7days").find.filter
    plus = parse("FIND * WITH expiresOn < date.now + 30 days").find.filter
    assert isinstance(minus, Comparison) and minus.value == RelativeDate(-7 * 86_400_000)
    assert isinstance(plus, Comparison) and plus.value == RelativeDate(30 * 86_400_000)
    assert parse("FIND * WITH x > date.now").find.filter == Comparison(Property("x"), ">", RelativeDate(0))


def test_traversal_direction_negation_relates_to_and_aliases() -> None:
    query = parse("FIND Firewall AS fw THAT !ALLOWS << as rule * AS src THAT RELATES TO >> Host")
    first, second = query.steps
    assert isinstance(first, Hop) and isinstance(second, Hop)
    assert (first.verbs, first.negated, first.direction, first.rel_alias) == (("ALLOWS",), True, "in", "rule")
    assert first.node.alias == "src"
    assert (second.verbs, second.direction) == ((), "out")


def test_optional_hops_and_verb_alternatives() -> None:
    query = parse("FIND User (THAT (assigned|Has) aws_iam_role)? THAT TRUSTS *")
    optional = query.steps[0]
    assert isinstance(optional, OptionalHops) and optional.hops[0].verbs == ("ASSIGNED", "HAS")


def test_where_return_order_skip_limit() -> None:
    query = parse(
        "FIND aws_account AS a THAT HAS aws_account AS b WHERE a.[tag.Cost-Center] != b.owner AND a.x = 1 "
        "RETURN a.name AS account, b.*, max(b.size) ORDER BY account DESC, a.name SKIP 5 LIMIT 10"
    )
    assert isinstance(query.where, BoolOp)
    assert query.where.items[0] == RefComparison(
        Property("tag.Cost-Center", "a"), "!=", Property("owner", "b")
    )
    assert [item.column for item in query.returns] == ["account", "b", "max(b.size)"]
    assert [(o.ref.alias, o.ref.name, o.descending) for o in query.order] == [
        ("account", "", True),
        ("a", "name", False),
    ]
    assert (query.skip, query.limit) == (5, 10)


def test_property_names_that_spell_keywords_still_parse_where_a_name_is_expected() -> None:
    query = parse("FIND * WITH to = 1 AND count = 2 AND tree = undefined")
    assert "Property(name='to'" in repr(query.find.filter)
    assert isinstance(query.find.filter, BoolOp)
    assert query.find.filter.items[-1] == Comparison(Property("tree"), "=", UNDEFINED)


@pytest.mark.parametrize(
    ("text", "column", "expected"),
    [
        ("FIND", 5, "a name"),
        ("FIND aws_account WTH x = 1", 18, "WITH"),
        ("FIND aws_account WITH x == 1", 26, "a quoted string"),
        ("FIND aws_account THAT", 22, "RELATES"),
        ("FIND aws_account RETURN", 24, "TREE"),
    ],
)
def test_syntax_errors_show_the_query_a_caret_and_what_was_expected(
    text: str, column: int, expected: str
) -> None:
    with pytest.raises(J1QLSyntaxError) as caught:
        parse(text)
    message = str(caught.value)
    first, query_line, caret_line = message.splitlines()
    assert f"column {column}" in first and expected in first
    assert query_line.strip() == text
    assert caret_line.index("^") == query_line.index(text) + column - 1
    assert isinstance(caught.value, GraphAwsError)


def test_multi_line_query_error_points_at_its_line() -> None:
    with pytest.raises(J1QLSyntaxError) as caught:
        parse("FIND aws_account\n  WITH x = 1\n  THAT ? aws_iam")
    assert "line 3, column 8" in str(caught.value)
    assert "  THAT ? aws_iam" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FIND x LIMIT 1.5", "whole number"),
        ("FIND x AS a WITH y = 1 AS b", "two aliases"),
        ("FIND x (THAT !HAS y)?", "cannot be optional"),
    ],
)
def test_misused_clauses_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(J1QLError, match=message):
        parse(text)
