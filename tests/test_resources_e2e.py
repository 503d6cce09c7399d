"""Every resource type, in two regions, through the real command line on moto's server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from graph_aws.aws.jobs import account_job_steps
from graph_aws.demo.emulator import build_organization
from helpers import EXTERNAL_ID, ROLE

REGIONS = ("us-east-1", "eu-west-1")
COLLECT = ("collect", "--organization", "--role-name", ROLE, "--regions", ",".join(REGIONS))
SECRET_ENV = {"GRAPH_AWS_EXTERNAL_ID": EXTERNAL_ID}


def types_in(db: Path) -> dict[str, set[str]]:
    """type -> the regions its entities were found in ('' for global ones)."""
    found: dict[str, set[str]] = {}
    rows = sqlite3.connect(db).execute("SELECT type, json_extract(data, '$.region') FROM entity")
    for type_, region in rows:
        found.setdefault(type_, set()).add(region or "")
    for (type_,) in sqlite3.connect(db).execute("SELECT DISTINCT type FROM relationship"):
        found.setdefault(type_, set())
    return found


def test_an_organization_with_every_resource_type_in_two_regions(emulated, tmp_path):
    org = build_organization(4, users_per_account=1, resource_regions=REGIONS, seeded_members=4)
    db = tmp_path / "graph.db"
    result = emulated.cli(*COLLECT, db=db, env=SECRET_ENV)
    assert result.returncode == 0, result.stderr

    found = types_in(db)
    declared = {t for step in account_job_steps() for t in step.declared_types}
    assert declared <= found.keys(), f"never collected: {sorted(declared - found.keys())}"
    for regional in (
        "aws_vpc",
        "aws_subnet",
        "aws_security_group",
        "aws_instance",
        "aws_ebs_volume",
        "aws_kms_key",
        "aws_lambda_function",
        "aws_db_instance",
        "aws_acm_certificate",
        "aws_ecs_task",
        "aws_eks_cluster",
        "aws_ecr_image",
        "aws_sns_subscription",
        "aws_sqs_queue",
        "aws_kinesis_stream",
        "aws_redshift_cluster",
        "aws_elasticache_redis_cluster",
        "aws_elasticsearch_domain",
        "aws_api_gateway_rest_api",
        "aws_api_gateway_v2_route",
    ):
        assert found[regional] == set(REGIONS), regional
    for global_type in ("aws_route53_zone", "aws_route53_record", "aws_route53_domain"):
        assert found[global_type] == {""}, global_type
    # A resource of a seeded member, keyed by its ARN in that member's account and region.
    member = org.unreachable  # not denied here: an ordinary seeded member
    vpcs = (
        sqlite3.connect(db)
        .execute(
            "SELECT key FROM entity WHERE type='aws_vpc' AND json_extract(data, '$.accountId')=?", (member,)
        )
        .fetchall()
    )
    assert {key.split(":")[3] for (key,) in vpcs} == set(REGIONS)
    # No list call twice for the same account, region and page: one ListBuckets per ingested account.
    ingested = 1 + 4 - 2  # the management account and the members, less the skipped and the suspended
    assert emulated.proxy.calls["s3:ListBuckets"] == ingested
    # And one listing per account and region (per account for a global one) of each of these.
    per_region = {
        "ec2:DescribeSnapshots": 1,
        "ec2:DescribeKeyPairs": 1,
        "ec2:DescribeLaunchTemplates": 1,
        "ec2:DescribeVpnGateways": 1,
        "ec2:DescribeVpcPeeringConnections": 1,
        "ec2:DescribeFlowLogs": 1,
        "ec2:GetEbsEncryptionByDefault": 1,
        "logs:DescribeLogGroups": 1,
        "logs:DescribeMetricFilters": 1,
        "monitoring:DescribeAlarms": 1,
        "elasticloadbalancing:DescribeLoadBalancers": 2,  # classic and v2 share the name
        "elasticloadbalancing:DescribeTargetGroups": 1,
        "dynamodb:ListTables": 1,
        "elasticfilesystem:File-systems": 1,
        "cloudformation:DescribeStacks": 1,
        "rds:DescribeDBSnapshots": 1,
        "rds:DescribeDBClusterSnapshots": 1,
        "waf-regional:ListWebACLs": 1,
    }
    for operation, calls in per_region.items():
        assert emulated.proxy.calls[operation] == calls * ingested * len(REGIONS), operation
    assert emulated.proxy.calls["waf:ListWebACLs"] == ingested
    assert emulated.proxy.calls["wafv2:ListWebACLs"] == ingested * (len(REGIONS) + 1)  # and CloudFront's


def test_a_denied_service_is_partial_kept_and_reported(emulated, tmp_path):
    build_organization(4, users_per_account=1, resource_regions=REGIONS, seeded_members=1)
    db = tmp_path / "graph.db"
    assert emulated.cli(*COLLECT, db=db, env=SECRET_ENV).returncode == 0
    keys_before = (
        sqlite3.connect(db).execute("SELECT COUNT(*) FROM entity WHERE type='aws_kms_key'").fetchone()[0]
    )
    assert keys_before > 0

    emulated.proxy.faults.fail_operation = "kms:ListKeys"  # as a service control policy would answer
    denied = emulated.cli(*COLLECT, db=db, env=SECRET_ENV)
    assert denied.returncode == 1
    assert "fetch-kms-keys" in denied.stderr and "access denied" in denied.stderr
    keys_after = (
        sqlite3.connect(db).execute("SELECT COUNT(*) FROM entity WHERE type='aws_kms_key'").fetchone()[0]
    )
    assert keys_after == keys_before  # partial: kept, not deleted
    assert types_in(db)["aws_vpc"] == set(REGIONS)  # the other services finished

    accounts = json.loads(emulated.cli("accounts", "--format", "json", db=db).stdout)
    partial = [a for a in accounts if a["lastOutcome"] == "partial"]
    assert partial and all("fetch-kms-keys" in a["reason"] for a in partial)
