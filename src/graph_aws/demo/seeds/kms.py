"""KMS: one customer-managed key with rotation on, one without."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        kms = client("kms", region)
        rotated = kms.create_key(Description="rotated")["KeyMetadata"]["KeyId"]
        kms.enable_key_rotation(KeyId=rotated)
        kms.create_key(Description="not rotated")
