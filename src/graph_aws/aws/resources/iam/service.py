"""IAM's service entity and entity types (reference/jupiterone-aws-types.md), shared by its steps."""

from __future__ import annotations

from graph_aws.aws.resources.registry import ServiceSpec
from graph_aws.model import EntityType

IAM = ServiceSpec("iam", "IAM", EntityType("IAM", "aws_iam", ("Service",)), function=("IAM",))

IAM_USER = EntityType("IAM User", "aws_iam_user", ("User",))
IAM_GROUP = EntityType("IAM Group", "aws_iam_group", ("UserGroup",))
IAM_ROLE = EntityType("IAM Role", "aws_iam_role", ("AccessRole",))
IAM_POLICY = EntityType("IAM Managed Policy", "aws_iam_policy", ("AccessPolicy",))
IAM_USER_POLICY = EntityType("IAM User Policy", "aws_iam_user_policy", ("AccessPolicy",))
IAM_GROUP_POLICY = EntityType("IAM Group Policy", "aws_iam_group_policy", ("AccessPolicy",))
IAM_ROLE_POLICY = EntityType("IAM Role Policy", "aws_iam_role_policy", ("AccessPolicy",))
ACCESS_KEY = EntityType("IAM User Access Key", "aws_iam_access_key", ("AccessKey",))
MFA_DEVICE = EntityType("IAM User MFA Device", "mfa_device", ("AccessKey",))
PASSWORD_POLICY = EntityType(
    "IAM Account Password Policy", "aws_iam_account_password_policy", ("PasswordPolicy",)
)
# What a role's trust policy names as a "Service" principal (ec2.amazonaws.com), one per account.
SERVICE_PRINCIPAL = EntityType("AWS Service Principal", "aws_service", ("Service",))

NOT_FOUND = "NoSuchEntity"  # IAM's answer for "not configured": no login profile, no password policy
