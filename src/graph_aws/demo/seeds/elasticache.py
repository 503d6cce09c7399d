"""ElastiCache: per region, a Memcached cluster and a single-node Redis cluster behind the default
security group, and an encrypted Redis replication group with a manual snapshot.

moto's DescribeCacheClusters leaves out each cluster's SecurityGroups; `patch_moto` answers them from
the ids the cluster was created with, as AWS does.
"""

from __future__ import annotations

from typing import Any

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.s3 import a_key_arn


def patch_moto() -> None:
    from moto.elasticache.models import CacheCluster

    def security_groups(cluster: Any) -> list[dict[str, str]]:
        return [{"SecurityGroupId": group, "Status": "active"} for group in cluster.security_group_ids or []]

    CacheCluster.security_groups = property(security_groups)  # type: ignore[attr-defined]


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        elasticache = client("elasticache", region)
        group = client("ec2", region).describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]
        elasticache.create_cache_cluster(
            CacheClusterId="graph-aws-demo-sessions",
            Engine="memcached",
            CacheNodeType="cache.t3.micro",
            NumCacheNodes=2,
            SecurityGroupIds=[group["GroupId"]],
        )
        elasticache.create_cache_cluster(
            CacheClusterId="graph-aws-demo-jobs",
            Engine="redis",
            CacheNodeType="cache.t3.micro",
            SecurityGroupIds=[group["GroupId"]],
        )
        elasticache.create_replication_group(
            ReplicationGroupId="graph-aws-demo-cache",
            ReplicationGroupDescription="application cache",
            Engine="redis",
            CacheNodeType="cache.t3.micro",
            NumCacheClusters=2,
            AtRestEncryptionEnabled=True,
            TransitEncryptionEnabled=True,
            KmsKeyId=a_key_arn(client("kms", region)),
            SnapshotRetentionLimit=1,
        )
        elasticache.create_snapshot(
            SnapshotName="graph-aws-demo-cache-manual", ReplicationGroupId="graph-aws-demo-cache"
        )
