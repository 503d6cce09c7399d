"""Organizations API objects -> entities. Pure functions: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws import types as t
from graph_aws.aws.selection import Decision
from graph_aws.model import Entity, epoch_millis, make_entity


def account_status(account: Mapping[str, Any]) -> str:
    """`State` is the current field; `Status` is deprecated since 2026-09-09 but older APIs send only it."""
    return str(account.get("State") or account.get("Status") or "UNKNOWN")


def to_organization(raw: Mapping[str, Any]) -> Entity:
    return make_entity(
        key=raw["Arn"],
        type=t.ORGANIZATION.type,
        classes=t.ORGANIZATION.classes,
        name=raw["Id"],
        properties={
            "id": raw["Id"],
            "arn": raw["Arn"],
            "featureSet": raw.get("FeatureSet"),
            "masterAccountId": raw.get("MasterAccountId"),
            "masterAccountArn": raw.get("MasterAccountArn"),
            "masterAccountEmail": raw.get("MasterAccountEmail"),
        },
    )


def to_root(raw: Mapping[str, Any]) -> Entity:
    return make_entity(
        key=raw["Arn"],
        type=t.ORGANIZATION_ROOT.type,
        classes=t.ORGANIZATION_ROOT.classes,
        name=raw.get("Name") or raw["Id"],
        properties={"id": raw["Id"], "arn": raw["Arn"]},
    )


def to_organizational_unit(raw: Mapping[str, Any], parent_id: str, path: str) -> Entity:
    return make_entity(
        key=raw["Arn"],
        type=t.ORGANIZATIONAL_UNIT.type,
        classes=t.ORGANIZATIONAL_UNIT.classes,
        name=raw.get("Name") or raw["Id"],
        properties={"id": raw["Id"], "arn": raw["Arn"], "parentId": parent_id, "path": path},
    )


def to_account(
    raw: Mapping[str, Any],
    *,
    partition: str,
    organization_id: str,
    is_management: bool,
    tags: Mapping[str, str],
    decision: Decision,
    parent_id: str | None,
    path: str | None,
) -> Entity:
    """An account as the organization knows it. `email` is recorded: this is organization mode.

    A mapped entity, as the management account's view of its members is in JupiterOne: the account's
    own job owns it, and where that job never ran (a skipped or inactive member, one never reached)
    it stays `_source: system-mapper`, so `FIND aws_account WITH _source != 'system-mapper'` finds
    the accounts graph-aws ingests, as JupiterOne's rules mean it. The management account's own
    job owns it as well."""
    status = account_status(raw)
    name = raw.get("Name") or raw["Id"]
    return make_entity(
        key=t.account_key(partition, raw["Id"]),
        type=t.ACCOUNT.type,
        classes=t.ACCOUNT.classes,
        name=name,
        properties={
            "accountId": raw["Id"],
            "id": raw["Id"],
            "vendor": t.AWS_VENDOR,
            "arn": t.account_key(partition, raw["Id"]),
            "orgAccountName": raw.get("Name"),
            "orgAccountArn": raw.get("Arn"),
            "email": raw.get("Email"),
            "joinedMethod": raw.get("JoinedMethod"),
            "joinedOn": epoch_millis(raw.get("JoinedTimestamp")),
            "status": status,
            "active": status == "ACTIVE",
            "master": is_management,
            "organizationId": organization_id,
            "parentId": parent_id,
            "organizationalUnitPath": path,
            "collectionStatus": decision.status,
            "collectionNote": decision.reason,
        },
        tags=tags,
        mapped=True,
    )


def to_policy(raw: Mapping[str, Any], content: str | None) -> Entity:
    return make_entity(
        key=raw["Arn"],
        type=t.ORGANIZATIONS_POLICY.type,
        classes=t.ORGANIZATIONS_POLICY.classes,
        name=raw.get("Name") or raw["Id"],
        properties={
            "id": raw["Id"],
            "arn": raw["Arn"],
            "description": raw.get("Description") or None,
            "policyType": raw.get("Type"),
            "awsManaged": raw.get("AwsManaged"),
            "content": content,
        },
    )
