"""IAM, a global service read once per account: users, groups, roles and policies with their
documents (GetAccountAuthorizationDetails), the AWS-managed policies they use (read once per run),
users' access keys, MFA devices and console passwords, the password policy, the credential report,
identity providers, instance profiles (and the instances that use them), and the policy graph."""

from __future__ import annotations

from graph_aws.aws.resources.iam.account import CREDENTIAL_REPORT_STEP, PASSWORD_POLICY_STEP
from graph_aws.aws.resources.iam.authorization import AUTHORIZATION_DETAILS_STEP
from graph_aws.aws.resources.iam.instances import INSTANCE_ROLES_STEP
from graph_aws.aws.resources.iam.permissions import resource_grants_step, service_grants_step
from graph_aws.aws.resources.iam.policies import AWS_MANAGED_POLICIES_STEP
from graph_aws.aws.resources.iam.providers import IDENTITY_PROVIDERS_STEP
from graph_aws.aws.resources.iam.service import IAM, IAM_USER
from graph_aws.aws.resources.iam.users import USER_CREDENTIALS_STEP

__all__ = ["FINAL_STEPS", "IAM", "IAM_USER", "STEPS"]

STEPS = (
    IAM.step(),
    AUTHORIZATION_DETAILS_STEP,
    AWS_MANAGED_POLICIES_STEP,
    USER_CREDENTIALS_STEP,
    PASSWORD_POLICY_STEP,
    CREDENTIAL_REPORT_STEP,
    IDENTITY_PROVIDERS_STEP,
    INSTANCE_ROLES_STEP,
)

# Built from every other resource step: they link policies to what those steps collect.
FINAL_STEPS = (service_grants_step, resource_grants_step)
