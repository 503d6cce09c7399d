"""SQS: queues, with their encryption, dead-letter target and the KMS key they use.

ListQueues gives URLs only; GetQueueAttributes (one call per queue) gives the rest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from graph_aws.aws.resources._kms_keys import LIST_ALIASES, key_arn_of
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.aws.resources.s3.access import policy_is_public
from graph_aws.engine import StepContext
from graph_aws.errors import UnconvertibleItem
from graph_aws.model import Entity, EntityType, RelationshipType, epoch_millis, make_entity, make_relationship

SQS = ServiceSpec("sqs", "SQS", EntityType("SQS", "aws_sqs", ("Service",)), function=("queuing",))
SQS_QUEUE = EntityType("SQS Queue", "aws_sqs_queue", ("Queue",))
QUEUE_USES_KMS_KEY = RelationshipType(SQS_QUEUE, "USES", KMS_KEY)


def queue_arn(url: str, where: Where) -> str:
    """The queue's ARN from its URL, `https://sqs.<region>.amazonaws.com/<account>/<name>`."""
    parts = url.rstrip("/").split("/")
    if len(parts) < 2 or not parts[-1].strip() or not parts[-2].strip():
        raise UnconvertibleItem(f"aws_sqs_queue with URL {url!r} left out: it names no account and queue")
    account, name = parts[-2:]
    return f"arn:{where.partition}:sqs:{where.region}:{account}:{name}"


def to_sqs_queue(url: str, where: Where) -> Entity:
    arn = queue_arn(url, where)
    name = arn.rsplit(":", 1)[-1]
    return make_entity(
        key=arn,
        type=SQS_QUEUE.type,
        classes=SQS_QUEUE.classes,
        name=name,
        properties={
            "arn": arn,
            "queueName": name,
            "queueUrl": url,
            "fifoQueue": name.endswith(".fifo"),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def _number(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _seconds(value: str | None) -> int | None:
    """SQS gives timestamps as epoch seconds in a string."""
    return epoch_millis(datetime.fromtimestamp(float(value), UTC)) if value else None


def queue_properties(attributes: Mapping[str, str]) -> dict[str, Any]:
    redrive = json.loads(attributes.get("RedrivePolicy") or "{}")
    policy = json.loads(attributes.get("Policy") or "{}")
    key = attributes.get("KmsMasterKeyId") or None
    managed = attributes.get("SqsManagedSseEnabled") == "true"
    return {
        "encrypted": bool(key) or managed,
        "kmsKeyId": key,
        "sqsManagedSseEnabled": managed,
        "fifoQueue": attributes.get("FifoQueue") == "true" or None,
        "visibilityTimeout": _number(attributes.get("VisibilityTimeout")),
        "messageRetentionPeriod": _number(attributes.get("MessageRetentionPeriod")),
        "delaySeconds": _number(attributes.get("DelaySeconds")),
        "maximumMessageSize": _number(attributes.get("MaximumMessageSize")),
        "receiveMessageWaitTimeSeconds": _number(attributes.get("ReceiveMessageWaitTimeSeconds")),
        "public": policy_is_public(policy),
        "deadLetterTargetArn": redrive.get("deadLetterTargetArn"),
        "maxReceiveCount": _number(str(redrive["maxReceiveCount"])) if "maxReceiveCount" in redrive else None,
        "createdOn": _seconds(attributes.get("CreatedTimestamp")),
        "updatedOn": _seconds(attributes.get("LastModifiedTimestamp")),
    }


def enrich_queue(context: StepContext, sqs: Any, where: Where, url: str, queue: Entity) -> None:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes") or {}
    context.job_state.enrich_entity(queue["_key"], queue_properties(attributes))
    key = key_arn_of(context, where, attributes.get("KmsMasterKeyId"))
    if key:
        context.job_state.add_relationship(
            make_relationship(from_entity=queue, verb="USES", to_type=KMS_KEY.type, to_key=key)
        )


SQS_QUEUES = ResourceSpec(
    step_id="fetch-sqs-queues",
    name="Fetch SQS queues",
    service=SQS,
    client="sqs",
    operation="list_queues",
    result_key="QueueUrls",
    entity=SQS_QUEUE,
    convert=to_sqs_queue,
    enrich=enrich_queue,
    relationships=(QUEUE_USES_KMS_KEY,),
    permissions=("sqs:ListQueues", "sqs:GetQueueAttributes", LIST_ALIASES),
)

STEPS = (SQS.step(), resource_step(SQS_QUEUES))
