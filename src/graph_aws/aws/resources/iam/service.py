"""IAM's service entity and entity types (reference/jupiterone-aws-types.md), shared by its steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from graph_aws.aws.resources.registry import ServiceSpec, required_id
from graph_aws.model import EntityType

IAM = ServiceSpec("iam", "IAM", EntityType("IAM", "aws_iam", ("Service",)), function=("IAM",))

IAM_USER = EntityType("IAM User", "aws_iam_user", ("User",))
IAM_GROUP = EntityType("IAM Group", "aws_iam_group", ("UserGroup",))
IAM_ROLE = EntityType("IAM Role", "aws_iam_role", ("AccessRole",))
IAM_POLICY = EntityType("IAM Managed Policy", "aws_iam_policy", ("AccessPolicy",))
IAM_USER_POLICY = EntityType("IAM User Policy", "aws_iam_user_policy", ("AccessPolicy",))
IAM_GROUP_POLICY = EntityType("IAM Group Policy", "aws_iam_group_policy", ("AccessPolicy",))
IAM_ROLE_POLICY = EntityType("IAM Role Policy", "aws_iam_role_policy", ("AccessPolicy",))
POLICY_TYPES = (IAM_POLICY, IAM_USER_POLICY, IAM_GROUP_POLICY, IAM_ROLE_POLICY)
ACCESS_KEY = EntityType("IAM User Access Key", "aws_iam_access_key", ("AccessKey",))
MFA_DEVICE = EntityType("IAM User MFA Device", "mfa_device", ("AccessKey",))
PASSWORD_POLICY = EntityType(
    "IAM Account Password Policy", "aws_iam_account_password_policy", ("PasswordPolicy",)
)
OIDC_PROVIDER = EntityType("IAM OIDC Provider", "aws_iam_oidc_provider", ("Service",))
SAML_PROVIDER = EntityType("IAM SAML Provider", "aws_iam_saml_provider", ("Service",))
# Not in JupiterOne's table: the container that gives an EC2 instance its role.
INSTANCE_PROFILE = EntityType("IAM Instance Profile", "aws_iam_instance_profile", ("Configuration",))
# What a role's trust policy names as a "Service" principal (ec2.amazonaws.com), one per account.
SERVICE_PRINCIPAL = EntityType("AWS Service Principal", "aws_service", ("Service",))

NOT_FOUND = "NoSuchEntity"  # IAM's answer for "not configured": no login profile, no password policy
AWS_MANAGED_ACCOUNT = "aws"  # the account field of AWS-managed policies' ARNs: arn:aws:iam::aws:policy/...

_CONSOLES = {"aws": "console.aws.amazon.com", "aws-us-gov": "console.amazonaws-us-gov.com"}


def required(raw: Mapping[str, Any], member: str, item: str) -> str:
    """A member a key, a relationship or a call is built from (an ARN, a user's name); UnconvertibleItem
    when AWS sent it absent or empty, so that the item is left out with a warning."""
    return required_id(str(raw.get(member) or ""), member, item)


def web_link(partition: str, kind: str, name: str) -> str:
    """The IAM console page of a user, group, role (by name) or policy (by ARN), as `webLink`."""
    host = _CONSOLES.get(partition, "console.aws.amazon.com")
    return f"https://{host}/iam/home#/{kind}/details/{quote(name, safe='')}"


def is_aws_managed(policy_arn: str) -> bool:
    return policy_arn.split(":")[4:5] == [AWS_MANAGED_ACCOUNT]


def aws_managed_policy_key(account_id: str, policy_arn: str) -> str:
    """AWS-managed policies have one ARN in every account; graph-aws keeps one entity per account that
    attaches it (its attachments and its ALLOWS edges are the account's), keyed `<account id>/<ARN>`:
    the key still ends with the ARN, as JupiterOne's rules test it (`_key $= 'arn:aws:iam::aws:...'`)."""
    return f"{account_id}/{policy_arn}"


def policy_key(account_id: str, policy_arn: str) -> str:
    return aws_managed_policy_key(account_id, policy_arn) if is_aws_managed(policy_arn) else policy_arn
