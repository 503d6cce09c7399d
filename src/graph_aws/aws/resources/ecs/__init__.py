"""ECS (regional): clusters with their container instances, services and tasks, and task definitions."""

from __future__ import annotations

from graph_aws.aws.resources.ecs.clusters import ECS_CLUSTERS, ECS_CONTAINER_INSTANCES
from graph_aws.aws.resources.ecs.model import ECS
from graph_aws.aws.resources.ecs.workloads import ECS_SERVICES, ECS_TASK_DEFINITIONS, ECS_TASKS
from graph_aws.aws.resources.registry import resource_step

STEPS = (
    ECS.step(),
    *(
        resource_step(spec)
        for spec in (ECS_CLUSTERS, ECS_TASK_DEFINITIONS, ECS_CONTAINER_INSTANCES, ECS_SERVICES, ECS_TASKS)
    ),
)

# How the tests reach each type where it is not plain moto (the README's collected-types table).
TESTED_WITH = {"aws_ecs_task": "moto, patched (tasks stay RUNNING, with createdAt and startedAt)"}
