"""Every J1QL construct the rule packs use, with query texts of our own, answered from a real store.

The graph: four users who reach IAM permissions in the four ways the privilege-escalation pack
walks (a policy of their own, a group's, a role that trusts them, none), alarms for full-text
search, security-group rules, two access keys of one user (duplicate rows for UNIQUE), 300 buckets
(J1's page of 250).
"""

from __future__ import annotations

from typing import Any

import pytest

from backends import Backend
from graph_aws.errors import J1QLError
from graph_aws.model import make_entity, make_relationship
from graph_aws.query import run_query
from graph_aws.store import Store

ACCOUNT = "111111111111"


def entity(type_: str, name: str, classes: list[str], **props: Any) -> dict[str, Any]:
    return make_entity(
        key=f"arn:aws:test::{ACCOUNT}:{type_}/{name}",
        type=type_,
        classes=classes,
        name=name,
        properties={"accountId": ACCOUNT, **props},
    )


def build() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    iam = entity("aws_iam", "iam", ["Service"])
    users = {
        n: entity("aws_iam_user", n, ["User"], username=n, mfaEnabled=n != "alice")
        for n in ("alice", "bob", "carol", "dave")
    }
    group = entity("aws_iam_group", "ops", ["UserGroup"])
    role = entity("aws_iam_role", "admin", ["AccessRole"])
    policies = {
        n: entity("aws_iam_policy", n, ["AccessPolicy"]) for n in ("alice-own", "ops-group", "admin-role")
    }
    alarms = [
        entity("aws_cloudwatch_metric_alarm", "console-signin-without-MFA", ["Alert"], metric="ConsoleLogin"),
        entity("aws_cloudwatch_metric_alarm", "root-usage", ["Alert"], metric="RootAccountUsage"),
        entity("aws_cloudwatch_metric_alarm", "config-changes", ["Alert"], description="AWS Config changes"),
        entity("aws_sns_topic", "mfa alerts", ["Channel"], description="console mfa"),
    ]
    sg = entity("aws_security_group", "web", ["Firewall"], groupId="sg-0123abcd")
    internet = make_entity(key="global:internet", type="internet", classes=["Internet"], name="Internet")
    keys = [
        entity(
            "aws_iam_access_key", f"key{i}", ["AccessKey"], status="Active", createdOn=1_500_000_000_000 + i
        )
        for i in (1, 2)
    ]
    buckets = [entity("aws_s3_bucket", f"bucket-{i:03}", ["DataStore"], size=i) for i in range(300)]

    def rel(a: dict[str, Any], verb: str, b: dict[str, Any], **props: Any) -> dict[str, Any]:
        return make_relationship(from_entity=a, to_entity=b, verb=verb, properties=props)

    def allows(policy: str, actions: list[str], resources: list[str]) -> dict[str, Any]:
        # make_relationship keeps relationships to single values, as JupiterOne's schema wants; lists
        # on edges can still reach a store (an upload through serve), and J1QL must read them.
        normalized = [a.lower() for a in actions]
        return {
            **rel(policies[policy], "ALLOWS", iam),
            "actions": actions,
            "normalizedActions": normalized,
            "resources": resources,
        }

    relationships = [
        *(rel(iam, "HAS", u) for u in users.values()),
        rel(users["alice"], "ASSIGNED", policies["alice-own"]),
        rel(group, "HAS", users["bob"]),
        rel(group, "ASSIGNED", policies["ops-group"]),
        rel(role, "TRUSTS", users["carol"]),
        rel(role, "ASSIGNED", policies["admin-role"]),
        allows("alice-own", ["iam:CreatePolicyVersion"], ["*"]),
        allows("ops-group", ["iam:CreateAccessKey"], ["arn:aws:iam::111111111111:user/dave"]),
        allows("admin-role", ["iam:*"], ["*"]),
        rel(sg, "ALLOWS", internet, ingress=True, fromPort=22, toPort=22, ipProtocol="tcp"),
        rel(internet, "ALLOWS", sg, ingress=False, fromPort=443, toPort=443, ipProtocol="tcp"),
        *(rel(users["dave"], "HAS", k) for k in keys),
    ]
    return [
        iam,
        *users.values(),
        group,
        role,
        *policies.values(),
        *alarms,
        sg,
        internet,
        *keys,
        *buckets,
    ], relationships


