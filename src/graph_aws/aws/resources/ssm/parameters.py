"""SecureString parameters: name, key, tier and age, never their values (DescribeParameters only)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import relate
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, Where
from graph_aws.aws.resources.ssm.model import SECURE_STRING_PARAMETER, SSM
from graph_aws.model import (
    Entity,
    Relationship,
    RelationshipType,
    epoch_millis,
    make_entity,
    make_relationship,
)

_KEY_ID = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$|^mrk-[0-9a-f]{32}$")


def parameter_arn(where: Where, name: str) -> str:
    """`arn:...:parameter/name` for `name`, `arn:...:parameter/a/b` for the path `/a/b`."""
    return where.arn("ssm", f"parameter{name}" if name.startswith("/") else f"parameter/{name}")


def kms_key_arn(where: Where, key_id: str | None) -> str | None:
    """The ARN of the key a parameter names by id or ARN; None for an alias (alias/aws/ssm), which
    names no key graph-aws can key by without resolving it."""
    if not key_id:
        return None
    if key_id.startswith("arn:") and ":key/" in key_id:
        return key_id
    return where.arn("kms", f"key/{key_id}") if _KEY_ID.match(key_id) else None


def to_secure_string_parameter(raw: Mapping[str, Any], where: Where) -> Entity:
    name = raw["Name"]
    arn = raw.get("ARN") or parameter_arn(where, name)
    return make_entity(
        key=arn,
        type=SECURE_STRING_PARAMETER.type,
        classes=SECURE_STRING_PARAMETER.classes,
        name=name,
        properties={
            "arn": arn,
            "type": raw.get("Type"),
            "description": raw.get("Description") or None,
            "keyId": raw.get("KeyId"),
            "tier": raw.get("Tier"),
            "dataType": raw.get("DataType"),
            "version": raw.get("Version"),
            "lastModifiedOn": epoch_millis(raw.get("LastModifiedDate")),
            "lastModifiedUser": raw.get("LastModifiedUser"),
            "policies": [p["PolicyText"] for p in raw.get("Policies") or [] if p.get("PolicyText")] or None,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def parameter_key(raw: Mapping[str, Any], where: Where) -> Iterable[Relationship]:
    key = kms_key_arn(where, raw.get("KeyId"))
    if key:
        yield make_relationship(
            from_type=SECURE_STRING_PARAMETER.type,
            from_key=raw.get("ARN") or parameter_arn(where, raw["Name"]),
            verb="USES",
            to_type=KMS_KEY.type,
            to_key=key,
        )


SECURE_STRING_PARAMETERS = ResourceSpec(
    step_id="fetch-ssm-parameters",
    name="Fetch SSM SecureString parameters",
    service=SSM,
    service_verb="MANAGES",
    client="ssm",
    operation="describe_parameters",
    result_key="Parameters",
    parameters={"ParameterFilters": [{"Key": "Type", "Option": "Equals", "Values": ["SecureString"]}]},
    entity=SECURE_STRING_PARAMETER,
    convert=to_secure_string_parameter,
    enrich=relate(parameter_key),
    relationships=(RelationshipType(SECURE_STRING_PARAMETER, "USES", KMS_KEY),),
    permissions=("ssm:DescribeParameters",),
)
