"""EC2 instances, with their subnet, volumes and security groups.

DescribeInstances nests instances in reservations (Reservations[].Instances[]), which a ResourceSpec
(one item per entity at one result key) cannot express, so this step lists and flattens by hand; the
converter and the relationships stay pure functions of one instance.

`ebsOptimizationSupported` (JupiterOne's rule ebs-optimized-instance) is a property of the instance
type: one DescribeInstanceTypes call per region asks for every type seen there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.context import AccountResources
from graph_aws.aws.resources.ec2.model import (
    EBS_VOLUME,
    EC2,
    INSTANCE,
    SECURITY_GROUP,
    SUBNET,
    arn_of,
    ec2_entity,
    ids,
    link,
)
from graph_aws.aws.resources.registry import Where, for_each_region, one_item, regions_of, required_id
from graph_aws.engine import Step, StepContext
from graph_aws.model import (
    Entity,
    Relationship,
    RelationshipType,
    epoch_millis,
    make_relationship,
)

SUBNET_HAS_INSTANCE = RelationshipType(SUBNET, "HAS", INSTANCE)
INSTANCE_USES_VOLUME = RelationshipType(INSTANCE, "USES", EBS_VOLUME)
INSTANCE_HAS_SECURITY_GROUP = RelationshipType(INSTANCE, "HAS", SECURITY_GROUP)
# JupiterOne's rule ec2-security-group-attached-to-eni reads PROTECTS.
SECURITY_GROUP_PROTECTS_INSTANCE = RelationshipType(SECURITY_GROUP, "PROTECTS", INSTANCE)

# "User initiated (2019-07-31 17:01:22 GMT)": the only record of when a stopped instance stopped.
_TRANSITION_TIME = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?:GMT|UTC)\)")
_TYPE_BATCH = 100  # DescribeInstanceTypes takes at most 100 names


def instance_key(where: Where, instance_id: str) -> str:
    return arn_of(where, "instance", instance_id)


def state_changed_on(reason: str | None) -> int | None:
    match = _TRANSITION_TIME.search(reason or "")
    if not match:
        return None
    try:
        changed = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")
    except ValueError:  # shaped like a time, but none ("2019-13-45 ...")
        return None
    return epoch_millis(changed.replace(tzinfo=UTC))


def _addresses(*values: str | None) -> list[str] | None:
    return list(dict.fromkeys(v for v in values if v)) or None


def to_instance(raw: Mapping[str, Any], where: Where) -> Entity:
    instance_id = required_id(raw.get("InstanceId") or "", "InstanceId", "an instance")
    key = instance_key(where, instance_id)
    state = raw.get("State", {}).get("Name")
    metadata = raw.get("MetadataOptions") or {}
    interfaces = raw.get("NetworkInterfaces") or []
    placement = raw.get("Placement") or {}
    return ec2_entity(
        INSTANCE,
        where,
        raw,
        key=key,
        resource_id=instance_id,
        console=("ec2/v2", f"Instances:instanceId={instance_id}"),
        properties={
            "instanceId": instance_id,
            "instanceType": raw.get("InstanceType"),
            "state": state,
            "active": state == "running",
            "stateChangedOn": state_changed_on(raw.get("StateTransitionReason")),
            "publicIpAddress": raw.get("PublicIpAddress"),
            "privateIpAddress": raw.get("PrivateIpAddress"),
            # The data model's Host: every address as lists (the others it requires are null).
            "publicIpAddresses": _addresses(raw.get("PublicIpAddress")),
            "privateIpAddresses": _addresses(*(i.get("PrivateIpAddress") for i in interfaces)),
            "ipv4Addresses": _addresses(
                *(a.get("PrivateIpAddress") for i in interfaces for a in i.get("PrivateIpAddresses") or []),
                raw.get("PrivateIpAddress"),
                raw.get("PublicIpAddress"),
            ),
            "publicDnsName": raw.get("PublicDnsName") or None,
            "privateDnsName": raw.get("PrivateDnsName") or None,
            "imageId": raw.get("ImageId"),
            "keyName": raw.get("KeyName"),
            "launchTime": epoch_millis(raw.get("LaunchTime")),
            "createdOn": epoch_millis(raw.get("LaunchTime")),
            "platform": raw.get("Platform") or raw.get("PlatformDetails"),
            "architecture": raw.get("Architecture"),
            "subnetId": raw.get("SubnetId"),
            "vpcId": raw.get("VpcId"),
            "availabilityZone": placement.get("AvailabilityZone"),
            "tenancy": placement.get("Tenancy"),
            "monitoringState": (raw.get("Monitoring") or {}).get("State"),
            "ebsOptimized": raw.get("EbsOptimized"),
            "iamInstanceProfileArn": (raw.get("IamInstanceProfile") or {}).get("Arn"),
            "httpTokens": metadata.get("HttpTokens"),
            "httpEndpointEnabled": metadata["HttpEndpoint"] == "enabled"
            if metadata.get("HttpEndpoint")
            else None,
            "httpPutResponseHopLimit": metadata.get("HttpPutResponseHopLimit"),
            "rootDeviceType": raw.get("RootDeviceType"),
            "rootDeviceName": raw.get("RootDeviceName"),
            "securityGroupIds": ids(raw.get("SecurityGroups"), "GroupId") or None,
        },
    )


def instance_relationships(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    key = instance_key(where, raw["InstanceId"])
    if raw.get("SubnetId"):
        yield link(SUBNET, arn_of(where, "subnet", raw["SubnetId"]), "HAS", INSTANCE, key)
    volume_ids = ids([m.get("Ebs") or {} for m in raw.get("BlockDeviceMappings") or []], "VolumeId")
    for volume_id in dict.fromkeys(volume_ids):
        yield link(INSTANCE, key, "USES", EBS_VOLUME, arn_of(where, "volume", volume_id))
    for group_id in ids(raw.get("SecurityGroups"), "GroupId"):
        group = arn_of(where, "security-group", group_id)
        yield link(INSTANCE, key, "HAS", SECURITY_GROUP, group)
        yield link(SECURITY_GROUP, group, "PROTECTS", INSTANCE, key)


def instances_of(client: Any) -> Iterator[Mapping[str, Any]]:
    for reservation in paginate(client, "describe_instances", "Reservations"):
        yield from reservation.get("Instances") or []


def ebs_optimization_support(client: Any, instance_types: list[str]) -> dict[str, bool]:
    support: dict[str, bool] = {}
    for start in range(0, len(instance_types), _TYPE_BATCH):
        batch = instance_types[start : start + _TYPE_BATCH]
        for info in paginate(client, "describe_instance_types", "InstanceTypes", InstanceTypes=batch):
            ebs = info.get("EbsInfo") or {}
            if ebs.get("EbsOptimizedSupport") and info.get("InstanceType"):
                support[info["InstanceType"]] = ebs["EbsOptimizedSupport"] != "unsupported"
    return support


def fetch_instances(context: StepContext) -> None:
    resources: AccountResources = context.resources
    job_state = context.job_state
    service_key = EC2.key_of(resources.account_id)

    def in_region(region: str) -> None:
        client = resources.session.client("ec2", region)
        where = Where(resources.account_id, resources.partition, region)
        types_by_key: dict[str, str] = {}
        for raw in instances_of(client):
            with one_item(context, region):
                entity = job_state.add_entity(to_instance(raw, where))
                if raw.get("InstanceType"):
                    types_by_key[entity["_key"]] = raw["InstanceType"]
                job_state.add_relationship(
                    make_relationship(
                        from_type=EC2.entity.type, from_key=service_key, verb="HAS", to_entity=entity
                    )
                )
                for relationship in instance_relationships(raw, where):
                    job_state.add_relationship(relationship)
        support = ebs_optimization_support(client, sorted(set(types_by_key.values())))
        for key, instance_type in types_by_key.items():
            job_state.enrich_entity(key, {"ebsOptimizationSupported": support.get(instance_type)})

    for_each_region(context, in_region, regions_of(context))


INSTANCES_STEP = Step(
    id="fetch-ec2-instances",
    name="Fetch EC2 instances",
    handler=fetch_instances,
    entities=(INSTANCE,),
    relationships=(
        EC2.has(INSTANCE),
        SUBNET_HAS_INSTANCE,
        INSTANCE_USES_VOLUME,
        INSTANCE_HAS_SECURITY_GROUP,
        SECURITY_GROUP_PROTECTS_INSTANCE,
    ),
    depends_on=(EC2.step_id, "fetch-regions"),
    permissions=("ec2:DescribeInstances", "ec2:DescribeInstanceTypes"),
)
