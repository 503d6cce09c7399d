"""Batch: in the first region, an unmanaged compute environment (moto makes its ECS cluster), a job
queue on it, a container job definition and one job submitted to the queue.

moto runs Batch jobs in Docker unless told not to: `patch_moto` tells it not to (its jobs then go
straight through their states), as the demo has no Docker.
"""

from __future__ import annotations

import json

from graph_aws.demo.seeds import ClientFactory

TRUST_BATCH = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "batch.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def patch_moto() -> None:
    from moto.core.config import default_user_config

    default_user_config.setdefault("batch", {})["use_docker"] = False


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    patch_moto()
    region = regions[0]
    role = client("iam", region).create_role(
        RoleName="graph-aws-demo-batch", AssumeRolePolicyDocument=json.dumps(TRUST_BATCH)
    )["Role"]["Arn"]
    batch = client("batch", region)
    environment = batch.create_compute_environment(
        computeEnvironmentName="graph-aws-demo", type="UNMANAGED", state="ENABLED", serviceRole=role
    )["computeEnvironmentArn"]
    queue = batch.create_job_queue(
        jobQueueName="graph-aws-demo",
        state="ENABLED",
        priority=10,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment}],
    )["jobQueueArn"]
    definition = batch.register_job_definition(
        jobDefinitionName="graph-aws-demo-report",
        type="container",
        containerProperties={
            "image": "public.ecr.aws/docker/library/busybox:latest",
            "vcpus": 1,
            "memory": 128,
            "command": ["echo", "report"],
        },
        tags={"owner": "data"},
    )["jobDefinitionArn"]
    batch.submit_job(jobName="nightly-report", jobQueue=queue, jobDefinition=definition)
