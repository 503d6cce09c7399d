"""Kinesis: per region, a stream encrypted with a KMS key and an on-demand one left unencrypted."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.s3 import a_key_arn


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        kinesis = client("kinesis", region)
        kinesis.create_stream(StreamName="graph-aws-demo-clicks", ShardCount=1)
        kinesis.start_stream_encryption(
            StreamName="graph-aws-demo-clicks", EncryptionType="KMS", KeyId=a_key_arn(client("kms", region))
        )
        kinesis.create_stream(StreamName="graph-aws-demo-logs", StreamModeDetails={"StreamMode": "ON_DEMAND"})
