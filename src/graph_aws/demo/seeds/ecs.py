"""ECS: per region, a cluster with one container instance (on the EC2 seed's instance) running a web
service's task, and a batch task whose definition has since been deregistered (an orphan, as
JupiterOne's aws-ecs-tasks-orphaned rule calls it); both definitions run as a task role.

moto moves a task on to DEACTIVATING at its first read and records no creation time; `patch_moto`
keeps tasks RUNNING until stopped and gives them `createdAt` and `startedAt`, as AWS does.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.ec2 import IMAGE_ID

CLUSTER = "graph-aws-demo"
TRUST_ECS_TASKS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def patch_moto() -> None:
    from moto.core.utils import utcnow
    from moto.ecs.models import Task
    from moto.moto_api import state_manager

    state_manager.set_transition(model_name="ecs::task", transition={"progression": "manual", "times": 10**9})
    if getattr(Task.__init__, "graph_aws_patched", False):
        return
    original = Task.__init__

    @functools.wraps(original)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.created_at = self.started_at = utcnow()

    init.graph_aws_patched = True  # type: ignore[attr-defined]
    Task.__init__ = init  # type: ignore[method-assign]


def container(name: str) -> dict[str, Any]:
    return {"name": name, "image": f"public.ecr.aws/docker/library/{name}:latest", "memory": 128}


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    role = client("iam", regions[0]).create_role(  # IAM is global: once per account
        RoleName="graph-aws-demo-task", AssumeRolePolicyDocument=json.dumps(TRUST_ECS_TASKS)
    )["Role"]["Arn"]
    for region in regions:
        ecs, ec2 = client("ecs", region), client("ec2", region)
        ecs.create_cluster(clusterName=CLUSTER, tags=[{"key": "owner", "value": "platform"}])
        for family in ("web", "nightly-batch"):
            ecs.register_task_definition(
                family=f"graph-aws-demo-{family}",
                taskRoleArn=role,
                networkMode="bridge",
                containerDefinitions=[container("nginx" if family == "web" else "busybox")],
            )
        reservations = ec2.describe_instances()["Reservations"]  # the EC2 seed's, which runs first
        instance = (
            reservations[0]["Instances"][0]
            if reservations
            else ec2.run_instances(ImageId=IMAGE_ID, MinCount=1, MaxCount=1)["Instances"][0]
        )
        document = {
            "accountId": account_id,
            "region": region,
            "instanceId": instance["InstanceId"],
            "instanceType": instance["InstanceType"],
            "imageId": instance["ImageId"],
            "availabilityZone": instance["Placement"]["AvailabilityZone"],
            "privateIp": instance.get("PrivateIpAddress", "10.1.1.10"),
        }
        ecs.register_container_instance(cluster=CLUSTER, instanceIdentityDocument=json.dumps(document))
        ecs.create_service(
            cluster=CLUSTER,
            serviceName="graph-aws-demo-web",
            taskDefinition="graph-aws-demo-web",
            desiredCount=1,
        )
        # moto starts no task for a service: start the one it would, in the service's task group.
        ecs.run_task(cluster=CLUSTER, taskDefinition="graph-aws-demo-web", group="service:graph-aws-demo-web")
        ecs.run_task(cluster=CLUSTER, taskDefinition="graph-aws-demo-nightly-batch", startedBy="cron")
        ecs.deregister_task_definition(taskDefinition="graph-aws-demo-nightly-batch:1")
