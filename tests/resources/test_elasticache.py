"""ElastiCache: Memcached and Redis clusters, a replication group's nodes, and snapshots."""

from __future__ import annotations

from hand_answers import run_on_answers, step_result

from graph_aws.demo.seeds.elasticache import seed
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
PREFIX = f"arn:aws:elasticache:us-east-1:{ACCOUNT}"
STEPS = (
    "fetch-elasticache-cache-clusters",
    "fetch-elasticache-replication-groups",
    "fetch-elasticache-snapshots",
)


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


def test_clusters_nodes_and_snapshots(run_steps, client):
    seed(client, ACCOUNT, ["us-east-1"])
    elasticache = client("elasticache", "us-east-1")
    elasticache.create_snapshot(SnapshotName="jobs-manual", CacheClusterId="graph-aws-demo-jobs")
    key = client("kms", "us-east-1").list_keys()["Keys"][0]["KeyArn"]
    group = client("ec2", "us-east-1").describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]
    result = run_steps(*STEPS, regions=("us-east-1",))
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)

    (memcached,) = result.job_state.iter_entities("aws_elasticache_memcached_cluster")
    assert memcached["_key"] == memcached["arn"] == f"{PREFIX}:cluster:graph-aws-demo-sessions"
    assert memcached["_class"] == ["Database", "DataStore", "Cluster"] and memcached["engine"] == "memcached"
    assert (
        memcached["numCacheNodes"] == 2
        and memcached["encrypted"] is False
        and memcached["status"] == "available"
    )
    group_key = f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{group['GroupId']}"
    assert ends(result, "aws_elasticache_memcached_cluster_has_security_group") == {
        (memcached["_key"], group_key)
    }

    redis = {r["name"]: r for r in result.job_state.iter_entities("aws_elasticache_redis_cluster")}
    assert set(redis) == {"graph-aws-demo-cache", "graph-aws-demo-jobs"}  # the group's member is a node
    cache, standalone = redis["graph-aws-demo-cache"], redis["graph-aws-demo-jobs"]
    assert cache["_key"] == f"{PREFIX}:replicationgroup:graph-aws-demo-cache" and cache["encrypted"] is True
    assert (
        cache["transitEncryptionEnabled"] is True and cache["kmsKeyId"] == key and cache["multiAZ"] is False
    )
    assert standalone["_key"] == f"{PREFIX}:cluster:graph-aws-demo-jobs" and standalone["engine"] == "redis"
    assert ends(result, "aws_elasticache_redis_cluster_has_security_group") == {
        (standalone["_key"], group_key)
    }
    assert ends(result, "aws_elasticache_redis_cluster_uses_kms_key") == {(cache["_key"], key)}

    (node,) = result.job_state.iter_entities("aws_elasticache_cluster_node")
    assert node["_class"] == ["Database", "DataStore", "Host"] and node["name"] == "graph-aws-demo-cache-001"
    assert node["role"] == "primary" and node["replicationGroupId"] == "graph-aws-demo-cache"
    assert node["encrypted"] is True and node["port"] == 6379 and node["accountId"] == ACCOUNT
    assert ends(result, "aws_elasticache_redis_cluster_has_cluster_node") == {(cache["_key"], node["_key"])}

    snapshots = {s["name"]: s for s in result.job_state.iter_entities("aws_elasticache_snapshot")}
    assert set(snapshots) == {"graph-aws-demo-cache-manual", "jobs-manual"}
    manual = snapshots["graph-aws-demo-cache-manual"]
    assert manual["_class"] == ["Database", "DataStore", "Image", "Backup"] and manual["source"] == "manual"
    assert manual["_key"] == manual["arn"] == f"{PREFIX}:snapshot:graph-aws-demo-cache-manual"
    assert manual["encrypted"] is True and snapshots["jobs-manual"]["encrypted"] is False  # as their clusters
    assert ends(result, "aws_elasticache_redis_cluster_has_snapshot") == {
        (cache["_key"], manual["_key"]),
        (standalone["_key"], snapshots["jobs-manual"]["_key"]),
    }
    service_has = {
        r["_type"]
        for r in result.job_state.relationships()
        if r["_fromEntityKey"] == f"aws_elasticache:{ACCOUNT}"
    }
    assert service_has == {
        "aws_elasticache_has_memcached_cluster",
        "aws_elasticache_has_redis_cluster",
        "aws_elasticache_has_cluster_node",
        "aws_elasticache_has_snapshot",
    }


def test_a_replication_group_node_without_a_cache_cluster_id_is_left_out_and_the_group_kept():
    group = {
        "ReplicationGroupId": "sessions",
        "NodeGroups": [
            {
                "NodeGroupId": "0001",
                "NodeGroupMembers": [{"CacheNodeId": "0001"}, {"CacheClusterId": "sessions-001"}],
            }
        ],
    }
    result = run_on_answers(
        "fetch-elasticache-replication-groups",
        answers={"DescribeReplicationGroups": {"ReplicationGroups": [group]}},
    )
    step = step_result(result, "fetch-elasticache-replication-groups")
    assert step.status is StepStatus.SUCCESS, step.error
    assert [g["name"] for g in result.job_state.iter_entities("aws_elasticache_redis_cluster")] == [
        "sessions"
    ]
    assert [n["name"] for n in result.job_state.iter_entities("aws_elasticache_cluster_node")] == [
        "sessions-001"
    ]
    assert any("CacheClusterId" in w for w in step.warnings)
