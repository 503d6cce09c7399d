"""AWS Batch: compute environments (the ECS cluster and role each USES), job queues and the jobs
each HAS, and the active job definitions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.resources.ec2.model import relate
from graph_aws.aws.resources.iam.service import IAM_ROLE
from graph_aws.aws.resources.registry import (
    ResourceSpec,
    ServiceSpec,
    Where,
    one_item,
    required_id,
    resource_step,
)
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, Relationship, RelationshipType, make_entity, make_relationship

BATCH = ServiceSpec(
    "batch",
    "Batch",
    EntityType("Batch", "aws_batch", ("Service",)),
    function=("scheduling", "workload-management"),
)
COMPUTE_ENVIRONMENT = EntityType(
    "Batch Compute Environment", "aws_batch_compute_environment", ("Configuration",)
)
JOB_QUEUE = EntityType("Batch Job Queue", "aws_batch_job_queue", ("Queue",))
JOB_DEFINITION = EntityType("Batch Job Definition", "aws_batch_job_definition", ("Configuration", "Function"))
JOB = EntityType("Batch Job", "aws_batch_job", ("Process", "Task"))
ECS_CLUSTER = EntityType("ECS Cluster", "aws_ecs_cluster", ("Cluster",))  # the ECS module's type
# ListJobs without a filter lists RUNNING jobs only; with one, jobs of every status, as AWS says.
EVERY_JOB = [{"name": "AFTER_CREATED_AT", "values": ["0"]}]


def to_compute_environment(raw: Mapping[str, Any], where: Where) -> Entity:
    resources = raw.get("computeResources") or {}
    return make_entity(
        key=raw["computeEnvironmentArn"],
        type=COMPUTE_ENVIRONMENT.type,
        classes=COMPUTE_ENVIRONMENT.classes,
        name=raw["computeEnvironmentName"],
        properties={
            "arn": raw["computeEnvironmentArn"],
            "type": raw.get("type"),
            "state": raw.get("state"),
            "status": raw.get("status"),
            "statusReason": raw.get("statusReason"),
            "ecsClusterArn": raw.get("ecsClusterArn"),
            "serviceRole": raw.get("serviceRole"),
            "resourceType": resources.get("type"),
            "instanceRole": resources.get("instanceRole"),
            "minvCpus": resources.get("minvCpus"),
            "maxvCpus": resources.get("maxvCpus"),
            "subnetIds": resources.get("subnets") or None,
            "securityGroupIds": resources.get("securityGroupIds") or None,
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=raw.get("tags"),
    )


def environment_uses(raw: Mapping[str, Any], where: Where) -> Iterable[Relationship]:
    arn = raw["computeEnvironmentArn"]
    if raw.get("ecsClusterArn"):
        yield make_relationship(
            from_type=COMPUTE_ENVIRONMENT.type,
            from_key=arn,
            verb="USES",
            to_type=ECS_CLUSTER.type,
            to_key=raw["ecsClusterArn"],
        )
    if raw.get("serviceRole"):
        yield make_relationship(
            from_type=COMPUTE_ENVIRONMENT.type,
            from_key=arn,
            verb="USES",
            to_type=IAM_ROLE.type,
            to_key=raw["serviceRole"],
        )


COMPUTE_ENVIRONMENTS = ResourceSpec(
    step_id="fetch-batch-compute-environments",
    name="Fetch Batch compute environments",
    service=BATCH,
    client="batch",
    operation="describe_compute_environments",
    result_key="computeEnvironments",
    entity=COMPUTE_ENVIRONMENT,
    convert=to_compute_environment,
    enrich=relate(environment_uses),
    relationships=(
        RelationshipType(COMPUTE_ENVIRONMENT, "USES", ECS_CLUSTER),
        RelationshipType(COMPUTE_ENVIRONMENT, "USES", IAM_ROLE),
    ),
    permissions=("batch:DescribeComputeEnvironments",),
)


def to_job_queue(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["jobQueueArn"],
        type=JOB_QUEUE.type,
        classes=JOB_QUEUE.classes,
        name=raw["jobQueueName"],
        properties={
            "arn": raw["jobQueueArn"],
            "state": raw.get("state"),
            "status": raw.get("status"),
            "priority": raw.get("priority"),
            "computeEnvironments": [
                o["computeEnvironment"]
                for o in sorted(raw.get("computeEnvironmentOrder") or [], key=lambda o: o.get("order", 0))
                if o.get("computeEnvironment")
            ]
            or None,
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=raw.get("tags"),
    )


def to_job(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=required_id(raw.get("jobArn") or "", "jobArn", "a Batch job"),
        type=JOB.type,
        classes=JOB.classes,
        name=raw.get("jobName") or raw.get("jobId") or raw["jobArn"],
        properties={
            "arn": raw["jobArn"],
            "id": raw.get("jobId"),
            "status": raw.get("status"),
            "statusReason": raw.get("statusReason"),
            "jobDefinition": raw.get("jobDefinition"),
            "exitCode": (raw.get("container") or {}).get("exitCode"),
            "createdOn": raw.get("createdAt"),  # Batch gives epoch milliseconds already
            "startedOn": raw.get("startedAt"),
            "stoppedOn": raw.get("stoppedAt"),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_queue(
    context: StepContext, client: Any, where: Where, raw: Mapping[str, Any], queue: Entity
) -> None:
    """The queue's jobs, of every status: ListJobs answers per queue (the API nests)."""
    service = BATCH.key_of(where.account_id)
    for item in paginate(
        client, "list_jobs", "jobSummaryList", jobQueue=raw["jobQueueArn"], filters=EVERY_JOB
    ):
        with one_item(context, f"{where.region}: {queue['_key']}"):
            job = context.job_state.add_entity(to_job(item, where))
            context.job_state.add_relationship(
                make_relationship(from_type=BATCH.entity.type, from_key=service, verb="HAS", to_entity=job)
            )
            context.job_state.add_relationship(
                make_relationship(from_entity=queue, verb="HAS", to_entity=job)
            )


