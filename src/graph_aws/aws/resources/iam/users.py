"""IAM users (from GetAccountAuthorizationDetails, see authorization.py) and what it does not give:
their access keys with their last use, MFA devices and console passwords, a few calls per user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.api import error_code, paginate
from graph_aws.aws.context import AccountResources
from graph_aws.aws.resources.iam.service import (
    ACCESS_KEY,
    IAM_USER,
    MFA_DEVICE,
    NOT_FOUND,
    required,
    web_link,
)
from graph_aws.aws.resources.registry import Where, one_item
from graph_aws.engine import Step, StepContext
from graph_aws.model import (
    Entity,
    RelationshipType,
    epoch_day_millis,
    epoch_millis,
    make_entity,
    make_relationship,
)

UNKNOWN = "N/A"  # GetAccessKeyLastUsed's service and region of a key never used


def to_iam_user(raw: Mapping[str, Any], where: Where) -> Entity:
    arn, name = required(raw, "Arn", "an IAM user"), required(raw, "UserName", "an IAM user")
    return make_entity(
        key=arn,
        type=IAM_USER.type,
        classes=IAM_USER.classes,
        name=name,  # the credentials step calls with it
        properties={
            "arn": arn,
            "id": raw.get("UserId"),
            "userId": raw.get("UserId"),
            "username": [name],  # the data model's User: a list of names
            "path": raw.get("Path"),
            "createdOn": epoch_millis(raw.get("CreateDate")),
            "permissionsBoundaryArn": (raw.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
            "webLink": web_link(where.partition, "users", name),
            "accountId": where.account_id,
        },
        tags=raw.get("Tags"),
    )


def to_access_key(raw: Mapping[str, Any], last_used: Mapping[str, Any], where: Where) -> Entity:
    key_id = required(raw, "AccessKeyId", "an access key")
    user_page = web_link(where.partition, "users", str(raw.get("UserName", "")))
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
            "webLink": f"{user_page}?section=security_credentials",
            "accountId": where.account_id,
        },
    )


def to_mfa_device(raw: Mapping[str, Any], where: Where) -> Entity:
    serial = required(raw, "SerialNumber", "an MFA device")
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


def collect_user_credentials(context: StepContext, iam: Any, where: Where, user: Entity) -> None:
    state = context.job_state
    name = user["name"]  # the UserName (username is a list, as the data model wants)
    keys = []
    for metadata in paginate(iam, "list_access_keys", "AccessKeyMetadata", UserName=name):
        if not str(metadata.get("AccessKeyId") or "").strip():
            context.warn(f"{user['_key']}: an access key with an empty AccessKeyId left out: it has no id")
            continue
        last_used = iam.get_access_key_last_used(AccessKeyId=metadata["AccessKeyId"]).get(
            "AccessKeyLastUsed", {}
        )
        with one_item(context, user["_key"]):
            key = state.add_entity(to_access_key(metadata, last_used, where))
            keys.append(key)
            state.add_relationship(make_relationship(from_entity=user, verb="HAS", to_entity=key))
    devices = 0
    for raw_device in paginate(iam, "list_mfa_devices", "MFADevices", UserName=name):
        devices += 1  # enabled for the user, whether or not its entity can be made
        with one_item(context, user["_key"]):
            device = state.add_entity(to_mfa_device(raw_device, where))
            state.add_relationship(make_relationship(from_entity=user, verb="ASSIGNED", to_entity=device))
    try:
        # An answer at all says the user has a password, even one without its LoginProfile.
        profile: Mapping[str, Any] | None = iam.get_login_profile(UserName=name).get("LoginProfile") or {}
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


def fetch_user_credentials(context: StepContext) -> None:
    resources: AccountResources = context.resources
    iam = resources.session.client("iam")
    where = Where(resources.account_id, resources.partition, resources.session.region)
    failed: list[Exception] = []
    for user in list(context.job_state.iter_entities(IAM_USER.type)):
        try:  # one user who cannot be read in full does not cost the others
            collect_user_credentials(context, iam, where, user)
        except Exception as error:
            failed.append(error)
    if failed:
        if len(failed) > 1:
            context.warn(f"{len(failed)} users could not be read in full")
        raise failed[0]


USER_CREDENTIALS_STEP = Step(
    id="fetch-iam-user-credentials",
    name="Fetch IAM users' access keys, MFA devices and console passwords",
    handler=fetch_user_credentials,
    entities=(ACCESS_KEY, MFA_DEVICE),
    relationships=(
        RelationshipType(IAM_USER, "HAS", ACCESS_KEY),
        RelationshipType(IAM_USER, "ASSIGNED", MFA_DEVICE),
    ),
    depends_on=("fetch-iam-authorization-details",),
    permissions=(
        "iam:ListAccessKeys",
        "iam:GetAccessKeyLastUsed",
        "iam:ListMFADevices",
        "iam:GetLoginProfile",
    ),
)
