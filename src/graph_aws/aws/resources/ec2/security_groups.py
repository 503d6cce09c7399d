"""Security groups, and each of their rules as an ALLOWS relationship.

A rule is the relationship, as in JupiterOne's own queries (`FIND aws_security_group THAT ALLOWS AS
rule Internet WHERE rule.ingress = true AND rule.fromPort <= 22 AND rule.toPort >= 22`): it goes from
the group to what traffic may come from (ingress) or go to (egress), and carries `ingress`, `egress`,
`ipProtocol`, `fromPort`, `toPort`, and `ipRange` for an address range. Its other end is
- another security group (a UserIdGroupPair), by that group's ARN in the pair's account;
- `internet` (JupiterOne's global entity, _key `global:internet`) for 0.0.0.0/0 and ::/0;
- an `ip_address_range : Network` for any other range, keyed `ip_range:<cidr>` and shared by every
  account as JupiterOne's mapped rule targets are, with `CIDR` (or `CIDRv6`), `ipAddress` when it is
  one address, and `internal` for a private range. Neither is in an account, so neither has accountId.
Those two, and a peer group of another account, are mapped entities (`_source: system-mapper`): the
step adds them for the rules that point to them, and the group's own account owns the peer group.
Prefix-list rules appear only in the group's `ingressRules` / `egressRules` (the raw rules as JSON,
which JupiterOne's rules match with `~=`).

The relationship _key adds direction, protocol, ports and peer to `<group>|allows|<target>`: one group
may allow the same source on several ports. All traffic (protocol "-1") becomes ipProtocol "*" with
ports 0-65535, so a check for port 22 finds a rule that opens everything.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import (
    EC2,
    INTERNET,
    INTERNET_CIDRS,
    INTERNET_KEY,
    IP_RANGE,
    SECURITY_GROUP,
    VPC,
    arn_of,
    compact_json,
    is_private,
    link,
    name_tag,
    to_internet,
    web_link,
)
from graph_aws.aws.resources.registry import ResourceSpec, Where
from graph_aws.engine import StepContext
from graph_aws.model import Entity, Relationship, RelationshipType, make_entity

VPC_HAS_SECURITY_GROUP = RelationshipType(VPC, "HAS", SECURITY_GROUP)
GROUP_ALLOWS_GROUP = RelationshipType(SECURITY_GROUP, "ALLOWS", SECURITY_GROUP)
GROUP_ALLOWS_INTERNET = RelationshipType(SECURITY_GROUP, "ALLOWS", INTERNET)
GROUP_ALLOWS_IP_RANGE = RelationshipType(SECURITY_GROUP, "ALLOWS", IP_RANGE)

ALL_TRAFFIC = "-1"


def group_key(where: Where, group_id: str, account_id: str | None = None) -> str:
    owner = Where(account_id or where.account_id, where.partition, where.region)
    return arn_of(owner, "security-group", group_id)


def to_security_group(raw: Mapping[str, Any], where: Where) -> Entity:
    key = group_key(where, raw["GroupId"])
    return make_entity(
        key=key,
        type=SECURITY_GROUP.type,
        classes=SECURITY_GROUP.classes,
        # `name` is the group name: the CIS check is `FIND aws_security_group WITH name='default'`.
        name=raw["GroupName"],
        display_name=name_tag(raw) or raw["GroupName"],
        properties={
            "arn": key,
            "id": raw["GroupId"],
            "category": ["network"],  # the data model's Firewall requires it
            "groupId": raw["GroupId"],
            "groupName": raw["GroupName"],
            "description": raw.get("Description") or None,
            "vpcId": raw.get("VpcId"),
            "default": raw["GroupName"] == "default",
            "ingressRules": compact_json(raw.get("IpPermissions")),
            "egressRules": compact_json(raw.get("IpPermissionsEgress")),
            "ownerId": raw.get("OwnerId"),
            "webLink": web_link(where, "ec2/v2", f"SecurityGroup:groupId={raw['GroupId']}"),
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=raw.get("Tags"),
    )


def canonical_cidr(cidr: str) -> str:
    try:
        return str(ipaddress.ip_network(cidr, strict=False))
    except ValueError:
        return cidr


def ip_range_key(cidr: str) -> str:
    return f"ip_range:{canonical_cidr(cidr)}"


def to_peer_group(where: Where, group_id: str, account_id: str) -> Entity:
    """A security group of another account that a rule names: what the rule tells of it."""
    key = group_key(where, group_id, account_id)
    return make_entity(
        key=key,
        type=SECURITY_GROUP.type,
        classes=SECURITY_GROUP.classes,
        name=group_id,
        properties={
            "arn": key,
            "id": group_id,
            "groupId": group_id,
            "category": ["network"],
            "accountId": account_id,
            "region": where.region,
        },
        mapped=True,
    )


def to_ip_range(cidr: str) -> Entity:
    cidr = canonical_cidr(cidr)
    try:
        network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = ipaddress.ip_network(cidr)
    except ValueError:
        network = None
    v6 = network is not None and network.version == 6
    single = network is not None and network.num_addresses == 1
    return make_entity(
        key=ip_range_key(cidr),
        type=IP_RANGE.type,
        classes=IP_RANGE.classes,
        name=cidr,
        properties={
            "CIDR": None if v6 else cidr,
            "CIDRv6": cidr if v6 else None,
            "ipAddress": str(network.network_address) if network is not None and single else None,
            "internal": is_private(cidr),
            "public": network.is_global if network is not None else None,
        },
        mapped=True,
    )


def _ports(permission: Mapping[str, Any]) -> tuple[int | None, int | None]:
    if permission.get("IpProtocol") == ALL_TRAFFIC:
        return 0, 65535
    return permission.get("FromPort"), permission.get("ToPort")


def _cidrs(permission: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    for entry in permission.get("IpRanges") or []:
        if entry.get("CidrIp"):  # a range without its address names no peer
            yield entry["CidrIp"], entry.get("Description")
    for entry in permission.get("Ipv6Ranges") or []:
        if entry.get("CidrIpv6"):
            yield entry["CidrIpv6"], entry.get("Description")


def rule_relationships(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    """Every rule of a group, ingress and egress, one relationship per peer (range or group)."""
    source_key = group_key(where, raw["GroupId"])
    for direction, permissions in (
        ("ingress", raw.get("IpPermissions")),
        ("egress", raw.get("IpPermissionsEgress")),
    ):
        for permission in permissions or []:
            protocol = "*" if permission.get("IpProtocol") == ALL_TRAFFIC else permission.get("IpProtocol")
            from_port, to_port = _ports(permission)
            rule = {
                "ingress": direction == "ingress",
                "egress": direction == "egress",
                "ipProtocol": protocol,
                "fromPort": from_port,
                "toPort": to_port,
            }
            suffix = f"|{direction}|{protocol}|{from_port}-{to_port}"
            for cidr, description in _cidrs(permission):
                if cidr in INTERNET_CIDRS:
                    target, target_key = INTERNET, INTERNET_KEY
                else:
                    target, target_key = IP_RANGE, ip_range_key(cidr)
                relationship = link(
                    SECURITY_GROUP,
                    source_key,
                    "ALLOWS",
                    target,
                    target_key,
                    **rule,
                    ipRange=cidr,
                    description=description or None,
                )
                relationship["_key"] += f"{suffix}|{cidr}"
                yield relationship
            for pair in permission.get("UserIdGroupPairs") or []:
                if not pair.get("GroupId"):
                    continue  # EC2-Classic pairs named by group name only
                relationship = link(
                    SECURITY_GROUP,
                    source_key,
                    "ALLOWS",
                    SECURITY_GROUP,
                    group_key(where, pair["GroupId"], pair.get("UserId")),
                    **rule,
                    peerGroupId=pair["GroupId"],
                    peerAccountId=pair.get("UserId"),
                    description=pair.get("Description") or None,
                )
                relationship["_key"] += f"{suffix}|{pair['GroupId']}"
                yield relationship


def rule_ranges(raw: Mapping[str, Any]) -> set[str]:
    """The address ranges (not the Internet) a group's rules name."""
    permissions = [*(raw.get("IpPermissions") or []), *(raw.get("IpPermissionsEgress") or [])]
    return {canonical_cidr(c) for p in permissions for c, _ in _cidrs(p) if c not in INTERNET_CIDRS}


