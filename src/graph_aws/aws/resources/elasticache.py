"""ElastiCache: Memcached clusters, Redis (and Valkey) clusters with their nodes, and snapshots.

A Redis replication group is JupiterOne's `aws_elasticache_redis_cluster`, and each member of its
node groups an `aws_elasticache_cluster_node`; DescribeCacheClusters lists those members too, as
cache clusters, so they are left out there (a Redis cache cluster outside any replication group is a
Redis cluster of its own). Snapshots belong to the cluster or replication group they were taken of.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import SECURITY_GROUP, arn_of
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import (
    ResourceSpec,
    ServiceSpec,
    Where,
    one_item,
    required_id,
    resource_step,
)
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, epoch_millis, make_entity, make_relationship

ELASTICACHE = ServiceSpec(
    "elasticache",
    "ElastiCache",
    EntityType("ElastiCache", "aws_elasticache", ("Service",)),
    function=("caching",),
)
CLUSTER_CLASSES = ("Database", "DataStore", "Cluster")
MEMCACHED_CLUSTER = EntityType(
    "ElastiCache Memcached Cluster", "aws_elasticache_memcached_cluster", CLUSTER_CLASSES
)
REDIS_CLUSTER = EntityType("ElastiCache Redis Cluster", "aws_elasticache_redis_cluster", CLUSTER_CLASSES)
CLUSTER_NODE = EntityType(
    "ElastiCache Cluster Node", "aws_elasticache_cluster_node", ("Database", "DataStore", "Host")
)
SNAPSHOT = EntityType(
    "ElastiCache Snapshot", "aws_elasticache_snapshot", ("Database", "DataStore", "Image", "Backup")
)

REDIS_HAS_NODE = RelationshipType(REDIS_CLUSTER, "HAS", CLUSTER_NODE)
REDIS_HAS_SNAPSHOT = RelationshipType(REDIS_CLUSTER, "HAS", SNAPSHOT)
REDIS_USES_KMS_KEY = RelationshipType(REDIS_CLUSTER, "USES", KMS_KEY)
MEMCACHED_HAS_SECURITY_GROUP = RelationshipType(MEMCACHED_CLUSTER, "HAS", SECURITY_GROUP)
REDIS_HAS_SECURITY_GROUP = RelationshipType(REDIS_CLUSTER, "HAS", SECURITY_GROUP)


def cluster_key(where: Where, cache_cluster_id: str) -> str:
    return where.arn("elasticache", f"cluster:{cache_cluster_id}")


def replication_group_key(where: Where, group_id: str) -> str:
    return where.arn("elasticache", f"replicationgroup:{group_id}")


def encryption_properties(raw: Mapping[str, Any]) -> dict[str, Any]:
    at_rest = raw.get("AtRestEncryptionEnabled")
    return {
        "encrypted": bool(at_rest),
        "atRestEncryptionEnabled": at_rest,
        "transitEncryptionEnabled": raw.get("TransitEncryptionEnabled"),
        "authTokenEnabled": raw.get("AuthTokenEnabled"),
    }


def security_groups(raw: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The cluster's security group memberships that name their group."""
    return [g for g in raw.get("SecurityGroups") or [] if g.get("SecurityGroupId")]


