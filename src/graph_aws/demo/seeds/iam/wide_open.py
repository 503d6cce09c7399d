"""The management account's break-glass access: a user, a group and a role whose policies (one of
each kind: customer-managed, user, group and role inline) allow everything, everywhere, and deny it
all without MFA. So every kind of policy ALLOWS and DENIES every kind of service and resource the
demo holds (the collect tests check that every declared type is emitted), and JupiterOne's rules
on full-access policies have something to find. Also a role `Administrator` with AWS's
AdministratorAccess, the exception JupiterOne's CIS rule names."""

from __future__ import annotations

import json
from typing import Any

ALL_ARNS = "arn:aws:*:*:*:*"
STATEMENTS = [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Allow", "Action": "*", "Resource": ALL_ARNS},
    {
        "Effect": "Deny",
        "Action": "*",
        "Resource": ["*", ALL_ARNS],
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    },
]
BREAK_GLASS = "break-glass"


def seed(iam: Any, account_id: str) -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": STATEMENTS})
    account_root = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": account_id}}],
        }
    )
    iam.create_user(UserName=BREAK_GLASS)
    iam.put_user_policy(UserName=BREAK_GLASS, PolicyName=BREAK_GLASS, PolicyDocument=document)
    iam.create_group(GroupName=BREAK_GLASS)
    iam.put_group_policy(GroupName=BREAK_GLASS, PolicyName=BREAK_GLASS, PolicyDocument=document)
    iam.add_user_to_group(GroupName=BREAK_GLASS, UserName=BREAK_GLASS)
    iam.create_role(RoleName=BREAK_GLASS, AssumeRolePolicyDocument=account_root)
    iam.put_role_policy(RoleName=BREAK_GLASS, PolicyName=BREAK_GLASS, PolicyDocument=document)
    managed = iam.create_policy(PolicyName=BREAK_GLASS, PolicyDocument=document)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=BREAK_GLASS, PolicyArn=managed)
    iam.create_role(RoleName="Administrator", AssumeRolePolicyDocument=account_root)
    iam.attach_role_policy(RoleName="Administrator", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
