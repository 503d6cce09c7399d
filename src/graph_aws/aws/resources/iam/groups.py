"""IAM groups, the users they contain and their policies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.resources.iam.policies import OwnedPolicies
from graph_aws.aws.resources.iam.service import IAM, IAM_GROUP, IAM_GROUP_POLICY, IAM_USER
from graph_aws.aws.resources.registry import ResourceSpec, Where
from graph_aws.engine import StepContext
from graph_aws.model import Entity, RelationshipType, epoch_millis, make_entity, make_relationship

GROUP_POLICIES = OwnedPolicies(
    owner=IAM_GROUP,
    inline=IAM_GROUP_POLICY,
    name_parameter="GroupName",
    list_attached="list_attached_group_policies",
    list_inline="list_group_policies",
    get_inline="get_group_policy",
)


def to_iam_group(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["Arn"],
        type=IAM_GROUP.type,
        classes=IAM_GROUP.classes,
        name=raw["GroupName"],
        properties={
            "arn": raw["Arn"],
            "id": raw.get("GroupId"),
            "groupId": raw.get("GroupId"),
            "groupName": raw["GroupName"],
            "path": raw.get("Path"),
            "createdOn": epoch_millis(raw.get("CreateDate")),
            "accountId": where.account_id,
        },
    )


def enrich_group(context: StepContext, iam: Any, where: Where, raw: Mapping[str, Any], group: Entity) -> None:
    members = 0
    # The users step lists the users; here only their ARNs are needed, so link by key.
    for user in paginate(iam, "get_group", "Users", GroupName=raw["GroupName"]):
        context.job_state.add_relationship(
            make_relationship(from_entity=group, verb="HAS", to_type=IAM_USER.type, to_key=user["Arn"])
        )
        members += 1
    context.job_state.enrich_entity(group["_key"], {"userCount": members})
    GROUP_POLICIES.collect(context, iam, where, group, raw["GroupName"])


IAM_GROUPS = ResourceSpec(
    step_id="fetch-iam-groups",
    name="Fetch IAM groups, their members and policies",
    service=IAM,
    client="iam",
    operation="list_groups",
    result_key="Groups",
    entity=IAM_GROUP,
    convert=to_iam_group,
    enrich=enrich_group,
    regional=False,
    extra_entities=(IAM_GROUP_POLICY,),
    relationships=(RelationshipType(IAM_GROUP, "HAS", IAM_USER), *GROUP_POLICIES.relationships),
    permissions=("iam:ListGroups", "iam:GetGroup", *GROUP_POLICIES.permissions),
)
