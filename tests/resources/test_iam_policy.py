"""Policy documents read as IAM reads them, and what each statement grants on which target."""

from __future__ import annotations

import json

import pytest

from graph_aws.aws.iam_policy import catalog
from graph_aws.aws.iam_policy.documents import statements
from graph_aws.aws.iam_policy.grants import Target, grants
from graph_aws.aws.iam_policy.patterns import action_matches, arn_matches, covers_service

ACCOUNT = "123456789012"
SERVICES = [Target(f"aws_{s}:{ACCOUNT}", f"aws_{s}", s) for s in ("iam", "s3", "sts", "glue", "lambda")]
THE_ACCOUNT = Target(f"arn:aws:iam::{ACCOUNT}:root", "aws_account", None)
ROLES = [
    Target(arn, "aws_iam_role", "iam", arn)
    for arn in (f"arn:aws:iam::{ACCOUNT}:role/app-1", f"arn:aws:iam::{ACCOUNT}:role/ops")
]
BUCKET = Target("arn:aws:s3:::assets", "aws_s3_bucket", "s3", "arn:aws:s3:::assets")


def granted(*statement, resources=(), effect="Allow"):
    """{target key: grant} of the statements of one effect in a document made of these statements."""
    found = grants(
        statements({"Statement": list(statement)}),
        SERVICES,
        THE_ACCOUNT,
        [*ROLES, BUCKET, *resources],
        ACCOUNT,
    )
    by_target: dict[str, object] = {}
    for grant in (g for g in found if g.statement.effect == effect):
        assert grant.target.key not in by_target, "one grant per statement and target"
        by_target[grant.target.key] = grant
    return by_target


def service(name):
    return f"aws_{name}:{ACCOUNT}"


def test_statements_are_read_in_every_shape_iam_accepts():
    document = json.dumps(
        {
            "Statement": {
                "Sid": "One",
                "Effect": "Allow",
                "NotAction": "iam:*",
                "NotResource": ["arn:aws:s3:::secret", 7],
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            }
        }
    )
    (statement,) = statements(document)
    assert statement.effect == "Allow" and statement.sid == "One"
    assert statement.not_action and statement.actions == ("iam:*",)
    assert statement.not_resource and statement.resources == ("arn:aws:s3:::secret",)
    assert statement.conditional and not statement.on_everything
    # What IAM would refuse is left out rather than guessed at.
    assert statements({"Statement": [{"Effect": "Maybe", "Action": "*"}, {"Effect": "Allow"}, "x"]}) == []
    assert statements("not json") == [] and statements(None) == []


def test_action_wildcards_ignore_case_and_arn_wildcards_stay_in_their_segment():
    assert action_matches("IAM:Create*", "iam:CreatePolicyVersion")
    assert action_matches("iam:?etUser", "iam:GetUser") and not action_matches("iam:Get", "iam:GetUser")
    assert arn_matches("arn:aws:iam::*:role/app*", f"arn:aws:iam::{ACCOUNT}:role/app-1")
    assert arn_matches("arn:aws:iam::*:user/${aws:username}", f"arn:aws:iam::{ACCOUNT}:user/alice")
    assert not arn_matches("arn:aws:s3:::assets/*", "arn:aws:s3:::assets")  # objects, not the bucket
    assert not arn_matches("arn:aws:*", "arn:aws:s3:::assets")  # not an ARN pattern: matches nothing
    assert not arn_matches("arn:aws:lambda:us-*:*:function:x", "arn:aws:lambda:eu-west-1:1:function:x")
    assert covers_service("arn:aws:iam::*:*", "iam", ACCOUNT)
    assert not covers_service("arn:aws:iam::210987654321:*", "iam", ACCOUNT)  # another account's
    assert not covers_service("arn:aws:iam::*:role/*", "iam", ACCOUNT)  # only some of IAM


def test_the_catalog_gives_access_levels_as_permissions():
    iam = catalog.service_actions("iam")
    assert iam["getuser"].permission == catalog.READ and iam["listusers"].permission == catalog.READ
    assert iam["createaccesskey"].permission == catalog.WRITE and iam["tagrole"].permission == catalog.WRITE
    assert iam["createpolicyversion"].permission == catalog.ADMIN
    assert "iam" in catalog.service_actions("sts")["assumerole"].resource_services
    assert catalog.service_actions("../../etc") == {} and catalog.service_actions("nosuchservice") == {}


