"""CloudFormation: stacks, with drift status and notification topics (the rules
cloudformation-stack-drift-detection-check and cloudformation-stack-notification-check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.model import Entity, EntityType, epoch_millis, make_entity

CLOUDFORMATION = ServiceSpec(
    "cloudformation",
    "CloudFormation",
    EntityType("CloudFormation", "aws_cloudformation", ("Service",)),
    function=("provisioning",),
)
STACK = EntityType("CloudFormation Stack", "aws_cloudformation_stack", ("Configuration",))


def to_stack(raw: Mapping[str, Any], where: Where) -> Entity:
    drift = (raw.get("DriftInformation") or {}).get("StackDriftStatus") or "NOT_CHECKED"
    return make_entity(
        key=raw["StackId"],
        type=STACK.type,
        classes=STACK.classes,
        name=raw["StackName"],
        properties={
            "arn": raw["StackId"],
            "stackId": raw["StackId"],
            "stackName": raw["StackName"],
            "description": raw.get("Description") or None,
            "stackStatus": raw.get("StackStatus"),
            "status": raw.get("StackStatus"),
            "driftStatus": drift,
            "drifted": drift == "DRIFTED",
            "notificationArns": list(raw.get("NotificationARNs") or []) or None,
            "roleArn": raw.get("RoleARN"),
            "terminationProtection": raw.get("EnableTerminationProtection"),
            "disableRollback": raw.get("DisableRollback"),
            "parentId": raw.get("ParentId"),
            "rootId": raw.get("RootId"),
            "createdOn": epoch_millis(raw.get("CreationTime")),
            "updatedOn": epoch_millis(raw.get("LastUpdatedTime")),
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=raw.get("Tags"),
    )


STACKS = ResourceSpec(
    step_id="fetch-cloudformation-stacks",
    name="Fetch CloudFormation stacks",
    service=CLOUDFORMATION,
    client="cloudformation",
    operation="describe_stacks",
    result_key="Stacks",
    entity=STACK,
    convert=to_stack,
    permissions=("cloudformation:DescribeStacks",),
)

STEPS = (CLOUDFORMATION.step(), resource_step(STACKS))
