"""EFS: per region, a file system encrypted with a customer key, mounted in a default subnet, and an
unencrypted one (what the CIS check flags)."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.s3 import a_key_arn


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        efs = client("efs", region)
        shared = efs.create_file_system(
            CreationToken=f"graph-aws-demo-shared-{region}",
            Encrypted=True,
            KmsKeyId=a_key_arn(client("kms", region)),
            Tags=[{"Key": "Name", "Value": "graph-aws-demo-shared"}],
        )["FileSystemId"]
        subnet = client("ec2", region).describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}], MaxResults=5
        )["Subnets"][0]["SubnetId"]
        efs.create_mount_target(FileSystemId=shared, SubnetId=subnet)
        efs.create_file_system(
            CreationToken=f"graph-aws-demo-scratch-{region}",
            Tags=[{"Key": "Name", "Value": "graph-aws-demo-scratch"}],
        )
