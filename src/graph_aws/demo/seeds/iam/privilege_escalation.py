"""Who can rewrite a policy (iam:CreatePolicyVersion, the first of JupiterOne's privilege-escalation
rules): one user directly, one through a group, one through a role that trusts them; and two who
cannot: a read-only auditor, and an operator allowed iam:* but denied policy versions in the same
policy (the Deny is honoured: the policy graph expands iam:* and leaves those actions out).

And one user for each of the pack's other paths: an IAM administrator (AWS's IAMFullAccess), a role
tamperer (changes roles' policies and trust, and assumes roles), a workload deployer (Lambda code
and configuration, Glue dev endpoints, CodeStar projects, ECS tasks)."""

from __future__ import annotations

import json
from typing import Any

ESCALATES_DIRECTLY = "escalate-directly"
ESCALATES_THROUGH_GROUP = "escalate-through-group"
ESCALATES_THROUGH_ROLE = "escalate-through-role"
READ_ONLY = "read-only-auditor"
DENIED_VERSIONS = "iam-operator"
IAM_ADMINISTRATOR = "iam-administrator"
ROLE_TAMPERER = "role-tamperer"
WORKLOAD_DEPLOYER = "workload-deployer"
ESCALATING_USERS = (ESCALATES_DIRECTLY, ESCALATES_THROUGH_GROUP, ESCALATES_THROUGH_ROLE)
OTHER_PATHS = (IAM_ADMINISTRATOR, ROLE_TAMPERER, WORKLOAD_DEPLOYER)
NOT_ESCALATING_USERS = (READ_ONLY, DENIED_VERSIONS)

EDIT_POLICIES = {
    "Effect": "Allow",
    "Action": ["iam:CreatePolicyVersion", "iam:GetPolicy", "iam:ListPolicyVersions"],
    "Resource": "*",
}


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def seed(iam: Any, account_id: str) -> None:
    for name in (*ESCALATING_USERS, *NOT_ESCALATING_USERS, *OTHER_PATHS):
        iam.create_user(UserName=name, Tags=[{"Key": "seeded-for", "Value": "privilege-escalation"}])

    iam.put_user_policy(
        UserName=ESCALATES_DIRECTLY, PolicyName="edit-policies", PolicyDocument=_document(EDIT_POLICIES)
    )

    managed = iam.create_policy(PolicyName="edit-policies", PolicyDocument=_document(EDIT_POLICIES))
    iam.create_group(GroupName="policy-editors")
    iam.attach_group_policy(GroupName="policy-editors", PolicyArn=managed["Policy"]["Arn"])
    iam.add_user_to_group(GroupName="policy-editors", UserName=ESCALATES_THROUGH_GROUP)

    user_arn = f"arn:aws:iam::{account_id}:user/{ESCALATES_THROUGH_ROLE}"
    trust = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": user_arn}}
    iam.create_role(RoleName="policy-editor", AssumeRolePolicyDocument=_document(trust))
    iam.put_role_policy(
        RoleName="policy-editor", PolicyName="edit-policies", PolicyDocument=_document(EDIT_POLICIES)
    )

    iam.attach_user_policy(UserName=READ_ONLY, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    iam.put_user_policy(
        UserName=DENIED_VERSIONS,
        PolicyName="operate-iam",
        PolicyDocument=_document(
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"],
                "Resource": "*",
            },
        ),
    )

    iam.attach_user_policy(UserName=IAM_ADMINISTRATOR, PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    iam.put_user_policy(
        UserName=ROLE_TAMPERER,
        PolicyName="tamper-with-roles",
        PolicyDocument=_document(
            {
                "Effect": "Allow",
                "Action": [
                    "iam:AttachRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:PutRolePolicy",
                    "iam:DeleteRolePolicy",
                    "iam:UpdateAssumeRolePolicy",
                    "sts:AssumeRole",
                ],
                "Resource": "*",
            }
        ),
    )
    deploy = iam.create_policy(
        PolicyName="deploy-workloads",
        PolicyDocument=_document(
            {
                "Effect": "Allow",
                "Action": [
                    "lambda:CreateFunction",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                    "glue:UpdateDevEndpoint",
                    "codestar:*",
                    "ecs:RunTask",
                ],
                "Resource": "*",
            }
        ),
    )
    iam.attach_user_policy(UserName=WORKLOAD_DEPLOYER, PolicyArn=deploy["Policy"]["Arn"])
