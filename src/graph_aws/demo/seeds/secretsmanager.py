"""Secrets Manager: per region, a secret under a customer key of its own, rotated every 30 days (by
no function: moto would run one in Docker), and one under AWS's default key, never rotated."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        secrets = client("secretsmanager", region)
        key = client("kms", region).create_key(Description="Secrets Manager")["KeyMetadata"]["Arn"]
        rotated = secrets.create_secret(
            Name="graph-aws-demo/database",
            SecretString='{"password": "not-a-secret"}',
            KmsKeyId=key,
            Tags=[{"Key": "owner", "Value": "data"}],
        )["ARN"]
        secrets.rotate_secret(
            SecretId=rotated,
            RotationRules={"AutomaticallyAfterDays": 30},
            RotateImmediately=False,
        )
        secrets.create_secret(Name="graph-aws-demo/legacy-token", SecretString="not-a-secret-either")
