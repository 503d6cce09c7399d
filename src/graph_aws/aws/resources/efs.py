"""EFS: file systems (encryption and its key: the CIS 2.4.1 check) and their mount targets, which
sit in a subnet and USE a network interface. DescribeMountTargets answers per file system (the API
nests), so the file system's enrichment lists them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.resources.ec2.model import ENI, SUBNET, arn_of
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, one_item, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, epoch_millis, make_entity, make_relationship

EFS = ServiceSpec(
    "efs", "EFS", EntityType("EFS", "aws_efs", ("Service",)), function=("file-system", "storage")
)
FILE_SYSTEM = EntityType("EFS File System", "aws_efs_file_system", ("DataStore",))
MOUNT_TARGET = EntityType("EFS Mount Target", "aws_efs_mount_target", ("NetworkEndpoint",))


def to_file_system(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["FileSystemArn"],
        type=FILE_SYSTEM.type,
        classes=FILE_SYSTEM.classes,
        name=raw.get("Name") or raw["FileSystemId"],
        properties={
            "arn": raw["FileSystemArn"],
            "fileSystemId": raw["FileSystemId"],
            "encrypted": bool(raw.get("Encrypted")),
            "kmsKeyId": raw.get("KmsKeyId"),
            "classification": None,
            "lifeCycleState": raw.get("LifeCycleState"),
            "performanceMode": raw.get("PerformanceMode"),
            "throughputMode": raw.get("ThroughputMode"),
            "numberOfMountTargets": raw.get("NumberOfMountTargets"),
            "sizeInBytes": (raw.get("SizeInBytes") or {}).get("Value"),
            "availabilityZoneName": raw.get("AvailabilityZoneName"),  # a One Zone file system's
            "ownerId": raw.get("OwnerId"),
            "createdOn": epoch_millis(raw.get("CreationTime")),
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=raw.get("Tags"),
    )


def to_mount_target(raw: Mapping[str, Any], where: Where) -> Entity:
    # Mount targets have no ARN; this one is built as the file system's are, from the id.
    target_id = raw.get("MountTargetId") or ""
    key = where.arn("elasticfilesystem", f"mount-target/{target_id}")  # UnconvertibleItem without one
    return make_entity(
        key=key,
        type=MOUNT_TARGET.type,
        classes=MOUNT_TARGET.classes,
        name=target_id,
        properties={
            "mountTargetId": target_id,
            "fileSystemId": raw.get("FileSystemId"),
            "subnetId": raw.get("SubnetId"),
            "vpcId": raw.get("VpcId"),
            "ipAddress": raw.get("IpAddress"),
            "networkInterfaceId": raw.get("NetworkInterfaceId"),
            "availabilityZone": raw.get("AvailabilityZoneName"),
            "lifeCycleState": raw.get("LifeCycleState"),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_file_system(
    context: StepContext, efs: Any, where: Where, raw: Mapping[str, Any], fs: Entity
) -> None:
    state = context.job_state
    if raw.get("KmsKeyId"):
        with one_item(context, f"{fs['_key']} USES KMS key"):
            state.add_relationship(
                make_relationship(from_entity=fs, verb="USES", to_type=KMS_KEY.type, to_key=raw["KmsKeyId"])
            )
    for item in paginate(efs, "describe_mount_targets", "MountTargets", FileSystemId=raw["FileSystemId"]):
        with one_item(context, f"{fs['_key']}: a mount target"):
            add_mount_target(context, where, fs, item)


def add_mount_target(context: StepContext, where: Where, fs: Entity, item: Mapping[str, Any]) -> None:
    state = context.job_state
    target = state.add_entity(to_mount_target(item, where))
    state.add_relationship(make_relationship(from_entity=fs, verb="HAS", to_entity=target))
    if item.get("SubnetId"):
        with one_item(context, f"{target['_key']}: its subnet"):
            state.add_relationship(
                make_relationship(
                    from_type=SUBNET.type,
                    from_key=arn_of(where, "subnet", item["SubnetId"]),
                    verb="HAS",
                    to_entity=target,
                )
            )
    if item.get("NetworkInterfaceId"):
        with one_item(context, f"{target['_key']}: its network interface"):
            state.add_relationship(
                make_relationship(
                    from_entity=target,
                    verb="USES",
                    to_type=ENI.type,
                    to_key=arn_of(where, "network-interface", item["NetworkInterfaceId"]),
                )
            )


FILE_SYSTEMS = ResourceSpec(
    step_id="fetch-efs-file-systems",
    name="Fetch EFS file systems and their mount targets",
    service=EFS,
    client="efs",
    operation="describe_file_systems",
    result_key="FileSystems",
    entity=FILE_SYSTEM,
    convert=to_file_system,
    enrich=enrich_file_system,
    extra_entities=(MOUNT_TARGET,),
    relationships=(
        RelationshipType(FILE_SYSTEM, "USES", KMS_KEY),
        RelationshipType(FILE_SYSTEM, "HAS", MOUNT_TARGET),
        RelationshipType(SUBNET, "HAS", MOUNT_TARGET),
        RelationshipType(MOUNT_TARGET, "USES", ENI),
    ),
    permissions=("elasticfilesystem:DescribeFileSystems", "elasticfilesystem:DescribeMountTargets"),
)

STEPS = (EFS.step(), resource_step(FILE_SYSTEMS))
