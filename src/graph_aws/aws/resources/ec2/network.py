"""VPC networking: VPCs, subnets, internet and NAT gateways, route tables (network ACLs and their
rules are in network_acls.py).

Each is list-then-convert (a ResourceSpec); the links to the VPC and the internet gateways a route
table sends to the Internet come from the listed item itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import (
    EC2,
    INTERNET,
    INTERNET_CIDRS,
    INTERNET_GATEWAY,
    INTERNET_KEY,
    NAT_GATEWAY,
    ROUTE_TABLE,
    SUBNET,
    VPC,
    arn_of,
    compact_json,
    ec2_entity,
    ids,
    is_private,
    link,
    relate,
)
from graph_aws.aws.resources.registry import ResourceSpec, Where
from graph_aws.model import Entity, Relationship, RelationshipType, epoch_millis

VPC_CONTAINS_SUBNET = RelationshipType(VPC, "CONTAINS", SUBNET)
VPC_HAS_INTERNET_GATEWAY = RelationshipType(VPC, "HAS", INTERNET_GATEWAY)
VPC_HAS_NAT_GATEWAY = RelationshipType(VPC, "HAS", NAT_GATEWAY)
VPC_HAS_ROUTE_TABLE = RelationshipType(VPC, "HAS", ROUTE_TABLE)
# JupiterOne's rule no-unrestricted-route-to-igw: FIND aws_internet_gateway THAT CONNECTS Internet.
INTERNET_GATEWAY_CONNECTS_INTERNET = RelationshipType(INTERNET_GATEWAY, "CONNECTS", INTERNET)


def vpc_key(where: Where, vpc_id: str) -> str:
    return arn_of(where, "vpc", vpc_id)


def subnet_key(where: Where, subnet_id: str) -> str:
    return arn_of(where, "subnet", subnet_id)


def to_vpc(raw: Mapping[str, Any], where: Where) -> Entity:
    key = vpc_key(where, raw["VpcId"])
    ipv6 = [
        a["Ipv6CidrBlock"] for a in raw.get("Ipv6CidrBlockAssociationSet") or [] if a.get("Ipv6CidrBlock")
    ]
    return ec2_entity(
        VPC,
        where,
        raw,
        key=key,
        resource_id=raw["VpcId"],
        console=("vpc", f"VpcDetails:VpcId={raw['VpcId']}"),
        properties={
            "vpcId": raw["VpcId"],
            "CIDR": raw.get("CidrBlock"),
            "cidrBlock": raw.get("CidrBlock"),
            "cidrBlocks": ids(raw.get("CidrBlockAssociationSet"), "CidrBlock") or None,
            "CIDRv6": ipv6[0] if ipv6 else None,
            "default": raw.get("IsDefault"),
            "isDefault": raw.get("IsDefault"),
            "state": raw.get("State"),
            "instanceTenancy": raw.get("InstanceTenancy"),
            "dhcpOptionsId": raw.get("DhcpOptionsId"),
            "ownerId": raw.get("OwnerId"),
            "internal": is_private(raw.get("CidrBlock")),
            "public": False,
        },
    )


def to_subnet(raw: Mapping[str, Any], where: Where) -> Entity:
    key = subnet_key(where, raw["SubnetId"])
    cidr = raw.get("CidrBlock")
    return ec2_entity(
        SUBNET,
        where,
        raw,
        key=key,
        resource_id=raw["SubnetId"],
        console=("vpc", f"SubnetDetails:subnetId={raw['SubnetId']}"),
        properties={
            "subnetId": raw["SubnetId"],
            "vpcId": raw["VpcId"],
            "CIDR": cidr,
            "cidrBlock": cidr,
            "availabilityZone": raw.get("AvailabilityZone"),
            "availabilityZoneId": raw.get("AvailabilityZoneId"),
            # JupiterOne's `public`: instances launched here get a public address.
            "public": bool(raw.get("MapPublicIpOnLaunch")),
            "mapPublicIpOnLaunch": raw.get("MapPublicIpOnLaunch"),
            "defaultForAz": raw.get("DefaultForAz"),
            "state": raw.get("State"),
            "availableIpAddressCount": raw.get("AvailableIpAddressCount"),
            "internal": is_private(cidr),
        },
    )


def subnet_in_vpc(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    yield link(VPC, vpc_key(where, raw["VpcId"]), "CONTAINS", SUBNET, subnet_key(where, raw["SubnetId"]))


def to_internet_gateway(raw: Mapping[str, Any], where: Where) -> Entity:
    gateway_id = raw["InternetGatewayId"]
    key = arn_of(where, "internet-gateway", gateway_id)
    vpc_ids = ids(raw.get("Attachments"), "VpcId")
    return ec2_entity(
        INTERNET_GATEWAY,
        where,
        raw,
        key=key,
        resource_id=gateway_id,
        console=("vpc", f"InternetGateway:internetGatewayId={gateway_id}"),
        properties={
            "internetGatewayId": gateway_id,
            # The data model's Gateway requires category, function and public.
            "category": ["network"],
            "function": ["routing"],
            "vpcId": vpc_ids[0] if vpc_ids else None,
            "vpcIds": vpc_ids or None,
            "attached": bool(vpc_ids),
            "ownerId": raw.get("OwnerId"),
            "public": True,
        },
    )


def internet_gateway_in_vpc(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    key = arn_of(where, "internet-gateway", raw["InternetGatewayId"])
    for vpc_id in ids(raw.get("Attachments"), "VpcId"):
        yield link(VPC, vpc_key(where, vpc_id), "HAS", INTERNET_GATEWAY, key)


def to_nat_gateway(raw: Mapping[str, Any], where: Where) -> Entity:
    gateway_id = raw["NatGatewayId"]
    key = arn_of(where, "natgateway", gateway_id)
    addresses = raw.get("NatGatewayAddresses") or []
    return ec2_entity(
        NAT_GATEWAY,
        where,
        raw,
        key=key,
        resource_id=gateway_id,
        console=("vpc", f"NatGatewayDetails:natGatewayId={gateway_id}"),
        properties={
            "natGatewayId": gateway_id,
            # The data model's Gateway requires category, function and public.
            "category": ["network"],
            "function": ["nat"],
            "public": (raw.get("ConnectivityType") or "public") == "public",  # AWS's default
            "vpcId": raw.get("VpcId"),
            "subnetId": raw.get("SubnetId"),
            "state": raw.get("State"),
            "connectivityType": raw.get("ConnectivityType"),
            "publicIp": ids(addresses, "PublicIp") or None,
            "privateIp": ids(addresses, "PrivateIp") or None,
            "allocationIds": ids(addresses, "AllocationId") or None,
            "createdOn": epoch_millis(raw.get("CreateTime")),
        },
    )


def nat_gateway_in_vpc(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    if raw.get("VpcId"):  # a deleted gateway may have lost it
        key = arn_of(where, "natgateway", raw["NatGatewayId"])
        yield link(VPC, vpc_key(where, raw["VpcId"]), "HAS", NAT_GATEWAY, key)


_ROUTE_TARGETS = (
    "GatewayId",
    "NatGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "NetworkInterfaceId",
    "InstanceId",
    "EgressOnlyInternetGatewayId",
    "CarrierGatewayId",
    "LocalGatewayId",
    "CoreNetworkArn",
)


def _route_target(route: Mapping[str, Any]) -> str | None:
    return next((str(route[k]) for k in _ROUTE_TARGETS if route.get(k)), None)


def to_route_table(raw: Mapping[str, Any], where: Where) -> Entity:
    table_id = raw["RouteTableId"]
    key = arn_of(where, "route-table", table_id)
    associations = raw.get("Associations") or []
    routes = [
        {
            "destination": r.get("DestinationCidrBlock")
            or r.get("DestinationIpv6CidrBlock")
            or r.get("DestinationPrefixListId"),
            "target": _route_target(r),
            "state": r.get("State"),
        }
        for r in raw.get("Routes") or []
    ]
    return ec2_entity(
        ROUTE_TABLE,
        where,
        raw,
        key=key,
        resource_id=table_id,
        console=("vpc", f"RouteTableDetails:RouteTableId={table_id}"),
        properties={
            "routeTableId": table_id,
            "vpcId": raw["VpcId"],
            "main": any(a.get("Main") for a in associations),
            "subnetIds": ids(associations, "SubnetId") or None,
            "routes": compact_json(routes),
            "ownerId": raw.get("OwnerId"),
        },
    )


def route_table_links(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    table_key = arn_of(where, "route-table", raw["RouteTableId"])
    if raw.get("VpcId"):
        yield link(VPC, vpc_key(where, raw["VpcId"]), "HAS", ROUTE_TABLE, table_key)
    for route in raw.get("Routes") or []:
        destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
        gateway = route.get("GatewayId") or ""
        if destination in INTERNET_CIDRS and gateway.startswith("igw-"):
            connects = link(
                INTERNET_GATEWAY,
                arn_of(where, "internet-gateway", gateway),
                "CONNECTS",
                INTERNET,
                INTERNET_KEY,
                routeTableId=raw["RouteTableId"],
                destinationCidrBlock=destination,
            )
            # One connection per route: several tables (and both 0.0.0.0/0 and ::/0) may route the
            # same gateway to the Internet.
            connects["_key"] += f"|{raw['RouteTableId']}|{destination}"
            yield connects


def _spec(step_id: str, name: str, operation: str, result_key: str, **rest: Any) -> ResourceSpec:
    return ResourceSpec(
        step_id=step_id,
        name=name,
        service=EC2,
        client="ec2",
        operation=operation,
        result_key=result_key,
        **rest,
    )


NETWORK_SPECS = (
    _spec(
        "fetch-ec2-vpcs",
        "Fetch VPCs",
        "describe_vpcs",
        "Vpcs",
        entity=VPC,
        convert=to_vpc,
        permissions=("ec2:DescribeVpcs",),
    ),
    _spec(
        "fetch-ec2-subnets",
        "Fetch VPC subnets",
        "describe_subnets",
        "Subnets",
        entity=SUBNET,
        convert=to_subnet,
        enrich=relate(subnet_in_vpc),
        relationships=(VPC_CONTAINS_SUBNET,),
        permissions=("ec2:DescribeSubnets",),
    ),
    _spec(
        "fetch-ec2-internet-gateways",
        "Fetch VPC internet gateways",
        "describe_internet_gateways",
        "InternetGateways",
        entity=INTERNET_GATEWAY,
        convert=to_internet_gateway,
        enrich=relate(internet_gateway_in_vpc),
        relationships=(VPC_HAS_INTERNET_GATEWAY,),
        permissions=("ec2:DescribeInternetGateways",),
    ),
    _spec(
        "fetch-ec2-nat-gateways",
        "Fetch VPC NAT gateways",
        "describe_nat_gateways",
        "NatGateways",
        entity=NAT_GATEWAY,
        convert=to_nat_gateway,
        enrich=relate(nat_gateway_in_vpc),
        relationships=(VPC_HAS_NAT_GATEWAY,),
        permissions=("ec2:DescribeNatGateways",),
    ),
    _spec(
        "fetch-ec2-route-tables",
        "Fetch VPC route tables",
        "describe_route_tables",
        "RouteTables",
        entity=ROUTE_TABLE,
        convert=to_route_table,
        enrich=relate(route_table_links),
        relationships=(VPC_HAS_ROUTE_TABLE, INTERNET_GATEWAY_CONNECTS_INTERNET),
        permissions=("ec2:DescribeRouteTables",),
    ),
)
