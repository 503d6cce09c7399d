"""CloudFront (global): distributions and their origins, with what they serve and what protects them.

A distribution HAS its origins (`aws_cloudfront_distribution_origin`), CONNECTS the S3 buckets
they are, USES its ACM certificate, TRIGGERS its Lambda@Edge functions, and is PROTECTED
by the WAF web ACL it names (v2 by ARN, classic by id); the Internet CONNECTS an enabled
distribution (JupiterOne's aws-threat rule: `find Internet that CONNECTS aws_cloudfront_distribution
that CONNECTS aws_s3_bucket`). ListDistributions lacks the default root object (the rule
cloudfront-default-root-object-configured reads `defaultRootObject = ''`), so each distribution's
configuration is read too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graph_aws.aws.resources.acm import ACM_CERTIFICATE
from graph_aws.aws.resources.awslambda import LAMBDA_FUNCTION
from graph_aws.aws.resources.ec2.model import INTERNET, INTERNET_KEY, to_internet
from graph_aws.aws.resources.registry import (
    ResourceSpec,
    ServiceSpec,
    Where,
    one_item,
    required_id,
    resource_step,
)
from graph_aws.aws.resources.s3 import S3_BUCKET
from graph_aws.aws.resources.waf import WAF_V2_WEB_ACL, WAF_WEB_ACL, classic_web_acl_arn
from graph_aws.engine import StepContext
from graph_aws.model import (
    Entity,
    EntityType,
    Relationship,
    RelationshipType,
    epoch_millis,
    make_entity,
    make_relationship,
)

CLOUDFRONT = ServiceSpec(
    "cloudfront",
    "CloudFront",
    EntityType("CloudFront", "aws_cloudfront", ("Service",)),
    function=("content-distribution",),
)
DISTRIBUTION = EntityType("CloudFront Distribution", "aws_cloudfront_distribution", ("Gateway",))
ORIGIN = EntityType(
    "CloudFront Distribution Origin", "aws_cloudfront_distribution_origin", ("Configuration",)
)

# <bucket>.s3.amazonaws.com, <bucket>.s3.<region>.amazonaws.com, <bucket>.s3-website-<region>...
_S3_ORIGIN = re.compile(r"^(?P<bucket>.+?)\.s3(?:[.-](?:website[.-])?[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")


def _items(container: Mapping[str, Any] | None) -> list[Any]:
    """CloudFront's lists come wrapped: {"Quantity": n, "Items": [...]}."""
    return list((container or {}).get("Items") or [])


def to_distribution(raw: Mapping[str, Any], where: Where) -> Entity:
    certificate = raw.get("ViewerCertificate") or {}
    behavior = raw.get("DefaultCacheBehavior") or {}
    return make_entity(
        key=raw["ARN"],
        type=DISTRIBUTION.type,
        classes=DISTRIBUTION.classes,
        name=raw["DomainName"],
        properties={
            "arn": raw["ARN"],
            "id": raw["Id"],
            "domainName": raw["DomainName"],
            "aliases": _items(raw.get("Aliases")) or None,
            "description": raw.get("Comment") or None,
            "status": raw.get("Status"),
            "enabled": raw.get("Enabled"),
            "active": raw.get("Enabled"),
            "category": ["network"],
            "function": ["content-distribution"],
            "public": True,  # a distribution answers on the Internet
            "priceClass": raw.get("PriceClass"),
            "httpVersion": raw.get("HttpVersion"),
            "ipv6Enabled": raw.get("IsIPV6Enabled"),
            "webAclId": raw.get("WebACLId") or None,
            "viewerProtocolPolicy": behavior.get("ViewerProtocolPolicy"),
            "acmCertificateArn": certificate.get("ACMCertificateArn") or None,
            "cloudFrontDefaultCertificate": certificate.get("CloudFrontDefaultCertificate"),
            "minimumProtocolVersion": certificate.get("MinimumProtocolVersion"),
            "sslSupportMethod": certificate.get("SSLSupportMethod"),
            "geoRestrictionType": ((raw.get("Restrictions") or {}).get("GeoRestriction") or {}).get(
                "RestrictionType"
            ),
            "originCount": len(_items(raw.get("Origins"))),
            "updatedOn": epoch_millis(raw.get("LastModifiedTime")),
            "accountId": where.account_id,
        },
    )


def to_origin(distribution: Entity, raw: Mapping[str, Any], where: Where) -> Entity:
    custom = raw.get("CustomOriginConfig")
    s3 = raw.get("S3OriginConfig")
    origin_id = required_id(raw.get("Id") or "", "Id", "a CloudFront origin")
    return make_entity(
        key=f"{distribution['_key']}/origin/{origin_id}",
        type=ORIGIN.type,
        classes=ORIGIN.classes,
        name=origin_id,
        properties={
            "originId": origin_id,
            "distributionArn": distribution["_key"],
            "domainName": raw.get("DomainName"),
            "originPath": raw.get("OriginPath") or None,
            "originType": "custom" if custom else "s3",
            "s3OriginAccessIdentity": (s3 or {}).get("OriginAccessIdentity") or None,
            "originAccessControlId": raw.get("OriginAccessControlId") or None,
            "originProtocolPolicy": (custom or {}).get("OriginProtocolPolicy"),
            "originSslProtocols": _items((custom or {}).get("OriginSslProtocols")) or None,
            "accountId": where.account_id,
        },
    )