def test_each_service_edge_lists_the_actions_that_act_on_that_service():
    found = granted(
        {
            "Effect": "Allow",
            "Action": ["iam:CreatePolicyVersion", "sts:AssumeRole", "s3:Get*"],
            "Resource": "*",
        }
    )
    assert set(found) == {service("iam"), service("sts"), service("s3")}  # no glue, no lambda, no account
    iam = found[service("iam")]
    # sts:AssumeRole acts on IAM roles, so the IAM edge lists it too (JupiterOne's rules AND them there).
    assert iam.actions == ("iam:CreatePolicyVersion", "sts:AssumeRole")
    assert iam.normalized == ("iam:createpolicyversion", "sts:assumerole")
    assert iam.permission == catalog.ADMIN and iam.admin is False
    assert found[service("sts")].normalized == ("sts:assumerole",)
    assert found[service("s3")].normalized == ("s3:get*",) and found[service("s3")].permission == catalog.READ


def test_everything_on_everything_is_full_control_of_the_account_and_each_service():
    found = granted({"Effect": "Allow", "Action": "*", "Resource": "*"})
    assert set(found) == {*(t.key for t in SERVICES), THE_ACCOUNT.key}
    assert all(
        g.permission == catalog.FULL_CONTROL and g.admin and g.normalized == ("*",) for g in found.values()
    )
    admin = granted({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})[service("iam")]
    assert admin.admin is True and admin.permission == catalog.ADMIN
    scoped = granted({"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::*:*"})[service("iam")]
    assert scoped.admin is False  # admin is `*` or `<service>:*` on Resource "*"


def test_a_deny_in_the_same_policy_takes_its_actions_away():
    found = granted(
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:CreatePolicyVersion", "Resource": "*"},
    )
    (iam,) = found.values()
    assert "iam:createpolicyversion" not in iam.normalized and "iam:*" not in iam.normalized
    assert "iam:createpolicy" in iam.normalized and "iam:passrole" in iam.normalized
    assert len(iam.normalized) == len(catalog.service_actions("iam")) - 1
    assert iam.admin is False and iam.permission == catalog.ADMIN
    whole = (
        {"Effect": "Allow", "Action": ["iam:Get*", "s3:GetObject"], "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
    )
    assert set(granted(*whole)) == {service("s3")}  # nothing of IAM is left to allow
    assert granted(*whole)[service("s3")].normalized == ("s3:getobject",)
    assert set(granted(*whole, effect="Deny")) == {service("iam")}


def test_the_deny_statements_themselves_are_grants_with_their_effect():
    statements_ = [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*", "Condition": {"Bool": {"x": "y"}}},
    ]
    found = grants(statements({"Statement": statements_}), SERVICES, THE_ACCOUNT, [], ACCOUNT)
    denies = [g for g in found if g.statement.effect == "Deny"]
    assert [(g.target.key, g.normalized) for g in denies] == [(service("s3"), ("s3:deletebucket",))]
    # A conditional Deny takes nothing away: it may not apply.
    assert {g.target.key for g in found if g.statement.effect == "Allow"} == {
        *(t.key for t in SERVICES),
        THE_ACCOUNT.key,
    }


def test_not_action_allows_the_rest_of_each_service():
    found = granted({"Effect": "Allow", "NotAction": ["iam:*", "s3:Delete*"], "Resource": "*"})
    assert service("iam") not in found and THE_ACCOUNT.key not in found
    s3 = found[service("s3")]
    assert s3.actions == () and "s3:getobject" in s3.normalized
    assert not any(a.startswith("s3:delete") for a in s3.normalized)
    assert found[service("glue")].normalized == ("glue:*",) and found[service("glue")].admin is True


def test_resources_named_by_arn_are_targets_and_not_resource_grants_only_the_service():
    found = granted(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::{ACCOUNT}:role/app*"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "kms:Decrypt"], "Resource": ["arn:aws:s3:::assets"]},
    )
    assert set(found) == {ROLES[0].key, BUCKET.key}
    assert found[BUCKET.key].normalized == ("s3:getobject",)  # kms:Decrypt does not act on a bucket
    everywhere_but = granted(
        {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::assets"}
    )
    assert set(everywhere_but) == {service("s3")}


@pytest.mark.parametrize("action", ["newservice:DoThing", "s3:NotYetDocumented"])
def test_actions_the_catalog_does_not_list_count_as_writes(action):
    targets = [*SERVICES, Target(service("newservice"), "aws_newservice", "newservice")]
    (grant,) = grants(
        statements({"Statement": {"Effect": "Allow", "Action": action, "Resource": "*"}}),
        targets,
        None,
        [],
        ACCOUNT,
    )
    assert grant.permission == catalog.WRITE
