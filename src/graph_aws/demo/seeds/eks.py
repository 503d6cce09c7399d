"""EKS: per region, a cluster in the default VPC whose API endpoint is public (what JupiterOne's
eks-endpoint-no-public-access finds), its secrets encrypted with a KMS key, API and audit logs on.

moto checks a cluster's role ARN against the partitions of a boto3 Session it builds for each
CreateCluster (40 to 600 ms a call); `patch_moto` checks it against the partitions, read once.
"""

from __future__ import annotations

import functools
import re

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.s3 import a_key_arn

_ROLE_ARN = re.compile(r"arn:(?P<partition>.+):iam::(?P<account_id>[0-9]{12}):role/.+")


@functools.cache
def _partitions() -> frozenset[str]:
    import boto3

    return frozenset(boto3.Session().get_available_partitions())


def patch_moto() -> None:
    from moto.eks import models
    from moto.eks.exceptions import InvalidParameterException

    def validate_role_arn(arn: str) -> None:
        match = _ROLE_ARN.match(arn or "")
        if not match or match.group("partition") not in _partitions():
            raise InvalidParameterException(message="Invalid Role Arn: '" + arn + "'")

    models.validate_role_arn = validate_role_arn


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        ec2 = client("ec2", region)
        subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}], MaxResults=5)
        group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
        client("eks", region).create_cluster(
            name="graph-aws-demo",
            roleArn=f"arn:aws:iam::{account_id}:role/graph-aws-demo-eks",
            resourcesVpcConfig={
                "subnetIds": [s["SubnetId"] for s in subnets["Subnets"][:2]],
                "securityGroupIds": [group],
                "endpointPublicAccess": True,
                "endpointPrivateAccess": False,
            },
            encryptionConfig=[
                {"resources": ["secrets"], "provider": {"keyArn": a_key_arn(client("kms", region))}}
            ],
            logging={"clusterLogging": [{"types": ["api", "audit"], "enabled": True}]},
            tags={"owner": "platform"},
        )
