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
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, one_item, resource_step
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


class TextAttributes:
    """Attributes that SQS and SNS give as text: one that should be a number, a timestamp or a JSON
    object and is not reads as None, and is named in `unreadable`."""

    def __init__(self, attributes: Mapping[str, str]) -> None:
        self.attributes = attributes
        self.unreadable: list[str] = []

    def number(self, name: str, text: Any = None) -> int | None:
        value = self.attributes.get(name) if text is None else text
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            self.unreadable.append(name)
            return None

    def seconds(self, name: str) -> int | None:
        """SQS gives timestamps as epoch seconds in a string."""
        value = self.attributes.get(name)
        if not value:
            return None
        try:
            return epoch_millis(datetime.fromtimestamp(float(value), UTC))
        except (ValueError, OverflowError, OSError):
            self.unreadable.append(name)
            return None

    def json_object(self, name: str) -> dict[str, Any] | None:
        text = self.attributes.get(name)
        if not text:
            return {}
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            self.unreadable.append(name)
            return None
        return document


def queue_properties(attributes: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The queue's properties, and the attributes that could not be read (left out)."""
    read = TextAttributes(attributes)
    redrive = read.json_object("RedrivePolicy") or {}
    policy = read.json_object("Policy")
    key = attributes.get("KmsMasterKeyId") or None
    managed = attributes.get("SqsManagedSseEnabled") == "true"
    count = redrive.get("maxReceiveCount")
    properties = {
        "encrypted": bool(key) or managed,
        "kmsKeyId": key,
        "sqsManagedSseEnabled": managed,
        "fifoQueue": attributes.get("FifoQueue") == "true" or None,
        "visibilityTimeout": read.number("VisibilityTimeout"),
        "messageRetentionPeriod": read.number("MessageRetentionPeriod"),
        "delaySeconds": read.number("DelaySeconds"),
        "maximumMessageSize": read.number("MaximumMessageSize"),
        "receiveMessageWaitTimeSeconds": read.number("ReceiveMessageWaitTimeSeconds"),
        "public": policy_is_public(policy) if policy is not None else None,
        "deadLetterTargetArn": redrive.get("deadLetterTargetArn"),
        "maxReceiveCount": read.number("RedrivePolicy", count) if count is not None else None,
        "createdOn": read.seconds("CreatedTimestamp"),
        "updatedOn": read.seconds("LastModifiedTimestamp"),
    }
    return properties, read.unreadable


def enrich_queue(context: StepContext, sqs: Any, where: Where, url: str, queue: Entity) -> None:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes") or {}
    properties, unreadable = queue_properties(attributes)
    if unreadable:
        context.warn(f"{queue['_key']}: attributes {', '.join(sorted(set(unreadable)))} unreadable; left out")
    context.job_state.enrich_entity(queue["_key"], properties)
    key = key_arn_of(context, where, attributes.get("KmsMasterKeyId"))
    if key:
        with one_item(context, f"{queue['_key']} USES KMS key"):
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
