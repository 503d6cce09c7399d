"""CloudTrail: each trail is an `aws_cloudtrail` entity that the account HAS and that LOGS to its bucket.

JupiterOne models the trail itself as `aws_cloudtrail` (class Service), so there is no separate
CloudTrail service entity, and the registry's "service HAS resource" shape does not fit: this is a
small hand-written step over the same region machinery. The trail's settings are also put on its
LOGS relationship, which JupiterOne's CloudTrail rules read (`THAT LOGS AS trail ... WHERE
trail.isMultiRegionTrail`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws import types as t
from graph_aws.aws.context import AccountResources
from graph_aws.aws.resources.registry import Where, for_each_region, regions_of
from graph_aws.aws.resources.s3 import S3_BUCKET
from graph_aws.engine import Step, StepContext
from graph_aws.model import (
    Entity,
    EntityType,
    RelationshipType,
    make_entity,
    make_relationship,
    tag_properties,
)

CLOUDTRAIL = EntityType("CloudTrail", "aws_cloudtrail", ("Service",))
ACCOUNT_HAS_CLOUDTRAIL = RelationshipType(t.ACCOUNT, "HAS", CLOUDTRAIL)
CLOUDTRAIL_LOGS_BUCKET = RelationshipType(CLOUDTRAIL, "LOGS", S3_BUCKET)


def trail_settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "isMultiRegionTrail": raw.get("IsMultiRegionTrail"),
        "includeGlobalServiceEvents": raw.get("IncludeGlobalServiceEvents"),
        "logFileValidationEnabled": raw.get("LogFileValidationEnabled"),
        "homeRegion": raw.get("HomeRegion"),
        "isOrganizationTrail": raw.get("IsOrganizationTrail"),
    }


def to_cloudtrail(raw: Mapping[str, Any], where: Where) -> Entity:
    arn = raw["TrailARN"]
    return make_entity(
        key=arn,
        type=CLOUDTRAIL.type,
        classes=CLOUDTRAIL.classes,
        name=raw["Name"],
        properties={
            "arn": arn,
            "category": ["infrastructure"],  # the data model's Service requires both
            "function": ["auditing", "logging"],
            **trail_settings(raw),
            "s3BucketName": raw.get("S3BucketName"),
            "s3KeyPrefix": raw.get("S3KeyPrefix"),
            "kmsKeyId": raw.get("KmsKeyId"),
            "cloudWatchLogsLogGroupArn": raw.get("CloudWatchLogsLogGroupArn"),
            "snsTopicArn": raw.get("SnsTopicARN"),
            "hasCustomEventSelectors": raw.get("HasCustomEventSelectors"),
            # An organization trail seen from a member belongs to the management account.
            "accountId": arn.split(":")[4] or where.account_id,
            "region": raw.get("HomeRegion") or where.region,
        },
    )


def fetch_trails(context: StepContext) -> None:
    resources: AccountResources = context.resources
    state = context.job_state

    regions = regions_of(context)

    def listed_here(raw: Mapping[str, Any], region: str) -> bool:
        """Keep each trail in one region: its home region, or, when that region is not read, the
        first region read (a multi-region trail is listed in all of them)."""
        home = raw.get("HomeRegion", region)
        return home == region or (home not in regions and region == regions[0])

    def in_region(region: str) -> None:
        client = resources.session.client("cloudtrail", region)
        where = Where(resources.account_id, resources.partition, region)
        # Shadow trails included, so that an organization trail is seen from member accounts.
        for raw in client.describe_trails(includeShadowTrails=True).get("trailList", []):
            if not listed_here(raw, region):
                continue
            trail = state.add_entity(to_cloudtrail(raw, where))
            # By ARN: a member account must name an organization trail by its ARN.
            properties = {"isLogging": client.get_trail_status(Name=raw["TrailARN"]).get("IsLogging")}
            # Tags are read where the trail lives, by its owner (an organization trail's, by the
            # management account's job).
            if trail["accountId"] == resources.account_id and raw.get("HomeRegion", region) == region:
                tags = client.list_tags(ResourceIdList=[raw["TrailARN"]]).get("ResourceTagList") or []
                properties |= tag_properties((tags[0] if tags else {}).get("TagsList"))
            state.enrich_entity(trail["_key"], properties)
            state.add_relationship(
                make_relationship(
                    from_type=t.ACCOUNT.type, from_key=resources.account_key, verb="HAS", to_entity=trail
                )
            )
            if raw.get("S3BucketName"):
                state.add_relationship(
                    make_relationship(
                        from_entity=trail,
                        verb="LOGS",
                        to_type=S3_BUCKET.type,
                        to_key=f"arn:{where.partition}:s3:::{raw['S3BucketName']}",
                        properties={"name": raw["Name"], **trail_settings(raw)},
                    )
                )

    for_each_region(context, in_region, regions)


FETCH_TRAILS = Step(
    id="fetch-cloudtrail-trails",
    name="Fetch CloudTrail trails",
    handler=fetch_trails,
    entities=(CLOUDTRAIL,),
    relationships=(ACCOUNT_HAS_CLOUDTRAIL, CLOUDTRAIL_LOGS_BUCKET),
    depends_on=("fetch-regions",),
    permissions=("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:ListTags"),
)

STEPS = (FETCH_TRAILS,)
