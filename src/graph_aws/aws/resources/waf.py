"""WAF web ACLs and what they protect: v2 (`aws_waf_v2_web_acl`, regional and CloudFront-scope) and
classic (`aws_waf_web_acl`, global and regional).

A regional ACL PROTECTS the application load balancers that ListResourcesForWebACL names; a
CloudFront distribution names its ACL itself, so the CloudFront step makes those PROTECTS
relationships. CloudFront-scope v2 ACLs are read in us-east-1, where AWS keeps them; classic
global ACLs through the global `waf` endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graph_aws.aws.resources.elb.model import ALB
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, Relationship, RelationshipType, make_entity, make_relationship

WAF = ServiceSpec(
    "waf", "WAF", EntityType("WAF", "aws_waf", ("Service",)), function=("WAF",), category=("security",)
)
WAF_V2 = ServiceSpec(
    "waf_v2",
    "WAF V2",
    EntityType("WAF V2", "aws_waf_v2", ("Service",)),
    function=("WAF",),
    category=("security",),
)
WAF_WEB_ACL = EntityType("WAF Web ACL", "aws_waf_web_acl", ("Firewall",))
WAF_V2_WEB_ACL = EntityType("WAF v2 Web ACL", "aws_waf_v2_web_acl", ("Firewall",))

# The resource types whose protection the rules ask about (alb-waf-enabled). REST APIs (API_GATEWAY)
# wait for the API Gateway types to be collected.
PROTECTED_TYPES = ("APPLICATION_LOAD_BALANCER",)
_CLOUDFRONT_HOME = {"aws": "us-east-1"}


def classic_web_acl_arn(where: Where, acl_id: str, *, regional: bool = False) -> str:
    if regional:
        return where.arn("waf-regional", f"webacl/{acl_id}")
    return f"arn:{where.partition}:waf::{where.account_id}:webacl/{acl_id}"


def _web_acl(kind: EntityType, key: str, raw: Mapping[str, Any], where: Where, scope: str) -> Entity:
    return make_entity(
        key=key,
        type=kind.type,
        classes=kind.classes,
        name=raw["Name"],
        properties={
            "arn": key,
            "id": raw.get("Id") or raw.get("WebACLId"),
            "description": raw.get("Description") or None,
            "scope": scope,
            "category": ["network"],
            "accountId": where.account_id,
            "region": where.region if scope == "REGIONAL" else None,
        },
    )


def to_regional_v2_acl(raw: Mapping[str, Any], where: Where) -> Entity:
    return _web_acl(WAF_V2_WEB_ACL, raw["ARN"], raw, where, "REGIONAL")


def to_cloudfront_v2_acl(raw: Mapping[str, Any], where: Where) -> Entity:
    return _web_acl(WAF_V2_WEB_ACL, raw["ARN"], raw, where, "CLOUDFRONT")


def to_classic_acl(raw: Mapping[str, Any], where: Where) -> Entity:
    return _web_acl(WAF_WEB_ACL, classic_web_acl_arn(where, raw["WebACLId"]), raw, where, "CLOUDFRONT")


def to_classic_regional_acl(raw: Mapping[str, Any], where: Where) -> Entity:
    key = classic_web_acl_arn(where, raw["WebACLId"], regional=True)
    return _web_acl(WAF_WEB_ACL, key, raw, where, "REGIONAL")


def protects(acl: Entity, resource_arn: str) -> Iterator[Relationship]:
    """What a regional ACL protects, by the ARN AWS names it with: an application load balancer."""
    if ":loadbalancer/app/" in resource_arn:
        yield make_relationship(from_entity=acl, verb="PROTECTS", to_type=ALB.type, to_key=resource_arn)


def _add_protected(context: StepContext, acl: Entity, arns: list[str]) -> None:
    for arn in dict.fromkeys(arns):
        for relationship in protects(acl, arn):
            context.job_state.add_relationship(relationship)


def enrich_regional_v2(
    context: StepContext, wafv2: Any, where: Where, raw: Mapping[str, Any], acl: Entity
) -> None:
    for resource_type in PROTECTED_TYPES:
        answer = wafv2.list_resources_for_web_acl(WebACLArn=raw["ARN"], ResourceType=resource_type)
        _add_protected(context, acl, list(answer.get("ResourceArns") or []))


def enrich_classic_regional(
    context: StepContext, waf: Any, where: Where, raw: Mapping[str, Any], acl: Entity
) -> None:
    for resource_type in PROTECTED_TYPES:
        answer = waf.list_resources_for_web_acl(WebACLId=raw["WebACLId"], ResourceType=resource_type)
        _add_protected(context, acl, list(answer.get("ResourceArns") or []))


_PROTECTS = (RelationshipType(WAF_V2_WEB_ACL, "PROTECTS", ALB),)
_CLASSIC_PROTECTS = (RelationshipType(WAF_WEB_ACL, "PROTECTS", ALB),)

REGIONAL_V2_ACLS = ResourceSpec(
    step_id="fetch-wafv2-web-acls",
    name="Fetch regional WAF v2 web ACLs and what they protect",
    service=WAF_V2,
    client="wafv2",
    operation="list_web_acls",
    result_key="WebACLs",
    parameters={"Scope": "REGIONAL"},
    paginated=False,
    next_marker="NextMarker",
    entity=WAF_V2_WEB_ACL,
    convert=to_regional_v2_acl,
    enrich=enrich_regional_v2,
    relationships=_PROTECTS,
    permissions=("wafv2:ListWebACLs", "wafv2:ListResourcesForWebACL"),
)

CLOUDFRONT_V2_ACLS = ResourceSpec(
    step_id="fetch-wafv2-cloudfront-web-acls",
    name="Fetch CloudFront-scope WAF v2 web ACLs",
    service=WAF_V2,
    client="wafv2",
    operation="list_web_acls",
    result_key="WebACLs",
    parameters={"Scope": "CLOUDFRONT"},
    paginated=False,
    next_marker="NextMarker",
    regional=False,
    home_regions=_CLOUDFRONT_HOME,
    entity=WAF_V2_WEB_ACL,
    convert=to_cloudfront_v2_acl,
    permissions=("wafv2:ListWebACLs",),
)

CLASSIC_ACLS = ResourceSpec(
    step_id="fetch-waf-web-acls",
    name="Fetch classic (global) WAF web ACLs",
    service=WAF,
    client="waf",
    operation="list_web_acls",
    result_key="WebACLs",
    regional=False,
    entity=WAF_WEB_ACL,
    convert=to_classic_acl,
    permissions=("waf:ListWebACLs",),
)

CLASSIC_REGIONAL_ACLS = ResourceSpec(
    step_id="fetch-waf-regional-web-acls",
    name="Fetch classic regional WAF web ACLs and what they protect",
    service=WAF,
    client="waf-regional",
    operation="list_web_acls",
    result_key="WebACLs",
    paginated=False,
    next_marker="NextMarker",
    entity=WAF_WEB_ACL,
    convert=to_classic_regional_acl,
    enrich=enrich_classic_regional,
    relationships=_CLASSIC_PROTECTS,
    permissions=("waf-regional:ListWebACLs", "waf-regional:ListResourcesForWebACL"),
)

STEPS = (
    WAF.step(),
    WAF_V2.step(),
    *(resource_step(s) for s in (REGIONAL_V2_ACLS, CLOUDFRONT_V2_ACLS, CLASSIC_ACLS, CLASSIC_REGIONAL_ACLS)),
)

# How the tests reach these types (the README's table says it): moto has no classic WAF, and no
# wafv2 ListResourcesForWebACL; the demo's seed module patches both in.
TESTED_WITH = {
    "aws_waf_web_acl": "moto, patched (classic WAF: ListWebACLs, ListResourcesForWebACL)",
    "aws_waf_v2_web_acl": "moto, patched (ListResourcesForWebACL)",
}