JOB_QUEUES = ResourceSpec(
    step_id="fetch-batch-job-queues",
    name="Fetch Batch job queues and jobs",
    service=BATCH,
    client="batch",
    operation="describe_job_queues",
    result_key="jobQueues",
    entity=JOB_QUEUE,
    convert=to_job_queue,
    enrich=enrich_queue,
    extra_entities=(JOB,),
    relationships=(BATCH.has(JOB), RelationshipType(JOB_QUEUE, "HAS", JOB)),
    permissions=("batch:DescribeJobQueues", "batch:ListJobs"),
)


def to_job_definition(raw: Mapping[str, Any], where: Where) -> Entity:
    container = raw.get("containerProperties") or {}
    return make_entity(
        key=raw["jobDefinitionArn"],
        type=JOB_DEFINITION.type,
        classes=JOB_DEFINITION.classes,
        name=f"{raw['jobDefinitionName']}:{raw.get('revision')}",
        properties={
            "arn": raw["jobDefinitionArn"],
            "jobDefinitionName": raw["jobDefinitionName"],
            "revision": raw.get("revision"),
            "status": raw.get("status"),
            "type": raw.get("type"),
            "platformCapabilities": raw.get("platformCapabilities") or None,
            "image": container.get("image"),
            "jobRoleArn": container.get("jobRoleArn"),
            "executionRoleArn": container.get("executionRoleArn"),
            "privileged": container.get("privileged"),
            "readonlyRootFilesystem": container.get("readonlyRootFilesystem"),
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=raw.get("tags"),
    )


JOB_DEFINITIONS = ResourceSpec(
    step_id="fetch-batch-job-definitions",
    name="Fetch Batch job definitions",
    service=BATCH,
    client="batch",
    operation="describe_job_definitions",
    result_key="jobDefinitions",
    parameters={"status": "ACTIVE"},
    entity=JOB_DEFINITION,
    convert=to_job_definition,
    permissions=("batch:DescribeJobDefinitions",),
)

STEPS = (
    BATCH.step(),
    resource_step(COMPUTE_ENVIRONMENTS),
    resource_step(JOB_QUEUES),
    resource_step(JOB_DEFINITIONS),
)


# How the tests reach these types (the README's collected-types table reads it).
TESTED_WITH = {
    "aws_batch_job": "moto, patched (jobs run without Docker)",
}
