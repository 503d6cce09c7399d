"""IAM groups, as GetAccountAuthorizationDetails describes them (see authorization.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.iam.service import IAM_GROUP, web_link
from graph_aws.aws.resources.registry import Where
from graph_aws.model import Entity, epoch_millis, make_entity


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
            "webLink": web_link(where.partition, "groups", raw["GroupName"]),
            "accountId": where.account_id,
        },
    )
