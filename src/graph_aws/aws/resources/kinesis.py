"""Kinesis: data streams, with their encryption and the KMS key they use.

ListStreams gives each stream's ARN, status and mode; DescribeStreamSummary (one call per stream)
its encryption, retention and shards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources._kms_keys import LIST_ALIASES, key_arn_of
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, one_item, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, epoch_millis, make_entity, make_relationship

KINESIS = ServiceSpec(
    "kinesis", "Kinesis", EntityType("Kinesis", "aws_kinesis", ("Service",)), function=("queuing",)
)
KINESIS_STREAM = EntityType("Kinesis Stream", "aws_kinesis_stream", ("DataCollection", "Queue"))
STREAM_USES_KMS_KEY = RelationshipType(KINESIS_STREAM, "USES", KMS_KEY)


def stream_properties(raw: Mapping[str, Any]) -> dict[str, Any]:
    """From a ListStreams summary or a DescribeStreamSummary answer: both use these names."""
    return {
        "status": raw.get("StreamStatus"),
        "active": raw["StreamStatus"] == "ACTIVE" if raw.get("StreamStatus") else None,
        "streamMode": (raw.get("StreamModeDetails") or {}).get("StreamMode"),
        "createdOn": epoch_millis(raw.get("StreamCreationTimestamp")),
    }


def to_kinesis_stream(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["StreamARN"],
        type=KINESIS_STREAM.type,
        classes=KINESIS_STREAM.classes,
        name=raw["StreamName"],
        properties={
            "arn": raw["StreamARN"],
            "streamName": raw["StreamName"],
            **stream_properties(raw),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_stream(
    context: StepContext, kinesis: Any, where: Where, raw: Mapping[str, Any], stream: Entity
) -> None:
    summary = kinesis.describe_stream_summary(StreamARN=raw["StreamARN"]).get("StreamDescriptionSummary")
    if summary is None:  # nothing more is known of the stream than ListStreams said
        context.warn(f"{stream['_key']}: DescribeStreamSummary answered no summary; its details are left out")
        return
    encryption = summary.get("EncryptionType")
    metrics = [
        m for group in summary.get("EnhancedMonitoring") or [] for m in group.get("ShardLevelMetrics") or []
    ]
    context.job_state.enrich_entity(
        stream["_key"],
        {
            **stream_properties(summary),
            "encrypted": encryption == "KMS",
            "encryptionType": encryption,
            "kmsKeyId": summary.get("KeyId"),
            "retentionPeriodHours": summary.get("RetentionPeriodHours"),
            "openShardCount": summary.get("OpenShardCount"),
            "consumerCount": summary.get("ConsumerCount"),
            "shardLevelMetrics": metrics or None,
        },
    )
    key = key_arn_of(context, where, summary.get("KeyId")) if encryption == "KMS" else None
    if key:
        with one_item(context, f"{stream['_key']} USES KMS key"):
            context.job_state.add_relationship(
                make_relationship(from_entity=stream, verb="USES", to_type=KMS_KEY.type, to_key=key)
            )


KINESIS_STREAMS = ResourceSpec(
    step_id="fetch-kinesis-streams",
    name="Fetch Kinesis data streams",
    service=KINESIS,
    client="kinesis",
    operation="list_streams",
    result_key="StreamSummaries",
    entity=KINESIS_STREAM,
    convert=to_kinesis_stream,
    enrich=enrich_stream,
    relationships=(STREAM_USES_KMS_KEY,),
    permissions=("kinesis:ListStreams", "kinesis:DescribeStreamSummary", LIST_ALIASES),
)

STEPS = (KINESIS.step(), resource_step(KINESIS_STREAMS))
