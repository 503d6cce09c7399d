"""CloudTrail, shaped as JupiterOne's CloudTrail rules query it: one `aws_cloudtrail` service entity
per account, and each trail as its LOGS relationships, with the trail's settings on them.

`FIND aws_cloudtrail THAT LOGS AS trail * WHERE trail.isMultiRegionTrail = true`: the service LOGS
the trail's bucket (`aws_s3_bucket`) and log group (`aws_cloudwatch_log_group`), one relationship
per trail and destination (the trail's ARN ends the _key), carrying `name`, `trailArn`,
`homeRegion`, `isMultiRegionTrail`, `includeGlobalServiceEvents`, `logFileValidationEnabled`,
`isLogging`, ... An account without a trail has the service entity and no LOGS relationship
(`FIND aws_account THAT HAS aws_cloudtrail THAT !LOGS *`). The service entity says in
`multiRegionLogging` whether a multi-region trail (its own or its organization's) is logging, which
graph-aws's own check reads (false only when every region was read).

S3 data events (object-level logging) are `aws_s3_bucket SENDS aws_cloudtrail`, read from each own
trail's event selectors: a bucket the selectors name SENDS; selectors for every bucket make the
`aws_s3` service SEND, and (once the buckets are listed) each of the account's buckets too.

Earlier versions made an `aws_cloudtrail` entity per trail, keyed by its ARN; the next collect
replaces them (the types are the same, so the account's sync deletes what it no longer makes).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graph_aws.aws.context import AccountResources
from graph_aws.aws.resources.cloudwatch import LOG_GROUP, log_group_key
from graph_aws.aws.resources.registry import (
    ServiceSpec,
    Where,
    for_each_region,
    one_item,
    regions_of,
    required_id,
)
from graph_aws.aws.resources.s3 import S3, S3_BUCKET, S3_BUCKETS
from graph_aws.engine import Step, StepContext
from graph_aws.errors import UnconvertibleItem
from graph_aws.model import EntityType, Relationship, RelationshipType, make_relationship, tag_properties

CLOUDTRAIL = ServiceSpec(
    "cloudtrail",
    "CloudTrail",
    EntityType("CloudTrail", "aws_cloudtrail", ("Service",)),
    function=("auditing", "logging"),
)
CLOUDTRAIL_LOGS_BUCKET = RelationshipType(CLOUDTRAIL.entity, "LOGS", S3_BUCKET)
CLOUDTRAIL_LOGS_LOG_GROUP = RelationshipType(CLOUDTRAIL.entity, "LOGS", LOG_GROUP)
BUCKET_SENDS_CLOUDTRAIL = RelationshipType(S3_BUCKET, "SENDS", CLOUDTRAIL.entity)
S3_SENDS_CLOUDTRAIL = RelationshipType(S3.entity, "SENDS", CLOUDTRAIL.entity)

# Job data: (name, ARN) of the trails that log data events of every bucket.
ALL_BUCKET_TRAILS = "cloudtrail-all-bucket-trails"
_S3_OBJECT = "AWS::S3::Object"


def trail_settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    """What the rules read on a trail's LOGS relationships, from a DescribeTrails entry;
    UnconvertibleItem for a trail without an ARN that names its account (it keys the relationships
    and says whose trail it is)."""
    arn = required_id(raw.get("TrailARN") or "", "TrailARN", "a trail")
    parts = arn.split(":")
    if len(parts) < 6 or not parts[4]:
        raise UnconvertibleItem(f"a trail whose TrailARN {arn!r} names no account left out")
    return {
        "name": raw.get("Name"),
        "trailArn": arn,
        "homeRegion": raw.get("HomeRegion"),
        "isMultiRegionTrail": raw.get("IsMultiRegionTrail"),
        "includeGlobalServiceEvents": raw.get("IncludeGlobalServiceEvents"),
        "logFileValidationEnabled": raw.get("LogFileValidationEnabled"),
        "isOrganizationTrail": raw.get("IsOrganizationTrail"),
        "hasCustomEventSelectors": raw.get("HasCustomEventSelectors"),
        "s3BucketName": raw.get("S3BucketName"),
        "s3KeyPrefix": raw.get("S3KeyPrefix"),
        "kmsKeyId": raw.get("KmsKeyId"),
        "encrypted": bool(raw.get("KmsKeyId")),
        "cloudWatchLogsLogGroupArn": raw.get("CloudWatchLogsLogGroupArn"),
        "snsTopicArn": raw.get("SnsTopicARN"),
        # An organization trail seen from a member belongs to the management account.
        "accountId": parts[4],
    }


def trail_logs(
    service_key: str, raw: Mapping[str, Any], where: Where, settings: Mapping[str, Any]
) -> Iterator[Relationship]:
    """The trail as the service's LOGS relationships: to its bucket, and to its log group if any."""
    destinations = []
    if raw.get("S3BucketName"):
        destinations.append((S3_BUCKET.type, f"arn:{where.partition}:s3:::{raw['S3BucketName']}"))
    if raw.get("CloudWatchLogsLogGroupArn"):
        destinations.append((LOG_GROUP.type, log_group_key(raw["CloudWatchLogsLogGroupArn"])))
    for to_type, to_key in destinations:
        relationship = make_relationship(
            from_type=CLOUDTRAIL.entity.type,
            from_key=service_key,
            verb="LOGS",
            to_type=to_type,
            to_key=to_key,
            properties=settings,
        )
        relationship["_key"] += f"|{raw['TrailARN']}"  # one per trail: several may log to one bucket
        yield relationship


