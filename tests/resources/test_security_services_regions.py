"""A region that denies one of these services costs that service that region only: the step fails
naming the region and the actions it needs, its types become partial, and what the other region
holds is kept."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.demo.seeds import (
    awslambda,
    batch,
    codecommit,
    codepipeline,
    ec2,
    inspector,
    secretsmanager,
    ssm,
    transfer,
    workspaces,
)
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
REGIONS = ("us-east-1", "eu-west-1")

# step, (client, operation) denied in eu-west-1, the type it keeps from us-east-1, the seeds
CASES = [
    ("fetch-ssm-inventory", ("ssm", "GetInventory"), "aws_instance_inventory", (ec2, ssm)),
    (
        "fetch-ssm-patch-states",
        ("ssm", "DescribeInstancePatchStatesForPatchGroup"),
        "aws_patch_state",
        (ec2, ssm),
    ),
    (
        "fetch-inspector-assessments",
        ("inspector", "ListAssessmentRuns"),
        "aws_inspector_assessment",
        (ec2, inspector),
    ),
    ("fetch-inspector-findings", ("inspector2", "ListFindings"), "aws_inspectorv2_finding", (ec2, inspector)),
    (
        "fetch-secretsmanager-secrets",
        ("secretsmanager", "ListSecrets"),
        "aws_secretsmanager_secret",
        (awslambda, secretsmanager),
    ),
    ("fetch-transfer-servers", ("transfer", "ListServers"), "aws_transfer_server", (transfer,)),
    ("fetch-workspaces", ("workspaces", "DescribeWorkspaces"), "aws_workspace", (workspaces,)),
    ("fetch-batch-job-queues", ("batch", "DescribeJobQueues"), "aws_batch_job_queue", (batch,)),
    (
        "fetch-codecommit-repositories",
        ("codecommit", "ListRepositories"),
        "aws_codecommit_repository",
        (codecommit,),
    ),
    (
        "fetch-codepipeline-pipelines",
        ("codepipeline", "ListPipelines"),
        "aws_codepipeline_pipeline",
        (codepipeline,),
    ),
]


@pytest.mark.parametrize(("step_id", "denied", "kept", "seeds"), CASES, ids=[c[0] for c in CASES])
def test_a_denied_region_costs_only_itself(run_steps, client, step_id, denied, kept, seeds):
    for module in seeds:
        module.seed(client, ACCOUNT, list(REGIONS))
    service, operation = denied

    def deny(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "an SCP"}}, model.name)

    entry = (f"before-call.{service}.{operation}", deny)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        result = run_steps(step_id, regions=REGIONS)
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    step = next(r for r in result.step_results if r.id == step_id)
    assert step.status is StepStatus.FAILURE
    assert step.error.startswith(
        f"{step_id}: eu-west-1: access denied (AccessDeniedException); the role needs "
    )
    assert "us-east-1" not in step.error
    found = list(result.job_state.iter_entities(kept))
    assert found and {e["region"] for e in found} == {"us-east-1"}
    assert kept in result.partial_types
