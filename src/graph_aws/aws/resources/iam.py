"""IAM (a global service: read once per account): users."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.model import Entity, EntityType, epoch_millis, make_entity

IAM = ServiceSpec("iam", "IAM", EntityType("IAM", "aws_iam", ("Service",)))
IAM_USER = EntityType("IAM User", "aws_iam_user", ("User",))


def to_iam_user(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["Arn"],
        type=IAM_USER.type,
        classes=IAM_USER.classes,
        name=raw["UserName"],
        properties={
            "arn": raw["Arn"],
            "id": raw.get("UserId"),
            "userId": raw.get("UserId"),
            "username": raw["UserName"],
            "path": raw.get("Path"),
            "createdOn": epoch_millis(raw.get("CreateDate")),
            "passwordLastUsed": epoch_millis(raw.get("PasswordLastUsed")),
            "accountId": where.account_id,
        },
        tags=raw.get("Tags"),
    )


IAM_USERS = ResourceSpec(
    step_id="fetch-iam-users",
    name="Fetch IAM users",
    service=IAM,
    client="iam",
    operation="list_users",
    result_key="Users",
    entity=IAM_USER,
    convert=to_iam_user,
    regional=False,
    permissions=("iam:ListUsers",),
)

STEPS = (IAM.step(), resource_step(IAM_USERS))