def s3_data_event_buckets(selectors: Mapping[str, Any]) -> tuple[set[str], bool]:
    """The buckets whose object events a trail logs (by name), and whether it logs every bucket's.

    Basic selectors name `arn:aws:s3:::bucket/prefix` values, or `arn:aws:s3` for every bucket.
    Advanced selectors filter `resources.ARN` by StartsWith or Equals; without such a filter they
    mean every bucket (NotStartsWith and NotEquals are read as every bucket, an approximation)."""
    named: set[str] = set()
    every = False
    for selector in selectors.get("EventSelectors") or []:
        for resource in selector.get("DataResources") or []:
            if resource.get("Type") != _S3_OBJECT:
                continue
            for value in resource.get("Values") or []:
                bucket = _bucket_of(value)
                if bucket:
                    named.add(bucket)
                else:
                    every = True
    for selector in selectors.get("AdvancedEventSelectors") or []:
        fields = {f.get("Field"): f for f in selector.get("FieldSelectors") or []}
        if _S3_OBJECT not in ((fields.get("resources.type") or {}).get("Equals") or []):
            continue
        arns = fields.get("resources.ARN") or {}
        values = [*(arns.get("StartsWith") or []), *(arns.get("Equals") or [])]
        buckets = {b for b in map(_bucket_of, values) if b}
        named |= buckets
        every = every or not buckets
    return named, every


def _bucket_of(value: str) -> str | None:
    """`arn:aws:s3:::bucket/prefix` -> "bucket"; `arn:aws:s3` or `arn:aws:s3:::` (every bucket) -> None."""
    parts = value.split(":::", 1)
    if len(parts) != 2:
        return None
    return parts[1].split("/", 1)[0] or None


def sends(from_type: str, from_key: str, service_key: str, raw: Mapping[str, Any]) -> Relationship:
    relationship = make_relationship(
        from_type=from_type,
        from_key=from_key,
        verb="SENDS",
        to_type=CLOUDTRAIL.entity.type,
        to_key=service_key,
        properties={"name": raw.get("Name"), "trailArn": raw["TrailARN"], "dataEvents": "s3"},
    )
    relationship["_key"] += f"|{raw['TrailARN']}"
    return relationship


