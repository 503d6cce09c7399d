"""Batch: compute environments, job queues with their jobs of every status, job definitions."""

from __future__ import annotations

import botocore.handlers

from graph_aws.demo.seeds import batch as seeded
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def test_environments_queues_jobs_and_definitions(run_steps, client):
    seeded.seed(client, ACCOUNT, ["eu-west-1"])
    result = run_steps(
        "fetch-batch-compute-environments", "fetch-batch-job-queues", "fetch-batch-job-definitions"
    )
    assert all(r.status.value == "success" for r in result.step_results), [
        r.error for r in result.step_results
    ]

    (environment,) = result.job_state.iter_entities("aws_batch_compute_environment")
    assert environment["_class"] == ["Configuration"] and environment["type"] == "UNMANAGED"
    assert environment["_key"] == f"arn:aws:batch:eu-west-1:{ACCOUNT}:compute-environment/graph-aws-demo"
    assert environment["ecsClusterArn"].startswith(f"arn:aws:ecs:eu-west-1:{ACCOUNT}:cluster/")
    (queue,) = result.job_state.iter_entities("aws_batch_job_queue")
    assert queue["_class"] == ["Queue"] and queue["priority"] == 10
    assert queue["computeEnvironments"] == [environment["_key"]]
    (definition,) = result.job_state.iter_entities("aws_batch_job_definition")
    assert (
        definition["_class"] == ["Configuration", "Function"]
        and definition["name"] == "graph-aws-demo-report:1"
    )
    assert definition["image"].endswith("busybox:latest") and definition["tag.owner"] == "data"
    (job,) = result.job_state.iter_entities("aws_batch_job")
    assert job["_class"] == ["Process", "Task"] and job["name"] == "nightly-report"
    assert job["status"] and isinstance(job["createdOn"], int)

    def pairs(type_):
        return {
            (r["_fromEntityKey"], r["_toEntityKey"])
            for r in result.job_state.relationships()
            if r["_type"] == type_
        }

    assert pairs("aws_batch_job_queue_has_job") == {(queue["_key"], job["_key"])}
    assert pairs("aws_batch_compute_environment_uses_ecs_cluster") == {
        (environment["_key"], environment["ecsClusterArn"])
    }
    assert pairs("aws_batch_compute_environment_uses_iam_role") == {
        (environment["_key"], f"arn:aws:iam::{ACCOUNT}:role/graph-aws-demo-batch")
    }


def test_a_job_without_its_arn_costs_only_itself(run_steps, client):
    seeded.seed(client, ACCOUNT, ["eu-west-1"])
    lost = {"jobName": "lost", "jobId": "0123456789"}
    entry = ("after-call.batch.ListJobs", lambda parsed, **_: parsed["jobSummaryList"].append(lost))
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        result = run_steps("fetch-batch-job-queues", regions=("eu-west-1",))
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    step = next(r for r in result.step_results if r.id == "fetch-batch-job-queues")
    assert step.status is StepStatus.SUCCESS
    assert [j["name"] for j in result.job_state.iter_entities("aws_batch_job")] == ["nightly-report"]
    (queue,) = result.job_state.iter_entities("aws_batch_job_queue")
    assert step.warnings == [
        f"eu-west-1: {queue['_key']}: a Batch job with an empty jobArn left out: it has no id"
    ]
