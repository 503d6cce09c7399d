"""Classic load balancers (`aws_elb`, `loadBalancerType` "classic"), their
listeners with protocol, certificate and TLS policy, the instances they send to and their
security groups.

A classic listener names its TLS policy only by the name of a policy of its load balancer; the
rules compare it with AWS's predefined policies (`sslPolicy = 'ELBSecurityPolicy-TLS-1-2-2017-01'`),
so for a load balancer with HTTPS or SSL listeners one DescribeLoadBalancerPolicies call says
which predefined policy each of its negotiation policies follows (`Reference-Security-Policy`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.acm import ACM_CERTIFICATE
from graph_aws.aws.resources.ec2.model import INSTANCE, SECURITY_GROUP, arn_of
from graph_aws.aws.resources.elb.model import (
    CLASSIC_CONNECTS_INSTANCE,
    CLASSIC_HAS_LISTENER,
    CLASSIC_HAS_SECURITY_GROUP,
    CLASSIC_LB,
    CLASSIC_USES_CERTIFICATE,
    ELB,
    FUNCTION,
    LISTENER,
    LISTENER_USES_CERTIFICATE,
    TLS_PROTOCOLS,
    acm_certificates,
    add_tags_in_batches,
    link,
)
from graph_aws.aws.resources.registry import ResourceSpec, Where, one_item
from graph_aws.engine import StepContext
from graph_aws.errors import UnconvertibleItem
from graph_aws.model import Entity, epoch_millis, make_entity

_NEGOTIATION = "SSLNegotiationPolicyType"


def classic_arn(where: Where, name: str) -> str:
    return where.arn("elasticloadbalancing", f"loadbalancer/{name}")


def to_classic_load_balancer(raw: Mapping[str, Any], where: Where) -> Entity:
    arn = classic_arn(where, raw["LoadBalancerName"])
    return make_entity(
        key=arn,
        type=CLASSIC_LB.type,
        classes=CLASSIC_LB.classes,
        name=raw["LoadBalancerName"],
        properties={
            "arn": arn,
            # JupiterOne's rules ask `FIND aws_elb WITH category = 'classic'`, but the data model's
            # Gateway allows no such category (network, application, data, other): the schema wins,
            # and `loadBalancerType` says classic.
            "category": ["network"],
            "function": FUNCTION,
            "loadBalancerType": "classic",
            "scheme": raw.get("Scheme"),
            "public": raw.get("Scheme") == "internet-facing",
            "dnsName": raw.get("DNSName"),
            "hostname": raw.get("DNSName"),
            "vpcId": raw.get("VPCId"),
            "subnetIds": list(raw.get("Subnets") or []) or None,
            "availabilityZones": list(raw.get("AvailabilityZones") or []) or None,
            "securityGroupIds": list(raw.get("SecurityGroups") or []) or None,
            "instanceIds": [i["InstanceId"] for i in raw.get("Instances") or [] if i.get("InstanceId")]
            or None,
            "createdOn": epoch_millis(raw.get("CreatedTime")),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def to_classic_listener(
    balancer: Entity, description: Mapping[str, Any], policies: Mapping[str, str], where: Where
) -> Entity:
    listener = description.get("Listener") or {}
    protocol = str(listener.get("Protocol", "")).upper()
    port = listener.get("LoadBalancerPort")
    if port is None:  # its port is its key: one listener per port
        raise UnconvertibleItem(f"a listener of {balancer['_key']} without a LoadBalancerPort left out")
    tls_policies = [policies[p] for p in description.get("PolicyNames") or [] if p in policies]
    return make_entity(
        key=f"{balancer['_key']}/listener/{port}",  # classic listeners have no ARN; one per port
        type=LISTENER.type,
        classes=LISTENER.classes,
        name=f"{balancer['name']}:{port}",
        properties={
            "loadBalancerArn": balancer["_key"],
            "protocol": protocol,
            "port": port,
            "address": f"{balancer.get('dnsName') or balancer['name']}:{port}",
            "instanceProtocol": listener.get("InstanceProtocol"),
            "instancePort": listener.get("InstancePort"),
            "certificateArn": listener.get("SSLCertificateId"),
            "sslPolicy": tls_policies[0] if protocol in TLS_PROTOCOLS and tls_policies else None,
            "policyNames": list(description.get("PolicyNames") or []) or None,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def negotiation_policies(elb: Any, name: str) -> dict[str, str]:
    """Policy name -> the predefined policy it follows (or its own name, for a custom one)."""
    answer = elb.describe_load_balancer_policies(LoadBalancerName=name)
    policies = {}
    for policy in answer.get("PolicyDescriptions") or []:
        if policy.get("PolicyTypeName") != _NEGOTIATION:
            continue
        reference = next(
            (
                a.get("AttributeValue")
                for a in policy.get("PolicyAttributeDescriptions") or []
                if a.get("AttributeName") == "Reference-Security-Policy"
            ),
            None,
        )
        if policy.get("PolicyName"):
            policies[policy["PolicyName"]] = reference or policy["PolicyName"]
    return policies


def enrich_classic(
    context: StepContext, elb: Any, where: Where, raw: Mapping[str, Any], balancer: Entity
) -> None:
    state = context.job_state
    descriptions = raw.get("ListenerDescriptions") or []
    listeners = [d.get("Listener") or {} for d in descriptions]
    tls = any(str(listener.get("Protocol", "")).upper() in TLS_PROTOCOLS for listener in listeners)
    policies = negotiation_policies(elb, raw["LoadBalancerName"]) if tls else {}
    for description in descriptions:
        with one_item(context, f"{where.region}: {balancer['_key']}"):
            listener = state.add_entity(to_classic_listener(balancer, description, policies, where))
            state.add_relationship(link(balancer, "HAS", LISTENER.type, listener["_key"]))
            arn = (description.get("Listener") or {}).get("SSLCertificateId")
            for certificate in acm_certificates([arn]):
                state.add_relationship(link(listener, "USES", ACM_CERTIFICATE.type, certificate))
    certificates = acm_certificates(listener.get("SSLCertificateId") for listener in listeners)
    for certificate in certificates:
        state.add_relationship(link(balancer, "USES", ACM_CERTIFICATE.type, certificate))
    for group_id in raw.get("SecurityGroups") or []:
        with one_item(context, f"{where.region}: {balancer['_key']}"):
            state.add_relationship(
                link(balancer, "HAS", SECURITY_GROUP.type, arn_of(where, "security-group", group_id))
            )
    for instance_id in [i.get("InstanceId") for i in raw.get("Instances") or []]:
        with one_item(context, f"{where.region}: {balancer['_key']}"):
            state.add_relationship(
                link(balancer, "CONNECTS", INSTANCE.type, arn_of(where, "instance", instance_id or ""))
            )


def add_classic_tags(
    context: StepContext, elb: Any, where: Where, added: list[tuple[Mapping[str, Any], Entity]]
) -> None:
    add_tags_in_batches(
        context,
        [entity for _, entity in added],
        [raw["LoadBalancerName"] for raw, _ in added],
        lambda names: elb.describe_tags(LoadBalancerNames=names),
        "LoadBalancerName",
    )


CLASSIC_LOAD_BALANCERS = ResourceSpec(
    step_id="fetch-elb-classic-load-balancers",
    name="Fetch classic load balancers and their listeners",
    service=ELB,
    client="elb",
    operation="describe_load_balancers",
    result_key="LoadBalancerDescriptions",
    entity=CLASSIC_LB,
    convert=to_classic_load_balancer,
    enrich=enrich_classic,
    after_region=add_classic_tags,
    extra_entities=(LISTENER,),
    relationships=(
        CLASSIC_HAS_LISTENER,
        CLASSIC_USES_CERTIFICATE,
        LISTENER_USES_CERTIFICATE,
        CLASSIC_HAS_SECURITY_GROUP,
        CLASSIC_CONNECTS_INSTANCE,
    ),
    permissions=(
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerPolicies",
        "elasticloadbalancing:DescribeTags",
    ),
)
