"""ECS: clusters, container instances, task definitions, services and tasks, linked as JupiterOne
documents them; an orphaned task (its definition deregistered) is defined by nothing."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError
from hand_answers import ACCOUNT as HAND_ACCOUNT
from hand_answers import run_on_answers, step_result

from graph_aws.aws.resources.ecs import STEPS
from graph_aws.demo.seeds.ecs import CLUSTER, seed
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
PREFIX = f"arn:aws:ecs:us-east-1:{ACCOUNT}"


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


def by_name(result, type_):
    return {e["name"]: e for e in result.job_state.iter_entities(type_)}


def test_clusters_instances_definitions_services_and_tasks(run_steps, client):
    seed(client, ACCOUNT, ["us-east-1"])
    result = run_steps(*(s.id for s in STEPS), regions=("us-east-1",))
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results), result.failed_steps

    (cluster,) = result.job_state.iter_entities("aws_ecs_cluster")
    assert cluster["_key"] == cluster["arn"] == f"{PREFIX}:cluster/{CLUSTER}" and cluster["_class"] == [
        "Cluster"
    ]
    assert cluster["status"] == "ACTIVE" and cluster["active"] is True and cluster["tag.owner"] == "platform"
    assert cluster["accountId"] == ACCOUNT and cluster["region"] == "us-east-1"

    (instance,) = result.job_state.iter_entities("aws_ecs_container_instance")
    ec2_instance = client("ec2").describe_instances()["Reservations"][0]["Instances"][0]["InstanceId"]
    assert instance["_class"] == ["Host", "Container"] and instance["ec2InstanceId"] == ec2_instance
    assert instance["arn"].startswith(f"{PREFIX}:container-instance/") and instance["agentConnected"] is True
    assert instance["clusterArn"] == cluster["arn"] and instance["state"] == "ACTIVE"
    ec2_key = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{ec2_instance}"
    assert ends(result, "aws_instance_runs_ecs_container_instance") == {(ec2_key, instance["_key"])}
    assert ends(result, "aws_ecs_cluster_has_container_instance") == {(cluster["_key"], instance["_key"])}

    definitions = by_name(result, "aws_ecs_task_definition")
    assert set(definitions) == {"graph-aws-demo-web:1"}  # the deregistered batch definition is inactive
    web = definitions["graph-aws-demo-web:1"]
    assert web["_key"] == f"{PREFIX}:task-definition/graph-aws-demo-web:1"
    assert web["_class"] == ["Function", "Configuration"] and web["family"] == "graph-aws-demo-web"
    assert web["revision"] == 1 and web["status"] == "ACTIVE" and web["networkMode"] == "bridge"
    role = f"arn:aws:iam::{ACCOUNT}:role/graph-aws-demo-task"
    assert web["taskRoleArn"] == role and web["privileged"] is False
    assert web["containerImages"] == ["public.ecr.aws/docker/library/nginx:latest"]
    assert ends(result, "aws_ecs_task_definition_uses_iam_role") == {(web["_key"], role)}

    (service,) = result.job_state.iter_entities("aws_ecs_service")
    assert service["_key"] == f"{PREFIX}:service/{CLUSTER}/graph-aws-demo-web" and service["_class"] == [
        "Service"
    ]
    assert service["desiredCount"] == 1 and service["taskDefinition"] == web["arn"]
    assert service["category"] == ["software"] and service["function"] == ["workload-management"]
    assert ends(result, "aws_ecs_cluster_has_service") == {(cluster["_key"], service["_key"])}
    assert ends(result, "aws_ecs_task_definition_defines_service") == {(web["_key"], service["_key"])}

    tasks = {
        t["taskDefinitionArn"].rsplit("/", 1)[-1]: t for t in result.job_state.iter_entities("aws_ecs_task")
    }
    served, orphan = tasks["graph-aws-demo-web:1"], tasks["graph-aws-demo-nightly-batch:1"]
    assert served["_class"] == ["Task", "Process"] and served["arn"].startswith(f"{PREFIX}:task/")
    assert (
        served["active"] is True
        and served["lastStatus"] == "RUNNING"
        and isinstance(served["createdOn"], int)
    )
    assert served["group"] == "service:graph-aws-demo-web" and orphan["startedBy"] == "cron"
    assert ends(result, "aws_ecs_cluster_runs_task") == {(cluster["_key"], t["_key"]) for t in tasks.values()}
    assert ends(result, "aws_ecs_container_instance_runs_task") == {
        (instance["_key"], t["_key"]) for t in tasks.values()
    }
    assert ends(result, "aws_ecs_task_definition_defines_task") == {(web["_key"], served["_key"])}
    assert ends(result, "aws_ecs_service_triggers_task") == {(service["_key"], served["_key"])}
    ecs_has = {
        r["_toEntityKey"]
        for r in result.job_state.relationships()
        if r["_fromEntityKey"] == f"aws_ecs:{ACCOUNT}"
    }
    assert {
        cluster["_key"],
        web["_key"],
        service["_key"],
        instance["_key"],
        *(t["_key"] for t in tasks.values()),
    } == ecs_has


@pytest.fixture
def deny_list_tasks():
    def hook(model, **_):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "SCP"}}, model.name)

    entry = ("before-call.ecs.ListTasks", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_denied_tasks_cost_only_the_tasks(run_steps, client, deny_list_tasks):
    seed(client, ACCOUNT, ["us-east-1"])
    result = run_steps(*(s.id for s in STEPS), regions=("us-east-1",))
    failed = {r.id: r.error for r in result.step_results if r.status is StepStatus.FAILURE}
    assert failed == {
        "fetch-ecs-tasks": "fetch-ecs-tasks: us-east-1: access denied (AccessDeniedException); "
        "the role needs ecs:ListTasks, ecs:DescribeTasks"
    }
    assert "aws_ecs_task" in result.partial_types and "aws_ecs_service" not in result.partial_types
    assert len(list(result.job_state.iter_entities("aws_ecs_service"))) == 1


@pytest.fixture
def deny_services_of_the_first_cluster():
    def hook(params, **_):
        if params.get("cluster", "").endswith("/first"):
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "resource policy"}}, "ListServices"
            )

    entry = ("before-parameter-build.ecs.ListServices", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_cluster_whose_services_cannot_be_listed_costs_only_its_services(
    run_steps, client, deny_services_of_the_first_cluster
):
    ecs = client("ecs")
    ecs.register_task_definition(
        family="web", containerDefinitions=[{"name": "web", "image": "nginx", "memory": 64}]
    )
    for cluster in ("first", "second"):
        ecs.create_cluster(clusterName=cluster)
        ecs.create_service(
            cluster=cluster, serviceName=f"{cluster}-web", taskDefinition="web", desiredCount=0
        )
    result = run_steps("fetch-ecs-services", regions=("us-east-1",))
    step = next(r for r in result.step_results if r.id == "fetch-ecs-services")
    assert step.status is StepStatus.FAILURE and "access denied (AccessDeniedException)" in step.error
    assert [s["name"] for s in result.job_state.iter_entities("aws_ecs_service")] == ["second-web"]
    assert "aws_ecs_service" in result.partial_types


def test_a_task_definition_whose_describe_answer_has_no_definition_keeps_its_entity_and_warns():
    arn = f"arn:aws:ecs:us-east-1:{HAND_ACCOUNT}:task-definition/web:1"
    result = run_on_answers(
        "fetch-ecs-task-definitions", answers={"ListTaskDefinitions": {"taskDefinitionArns": [arn]}}
    )
    step = step_result(result, "fetch-ecs-task-definitions")
    assert step.status is StepStatus.SUCCESS, step.error
    (definition,) = result.job_state.iter_entities("aws_ecs_task_definition")
    assert definition["_key"] == arn and "revision" not in definition
    assert any("no taskDefinition" in w for w in step.warnings)
