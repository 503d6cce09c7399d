"""J1QL answered from a real SQLite store: the reference examples and the whole surface, by rows."""

from __future__ import annotations

from typing import Any

import pytest

from graph_aws.errors import J1QLError
from graph_aws.query import run_query, translate
from graph_aws.store import Store

MGMT, DEV, LEGACY, SOLO = (f"arn:aws:iam::{n * 12}:root" for n in "1234")


def keys(store: Store, text: str) -> list[str]:
    result = run_query(store, text)
    assert result.kind == "entities"
    return sorted(row[0]["_key"] for row in result.rows)


def records(store: Store, text: str) -> list[Any]:
    return run_query(store, text).records()


# ------------------------------------------------------------------ the examples of the reference (§4.2)


def test_dashboard_management_accounts(graph_store: Store) -> None:
    rows = records(
        graph_store,
        "Find aws_account with master=true as a return a.accountId, a.displayName, a.description, a.email, "
        "a.mfaEnabled order by a.displayName",
    )
    assert rows == [
        {
            "a.accountId": "111111111111",
            "a.displayName": "mgmt",
            "a.description": "management",
            "a.email": "root@example.com",
            "a.mfaEnabled": True,
        }
    ]


def test_members_without_their_own_integration(graph_store: Store) -> None:
    text = (
        "Find aws_account with master=true that has aws_account with _source='system-mapper' as a "
        "return count(a) as value"
    )
    assert records(graph_store, text) == [{"value": 1}]


def test_integrated_members(graph_store: Store) -> None:
    text = "Find aws_account with _source!='system-mapper' and master!=true as a return count(a) as value"
    assert records(graph_store, text) == [{"value": 2}]  # dev (master=false) and solo (no master)


def test_accounts_not_in_an_organization(graph_store: Store) -> None:
    text = "FIND aws_account WITH _source != 'system-mapper' THAT !HAS aws_account WITH master = true"
    # dev has the management account; mgmt has only non-master members; solo has no one.
    assert keys(graph_store, text) == [MGMT, SOLO]


def test_accounts_without_contact_email(graph_store: Store) -> None:
    assert keys(graph_store, "Find aws_account with _source!='system-mapper' and email=undefined") == [SOLO]


def test_contact_persons(graph_store: Store) -> None:
    rows = records(
        graph_store,
        "Find aws_account with _source!='system-mapper' as account Return account.name, account.id, "
        "account.description, account.email, account.owner, account.phone",
    )
    by_name = {row["account.name"]: row for row in rows}
    assert sorted(by_name) == ["dev", "mgmt", "solo"]
    assert by_name["mgmt"]["account.owner"] == "platform" and by_name["dev"]["account.owner"] is None


def test_root_mfa_and_cloudtrail_queries(graph_store: Store) -> None:
    assert keys(graph_store, "Find aws_account with _source!='system-mapper' and mfaEnabled!=true") == [DEV]
    assert keys(graph_store, "Find aws_account that !HAS aws_cloudtrail") == [DEV, LEGACY, SOLO]


def test_cross_account_access_from_the_management_account(graph_store: Store) -> None:
    text = (
        "find aws_account with master=true that HAS aws_iam that HAS (User|AccessRole) as p "
        "(that ASSIGNED aws_iam_role as assigned)? that TRUSTS aws_iam_role "
        "that HAS aws_iam that HAS aws_account as member return member.name, p.name, assigned.name"
    )
    rows = {tuple(r.values()) for r in records(graph_store, text)}
    # alice is assigned admin, which trusts deploy (the next hop starts from the optional end);
    # admin and ops trust deploy themselves (no optional match: the hop starts from them); bob trusts no one.
    assert rows == {("dev", "alice", "admin"), ("dev", "admin", None), ("dev", "ops", None)}
    assert keys(graph_store, text.split(" return ")[0]) == [MGMT]


