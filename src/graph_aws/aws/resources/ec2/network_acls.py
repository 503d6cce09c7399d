"""Network ACLs, the subnets they protect, and each of their rules as an ALLOWS or DENIES relationship.

As for security groups, the rule is the relationship, as JupiterOne's rules query it (`FIND
aws_network_acl THAT ALLOWS AS rule Internet WHERE rule.ingress = true AND rule.fromPort <= 22 AND
rule.toPort >= 22`): from the ACL to `internet` (0.0.0.0/0, ::/0) or an `ip_address_range`, with
`ingress`, `egress`, `ruleNumber`, `ruleAction`, `protocol` (AWS's number), `ipProtocol` (its name:
tcp, udp, icmp; "*" for all traffic), `fromPort`, `toPort` and `ipRange`. All traffic has ports
0-65535; ICMP has none. Rules are evaluated in `ruleNumber` order, lowest first, so an ALLOWS that a
lower-numbered DENIES overrides is still an ALLOWS relationship: compare rule numbers to tell.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import (
    EC2,
    INTERNET,
    INTERNET_CIDRS,
    INTERNET_KEY,
    IP_RANGE,
    NETWORK_ACL,
    SUBNET,
    VPC,
    arn_of,
    compact_json,
    ec2_entity,
    ids,
    link,
    to_internet,
)
from graph_aws.aws.resources.ec2.security_groups import ip_range_key, to_ip_range
from graph_aws.aws.resources.registry import ResourceSpec, Where
from graph_aws.engine import StepContext
from graph_aws.model import Entity, Relationship, RelationshipType

VPC_HAS_NETWORK_ACL = RelationshipType(VPC, "HAS", NETWORK_ACL)
NETWORK_ACL_PROTECTS_SUBNET = RelationshipType(NETWORK_ACL, "PROTECTS", SUBNET)
ACL_ALLOWS_INTERNET = RelationshipType(NETWORK_ACL, "ALLOWS", INTERNET)
ACL_ALLOWS_IP_RANGE = RelationshipType(NETWORK_ACL, "ALLOWS", IP_RANGE)
ACL_DENIES_INTERNET = RelationshipType(NETWORK_ACL, "DENIES", INTERNET)
ACL_DENIES_IP_RANGE = RelationshipType(NETWORK_ACL, "DENIES", IP_RANGE)

# IANA protocol numbers, as network ACL entries give them, to the names security group rules use.
PROTOCOL_NAMES = {"-1": "*", "1": "icmp", "6": "tcp", "17": "udp", "58": "icmpv6"}


def acl_key(where: Where, acl_id: str) -> str:
    return arn_of(where, "network-acl", acl_id)


def to_network_acl(raw: Mapping[str, Any], where: Where) -> Entity:
    key = acl_key(where, raw["NetworkAclId"])
    return ec2_entity(
        NETWORK_ACL,
        where,
        raw,
        key=key,
        resource_id=raw["NetworkAclId"],
        console=("vpc", f"NetworkAclDetails:networkAclId={raw['NetworkAclId']}"),
        properties={
            "networkAclId": raw["NetworkAclId"],
            "category": ["network"],  # the data model's Firewall requires it
            "vpcId": raw["VpcId"],
            "default": raw.get("IsDefault"),
            "isDefault": raw.get("IsDefault"),
            "entries": compact_json(raw.get("Entries")),
            "ingressRules": compact_json([e for e in raw.get("Entries") or [] if not e.get("Egress")]),
            "egressRules": compact_json([e for e in raw.get("Entries") or [] if e.get("Egress")]),
            "subnetIds": ids(raw.get("Associations"), "SubnetId") or None,
        },
    )


def _cidr(entry: Mapping[str, Any]) -> str | None:
    return entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")


def _ports(entry: Mapping[str, Any], protocol: str) -> tuple[int | None, int | None]:
    if protocol == "-1":
        return 0, 65535
    ports = entry.get("PortRange") or {}
    return ports.get("From"), ports.get("To")


def rule_relationships(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    """Every entry of an ACL, ingress and egress, as ALLOWS or DENIES its address range."""
    key = acl_key(where, raw["NetworkAclId"])
    for entry in raw.get("Entries") or []:
        cidr = _cidr(entry)
        if not cidr:
            continue
        protocol = str(entry.get("Protocol", "-1"))
        from_port, to_port = _ports(entry, protocol)
        direction = "egress" if entry.get("Egress") else "ingress"
        verb = "DENIES" if entry.get("RuleAction") == "deny" else "ALLOWS"
        target, target_key = (
            (INTERNET, INTERNET_KEY) if cidr in INTERNET_CIDRS else (IP_RANGE, ip_range_key(cidr))
        )
        relationship = link(
            NETWORK_ACL,
            key,
            verb,
            target,
            target_key,
            ingress=direction == "ingress",
            egress=direction == "egress",
            ruleNumber=entry.get("RuleNumber"),
            ruleAction=entry.get("RuleAction"),
            protocol=protocol,
            ipProtocol=PROTOCOL_NAMES.get(protocol, protocol),
            fromPort=from_port,
            toPort=to_port,
            ipRange=cidr,
        )
        relationship["_key"] += f"|{direction}|{entry.get('RuleNumber')}"
        yield relationship


def network_acl_links(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    key = acl_key(where, raw["NetworkAclId"])
    if raw.get("VpcId"):
        yield link(VPC, arn_of(where, "vpc", raw["VpcId"]), "HAS", NETWORK_ACL, key)
    for subnet_id in ids(raw.get("Associations"), "SubnetId"):
        yield link(NETWORK_ACL, key, "PROTECTS", SUBNET, arn_of(where, "subnet", subnet_id))


def enrich_network_acl(
    context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], entity: Entity
) -> None:
    state = context.job_state
    for relationship in (*network_acl_links(raw, where), *rule_relationships(raw, where)):
        # What a rule allows or denies is not the account's: a mapped entity, made once.
        if relationship["_toEntityKey"] == INTERNET_KEY:
            state.add_mapped_entity(to_internet())
        elif relationship.get("ipRange"):
            state.add_mapped_entity(to_ip_range(relationship["ipRange"]))
        state.add_relationship(relationship)


NETWORK_ACLS = ResourceSpec(
    step_id="fetch-ec2-network-acls",
    name="Fetch VPC network ACLs and their rules",
    service=EC2,
    client="ec2",
    operation="describe_network_acls",
    result_key="NetworkAcls",
    entity=NETWORK_ACL,
    convert=to_network_acl,
    enrich=enrich_network_acl,
    relationships=(
        VPC_HAS_NETWORK_ACL,
        NETWORK_ACL_PROTECTS_SUBNET,
        ACL_ALLOWS_INTERNET,
        ACL_ALLOWS_IP_RANGE,
        ACL_DENIES_INTERNET,
        ACL_DENIES_IP_RANGE,
    ),
    permissions=("ec2:DescribeNetworkAcls",),
)
