"""CloudTrail as JupiterOne's rules query it: one service entity per account, each trail its LOGS
relationships (bucket and log group) with the trail's settings, S3 data events as SENDS."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
ACCOUNT_KEY = f"arn:aws:iam::{ACCOUNT}:root"
SERVICE_KEY = f"aws_cloudtrail:{ACCOUNT}"
GROUP_ARN = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:trail-logs"


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


def of_type(result, type_):
    return [r for r in result.job_state.relationships() if r["_type"] == type_]


@pytest.fixture
def trails(client):
    s3 = client("s3", "us-east-1")
    for bucket in ("audit-logs", "customer-data", "scratch-space"):
        s3.create_bucket(Bucket=bucket)
    east = client("cloudtrail", "us-east-1")
    east.create_trail(
        Name="everywhere",
        S3BucketName="audit-logs",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        CloudWatchLogsLogGroupArn=f"{GROUP_ARN}:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/trail-to-logs",
        TagsList=[{"Key": "owner", "Value": "security"}],
    )
    east.put_event_selectors(
        TrailName="everywhere",
        EventSelectors=[
            {
                "ReadWriteType": "All",
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::customer-data/"]}],
            }
        ],
    )
    east.start_logging(Name="everywhere")
    eu = client("cloudtrail", "eu-west-1")
    eu.create_trail(Name="eu-only", S3BucketName="audit-logs")
    eu.put_event_selectors(
        TrailName="eu-only",
        AdvancedEventSelectors=[
            {
                "Name": "every bucket's writes",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                ],
            }
        ],
    )
    client("cloudtrail", "ap-south-1").create_trail(Name="not-asked-for", S3BucketName="audit-logs")


def test_one_service_entity_and_each_trail_as_its_logs_relationships(run_steps, trails):
    result = run_steps("fetch-cloudtrail-trails")
    assert status(result, "fetch-cloudtrail-trails").status is StepStatus.SUCCESS
    (service,) = result.job_state.iter_entities("aws_cloudtrail")
    assert service["_key"] == SERVICE_KEY and service["_class"] == ["Service"]
    assert service["accountId"] == ACCOUNT
    assert service["multiRegionLogging"] is True  # "everywhere" is multi-region and logging
    has = of_type(result, "aws_account_has_cloudtrail")
    assert [(r["_fromEntityKey"], r["_toEntityKey"]) for r in has] == [(ACCOUNT_KEY, SERVICE_KEY)]

    to_buckets = {r["name"]: r for r in of_type(result, "aws_cloudtrail_logs_s3_bucket")}
    assert set(to_buckets) == {"everywhere", "eu-only"}  # the multi-region trail once; ap-south-1 not read
    everywhere, eu_only = to_buckets["everywhere"], to_buckets["eu-only"]
    trail_arn = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/everywhere"
    assert everywhere["_fromEntityKey"] == SERVICE_KEY
    assert everywhere["_toEntityKey"] == "arn:aws:s3:::audit-logs"
    assert everywhere["_key"] == f"{SERVICE_KEY}|logs|arn:aws:s3:::audit-logs|{trail_arn}"
    assert everywhere["trailArn"] == trail_arn and everywhere["homeRegion"] == "us-east-1"
    assert everywhere["isMultiRegionTrail"] is True and everywhere["isLogging"] is True
    assert everywhere["logFileValidationEnabled"] is True and everywhere["includeGlobalServiceEvents"] is True
    assert everywhere["tag.owner"] == "security" and everywhere["accountId"] == ACCOUNT
    assert eu_only["isMultiRegionTrail"] is False and eu_only["isLogging"] is False
    assert eu_only["homeRegion"] == "eu-west-1" and eu_only["logFileValidationEnabled"] is False
    # Only primitive values on a relationship, as JupiterOne's relationship schema requires.
    for relationship in result.job_state.relationships():
        assert all(not isinstance(v, (list, dict)) for v in relationship.values()), relationship

    (to_group,) = of_type(result, "aws_cloudtrail_logs_cloudwatch_log_group")
    assert to_group["_toEntityKey"] == GROUP_ARN and to_group["name"] == "everywhere"
    assert to_group["isMultiRegionTrail"] is True


def test_s3_data_events_are_sends_relationships(run_steps, trails):
    result = run_steps("fetch-cloudtrail-trails", "create-cloudtrail-bucket-data-events")
    for step_id in ("fetch-cloudtrail-trails", "create-cloudtrail-bucket-data-events", "fetch-s3-buckets"):
        assert status(result, step_id).status is StepStatus.SUCCESS, step_id
    sends = {(r["_fromEntityKey"], r["name"]) for r in of_type(result, "aws_s3_bucket_sends_cloudtrail")}
    # "everywhere" names one bucket; "eu-only" logs every bucket of the account.
    assert sends == {
        ("arn:aws:s3:::customer-data", "everywhere"),
        *{(f"arn:aws:s3:::{b}", "eu-only") for b in ("audit-logs", "customer-data", "scratch-space")},
    }
    assert all(r["_toEntityKey"] == SERVICE_KEY for r in of_type(result, "aws_s3_bucket_sends_cloudtrail"))
    (service_sends,) = of_type(result, "aws_s3_sends_cloudtrail")
    assert service_sends["_fromEntityKey"] == f"aws_s3:{ACCOUNT}" and service_sends["name"] == "eu-only"


def test_an_account_without_trails_has_the_service_and_no_logs(run_steps):
    result = run_steps("fetch-cloudtrail-trails")
    (service,) = result.job_state.iter_entities("aws_cloudtrail")
    assert service["_key"] == SERVICE_KEY and service["multiRegionLogging"] is False
    assert not of_type(result, "aws_cloudtrail_logs_s3_bucket")


@pytest.fixture
def deny_cloudtrail_in_eu():
    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "SCP"}}, model.name)

    entry = ("before-call.cloudtrail.DescribeTrails", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_region_keeps_the_others(run_steps, trails, deny_cloudtrail_in_eu):
    result = run_steps("fetch-cloudtrail-trails")
    step = status(result, "fetch-cloudtrail-trails")
    assert step.status is StepStatus.FAILURE
    assert step.error == (
        "fetch-cloudtrail-trails: eu-west-1: access denied (AccessDeniedException); the role needs "
        "cloudtrail:DescribeTrails, cloudtrail:GetTrailStatus, cloudtrail:ListTags, "
        "cloudtrail:GetEventSelectors"
    )
    assert [r["name"] for r in of_type(result, "aws_cloudtrail_logs_s3_bucket")] == ["everywhere"]
    assert {"aws_cloudtrail_logs_s3_bucket", "aws_s3_bucket_sends_cloudtrail"} <= set(result.partial_types)
    assert "aws_cloudtrail" not in result.partial_types  # the service entity's own step succeeded
    (service,) = result.job_state.iter_entities("aws_cloudtrail")
    assert service["multiRegionLogging"] is True  # seen in us-east-1, whatever eu-west-1 would say


def test_a_multi_region_trail_is_kept_when_its_home_region_is_not_read(run_steps, trails):
    result = run_steps("fetch-cloudtrail-trails", regions=("eu-west-1", "ap-south-1"))
    names = sorted(r["name"] for r in of_type(result, "aws_cloudtrail_logs_s3_bucket"))
    assert names == ["eu-only", "everywhere", "not-asked-for"]
    everywhere = next(
        r for r in of_type(result, "aws_cloudtrail_logs_s3_bucket") if r["name"] == "everywhere"
    )
    assert everywhere["homeRegion"] == "us-east-1" and everywhere["isLogging"] is True


@pytest.fixture
def odd_trails():
    """DescribeTrails also lists, in us-east-1, a trail without an ARN and one whose ARN names no
    account, as AWS might send them."""
    odd = [{"Name": "no-arn", "S3BucketName": "audit-logs"}, {"TrailARN": "not-an-arn", "Name": "x"}]

    def hook(parsed, context, **_):
        if context.get("client_region") == "us-east-1":
            parsed["trailList"].extend(odd)

    entry = ("after-call.cloudtrail.DescribeTrails", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_trail_without_an_arn_is_left_out_and_the_others_kept(run_steps, trails, odd_trails):
    result = run_steps("fetch-cloudtrail-trails")
    step = status(result, "fetch-cloudtrail-trails")
    assert step.status is StepStatus.SUCCESS
    names = sorted(r["name"] for r in of_type(result, "aws_cloudtrail_logs_s3_bucket"))
    assert names == ["eu-only", "everywhere"]
    assert sorted(step.warnings) == [
        "us-east-1: trail 'no-arn': a trail with an empty TrailARN left out: it has no id",
        "us-east-1: trail 'not-an-arn': a trail whose TrailARN 'not-an-arn' names no account left out",
    ]
