"""Redshift: per region, an encrypted, private cluster in the default VPC using a custom parameter
group (moto cannot modify parameters, so `require_ssl` keeps its default, false: what JupiterOne's
redshift-require-tls-ssl finds).

moto's DescribeClusters leaves out the cluster's VpcId; `patch_moto` answers it from the cluster's
subnet group, as AWS does.
"""

from __future__ import annotations

from typing import Any

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.s3 import a_key_arn


def patch_moto() -> None:
    from moto.redshift.models import Cluster

    def vpc_id(cluster: Any) -> str | None:
        group = cluster.redshift_backend.subnet_groups.get(cluster.cluster_subnet_group_name)
        return group.vpc_id if group is not None else None

    Cluster.vpc_id = property(vpc_id)  # type: ignore[attr-defined]


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        redshift, ec2 = client("redshift", region), client("ec2", region)
        group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
        subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}], MaxResults=5)
        redshift.create_cluster_subnet_group(
            ClusterSubnetGroupName="graph-aws-demo",
            Description="default VPC",
            SubnetIds=[s["SubnetId"] for s in subnets["Subnets"][:2]],
        )
        redshift.create_cluster_parameter_group(
            ParameterGroupName="graph-aws-demo", ParameterGroupFamily="redshift-1.0", Description="warehouse"
        )
        redshift.create_cluster(
            ClusterIdentifier="graph-aws-demo",
            NodeType="ra3.xlplus",
            MasterUsername="admin",
            MasterUserPassword="Not-a-secret-1",
            ClusterParameterGroupName="graph-aws-demo",
            ClusterSubnetGroupName="graph-aws-demo",
            VpcSecurityGroupIds=[group],
            Encrypted=True,
            KmsKeyId=a_key_arn(client("kms", region)),
            PubliclyAccessible=False,
            Tags=[{"Key": "owner", "Value": "data"}],
        )
