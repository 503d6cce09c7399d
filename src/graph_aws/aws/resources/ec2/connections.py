"""What connects a VPC to other networks, and what it logs to: VPC peering (`aws_vpc CONNECTS
aws_vpc`), flow logs (`aws_vpc LOGS` the log group or bucket), VPN gateways; and the region's EBS
encryption-by-default setting (`aws_ec2 HAS aws_ec2_settings`, which JupiterOne's rule
ec2-ebs-encryption-by-default reads).

Peering connections and flow logs are relationships only, with what the rules read on them:
`FIND aws_vpc THAT LOGS AS flowLog * RETURN flowLog.flowLogId, flowLog.trafficType, flowLog.active`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graph_aws.aws.resources.cloudwatch import LOG_GROUP, log_group_arn, log_group_key
from graph_aws.aws.resources.ec2.model import EC2, VPC, arn_of, ec2_entity, ids, link, relate
from graph_aws.aws.resources.registry import RelationshipSpec, ResourceSpec, Where, required_id
from graph_aws.aws.resources.s3 import S3_BUCKET
from graph_aws.model import Entity, EntityType, Relationship, RelationshipType, epoch_millis, make_entity

VPN_GATEWAY = EntityType("VPN Gateway", "aws_vpn_gateway", ("Gateway",))
EC2_SETTINGS = EntityType("EC2 Settings", "aws_ec2_settings", ("Configuration",))
VPC_CONNECTS_VPC = RelationshipType(VPC, "CONNECTS", VPC)
VPC_LOGS_LOG_GROUP = RelationshipType(VPC, "LOGS", LOG_GROUP)
VPC_LOGS_BUCKET = RelationshipType(VPC, "LOGS", S3_BUCKET)
VPC_HAS_VPN_GATEWAY = RelationshipType(VPC, "HAS", VPN_GATEWAY)


def _vpc_key(info: Mapping[str, Any], where: Where) -> str:
    """A peer VPC by the ARN its own account's job keys it with: its owner and region."""
    owner = Where(
        info.get("OwnerId") or where.account_id, where.partition, info.get("Region") or where.region
    )
    return arn_of(owner, "vpc", required_id(info.get("VpcId") or "", "VpcId", "a peer VPC"))


