"""SQS: queues with their encryption, dead-letter target and key (named by alias, resolved once)."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError
from hand_answers import run_on_answers, step_result

from graph_aws.demo.seeds.sqs import seed
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


@pytest.fixture
def count_list_aliases():
    calls = []
    entry = ("before-call.kms.ListAliases", lambda context, **_: calls.append(context.get("client_region")))
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield calls
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_queues_with_encryption_dead_letter_target_and_key(run_steps, client, count_list_aliases):
    seed(client, ACCOUNT, ["us-east-1", "eu-west-1"])
    key = client("kms", "us-east-1").describe_key(KeyId="alias/graph-aws-demo-queues")["KeyMetadata"]["Arn"]
    result = run_steps("fetch-sqs-queues")
    assert status(result, "fetch-sqs-queues").status is StepStatus.SUCCESS
    queues = {(q["region"], q["name"]): q for q in result.job_state.iter_entities("aws_sqs_queue")}
    assert set(queues) == {
        (region, name)
        for region in ("us-east-1", "eu-west-1")
        for name in ("graph-aws-demo-orders", "graph-aws-demo-dead")
    }
    orders, dead = queues["us-east-1", "graph-aws-demo-orders"], queues["us-east-1", "graph-aws-demo-dead"]
    assert orders["_key"] == orders["arn"] == f"arn:aws:sqs:us-east-1:{ACCOUNT}:graph-aws-demo-orders"
    assert orders["_class"] == ["Queue"] and orders["accountId"] == ACCOUNT
    assert orders["queueUrl"].endswith(f"/{ACCOUNT}/graph-aws-demo-orders")
    assert orders["encrypted"] is True and orders["kmsKeyId"] == "alias/graph-aws-demo-queues"
    assert orders["deadLetterTargetArn"] == dead["arn"] and orders["maxReceiveCount"] == 5
    assert orders["visibilityTimeout"] == 30 and isinstance(orders["createdOn"], int)
    assert dead["encrypted"] is False and dead["fifoQueue"] is False
    uses = ends(result, "aws_sqs_queue_uses_kms_key")
    assert (orders["_key"], key) in uses and len(uses) == 2  # one per region, the alias resolved
    assert len(ends(result, "aws_sqs_has_queue")) == 4
    assert sorted(count_list_aliases) == ["eu-west-1", "us-east-1"]  # once per region


@pytest.fixture
def deny_sqs_in_eu():
    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "SCP"}}, model.name)

    entry = ("before-call.sqs.ListQueues", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_region_keeps_the_others(run_steps, client, deny_sqs_in_eu):
    seed(client, ACCOUNT, ["us-east-1", "eu-west-1"])
    result = run_steps("fetch-sqs-queues")
    step = status(result, "fetch-sqs-queues")
    assert step.error == (
        "fetch-sqs-queues: eu-west-1: access denied (AccessDenied); "
        "the role needs sqs:ListQueues, sqs:GetQueueAttributes, kms:ListAliases"
    )
    assert {q["region"] for q in result.job_state.iter_entities("aws_sqs_queue")} == {"us-east-1"}
    assert "aws_sqs_queue" in result.partial_types


def test_attributes_that_are_not_numbers_or_json_are_left_out_with_a_warning_naming_the_queue():
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
    attributes = {
        "VisibilityTimeout": "thirty",
        "DelaySeconds": "5",
        "Policy": "not json",
        "RedrivePolicy": '{"maxReceiveCount": "many"}',
        "CreatedTimestamp": "yesterday",
    }
    result = run_on_answers(
        "fetch-sqs-queues",
        answers={"ListQueues": {"QueueUrls": [url]}, "GetQueueAttributes": {"Attributes": attributes}},
    )
    step = step_result(result, "fetch-sqs-queues")
    assert step.status is StepStatus.SUCCESS, step.error
    (queue,) = result.job_state.iter_entities("aws_sqs_queue")
    assert queue["delaySeconds"] == 5
    assert not {"visibilityTimeout", "public", "maxReceiveCount", "createdOn"} & set(queue)
    (warning,) = step.warnings
    assert queue["_key"] in warning
    assert all(
        name in warning for name in ("VisibilityTimeout", "Policy", "RedrivePolicy", "CreatedTimestamp")
    )
