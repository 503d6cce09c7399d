"""KMS: keys, with their metadata and rotation (CIS 3.6: rotation of customer-managed keys).

JupiterOne's rules read `keyRotationEnabled` and `encryptionAlgorithms` (`encryptionAlgorithms ~=
'SYMMETRIC'`, a list matched by any element); `rotationEnabled` is kept under its older name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.api import error_code
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, epoch_millis, make_entity

KMS = ServiceSpec(
    "kms", "KMS", EntityType("KMS", "aws_kms", ("Service",)), function=("key-management", "encryption")
)
KMS_KEY = EntityType("KMS Key", "aws_kms_key", ("CryptoKey",))


def to_kms_key(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["KeyArn"],
        type=KMS_KEY.type,
        classes=KMS_KEY.classes,
        name=raw["KeyId"],
        properties={
            "arn": raw["KeyArn"],
            "keyId": raw["KeyId"],
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def key_metadata_properties(metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "description": metadata.get("Description") or None,
        "keyManager": metadata.get("KeyManager"),
        "keyUsage": metadata.get("KeyUsage"),
        "keySpec": metadata.get("KeySpec"),
        "keyState": metadata.get("KeyState"),
        "enabled": metadata.get("Enabled"),
        "origin": metadata.get("Origin"),
        "multiRegion": metadata.get("MultiRegion"),
        "encryptionAlgorithms": list(metadata.get("EncryptionAlgorithms") or []) or None,
        "createdOn": epoch_millis(metadata.get("CreationDate")),
    }


def enrich_key(context: StepContext, kms: Any, where: Where, raw: Mapping[str, Any], entity: Entity) -> None:
    metadata = kms.describe_key(KeyId=raw["KeyId"]).get("KeyMetadata")
    if metadata is None:  # nothing more is known of the key than ListKeys said
        context.warn(f"{entity['_key']}: DescribeKey answered no KeyMetadata; its details are left out")
        return
    properties = key_metadata_properties(metadata)
    # Rotation exists only for enabled, symmetric, customer-managed keys; asking about others fails
    # (or, asked of an asymmetric key, costs a call to learn nothing).
    symmetric = metadata.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
    if metadata.get("KeyManager") == "CUSTOMER" and metadata.get("KeyState") == "Enabled" and symmetric:
        try:
            rotation = kms.get_key_rotation_status(KeyId=raw["KeyId"]).get("KeyRotationEnabled")
            properties["rotationEnabled"] = properties["keyRotationEnabled"] = rotation
        except Exception as error:
            if error_code(error) not in ("UnsupportedOperationException", "ValidationException"):
                raise
    context.job_state.enrich_entity(entity["_key"], properties)


KMS_KEYS = ResourceSpec(
    step_id="fetch-kms-keys",
    name="Fetch KMS keys",
    service=KMS,
    client="kms",
    operation="list_keys",
    result_key="Keys",
    entity=KMS_KEY,
    convert=to_kms_key,
    enrich=enrich_key,
    permissions=("kms:ListKeys", "kms:DescribeKey", "kms:GetKeyRotationStatus"),
)

STEPS = (KMS.step(), resource_step(KMS_KEYS))