@pytest.fixture(scope="module")
def store(module_backend: Backend) -> Store:
    db = module_backend.open()
    entities, relationships = build()
    db.sync_scope(f"account:{ACCOUNT}", entities, relationships)
    return db


def names(store: Store, text: str, **kwargs: Any) -> list[str]:
    result = run_query(store, text, **kwargs)
    return sorted(row[0]["name"] for row in result.rows)


def rows(store: Store, text: str, **kwargs: Any) -> list[Any]:
    return run_query(store, text, **kwargs).records()


# ------------------------------------------------------------------ full-text search


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The type is one of the values; every word must match; case does not matter.
        ('FIND "aws_cloudwatch_metric_alarm console mfa"', ["console-signin-without-MFA"]),
        ('FIND "CONSOLE mfa"', ["console-signin-without-MFA", "mfa alerts"]),
        ('Find "AWS Config" with _type = "aws_cloudwatch_metric_alarm"', ["config-changes"]),
        ('"sg-0123abcd"', ["web"]),  # FIND is optional before a search; a phrase of tokens
        ('FIND "sg-0123"', []),  # words are whole tokens, not prefixes
        ('FIND "mfa nothing-like-this"', []),
        ("FIND 'rootaccountusage'", ["root-usage"]),
    ],
)
def test_full_text_search(store: Store, text: str, expected: list[str]) -> None:
    assert names(store, text) == expected


def test_full_text_does_not_run_across_two_values(store: Store) -> None:
    # alice's displayName, name and username are all "alice": a phrase cannot span two values.
    assert names(store, 'FIND "alice-alice"') == []
    assert names(store, 'FIND "alice alice"') == ["alice", "alice-own"]  # two words, each in a value
    assert names(store, 'FIND "alice" WITH _type = "aws_iam_user"') == ["alice"]


def test_full_text_without_a_word_is_a_clear_error(store: Store) -> None:
    with pytest.raises(J1QLError, match="no word to look for"):
        run_query(store, 'FIND "-- ::"')


def test_full_text_index_follows_updates_and_deletes(backend: Backend) -> None:
    db = backend.open()
    first = entity("aws_thing", "one", ["Resource"], note="blue")
    db.sync_scope("account:1", [first], [])
    assert names(db, 'FIND "blue"') == ["one"]
    db.sync_scope("account:1", [{**first, "note": "green"}], [])
    assert names(db, 'FIND "blue"') == [] and names(db, 'FIND "green"') == ["one"]
    db.sync_scope("account:1", [], [])
    assert names(db, 'FIND "green"') == []
    db.close()


def test_a_store_written_before_the_index_is_indexed_when_opened(backend: Backend) -> None:
    db = backend.open()
    db.sync_scope("account:1", [entity("aws_thing", "old_one", ["Resource"], note="legacy")], [])
    db.close()
    # What the previous version left: no index, and the schema version before it (store/schema.py).
    backend.raw("DROP TABLE entity_text")
    backend.raw("UPDATE meta SET value = '2' WHERE name = 'schema_version'")
    reopened = backend.open()
    assert names(reopened, 'FIND "old_one"') == ["old_one"] and names(reopened, 'FIND "old"') == []
    assert names(reopened, 'FIND "legacy"') == ["old_one"]
    reopened.close()


# ------------------------------------------------------------------ UNIQUE, quoted column names


def test_unique_drops_duplicate_rows(store: Store) -> None:
    text = "FIND {} aws_iam_user AS u THAT HAS aws_iam_access_key AS k RETURN u.name, k.status"
    assert rows(store, text.format("")) == [{"u.name": "dave", "k.status": "Active"}] * 2
    assert rows(store, text.format("UNIQUE")) == [{"u.name": "dave", "k.status": "Active"}]


