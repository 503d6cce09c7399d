"""What graph-aws does not own becomes a mapped entity (`_source: system-mapper`), as JupiterOne's
mapper makes them: the accounts, roles and users of other accounts that a role trusts, the service
principals, the Internet, address ranges, everyone."""

from __future__ import annotations

import json

from graph_aws.aws.resources.ec2.security_groups import (
    SECURITY_GROUPS,
    enrich_security_group,
    to_security_group,
)
from graph_aws.aws.resources.registry import Where, resource_step
from graph_aws.engine import JobState, StepContext, StepStatus

ACCOUNT = "123456789012"
OUTSIDE = "444455556666"


def by_key(result):
    return {e["_key"]: e for e in result.job_state.entities()}


def test_the_principals_a_role_trusts_outside_its_account_are_mapped(run_steps, client):
    iam = client("iam")
    own_user = iam.create_user(UserName="deployer")["User"]["Arn"]
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {
                    "AWS": [
                        OUTSIDE,
                        f"arn:aws:iam::{OUTSIDE}:role/ci",
                        f"arn:aws:iam::{OUTSIDE}:user/ops/robot",
                        f"arn:aws:iam::{ACCOUNT}:root",
                        own_user,
                    ],
                    "Service": "lambda.amazonaws.com",
                },
            }
        ]
    }
    role = iam.create_role(RoleName="cross", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]

    result = run_steps("fetch-iam-authorization-details", "fetch-account")
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)
    entities = by_key(result)
    account = entities[f"arn:aws:iam::{OUTSIDE}:root"]
    assert account["_source"] == "system-mapper" and account["_type"] == "aws_account"
    assert (account["accountId"], account["displayName"]) == (OUTSIDE, OUTSIDE)
    assert entities[f"arn:aws:iam::{OUTSIDE}:role/ci"]["_source"] == "system-mapper"
    robot = entities[f"arn:aws:iam::{OUTSIDE}:user/ops/robot"]
    assert (robot["_type"], robot["name"], robot["accountId"]) == ("aws_iam_user", "robot", OUTSIDE)
    assert entities[f"aws_service:{ACCOUNT}:lambda.amazonaws.com"]["_source"] == "system-mapper"
    # This account's own root and users are this job's: owned, not mapped.
    assert "_source" not in entities[f"arn:aws:iam::{ACCOUNT}:root"]
    assert "_source" not in entities[own_user]

    trusted = {r["_toEntityKey"] for r in result.job_state.relationships() if r["_fromEntityKey"] == role}
    assert trusted == {
        f"arn:aws:iam::{OUTSIDE}:root",
        f"arn:aws:iam::{OUTSIDE}:role/ci",
        f"arn:aws:iam::{OUTSIDE}:user/ops/robot",
        f"arn:aws:iam::{ACCOUNT}:root",
        own_user,
        f"aws_service:{ACCOUNT}:lambda.amazonaws.com",
    }
    # Mapped targets are not the step's own types (JupiterOne declares mapped relationships instead).
    roles_step = next(r for r in result.step_results if r.id == "fetch-iam-authorization-details")
    assert "aws_account" not in roles_step.encountered_types
    assert "aws_service" not in roles_step.declared_types


def test_a_rule_naming_a_group_of_another_account_maps_that_group():
    """moto refuses a peer group it does not hold, so this runs the step's enricher on AWS's shape."""
    raw = {
        "GroupId": "sg-0db",
        "GroupName": "db",
        "VpcId": "vpc-1",
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": "sg-0peer", "UserId": OUTSIDE}, {"GroupId": "sg-0app"}],
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    }
    where = Where(ACCOUNT, "aws", "us-east-1")
    context = StepContext(step=resource_step(SECURITY_GROUPS), job_state=JobState(), resources=None)
    group = context.job_state.add_entity(to_security_group(raw, where))
    enrich_security_group(context, None, where, raw, group)

    entities = {e["_key"]: e for e in context.job_state.entities()}
    peer = entities[f"arn:aws:ec2:us-east-1:{OUTSIDE}:security-group/sg-0peer"]
    assert peer["_source"] == "system-mapper" and peer["accountId"] == OUTSIDE
    assert entities["global:internet"]["_source"] == "system-mapper"
    # A group of this account is this account's own (its own step lists it): no mapped stand-in.
    assert f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/sg-0app" not in entities
    targets = {r["_toEntityKey"] for r in context.job_state.relationships() if r["_class"] == "ALLOWS"}
    assert {peer["_key"], "global:internet"} <= targets
