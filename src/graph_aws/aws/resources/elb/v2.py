"""Application and network load balancers (`aws_alb`, `aws_nlb`), their attributes (deletion
protection, dropping invalid headers), listeners (protocol, TLS policy, certificate, the default
action the HTTP-to-HTTPS rule reads), listener rules, and target groups.

Listeners are listed per load balancer and rules per listener (the API nests them), in the load
balancer's enrichment; rules only for application load balancers, the only ones that have them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.resources.acm import ACM_CERTIFICATE
from graph_aws.aws.resources.ec2.model import SECURITY_GROUP, arn_of
from graph_aws.aws.resources.elb.model import (
    ALB,
    ELB,
    FUNCTION,
    LISTENER,
    LISTENER_HAS_RULE,
    LISTENER_RULE,
    LISTENER_USES_CERTIFICATE,
    NLB,
    TARGET_GROUP,
    TLS_PROTOCOLS,
    V2_TYPES,
    acm_certificates,
    add_tags_in_batches,
    link,
)
from graph_aws.aws.resources.registry import ResourceSpec, Where
from graph_aws.engine import StepContext
from graph_aws.model import Entity, RelationshipType, epoch_millis, make_entity

# Load balancer attributes (DescribeLoadBalancerAttributes) under the names the rules read.
_ATTRIBUTES = {
    "deletion_protection.enabled": "deletionProtection",
    "routing.http.drop_invalid_header_fields.enabled": "dropInvalidHeaders",
    "access_logs.s3.enabled": "accessLogsEnabled",
    "load_balancing.cross_zone.enabled": "crossZoneLoadBalancing",
    "routing.http2.enabled": "http2Enabled",
    "waf.fail_open.enabled": "wafFailOpen",
}
_TEXT_ATTRIBUTES = {
    "access_logs.s3.bucket": "accessLogsBucket",
    "routing.http.desync_mitigation_mode": "desyncMitigationMode",
    "idle_timeout.timeout_seconds": "idleTimeoutSeconds",
}


def to_load_balancer(raw: Mapping[str, Any], where: Where) -> Entity | None:
    kind = V2_TYPES.get(raw.get("Type", ""))
    if kind is None:
        return None  # a gateway load balancer: JupiterOne has no type for it
    zones = raw.get("AvailabilityZones") or []
    return make_entity(
        key=raw["LoadBalancerArn"],
        type=kind.type,
        classes=kind.classes,
        name=raw["LoadBalancerName"],
        properties={
            "arn": raw["LoadBalancerArn"],
            "category": [raw["Type"]],
            "function": FUNCTION,
            "loadBalancerType": raw["Type"],
            "scheme": raw.get("Scheme"),
            "public": raw.get("Scheme") == "internet-facing",
            "dnsName": raw.get("DNSName"),
            "hostname": raw.get("DNSName"),
            "state": (raw.get("State") or {}).get("Code"),
            "vpcId": raw.get("VpcId"),
            "ipAddressType": raw.get("IpAddressType"),
            "subnetIds": [z["SubnetId"] for z in zones if z.get("SubnetId")] or None,
            "availabilityZones": [z["ZoneName"] for z in zones if z.get("ZoneName")] or None,
            "securityGroupIds": list(raw.get("SecurityGroups") or []) or None,
            "createdOn": epoch_millis(raw.get("CreatedTime")),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def attribute_properties(attributes: list[Mapping[str, Any]]) -> dict[str, Any]:
    values = {a["Key"]: a.get("Value") for a in attributes if "Key" in a}
    properties: dict[str, Any] = {
        name: values[key] == "true" for key, name in _ATTRIBUTES.items() if key in values
    }
    properties |= {name: values[key] or None for key, name in _TEXT_ATTRIBUTES.items() if key in values}
    if properties.get("idleTimeoutSeconds"):
        properties["idleTimeoutSeconds"] = int(properties["idleTimeoutSeconds"])
    return properties


def _action_type(actions: list[Mapping[str, Any]]) -> str | None:
    """The action that ends a rule or listener (forward, redirect, fixed-response): the last by
    Order, after any authenticate-* action."""
    ordered = sorted(actions, key=lambda a: a.get("Order", 0))
    return ordered[-1].get("Type") if ordered else None


def to_listener(balancer: Entity, raw: Mapping[str, Any], where: Where) -> Entity:
    protocol = raw.get("Protocol")
    actions = raw.get("DefaultActions") or []
    certificates = acm_certificates(c.get("CertificateArn") for c in raw.get("Certificates") or [])
    return make_entity(
        key=raw["ListenerArn"],
        type=LISTENER.type,
        classes=LISTENER.classes,
        name=f"{balancer['name']}:{raw.get('Port')}",
        properties={
            "arn": raw["ListenerArn"],
            "loadBalancerArn": raw.get("LoadBalancerArn"),
            "protocol": protocol,
            "port": raw.get("Port"),
            "address": f"{balancer.get('dnsName') or balancer['name']}:{raw.get('Port')}",
            "sslPolicy": raw.get("SslPolicy") if protocol in TLS_PROTOCOLS else None,
            "certificateArn": certificates[0] if certificates else None,
            "defaultAction": _action_type(actions),
            "defaultActions": json.dumps(actions, sort_keys=True, separators=(",", ":")) if actions else None,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def to_listener_rule(listener: Entity, raw: Mapping[str, Any], where: Where) -> Entity:
    priority = raw.get("Priority")
    return make_entity(
        key=raw["RuleArn"],
        type=LISTENER_RULE.type,
        classes=LISTENER_RULE.classes,
        name=f"{listener['name']} rule {priority}",
        properties={
            "arn": raw["RuleArn"],
            "listenerArn": listener["_key"],
            "priority": priority,
            "isDefault": raw.get("IsDefault"),
            "actionType": _action_type(raw.get("Actions") or []),
            "conditions": json.dumps(raw.get("Conditions") or [], sort_keys=True, separators=(",", ":")),
            "actions": json.dumps(raw.get("Actions") or [], sort_keys=True, separators=(",", ":")),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_load_balancer(
    context: StepContext, elbv2: Any, where: Where, raw: Mapping[str, Any], balancer: Entity
) -> None:
    state = context.job_state
    arn = raw["LoadBalancerArn"]
    attributes = elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn).get("Attributes") or []
    state.enrich_entity(balancer["_key"], attribute_properties(attributes))
    for group_id in raw.get("SecurityGroups") or []:
        state.add_relationship(
            link(balancer, "HAS", SECURITY_GROUP.type, arn_of(where, "security-group", group_id))
        )
    used: list[str] = []
    for item in paginate(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=arn):
        listener = state.add_entity(to_listener(balancer, item, where))
        state.add_relationship(link(balancer, "HAS", LISTENER.type, listener["_key"]))
        for certificate in acm_certificates(c.get("CertificateArn") for c in item.get("Certificates") or []):
            state.add_relationship(link(listener, "USES", ACM_CERTIFICATE.type, certificate))
            used.append(certificate)
        if raw["Type"] == "application":
            for rule in paginate(elbv2, "describe_rules", "Rules", ListenerArn=item["ListenerArn"]):
                entity = state.add_entity(to_listener_rule(listener, rule, where))
                state.add_relationship(link(listener, "HAS", LISTENER_RULE.type, entity["_key"]))
    for certificate in dict.fromkeys(used):
        state.add_relationship(link(balancer, "USES", ACM_CERTIFICATE.type, certificate))


def add_v2_tags(
    context: StepContext, elbv2: Any, where: Where, added: list[tuple[Mapping[str, Any], Entity]]
) -> None:
    add_tags_in_batches(
        context,
        [entity for _, entity in added],
        [raw["LoadBalancerArn"] for raw, _ in added],
        lambda arns: elbv2.describe_tags(ResourceArns=arns),
        "ResourceArn",
    )


V2_LOAD_BALANCERS = ResourceSpec(
    step_id="fetch-elb-load-balancers",
    name="Fetch application and network load balancers, their listeners and rules",
    service=ELB,
    client="elbv2",
    operation="describe_load_balancers",
    result_key="LoadBalancers",
    entity=ALB,
    convert=to_load_balancer,
    enrich=enrich_load_balancer,
    after_region=add_v2_tags,
    extra_entities=(NLB, LISTENER, LISTENER_RULE),
    relationships=(
        ELB.has(NLB),
        *(RelationshipType(kind, "HAS", LISTENER) for kind in (ALB, NLB)),
        *(RelationshipType(kind, "USES", ACM_CERTIFICATE) for kind in (ALB, NLB)),
        *(RelationshipType(kind, "HAS", SECURITY_GROUP) for kind in (ALB, NLB)),
        LISTENER_USES_CERTIFICATE,
        LISTENER_HAS_RULE,
    ),
    permissions=(
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTags",
    ),
)


def to_target_group(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["TargetGroupArn"],
        type=TARGET_GROUP.type,
        classes=TARGET_GROUP.classes,
        name=raw["TargetGroupName"],
        properties={
            "arn": raw["TargetGroupArn"],
            "protocol": raw.get("Protocol"),
            "port": raw.get("Port"),
            "targetType": raw.get("TargetType"),
            "vpcId": raw.get("VpcId"),
            "healthCheckEnabled": raw.get("HealthCheckEnabled"),
            "healthCheckProtocol": raw.get("HealthCheckProtocol"),
            "healthCheckPath": raw.get("HealthCheckPath"),
            "loadBalancerArns": list(dict.fromkeys(raw.get("LoadBalancerArns") or [])) or None,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def connect_load_balancers(
    context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], group: Entity
) -> None:
    """Each load balancer that sends to the group CONNECTS it, by its type as the load balancers
    step found it (its ARN says app/ or net/, which moto does not always get right)."""
    for arn in dict.fromkeys(raw.get("LoadBalancerArns") or []):
        balancer = context.job_state.find_entity(arn)
        kind = balancer["_type"] if balancer else (NLB.type if "/net/" in arn else ALB.type)
        context.job_state.add_relationship(link((kind, arn), "CONNECTS", TARGET_GROUP.type, group["_key"]))


TARGET_GROUPS = ResourceSpec(
    step_id="fetch-elb-target-groups",
    name="Fetch load balancer target groups",
    service=ELB,
    client="elbv2",
    operation="describe_target_groups",
    result_key="TargetGroups",
    entity=TARGET_GROUP,
    convert=to_target_group,
    enrich=connect_load_balancers,
    relationships=tuple(RelationshipType(kind, "CONNECTS", TARGET_GROUP) for kind in (ALB, NLB)),
    depends_on=(V2_LOAD_BALANCERS.step_id,),  # to know each load balancer's type
    permissions=("elasticloadbalancing:DescribeTargetGroups",),
)
