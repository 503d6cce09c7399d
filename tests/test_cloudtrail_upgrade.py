"""A store written by the version that made one `aws_cloudtrail` entity per trail is upgraded by the
next collect: the trail entities and their relationships go, the service entity and its LOGS
relationships come, and nothing is left pointing at a trail's old key."""

from __future__ import annotations

import boto3

from graph_aws.config import load_settings
from graph_aws.runner import Runner
from graph_aws.store.base import account_scope

ACCOUNT = "123456789012"  # moto's default account: the ambient credentials act in it
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/audit"
BUCKET_KEY = "arn:aws:s3:::audit-logs-upgrade"


def previous_version_objects():
    """The trail as the previous version stored it (cloudtrail.py before the service entity)."""
    trail = {
        "_key": TRAIL_ARN,
        "_type": "aws_cloudtrail",
        "_class": ["Service"],
        "name": "audit",
        "displayName": "audit",
        "arn": TRAIL_ARN,
        "isMultiRegionTrail": True,
        "isLogging": True,
        "accountId": ACCOUNT,
        "region": "us-east-1",
    }
    has = {
        "_key": f"arn:aws:iam::{ACCOUNT}:root|has|{TRAIL_ARN}",
        "_type": "aws_account_has_cloudtrail",
        "_class": "HAS",
        "_fromEntityKey": f"arn:aws:iam::{ACCOUNT}:root",
        "_toEntityKey": TRAIL_ARN,
        "displayName": "HAS",
    }
    logs = {
        "_key": f"{TRAIL_ARN}|logs|{BUCKET_KEY}",
        "_type": "aws_cloudtrail_logs_s3_bucket",
        "_class": "LOGS",
        "_fromEntityKey": TRAIL_ARN,
        "_toEntityKey": BUCKET_KEY,
        "displayName": "LOGS",
        "name": "audit",
        "isMultiRegionTrail": True,
    }
    return [trail], [has, logs]


def test_the_next_collect_replaces_trail_entities_with_the_service_and_its_edges(mock_aws, store):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="audit-logs-upgrade")
    cloudtrail = boto3.client("cloudtrail", region_name="us-east-1")
    cloudtrail.create_trail(Name="audit", S3BucketName="audit-logs-upgrade", IsMultiRegionTrail=True)
    entities, relationships = previous_version_objects()
    store.sync_scope(account_scope(ACCOUNT), entities, relationships)
    assert [e["_key"] for e in store.entities("aws_cloudtrail")] == [TRAIL_ARN]

    report = Runner(load_settings({"regions": ["us-east-1"]}, None, {}), store).run()
    assert report.succeeded, report.failures

    assert [e["_key"] for e in store.entities("aws_cloudtrail")] == [f"aws_cloudtrail:{ACCOUNT}"]
    (logs,) = store.relationships("aws_cloudtrail_logs_s3_bucket")
    assert logs["_fromEntityKey"] == f"aws_cloudtrail:{ACCOUNT}" and logs["_toEntityKey"] == BUCKET_KEY
    assert logs["trailArn"] == TRAIL_ARN and logs["isMultiRegionTrail"] is True
    keys = {e["_key"] for e in store.entities()}
    dangling = [
        r["_key"]
        for r in store.relationships()
        if "cloudtrail" in r["_type"]
        and (TRAIL_ARN in (r["_fromEntityKey"], r["_toEntityKey"]) or r["_fromEntityKey"] not in keys)
    ]
    assert dangling == []
