"""JupiterOne's rule-pack questions on CloudWatch, CloudTrail, KMS, load balancers, CloudFront, WAF,
DynamoDB, EFS, CloudFormation, RDS snapshots and VPC networking, asked of one account that the
demo's seeds fill in two regions, collected by every account step and stored: each finds the
seeded violators, and only them.

The queries are written here in graph-aws's words, each naming the JupiterOne rule (pack: rule) it
follows; the rule packs themselves are not copied.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest

from graph_aws.aws.context import AccountResources
from graph_aws.aws.jobs import account_job_steps
from graph_aws.aws.sessions import ambient_session
from graph_aws.aws.shared_clients import SharedClients
from graph_aws.demo.emulator import patch_moto
from graph_aws.demo.seeds import seed_account
from graph_aws.engine import execute_steps
from graph_aws.query import run_query
from graph_aws.store import SqliteStore
from helpers import FAKE_CREDENTIALS

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Iterator[SqliteStore]:
    from moto import mock_aws

    patch_moto()
    with pytest.MonkeyPatch.context() as env, mock_aws():
        for name, value in FAKE_CREDENTIALS.items():
            env.setenv(name, value)
        env.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        clients: dict[tuple[str, str], object] = {}

        def client(service: str, region: str) -> object:
            if (service, region) not in clients:
                clients[service, region] = boto3.client(service, region_name=region)
            return clients[service, region]

        seed_account(client, ACCOUNT, REGIONS)
        # A policy on two services whose IAM prefix is not their entity's name.
        readers = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["elasticfilesystem:DescribeFileSystems", "wafv2:ListWebACLs"],
                    "Resource": "*",
                }
            ],
        }
        client("iam", REGIONS[0]).create_policy(
            PolicyName="storage-readers", PolicyDocument=json.dumps(readers)
        )
        resources = AccountResources(
            session=ambient_session().bind(SharedClients(), 4),
            account_id=ACCOUNT,
            partition="aws",
            requested_regions=tuple(REGIONS),
        )
        try:
            result = execute_steps(account_job_steps(), resources, concurrency=4)
        finally:
            resources.close()
        assert not result.failed_steps, [(r.id, r.error) for r in result.failed_steps]
        db = SqliteStore(tmp_path_factory.mktemp("seeded") / "graph.db")
        db.sync_scope(f"account:{ACCOUNT}", result.job_state.entities(), result.job_state.relationships())
        yield db
        db.close()


def rows(store: SqliteStore, query: str) -> list[tuple]:
    return sorted(run_query(store, query, page_size=None).rows)


def names(store: SqliteStore, query: str) -> list[str]:
    """The names of the entities a query without RETURN finds."""
    return sorted(e["name"] for (e,) in run_query(store, query, page_size=None).rows)


TWICE = sorted(REGIONS)  # one violator per seeded region


# CIS AWS Foundations 2.0, 4.1-4.14 ("is there a log metric filter and alarm for ..."): a full-text
# search for what the alarm watches.
CIS_ALARMS = {
    "console mfa": "no_mfa_console_signin_alarm",
    "authentication": "console_signin_failure_alarm",
    "cloudtrail change": "cloudtrail_cfg_changes_alarm",
    "root": "root_usage_alarm",
    "iam policy": "iam_changes_alarm",
    "vpc": "vpc_changes_alarm",
    "network gateway change": "network_gw_changes_alarm",
    "network acl": "nacl_changes_alarm",
    "s3 policy": "s3_bucket_policy_changes_alarm",
    "security group": "security_group_changes_alarm",
    "route table": "route_table_changes_alarm",
    "unauthorized cloudtrail": "unauthorized_api_calls_alarm",
}


@pytest.mark.parametrize(("words", "alarm"), sorted(CIS_ALARMS.items()))
def test_a_search_for_what_an_alarm_watches_finds_it(store, words, alarm):
    found = names(store, f'FIND "aws_cloudwatch_metric_alarm {words}"')
    # Every alarm's filter reads the trail's log group, so "cloudtrail" is in them all: a search is
    # a search, and may find more than the one alarm; it must find that one.
    assert alarm in found and "high-cpu-unwatched" not in found


def test_the_aws_config_alarm_and_the_alarm_patterns(store):
    # cis: is-there-a-log-metric-filter-and-alarm-for-aws-config-changes?
    assert names(store, "FIND 'AWS Config' WITH _type = 'aws_cloudwatch_metric_alarm'") == [
        "aws_config_changes_alarm"
    ]
    (alarm,) = [
        a for (a,) in run_query(store, "FIND aws_cloudwatch_metric_alarm WITH name = 'root_usage_alarm'").rows
    ]
    assert alarm["metricFilterLogGroupNames"] == ["graph-aws-demo/cloudtrail"]
    assert '$.userIdentity.type = "Root"' in alarm["metricFilterPatterns"][0]


def test_cloudtrail_questions(store):
    # cis: is-cloudtrail-logging-/-trails-integrated-with-cloudwatch-logs?
    assert rows(
        store,
        "FIND aws_cloudtrail AS ct THAT LOGS AS trail aws_cloudwatch_log_group AS group "
        "RETURN trail.name, trail.isMultiRegionTrail, group.displayName",
    ) == [("account-audit", True, "graph-aws-demo/cloudtrail")]
    # cis: is-cloudtrail-logging-enabled? (good, unknown and bad)
    assert rows(
        store,
        "FIND aws_cloudtrail THAT LOGS AS trail * AS to WHERE trail.includeGlobalServiceEvents = true "
        "AND trail.isMultiRegionTrail = true RETURN trail.name, to._type",
    ) == [("account-audit", "aws_cloudwatch_log_group"), ("account-audit", "aws_s3_bucket")]
    assert rows(
        store,
        "FIND aws_cloudtrail THAT LOGS AS trail * AS to WHERE trail.isMultiRegionTrail != true "
        "RETURN trail.name",
    ) == [("regional-data-events",)]
    assert (
        rows(store, "FIND aws_account THAT HAS aws_cloudtrail THAT !LOGS * RETURN aws_account.accountId")
        == []
    )
    # aws-config: cloud-trail-log-file-validation-enabled
    assert rows(
        store, "FIND aws_cloudtrail THAT LOGS AS t * WHERE t.logFileValidationEnabled != true RETURN t.name"
    ) == [("regional-data-events",)]
    # cis: is-encryption-enabled-on-the-s3-bucket-containing-cloudtrail-logs? (bad)
    assert names(store, "FIND aws_s3_bucket WITH encrypted != true THAT LOGS aws_cloudtrail") == [
        f"graph-aws-trail-{ACCOUNT}"
    ]
    # cis: is-the-s3-bucket-containing-cloudtrail-logs-publicly-accessible? (bad)
    assert (
        names(store, "FIND aws_cloudtrail THAT LOGS aws_s3_bucket AS b THAT ALLOWS Everyone RETURN b") == []
    )


def test_s3_object_level_logging(store):
    # cis: which-s3-buckets-have-object-level-logging-enabled? The every-bucket trail covers all of them.
    buckets = {b["name"] for b in (r[0] for r in run_query(store, "FIND aws_s3_bucket", page_size=None).rows)}
    assert set(names(store, "FIND aws_s3_bucket THAT SENDS aws_cloudtrail THAT LOGS TO *")) == buckets
    assert rows(store, "FIND aws_s3 THAT SENDS aws_cloudtrail THAT LOGS TO * RETURN aws_s3.accountId") == [
        (ACCOUNT,)
    ]


def test_kms_rotation(store):
    # cis: is-key-rotation-enabled-for-customer-managed-aws-kms-keys? (bad);
    # aws-config: cmk-backing-key-rotation-enabled
    unrotated = rows(
        store,
        "FIND aws_kms_key WITH keyManager = 'CUSTOMER' AND encryptionAlgorithms ~= 'SYMMETRIC' "
        "AND keyRotationEnabled != true AND keyState = 'Enabled' AS k RETURN k.description",
    )
    assert ("rotated",) not in unrotated and unrotated.count(("not rotated",)) == 2
    assert (
        rows(
            store,
            "FIND aws_kms_key WITH keyManager = 'CUSTOMER' AND encryptionAlgorithms = 'SYMMETRIC_DEFAULT' "
            "AND keyRotationEnabled != true AS k RETURN k.description",
        )
        == unrotated
    )


def test_network_questions(store):
    # cis: network ACLs that allow remote administration from the Internet: the default ACLs.
    assert rows(
        store,
        "FIND aws_network_acl AS acl THAT ALLOWS AS rule Internet WHERE rule.ingress = true "
        "AND rule.fromPort <= 22 AND rule.toPort >= 22 RETURN acl.default, acl.region",
    ) == [(True, r) for r in TWICE for _ in range(2)]
    # cis: what-are-the-vpc-peering-connections?
    assert rows(
        store, "FIND aws_vpc AS a THAT CONNECTS aws_vpc AS b RETURN a.CIDR, b.CIDR, a.region"
    ) == sorted(
        (*p, r) for r in REGIONS for p in (("10.1.0.0/16", "172.31.0.0/16"), ("172.31.0.0/16", "10.1.0.0/16"))
    )
    # cis: are-vpc-flow-logs-enabled?
    assert rows(
        store,
        "FIND aws_vpc AS vpc THAT LOGS AS flowLog * AS to RETURN vpc.CIDR, flowLog.trafficType, "
        "flowLog.active, to._type, vpc.region",
    ) == [
        ("10.1.0.0/16", "ALL", True, "aws_cloudwatch_log_group", "eu-west-1"),
        ("10.1.0.0/16", "ALL", True, "aws_cloudwatch_log_group", "us-east-1"),
        ("172.31.0.0/16", "REJECT", True, "aws_s3_bucket", "us-east-1"),
    ]
    # aws-config: vpc-flow-logs-enabled
    assert rows(
        store, "FIND aws_vpc AS vpc THAT !LOGS * WITH _type ^= 'aws_' RETURN vpc.CIDR, vpc.region"
    ) == [("172.31.0.0/16", "eu-west-1")]
    # aws-config: ec2-ebs-encryption-by-default
    assert rows(
        store,
        "FIND aws_ec2 THAT HAS aws_ec2_settings WITH ebsEncryptionByDefault != true AS s RETURN s.region",
    ) == [("eu-west-1",)]


def test_cloudwatch_logs_and_alarm_actions(store):
    # aws-config: cloudwatch-alarm-action-check
    assert (
        names(
            store,
            "FIND aws_cloudwatch_metric_alarm WITH (okActions = undefined AND alarmActions = undefined "
            "AND insufficientDataActions = undefined)",
        )
        == ["high-cpu-unwatched"] * 2
    )
    # aws-config: cw-loggroup-retention-period-check
    assert names(
        store, "FIND aws_cloudwatch_log_group WITH retentionInDays < 365 OR retentionInDays = undefined"
    ) == (["/graph-aws-demo/application"] * 2 + ["graph-aws-demo/vpc-flow-logs"] * 2)
    # aws-config: cloudwatch-log-group-encrypted
    assert "graph-aws-demo/cloudtrail" not in names(
        store, "FIND aws_cloudwatch_log_group THAT !USES aws_kms_key WITH keyManager = 'CUSTOMER'"
    )


def test_load_balancer_questions(store):
    # aws-config: alb-http-drop-invalid-header-enabled, alb-waf-enabled, alb-http-to-https-redirection-check
    assert names(store, "FIND aws_alb WITH dropInvalidHeaders != true") == ["graph-aws-demo-admin"] * 2
    assert names(store, "FIND aws_alb THAT !PROTECTS (aws_waf_web_acl | aws_waf_v2_web_acl)") == []
    assert (
        names(
            store,
            "FIND aws_alb THAT HAS aws_lb_listener WITH protocol = 'HTTP' AND defaultAction != 'redirect'",
        )
        == ["graph-aws-demo-app"] * 2
    )
    # aws-config: elb-tls-https-listeners-only, elb-acm-certificate-required,
    # elb-predefined-security-policy-ssl-check. The rules ask `category = 'classic'`, which the data
    # model's Gateway categories refuse; graph-aws says it in `loadBalancerType`.
    classic = ["graph-aws-demo-classic"] * 2
    assert (
        names(
            store,
            "FIND aws_elb WITH loadBalancerType = 'classic' THAT HAS aws_lb_listener "
            "WITH protocol != ('HTTPS' OR 'SSL')",
        )
        == classic
    )
    assert names(store, "FIND aws_elb WITH loadBalancerType = 'classic' THAT !USES aws_acm_certificate") == []
    assert (
        names(
            store,
            "FIND aws_elb WITH loadBalancerType = 'classic' THAT HAS aws_lb_listener WITH protocol = 'HTTPS' "
            "AND sslPolicy = ('ELBSecurityPolicy-2016-08' OR 'ELBSecurityPolicy-TLS-1-2-2017-01')",
        )
        == classic
    )
    # aws-config: elb-deletion-protection-enabled, elbv2-acm-certificate-required
    assert names(store, "FIND (aws_elb | aws_nlb | aws_alb) WITH deletionProtection != true") == sorted(
        classic + ["graph-aws-demo-admin"] * 2 + ["graph-aws-demo-net"] * 2
    )
    assert (
        names(store, "FIND (aws_alb | aws_nlb) THAT !USES aws_acm_certificate")
        == ["graph-aws-demo-admin"] * 2
    )


def test_autoscaling_health_checks(store):
    # aws-config: autoscaling-group-elb-healthcheck-required
    assert (
        names(
            store,
            "FIND aws_autoscaling_group WITH (targetGroupARNs != undefined "
            "OR LoadBalancerNames != undefined) AND healthCheckType = 'EC2'",
        )
        == ["graph-aws-demo-workers"] * 2
    )


def test_cloudfront_and_waf_questions(store):
    # aws-config: cloudfront-default-root-object-configured, cloudfront-associated-with-waf
    (legacy,) = run_query(store, "FIND aws_cloudfront_distribution WITH defaultRootObject = ''").rows
    assert legacy[0]["description"] == f"graph-aws-demo-legacy-{ACCOUNT}"
    assert (
        run_query(
            store, "FIND aws_cloudfront_distribution THAT !PROTECTS (aws_waf_web_acl | aws_waf_v2_web_acl)"
        ).rows
        == []
    )
    # aws-config: fms-webacl-resource-policy-check: every ACL protects something.
    assert (
        run_query(
            store,
            "FIND (aws_waf_web_acl | aws_waf_v2_web_acl) THAT !(HAS | PROTECTS) "
            "(aws_api_gateway_rest_api | aws_api_gateway_v2_api | aws_alb | aws_cloudfront_distribution)",
        ).rows
        == []
    )
    # aws-threat: aws-s3-public-access-via-cloudfront
    assert rows(
        store,
        "FIND Internet THAT CONNECTS aws_cloudfront_distribution WITH active = true AS cloudfront "
        "THAT CONNECTS aws_s3_bucket WITH classification != 'public' AS s3 RETURN s3.bucketName",
    ) == [(f"graph-aws-site-{ACCOUNT}-eu-west-1",)]


def test_data_store_questions(store):
    sessions = ["graph-aws-demo-sessions"] * 2
    # aws-config: dynamodb-pitr-enabled, dynamodb-tables-kms-encrypted, dynamodb-table-encryption-enabled
    assert names(store, "FIND aws_dynamodb_table WITH pointInTimeRecoveryEnabled != true") == sessions
    assert names(store, "FIND aws_dynamodb_table WITH encryptionAlgorithm != 'KMS'") == sessions
    assert names(store, "FIND aws_dynamodb_table WITH encrypted != true") == sessions
    # cis: are-there-unencrypted-efs-file-systems? (bad)
    assert names(store, "FIND aws_efs_file_system WITH encrypted != true") == ["graph-aws-demo-scratch"] * 2
    # aws-config: cloudformation-stack-drift-detection-not-checked, cloudformation-stack-notification-check
    assert names(
        store, "FIND aws_cloudformation_stack WITH driftStatus = 'NOT_CHECKED' AND drifted != true"
    ) == [
        "graph-aws-demo-app",
        "graph-aws-demo-network",
    ]
    assert names(store, "FIND aws_cloudformation_stack WITH notificationArns !~= 'arn:aws:sns'") == [
        "graph-aws-demo-app"
    ]
    # aws-config: rds-snapshots-public-prohibited, rds-snapshot-encrypted
    assert names(store, "FIND (aws_db_snapshot | aws_db_cluster_snapshot) WITH public = true") == (
        ["graph-aws-demo-legacy-export"] * 2
    )
    unencrypted = names(store, "FIND (aws_db_cluster_snapshot | aws_db_snapshot) WITH encrypted != true")
    assert unencrypted.count("graph-aws-demo-legacy-export") == 2
    assert "graph-aws-demo-before-upgrade" not in unencrypted


def test_policies_reach_services_named_otherwise_than_their_iam_prefix(store):
    # The policy graph's service grants: elasticfilesystem:* acts on aws_efs, wafv2:* on aws_waf_v2.
    assert rows(
        store,
        "FIND aws_iam_policy WITH name = 'storage-readers' THAT ALLOWS AS grant (aws_efs | aws_waf_v2) AS s "
        "RETURN s._type, grant.normalizedActions",
    ) == [("aws_efs", "elasticfilesystem:describefilesystems"), ("aws_waf_v2", "wafv2:listwebacls")]
