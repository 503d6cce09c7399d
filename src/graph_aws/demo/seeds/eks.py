"""EKS: per region, a cluster in the default VPC whose API endpoint is public (what JupiterOne's
eks-endpoint-no-public-access finds), its secrets encrypted with a KMS key, API and audit logs on."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.s3 import a_key_arn


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
