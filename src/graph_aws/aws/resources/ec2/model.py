"""EC2 and VPC types (reference/jupiterone-aws-types.md), keys and small shared converters.

Keys are ARNs built with the reading account's id (`Where.arn`), so a relationship built from one item
(an instance's SubnetId) names the same key as the entity another step builds (the subnet). A VPC
shared through RAM therefore appears once in each account that sees it, under that account's id.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from graph_aws.aws.resources.registry import Enricher, ServiceSpec, Where, one_item
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, Relationship, make_entity, make_relationship

EC2 = ServiceSpec(
    "ec2", "EC2", EntityType("EC2", "aws_ec2", ("Service",)), function=("compute", "networking")
)

VPC = EntityType("VPC", "aws_vpc", ("Network",))
SUBNET = EntityType("Subnet", "aws_subnet", ("Network",))
NETWORK_ACL = EntityType("Network ACL", "aws_network_acl", ("Firewall",))
INTERNET_GATEWAY = EntityType("Internet Gateway", "aws_internet_gateway", ("Gateway",))
NAT_GATEWAY = EntityType("NAT Gateway", "aws_nat_gateway", ("Gateway",))
ROUTE_TABLE = EntityType("Route Table", "aws_route_table", ("Configuration",))
SECURITY_GROUP = EntityType("Security Group", "aws_security_group", ("Firewall",))
INSTANCE = EntityType("EC2 Instance", "aws_instance", ("Host",))
EBS_VOLUME = EntityType("EBS Volume", "aws_ebs_volume", ("DataStore", "Disk"))
EIP = EntityType("Elastic IP", "aws_eip", ("IpAddress",))
ENI = EntityType("Network Interface", "aws_eni", ("NetworkInterface",))
EBS_SNAPSHOT = EntityType("EBS Snapshot", "aws_ebs_snapshot", ("DataStore", "Disk", "Image"))
AMI = EntityType("AMI", "aws_ami", ("Image",))
KEY_PAIR = EntityType("EC2 Key Pair", "aws_key_pair", ("AccessKey",))
LAUNCH_TEMPLATE = EntityType("Launch Template", "aws_launch_template", ("Configuration",))

# Security group rules ALLOW sources that are not AWS resources: the whole Internet (JupiterOne's
# global `internet` entity, the same _key in every account) or another address range. graph-aws does
# not own either: they are mapped entities, which live as long as a rule or a route maps to them.
INTERNET = EntityType("Internet", "internet", ("Internet", "Network"))
IP_RANGE = EntityType("IP Address Range", "ip_address_range", ("Network",))
INTERNET_KEY = "global:internet"
INTERNET_CIDRS = frozenset({"0.0.0.0/0", "::/0"})

_CONSOLES = {"aws": "console.aws.amazon.com", "aws-us-gov": "console.amazonaws-us-gov.com"}


def arn_of(where: Where, kind: str, resource_id: str) -> str:
    """`arn:<partition>:ec2:<region>:<account>:<kind>/<id>`, e.g. kind "vpc", "security-group"."""
    return where.arn("ec2", f"{kind}/{resource_id}")


def snapshot_key(where: Where, snapshot_id: str) -> str:
    """Snapshot and image ARNs name no account: whoever reads them, one key."""
    return f"arn:{where.partition}:ec2:{where.region}::snapshot/{snapshot_id}"


def image_key(where: Where, image_id: str) -> str:
    return f"arn:{where.partition}:ec2:{where.region}::image/{image_id}"


def web_link(where: Where, service: str, fragment: str) -> str:
    """The console page of a resource, as JupiterOne's `webLink`."""
    host = _CONSOLES.get(where.partition, "console.aws.amazon.com")
    return f"https://{host}/{service}/home?region={where.region}#{fragment}"


def ec2_entity(
    entity_type: EntityType,
    where: Where,
    raw: Mapping[str, Any],
    *,
    key: str,
    resource_id: str,
    console: tuple[str, str],
    properties: Mapping[str, Any],
    name: str | None = None,
    tags: Any = None,
) -> Entity:
    """What every EC2 converter shares: the name (the Name tag, else `name` or the id), `arn`, `id`,
    the console `webLink`, `accountId`, `region` and the tags."""
    return make_entity(
        key=key,
        type=entity_type.type,
        classes=entity_type.classes,
        name=name_tag(raw) or name or resource_id,
        properties={
            "arn": key,
            "id": resource_id,
            **properties,
            "webLink": web_link(where, *console),
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=tags if tags is not None else raw.get("Tags"),
    )


def name_tag(raw: Mapping[str, Any]) -> str | None:
    return next((t.get("Value") for t in raw.get("Tags") or [] if t.get("Key") == "Name"), None) or None


def compact_json(value: Any) -> str | None:
    """Rules as one JSON string (JupiterOne's `ingressRules`, matched with `~=`); None when empty."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str) if value else None


def is_private(cidr: str | None) -> bool | None:
    """JupiterOne's `internal`: the range is private (RFC 1918, unique local, ...)."""
    if not cidr:
        return None
    try:
        return ipaddress.ip_network(cidr, strict=False).is_private
    except ValueError:
        return None


def ids(items: Iterable[Mapping[str, Any]] | None, field: str) -> list[str]:
    """One field of each item, without blanks or repeats, in order: `ids(raw["Groups"], "GroupId")`."""
    return list(dict.fromkeys(str(i[field]) for i in items or [] if i.get(field)))


def to_internet() -> Entity:
    """JupiterOne's global Internet (the data model's INTERNET), mapped."""
    return make_entity(
        key=INTERNET_KEY,
        type=INTERNET.type,
        classes=INTERNET.classes,
        name="Internet",
        properties={"CIDR": "0.0.0.0/0", "CIDRv6": "::/0", "public": True, "internal": False},
        mapped=True,
    )


RelationshipsOf = Callable[[Mapping[str, Any], Where], Iterable[Relationship]]
# The mapped entity each relationship to one of these keys needs (the step declares its type).
MAPPED_TARGETS: Mapping[str, Callable[[], Entity]] = {INTERNET_KEY: to_internet}


def relate(*builders: RelationshipsOf) -> Enricher:
    """An enricher that adds the relationships pure functions derive from the listed item itself
    (its VpcId, its attachments): no calls, so the step stays list-then-convert. A relationship to
    the Internet brings the mapped Internet entity with it."""

    def enrich(
        context: StepContext, client: Any, where: Where, raw: Mapping[str, Any], entity: Entity
    ) -> None:
        for build in builders:
            # One kind of relationship that cannot be made (a peer's id empty) costs only that kind.
            with one_item(context, entity["_key"]):
                for relationship in build(raw, where):
                    target = MAPPED_TARGETS.get(relationship["_toEntityKey"])
                    if target is not None:
                        context.job_state.add_mapped_entity(target())
                    context.job_state.add_relationship(relationship)

    return enrich


def link(
    source: EntityType, from_key: str, verb: str, target: EntityType, to_key: str, **properties: Any
) -> Relationship:
    return make_relationship(
        from_type=source.type,
        from_key=from_key,
        verb=verb,
        to_type=target.type,
        to_key=to_key,
        properties=properties or None,
    )
