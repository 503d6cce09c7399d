"""Auto Scaling: groups, with what the rule autoscaling-group-elb-healthcheck-required reads
(`healthCheckType`, `targetGroupARNs`, `LoadBalancerNames`, as it spells them) and the launch
template or configuration they start instances from; a group HAS its instances."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.ec2.model import INSTANCE, arn_of
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, epoch_millis, make_entity, make_relationship

AUTOSCALING = ServiceSpec(
    "autoscaling",
    "Auto Scaling",
    EntityType("Auto Scaling", "aws_autoscaling", ("Service",)),
    function=("workload-management",),
)
AUTOSCALING_GROUP = EntityType("Auto Scaling Group", "aws_autoscaling_group", ("Deployment", "Group"))


def _launch_template(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    mixed = (raw.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {}
    return raw.get("LaunchTemplate") or mixed.get("LaunchTemplateSpecification") or {}


def to_autoscaling_group(raw: Mapping[str, Any], where: Where) -> Entity:
    template = _launch_template(raw)
    balancers = list(raw.get("LoadBalancerNames") or []) or None
    subnets = [s for s in str(raw.get("VPCZoneIdentifier") or "").split(",") if s]
    return make_entity(
        key=raw["AutoScalingGroupARN"],
        type=AUTOSCALING_GROUP.type,
        classes=AUTOSCALING_GROUP.classes,
        name=raw["AutoScalingGroupName"],
        properties={
            "arn": raw["AutoScalingGroupARN"],
            "minSize": raw.get("MinSize"),
            "maxSize": raw.get("MaxSize"),
            "desiredCapacity": raw.get("DesiredCapacity"),
            "healthCheckType": raw.get("HealthCheckType"),
            "healthCheckGracePeriod": raw.get("HealthCheckGracePeriod"),
            "targetGroupARNs": list(raw.get("TargetGroupARNs") or []) or None,
            "LoadBalancerNames": balancers,  # the rule's spelling
            "loadBalancerNames": balancers,
            "launchTemplateId": template.get("LaunchTemplateId"),
            "launchTemplateName": template.get("LaunchTemplateName"),
            "launchTemplateVersion": template.get("Version"),
            "launchConfigurationName": raw.get("LaunchConfigurationName"),
            "availabilityZones": list(raw.get("AvailabilityZones") or []) or None,
            "subnetIds": subnets or None,
            "instanceIds": [i["InstanceId"] for i in raw.get("Instances") or []] or None,
            "status": raw.get("Status"),
            "serviceLinkedRoleArn": raw.get("ServiceLinkedRoleARN"),
            "createdOn": epoch_millis(raw.get("CreatedTime")),
            "accountId": where.account_id,
            "region": where.region,
        },
        # Auto Scaling tags carry ResourceId, PropagateAtLaunch ... beside Key and Value.
        tags=[{"Key": t["Key"], "Value": t.get("Value", "")} for t in raw.get("Tags") or []],
    )


def group_has_instances(
    context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], group: Entity
) -> None:
    for instance in raw.get("Instances") or []:
        if not instance.get("InstanceId"):  # names no instance
            continue
        context.job_state.add_relationship(
            make_relationship(
                from_entity=group,
                verb="HAS",
                to_type=INSTANCE.type,
                to_key=arn_of(where, "instance", instance["InstanceId"]),
            )
        )


AUTOSCALING_GROUPS = ResourceSpec(
    step_id="fetch-autoscaling-groups",
    name="Fetch Auto Scaling groups",
    service=AUTOSCALING,
    client="autoscaling",
    operation="describe_auto_scaling_groups",
    result_key="AutoScalingGroups",
    entity=AUTOSCALING_GROUP,
    convert=to_autoscaling_group,
    enrich=group_has_instances,
    relationships=(RelationshipType(AUTOSCALING_GROUP, "HAS", INSTANCE),),
    permissions=("autoscaling:DescribeAutoScalingGroups",),
)

STEPS = (AUTOSCALING.step(), resource_step(AUTOSCALING_GROUPS))
