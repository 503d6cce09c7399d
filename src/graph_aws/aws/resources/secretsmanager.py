"""Secrets Manager: secrets, with their rotation and the key they USE, never their values (ListSecrets
only).

JupiterOne's AWS documentation names no type for them: `aws_secretsmanager_secret` follows its
`aws_<service>_<resource>` pattern, with the data model's Secret class.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import relate
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.aws.resources.ssm.parameters import kms_key_arn
from graph_aws.model import (
    Entity,
    EntityType,
    Relationship,
    RelationshipType,
    epoch_millis,
    make_entity,
    make_relationship,
)

SECRETS_MANAGER = ServiceSpec(
    "secretsmanager",
    "Secrets Manager",
    EntityType("Secrets Manager", "aws_secretsmanager", ("Service",)),
    function=("password-management", "encryption"),
)
SECRET = EntityType("Secrets Manager Secret", "aws_secretsmanager_secret", ("Secret",))


def to_secret(raw: Mapping[str, Any], where: Where) -> Entity:
    rules = raw.get("RotationRules") or {}
    return make_entity(
        key=raw["ARN"],
        type=SECRET.type,
        classes=SECRET.classes,
        name=raw["Name"],
        properties={
            "arn": raw["ARN"],
            "description": raw.get("Description") or None,
            "kmsKeyId": raw.get("KmsKeyId"),
            "rotationEnabled": bool(raw.get("RotationEnabled")),
            "rotationLambdaArn": raw.get("RotationLambdaARN"),
            "rotationAfterDays": rules.get("AutomaticallyAfterDays"),
            "rotationSchedule": rules.get("ScheduleExpression"),
            "lastRotatedOn": epoch_millis(raw.get("LastRotatedDate")),
            "lastChangedOn": epoch_millis(raw.get("LastChangedDate")),
            "lastAccessedOn": epoch_millis(raw.get("LastAccessedDate")),
            "nextRotationOn": epoch_millis(raw.get("NextRotationDate")),
            "deletedOn": epoch_millis(raw.get("DeletedDate")),
            "createdOn": epoch_millis(raw.get("CreatedDate")),
            "owningService": raw.get("OwningService"),
            "primaryRegion": raw.get("PrimaryRegion"),
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=raw.get("Tags"),
    )


def secret_key(raw: Mapping[str, Any], where: Where) -> Iterable[Relationship]:
    """The customer-managed key that encrypts it (none named: AWS's own aws/secretsmanager key)."""
    key = kms_key_arn(where, raw.get("KmsKeyId"))
    if key:
        yield make_relationship(
            from_type=SECRET.type, from_key=raw["ARN"], verb="USES", to_type=KMS_KEY.type, to_key=key
        )


SECRETS = ResourceSpec(
    step_id="fetch-secretsmanager-secrets",
    name="Fetch Secrets Manager secrets",
    service=SECRETS_MANAGER,
    client="secretsmanager",
    operation="list_secrets",
    result_key="SecretList",
    entity=SECRET,
    convert=to_secret,
    enrich=relate(secret_key),
    relationships=(RelationshipType(SECRET, "USES", KMS_KEY),),
    permissions=("secretsmanager:ListSecrets",),
)

STEPS = (SECRETS_MANAGER.step(), resource_step(SECRETS))
