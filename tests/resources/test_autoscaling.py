"""Auto Scaling groups with what the ELB health-check rule reads."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


@pytest.fixture
def groups(client):
    for region in ("us-east-1", "eu-west-1"):
        ec2 = client("ec2", region)
        subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        ec2.create_launch_template(
            LaunchTemplateName="workers",
            LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"},
        )
        client("elb", region).create_load_balancer(
            LoadBalancerName="front",
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
            AvailabilityZones=[f"{region}a"],
        )
        client("autoscaling", region).create_auto_scaling_group(
            AutoScalingGroupName="workers",
            LaunchTemplate={"LaunchTemplateName": "workers", "Version": "$Latest"},
            MinSize=1,
            MaxSize=3,
            DesiredCapacity=1,
            VPCZoneIdentifier=subnet,
            HealthCheckType="EC2",
            LoadBalancerNames=["front"],
            Tags=[{"Key": "team", "Value": "batch", "PropagateAtLaunch": True}],
        )


def test_groups_with_their_health_check_and_load_balancers(run_steps, groups):
    result = run_steps("fetch-autoscaling-groups")
    assert status(result, "fetch-autoscaling-groups").status is StepStatus.SUCCESS
    found = {g["region"]: g for g in result.job_state.iter_entities("aws_autoscaling_group")}
    assert set(found) == {"us-east-1", "eu-west-1"}
    group = found["us-east-1"]
    assert group["_key"] == group["arn"] and group["arn"].startswith(
        f"arn:aws:autoscaling:us-east-1:{ACCOUNT}:autoScalingGroup:"
    )
    assert group["_class"] == ["Deployment", "Group"] and group["name"] == "workers"
    # The names autoscaling-group-elb-healthcheck-required reads, as it spells them.
    assert group["healthCheckType"] == "EC2" and group["LoadBalancerNames"] == ["front"]
    assert "targetGroupARNs" not in group and group["launchTemplateName"] == "workers"
    assert group["maxSize"] == 3 and group["tag.team"] == "batch" and group["accountId"] == ACCOUNT
    has = [r for r in result.job_state.relationships() if r["_type"] == "aws_autoscaling_has_group"]
    assert {r["_toEntityKey"] for r in has} == {g["_key"] for g in found.values()}
    (instance_id,) = group["instanceIds"]
    members = [
        r for r in result.job_state.relationships() if r["_type"] == "aws_autoscaling_group_has_instance"
    ]
    assert (group["_key"], f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{instance_id}") in {
        (r["_fromEntityKey"], r["_toEntityKey"]) for r in members
    }


@pytest.fixture
def deny_autoscaling_in_eu():
    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "SCP"}}, model.name)

    entry = ("before-call.auto-scaling.DescribeAutoScalingGroups", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_region_costs_that_region_only(run_steps, groups, deny_autoscaling_in_eu):
    result = run_steps("fetch-autoscaling-groups")
    assert status(result, "fetch-autoscaling-groups").error == (
        "fetch-autoscaling-groups: eu-west-1: access denied (AccessDenied); "
        "the role needs autoscaling:DescribeAutoScalingGroups"
    )
    assert [g["region"] for g in result.job_state.iter_entities("aws_autoscaling_group")] == ["us-east-1"]
