"""IAM (global, seeded once): the first user (or a new one) with a console password, an access key,
an MFA device and policies; a group holding them; roles trusting a user, a role, another account and
a service; a customer-managed policy; the account password policy."""

from __future__ import annotations

import json
from collections.abc import Mapping

from graph_aws.demo.seeds import ClientFactory

OTHER_ACCOUNT = "111122223333"


def _document(statement: Mapping[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    iam = client("iam", regions[0] if regions else "us-east-1")
    read_logs = _document({"Effect": "Allow", "Action": "logs:Get*", "Resource": "*"})
    policy_arn = iam.create_policy(
        PolicyName="read-buckets",
        PolicyDocument=_document({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}),
    )["Policy"]["Arn"]

    # The account's first user gets the credentials, so seeding adds no user to those the emulator made.
    existing = iam.list_users(MaxItems=1)["Users"]
    user = existing[0] if existing else iam.create_user(UserName="alice")["User"]
    name, user_arn = user["UserName"], user["Arn"]
    iam.create_login_profile(UserName=name, Password="Seeded-password-1")
    iam.create_access_key(UserName=name)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName=name,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
    iam.put_user_policy(UserName=name, PolicyName="read-logs", PolicyDocument=read_logs)

    iam.create_group(GroupName="developers")
    iam.add_user_to_group(GroupName="developers", UserName=name)
    iam.attach_group_policy(GroupName="developers", PolicyArn=policy_arn)
    iam.put_group_policy(GroupName="developers", PolicyName="read-logs", PolicyDocument=read_logs)

    deployer_arn = f"arn:aws:iam::{account_id}:role/seed-deployer"
    trust = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"AWS": [user_arn, OTHER_ACCOUNT], "Service": "codebuild.amazonaws.com"},
    }
    iam.create_role(RoleName="seed-deployer", AssumeRolePolicyDocument=_document(trust))
    iam.create_role(
        RoleName="seed-app",
        AssumeRolePolicyDocument=_document(
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": deployer_arn, "Service": "ec2.amazonaws.com"},
            }
        ),
    )
    iam.attach_role_policy(RoleName="seed-app", PolicyArn=policy_arn)
    iam.put_role_policy(RoleName="seed-app", PolicyName="read-logs", PolicyDocument=read_logs)

    iam.update_account_password_policy(
        MinimumPasswordLength=14,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        MaxPasswordAge=90,
        PasswordReusePrevention=24,
    )