def peering_connects(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    """An active peering connection: the requester's VPC CONNECTS the accepter's. Both accounts see
    the connection and make the same relationship (the same _key), which the store merges."""
    if (raw.get("Status") or {}).get("Code") != "active":
        return
    requester, accepter = raw.get("RequesterVpcInfo") or {}, raw.get("AccepterVpcInfo") or {}
    yield link(
        VPC,
        _vpc_key(requester, where),
        "CONNECTS",
        VPC,
        _vpc_key(accepter, where),
        vpcPeeringConnectionId=raw.get("VpcPeeringConnectionId"),
        status="active",
        requesterVpcId=requester["VpcId"],
        requesterOwnerId=requester.get("OwnerId"),
        requesterRegion=requester.get("Region"),
        requesterCidr=requester.get("CidrBlock"),
        accepterVpcId=accepter["VpcId"],
        accepterOwnerId=accepter.get("OwnerId"),
        accepterRegion=accepter.get("Region"),
        accepterCidr=accepter.get("CidrBlock"),
    )


def flow_log_destination(raw: Mapping[str, Any], where: Where) -> tuple[EntityType, str] | None:
    kind = raw.get("LogDestinationType", "cloud-watch-logs")
    destination = raw.get("LogDestination") or ""
    if kind == "cloud-watch-logs":
        arn = destination or (log_group_arn(where, raw["LogGroupName"]) if raw.get("LogGroupName") else "")
        return (LOG_GROUP, log_group_key(arn)) if arn else None
    if kind == "s3" and destination.startswith("arn:"):
        return S3_BUCKET, destination.split("/", 1)[0]  # arn:aws:s3:::bucket/prefix
    return None  # Kinesis Data Firehose: not a type graph-aws collects


def flow_log_logs(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    resource = raw.get("ResourceId") or ""
    destination = flow_log_destination(raw, where)
    if not resource.startswith("vpc-") or destination is None:
        return  # subnet and network-interface flow logs have no JupiterOne relationship
    target, target_key = destination
    relationship = link(
        VPC,
        arn_of(where, "vpc", resource),
        "LOGS",
        target,
        target_key,
        flowLogId=raw["FlowLogId"],
        trafficType=raw.get("TrafficType"),
        status=raw.get("FlowLogStatus"),
        active=raw.get("FlowLogStatus") == "ACTIVE",
        deliverLogsStatus=raw.get("DeliverLogsStatus"),
        destinationType=raw.get("LogDestinationType"),
        maxAggregationInterval=raw.get("MaxAggregationInterval"),
        createdOn=epoch_millis(raw.get("CreationTime")),
    )
    relationship["_key"] += f"|{raw['FlowLogId']}"  # several flow logs may send to one destination
    yield relationship


def to_vpn_gateway(raw: Mapping[str, Any], where: Where) -> Entity:
    gateway_id = raw["VpnGatewayId"]
    attached = [a for a in raw.get("VpcAttachments") or [] if a.get("State") == "attached"]
    return ec2_entity(
        VPN_GATEWAY,
        where,
        raw,
        key=arn_of(where, "vpn-gateway", gateway_id),
        resource_id=gateway_id,
        console=("vpc", f"VpnGateways:VpnGatewayId={gateway_id}"),
        properties={
            "vpnGatewayId": gateway_id,
            "state": raw.get("State"),
            "type": raw.get("Type"),
            "amazonSideAsn": raw.get("AmazonSideAsn"),
            "availabilityZone": raw.get("AvailabilityZone"),
            "vpcIds": ids(attached, "VpcId") or None,
            "category": ["network"],
            "function": ["remote-access-gateway"],  # the data model's word for a VPN gateway
            "public": False,  # it connects the VPC to the customer's network, not to the Internet
        },
    )


def vpn_gateway_in_vpc(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    key = arn_of(where, "vpn-gateway", raw["VpnGatewayId"])
    attached = [a for a in raw.get("VpcAttachments") or [] if a.get("State") == "attached"]
    for vpc_id in ids(attached, "VpcId"):  # an attachment without its VPC names none
        yield link(VPC, arn_of(where, "vpc", vpc_id), "HAS", VPN_GATEWAY, key)


def to_ec2_settings(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=f"aws_ec2_settings:{where.account_id}:{where.region}",  # no ARN: one per account and region
        type=EC2_SETTINGS.type,
        classes=EC2_SETTINGS.classes,
        name=f"EC2 settings in {where.region}",
        properties={
            "ebsEncryptionByDefault": raw.get("EbsEncryptionByDefault"),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


PEERING_CONNECTIONS = RelationshipSpec(
    step_id="fetch-ec2-vpc-peering-connections",
    name="Fetch VPC peering connections",
    service=EC2,
    client="ec2",
    operation="describe_vpc_peering_connections",
    result_key="VpcPeeringConnections",
    relate=peering_connects,
    relationships=(VPC_CONNECTS_VPC,),
    permissions=("ec2:DescribeVpcPeeringConnections",),
)

FLOW_LOGS = RelationshipSpec(
    step_id="fetch-ec2-flow-logs",
    name="Fetch VPC flow logs",
    service=EC2,
    client="ec2",
    operation="describe_flow_logs",
    result_key="FlowLogs",
    relate=flow_log_logs,
    relationships=(VPC_LOGS_LOG_GROUP, VPC_LOGS_BUCKET),
    permissions=("ec2:DescribeFlowLogs",),
)

VPN_GATEWAYS = ResourceSpec(
    step_id="fetch-ec2-vpn-gateways",
    name="Fetch VPN gateways",
    service=EC2,
    client="ec2",
    operation="describe_vpn_gateways",
    result_key="VpnGateways",
    paginated=False,  # DescribeVpnGateways returns every gateway at once
    entity=VPN_GATEWAY,
    convert=to_vpn_gateway,
    enrich=relate(vpn_gateway_in_vpc),
    relationships=(VPC_HAS_VPN_GATEWAY,),
    permissions=("ec2:DescribeVpnGateways",),
)

EBS_ENCRYPTION_BY_DEFAULT = ResourceSpec(
    step_id="fetch-ec2-ebs-encryption-by-default",
    name="Fetch each region's EBS encryption by default",
    service=EC2,
    client="ec2",
    operation="get_ebs_encryption_by_default",
    result_key="",
    whole_response=True,
    entity=EC2_SETTINGS,
    convert=to_ec2_settings,
    permissions=("ec2:GetEbsEncryptionByDefault",),
)
