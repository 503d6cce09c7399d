"""SNS: per region, an alerts topic encrypted with a KMS key and subscribed to by a queue and an email
address, and an unencrypted topic (what JupiterOne's sns-encrypted-kms finds)."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.s3 import a_key_arn


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        sns, sqs = client("sns", region), client("sqs", region)
        alerts = sns.create_topic(
            Name="graph-aws-demo-alerts", Attributes={"KmsMasterKeyId": a_key_arn(client("kms", region))}
        )["TopicArn"]
        sns.create_topic(Name="graph-aws-demo-events")
        queue = sqs.create_queue(QueueName="graph-aws-demo-alerts")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=alerts, Protocol="sqs", Endpoint=queue_arn)
        sns.subscribe(TopicArn=alerts, Protocol="email", Endpoint="oncall@example.com")