def _function_arn(arn: str) -> str:
    """Lambda@Edge names a function version (…:function:name:3); the function is keyed unqualified."""
    return ":".join(arn.split(":")[:7])


def origin_targets(raw: Mapping[str, Any], where: Where) -> Iterator[tuple[EntityType, str]]:
    """What an origin is, when graph-aws collects it: an S3 bucket. (A REST API origin waits for the
    API Gateway types to be collected.)"""
    domain = str(raw.get("DomainName", "")).lower()
    bucket = _S3_ORIGIN.match(domain)
    if bucket:
        yield S3_BUCKET, f"arn:{where.partition}:s3:::{bucket.group('bucket')}"


def distribution_links(raw: Mapping[str, Any], distribution: Entity, where: Where) -> Iterator[Relationship]:
    for origin in _items(raw.get("Origins")):
        for target, target_key in origin_targets(origin, where):
            yield make_relationship(
                from_entity=distribution,
                verb="CONNECTS",
                to_type=target.type,
                to_key=target_key,
                properties={"originId": origin.get("Id")},
            )
    certificate = (raw.get("ViewerCertificate") or {}).get("ACMCertificateArn")
    if certificate:
        yield make_relationship(
            from_entity=distribution, verb="USES", to_type=ACM_CERTIFICATE.type, to_key=certificate
        )
    behaviors = [raw.get("DefaultCacheBehavior") or {}, *_items(raw.get("CacheBehaviors"))]
    functions = [
        _function_arn(a["LambdaFunctionARN"])
        for b in behaviors
        for a in _items(b.get("LambdaFunctionAssociations"))
        if a.get("LambdaFunctionARN")
    ]
    for function in dict.fromkeys(functions):
        yield make_relationship(
            from_entity=distribution, verb="TRIGGERS", to_type=LAMBDA_FUNCTION.type, to_key=function
        )
    acl = raw.get("WebACLId") or ""
    if acl.startswith("arn:") and ":wafv2:" in acl:
        yield make_relationship(
            from_type=WAF_V2_WEB_ACL.type, from_key=acl, verb="PROTECTS", to_entity=distribution
        )
    elif acl:
        classic = classic_web_acl_arn(where, acl)
        yield make_relationship(
            from_type=WAF_WEB_ACL.type, from_key=classic, verb="PROTECTS", to_entity=distribution
        )
    if raw.get("Enabled"):
        yield make_relationship(
            from_type=INTERNET.type, from_key=INTERNET_KEY, verb="CONNECTS", to_entity=distribution
        )


def enrich_distribution(
    context: StepContext, cloudfront: Any, where: Where, raw: Mapping[str, Any], distribution: Entity
) -> None:
    state = context.job_state
    config = cloudfront.get_distribution_config(Id=raw["Id"]).get("DistributionConfig") or {}
    logging = config.get("Logging") or {}
    state.enrich_entity(
        distribution["_key"],
        {
            # As AWS gives it: "" when none is set, which the rule looks for.
            "defaultRootObject": config.get("DefaultRootObject", ""),
            "loggingEnabled": bool(logging.get("Enabled")),
            "loggingBucket": logging.get("Bucket") or None,
        },
    )
    for origin in _items(raw.get("Origins")):
        with one_item(context, distribution["_key"]):
            entity = state.add_entity(to_origin(distribution, origin, where))
            state.add_relationship(make_relationship(from_entity=distribution, verb="HAS", to_entity=entity))
    with one_item(context, distribution["_key"]):
        for relationship in distribution_links(raw, distribution, where):
            if relationship["_fromEntityKey"] == INTERNET_KEY:
                state.add_mapped_entity(to_internet())  # the Internet is no one's: mapped, made once
            state.add_relationship(relationship)


DISTRIBUTIONS = ResourceSpec(
    step_id="fetch-cloudfront-distributions",
    name="Fetch CloudFront distributions and their origins",
    service=CLOUDFRONT,
    client="cloudfront",
    operation="list_distributions",
    result_key="DistributionList.Items",
    regional=False,
    entity=DISTRIBUTION,
    convert=to_distribution,
    enrich=enrich_distribution,
    extra_entities=(ORIGIN,),
    relationships=(
        RelationshipType(DISTRIBUTION, "HAS", ORIGIN),
        RelationshipType(DISTRIBUTION, "CONNECTS", S3_BUCKET),
        RelationshipType(DISTRIBUTION, "USES", ACM_CERTIFICATE),
        RelationshipType(DISTRIBUTION, "TRIGGERS", LAMBDA_FUNCTION),
        RelationshipType(WAF_V2_WEB_ACL, "PROTECTS", DISTRIBUTION),
        RelationshipType(WAF_WEB_ACL, "PROTECTS", DISTRIBUTION),
        RelationshipType(INTERNET, "CONNECTS", DISTRIBUTION),
    ),
    permissions=("cloudfront:ListDistributions", "cloudfront:GetDistributionConfig"),
)

STEPS = (CLOUDFRONT.step(), resource_step(DISTRIBUTIONS))

TESTED_WITH = {"aws_cloudfront_distribution": "moto, patched (Lambda@Edge associations kept)"}
