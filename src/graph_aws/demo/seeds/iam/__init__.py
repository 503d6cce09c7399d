"""IAM (global, seeded once per account).

- The account's first user (or a new one) with a console password, an access key, an MFA device and
  policies; a group holding them (with AWS's CloudShell policy, which the CIS rules flag) and one
  holding nobody; roles trusting a user, a role, another account and a service; a customer-managed
  policy; a support role (AWSSupportAccess); an OIDC and a SAML provider, each trusted by a role; an
  instance profile given to the EC2 seed's instance in the first region (iam runs after ec2: seeds
  run in name order), not in the others; the password policy: strong, weak or none, by account.
- Privilege escalation (privilege_escalation.py): users who can create a policy version directly,
  through a group and through a role, and one who cannot.
- The management account only: a break-glass user, group and role whose policies allow and deny
  everything, so every kind of policy reaches every kind of service and resource (wide_open.py).
- Members: OrganizationAccountAccessRole gets the inline AdministratorAccess policy AWS gives it,
  and a role trusts the management account's break-glass role.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.iam import privilege_escalation, wide_open

OTHER_ACCOUNT = "111122223333"
MEMBER_ROLE = "OrganizationAccountAccessRole"
AWS_POLICY = "arn:aws:iam::aws:policy/"
EC2_TRUST = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}
# IAM wants at least 1,000 characters: an identity provider's metadata with a (made-up) certificate.
SAML_METADATA = (
    '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://www.okta.com/demo">'
    '<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
    '<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data>'
    f"<X509Certificate>MIIDpDCCAoygAwIBAgIGAV{'Q' * 900}</X509Certificate>"
    "</X509Data></KeyInfo></KeyDescriptor>"
    '<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
    'Location="https://demo.okta.com/app/amazon_aws/sso/saml"/>'
    "</IDPSSODescriptor></EntityDescriptor>"
)


def document(*statements: Mapping[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    iam = client("iam", regions[0] if regions else "us-east-1")
    _people(iam, account_id)
    _password_policy(iam, account_id)
    privilege_escalation.seed(iam, account_id)
    _providers(iam, account_id)
    _instance_profile(iam, client, regions[:1])
    management = _management_account(client, account_id)
    if management == account_id:
        wide_open.seed(iam, account_id)
        return
    if _has_role(iam, MEMBER_ROLE):
        iam.put_role_policy(
            RoleName=MEMBER_ROLE,
            PolicyName="AdministratorAccess",
            PolicyDocument=document({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        )
    # CIS: who reaches member accounts from the management account.
    from_management = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{management}:role/{wide_open.BREAK_GLASS}"},
    }
    iam.create_role(RoleName="seed-from-management", AssumeRolePolicyDocument=document(from_management))
    iam.attach_role_policy(RoleName="seed-from-management", PolicyArn=f"{AWS_POLICY}PowerUserAccess")


def _people(iam: Any, account_id: str) -> None:
    read_logs = document({"Effect": "Allow", "Action": "logs:Get*", "Resource": "*"})
    policy_arn = iam.create_policy(
        PolicyName="read-buckets",
        PolicyDocument=document({"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}),
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
    iam.attach_group_policy(GroupName="developers", PolicyArn=f"{AWS_POLICY}AWSCloudShellFullAccess")
    iam.put_group_policy(GroupName="developers", PolicyName="read-logs", PolicyDocument=read_logs)

    deployer_arn = f"arn:aws:iam::{account_id}:role/seed-deployer"
    trust = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"AWS": [user_arn, OTHER_ACCOUNT], "Service": "codebuild.amazonaws.com"},
    }
    iam.create_role(RoleName="seed-deployer", AssumeRolePolicyDocument=document(trust))
    iam.create_role(
        RoleName="seed-app",
        AssumeRolePolicyDocument=document(
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": deployer_arn, "Service": "ec2.amazonaws.com"},
            }
        ),
    )
    iam.attach_role_policy(RoleName="seed-app", PolicyArn=policy_arn)
    iam.put_role_policy(RoleName="seed-app", PolicyName="read-logs", PolicyDocument=read_logs)

    # CIS 1.17: a role to manage incidents with AWS Support.
    account_root = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": account_id}}
    iam.create_role(RoleName="seed-support", AssumeRolePolicyDocument=document(account_root))
    iam.attach_role_policy(RoleName="seed-support", PolicyArn=f"{AWS_POLICY}AWSSupportAccess")

    iam.create_group(GroupName="seed-nobody")  # AWS Config's iam-group-has-users-check flags it


def _password_policy(iam: Any, account_id: str) -> None:
    """Strong in most accounts (the management account's included), weak in a third, none in a third."""
    kind = int(account_id) % 3
    if kind == 1:
        return
    strong = kind == 0
    iam.update_account_password_policy(
        MinimumPasswordLength=14 if strong else 8,
        RequireSymbols=strong,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        MaxPasswordAge=90 if strong else 365,
        PasswordReusePrevention=24 if strong else 1,
    )


def _providers(iam: Any, account_id: str) -> None:
    iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
        Tags=[{"Key": "purpose", "Value": "ci"}],
    )
    iam.create_saml_provider(Name="okta", SAMLMetadataDocument=SAML_METADATA)
    github = f"arn:aws:iam::{account_id}:oidc-provider/token.actions.githubusercontent.com"
    iam.create_role(
        RoleName="seed-ci",
        AssumeRolePolicyDocument=document(
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Principal": {"Federated": github},
                "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:example/*"}},
            }
        ),
    )
    okta = f"arn:aws:iam::{account_id}:saml-provider/okta"
    iam.create_role(
        RoleName="seed-sso-readers",
        AssumeRolePolicyDocument=document(
            {"Effect": "Allow", "Action": "sts:AssumeRoleWithSAML", "Principal": {"Federated": okta}}
        ),
    )
    iam.attach_role_policy(RoleName="seed-sso-readers", PolicyArn=f"{AWS_POLICY}IAMReadOnlyAccess")


def _instance_profile(iam: Any, client: ClientFactory, regions: list[str]) -> None:
    """The web role, through its instance profile, on the instances the EC2 seed started there."""
    iam.create_role(RoleName="seed-web", AssumeRolePolicyDocument=document(EC2_TRUST))
    iam.put_role_policy(
        RoleName="seed-web",
        PolicyName="read-assets",
        PolicyDocument=document(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*"},
        ),
    )
    iam.create_instance_profile(InstanceProfileName="seed-web")
    iam.add_role_to_instance_profile(InstanceProfileName="seed-web", RoleName="seed-web")
    for region in regions:
        ec2 = client("ec2", region)
        for reservation in ec2.describe_instances()["Reservations"]:
            for instance in reservation["Instances"]:
                if not instance.get("IamInstanceProfile"):
                    ec2.associate_iam_instance_profile(
                        IamInstanceProfile={"Name": "seed-web"}, InstanceId=instance["InstanceId"]
                    )


def _management_account(client: ClientFactory, account_id: str) -> str:
    try:
        organization = client("organizations", "us-east-1").describe_organization()["Organization"]
    except Exception:  # no organization: a lone account is its own management account
        return account_id
    return str(organization.get("MasterAccountId") or account_id)


def _has_role(iam: Any, name: str) -> bool:
    try:
        iam.get_role(RoleName=name)
    except iam.exceptions.NoSuchEntityException:
        return False
    return True
