"""ECS types (reference/jupiterone-aws-types.md), keys and the helpers the ECS steps share.

JupiterOne documents: `aws_ecs` HAS clusters and task definitions; a cluster HAS services and
container instances and RUNS tasks; a container instance RUNS tasks; a task definition DEFINES
services and tasks and USES its IAM roles; a service TRIGGERS its tasks; an EC2 instance RUNS its
container instance. JupiterOne's rule aws-ecs-tasks-orphaned reads `aws_ecs_task ... THAT !DEFINES
aws_ecs_task_definition`: a task whose definition is no longer active is linked to none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.registry import ServiceSpec
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, make_relationship

ECS = ServiceSpec(
    "ecs", "ECS", EntityType("ECS", "aws_ecs", ("Service",)), function=("container-orchestration",)
)
ECS_CLUSTER = EntityType("ECS Cluster", "aws_ecs_cluster", ("Cluster",))
ECS_CONTAINER_INSTANCE = EntityType(
    "ECS Container Instance", "aws_ecs_container_instance", ("Host", "Container")
)
ECS_SERVICE = EntityType("ECS Service", "aws_ecs_service", ("Service",))
ECS_TASK_DEFINITION = EntityType(
    "ECS Task Definition", "aws_ecs_task_definition", ("Function", "Configuration")
)
ECS_TASK = EntityType("ECS Task", "aws_ecs_task", ("Task", "Process"))


def ecs_tags(raw: Mapping[str, Any]) -> dict[str, str]:
    """ECS spells its tags in lower case (`[{key, value}]`)."""
    return {t["key"]: t.get("value", "") for t in raw.get("tags") or [] if t.get("key")}


def resource_id(arn: str) -> str:
    """The last part of an ECS ARN: a cluster's name, a task's or container instance's id."""
    return arn.rsplit("/", 1)[-1]


def link_if_collected(
    context: StepContext, from_key: str | None, from_type: str, verb: str, to: Entity
) -> None:
    """An edge from an entity another ECS step of this job made, when it made it: a task whose
    definition is inactive (not listed) is linked to none, as JupiterOne's orphaned-task rule expects."""
    if from_key and context.job_state.find_entity(from_key) is not None:
        context.job_state.add_relationship(
            make_relationship(from_type=from_type, from_key=from_key, verb=verb, to_entity=to)
        )