def test_quoted_column_names(store: Store) -> None:
    text = "FIND aws_security_group AS sg RETURN sg.accountId AS \"AWS Account ID\", sg.name AS 'Group'"
    assert rows(store, text + ' ORDER BY "AWS Account ID"') == [{"AWS Account ID": ACCOUNT, "Group": "web"}]


# ------------------------------------------------------------------ shorthand, regular expressions


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("username ~= ('li')", ["alice"]),  # one value in parentheses
        ("username = ('alice' OR 'bob')", ["alice", "bob"]),
        ("username != ('alice' OR 'bob')", ["carol", "dave"]),  # De Morgan: neither
        ("username ~= ('a' AND 'e')", ["alice", "dave"]),
        ("username !~= ('a' AND 'e')", ["bob", "carol"]),  # not both
        ("username = /^?/".replace("^?", "AR"), []),  # case-sensitive without i
        ("username = /ar/i", ["carol"]),
        ("username ~= /[a-c]o/", ["bob"]),
        ("username ^= /d\\w+/", ["dave"]),
        ("username $= /e/", ["alice", "dave"]),
        ("username != /a/", ["bob"]),
        ("username = ('carol' OR /^?/)".replace("^?", "bo"), ["bob", "carol"]),
        ("nothing != (undefined AND '')", ["alice", "bob", "carol", "dave"]),  # never both
        ("nothing = (undefined OR 'x')", ["alice", "bob", "carol", "dave"]),
        ("username = (undefined OR 'bob')", ["bob"]),
    ],
)
def test_shorthand_and_regular_expressions(store: Store, condition: str, expected: list[str]) -> None:
    assert names(store, f"FIND aws_iam_user WITH {condition}") == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FIND aws_iam_user WITH name = /(a|b)/", "groups and alternation are not supported"),
        ("FIND aws_iam_user WITH name = /^a/", "anchors are not supported"),
        ("FIND aws_iam_user WITH name = /a/g", "only regular expression flag is i"),
        ("FIND aws_iam_user WITH name = /[a/", "not a valid regular expression"),
        ("FIND aws_iam_user WITH name > /a/", "a regular expression compares with"),
        ("FIND aws_iam_user WITH name = /\\bx/", "not supported"),
    ],
)
def test_regular_expressions_outside_j1s_subset_say_so(store: Store, text: str, message: str) -> None:
    with pytest.raises(J1QLError, match=message):
        run_query(store, text)


# ------------------------------------------------------------------ parameters, dates, comments


def test_parameters_are_values_given_when_the_query_runs(store: Store) -> None:
    text = "FIND aws_iam_user WITH username = {{who}} OR username = ${ param.other }"
    assert names(store, text, params={"who": "alice", "other": "bob"}) == ["alice", "bob"]
    assert names(store, "FIND aws_iam_user WITH username = {{who}}", params={"who": ["carol", "dave"]}) == [
        "carol",
        "dave",
    ]
    assert names(store, "FIND aws_iam_user WITH username = {{who}}", params={"who": "x' OR '1'='1"}) == []
    with pytest.raises(J1QLError, match=r"--param who=VALUE"):
        run_query(store, "FIND aws_iam_user WITH username = {{who}}")


def test_static_dates_and_comments(store: Store) -> None:
    text = "FIND aws_iam_access_key /* keys */ WITH createdOn > date(2017-07-14T02:40:00Z) /* one ms */"
    assert names(store, text) == ["key1", "key2"]
    assert names(store, "FIND aws_iam_access_key WITH createdOn > date(2017-07-14T02:40:00.001Z)") == ["key2"]
    with pytest.raises(J1QLError, match="not an ISO 8601 date"):
        run_query(store, "FIND aws_iam_access_key WITH createdOn > date(2017-13-01)")


# ------------------------------------------------------------------ smart classes


