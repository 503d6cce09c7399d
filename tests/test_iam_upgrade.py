"""A store written by the previous version (principals HAS their policies, group CONTAINS user, the
account HAS the password policy, inline policies keyed `<owner>:inline-policy/<name>`) is read, and
the next collect replaces those edges and keys with JupiterOne's."""

from __future__ import annotations

import json

from graph_aws.config import load_settings
from graph_aws.model import make_entity, make_relationship
from graph_aws.runner import Runner
from graph_aws.store import SqliteStore, account_scope

ACCOUNT = "123456789012"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
GROUP = f"arn:aws:iam::{ACCOUNT}:group/admins"
POLICY = f"arn:aws:iam::{ACCOUNT}:policy/read"
OLD_INLINE = f"{USER}:inline-policy/inline"
PASSWORD_POLICY = f"arn:aws:iam::{ACCOUNT}:account-password-policy"
ACCOUNT_KEY = f"arn:aws:iam::{ACCOUNT}:root"
ALLOW_S3 = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
)
OLD_TYPES = {
    "aws_iam_group_contains_user",
    "aws_iam_user_has_policy",
    "aws_iam_group_has_policy",
    "aws_account_has_iam_account_password_policy",
}


def previous_versions_objects():
    """What the previous version stored for this account (its converters' shapes and verbs)."""

    def entity(key, type, classes, name, **properties):
        return make_entity(key=key, type=type, classes=classes, name=name, properties=properties)

    user = entity(USER, "aws_iam_user", ["User"], "alice", arn=USER, username="alice", accountId=ACCOUNT)
    group = entity(GROUP, "aws_iam_group", ["UserGroup"], "admins", arn=GROUP, accountId=ACCOUNT)
    policy = entity(POLICY, "aws_iam_policy", ["AccessPolicy"], "read", arn=POLICY, vendorManaged=False)
    inline = entity(OLD_INLINE, "aws_iam_user_policy", ["AccessPolicy"], "inline", policyOwner=USER)
    password = entity(
        PASSWORD_POLICY, "aws_iam_account_password_policy", ["PasswordPolicy"], "Account Password Policy"
    )
    relationships = [
        make_relationship(from_entity=group, verb="CONTAINS", to_entity=user),
        make_relationship(from_entity=user, verb="HAS", to_entity=policy),
        make_relationship(from_entity=user, verb="HAS", to_entity=inline),
        make_relationship(from_entity=group, verb="HAS", to_entity=policy),
        make_relationship(from_type="aws_account", from_key=ACCOUNT_KEY, verb="HAS", to_entity=password),
    ]
    return [user, group, policy, inline, password], relationships


def test_the_next_collect_replaces_the_previous_versions_edges(mock_aws, tmp_path):
    import boto3

    db = tmp_path / "graph.db"
    old = SqliteStore(db)
    entities, relationships = previous_versions_objects()
    old.sync_scope(account_scope(ACCOUNT), entities, relationships)
    old.close()

    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="admins")
    iam.add_user_to_group(GroupName="admins", UserName="alice")
    iam.create_policy(PolicyName="read", PolicyDocument=ALLOW_S3)
    iam.attach_user_policy(UserName="alice", PolicyArn=POLICY)
    iam.attach_group_policy(GroupName="admins", PolicyArn=POLICY)
    iam.put_user_policy(UserName="alice", PolicyName="inline", PolicyDocument=ALLOW_S3)
    iam.update_account_password_policy(MinimumPasswordLength=14)

    store = SqliteStore(db)  # the previous version's file opens as it is
    try:
        assert {r["_type"] for r in store.relationships()} == OLD_TYPES
        report = Runner(load_settings({"regions": ["us-east-1"]}, None, {}), store).run()
        assert report.succeeded, report.failures

        types = {r["_type"] for r in store.relationships()}
        assert not OLD_TYPES & types
        pairs = {(r["_type"], r["_fromEntityKey"], r["_toEntityKey"]) for r in store.relationships()}
        assert ("aws_iam_group_has_user", GROUP, USER) in pairs
        assert ("aws_iam_user_assigned_policy", USER, POLICY) in pairs
        assert ("aws_iam_user_assigned_policy", USER, f"{USER}/inline") in pairs
        assert ("aws_iam_group_assigned_policy", GROUP, POLICY) in pairs
        assert ("aws_iam_has_account_password_policy", f"aws_iam:{ACCOUNT}", PASSWORD_POLICY) in pairs
        keys = {e["_key"] for e in store.entities("aws_iam_user_policy")}
        assert keys == {f"{USER}/inline"}  # the old inline key is gone with its edges
        assert report.counts.deleted >= len(OLD_TYPES) + 1
    finally:
        store.close()
