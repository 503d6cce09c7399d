"""CloudWatch: log groups (retention, KMS key, metric filters) and metric alarms, with the metric
filters whose metric each alarm watches.

The CIS 4.x checks ask whether an alarm watches a log metric filter for a given event (root use,
console sign-in without MFA, ...). An alarm names only a metric; the metric filter that feeds the
metric names the pattern and the log group. So the log groups step also lists the region's metric
filters (one DescribeMetricFilters call per region, not one per log group) and passes them on, and
the alarms step gives each alarm `metricFilterNames`, `metricFilterPatterns` and
`metricFilterLogGroupNames` of the filters that feed its metric: a full-text search such as
`Find "aws_cloudwatch_metric_alarm console mfa"` then finds an alarm whose filter's pattern is
`($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes")`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import (
    Entity,
    EntityType,
    RelationshipType,
    epoch_millis,
    make_entity,
    make_relationship,
)

CLOUDWATCH = ServiceSpec(
    "cloudwatch",
    "CloudWatch",
    EntityType("CloudWatch", "aws_cloudwatch", ("Service",)),
    function=("monitoring", "logging"),
)
LOG_GROUP = EntityType("CloudWatch Log Group", "aws_cloudwatch_log_group", ("Logs",))
# JupiterOne's AWS documentation gives alarms the class Monitor, which its data model (0.64.2, and
# the data-model repository since) does not have, so the SDK would reject them: an alarm on a log
# metric filter is a detective control (CIS section 4), the data model's Control.
METRIC_ALARM = EntityType("CloudWatch Metric Alarm", "aws_cloudwatch_metric_alarm", ("Control",))
LOG_GROUP_USES_KMS_KEY = RelationshipType(LOG_GROUP, "USES", KMS_KEY)

# Job data: the metric filters of one region, as DescribeMetricFilters lists them.
METRIC_FILTERS = "cloudwatch-metric-filters"


def log_group_key(arn: str) -> str:
    """A log group's ARN without the `:*` that DescribeLogGroups' `arn` and CloudTrail's
    CloudWatchLogsLogGroupArn end with (`logGroupArn` has none): one key whoever names it."""
    return arn[:-2] if arn.endswith(":*") else arn


def log_group_arn(where: Where, name: str) -> str:
    return where.arn("logs", f"log-group:{name}")


def to_log_group(raw: Mapping[str, Any], where: Where) -> Entity:
    name = raw["logGroupName"]
    arn = log_group_key(raw.get("logGroupArn") or raw.get("arn") or log_group_arn(where, name))
    return make_entity(
        key=arn,
        type=LOG_GROUP.type,
        classes=LOG_GROUP.classes,
        name=name,
        properties={
            "arn": arn,
            "logGroupName": name,
            # None: kept forever. The rule cw-loggroup-retention-period-check reads both cases.
            "retentionInDays": raw.get("retentionInDays"),
            "kmsKeyId": raw.get("kmsKeyId"),
            "encrypted": bool(raw.get("kmsKeyId")),
            "storedBytes": raw.get("storedBytes"),
            "metricFilterCount": raw.get("metricFilterCount"),
            "logGroupClass": raw.get("logGroupClass"),
            "dataProtectionStatus": raw.get("dataProtectionStatus"),
            "deletionProtectionEnabled": raw.get("deletionProtectionEnabled"),
            "createdOn": raw.get("creationTime"),  # already epoch milliseconds
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_log_group(
    context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], entity: Entity
) -> None:
    if raw.get("kmsKeyId"):
        context.job_state.add_relationship(
            make_relationship(from_entity=entity, verb="USES", to_type=KMS_KEY.type, to_key=raw["kmsKeyId"])
        )


def add_metric_filters(
    context: StepContext, logs: Any, where: Where, added: list[tuple[Mapping[str, Any], Entity]]
) -> None:
    """Every metric filter of the region in one listing: onto its log group, and on to the alarms."""
    if not added:
        return  # a filter belongs to a log group: no groups, no filters
    filters = list(paginate(logs, "describe_metric_filters", "metricFilters"))
    context.job_state.set_data(f"{METRIC_FILTERS}:{where.region}", filters)
    by_group: dict[str, list[Mapping[str, Any]]] = {}
    for metric_filter in filters:
        by_group.setdefault(metric_filter.get("logGroupName", ""), []).append(metric_filter)
    for raw, entity in added:
        own = by_group.get(raw["logGroupName"], [])
        context.job_state.enrich_entity(
            entity["_key"],
            {
                "metricFilterNames": [f["filterName"] for f in own] or None,
                "metricFilterPatterns": [f.get("filterPattern", "") for f in own] or None,
            },
        )


def watched_metrics(raw: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(namespace, metric name) of an alarm: its own metric, or each metric of its metric math."""
    if raw.get("MetricName"):
        yield raw.get("Namespace", ""), raw["MetricName"]
    for query in raw.get("Metrics") or []:
        metric = (query.get("MetricStat") or {}).get("Metric") or {}
        if metric.get("MetricName"):
            yield metric.get("Namespace", ""), metric["MetricName"]