def test_critical_asset_has_j1s_default_definition(backend: Backend) -> None:
    db = backend.open()
    host = make_entity(
        key="arn:aws:ec2:::instance/i-1",
        type="aws_instance",
        classes=["Host"],
        name="db-host",
        properties={"classification": "critical"},
        tags={"Production": "true"},
    )
    other = make_entity(
        key="arn:aws:ec2:::instance/i-2",
        type="aws_instance",
        classes=["Host"],
        name="test-host",
        properties={"classification": "critical"},
        tags={"Production": "false"},
    )
    db.sync_scope("account:1", [host, other], [])
    assert names(db, "FIND #CriticalAsset") == ["db-host"]
    assert names(db, "FIND #CriticalAsset", smart_classes={"CriticalAsset": "FIND Host"}) == [
        "db-host",
        "test-host",
    ]
    db.close()


def test_smart_classes_come_from_their_definitions(store: Store) -> None:
    smart = {
        "Weak": "FIND aws_iam_user WITH mfaEnabled != true",
        "Admins": "FIND User THAT ASSIGNED #Policy",
        "Policy": "FIND aws_iam_policy WITH name = 'alice-own'",
    }
    assert names(store, "FIND #Weak", smart_classes=smart) == ["alice"]
    assert names(store, "FIND #Admins", smart_classes=smart) == ["alice"]
    assert names(store, "FIND aws_iam THAT HAS #Weak", smart_classes=smart) == ["iam"]
    assert names(store, "FIND (#Weak|aws_iam_group)", smart_classes=smart) == ["alice", "ops"]
    assert names(store, "FIND #Weak User", smart_classes=smart) == ["alice"]
    assert names(store, "FIND #Weak AccessRole", smart_classes=smart) == []
    assert names(store, "FIND #Unknown", smart_classes=smart) == []  # an unknown one matches nothing
    with pytest.raises(J1QLError, match="defined with itself"):
        run_query(store, "FIND #Loop", smart_classes={"Loop": "FIND * THAT HAS #Loop"})
    with pytest.raises(J1QLError, match="without RETURN"):
        run_query(store, "FIND #Bad", smart_classes={"Bad": "FIND * AS x RETURN x.name"})


# ------------------------------------------------------------------ verbs, relationship WITH


def test_to_after_a_verb_is_a_filler_word(store: Store) -> None:
    plain = names(store, "FIND aws_security_group THAT ALLOWS *")
    assert plain == ["web"] and names(store, "FIND aws_security_group THAT ALLOWS TO *") == plain
    assert names(store, "FIND aws_iam_user THAT !ASSIGNED TO *") == ["bob", "carol", "dave"]


def test_relationship_with_filters_the_relationship(store: Store) -> None:
    assert names(store, "FIND aws_security_group THAT ALLOWS WITH ingress = true Internet") == ["web"]
    assert names(store, "FIND aws_security_group THAT ALLOWS AS r WITH fromPort = 443 Internet") == ["web"]
    assert names(store, "FIND aws_security_group THAT ALLOWS WITH fromPort = 80 Internet") == []
    assert names(store, "FIND aws_security_group THAT !ALLOWS WITH fromPort = 80 Internet") == ["web"]
    # The verb names the relationship when it has no alias, as in J1's WHERE ASSIGNED.x.
    assert rows(
        store,
        "FIND aws_security_group THAT ALLOWS >> Internet WHERE ALLOWS.toPort = 22 RETURN ALLOWS.fromPort",
    ) == [{"ALLOWS.fromPort": 22}]


