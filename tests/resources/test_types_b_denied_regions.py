"""A region that denies a service (a service control policy) costs that service only that region:
what the other region holds is kept, the step fails naming the region and the actions it needs, and
its types are partial (kept in the store, never deleted)."""

from __future__ import annotations

import importlib

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"

# seed module, step, the call an SCP denies (botocore's event name), an entity type of the step
CASES = [
    ("apigateway", "fetch-apigateway-rest-apis", "apigateway.GetRestApis", "aws_api_gateway_rest_api"),
    ("apigateway", "fetch-apigateway-v2-routes", "apigatewayv2.GetRoutes", "aws_api_gateway_v2_route"),
    ("ecr", "fetch-ecr-images", "ecr.DescribeImages", "aws_ecr_image"),
    ("ecs", "fetch-ecs-clusters", "ecs.ListClusters", "aws_ecs_cluster"),
    ("eks", "fetch-eks-clusters", "eks.ListClusters", "aws_eks_cluster"),
    (
        "elasticache",
        "fetch-elasticache-replication-groups",
        "elasticache.DescribeReplicationGroups",
        "aws_elasticache_cluster_node",
    ),
    ("elasticsearch", "fetch-es-domains", "opensearch.DescribeDomains", "aws_elasticsearch_domain"),
    ("kinesis", "fetch-kinesis-streams", "kinesis.ListStreams", "aws_kinesis_stream"),
    ("redshift", "fetch-redshift-clusters", "redshift.DescribeClusters", "aws_redshift_cluster"),
    ("sns", "fetch-sns-subscriptions", "sns.ListSubscriptions", "aws_sns_subscription"),
]


@pytest.fixture
def deny_in_eu(request):
    event = request.param

    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "SCP"}}, model.name)

    entry = (f"before-call.{event}", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


@pytest.mark.parametrize(
    ("seed_module", "step_id", "deny_in_eu", "entity_type"),
    CASES,
    indirect=["deny_in_eu"],
    ids=[case[1] for case in CASES],
)
def test_a_denied_region_costs_only_that_region(
    run_steps, client, seed_module, step_id, deny_in_eu, entity_type
):
    importlib.import_module(f"graph_aws.demo.seeds.{seed_module}").seed(
        client, ACCOUNT, ["us-east-1", "eu-west-1"]
    )
    result = run_steps(step_id)
    step = next(r for r in result.step_results if r.id == step_id)
    assert step.status is StepStatus.FAILURE
    assert step.error.startswith(
        f"{step_id}: eu-west-1: access denied (AccessDeniedException); the role needs "
    )
    assert {e["region"] for e in result.job_state.iter_entities(entity_type)} == {"us-east-1"}
    assert entity_type in result.partial_types
