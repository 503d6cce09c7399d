"""CloudTrail: each trail once (in its home region), linked from the account and to its bucket."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
ACCOUNT_KEY = f"arn:aws:iam::{ACCOUNT}:root"


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


@pytest.fixture
def trails(client):
    client("s3", "us-east-1").create_bucket(Bucket="audit-logs")
    east = client("cloudtrail", "us-east-1")
    east.create_trail(
        Name="everywhere",
        S3BucketName="audit-logs",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        TagsList=[{"Key": "owner", "Value": "security"}],
    )
    east.start_logging(Name="everywhere")
    client("cloudtrail", "eu-west-1").create_trail(Name="eu-only", S3BucketName="audit-logs")
    client("cloudtrail", "ap-south-1").create_trail(Name="not-asked-for", S3BucketName="audit-logs")


def test_each_trail_once_with_its_status_and_bucket(run_steps, trails):
    result = run_steps("fetch-cloudtrail-trails")
    assert status(result, "fetch-cloudtrail-trails").status is StepStatus.SUCCESS
    found = {t["name"]: t for t in result.job_state.iter_entities("aws_cloudtrail")}
    assert set(found) == {"everywhere", "eu-only"}  # the multi-region trail once; ap-south-1 not read
    everywhere, eu_only = found["everywhere"], found["eu-only"]
    assert (
        everywhere["_key"] == everywhere["arn"] == f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/everywhere"
    )
    assert everywhere["_class"] == ["Service"] and everywhere["accountId"] == ACCOUNT
    assert everywhere["isMultiRegionTrail"] is True and everywhere["isLogging"] is True
    assert everywhere["logFileValidationEnabled"] is True and everywhere["includeGlobalServiceEvents"] is True
    assert everywhere["homeRegion"] == everywhere["region"] == "us-east-1"
    assert everywhere["s3BucketName"] == "audit-logs" and everywhere["tag.owner"] == "security"
    assert eu_only["isMultiRegionTrail"] is False and eu_only["isLogging"] is False
    assert eu_only["region"] == "eu-west-1"
    has = [r for r in result.job_state.relationships() if r["_type"] == "aws_account_has_cloudtrail"]
    assert {(r["_fromEntityKey"], r["_toEntityKey"]) for r in has} == {
        (ACCOUNT_KEY, t["_key"]) for t in found.values()
    }
    logs = {
        r["name"]: r
        for r in result.job_state.relationships()
        if r["_type"] == "aws_cloudtrail_logs_s3_bucket"
    }
    assert logs["everywhere"]["_toEntityKey"] == "arn:aws:s3:::audit-logs"
    # JupiterOne's CloudTrail rules read the trail's settings on the LOGS relationship.
    assert (
        logs["everywhere"]["isMultiRegionTrail"] is True and logs["everywhere"]["homeRegion"] == "us-east-1"
    )
    assert logs["everywhere"]["logFileValidationEnabled"] is True
    assert logs["eu-only"]["isMultiRegionTrail"] is False


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
        "cloudtrail:DescribeTrails, cloudtrail:GetTrailStatus, cloudtrail:ListTags"
    )
    assert [t["name"] for t in result.job_state.iter_entities("aws_cloudtrail")] == ["everywhere"]
    assert {"aws_cloudtrail", "aws_account_has_cloudtrail", "aws_cloudtrail_logs_s3_bucket"} <= set(
        result.partial_types
    )


def test_a_multi_region_trail_is_kept_when_its_home_region_is_not_read(run_steps, trails):
    result = run_steps("fetch-cloudtrail-trails", regions=("eu-west-1", "ap-south-1"))
    names = sorted(t["name"] for t in result.job_state.iter_entities("aws_cloudtrail"))
    assert names == ["eu-only", "everywhere", "not-asked-for"]
    everywhere = next(
        t for t in result.job_state.iter_entities("aws_cloudtrail") if t["name"] == "everywhere"
    )
    assert everywhere["region"] == "us-east-1" and everywhere["isLogging"] is True
