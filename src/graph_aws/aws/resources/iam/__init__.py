"""IAM, a global service read once per account: users (with access keys, MFA devices, console
passwords), groups, roles (with whom they trust), managed and inline policies, the password policy
and the credential report."""

from __future__ import annotations

from graph_aws.aws.resources.iam.account import CREDENTIAL_REPORT_STEP, PASSWORD_POLICY_STEP
from graph_aws.aws.resources.iam.groups import IAM_GROUPS
from graph_aws.aws.resources.iam.policies import IAM_POLICIES
from graph_aws.aws.resources.iam.roles import IAM_ROLES
from graph_aws.aws.resources.iam.service import IAM, IAM_USER
from graph_aws.aws.resources.iam.users import IAM_USERS
from graph_aws.aws.resources.registry import resource_step

__all__ = ["IAM", "IAM_USER", "IAM_USERS", "STEPS"]

STEPS = (
    IAM.step(),
    resource_step(IAM_USERS),
    resource_step(IAM_GROUPS),
    resource_step(IAM_ROLES),
    resource_step(IAM_POLICIES),
    PASSWORD_POLICY_STEP,
    CREDENTIAL_REPORT_STEP,
)
