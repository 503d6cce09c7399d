"""Route 53 (global: read once per account): hosted zones, their record sets, and registered domains.

Record sets are listed per zone, because the API nests them. Route 53 Domains answers only in
us-east-1 of the aws partition; other partitions have no registered domains to read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.registry import (
    Parent,
    ResourceSpec,
    ServiceSpec,
    Where,
    required_id,
    resource_step,
)
from graph_aws.model import Entity, EntityType, epoch_millis, make_entity

ROUTE53 = ServiceSpec(
    "route53", "Route 53", EntityType("Route 53", "aws_route53", ("Service",)), function=("DNS",)
)
ROUTE53_ZONE = EntityType("Route 53 Hosted Zone", "aws_route53_zone", ("DomainZone",))
ROUTE53_RECORD = EntityType("Route 53 Record Set", "aws_route53_record", ("DomainRecord",))
ROUTE53_DOMAIN = EntityType("Route 53 Domain", "aws_route53_domain", ("Domain",))

_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")  # a backslash and 479 is no escape: kept as written


def dns_name(name: str) -> str:
    """A name as people write it: Route 53 ends names with a dot and escapes `*` as `\\052`."""
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), name).rstrip(".")


def to_route53_zone(raw: Mapping[str, Any], where: Where) -> Entity:
    zone_id = raw["Id"].rsplit("/", 1)[-1]  # "/hostedzone/Z123"
    required_id(zone_id, "zone id", f"aws_route53_zone {raw['Id']!r}")
    key = f"arn:{where.partition}:route53:::hostedzone/{zone_id}"
    config = raw.get("Config") or {}
    private = bool(config.get("PrivateZone"))
    return make_entity(
        key=key,
        type=ROUTE53_ZONE.type,
        classes=ROUTE53_ZONE.classes,
        name=dns_name(raw["Name"]),
        properties={
            "arn": key,
            "zoneId": zone_id,
            "domainName": dns_name(raw["Name"]),
            "privateZone": private,
            "public": not private,
            "comment": config.get("Comment") or None,
            "recordCount": raw.get("ResourceRecordSetCount"),
            "accountId": where.account_id,
        },
    )


def in_zone(zone: Entity) -> Mapping[str, Any]:
    return {"HostedZoneId": zone["zoneId"]}


def to_route53_record(raw: Mapping[str, Any], where: Where) -> Entity:
    assert where.parent is not None  # listed per zone
    zone = where.parent
    name, record_type = dns_name(raw["Name"]), raw["Type"]
    key = f"{zone['_key']}/recordset/{name}/{record_type}"
    if raw.get("SetIdentifier"):
        key += f"/{raw['SetIdentifier']}"
    alias = raw.get("AliasTarget") or {}
    values = [r["Value"] for r in raw.get("ResourceRecords") or [] if r.get("Value")]
    return make_entity(
        key=key,
        type=ROUTE53_RECORD.type,
        classes=ROUTE53_RECORD.classes,
        name=name,
        properties={
            "type": record_type,
            # An alias record has no TTL of its own (resolvers use its target's); the data model
            # requires a number, so 0, with `alias` true.
            "TTL": raw.get("TTL", 0 if alias else None),
            "value": values or (dns_name(alias["DNSName"]) if alias.get("DNSName") else None),
            "alias": bool(alias),
            "aliasTarget": dns_name(alias["DNSName"]) if alias.get("DNSName") else None,
            "aliasHostedZoneId": alias.get("HostedZoneId"),
            "setIdentifier": raw.get("SetIdentifier"),
            "weight": raw.get("Weight"),
            "failover": raw.get("Failover"),
            "healthCheckId": raw.get("HealthCheckId"),
            "zoneId": zone["zoneId"],
            "domainName": zone["domainName"],
            "public": zone.get("public"),
            "accountId": where.account_id,
        },
    )


def to_route53_domain(raw: Mapping[str, Any], where: Where) -> Entity:
    name = raw["DomainName"]
    return make_entity(
        key=f"{ROUTE53_DOMAIN.type}:{where.account_id}:{name}",  # domains have no ARN
        type=ROUTE53_DOMAIN.type,
        classes=ROUTE53_DOMAIN.classes,
        name=name,
        properties={
            "domainName": name,
            "autoRenew": raw.get("AutoRenew"),
            "transferLock": raw.get("TransferLock"),
            "expiresOn": epoch_millis(raw.get("Expiry")),
            "accountId": where.account_id,
        },
    )


ROUTE53_ZONES = ResourceSpec(
    step_id="fetch-route53-zones",
    name="Fetch Route 53 hosted zones",
    service=ROUTE53,
    client="route53",
    operation="list_hosted_zones",
    result_key="HostedZones",
    regional=False,
    entity=ROUTE53_ZONE,
    convert=to_route53_zone,
    permissions=("route53:ListHostedZones",),
)

ROUTE53_RECORDS = ResourceSpec(
    step_id="fetch-route53-records",
    name="Fetch Route 53 record sets",
    service=ROUTE53,
    client="route53",
    operation="list_resource_record_sets",
    result_key="ResourceRecordSets",
    regional=False,
    parent=Parent(ROUTE53_ZONES.step_id, ROUTE53_ZONE, in_zone),
    entity=ROUTE53_RECORD,
    convert=to_route53_record,
    permissions=("route53:ListResourceRecordSets",),
)

ROUTE53_DOMAINS = ResourceSpec(
    step_id="fetch-route53-domains",
    name="Fetch Route 53 registered domains",
    service=ROUTE53,
    client="route53domains",
    operation="list_domains",
    result_key="Domains",
    regional=False,
    home_regions={"aws": "us-east-1"},
    entity=ROUTE53_DOMAIN,
    convert=to_route53_domain,
    permissions=("route53domains:ListDomains",),
)

STEPS = (ROUTE53.step(), *(resource_step(s) for s in (ROUTE53_ZONES, ROUTE53_RECORDS, ROUTE53_DOMAINS)))