def enrich_security_group(
    context: StepContext, client: Any, where: Where, raw: Mapping[str, Any], entity: Entity
) -> None:
    job_state = context.job_state
    if raw.get("VpcId"):
        job_state.add_relationship(
            link(VPC, arn_of(where, "vpc", raw["VpcId"]), "HAS", SECURITY_GROUP, entity["_key"])
        )
    # Regions run side by side and several groups name the same range: add_mapped_entity adds each once.
    for cidr in sorted(rule_ranges(raw)):
        job_state.add_mapped_entity(to_ip_range(cidr))
    for relationship in rule_relationships(raw, where):
        if relationship["_toEntityKey"] == INTERNET_KEY:
            job_state.add_mapped_entity(to_internet())
        elif relationship.get("peerAccountId") not in (None, where.account_id):
            peer = to_peer_group(where, relationship["peerGroupId"], relationship["peerAccountId"])
            job_state.add_mapped_entity(peer)
        job_state.add_relationship(relationship)


SECURITY_GROUPS = ResourceSpec(
    step_id="fetch-ec2-security-groups",
    name="Fetch EC2 security groups and their rules",
    service=EC2,
    client="ec2",
    operation="describe_security_groups",
    result_key="SecurityGroups",
    entity=SECURITY_GROUP,
    convert=to_security_group,
    enrich=enrich_security_group,
    relationships=(VPC_HAS_SECURITY_GROUP, GROUP_ALLOWS_GROUP, GROUP_ALLOWS_INTERNET, GROUP_ALLOWS_IP_RANGE),
    permissions=("ec2:DescribeSecurityGroups",),
)
