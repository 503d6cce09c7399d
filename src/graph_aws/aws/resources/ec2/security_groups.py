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
Prefix-list rules appear only in the group's `ingressRules` / `egressRules` (the raw rules as JSON,
which JupiterOne's rules match with `~=`).

The relationship _key adds direction, protocol, ports and peer to `<group>|allows|<target>`: one group
may allow the same source on several ports. All traffic (protocol "-1") becomes ipProtocol "*" with
ports 0-65535, so a check for port 22 finds a rule that opens everything.
"""

from __future__ import annotations

import ipaddress
import threading
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
from graph_aws.engine import Step, StepContext
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
    )


def _ports(permission: Mapping[str, Any]) -> tuple[int | None, int | None]:
    if permission.get("IpProtocol") == ALL_TRAFFIC:
        return 0, 65535
    return permission.get("FromPort"), permission.get("ToPort")


def _cidrs(permission: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    for entry in permission.get("IpRanges") or []:
        yield entry["CidrIp"], entry.get("Description")
    for entry in permission.get("Ipv6Ranges") or []:
        yield entry["CidrIpv6"], entry.get("Description")


def rule_relationships(raw: Mapping[str, Any], where: Where) -> Iterator[Relationship]:
    """Every rule of a group, ingress and egress, one relationship per peer (range or group)."""
    source_key = group_key(where, raw["GroupId"])
    for direction, permissions in (
        ("ingress", raw.get("IpPermissions")),
        ("egress", raw.get("IpPermissionsEgress")),
    ):
        for permission in permissions or []:
            protocol = "*" if permission["IpProtocol"] == ALL_TRAFFIC else permission["IpProtocol"]
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


# Regions run side by side and several groups name the same range: add each range entity once.
_ADDING_RANGES = threading.Lock()


def enrich_security_group(
    context: StepContext, client: Any, where: Where, raw: Mapping[str, Any], entity: Entity
) -> None:
    job_state = context.job_state
    if raw.get("VpcId"):
        job_state.add_relationship(
            link(VPC, arn_of(where, "vpc", raw["VpcId"]), "HAS", SECURITY_GROUP, entity["_key"])
        )
    with _ADDING_RANGES:
        for cidr in sorted(rule_ranges(raw)):
            if not job_state.has_key(ip_range_key(cidr)):
                job_state.add_entity(to_ip_range(cidr))
    for relationship in rule_relationships(raw, where):
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
    extra_entities=(IP_RANGE,),
    relationships=(VPC_HAS_SECURITY_GROUP, GROUP_ALLOWS_GROUP, GROUP_ALLOWS_INTERNET, GROUP_ALLOWS_IP_RANGE),
    permissions=("ec2:DescribeSecurityGroups",),
)


def _create_internet(context: StepContext) -> None:
    context.job_state.add_entity(to_internet())


# The Internet is one entity every account job adds (the same _key, merged by the store), so rules
# and routes can point at it whether or not the step that lists them succeeded.
INTERNET_STEP = Step(
    id="create-ec2-internet",
    name="Create the Internet entity that rules and routes point to",
    handler=_create_internet,
    entities=(INTERNET,),
)
