"""The IAM role every account needs, as documents: the read-only policy (split to fit IAM's size
limit for managed policies), a CloudFormation template and a Terraform module, all generated from
the actions the account job's steps declare, so what is deployed is exactly what is called."""

from graph_aws.member_role.cloudformation import cloudformation_template
from graph_aws.member_role.policies import (
    MANAGED_POLICY_MAX_CHARS,
    policy_document,
    split_policy_documents,
)
from graph_aws.member_role.terraform import terraform_module

__all__ = [
    "MANAGED_POLICY_MAX_CHARS",
    "cloudformation_template",
    "policy_document",
    "split_policy_documents",
    "terraform_module",
]
