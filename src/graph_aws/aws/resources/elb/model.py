"""Elastic Load Balancing types (JupiterOne's: `aws_elb` classic, `aws_alb`, `aws_nlb`, their
`aws_lb_listener`s and `aws_lb_listener_rule`s, `aws_lb_target_group`), the service entity
`aws_elasticloadbalancing` that HAS the load balancers, and what the converters share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_aws.aws.resources.acm import ACM_CERTIFICATE
from graph_aws.aws.resources.ec2.model import INSTANCE, SECURITY_GROUP
from graph_aws.aws.resources.registry import ServiceSpec
from graph_aws.engine import StepContext
from graph_aws.model import (
    Entity,
    EntityType,
    Relationship,
    RelationshipType,
    make_relationship,
    tag_properties,
)

ELB = ServiceSpec(
    "elasticloadbalancing",
    "Elastic Load Balancing",
    EntityType("Elastic Load Balancing", "aws_elasticloadbalancing", ("Service",)),
    function=("load-balancing",),
)
CLASSIC_LB = EntityType("Classic Load Balancer", "aws_elb", ("Gateway",))
ALB = EntityType("Application Load Balancer", "aws_alb", ("Gateway",))
NLB = EntityType("Network Load Balancer", "aws_nlb", ("Gateway",))
LISTENER = EntityType("Load Balancer Listener", "aws_lb_listener", ("ApplicationEndpoint",))
LISTENER_RULE = EntityType("Load Balancer Listener Rule", "aws_lb_listener_rule", ("Rule",))
TARGET_GROUP = EntityType("Load Balancer Target Group", "aws_lb_target_group", ("Group",))

LOAD_BALANCERS = (CLASSIC_LB, ALB, NLB)
# elbv2's Type -> JupiterOne's type; gateway load balancers have none and are left out.
V2_TYPES = {"application": ALB, "network": NLB}
# What a load balancer does, in the data model's Gateway terms.
FUNCTION = ["load-balancing"]
TLS_PROTOCOLS = frozenset({"HTTPS", "SSL", "TLS"})

CLASSIC_HAS_LISTENER = RelationshipType(CLASSIC_LB, "HAS", LISTENER)
CLASSIC_USES_CERTIFICATE = RelationshipType(CLASSIC_LB, "USES", ACM_CERTIFICATE)
CLASSIC_HAS_SECURITY_GROUP = RelationshipType(CLASSIC_LB, "HAS", SECURITY_GROUP)
CLASSIC_CONNECTS_INSTANCE = RelationshipType(CLASSIC_LB, "CONNECTS", INSTANCE)
LISTENER_USES_CERTIFICATE = RelationshipType(LISTENER, "USES", ACM_CERTIFICATE)
LISTENER_HAS_RULE = RelationshipType(LISTENER, "HAS", LISTENER_RULE)


def acm_certificates(arns: Iterable[str | None]) -> list[str]:
    """The ACM certificates among a listener's (IAM server certificates are not collected)."""
    return list(dict.fromkeys(a for a in arns if a and a.split(":")[2:3] == ["acm"]))


def tags_by(descriptions: Iterable[Mapping[str, Any]], id_field: str) -> dict[str, dict[str, str]]:
    return {d[id_field]: tag_properties(d.get("Tags")) for d in descriptions if d.get(id_field)}


def add_tags_in_batches(
    context: StepContext,
    entities: list[Entity],
    ids: list[str],
    describe: Any,
    id_field: str,
) -> None:
    """DescribeTags answers for at most 20 load balancers a call."""
    for start in range(0, len(ids), 20):
        batch = ids[start : start + 20]
        tags = tags_by(describe(batch).get("TagDescriptions") or [], id_field)
        for entity, resource_id in zip(entities[start : start + 20], batch, strict=True):
            if tags.get(resource_id):
                context.job_state.enrich_entity(entity["_key"], tags[resource_id])


def link(
    source: Mapping[str, Any] | tuple[str, str],
    verb: str,
    target_type: str,
    target_key: str,
    **properties: Any,
) -> Relationship:
    from_type, from_key = source if isinstance(source, tuple) else (source["_type"], source["_key"])
    return make_relationship(
        from_type=from_type,
        from_key=from_key,
        verb=verb,
        to_type=target_type,
        to_key=target_key,
        properties=properties or None,
    )
