"""Network interfaces (ENIs) and Elastic IPs, with the instances that use them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import (
    EC2,
    EIP,
    ENI,
    INSTANCE,
    SECURITY_GROUP,
    SUBNET,
    arn_of,
    ec2_entity,
    ids,
    link,
    relate,
)
from graph_aws.aws.resources.registry import ResourceSpec, Where
from graph_aws.model import Entity, Relationship, RelationshipType

SUBNET_HAS_ENI = RelationshipType(SUBNET, "HAS", ENI)
INSTANCE_USES_ENI = RelationshipType(INSTANCE, "USES", ENI)
SECURITY_GROUP_PROTECTS_ENI = RelationshipType(SECURITY_GROUP, "PROTECTS", ENI)
INSTANCE_USES_EIP = RelationshipType(INSTANCE, "USES", EIP)


def to_eni(raw: Mapping[str, Any], where: Where) -> Entity:
    eni_id = raw["NetworkInterfaceId"]
    key = arn_of(where, "network-interface", eni_id)
    association = raw.get("Association") or {}
    attachment = raw.get("Attachment") or {}
    return ec2_entity(
        ENI,
        where,
        raw,
        key=key,
        resource_id=eni_id,
        console=("ec2/v2", f"NetworkInterface:networkInterfaceId={eni_id}"),
        properties={
            "networkInterfaceId": eni_id,
            "interfaceType": raw.get("InterfaceType"),
            "status": raw.get("Status"),
            "description": raw.get("Description") or None,
            "macAddress": raw.get("MacAddress"),
            "privateIp": raw.get("PrivateIpAddress"),
            # The data model's NetworkInterface: one (the primary) address; every one in the list.
            "privateIpAddress": raw.get("PrivateIpAddress"),
            "privateIpAddresses": ids(raw.get("PrivateIpAddresses"), "PrivateIpAddress") or None,
            "privateDnsName": raw.get("PrivateDnsName") or None,
            "publicIp": association.get("PublicIp"),
            "publicIpAddress": association.get("PublicIp"),
            "publicDnsName": association.get("PublicDnsName") or None,
            "ipv6Addresses": ids(raw.get("Ipv6Addresses"), "Ipv6Address") or None,
            "subnetId": raw.get("SubnetId"),
            "vpcId": raw.get("VpcId"),
            "availabilityZone": raw.get("AvailabilityZone"),
            "instanceId": attachment.get("InstanceId") or None,
            "attachmentStatus": attachment.get("Status"),
            "requesterManaged": raw.get("RequesterManaged"),
            "sourceDestCheck": raw.get("SourceDestCheck"),
            "securityGroupIds": ids(raw.get("Groups"), "GroupId") or None,
        },
        tags=raw.get("TagSet") or raw.get("Tags"),
    )


def eni_relationships(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    key = arn_of(where, "network-interface", raw["NetworkInterfaceId"])
    if raw.get("SubnetId"):
        yield link(SUBNET, arn_of(where, "subnet", raw["SubnetId"]), "HAS", ENI, key)
    instance_id = (raw.get("Attachment") or {}).get("InstanceId")
    if instance_id:
        yield link(INSTANCE, arn_of(where, "instance", instance_id), "USES", ENI, key)
    for group_id in ids(raw.get("Groups"), "GroupId"):
        yield link(SECURITY_GROUP, arn_of(where, "security-group", group_id), "PROTECTS", ENI, key)


def to_eip(raw: Mapping[str, Any], where: Where) -> Entity:
    allocation_id = raw["AllocationId"]
    key = arn_of(where, "elastic-ip", allocation_id)
    return ec2_entity(
        EIP,
        where,
        raw,
        key=key,
        resource_id=allocation_id,
        name=raw["PublicIp"],
        console=("ec2/v2", f"ElasticIpDetails:AllocationId={allocation_id}"),
        properties={
            "allocationId": allocation_id,
            "associationId": raw.get("AssociationId") or None,
            "publicIp": raw["PublicIp"],
            "ipAddress": raw["PublicIp"],
            "publicIpAddress": raw["PublicIp"],
            "privateIpAddress": raw.get("PrivateIpAddress") or None,
            "domain": raw.get("Domain"),
            "instanceId": raw.get("InstanceId") or None,
            "networkInterfaceId": raw.get("NetworkInterfaceId") or None,
            "networkBorderGroup": raw.get("NetworkBorderGroup"),
            "publicIpv4Pool": raw.get("PublicIpv4Pool"),
        },
    )


def eip_used_by_instance(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    if raw.get("InstanceId"):  # "" when not associated with an instance
        instance = arn_of(where, "instance", raw["InstanceId"])
        yield link(INSTANCE, instance, "USES", EIP, arn_of(where, "elastic-ip", raw["AllocationId"]))


NETWORK_INTERFACES = ResourceSpec(
    step_id="fetch-ec2-network-interfaces",
    name="Fetch EC2 network interfaces",
    service=EC2,
    client="ec2",
    operation="describe_network_interfaces",
    result_key="NetworkInterfaces",
    entity=ENI,
    convert=to_eni,
    enrich=relate(eni_relationships),
    relationships=(SUBNET_HAS_ENI, INSTANCE_USES_ENI, SECURITY_GROUP_PROTECTS_ENI),
    permissions=("ec2:DescribeNetworkInterfaces",),
)

ELASTIC_IPS = ResourceSpec(
    step_id="fetch-ec2-elastic-ips",
    name="Fetch Elastic IP addresses",
    service=EC2,
    client="ec2",
    operation="describe_addresses",
    result_key="Addresses",
    paginated=False,  # DescribeAddresses returns every address at once
    entity=EIP,
    convert=to_eip,
    enrich=relate(eip_used_by_instance),
    relationships=(INSTANCE_USES_EIP,),
    permissions=("ec2:DescribeAddresses",),
)
