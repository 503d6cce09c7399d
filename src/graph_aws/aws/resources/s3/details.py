"""Per-bucket details: each read with a client in the bucket's own region.

A bucket that lacks an optional configuration answers with a "not found" error code; those exact
codes mean "not configured" and are recorded as such. Any other error (AccessDenied above all)
propagates and fails the step.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from graph_aws.aws.api import error_code
from graph_aws.aws.resources.registry import Where
from graph_aws.aws.resources.s3 import access
from graph_aws.model import Entity, EntityType, make_entity, make_relationship, tag_properties

S3_BUCKET_POLICY = EntityType("S3 Bucket Policy", "aws_s3_bucket_policy", ("AccessPolicy",))
EVERYONE = EntityType("Everyone", "everyone", ("Everyone",))

EVERYONE_KEY = "global:everyone"  # one entity for "anyone at all", shared by every bucket and account


def optional(call: Callable[..., dict[str, Any]], absent: str, **params: Any) -> dict[str, Any] | None:
    """The response, or None when AWS answers that this configuration does not exist."""
    try:
        return call(**params)
    except ClientError as error:
        if error_code(error) == absent:
            return None
        raise


def bucket_region(s3: Any, name: str) -> str:
    # GetBucketLocation answers None for us-east-1 and the legacy "EU" for eu-west-1.
    location = s3.get_bucket_location(Bucket=name).get("LocationConstraint")
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)


def kms_key_arn(key_id: str | None, where: Where) -> str | None:
    """The key ARN (the `aws_kms_key` key) of an SSE-KMS key given as an ARN or a bare key id;
    None for an alias, which names no key by itself."""
    if not key_id or "alias/" in key_id:
        return None
    if key_id.startswith("arn:"):
        return key_id if ":key/" in key_id else None
    return where.arn("kms", f"key/{key_id}")


def encryption_properties(response: Mapping[str, Any] | None, where: Where) -> dict[str, Any]:
    rules = ((response or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    default = next(
        (
            r["ApplyServerSideEncryptionByDefault"]
            for r in rules
            if r.get("ApplyServerSideEncryptionByDefault")
        ),
        None,
    )
    if default is None:
        return {"encrypted": False, "defaultEncryptionEnabled": False}
    return {
        "encrypted": True,
        "defaultEncryptionEnabled": True,
        "encryptionAlgorithm": default.get("SSEAlgorithm"),
        "kmsKeyId": kms_key_arn(default.get("KMSMasterKeyID"), where) or default.get("KMSMasterKeyID"),
        "bucketKeyEnabled": next((r.get("BucketKeyEnabled") for r in rules if "BucketKeyEnabled" in r), None),
    }


def public_access_block_properties(response: Mapping[str, Any] | None) -> dict[str, bool]:
    block = (response or {}).get("PublicAccessBlockConfiguration") or {}
    names = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    return {name[0].lower() + name[1:]: bool(block.get(name)) for name in names}


def replication_properties(response: Mapping[str, Any] | None) -> dict[str, Any]:
    rules = ((response or {}).get("ReplicationConfiguration") or {}).get("Rules") or []
    enabled = [r for r in rules if r.get("Status") == "Enabled"]
    destinations = sorted(
        {r["Destination"]["Bucket"] for r in enabled if r.get("Destination", {}).get("Bucket")}
    )
    return {"replicationEnabled": bool(enabled), "destinationBuckets": destinations or None}


def policy_document(text: str) -> Any:
    """The bucket policy as a JSON object, or None when its text is not one."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, Mapping) else None


def to_bucket_policy(bucket: Entity, document: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=f"{bucket['_key']}:policy",
        type=S3_BUCKET_POLICY.type,
        classes=S3_BUCKET_POLICY.classes,
        name=f"{bucket['name']} bucket policy",
        properties={
            "bucketName": bucket["name"],
            "policy": json.dumps(document, sort_keys=True),
            "public": access.policy_is_public(document),
            "secureTransport": access.requires_secure_transport(document),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def everyone() -> Entity:
    """JupiterOne's global Everyone, which graph-aws does not own: a mapped entity."""
    return make_entity(
        key=EVERYONE_KEY,
        type=EVERYONE.type,
        classes=EVERYONE.classes,
        name="Everyone",
        display_name="Everyone (public)",
        properties={"principal": "*", "public": True},
        mapped=True,
    )


def allows_everyone(bucket: Entity, grants: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """One ALLOWS per public grant, as JupiterOne's rules read them (`grant.permission = 'WRITE'`):
    relationships hold single values. The `_key` adds the grantee and the permission to
    <from>|allows|<to>, since one bucket may grant everyone several permissions."""
    relationships = []
    for group, uri, permission in sorted(set(grants)):
        relationship = make_relationship(
            from_entity=bucket,
            verb="ALLOWS",
            to_type=EVERYONE.type,
            to_key=EVERYONE_KEY,
            properties={
                "permission": permission,
                "grantee": group,
                "granteeURI": uri,
                "granteeType": "Group",
            },
        )
        relationship["_key"] += f"|{group}|{permission}"
        relationships.append(relationship)
    return relationships


def read_bucket(s3: Any, name: str, where: Where) -> tuple[dict[str, Any], str | None, list[Any]]:
    """The bucket's properties, its policy document (or None) and its ACL grants."""
    properties: dict[str, Any] = {"region": where.region}
    properties |= encryption_properties(
        optional(s3.get_bucket_encryption, "ServerSideEncryptionConfigurationNotFoundError", Bucket=name),
        where,
    )
    versioning = s3.get_bucket_versioning(Bucket=name)
    properties["versioningEnabled"] = versioning.get("Status") == "Enabled"
    properties["mfaDelete"] = versioning.get("MFADelete") == "Enabled"
    logging = s3.get_bucket_logging(Bucket=name).get("LoggingEnabled")
    properties["loggingEnabled"] = bool(logging)
    properties["loggingTargetBucket"] = (logging or {}).get("TargetBucket")
    properties |= public_access_block_properties(
        optional(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration", Bucket=name)
    )
    properties |= replication_properties(
        optional(s3.get_bucket_replication, "ReplicationConfigurationNotFoundError", Bucket=name)
    )
    lock = optional(s3.get_object_lock_configuration, "ObjectLockConfigurationNotFoundError", Bucket=name)
    properties["objectLockEnabled"] = (lock or {}).get("ObjectLockConfiguration", {}).get(
        "ObjectLockEnabled"
    ) == "Enabled"
    tags = (optional(s3.get_bucket_tagging, "NoSuchTagSet", Bucket=name) or {}).get("TagSet") or []
    tags = [t for t in tags if t.get("Key")]  # a tag without its key names nothing
    properties |= tag_properties(tags)
    properties["classification"] = next(
        (t.get("Value") for t in tags if t["Key"].lower() == "classification"), None
    )
    policy = (optional(s3.get_bucket_policy, "NoSuchBucketPolicy", Bucket=name) or {}).get("Policy")
    acl = s3.get_bucket_acl(Bucket=name)
    properties["ownerId"] = (acl.get("Owner") or {}).get("ID")
    return properties, policy, acl.get("Grants") or []
