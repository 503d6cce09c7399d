"""Kinesis: streams with their encryption and key."""

from __future__ import annotations

from hand_answers import run_on_answers, step_result

from graph_aws.demo.seeds.kinesis import seed
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def test_streams_with_encryption_and_key(run_steps, client):
    seed(client, ACCOUNT, ["us-east-1", "eu-west-1"])
    key = client("kms", "us-east-1").list_keys()["Keys"][0]["KeyArn"]
    result = run_steps("fetch-kinesis-streams")
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)
    streams = {(s["region"], s["name"]): s for s in result.job_state.iter_entities("aws_kinesis_stream")}
    assert len(streams) == 4
    clicks, logs = streams["us-east-1", "graph-aws-demo-clicks"], streams["us-east-1", "graph-aws-demo-logs"]
    assert (
        clicks["_key"] == clicks["arn"] == f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/graph-aws-demo-clicks"
    )
    assert clicks["_class"] == ["DataCollection", "Queue"] and clicks["accountId"] == ACCOUNT
    assert clicks["encrypted"] is True and clicks["kmsKeyId"] == key and clicks["encryptionType"] == "KMS"
    assert clicks["status"] == "ACTIVE" and clicks["active"] is True and clicks["streamMode"] == "PROVISIONED"
    assert clicks["retentionPeriodHours"] == 24 and clicks["openShardCount"] == 1
    assert isinstance(clicks["createdOn"], int)
    assert logs["encrypted"] is False and logs["streamMode"] == "ON_DEMAND" and "kmsKeyId" not in logs
    uses = {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == "aws_kinesis_stream_uses_kms_key"
    }
    assert (clicks["_key"], key) in uses and len(uses) == 2
    has = [r for r in result.job_state.relationships() if r["_type"] == "aws_kinesis_has_stream"]
    assert len(has) == 4


def test_a_stream_whose_summary_answer_has_no_summary_keeps_its_entity_and_warns():
    arn = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
    answers = {
        "ListStreams": {
            "StreamNames": ["clicks"],
            "StreamSummaries": [{"StreamARN": arn, "StreamName": "clicks"}],
        }
    }
    result = run_on_answers("fetch-kinesis-streams", answers=answers)
    step = step_result(result, "fetch-kinesis-streams")
    assert step.status is StepStatus.SUCCESS, step.error
    (stream,) = result.job_state.iter_entities("aws_kinesis_stream")
    assert stream["_key"] == arn and "encryptionType" not in stream
    assert any("no summary" in w for w in step.warnings)