def filters_feeding(raw: Mapping[str, Any], filters: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    metrics = set(watched_metrics(raw))
    return [
        f
        for f in filters
        if any(
            (t.get("metricNamespace", ""), t.get("metricName")) in metrics
            for t in f.get("metricTransformations") or []
        )
    ]


def to_metric_alarm(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["AlarmArn"],
        type=METRIC_ALARM.type,
        classes=METRIC_ALARM.classes,
        name=raw["AlarmName"],
        properties={
            "arn": raw["AlarmArn"],
            "alarmName": raw["AlarmName"],
            "description": raw.get("AlarmDescription") or None,
            "metricName": raw.get("MetricName"),
            "namespace": raw.get("Namespace"),
            "statistic": raw.get("Statistic") or raw.get("ExtendedStatistic"),
            "period": raw.get("Period"),
            "evaluationPeriods": raw.get("EvaluationPeriods"),
            "datapointsToAlarm": raw.get("DatapointsToAlarm"),
            "threshold": raw.get("Threshold"),
            "comparisonOperator": raw.get("ComparisonOperator"),
            "treatMissingData": raw.get("TreatMissingData"),
            "actionsEnabled": raw.get("ActionsEnabled"),
            # Empty lists are left out: the rule cloudwatch-alarm-action-check asks `= undefined`.
            "alarmActions": list(raw.get("AlarmActions") or []) or None,
            "okActions": list(raw.get("OKActions") or []) or None,
            "insufficientDataActions": list(raw.get("InsufficientDataActions") or []) or None,
            "stateValue": raw.get("StateValue"),
            "stateReason": raw.get("StateReason"),
            "updatedOn": epoch_millis(raw.get("AlarmConfigurationUpdatedTimestamp")),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_metric_alarm(
    context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], entity: Entity
) -> None:
    feeding = filters_feeding(raw, context.job_state.get_data(f"{METRIC_FILTERS}:{where.region}") or [])
    if feeding:
        context.job_state.enrich_entity(
            entity["_key"],
            {
                "metricFilterNames": [f["filterName"] for f in feeding],
                "metricFilterPatterns": [f.get("filterPattern", "") for f in feeding],
                "metricFilterLogGroupNames": list(dict.fromkeys(f.get("logGroupName", "") for f in feeding)),
            },
        )


LOG_GROUPS = ResourceSpec(
    step_id="fetch-cloudwatch-log-groups",
    name="Fetch CloudWatch log groups and their metric filters",
    service=CLOUDWATCH,
    client="logs",
    operation="describe_log_groups",
    result_key="logGroups",
    entity=LOG_GROUP,
    convert=to_log_group,
    enrich=enrich_log_group,
    after_region=add_metric_filters,
    relationships=(LOG_GROUP_USES_KMS_KEY,),
    permissions=("logs:DescribeLogGroups", "logs:DescribeMetricFilters"),
)

METRIC_ALARMS = ResourceSpec(
    step_id="fetch-cloudwatch-metric-alarms",
    name="Fetch CloudWatch metric alarms and the metric filters they watch",
    service=CLOUDWATCH,
    client="cloudwatch",
    operation="describe_alarms",
    result_key="MetricAlarms",
    entity=METRIC_ALARM,
    convert=to_metric_alarm,
    enrich=enrich_metric_alarm,
    depends_on=(LOG_GROUPS.step_id,),  # the metric filters come from there
    permissions=("cloudwatch:DescribeAlarms",),
)

STEPS = (CLOUDWATCH.step(), resource_step(LOG_GROUPS), resource_step(METRIC_ALARMS))
