"""JupiterOne's privilege-escalation questions, answered on a seeded account: who can rewrite a policy
(directly, through a group, through a role that trusts them), and who cannot.

The first test writes the question in J1QL here. The second runs the published pack itself
(mitre-attck-aws-privilege-escalation-attack-paths.json) from GRAPH_AWS_RULEPACKS (default
/work/rulepacks, outside the repository: the packs are JupiterOne's and are not copied here); it is
skipped where the pack is not on the machine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from graph_aws.config import load_settings
from graph_aws.demo.emulator import patch_moto
from graph_aws.demo.seeds import seed_account
from graph_aws.demo.seeds.iam import privilege_escalation as seeded
from graph_aws.query import run_query
from graph_aws.runner import Runner
from graph_aws.store import SqliteStore
from helpers import FAKE_CREDENTIALS

PACK = Path(os.environ.get("GRAPH_AWS_RULEPACKS", "/work/rulepacks")) / (
    "mitre-attck-aws-privilege-escalation-attack-paths.json"
)
PATH_TO_IAM = """
FIND User
  (THAT HAS aws_iam_group)?
  (THAT ASSIGNED aws_iam_role)?
  (THAT TRUSTS << aws_iam_role)?
  THAT ASSIGNED AccessPolicy
  THAT ALLOWS AS perm aws_iam
