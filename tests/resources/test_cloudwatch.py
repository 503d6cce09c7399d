"""CloudWatch: log groups with retention, key and metric filters; alarms with the filters they watch."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
ROOT_PATTERN = '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }'


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


@pytest.fixture
def monitoring(client):
    key = client("kms", "us-east-1").create_key()["KeyMetadata"]["Arn"]
    logs, cloudwatch = client("logs", "us-east-1"), client("cloudwatch", "us-east-1")
    logs.create_log_group(logGroupName="trail-logs", kmsKeyId=key)
    logs.put_retention_policy(logGroupName="trail-logs", retentionInDays=365)
    logs.put_metric_filter(
        logGroupName="trail-logs",
        filterName="root_usage_metric",
        filterPattern=ROOT_PATTERN,
        metricTransformations=[{"metricName": "root_usage", "metricNamespace": "CIS", "metricValue": "1"}],
    )
    cloudwatch.put_metric_alarm(
        AlarmName="root_usage_alarm",
        MetricName="root_usage",
        Namespace="CIS",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"],
    )
    # Same metric name in another namespace: not fed by the filter.
    cloudwatch.put_metric_alarm(
        AlarmName="unrelated",
        MetricName="root_usage",
        Namespace="Other",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )
    client("logs", "eu-west-1").create_log_group(logGroupName="forever")
    return key


def test_log_groups_with_retention_key_and_filters(run_steps, monitoring):
    result = run_steps("fetch-cloudwatch-log-groups")
    assert status(result, "fetch-cloudwatch-log-groups").status is StepStatus.SUCCESS
    groups = {g["name"]: g for g in result.job_state.iter_entities("aws_cloudwatch_log_group")}
    trail, forever = groups["trail-logs"], groups["forever"]
    assert trail["_key"] == trail["arn"] == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:trail-logs"
    assert trail["_class"] == ["Logs"] and trail["accountId"] == ACCOUNT and trail["region"] == "us-east-1"
    assert trail["retentionInDays"] == 365 and trail["kmsKeyId"] == monitoring and trail["encrypted"] is True
    assert trail["metricFilterNames"] == ["root_usage_metric"]
    assert trail["metricFilterPatterns"] == [ROOT_PATTERN]
    assert isinstance(trail["createdOn"], int)
    # Kept forever and unencrypted: what the rules cw-loggroup-retention-period-check and
    # cloudwatch-log-group-encrypted flag.
    assert "retentionInDays" not in forever and forever["encrypted"] is False
    assert forever["region"] == "eu-west-1" and "metricFilterNames" not in forever
    assert ends(result, "aws_cloudwatch_log_group_uses_kms_key") == {(trail["_key"], monitoring)}
    assert len(ends(result, "aws_cloudwatch_has_log_group")) == 2


def test_an_alarm_carries_the_pattern_of_the_filter_that_feeds_its_metric(run_steps, monitoring):
    result = run_steps("fetch-cloudwatch-metric-alarms")
    assert status(result, "fetch-cloudwatch-metric-alarms").status is StepStatus.SUCCESS
    alarms = {a["name"]: a for a in result.job_state.iter_entities("aws_cloudwatch_metric_alarm")}
    root = alarms["root_usage_alarm"]
    assert root["_key"] == root["arn"] == f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:root_usage_alarm"
    assert root["_class"] == ["Control"] and root["region"] == "us-east-1"
    assert root["metricName"] == "root_usage" and root["namespace"] == "CIS"
    assert root["metricFilterPatterns"] == [ROOT_PATTERN]
    assert root["metricFilterNames"] == ["root_usage_metric"]
    assert root["metricFilterLogGroupNames"] == ["trail-logs"]
    assert root["alarmActions"] == [f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"]
    assert "okActions" not in root  # an empty list is left out: the rule asks `= undefined`
    unrelated = alarms["unrelated"]
    assert "metricFilterPatterns" not in unrelated
    assert "alarmActions" not in unrelated and "insufficientDataActions" not in unrelated
    assert len(ends(result, "aws_cloudwatch_has_metric_alarm")) == 2
    assert len(ends(result, "aws_account_has_cloudwatch")) == 1


def test_metric_math_alarms_are_matched_by_each_metric(run_steps, monitoring, client):
    client("cloudwatch", "us-east-1").put_metric_alarm(
        AlarmName="root_usage_math",
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
        Metrics=[
            {
                "Id": "m1",
                "MetricStat": {
                    "Metric": {"Namespace": "CIS", "MetricName": "root_usage"},
                    "Period": 300,
                    "Stat": "Sum",
                },
                "ReturnData": True,
            }
        ],
    )
    result = run_steps("fetch-cloudwatch-metric-alarms", regions=("us-east-1",))
    (math,) = [
        a
        for a in result.job_state.iter_entities("aws_cloudwatch_metric_alarm")
        if a["name"] == "root_usage_math"
    ]
    assert math["metricFilterPatterns"] == [ROOT_PATTERN]


@pytest.fixture
def deny_filters_in_eu():
    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "SCP"}}, model.name)

    entry = ("before-call.cloudwatch-logs.DescribeMetricFilters", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_region_costs_that_region_only(run_steps, monitoring, deny_filters_in_eu):
    result = run_steps("fetch-cloudwatch-metric-alarms")
    step = status(result, "fetch-cloudwatch-log-groups")
    assert step.status is StepStatus.FAILURE
    assert step.error == (
        "fetch-cloudwatch-log-groups: eu-west-1: access denied (AccessDeniedException); the role needs "
        "logs:DescribeLogGroups, logs:DescribeMetricFilters"
    )
    assert {"aws_cloudwatch_log_group", "aws_cloudwatch_metric_alarm"} <= set(result.partial_types)
    # us-east-1 was read in full, filters included.
    alarms = {a["name"]: a for a in result.job_state.iter_entities("aws_cloudwatch_metric_alarm")}
    assert alarms["root_usage_alarm"]["metricFilterPatterns"] == [ROOT_PATTERN]
    assert status(result, "fetch-cloudwatch-metric-alarms").status is (
        StepStatus.PARTIAL_SUCCESS_DUE_TO_DEPENDENCY_FAILURE
    )
