"""IAM roles (from GetAccountAuthorizationDetails, see authorization.py), whom their trust policies
trust, and the instance profiles that hold them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graph_aws.aws import types as t
from graph_aws.aws.account.converters import to_mapped_account
from graph_aws.aws.resources.iam.policies import document_json
from graph_aws.aws.resources.iam.service import (
    IAM_ROLE,
    IAM_USER,
    INSTANCE_PROFILE,
    OIDC_PROVIDER,
    SAML_PROVIDER,
    SERVICE_PRINCIPAL,
    required,
    web_link,
)
from graph_aws.aws.resources.registry import Where
from graph_aws.model import Entity, EntityType, epoch_day_millis, epoch_millis, make_entity

ACCOUNT_ID = re.compile(r"\d{12}")
PRINCIPAL_ARN = re.compile(r"arn:(?P<partition>[^:]+):iam::(?P<account>\d{12}):(?P<resource>.+)")
TRUSTED_TYPES = (IAM_USER, IAM_ROLE, t.ACCOUNT, SERVICE_PRINCIPAL, OIDC_PROVIDER, SAML_PROVIDER)


def allowed_principals(document: Any) -> Iterator[tuple[str, str]]:
    """(kind, principal) for every principal an Allow statement names: ("Service", "ec2.amazonaws.com"),
    ("AWS", "arn:aws:iam::111122223333:root"), ("Federated", ...), ("AWS", "*")."""
    if not isinstance(document, Mapping):
        return
    statements = document.get("Statement", [])
    for statement in [statements] if isinstance(statements, Mapping) else statements:
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal == "*":
            yield "AWS", "*"
        elif isinstance(principal, Mapping):
            for kind, values in principal.items():
                yield from ((kind, value) for value in ([values] if isinstance(values, str) else values))


def service_principal_key(account_id: str, principal: str) -> str:
    return f"aws_service:{account_id}:{principal}"


def trusted(document: Any, where: Where) -> list[tuple[EntityType, str, str]]:
    """(type, key, principal) of whom the trust policy trusts: users and roles by ARN (of this or
    another account), accounts by their root ARN (the aws_account key), services by their principal,
    the account's OIDC and SAML providers by ARN. Wildcards, deleted principals (shown as unique ids),
    web identity providers named by domain (accounts.google.com) and STS session ARNs are not
    entities here."""
    found: dict[str, tuple[EntityType, str]] = {}
    for kind, value in allowed_principals(document):
        if kind == "Service":
            found[service_principal_key(where.account_id, value)] = SERVICE_PRINCIPAL, value
        elif kind == "AWS" and ACCOUNT_ID.fullmatch(value):
            found[t.account_key(where.partition, value)] = t.ACCOUNT, value
        elif kind == "AWS" and (arn := PRINCIPAL_ARN.fullmatch(value)):
            resource = arn["resource"]
            if resource == "root":
                found[value] = t.ACCOUNT, value
            elif resource.startswith("user/"):
                found[value] = IAM_USER, value
            elif resource.startswith("role/"):
                found[value] = IAM_ROLE, value
        elif kind == "Federated" and (arn := PRINCIPAL_ARN.fullmatch(value)):
            if arn["resource"].startswith("oidc-provider/"):
                found[value] = OIDC_PROVIDER, value
            elif arn["resource"].startswith("saml-provider/"):
                found[value] = SAML_PROVIDER, value
    return [(type, key, principal) for key, (type, principal) in found.items()]


def to_iam_role(raw: Mapping[str, Any], where: Where) -> Entity:
    trust = raw.get("AssumeRolePolicyDocument")
    principals = list(allowed_principals(trust))
    last_used = raw.get("RoleLastUsed") or {}
    arn, name = required(raw, "Arn", "an IAM role"), required(raw, "RoleName", "an IAM role")
    return make_entity(
        key=arn,
        type=IAM_ROLE.type,
        classes=IAM_ROLE.classes,
        name=name,
        properties={
            "arn": arn,
            "id": raw.get("RoleId"),
            "roleId": raw.get("RoleId"),
            "roleName": name,
            "path": raw.get("Path"),
            "serviceLinked": (raw.get("Path") or "").startswith("/aws-service-role/"),
            "createdOn": epoch_millis(raw.get("CreateDate")),
            "lastUsedOn": epoch_day_millis(last_used.get("LastUsedDate")),
            "lastUsedRegion": last_used.get("Region"),
            "permissionsBoundaryArn": (raw.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
            "assumeRolePolicyDocument": document_json(trust),
            "trustedServices": sorted({v for k, v in principals if k == "Service"}) or None,
            "trustedPrincipals": sorted({v for k, v in principals if k == "AWS"}) or None,
            "trustedFederatedPrincipals": sorted({v for k, v in principals if k == "Federated"}) or None,
            "webLink": web_link(where.partition, "roles", name),
            "accountId": where.account_id,
        },
        tags=raw.get("Tags"),
    )


def to_instance_profile(raw: Mapping[str, Any], where: Where) -> Entity:
    arn = required(raw, "Arn", "an instance profile")
    name = raw.get("InstanceProfileName") or arn.rsplit("/", 1)[-1]
    return make_entity(
        key=arn,
        type=INSTANCE_PROFILE.type,
        classes=INSTANCE_PROFILE.classes,
        name=name,
        properties={
            "arn": arn,
            "id": raw.get("InstanceProfileId"),
            "instanceProfileId": raw.get("InstanceProfileId"),
            "instanceProfileName": raw.get("InstanceProfileName"),
            "path": raw.get("Path"),
            "createdOn": epoch_millis(raw.get("CreateDate")),
            "accountId": where.account_id,
        },
        tags=raw.get("Tags"),
    )


def to_service_principal(principal: str, where: Where) -> Entity:
    return make_entity(
        key=service_principal_key(where.account_id, principal),
        type=SERVICE_PRINCIPAL.type,
        classes=SERVICE_PRINCIPAL.classes,
        name=principal,
        properties={
            "principal": principal,
            "category": ["infrastructure"],  # the data model's Service requires both
            "function": ["other"],
            "accountId": where.account_id,
        },
        mapped=True,
    )


def mapped_trust_target(type: EntityType, key: str, principal: str, where: Where) -> Entity | None:
    """The mapped entity for a trusted principal this account job does not own: a service principal,
    or an account, user or role of another account (its own entity wins where it is ingested too).
    None for this account's own root, users and roles."""
    if type is SERVICE_PRINCIPAL:
        return to_service_principal(principal, where)
    account_id = key.split(":")[4]
    if account_id == where.account_id:
        return None
    if type is t.ACCOUNT:
        return to_mapped_account(account_id=account_id, partition=where.partition)
    return make_entity(
        key=key,
        type=type.type,
        classes=type.classes,
        name=key.rsplit("/", 1)[-1],
        properties={"arn": key, "accountId": account_id},
        mapped=True,
    )
