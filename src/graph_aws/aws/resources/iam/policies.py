"""IAM policies: customer-managed ones and inline ones (from GetAccountAuthorizationDetails, see
authorization.py), and the AWS-managed ones the account attaches, whose documents are the same in
every account and are read once per run (the run's memo), not once per account."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import partial
from typing import Any

from graph_aws.aws.context import AccountResources
from graph_aws.aws.resources.iam.service import (
    IAM_POLICY,
    aws_managed_policy_key,
    is_aws_managed,
    required,
    web_link,
)
from graph_aws.aws.resources.registry import Where
from graph_aws.engine import Step, StepContext
from graph_aws.model import Entity, EntityType, epoch_millis, make_entity

AWS_MANAGED_ATTACHMENTS = "iam-aws-managed-attachments"  # job data: {policy ARN: attachments}


def document_json(document: Any) -> str | None:
    """A policy document as a JSON string (botocore decodes IAM's URL-encoded documents to dicts)."""
    if document is None or isinstance(document, str):
        return document or None
    return json.dumps(document, sort_keys=True)


def default_document(raw: Mapping[str, Any]) -> Any:
    """The default version's document, from a policy's PolicyVersionList."""
    for version in raw.get("PolicyVersionList") or []:
        if version.get("IsDefaultVersion") or version.get("VersionId") == raw.get("DefaultVersionId"):
            return version.get("Document")
    return None


def to_iam_policy(raw: Mapping[str, Any], where: Where) -> Entity:
    """A customer-managed policy, as GetAccountAuthorizationDetails describes it."""
    attachments = raw.get("AttachmentCount")
    arn = required(raw, "Arn", "a managed policy")
    return make_entity(
        key=arn,
        type=IAM_POLICY.type,
        classes=IAM_POLICY.classes,
        name=raw.get("PolicyName") or arn.rsplit("/", 1)[-1],
        properties={
            "arn": arn,
            "id": raw.get("PolicyId"),
            "policyId": raw.get("PolicyId"),
            "policyName": raw.get("PolicyName"),
            "path": raw.get("Path"),
            "description": raw.get("Description") or None,
            "defaultVersionId": raw.get("DefaultVersionId"),
            "document": document_json(default_document(raw)),
            "attachmentCount": attachments,
            "permissionsBoundaryUsageCount": raw.get("PermissionsBoundaryUsageCount"),
            "isAttachable": raw.get("IsAttachable"),
            "inUse": None if attachments is None else attachments > 0,
            "vendorManaged": False,
            "createdOn": epoch_millis(raw.get("CreateDate")),
            "updatedOn": epoch_millis(raw.get("UpdateDate")),
            "webLink": web_link(where.partition, "policies", arn),
            "accountId": where.account_id,
        },
    )


def to_aws_managed_policy(policy_arn: str, name: str, attachments: int, where: Where) -> Entity:
    """An AWS-managed policy as this account uses it: its document comes from the run's memo."""
    return make_entity(
        key=aws_managed_policy_key(where.account_id, policy_arn),
        type=IAM_POLICY.type,
        classes=IAM_POLICY.classes,
        name=name,
        properties={
            "arn": policy_arn,
            "policyName": name,
            "attachmentCount": attachments,
            "inUse": attachments > 0,
            "vendorManaged": True,
            "webLink": web_link(where.partition, "policies", policy_arn),
            "accountId": where.account_id,
        },
    )


def inline_policy_key(owner_arn: str, policy_name: str, principal_arns: set[str]) -> str:
    """`<owner ARN>/<policy name>`, as JupiterOne keys them (its rules test `_key $= ':role/<role>/
    <policy>'`); inline policies have no ARN. Should that name another principal's ARN (a role `b`
    with path `/a/` owning policy `c`, and a role `c` with path `/a/b/`), the key is kept apart."""
    key = f"{owner_arn}/{policy_name}"
    return f"{owner_arn}:inline-policy/{policy_name}" if key in principal_arns else key


def to_inline_policy(
    type: EntityType, owner: Entity, policy_name: str, document: Any, key: str, where: Where
) -> Entity:
    return make_entity(
        key=key,
        type=type.type,
        classes=type.classes,
        name=policy_name,
        properties={
            "policyName": policy_name,
            "policyOwner": owner["_key"],
            "document": document_json(document),
            "inUse": True,  # an inline policy exists only on its owner
            "vendorManaged": False,
            "accountId": where.account_id,
        },
    )


def aws_managed_details(iam: Any, policy_arn: str) -> dict[str, Any]:
    """What every account shares about an AWS-managed policy: two calls, made once per run."""
    policy = iam.get_policy(PolicyArn=policy_arn).get("Policy") or {}
    version: Mapping[str, Any] = {}
    if policy.get("DefaultVersionId"):  # without it, no document can be asked for
        answer = iam.get_policy_version(PolicyArn=policy_arn, VersionId=policy["DefaultVersionId"])
        version = answer.get("PolicyVersion") or {}
    return {
        "id": policy.get("PolicyId"),
        "policyId": policy.get("PolicyId"),
        "path": policy.get("Path"),
        "description": policy.get("Description") or None,
        "defaultVersionId": policy.get("DefaultVersionId"),
        "isAttachable": policy.get("IsAttachable"),
        "createdOn": epoch_millis(policy.get("CreateDate")),
        "updatedOn": epoch_millis(policy.get("UpdateDate")),
        "document": document_json(version.get("Document")),
    }


def fetch_aws_managed_policies(context: StepContext) -> None:
    resources: AccountResources = context.resources
    attached: Mapping[str, int] = context.job_state.get_data(AWS_MANAGED_ATTACHMENTS) or {}
    iam = resources.session.client("iam")
    for policy_arn in sorted(attached):
        if not is_aws_managed(policy_arn):
            continue
        details = resources.session.memo.get(
            ("aws-managed-policy", policy_arn), partial(aws_managed_details, iam, policy_arn)
        )
        key = aws_managed_policy_key(resources.account_id, policy_arn)
        if context.job_state.find_entity(key) is not None:
            context.job_state.enrich_entity(key, details)


AWS_MANAGED_POLICIES_STEP = Step(
    id="fetch-iam-aws-managed-policies",
    name="Fetch the documents of the AWS-managed policies attached in the account (once per run)",
    handler=fetch_aws_managed_policies,
    depends_on=("fetch-iam-authorization-details",),
    permissions=("iam:GetPolicy", "iam:GetPolicyVersion"),
)
