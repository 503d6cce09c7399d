"""The CloudFormation template deployed into moto as a service-managed StackSet over the whole
organization, then a full collect with the role it created: every account is ingested, and every
call graph-aws makes in a member is one the template's policies allow, and the other way round,
every action they allow is one a fully seeded collect calls (the permissions are exact).

moto does not evaluate IAM policies here (it assumes any role, and its policy enforcement misnames
several services' actions), so the test reads the deployed role's policies back from moto's IAM and
matches each call's IAM action against them itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.handlers
import pytest

from graph_aws.commands_permissions import account_actions
from graph_aws.config import load_settings
from graph_aws.demo.emulator import EmulatedOrganization, build_organization, member_client, patch_moto
from graph_aws.runner import Runner, RunReport
from graph_aws.store import SqliteStore
from helpers import EXTERNAL_ID, FAKE_CREDENTIALS
from test_security_audit import allowed_by

TEMPLATE = Path(__file__).resolve().parent.parent / "deploy/cloudformation/graph-aws-member-role.json"
ROLE_NAME = "graph-aws"  # the template's default
STACK_SET = "graph-aws-member-role"

# A few APIs' IAM actions are not "<signing name>:<operation>" (Service Authorization Reference).
PREFIX = {"monitoring": "cloudwatch"}
S3_ACTIONS = {
    "ListBuckets": "ListAllMyBuckets",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "GetBucketReplication": "GetReplicationConfiguration",
    "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
}
NOT_AUTHORIZED = {"sts:GetCallerIdentity"}  # every identity may call it


def iam_action(operation: Any) -> str:
    prefix = PREFIX.get(operation.service_model.signing_name, operation.service_model.signing_name)
    if prefix == "apigateway":  # API Gateway's actions are the HTTP methods
        return f"apigateway:{operation.http['method']}"
    if prefix == "s3":
        return f"s3:{S3_ACTIONS.get(operation.name, operation.name)}"
    return f"{prefix}:{operation.name}"


@dataclass
class Deployed:
    org: EmulatedOrganization
    report: RunReport
    calls: dict[str, set[str]]  # account id -> IAM actions of the calls made as that account
    roles: dict[str, dict[str, Any]]  # member id -> the deployed role and its policy documents


def deploy_stack_set(org: EmulatedOrganization) -> None:
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack_set(
        StackSetName=STACK_SET,
        TemplateBody=TEMPLATE.read_text(),
        Parameters=[
            {"ParameterKey": "ManagementAccountId", "ParameterValue": org.management_id},
            {"ParameterKey": "ExternalId", "ParameterValue": EXTERNAL_ID},
        ],
        PermissionModel="SERVICE_MANAGED",
        AutoDeployment={"Enabled": True, "RetainStacksOnAccountRemoval": False},
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    root = boto3.client("organizations", region_name="us-east-1").list_roots()["Roots"][0]["Id"]
    # AWS deploys to every OU under the root; moto goes one level down, so Engineering's OUs
    # (Platform, Data) need a second call.
    for unit in (root, org.ous["Engineering"]):
        cloudformation.create_stack_instances(
            StackSetName=STACK_SET,
            DeploymentTargets={"OrganizationalUnitIds": [unit]},
            Regions=["us-east-1"],
        )


def deployed_role(account_id: str) -> dict[str, Any]:
    iam = member_client("iam", account_id)
    role = iam.get_role(RoleName=ROLE_NAME)["Role"]
    documents = []
    for attached in iam.list_attached_role_policies(RoleName=ROLE_NAME)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])
        documents.append(version["PolicyVersion"]["Document"])
    inline = iam.list_role_policies(RoleName=ROLE_NAME)["PolicyNames"]
    return {"role": role, "documents": documents, "inline": inline}


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> Iterator[Deployed]:
    from moto import mock_aws
    from moto.iam.models import get_account_id_from

    patch_moto()
    calls: dict[str, set[str]] = defaultdict(set)

    def record(model: Any, request_signer: Any, **_: Any) -> None:
        credentials = request_signer._credentials  # the identity the call is signed as
        calls[get_account_id_from(credentials.access_key)].add(iam_action(model))

    entry = ("before-call.*.*", record)
    with pytest.MonkeyPatch.context() as env, mock_aws():
        for name, value in FAKE_CREDENTIALS.items():
            env.setenv(name, value)
        org = build_organization(4, users_per_account=1, resource_regions=["us-east-1"])
        deploy_stack_set(org)
        collected = [m for m in org.members if m not in (org.skipped, org.suspended)]
        roles = {member: deployed_role(member) for member in collected}
        store = SqliteStore(tmp_path_factory.mktemp("deployed") / "graph.db")
        settings = {
            "organization": True,
            "role_name": ROLE_NAME,
            "external_id": EXTERNAL_ID,
            "regions": ["us-east-1"],
            "workers": 1,  # moto, and the handler below, answer in this process only
        }
        botocore.handlers.BUILTIN_HANDLERS.append(entry)
        try:
            report = Runner(load_settings(settings, None, {}), store).run()
        finally:
            botocore.handlers.BUILTIN_HANDLERS.remove(entry)
            store.close()
        yield Deployed(org, report, dict(calls), roles)


def test_every_member_gets_the_role_trusting_the_management_account_with_the_external_id(deployed):
    for member, deployed_role in deployed.roles.items():
        role = deployed_role["role"]
        assert role["Arn"] == f"arn:aws:iam::{member}:role/{ROLE_NAME}"
        (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"AWS": f"arn:aws:iam::{deployed.org.management_id}:root"}
        assert trust["Action"] == "sts:AssumeRole"
        assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}
        granted = [a for d in deployed_role["documents"] for s in d["Statement"] for a in s["Action"]]
        assert granted == account_actions() and deployed_role["inline"] == []


def test_collect_with_the_deployed_role_ingests_every_member_in_full(deployed):
    from moto.sts.models import sts_backends

    assert deployed.report.succeeded, deployed.report.failures
    outcomes = {o.account_id: o.outcome for o in deployed.report.outcomes}
    for member in deployed.roles:
        assert outcomes[member] == "ingested"
        assumed = [
            (r.role_arn, r.external_id)
            for r in sts_backends[member]["aws"].assumed_roles
            if "emulator" not in r.session_name
        ]
        assert assumed == [(f"arn:aws:iam::{member}:role/{ROLE_NAME}", EXTERNAL_ID)]


def test_every_call_in_a_member_is_allowed_by_the_policies_the_template_attached(deployed):
    for member, deployed_role in deployed.roles.items():
        called = deployed.calls[member] - NOT_AUTHORIZED
        assert called, f"nothing was called in {member}"
        for action in sorted(called):
            assert any(allowed_by(d, action) for d in deployed_role["documents"]), (
                f"{action} was called in {member} but the template does not grant it: "
                "declare it on its step, then regenerate the templates"
            )


def test_every_action_the_template_grants_is_called_by_a_fully_seeded_collect(deployed):
    called = set().union(*(deployed.calls[member] for member in deployed.roles))
    unused = sorted(set(account_actions()) - called)
    assert unused == [], f"declared but never called (drop them, or seed what makes them called): {unused}"