WHERE perm.normalizedActions ~= ('iam:createpolicyversion' OR 'iam:*')
"""

IAM_ADMINS = {seeded.IAM_ADMINISTRATOR, seeded.DENIED_VERSIONS}  # iam:*, and iam:* less policy versions
ROLE_TAMPERER = {seeded.ROLE_TAMPERER}  # the pack's role rules also want sts:AssumeRole on the same edge
DEPLOYER = {seeded.WORKLOAD_DEPLOYER}
EXPECTED = {
    "aws-ability-to-create-a-new-policy-version": {*seeded.ESCALATING_USERS, seeded.IAM_ADMINISTRATOR},
    "aws-ability-to-change-the-default-policy-version-to-an-prior-version": {seeded.IAM_ADMINISTRATOR},
    "aws-ability-to-create-a-user-access-key-for-another-user": IAM_ADMINS,
    "aws-ability-to-create-a-new-login-profile": IAM_ADMINS,
    "aws-ability-to-update-an-existing-login-profile": IAM_ADMINS,
    "aws-ability-to-attach-a-policy-to-a-user": IAM_ADMINS,
    "aws-ability-to-attach-a-policy-to-a-group": IAM_ADMINS,
    "aws-ability-to-attach-a-policy-to-a-role": ROLE_TAMPERER,
    "aws-ability-to-create-or-update-an-inline-policy-for-a-user": IAM_ADMINS,
    "aws-ability-to-create-or-update-an-inline-policy-for-a-group": IAM_ADMINS,
    "aws-ability-to-create-or-update-an-inline-policy-for-a-role": ROLE_TAMPERER,
    "aws-ability-to-add-a-user-to-a-group": IAM_ADMINS,
    "aws-ability-to-update-the-assumerolepolicydocument-of-a-role": ROLE_TAMPERER,
    "aws-ability-to-update-the-code-of-an-existing-lambda-function": DEPLOYER,
    "aws-ability-to-update-an-existing-glue-dev-endpoint": DEPLOYER,
    "aws-ability-to-create-a-codestar-project-and-associate-as-project-owner": DEPLOYER,
    "aws-ability-to-remove-permissions-boundary-from-a-role": IAM_ADMINS,
    "aws-ability-to-delete-an-inline-policy-from-a-role": ROLE_TAMPERER,
    "aws-ability-to-delete-an-inline-policy-from-a-user": IAM_ADMINS,
    "aws-ability-to-remove-a-managed-policy-from-a-user": IAM_ADMINS,
    "aws-ability-to-update-a-permissions-boundary-attached-to-a-user": IAM_ADMINS,
    "aws-ability-to-modify-an-existing-lambda-functions-configuration": DEPLOYER,
    "aws-ability-to-remove-a-managed-policy-from-a-role": ROLE_TAMPERER,
    "aws-ability-to-update-a-permissions-boundary-attached-to-a-role": IAM_ADMINS,
    # Lambda functions ASSIGNED or ALLOWS their role: graph-aws links them with HAS (the Lambda step).
    "aws-high-privilege-lambda-function-wildcard": set(),
    "aws-high-privilege-lambda-function-lambda:*": set(),
    # Actions nobody seeded is granted (and `lambda:get-policy` names no action AWS has).
    "aws-high-privilege-lambda-function-get-policy": set(),
    "aws-high-privilege-lambda-function-get-function": set(),
    "aws-high-privilege-lambda-function-get-function-configuration": set(),
    "aws-high-privilege-lambda-function-list-functions": set(),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Iterator[SqliteStore]:
    """One account, seeded as the demo seeds it, collected by the real Runner."""
    from moto import mock_aws

    patch_moto()
    with pytest.MonkeyPatch.context() as env, mock_aws():
        for name, value in FAKE_CREDENTIALS.items():
            env.setenv(name, value)
        env.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        account = boto3.client("sts", region_name="us-east-1").get_caller_identity()["Account"]
        seed_account(
            lambda service, region: boto3.client(service, region_name=region), account, ["us-east-1"]
        )
        db = SqliteStore(tmp_path_factory.mktemp("escalation") / "graph.db")
        report = Runner(load_settings({"regions": ["us-east-1"]}, None, {}), db).run()
        assert report.succeeded, report.failures
        yield db
        db.close()


def users_found(store: SqliteStore, query: str) -> set[str]:
    return {row[0]["name"] for row in run_query(store, query).rows}


def test_who_can_create_a_policy_version_directly_through_a_group_or_through_a_role(store):
    found = users_found(store, PATH_TO_IAM)
    assert set(seeded.ESCALATING_USERS) <= found
    assert not set(seeded.NOT_ESCALATING_USERS) & found  # read-only, and iam:* less a Deny
    assert found == {*seeded.ESCALATING_USERS, seeded.IAM_ADMINISTRATOR}
    # Through the role: the role TRUSTS the user, and the role's policy ALLOWS aws_iam.
    through_role = users_found(
        store,
        "FIND User AS u THAT TRUSTS << aws_iam_role THAT ASSIGNED AccessPolicy THAT ALLOWS AS perm aws_iam "
        "WHERE perm.normalizedActions ~= 'iam:createpolicyversion'",
    )
    assert through_role == {seeded.ESCALATES_THROUGH_ROLE}


def test_the_edge_a_rule_reads_holds_strings_not_lists(store):
    rows = run_query(
        store,
        "FIND aws_iam_user WITH username = 'role-tamperer' THAT ASSIGNED AccessPolicy "
        "THAT ALLOWS AS perm aws_iam RETURN perm.normalizedActions, perm.actions, perm.resources, "
        "perm.permission, perm.admin, perm.effect",
    ).rows
    assert rows == [
        (
            "iam:attachrolepolicy, iam:detachrolepolicy, iam:putrolepolicy, iam:deleterolepolicy, "
            "iam:updateassumerolepolicy, sts:assumerole",
            "iam:AttachRolePolicy, iam:DetachRolePolicy, iam:PutRolePolicy, iam:DeleteRolePolicy, "
            "iam:UpdateAssumeRolePolicy, sts:AssumeRole",
            "*",
            "ADMIN",
            False,
            "Allow",
        )
    ]


def _pack_rules() -> list[tuple[str, str]]:
    if not PACK.exists():
        return []
    return [(rule["name"], q["query"]) for rule in json.loads(PACK.read_text()) for q in rule["queries"]]


@pytest.mark.skipif(not PACK.exists(), reason=f"JupiterOne's privilege-escalation pack is not at {PACK}")
@pytest.mark.parametrize(("rule", "query"), _pack_rules(), ids=[name for name, _ in _pack_rules()])
def test_jupiterones_privilege_escalation_pack(store, rule, query):
    rows = run_query(store, query).rows
    found = {row[0]["name"] for row in rows} if "FIND User" in query else {str(r) for r in rows}
    assert found == EXPECTED[rule]
