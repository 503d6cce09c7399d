"""JupiterOne's rule-pack queries that name ECS, EKS, SNS and Redshift types, run on the demo seeds
through the store and the J1QL engine: the names they read are the names collected."""

from __future__ import annotations

from datetime import timedelta

from moto.core.utils import utcnow

from graph_aws.aws.jobs import account_job_steps
from graph_aws.aws.resources.redshift import parameter_properties
from graph_aws.demo.seeds import ecs, eks, redshift, sns
from graph_aws.query.run import run_query
from graph_aws.store import SqliteStore

ACCOUNT = "123456789012"
SERVICES = ("ecs", "eks", "sns", "redshift", "kms")  # KMS: the keys that topics USE

# rule -> (query as the rule pack writes it, what it finds in the seeded account)
RULES = {
    "sns-encrypted-kms": (
        "FIND aws_sns_topic THAT !USES aws_kms_key RETURN aws_sns_topic.name",
        [("graph-aws-demo-events",)],
    ),
    "eks-endpoint-no-public-access": (
        "FIND aws_eks_cluster WITH vpcEndpointPublicAccess = true RETURN aws_eks_cluster.name",
        [("graph-aws-demo",)],
    ),
    "aws-ecs-tasks-orphaned": (
        "find aws_ecs_task with active=true and createdOn < date.now-24hours that !DEFINES "
        "aws_ecs_task_definition RETURN aws_ecs_task.startedBy",
        [("cron",)],
    ),
    # The pack reads parameter.require_ssl, a name JupiterOne's schema does not allow (no underscores
    # in property names): graph-aws writes parameter.requireSsl.
    "redshift-require-tls-ssl": (
        "FIND aws_redshift_cluster THAT USES aws_redshift_cluster_parameter_group "
        "WITH parameter.requireSsl != true RETURN aws_redshift_cluster.name",
        [("graph-aws-demo",)],
    ),
}


def backdate_tasks(days: int) -> None:
    """The demo's tasks were started moments ago; the orphaned-task rule asks for ones a day old."""
    from moto.ecs.models import ecs_backends

    for cluster_tasks in ecs_backends[ACCOUNT]["us-east-1"].tasks.values():
        for task in cluster_tasks.values():
            task.created_at = task.started_at = utcnow() - timedelta(days=days)


def test_the_rule_pack_queries_read_what_is_collected(run_steps, client, tmp_path):
    for module in (ecs, eks, sns, redshift):
        module.seed(client, ACCOUNT, ["us-east-1"])
    backdate_tasks(2)
    steps = [s.id for s in account_job_steps() if s.id.split("-")[1] in SERVICES]
    result = run_steps(*steps, regions=("us-east-1",))
    assert not result.failed_steps
    store = SqliteStore(tmp_path / "graph.db")
    try:
        store.sync_scope(f"account:{ACCOUNT}", result.job_state.entities(), result.job_state.relationships())
        for rule, (query, expected) in RULES.items():
            assert sorted(run_query(store, query).rows) == expected, rule
    finally:
        store.close()


def test_a_parameter_group_that_requires_tls_says_so():
    # DescribeClusterParameters' Parameters, as botocore's redshift model shapes them (moto cannot
    # modify a group's parameters).
    parameters = [
        {
            "ParameterName": "require_ssl",
            "ParameterValue": "true",
            "DataType": "boolean",
            "IsModifiable": True,
        },
        {"ParameterName": "max_concurrency_scaling_clusters", "ParameterValue": "1", "DataType": "integer"},
    ]
    assert parameter_properties(parameters) == {
        "parameter.requireSsl": True,
        "parameter.maxConcurrencyScalingClusters": "1",
    }