def test_cross_account_tree(graph_store: Store) -> None:
    text = (
        "Find aws_account that has aws_iam that has aws_iam_role as a that (trusts|assigned) "
        "(Account|AccessRole|User|UserGroup) as b where a.tag.AccountName!=b.tag.AccountName return tree"
    )
    tree = run_query(graph_store, text).tree
    assert tree is not None
    names = {v["name"] for v in tree["vertices"]}
    assert {"admin", "ops", "deploy", "mgmt", "dev"} <= names and "alice" not in names
    assert {e["_class"] for e in tree["edges"]} == {"HAS", "TRUSTS"}
    vertex_keys = {v["_key"] for v in tree["vertices"]}
    assert all(e["_fromEntityKey"] in vertex_keys and e["_toEntityKey"] in vertex_keys for e in tree["edges"])


# ------------------------------------------------------------------ the surface, one feature at a time


def test_find_class_type_any_and_alternatives(graph_store: Store) -> None:
    assert len(keys(graph_store, "FIND Account")) == 4
    assert len(keys(graph_store, "FIND (User|aws_iam_role)")) == 5
    assert len(keys(graph_store, "FIND *")) == 12


def test_unknown_type_class_or_property_matches_nothing(graph_store: Store) -> None:
    assert keys(graph_store, "FIND aws_nothing") == []
    assert keys(graph_store, "FIND Nothing") == []
    assert keys(graph_store, "FIND aws_account WITH noSuchProperty = 'x'") == []
    assert len(keys(graph_store, "FIND aws_account WITH noSuchProperty = undefined")) == 4


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("name = 'alice'", ["alice"]),
        ("name = 'Alice'", []),  # comparisons are case-sensitive
        ("name != 'alice'", ["bob"]),
        ("loginCount > 5", ["alice"]),
        ("loginCount >= 3", ["alice", "bob"]),
        ("loginCount < 12", ["bob"]),
        ("loginCount <= 12", ["alice", "bob"]),
        ("name ~= 'li'", ["alice"]),
        ("name ^= 'bo'", ["bob"]),
        ("name $= 'ce'", ["alice"]),
        ("name !~= 'li'", ["bob"]),
        ("mfaEnabled = true", ["bob"]),
        ("mfaEnabled = false", ["alice"]),
        ("[tag.AccountName] = 'mgmt'", ["alice"]),
        ("tag.AccountName != undefined", ["alice"]),
        ("name = ('alice' or 'carol')", ["alice"]),
        ("name != ('alice' and 'carol')", ["alice", "bob"]),  # De Morgan: NOT (= alice AND = carol)
        ("name != ('alice' or 'carol')", ["bob"]),
        ("NOT (name = 'alice' OR loginCount > 100)", ["bob"]),
        ("_class = 'User' AND _type = 'aws_iam_user' AND _key $= 'bob'", ["bob"]),
        ("loginCount = '12'", []),  # a string is not a number
        ("name > 5", []),
    ],
)
def test_with_filters(graph_store: Store, condition: str, expected: list[str]) -> None:
    rows = records(graph_store, f"FIND aws_iam_user WITH {condition} AS u RETURN u.name ORDER BY u.name")
    assert [r["u.name"] for r in rows] == expected


def test_relative_dates(graph_store: Store) -> None:
    # The trail was created in September 2020.
    assert len(keys(graph_store, "FIND aws_cloudtrail WITH createdOn < date.now - 30days")) == 1
    assert keys(graph_store, "FIND aws_cloudtrail WITH createdOn > date.now - 1 year") == []
    assert len(keys(graph_store, "FIND aws_cloudtrail WITH createdOn < date.now + 1day")) == 1


def test_traversal_is_bidirectional_unless_an_arrow_fixes_it(graph_store: Store) -> None:
    assert keys(graph_store, "FIND aws_account THAT HAS aws_account") == [MGMT, DEV, LEGACY]
    assert keys(graph_store, "FIND aws_account THAT HAS >> aws_account") == [MGMT]
    assert keys(graph_store, "FIND aws_account THAT HAS << aws_account") == [DEV, LEGACY]


def test_verbs_match_without_regard_to_case_and_relates_to_matches_any(graph_store: Store) -> None:
    assert keys(graph_store, "FIND aws_iam_user THAT assigned aws_iam_role") == [
        "arn:aws:iam::111111111111:user/alice"
    ]
    assert len(keys(graph_store, "FIND aws_iam_role THAT (TRUSTS|ASSIGNED) *")) == 3
    assert len(keys(graph_store, "FIND aws_iam_role THAT RELATES TO aws_iam_user")) == 1
    assert keys(graph_store, "FIND aws_iam_user THAT !ASSIGNED aws_iam_role") == [
        "arn:aws:iam::111111111111:user/bob"
    ]


