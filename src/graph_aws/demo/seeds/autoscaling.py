"""Auto Scaling: per region, a group of one instance in a default subnet, from a launch template of
its own, that checks its instances' health by EC2 alone; the ELB seed (which runs later) attaches
its target group to it, which makes it what autoscaling-group-elb-healthcheck-required flags."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.ec2 import IMAGE_ID

GROUP = "graph-aws-demo-workers"


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        subnet = client("ec2", region).describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}], MaxResults=5
        )["Subnets"][0]["SubnetId"]
        client("ec2", region).create_launch_template(
            LaunchTemplateName=GROUP, LaunchTemplateData={"ImageId": IMAGE_ID, "InstanceType": "t3.micro"}
        )
        client("autoscaling", region).create_auto_scaling_group(
            AutoScalingGroupName=GROUP,
            LaunchTemplate={"LaunchTemplateName": GROUP},
            MinSize=1,
            MaxSize=2,
            DesiredCapacity=1,
            VPCZoneIdentifier=subnet,
            HealthCheckType="EC2",
            Tags=[{"Key": "owner", "Value": "platform", "PropagateAtLaunch": True}],
        )
