"""ECS clusters, and the container instances registered in each (listed per cluster)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import INSTANCE, arn_of
from graph_aws.aws.resources.ecs.model import ECS, ECS_CLUSTER, ECS_CONTAINER_INSTANCE, ecs_tags, resource_id
from graph_aws.aws.resources.registry import Describe, Parent, ResourceSpec, Where
from graph_aws.engine import StepContext
from graph_aws.model import Entity, RelationshipType, epoch_millis, make_entity, make_relationship

INSTANCE_RUNS_CONTAINER_INSTANCE = RelationshipType(INSTANCE, "RUNS", ECS_CONTAINER_INSTANCE)


def to_ecs_cluster(raw: Mapping[str, Any], where: Where) -> Entity:
    settings = {s.get("name"): s.get("value") for s in raw.get("settings") or []}
    status = raw.get("status")
    return make_entity(
        key=raw["clusterArn"],
        type=ECS_CLUSTER.type,
        classes=ECS_CLUSTER.classes,
        name=raw["clusterName"],
        properties={
            "arn": raw["clusterArn"],
            "clusterName": raw["clusterName"],
            "status": status,
            "active": status == "ACTIVE" if status else None,
            "registeredContainerInstancesCount": raw.get("registeredContainerInstancesCount"),
            "runningTasksCount": raw.get("runningTasksCount"),
            "pendingTasksCount": raw.get("pendingTasksCount"),
            "activeServicesCount": raw.get("activeServicesCount"),
            "containerInsights": settings.get("containerInsights"),
            "capacityProviders": raw.get("capacityProviders") or None,
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=ecs_tags(raw),
    )


def to_ecs_container_instance(raw: Mapping[str, Any], where: Where) -> Entity:
    arn = raw["containerInstanceArn"]
    versions = raw.get("versionInfo") or {}
    attributes = {a.get("name"): a.get("value") for a in raw.get("attributes") or []}
    status = raw.get("status")
    return make_entity(
        key=arn,
        type=ECS_CONTAINER_INSTANCE.type,
        classes=ECS_CONTAINER_INSTANCE.classes,
        name=raw.get("ec2InstanceId") or resource_id(arn),
        properties={
            "arn": arn,
            "ec2InstanceId": raw.get("ec2InstanceId"),
            "clusterArn": where.parent["_key"] if where.parent else None,
            # JupiterOne's Host reserves `status` for a device's lifecycle words (deployed, lost/stolen).
            "state": status,
            "active": status == "ACTIVE" if status else None,
            "agentConnected": raw.get("agentConnected"),
            "agentVersion": versions.get("agentVersion"),
            "dockerVersion": versions.get("dockerVersion"),
            "runningTasksCount": raw.get("runningTasksCount"),
            "pendingTasksCount": raw.get("pendingTasksCount"),
            "capacityProviderName": raw.get("capacityProviderName"),
            "instanceType": attributes.get("ecs.instance-type"),
            "imageId": attributes.get("ecs.ami-id"),
            "availabilityZone": attributes.get("ecs.availability-zone"),
            "category": "server",
            "osType": attributes.get("ecs.os-type"),
            "registeredOn": epoch_millis(raw.get("registeredAt")),
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=ecs_tags(raw),
    )


def link_ec2_instance(
    context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], container_instance: Entity
) -> None:
    if raw.get("ec2InstanceId"):
        context.job_state.add_relationship(
            make_relationship(
                from_type=INSTANCE.type,
                from_key=arn_of(where, "instance", raw["ec2InstanceId"]),
                verb="RUNS",
                to_entity=container_instance,
            )
        )


def in_cluster(cluster: Entity) -> Mapping[str, Any]:
    return {"cluster": cluster["arn"]}


ECS_CLUSTERS = ResourceSpec(
    step_id="fetch-ecs-clusters",
    name="Fetch ECS clusters",
    service=ECS,
    client="ecs",
    operation="list_clusters",
    result_key="clusterArns",
    describe=Describe(
        "describe_clusters", "clusters", "clusters", parameters={"include": ["SETTINGS", "TAGS"]}
    ),
    entity=ECS_CLUSTER,
    convert=to_ecs_cluster,
    permissions=("ecs:ListClusters", "ecs:DescribeClusters"),
)

ECS_CONTAINER_INSTANCES = ResourceSpec(
    step_id="fetch-ecs-container-instances",
    name="Fetch ECS container instances",
    service=ECS,
    client="ecs",
    operation="list_container_instances",
    result_key="containerInstanceArns",
    describe=Describe(
        "describe_container_instances",
        "containerInstances",
        "containerInstances",
        parameters={"include": ["TAGS"]},
    ),
    parent=Parent(ECS_CLUSTERS.step_id, ECS_CLUSTER, in_cluster),
    entity=ECS_CONTAINER_INSTANCE,
    convert=to_ecs_container_instance,
    enrich=link_ec2_instance,
    relationships=(INSTANCE_RUNS_CONTAINER_INSTANCE,),
    permissions=("ecs:ListContainerInstances", "ecs:DescribeContainerInstances"),
)