def test_relationship_alias_and_where(graph_store: Store) -> None:
    rows = records(
        graph_store,
        "FIND aws_iam_role AS src THAT TRUSTS >> AS t aws_iam_role AS dst "
        "WHERE t.crossAccount = true AND src.name != 'ops' RETURN src.name, t._class, dst.name",
    )
    assert rows == [{"src.name": "admin", "t._class": "TRUSTS", "dst.name": "deploy"}]


def test_return_star_order_skip_limit(graph_store: Store) -> None:
    rows = records(graph_store, "FIND aws_account AS a RETURN a.* ORDER BY a.name DESC SKIP 1 LIMIT 2")
    assert [r["a"]["name"] for r in rows] == ["mgmt", "legacy"]
    assert [
        e["name"] for e in records(graph_store, "FIND aws_account ORDER BY aws_account.name LIMIT 1")
    ] == ["dev"]


def test_one_row_per_path(graph_store: Store) -> None:
    rows = records(
        graph_store,
        "FIND aws_account AS m THAT HAS >> aws_account AS s RETURN m.name, s.name ORDER BY s.name",
    )
    assert rows == [{"m.name": "mgmt", "s.name": "dev"}, {"m.name": "mgmt", "s.name": "legacy"}]


def test_aggregates_group_by_the_plain_items(graph_store: Store) -> None:
    rows = records(
        graph_store,
        "FIND aws_iam AS i THAT HAS aws_iam_user AS u RETURN i.name, count(u) AS users, "
        "sum(u.loginCount) AS logins, min(u.loginCount), max(u.loginCount), avg(u.loginCount)",
    )
    assert rows == [
        {
            "i.name": "IAM mgmt",
            "users": 2,
            "logins": 15,
            "min(u.loginCount)": 3,
            "max(u.loginCount)": 12,
            "avg(u.loginCount)": 7.5,
        }
    ]
    ordered = records(
        graph_store, "FIND aws_account AS a THAT HAS * AS x RETURN a.name, count(x) AS n ORDER BY n DESC"
    )
    assert ordered[0] == {"a.name": "mgmt", "n": 4}
    assert records(graph_store, "FIND aws_nothing AS n RETURN count(n) AS c") == [{"c": 0}]


def test_optional_hop_keeps_entities_without_it(graph_store: Store) -> None:
    rows = records(
        graph_store,
        "FIND aws_iam_user AS u (THAT ASSIGNED aws_iam_role AS r)? RETURN u.name, r.name ORDER BY u.name",
    )
    assert rows == [{"u.name": "alice", "r.name": "admin"}, {"u.name": "bob", "r.name": None}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FIND aws_account AS a RETURN b.name", "unknown alias 'b'"),
        ("FIND aws_account THAT !HAS aws_iam AS i RETURN i.name", "negated traversal"),
        ("FIND aws_account AS a THAT HAS aws_iam AS a", "used twice"),
        ("FIND aws_account AS a RETURN count(a) ORDER BY a.name", "order by a returned column"),
        ("FIND aws_account AS a RETURN a.name ORDER BY nothing", "not a returned column"),
    ],
)
def test_queries_that_cannot_be_answered_say_why(graph_store: Store, text: str, message: str) -> None:
    with pytest.raises(J1QLError, match=message):
        run_query(graph_store, text)


def test_values_are_bound_parameters_never_sql_text() -> None:
    compiled = translate("FIND aws_account WITH name = 'x' AND [tag.Owner] = 5 THAT HAS aws_iam LIMIT 3")
    for value in ("'x'", "tag.Owner", "aws_account", "aws_iam", "HAS"):
        assert value not in compiled.sql
    # LIMIT 3 asks the store for 4 rows: a fourth says that more follow.
    assert "x" in compiled.params and '$."tag.Owner"' in compiled.params and 4 in compiled.params
