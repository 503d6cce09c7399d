"""ECS task definitions (active revisions), and the services and tasks of each cluster.

Container definitions' environment variables and secret references are not read into the graph:
their values may be secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.ecs.clusters import ECS_CLUSTERS, ECS_CONTAINER_INSTANCES, in_cluster
from graph_aws.aws.resources.ecs.model import (
    ECS,
    ECS_CLUSTER,
    ECS_CONTAINER_INSTANCE,
    ECS_SERVICE,
    ECS_TASK,
    ECS_TASK_DEFINITION,
    ecs_tags,
    link_if_collected,
    resource_id,
)
from graph_aws.aws.resources.iam.service import IAM_ROLE
from graph_aws.aws.resources.registry import Describe, Parent, ResourceSpec, Where, one_item
from graph_aws.engine import StepContext
from graph_aws.model import (
    Entity,
    RelationshipType,
    epoch_millis,
    make_entity,
    make_relationship,
    tag_properties,
)

TASK_DEFINITION_USES_ROLE = RelationshipType(ECS_TASK_DEFINITION, "USES", IAM_ROLE)
TASK_DEFINITION_DEFINES_SERVICE = RelationshipType(ECS_TASK_DEFINITION, "DEFINES", ECS_SERVICE)
TASK_DEFINITION_DEFINES_TASK = RelationshipType(ECS_TASK_DEFINITION, "DEFINES", ECS_TASK)
CONTAINER_INSTANCE_RUNS_TASK = RelationshipType(ECS_CONTAINER_INSTANCE, "RUNS", ECS_TASK)
SERVICE_TRIGGERS_TASK = RelationshipType(ECS_SERVICE, "TRIGGERS", ECS_TASK)


def to_ecs_task_definition(arn: str, where: Where) -> Entity:
    family_revision = resource_id(arn)
    return make_entity(
        key=arn,
        type=ECS_TASK_DEFINITION.type,
        classes=ECS_TASK_DEFINITION.classes,
        name=family_revision,
        properties={
            "arn": arn,
            "family": family_revision.rsplit(":", 1)[0],
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def definition_properties(definition: Mapping[str, Any]) -> dict[str, Any]:
    containers = definition.get("containerDefinitions") or []
    status = definition.get("status")
    return {
        "revision": definition.get("revision"),
        "status": status,
        "active": status == "ACTIVE" if status else None,
        "networkMode": definition.get("networkMode"),
        "requiresCompatibilities": definition.get("requiresCompatibilities") or None,
        "cpu": definition.get("cpu"),
        "memory": definition.get("memory"),
        "taskRoleArn": definition.get("taskRoleArn"),
        "executionRoleArn": definition.get("executionRoleArn"),
        "pidMode": definition.get("pidMode"),
        "ipcMode": definition.get("ipcMode"),
        "containerNames": [c["name"] for c in containers if c.get("name")] or None,
        "containerImages": sorted({c["image"] for c in containers if c.get("image")}) or None,
        "privileged": any(c.get("privileged") for c in containers),
        "readonlyRootFilesystem": bool(containers)
        and all(c.get("readonlyRootFilesystem") for c in containers),
        "registeredOn": epoch_millis(definition.get("registeredAt")),
        "deregisteredOn": epoch_millis(definition.get("deregisteredAt")),
    }


def enrich_task_definition(context: StepContext, ecs: Any, where: Where, arn: str, entity: Entity) -> None:
    response = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
    definition = response.get("taskDefinition")
    if definition is None:  # nothing more is known of it than its ARN
        context.warn(
            f"{entity['_key']}: DescribeTaskDefinition answered no taskDefinition; its details are left out"
        )
        return
    context.job_state.enrich_entity(
        entity["_key"], {**definition_properties(definition), **tag_properties(ecs_tags(response))}
    )
    roles = (definition.get("taskRoleArn"), definition.get("executionRoleArn"))
    for role in dict.fromkeys(r for r in roles if r):
        with one_item(context, f"{entity['_key']} USES role"):
            context.job_state.add_relationship(
                make_relationship(from_entity=entity, verb="USES", to_type=IAM_ROLE.type, to_key=role)
            )


def to_ecs_service(raw: Mapping[str, Any], where: Where) -> Entity:
    network = (raw.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    status = raw.get("status")
    return make_entity(
        key=raw["serviceArn"],
        type=ECS_SERVICE.type,
        classes=ECS_SERVICE.classes,
        name=raw["serviceName"],
        properties={
            "arn": raw["serviceArn"],
            "serviceName": raw["serviceName"],
            "clusterArn": raw.get("clusterArn"),
            "category": ["software"],
            "function": ["workload-management"],
            "status": status,
            "active": status == "ACTIVE" if status else None,
            "taskDefinition": raw.get("taskDefinition"),
            "desiredCount": raw.get("desiredCount"),
            "runningCount": raw.get("runningCount"),
            "pendingCount": raw.get("pendingCount"),
            "launchType": raw.get("launchType"),
            "platformVersion": raw.get("platformVersion"),
            "schedulingStrategy": raw.get("schedulingStrategy"),
            "roleArn": raw.get("roleArn"),
            "subnetIds": network.get("subnets") or None,
            "securityGroupIds": network.get("securityGroups") or None,
            "assignPublicIp": network["assignPublicIp"] == "ENABLED"
            if network.get("assignPublicIp")
            else None,
            "targetGroupArns": [
                lb["targetGroupArn"] for lb in raw.get("loadBalancers") or [] if lb.get("targetGroupArn")
            ]
            or None,
            "enableExecuteCommand": raw.get("enableExecuteCommand"),
            "createdOn": epoch_millis(raw.get("createdAt")),
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=ecs_tags(raw),
    )


def link_service(context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], service: Entity) -> None:
    link_if_collected(context, raw.get("taskDefinition"), ECS_TASK_DEFINITION.type, "DEFINES", service)


def to_ecs_task(raw: Mapping[str, Any], where: Where) -> Entity:
    arn = raw["taskArn"]
    status = raw.get("lastStatus")
    return make_entity(
        key=arn,
        type=ECS_TASK.type,
        classes=ECS_TASK.classes,
        name=resource_id(arn),
        properties={
            "arn": arn,
            "clusterArn": raw.get("clusterArn"),
            "taskDefinitionArn": raw.get("taskDefinitionArn"),
            "containerInstanceArn": raw.get("containerInstanceArn"),
            "lastStatus": status,
            "desiredStatus": raw.get("desiredStatus"),
            "active": status == "RUNNING" if status else None,
            "launchType": raw.get("launchType") or None,
            "platformVersion": raw.get("platformVersion"),
            "cpu": raw.get("cpu"),
            "memory": raw.get("memory"),
            "group": raw.get("group"),
            "startedBy": raw.get("startedBy") or None,
            "availabilityZone": raw.get("availabilityZone"),
            "healthStatus": raw.get("healthStatus"),
            "enableExecuteCommand": raw.get("enableExecuteCommand"),
            "containerImages": sorted({c["image"] for c in raw.get("containers") or [] if c.get("image")})
            or None,
            "createdOn": epoch_millis(raw.get("createdAt")),
            "startedOn": epoch_millis(raw.get("startedAt")),
            "stoppedOn": epoch_millis(raw.get("stoppedAt")),
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=ecs_tags(raw),
    )


def service_keys(raw: Mapping[str, Any]) -> list[str]:
    """The ARNs the service that started a task may have: its group is `service:<name>`, and a service
    ARN names its cluster (the current format) or not (the old one)."""
    group, cluster = raw.get("group") or "", raw.get("clusterArn") or ""
    if not group.startswith("service:") or ":cluster/" not in cluster:
        return []
    prefix, cluster_name = cluster.split(":cluster/", 1)
    name = group.removeprefix("service:")
    return [f"{prefix}:service/{cluster_name}/{name}", f"{prefix}:service/{name}"]


def link_task(context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], task: Entity) -> None:
    link_if_collected(context, raw.get("taskDefinitionArn"), ECS_TASK_DEFINITION.type, "DEFINES", task)
    link_if_collected(context, raw.get("containerInstanceArn"), ECS_CONTAINER_INSTANCE.type, "RUNS", task)
    service = next((k for k in service_keys(raw) if context.job_state.find_entity(k) is not None), None)
    link_if_collected(context, service, ECS_SERVICE.type, "TRIGGERS", task)


ECS_TASK_DEFINITIONS = ResourceSpec(
    step_id="fetch-ecs-task-definitions",
    name="Fetch ECS task definitions",
    service=ECS,
    client="ecs",
    operation="list_task_definitions",
    result_key="taskDefinitionArns",
    parameters={"status": "ACTIVE"},
    entity=ECS_TASK_DEFINITION,
    convert=to_ecs_task_definition,
    enrich=enrich_task_definition,
    relationships=(TASK_DEFINITION_USES_ROLE,),
    permissions=("ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition"),
)

ECS_SERVICES = ResourceSpec(
    step_id="fetch-ecs-services",
    name="Fetch ECS services",
    service=ECS,
    client="ecs",
    operation="list_services",
    result_key="serviceArns",
    describe=Describe(
        "describe_services", "services", "services", batch=10, parameters={"include": ["TAGS"]}
    ),
    parent=Parent(ECS_CLUSTERS.step_id, ECS_CLUSTER, in_cluster),
    entity=ECS_SERVICE,
    convert=to_ecs_service,
    enrich=link_service,
    relationships=(TASK_DEFINITION_DEFINES_SERVICE,),
    depends_on=(ECS_TASK_DEFINITIONS.step_id,),
    permissions=("ecs:ListServices", "ecs:DescribeServices"),
)

ECS_TASKS = ResourceSpec(
    step_id="fetch-ecs-tasks",
    name="Fetch ECS tasks",
    service=ECS,
    client="ecs",
    operation="list_tasks",
    result_key="taskArns",
    describe=Describe("describe_tasks", "tasks", "tasks", parameters={"include": ["TAGS"]}),
    parent=Parent(ECS_CLUSTERS.step_id, ECS_CLUSTER, in_cluster, verb="RUNS"),
    entity=ECS_TASK,
    convert=to_ecs_task,
    enrich=link_task,
    relationships=(TASK_DEFINITION_DEFINES_TASK, CONTAINER_INSTANCE_RUNS_TASK, SERVICE_TRIGGERS_TASK),
    depends_on=(ECS_TASK_DEFINITIONS.step_id, ECS_SERVICES.step_id, ECS_CONTAINER_INSTANCES.step_id),
    permissions=("ecs:ListTasks", "ecs:DescribeTasks"),
)
