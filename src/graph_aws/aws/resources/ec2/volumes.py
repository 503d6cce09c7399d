"""EBS volumes, and the KMS key that encrypts each (JupiterOne's ec2-encrypted-volumes reads
`encrypted`; the instance that uses a volume links to it from the instances step)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import (
    EBS_SNAPSHOT,
    EBS_VOLUME,
    EC2,
    arn_of,
    ec2_entity,
    ids,
    link,
    relate,
    snapshot_key,
)
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, Where
from graph_aws.model import Entity, Relationship, RelationshipType, epoch_millis

VOLUME_USES_KMS_KEY = RelationshipType(EBS_VOLUME, "USES", KMS_KEY)
# A volume made from a snapshot USES it (JupiterOne's relationship); the snapshot's ARN names no
# account, so the snapshot may be another account's.
VOLUME_USES_SNAPSHOT = RelationshipType(EBS_VOLUME, "USES", EBS_SNAPSHOT)


def kms_key_arn(key_id: str, where: Where) -> str:
    """DescribeVolumes gives the key's ARN; a bare key id is completed to the ARN the KMS step keys by."""
    return key_id if key_id.startswith("arn:") else where.arn("kms", f"key/{key_id}")


def to_ebs_volume(raw: Mapping[str, Any], where: Where) -> Entity:
    volume_id = raw["VolumeId"]
    key = arn_of(where, "volume", volume_id)
    attachments = raw.get("Attachments") or []
    return ec2_entity(
        EBS_VOLUME,
        where,
        raw,
        key=key,
        resource_id=volume_id,
        console=("ec2/v2", f"Volumes:volumeId={volume_id}"),
        properties={
            "volumeId": volume_id,
            "encrypted": bool(raw.get("Encrypted")),
            "kmsKeyId": kms_key_arn(raw["KmsKeyId"], where) if raw.get("KmsKeyId") else None,
            "size": raw.get("Size"),
            "volumeType": raw.get("VolumeType"),
            "iops": raw.get("Iops"),
            "throughput": raw.get("Throughput"),
            "state": raw.get("State"),
            "snapshotId": raw.get("SnapshotId") or None,
            "availabilityZone": raw.get("AvailabilityZone"),
            "multiAttachEnabled": raw.get("MultiAttachEnabled"),
            "attached": bool(attachments),
            "attachedInstanceIds": ids(attachments, "InstanceId") or None,
            "createdOn": epoch_millis(raw.get("CreateTime")),
        },
    )


def volume_uses_key(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    volume = arn_of(where, "volume", raw["VolumeId"])
    if raw.get("KmsKeyId"):
        yield link(EBS_VOLUME, volume, "USES", KMS_KEY, kms_key_arn(raw["KmsKeyId"], where))
    if raw.get("SnapshotId"):
        yield link(EBS_VOLUME, volume, "USES", EBS_SNAPSHOT, snapshot_key(where, raw["SnapshotId"]))


EBS_VOLUMES = ResourceSpec(
    step_id="fetch-ec2-ebs-volumes",
    name="Fetch EBS volumes",
    service=EC2,
    client="ec2",
    operation="describe_volumes",
    result_key="Volumes",
    entity=EBS_VOLUME,
    convert=to_ebs_volume,
    enrich=relate(volume_uses_key),
    relationships=(VOLUME_USES_KMS_KEY, VOLUME_USES_SNAPSHOT),
    permissions=("ec2:DescribeVolumes",),
)
