"""IAM policies: customer-managed policies (a step of their own), and the policies each user, group
and role has -- attached managed ones by key, inline ones as entities of their own."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.resources.iam.service import IAM, IAM_POLICY
from graph_aws.aws.resources.registry import ResourceSpec, Where
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, epoch_millis, make_entity, make_relationship


def document_json(document: Any) -> str | None:
    """A policy document as a JSON string (botocore decodes IAM's URL-encoded documents to dicts)."""
    if document is None or isinstance(document, str):
        return document or None
    return json.dumps(document, sort_keys=True)


def to_iam_policy(raw: Mapping[str, Any], where: Where) -> Entity:
    attachments = raw.get("AttachmentCount")
    return make_entity(
        key=raw["Arn"],
        type=IAM_POLICY.type,
        classes=IAM_POLICY.classes,
        name=raw["PolicyName"],
        properties={
            "arn": raw["Arn"],
            "id": raw.get("PolicyId"),
            "policyId": raw.get("PolicyId"),
            "policyName": raw["PolicyName"],
            "path": raw.get("Path"),
            "description": raw.get("Description") or None,
            "defaultVersionId": raw.get("DefaultVersionId"),
            "attachmentCount": attachments,
            "permissionsBoundaryUsageCount": raw.get("PermissionsBoundaryUsageCount"),
            "isAttachable": raw.get("IsAttachable"),
            "inUse": None if attachments is None else attachments > 0,
            "vendorManaged": False,  # Scope=Local: customer-managed only
            "createdOn": epoch_millis(raw.get("CreateDate")),
            "updatedOn": epoch_millis(raw.get("UpdateDate")),
            "accountId": where.account_id,
        },
        tags=raw.get("Tags"),
    )


def enrich_policy(
    context: StepContext, iam: Any, where: Where, raw: Mapping[str, Any], entity: Entity
) -> None:
    version = iam.get_policy_version(PolicyArn=raw["Arn"], VersionId=raw["DefaultVersionId"])["PolicyVersion"]
    context.job_state.enrich_entity(entity["_key"], {"document": document_json(version.get("Document"))})


IAM_POLICIES = ResourceSpec(
    step_id="fetch-iam-policies",
    name="Fetch IAM customer-managed policies",
    service=IAM,
    client="iam",
    operation="list_policies",
    parameters={"Scope": "Local", "OnlyAttached": False},
    result_key="Policies",
    entity=IAM_POLICY,
    convert=to_iam_policy,
    enrich=enrich_policy,
    regional=False,
    permissions=("iam:ListPolicies", "iam:GetPolicyVersion"),
)


def to_inline_policy(
    type: EntityType, owner: Entity, policy_name: str, document: Any, where: Where
) -> Entity:
    return make_entity(
        # Inline policies have no ARN: keyed under their owner's, whose name is unique in the account.
        key=f"{owner['_key']}:inline-policy/{policy_name}",
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


@dataclass(frozen=True)
class OwnedPolicies:
    """How to read the policies of one kind of principal (user, group or role)."""

    owner: EntityType  # aws_iam_user
    inline: EntityType  # aws_iam_user_policy
    name_parameter: str  # UserName
    list_attached: str  # list_attached_user_policies
    list_inline: str  # list_user_policies
    get_inline: str  # get_user_policy

    @property
    def relationships(self) -> tuple[RelationshipType, ...]:
        # owner ASSIGNED aws_iam_policy and owner ASSIGNED its inline policy generate the same _type
        # (aws_iam_user_assigned_policy), so it is declared once.
        return (RelationshipType(self.owner, "ASSIGNED", IAM_POLICY), IAM.has(self.inline))

    @property
    def permissions(self) -> tuple[str, ...]:
        return tuple(f"iam:{_action(op)}" for op in (self.list_attached, self.list_inline, self.get_inline))

    def collect(self, context: StepContext, iam: Any, where: Where, owner: Entity, owner_name: str) -> None:
        """The owner is ASSIGNED each attached managed policy (linked by ARN: AWS-managed ones,
        arn:aws:iam::aws:policy/..., are not entities here yet) and each inline policy."""
        state = context.job_state
        name = {self.name_parameter: owner_name}
        for attached in paginate(iam, self.list_attached, "AttachedPolicies", **name):
            state.add_relationship(
                make_relationship(
                    from_entity=owner, verb="ASSIGNED", to_type=IAM_POLICY.type, to_key=attached["PolicyArn"]
                )
            )
        service_key = IAM.key_of(where.account_id)
        for item in paginate(iam, self.list_inline, "PolicyNames", **name):
            policy_name = str(item)  # this list holds names, not objects
            document = getattr(iam, self.get_inline)(PolicyName=policy_name, **name).get("PolicyDocument")
            policy = state.add_entity(to_inline_policy(self.inline, owner, policy_name, document, where))
            state.add_relationship(make_relationship(from_entity=owner, verb="ASSIGNED", to_entity=policy))
            state.add_relationship(
                make_relationship(
                    from_type=IAM.entity.type, from_key=service_key, verb="HAS", to_entity=policy
                )
            )


def _action(operation: str) -> str:
    """list_attached_user_policies -> ListAttachedUserPolicies"""
    return "".join(part.capitalize() for part in operation.split("_"))
