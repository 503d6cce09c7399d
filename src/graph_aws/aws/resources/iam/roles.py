"""IAM roles, whom their trust policies trust, and their policies."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graph_aws.aws import types as t
from graph_aws.aws.account.converters import to_mapped_account
from graph_aws.aws.resources.iam.policies import OwnedPolicies, document_json
from graph_aws.aws.resources.iam.service import (
    IAM,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_USER,
    SERVICE_PRINCIPAL,
)
from graph_aws.aws.resources.registry import ResourceSpec, Where
from graph_aws.engine import StepContext
from graph_aws.model import (
    Entity,
    EntityType,
    RelationshipType,
    epoch_day_millis,
    epoch_millis,
    make_entity,
    make_relationship,
    tag_properties,
)

ROLE_POLICIES = OwnedPolicies(
    owner=IAM_ROLE,
    inline=IAM_ROLE_POLICY,
    name_parameter="RoleName",
    list_attached="list_attached_role_policies",
    list_inline="list_role_policies",
    get_inline="get_role_policy",
)
ACCOUNT_ID = re.compile(r"\d{12}")
PRINCIPAL_ARN = re.compile(r"arn:(?P<partition>[^:]+):iam::(?P<account>\d{12}):(?P<resource>.+)")
TRUSTED_TYPES = (IAM_USER, IAM_ROLE, t.ACCOUNT, SERVICE_PRINCIPAL)


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
    another account), accounts by their root ARN (the aws_account key), services by their principal.
    Wildcards, deleted principals (shown as unique ids), federated providers and STS session ARNs are
    not entities here."""
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
    return [(type, key, principal) for key, (type, principal) in found.items()]


def to_iam_role(raw: Mapping[str, Any], where: Where) -> Entity:
    trust = raw.get("AssumeRolePolicyDocument")
    principals = list(allowed_principals(trust))
    return make_entity(
        key=raw["Arn"],
        type=IAM_ROLE.type,
        classes=IAM_ROLE.classes,
        name=raw["RoleName"],
        properties={
            "arn": raw["Arn"],
            "id": raw.get("RoleId"),
            "roleId": raw.get("RoleId"),
            "roleName": raw["RoleName"],
            "path": raw.get("Path"),
            "description": raw.get("Description") or None,
            "serviceLinked": (raw.get("Path") or "").startswith("/aws-service-role/"),
            "maxSessionDuration": raw.get("MaxSessionDuration"),
            "createdOn": epoch_millis(raw.get("CreateDate")),
            "assumeRolePolicyDocument": document_json(trust),
            "trustedServices": sorted({v for k, v in principals if k == "Service"}) or None,
            "trustedPrincipals": sorted({v for k, v in principals if k == "AWS"}) or None,
            "trustedFederatedPrincipals": sorted({v for k, v in principals if k == "Federated"}) or None,
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


def enrich_role(context: StepContext, iam: Any, where: Where, raw: Mapping[str, Any], role: Entity) -> None:
    state = context.job_state
    # ListRoles leaves out tags, last use and the permissions boundary.
    detail = iam.get_role(RoleName=raw["RoleName"])["Role"]
    last_used = detail.get("RoleLastUsed") or {}
    state.enrich_entity(
        role["_key"],
        {
            "lastUsedOn": epoch_day_millis(last_used.get("LastUsedDate")),
            "lastUsedRegion": last_used.get("Region"),
            "permissionsBoundaryArn": (detail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
            **tag_properties(detail.get("Tags")),
        },
    )
    for type, key, principal in trusted(raw.get("AssumeRolePolicyDocument"), where):
        target = mapped_trust_target(type, key, principal, where)
        if target is not None:  # one per key, however many roles trust it
            state.add_mapped_entity(target)
        state.add_relationship(
            make_relationship(from_entity=role, verb="TRUSTS", to_type=type.type, to_key=key)
        )
    ROLE_POLICIES.collect(context, iam, where, role, raw["RoleName"])


IAM_ROLES = ResourceSpec(
    step_id="fetch-iam-roles",
    name="Fetch IAM roles, their trust relationships and policies",
    service=IAM,
    client="iam",
    operation="list_roles",
    result_key="Roles",
    entity=IAM_ROLE,
    convert=to_iam_role,
    enrich=enrich_role,
    regional=False,
    extra_entities=(IAM_ROLE_POLICY,),  # and the mapped entities that roles trust
    relationships=(
        *(RelationshipType(IAM_ROLE, "TRUSTS", target) for target in TRUSTED_TYPES),
        *ROLE_POLICIES.relationships,
    ),
    permissions=("iam:ListRoles", "iam:GetRole", *ROLE_POLICIES.permissions),
)