def to_cache_cluster(raw: Mapping[str, Any], where: Where) -> Entity | None:
    """A Memcached cluster, or a Redis cluster outside any replication group; a replication group's
    member is None here (it is a node of the group's entity)."""
    if raw.get("ReplicationGroupId"):
        return None
    memcached = raw.get("Engine") == "memcached"
    entity_type = MEMCACHED_CLUSTER if memcached else REDIS_CLUSTER
    key = raw.get("ARN") or cluster_key(where, raw["CacheClusterId"])
    endpoint = raw.get("ConfigurationEndpoint") or {}
    status = raw.get("CacheClusterStatus")
    return make_entity(
        key=key,
        type=entity_type.type,
        classes=entity_type.classes,
        name=raw["CacheClusterId"],
        properties={
            "arn": key,
            "cacheClusterId": raw["CacheClusterId"],
            "engine": raw.get("Engine"),
            "engineVersion": raw.get("EngineVersion"),
            "nodeType": raw.get("CacheNodeType"),
            "numCacheNodes": raw.get("NumCacheNodes"),
            "status": status,
            "active": status == "available" if status else None,
            "availabilityZone": raw.get("PreferredAvailabilityZone"),
            "subnetGroupName": raw.get("CacheSubnetGroupName"),
            "securityGroupIds": [g["SecurityGroupId"] for g in security_groups(raw)] or None,
            **encryption_properties(raw),
            "snapshotRetentionLimit": raw.get("SnapshotRetentionLimit"),
            "autoMinorVersionUpgrade": raw.get("AutoMinorVersionUpgrade"),
            "hostname": endpoint.get("Address"),
            "port": endpoint.get("Port"),
            "createdOn": epoch_millis(raw.get("CacheClusterCreateTime")),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def link_security_groups(
    context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], cluster: Entity
) -> None:
    for group in security_groups(raw):
        with one_item(context, f"{cluster['_key']} HAS security group"):
            context.job_state.add_relationship(
                make_relationship(
                    from_entity=cluster,
                    verb="HAS",
                    to_type=SECURITY_GROUP.type,
                    to_key=arn_of(where, "security-group", group["SecurityGroupId"]),
                )
            )


def to_replication_group(raw: Mapping[str, Any], where: Where) -> Entity:
    key = raw.get("ARN") or replication_group_key(where, raw["ReplicationGroupId"])
    primary = next(((g.get("PrimaryEndpoint") or {}) for g in raw.get("NodeGroups") or []), {})
    configuration = raw.get("ConfigurationEndpoint") or {}
    status = raw.get("Status")
    return make_entity(
        key=key,
        type=REDIS_CLUSTER.type,
        classes=REDIS_CLUSTER.classes,
        name=raw["ReplicationGroupId"],
        properties={
            "arn": key,
            "replicationGroupId": raw["ReplicationGroupId"],
            "description": raw.get("Description") or None,
            "engine": raw.get("Engine") or "redis",
            "nodeType": raw.get("CacheNodeType"),
            "status": status,
            "active": status == "available" if status else None,
            "clusterEnabled": raw.get("ClusterEnabled"),
            "multiAZ": raw["MultiAZ"] == "enabled" if raw.get("MultiAZ") else None,
            "automaticFailover": raw.get("AutomaticFailover"),
            **encryption_properties(raw),
            "kmsKeyId": raw.get("KmsKeyId"),
            "snapshotRetentionLimit": raw.get("SnapshotRetentionLimit"),
            "memberClusters": raw.get("MemberClusters") or None,
            "hostname": configuration.get("Address") or primary.get("Address"),
            "port": configuration.get("Port") or primary.get("Port"),
            "createdOn": epoch_millis(raw.get("ReplicationGroupCreateTime")),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def to_cluster_node(
    member: Mapping[str, Any], group: Mapping[str, Any], node_group: str, where: Where
) -> Entity:
    cache_cluster = required_id(
        member.get("CacheClusterId") or "", "CacheClusterId", "a replication group's node"
    )
    node_id = member.get("CacheNodeId") or "0001"
    endpoint = member.get("ReadEndpoint") or {}
    return make_entity(
        key=f"{cluster_key(where, cache_cluster)}/node/{node_id}",  # nodes have no ARN
        type=CLUSTER_NODE.type,
        classes=CLUSTER_NODE.classes,
        name=cache_cluster,
        properties={
            "cacheClusterId": cache_cluster,
            "cacheNodeId": node_id,
            "nodeGroupId": node_group,
            "replicationGroupId": group.get("ReplicationGroupId"),
            "role": member.get("CurrentRole"),
            "availabilityZone": member.get("PreferredAvailabilityZone"),
            "address": endpoint.get("Address"),
            "port": endpoint.get("Port"),
            "encrypted": bool(group.get("AtRestEncryptionEnabled")),
            "category": "server",
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_replication_group(
    context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], cluster: Entity
) -> None:
    state = context.job_state
    for node_group in raw.get("NodeGroups") or []:
        for member in node_group.get("NodeGroupMembers") or []:
            with one_item(context, f"{cluster['_key']}: a node"):
                node = state.add_entity(
                    to_cluster_node(member, raw, node_group.get("NodeGroupId", ""), where)
                )
                state.add_relationship(make_relationship(from_entity=cluster, verb="HAS", to_entity=node))
                state.add_relationship(
                    make_relationship(
                        from_type=ELASTICACHE.entity.type,
                        from_key=ELASTICACHE.key_of(where.account_id),
                        verb="HAS",
                        to_entity=node,
                    )
                )
    if raw.get("KmsKeyId"):
        with one_item(context, f"{cluster['_key']} USES KMS key"):
            state.add_relationship(
                make_relationship(
                    from_entity=cluster, verb="USES", to_type=KMS_KEY.type, to_key=raw["KmsKeyId"]
                )
            )


def snapshot_source_key(raw: Mapping[str, Any], where: Where) -> str | None:
    """The Redis cluster a snapshot was taken of: its replication group's, else its own."""
    if raw.get("ReplicationGroupId"):
        return replication_group_key(where, raw["ReplicationGroupId"])
    if raw.get("CacheClusterId"):
        return cluster_key(where, raw["CacheClusterId"])
    return None


def to_snapshot(raw: Mapping[str, Any], where: Where) -> Entity:
    key = raw.get("ARN") or where.arn("elasticache", f"snapshot:{raw['SnapshotName']}")
    nodes = raw.get("NodeSnapshots") or []
    return make_entity(
        key=key,
        type=SNAPSHOT.type,
        classes=SNAPSHOT.classes,
        name=raw["SnapshotName"],
        properties={
            "arn": key,
            "status": raw.get("SnapshotStatus"),
            "source": raw.get("SnapshotSource"),
            "engine": raw.get("Engine"),
            "engineVersion": raw.get("EngineVersion"),
            "nodeType": raw.get("CacheNodeType"),
            "cacheClusterId": raw.get("CacheClusterId"),
            "replicationGroupId": raw.get("ReplicationGroupId"),
            "kmsKeyId": raw.get("KmsKeyId"),
            "encrypted": bool(raw.get("KmsKeyId")),  # until its source cluster says (link_snapshot)
            "createdOn": epoch_millis(nodes[0].get("SnapshotCreateTime")) if nodes else None,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def link_snapshot(
    context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], snapshot: Entity
) -> None:
    """The cluster HAS its snapshot, which is encrypted at rest as the cluster is."""
    source = snapshot_source_key(raw, where)
    if not source:
        return
    with one_item(context, f"{snapshot['_key']}: its cluster HAS it"):
        context.job_state.add_relationship(
            make_relationship(from_type=REDIS_CLUSTER.type, from_key=source, verb="HAS", to_entity=snapshot)
        )
    cluster = context.job_state.find_entity(source)
    if cluster is not None and cluster.get("encrypted"):
        context.job_state.enrich_entity(snapshot["_key"], {"encrypted": True})


CACHE_CLUSTERS = ResourceSpec(
    step_id="fetch-elasticache-cache-clusters",
    name="Fetch ElastiCache Memcached and Redis cache clusters",
    service=ELASTICACHE,
    client="elasticache",
    operation="describe_cache_clusters",
    result_key="CacheClusters",
    parameters={"ShowCacheNodeInfo": True},
    entity=MEMCACHED_CLUSTER,
    extra_entities=(REDIS_CLUSTER,),
    convert=to_cache_cluster,
    enrich=link_security_groups,
    relationships=(ELASTICACHE.has(REDIS_CLUSTER), MEMCACHED_HAS_SECURITY_GROUP, REDIS_HAS_SECURITY_GROUP),
    permissions=("elasticache:DescribeCacheClusters",),
)

REPLICATION_GROUPS = ResourceSpec(
    step_id="fetch-elasticache-replication-groups",
    name="Fetch ElastiCache Redis replication groups and their nodes",
    service=ELASTICACHE,
    client="elasticache",
    operation="describe_replication_groups",
    result_key="ReplicationGroups",
    entity=REDIS_CLUSTER,
    extra_entities=(CLUSTER_NODE,),
    convert=to_replication_group,
    enrich=enrich_replication_group,
    relationships=(REDIS_HAS_NODE, ELASTICACHE.has(CLUSTER_NODE), REDIS_USES_KMS_KEY),
    permissions=("elasticache:DescribeReplicationGroups",),
)

SNAPSHOTS = ResourceSpec(
    step_id="fetch-elasticache-snapshots",
    name="Fetch ElastiCache snapshots",
    service=ELASTICACHE,
    client="elasticache",
    operation="describe_snapshots",
    result_key="Snapshots",
    entity=SNAPSHOT,
    convert=to_snapshot,
    enrich=link_snapshot,
    relationships=(REDIS_HAS_SNAPSHOT,),
    depends_on=(CACHE_CLUSTERS.step_id, REPLICATION_GROUPS.step_id),
    permissions=("elasticache:DescribeSnapshots",),
)

STEPS = (ELASTICACHE.step(), *(resource_step(s) for s in (CACHE_CLUSTERS, REPLICATION_GROUPS, SNAPSHOTS)))

# How the tests reach each type where it is not plain moto (the README's collected-types table).
TESTED_WITH = {
    "aws_elasticache_memcached_cluster": "moto, patched (DescribeCacheClusters' SecurityGroups)",
    "aws_elasticache_redis_cluster": "moto, patched (DescribeCacheClusters' SecurityGroups)",
}
