"""IAM users, with their access keys, MFA devices, console password and policies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.api import error_code, paginate
from graph_aws.aws.resources.iam.policies import OwnedPolicies
from graph_aws.aws.resources.iam.service import (
    ACCESS_KEY,
    IAM,
    IAM_USER,
    IAM_USER_POLICY,
    MFA_DEVICE,
    NOT_FOUND,
)
from graph_aws.aws.resources.registry import ResourceSpec, Where
from graph_aws.engine import StepContext
from graph_aws.model import (
    Entity,
    RelationshipType,
    epoch_day_millis,
    epoch_millis,
    make_entity,
    make_relationship,
)

USER_POLICIES = OwnedPolicies(
    owner=IAM_USER,
    inline=IAM_USER_POLICY,
    name_parameter="UserName",
    list_attached="list_attached_user_policies",
    list_inline="list_user_policies",
    get_inline="get_user_policy",
)
UNKNOWN = "N/A"  # GetAccessKeyLastUsed's service and region of a key never used


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
            "username": [raw["UserName"]],  # the data model's User: a list of names
            "path": raw.get("Path"),
            "createdOn": epoch_millis(raw.get("CreateDate")),
            "passwordLastUsed": epoch_millis(raw.get("PasswordLastUsed")),
            "permissionsBoundaryArn": (raw.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
            "accountId": where.account_id,
        },
        tags=raw.get("Tags"),
    )


def to_access_key(raw: Mapping[str, Any], last_used: Mapping[str, Any], where: Where) -> Entity:
    key_id = raw["AccessKeyId"]
    return make_entity(
        key=where.arn("iam", f"access-key/{key_id}", regional=False),
        type=ACCESS_KEY.type,
        classes=ACCESS_KEY.classes,
        name=key_id,
        properties={
            "id": key_id,
            "accessKeyId": key_id,
            "userName": raw.get("UserName"),
            "status": raw.get("Status"),
            "active": raw.get("Status") == "Active",
            "createdOn": epoch_millis(raw.get("CreateDate")),
            "lastUsedOn": epoch_day_millis(last_used.get("LastUsedDate")),
            "lastUsedService": _known(last_used.get("ServiceName")),
            "lastUsedRegion": _known(last_used.get("Region")),
            "accountId": where.account_id,
        },
    )


def to_mfa_device(raw: Mapping[str, Any], where: Where) -> Entity:
    serial = raw["SerialNumber"]
    virtual = serial.startswith("arn:")  # hardware tokens have a bare serial number
    return make_entity(
        key=serial if virtual else where.arn("iam", f"mfa/{serial}", regional=False),
        type=MFA_DEVICE.type,
        classes=MFA_DEVICE.classes,
        name=serial,
        properties={
            "serialNumber": serial,
            "userName": raw.get("UserName"),
            "virtual": virtual,
            "enabledOn": epoch_millis(raw.get("EnableDate")),
            "active": True,  # ListMFADevices lists only devices enabled for the user
            "accountId": where.account_id,
        },
    )


def _known(value: str | None) -> str | None:
    return None if value in (None, "", UNKNOWN) else value


def enrich_user(context: StepContext, iam: Any, where: Where, raw: Mapping[str, Any], user: Entity) -> None:
    state = context.job_state
    name = raw["UserName"]
    keys = []
    for metadata in paginate(iam, "list_access_keys", "AccessKeyMetadata", UserName=name):
        last_used = iam.get_access_key_last_used(AccessKeyId=metadata["AccessKeyId"]).get(
            "AccessKeyLastUsed", {}
        )
        key = state.add_entity(to_access_key(metadata, last_used, where))
        state.add_relationship(make_relationship(from_entity=user, verb="HAS", to_entity=key))
        keys.append(key)
    devices = 0
    for raw_device in paginate(iam, "list_mfa_devices", "MFADevices", UserName=name):
        device = state.add_entity(to_mfa_device(raw_device, where))
        state.add_relationship(make_relationship(from_entity=user, verb="ASSIGNED", to_entity=device))
        devices += 1
    try:
        profile: Mapping[str, Any] | None = iam.get_login_profile(UserName=name)["LoginProfile"]
    except Exception as error:
        if error_code(error) != NOT_FOUND:  # no login profile: no console password
            raise
        profile = None
    active_keys = [k for k in keys if k["active"]]
    last_uses = [k["lastUsedOn"] for k in keys if "lastUsedOn" in k]
    state.enrich_entity(
        user["_key"],
        {
            "mfaEnabled": devices > 0,
            "mfaDeviceCount": devices,
            "passwordEnabled": profile is not None,
            "passwordCreatedOn": epoch_millis(profile.get("CreateDate")) if profile else None,
            "passwordResetRequired": profile.get("PasswordResetRequired") if profile else None,
            "accessKeyEnabled": bool(active_keys),
            "accessKeyCount": len(keys),
            "activeAccessKeyCount": len(active_keys),
            "accessKeyLastUsed": max(last_uses) if last_uses else None,
        },
    )
    USER_POLICIES.collect(context, iam, where, user, name)


IAM_USERS = ResourceSpec(
    step_id="fetch-iam-users",
    name="Fetch IAM users, their access keys, MFA devices and policies",
    service=IAM,
    client="iam",
    operation="list_users",
    result_key="Users",
    entity=IAM_USER,
    convert=to_iam_user,
    enrich=enrich_user,
    regional=False,
    extra_entities=(ACCESS_KEY, MFA_DEVICE, IAM_USER_POLICY),
    relationships=(
        RelationshipType(IAM_USER, "HAS", ACCESS_KEY),
        RelationshipType(IAM_USER, "ASSIGNED", MFA_DEVICE),
        *USER_POLICIES.relationships,
    ),
    permissions=(
        "iam:ListUsers",
        "iam:ListAccessKeys",
        "iam:GetAccessKeyLastUsed",
        "iam:ListMFADevices",
        "iam:GetLoginProfile",
        *USER_POLICIES.permissions,
    ),
)