def fetch_trails(context: StepContext) -> None:
    resources: AccountResources = context.resources
    state = context.job_state
    service_key = CLOUDTRAIL.key_of(resources.account_id)
    regions = regions_of(context)
    every_bucket: list[dict[str, str | None]] = []
    logging_everywhere: list[bool] = []

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
            if listed_here(raw, region):
                with one_item(context, f"{region}: trail {raw.get('TrailARN') or raw.get('Name')!r}"):
                    read_trail(client, where, raw, region)

    def read_trail(client: Any, where: Where, raw: Mapping[str, Any], region: str) -> None:
        settings = trail_settings(raw)
        # By ARN: a member account must name an organization trail by its ARN.
        settings["isLogging"] = client.get_trail_status(Name=raw["TrailARN"]).get("IsLogging")
        logging_everywhere.append(bool(settings["isLogging"] and settings["isMultiRegionTrail"]))
        # Tags and event selectors are read where the trail lives, by its owner (an
        # organization trail's, by the management account's job).
        own = settings["accountId"] == resources.account_id and raw.get("HomeRegion", region) == region
        if own:
            tags = client.list_tags(ResourceIdList=[raw["TrailARN"]]).get("ResourceTagList") or []
            settings |= tag_properties((tags[0] if tags else {}).get("TagsList"))
        for relationship in trail_logs(service_key, raw, where, settings):
            state.add_relationship(relationship)
        if not own:
            return
        named, every = s3_data_event_buckets(client.get_event_selectors(TrailName=raw["TrailARN"]))
        for bucket in sorted(named):
            bucket_key = f"arn:{where.partition}:s3:::{bucket}"
            state.add_relationship(sends(S3_BUCKET.type, bucket_key, service_key, raw))
        if every:
            state.add_relationship(sends(S3.entity.type, S3.key_of(resources.account_id), service_key, raw))
            every_bucket.append({"Name": raw.get("Name"), "TrailARN": raw["TrailARN"]})

    try:
        for_each_region(context, in_region, regions)
    except Exception:
        if any(logging_everywhere):  # seen in the regions that were read: true however the rest went
            state.enrich_entity(service_key, {"multiRegionLogging": True})
        raise
    else:
        state.enrich_entity(service_key, {"multiRegionLogging": any(logging_everywhere)})
    finally:
        state.set_data(ALL_BUCKET_TRAILS, every_bucket)


FETCH_TRAILS = Step(
    id="fetch-cloudtrail-trails",
    name="Fetch CloudTrail trails, their destinations and their S3 data events",
    handler=fetch_trails,
    relationships=(
        CLOUDTRAIL_LOGS_BUCKET,
        CLOUDTRAIL_LOGS_LOG_GROUP,
        BUCKET_SENDS_CLOUDTRAIL,
        S3_SENDS_CLOUDTRAIL,
    ),
    depends_on=(CLOUDTRAIL.step_id, "fetch-regions"),
    permissions=(
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:ListTags",
        "cloudtrail:GetEventSelectors",
    ),
)


def link_every_bucket(context: StepContext) -> None:
    """Each of the account's buckets SENDS to the trails that log every bucket's data events."""
    state = context.job_state
    service_key = CLOUDTRAIL.key_of(context.resources.account_id)
    trails = state.get_data(ALL_BUCKET_TRAILS) or []
    for bucket in state.iter_entities(S3_BUCKET.type):
        if bucket.get("accountId") != context.resources.account_id:
            continue
        for trail in trails:
            relationship = sends(S3_BUCKET.type, bucket["_key"], service_key, trail)
            if not state.has_key(relationship["_key"]):  # the trail may also name the bucket
                state.add_relationship(relationship)


LINK_EVERY_BUCKET = Step(
    id="create-cloudtrail-bucket-data-events",
    name="Link every bucket to the trails that log all buckets' data events",
    handler=link_every_bucket,
    relationships=(BUCKET_SENDS_CLOUDTRAIL,),
    depends_on=(FETCH_TRAILS.id, S3_BUCKETS.step_id),
)

STEPS = (CLOUDTRAIL.step(), FETCH_TRAILS, LINK_EVERY_BUCKET)
