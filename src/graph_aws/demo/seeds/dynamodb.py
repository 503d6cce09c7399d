"""DynamoDB: per region, a table encrypted with a customer key and point-in-time recovery on, and
one on the default AWS-owned key without it (what the aws-config DynamoDB rules flag)."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.s3 import a_key_arn

_KEYS = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        dynamodb = client("dynamodb", region)
        dynamodb.create_table(
            TableName="graph-aws-demo-orders",
            SSESpecification={
                "Enabled": True,
                "SSEType": "KMS",
                "KMSMasterKeyId": a_key_arn(client("kms", region)),
            },
            Tags=[{"Key": "owner", "Value": "data"}],
            **_KEYS,
        )
        dynamodb.update_continuous_backups(
            TableName="graph-aws-demo-orders",
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
        dynamodb.create_table(TableName="graph-aws-demo-sessions", **_KEYS)
