"""CloudTrail: per account, a multi-region trail in the first region that logs to its own bucket and
to a CloudWatch log group (kept a year, encrypted), with S3 data events of the S3 seed's data
bucket; and, in the last region, a single-region trail that logs data events of every bucket and
validates no log files (what the CIS checks flag)."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.s3 import a_key_arn, create_bucket, data_bucket

TRAIL_LOG_GROUP = "graph-aws-demo/cloudtrail"


def trail_bucket(account_id: str) -> str:
    return f"graph-aws-trail-{account_id}"  # bucket names are global: one per account


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    home = regions[0]
    bucket = trail_bucket(account_id)
    create_bucket(client("s3", home), bucket, home)
    key = a_key_arn(client("kms", home))
    logs = client("logs", home)
    logs.create_log_group(logGroupName=TRAIL_LOG_GROUP, kmsKeyId=key)
    logs.put_retention_policy(logGroupName=TRAIL_LOG_GROUP, retentionInDays=365)
    cloudtrail = client("cloudtrail", home)
    cloudtrail.create_trail(
        Name="account-audit",
        S3BucketName=bucket,
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{home}:{account_id}:log-group:{TRAIL_LOG_GROUP}:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{account_id}:role/CloudTrailToCloudWatch",
        TagsList=[{"Key": "owner", "Value": "security"}],
    )
    cloudtrail.put_event_selectors(
        TrailName="account-audit",
        EventSelectors=[
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": True,
                "DataResources": [
                    {"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{data_bucket(account_id, home)}/"]}
                ],
            }
        ],
    )
    cloudtrail.start_logging(Name="account-audit")
    regional = client("cloudtrail", regions[-1])
    regional.create_trail(Name="regional-data-events", S3BucketName=bucket)
    regional.put_event_selectors(
        TrailName="regional-data-events",
        EventSelectors=[
            {
                "ReadWriteType": "WriteOnly",
                "IncludeManagementEvents": False,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
            }
        ],
    )
