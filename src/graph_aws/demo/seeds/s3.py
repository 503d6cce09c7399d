"""S3: an encrypted, versioned, TLS-only bucket and a public-read one, once per account (names are global)."""

from __future__ import annotations

import json
from typing import Any

from graph_aws.demo.seeds import ClientFactory


def create_bucket(s3: Any, name: str, region: str, **options: Any) -> None:
    if region != "us-east-1":  # us-east-1 is the one region that takes no location constraint
        options["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(Bucket=name, **options)


def a_key_arn(kms: Any) -> str:
    """A key of the KMS seed (which runs first), or a new one: moto spends 0.2 s making each key."""
    keys = kms.list_keys(Limit=1)["Keys"]
    return str(
        keys[0]["KeyArn"]
        if keys
        else kms.create_key(Description="S3 default encryption")["KeyMetadata"]["Arn"]
    )


def data_bucket(account_id: str, region: str) -> str:
    return f"graph-aws-data-{account_id}-{region}"


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    first, last = regions[0], regions[-1]
    key_arn = a_key_arn(client("kms", first))
    s3 = client("s3", first)
    data = data_bucket(account_id, first)
    create_bucket(s3, data, first)
    s3.put_bucket_encryption(
        Bucket=data,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}
            ]
        },
    )
    s3.put_bucket_versioning(Bucket=data, VersioningConfiguration={"Status": "Enabled"})
    tls_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{data}", f"arn:aws:s3:::{data}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket=data, Policy=json.dumps(tls_only))
    create_bucket(
        client("s3", last) if last != first else s3,
        f"graph-aws-site-{account_id}-{last}",
        last,
        ACL="public-read",
    )
