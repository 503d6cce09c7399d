"""SQS: per region, a queue encrypted with a KMS key named by an alias, and its unencrypted
dead-letter queue."""

from __future__ import annotations

import json

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.s3 import a_key_arn

QUEUE_KEY_ALIAS = "alias/graph-aws-demo-queues"


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        kms, sqs = client("kms", region), client("sqs", region)
        kms.create_alias(AliasName=QUEUE_KEY_ALIAS, TargetKeyId=a_key_arn(kms))
        dead = sqs.create_queue(QueueName="graph-aws-demo-dead", Attributes={"SqsManagedSseEnabled": "false"})
        dead_arn = sqs.get_queue_attributes(QueueUrl=dead["QueueUrl"], AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sqs.create_queue(
            QueueName="graph-aws-demo-orders",
            Attributes={
                "KmsMasterKeyId": QUEUE_KEY_ALIAS,
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 5}),
            },
        )
