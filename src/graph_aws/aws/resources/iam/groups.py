"""IAM groups, as GetAccountAuthorizationDetails describes them (see authorization.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.iam.service import IAM_GROUP, required, web_link
from graph_aws.aws.resources.registry import Where
from graph_aws.model import Entity, epoch_millis, make_entity


def to_iam_group(raw: Mapping[str, Any], where: Where) -> Entity:
    arn, name = required(raw, "Arn", "an IAM group"), required(raw, "GroupName", "an IAM group")
    return make_entity(
        key=arn,
        type=IAM_GROUP.type,
        classes=IAM_GROUP.classes,
        name=name,
        properties={
            "arn": arn,
            "id": raw.get("GroupId"),
            "groupId": raw.get("GroupId"),
            "groupName": name,
            "path": raw.get("Path"),
            "createdOn": epoch_millis(raw.get("CreateDate")),
            "webLink": web_link(where.partition, "groups", name),
            "accountId": where.account_id,
        },
    )