# ------------------------------------------------------------------ alias against alias, every comparator


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("p.resources = u.username", []),
        ("p.resources != u.username", ["alice", "bob", "carol"]),
        ("p.resources ~= u.username", []),
        ("p.resources !~= u.username", ["alice", "bob", "carol"]),
        ("p.resources ^= 'arn:' AND p.resources $= 'dave'", ["bob"]),
        ("p.resources !^= 'arn:'", ["alice", "carol"]),
        ("p.normalizedActions ~= ('iam:createpolicyversion' OR 'iam:*')", ["alice", "carol"]),
        ("u.username < p.resources", []),  # text order: "*" and "arn:..." sort before the names
        ("u.username > p.resources", ["alice", "bob", "carol"]),
        ("u.username >= u.username AND u.username <= u.username", ["alice", "bob", "carol"]),
    ],
)
def test_comparisons_between_aliases(store: Store, condition: str, expected: list[str]) -> None:
    text = (
        "FIND aws_iam_user AS u (THAT HAS aws_iam_group)? (THAT TRUSTS << aws_iam_role)? "
        f"THAT ASSIGNED AccessPolicy THAT ALLOWS AS p aws_iam WHERE {condition} RETURN u.username"
    )
    assert sorted({r["u.username"] for r in rows(store, text)}) == expected


# ------------------------------------------------------------------ optional traversals


def test_optional_groups_go_on_from_the_combined_results(store: Store) -> None:
    # The privilege-escalation shape: each user reaches a policy in its own way, dave in none.
    text = (
        "FIND User (THAT HAS aws_iam_group)? (THAT ASSIGNED aws_iam_role)? (THAT TRUSTS << aws_iam_role)? "
        "THAT ASSIGNED AccessPolicy THAT ALLOWS AS perm aws_iam WHERE perm.normalizedActions ~= {}"
    )
    assert names(store, text.format("('iam:createpolicyversion' OR 'iam:*')")) == ["alice", "carol"]
    assert names(store, text.format("'iam:createaccesskey'")) == ["bob"]
    assert names(store, text.format("'iam:'")) == ["alice", "bob", "carol"]


def test_optional_groups_in_every_position(store: Store) -> None:
    # After WITH, trailing (rows keep the unmatched), aliased (the union set), inside a RETURN.
    assert names(
        store, "FIND aws_iam_user WITH mfaEnabled = true (THAT HAS aws_iam_group)? THAT ASSIGNED *"
    ) == ["bob"]
    trailing = rows(
        store,
        "FIND aws_iam_user AS u (THAT ASSIGNED aws_iam_policy AS p)? RETURN u.name, p.name ORDER BY u.name",
    )
    assert trailing == [
        {"u.name": "alice", "p.name": "alice-own"},
        {"u.name": "bob", "p.name": None},
        {"u.name": "carol", "p.name": None},
        {"u.name": "dave", "p.name": None},
    ]
    either = rows(
        store, "FIND aws_iam_user WITH name = 'bob' (THAT HAS aws_iam_group)? AS who RETURN who.name"
    )
    assert sorted(r["who.name"] for r in either) == ["bob", "ops"]
    lambda_shape = rows(
        store,
        "FIND aws_iam AS i THAT HAS aws_iam_user AS u (THAT (ASSIGNED|ALLOWS) AS perm aws_iam_policy)? "
        "WHERE perm._class = 'ASSIGNED' RETURN u.name",
    )
    assert lambda_shape == [{"u.name": "alice"}]


# ------------------------------------------------------------------ J1's page of 250 rows


def test_a_query_without_limit_returns_j1s_page_of_250(store: Store) -> None:
    first = run_query(store, "FIND aws_s3_bucket AS b ORDER BY b.name")
    assert (len(first.rows), first.limit, first.skip, first.more) == (250, 250, 0, True)
    second = run_query(store, "FIND aws_s3_bucket AS b ORDER BY b.name SKIP 250")
    assert (len(second.rows), second.more) == (50, False)
    assert second.rows[0][0]["name"] == "bucket-250"
    exact = run_query(store, "FIND aws_s3_bucket LIMIT 300")
    assert (len(exact.rows), exact.more) == (300, False)
    everything = run_query(store, "FIND aws_s3_bucket", page_size=None)
    assert (len(everything.rows), everything.limit, everything.more) == (300, None, False)
    counted = rows(store, "FIND aws_s3_bucket AS b RETURN count(b) AS n, sum(b.size) AS total")
    assert counted == [{"n": 300, "total": sum(range(300))}]
