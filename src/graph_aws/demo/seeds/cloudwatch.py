"""CloudWatch: in the trail's home region, the CIS AWS Foundations 4.x log metric filters on the
trail's log group, each with an alarm that notifies a topic (the CIS names: a metric
`root_usage_metric` and an alarm `root_usage_alarm`, described by what it watches); in every
region, an application log group kept forever and unencrypted, and an alarm with no actions (what
the aws-config rules flag)."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.cloudtrail import TRAIL_LOG_GROUP

NAMESPACE = "CISBenchmark"

# CIS AWS Foundations Benchmark 2.0, section 4: each recommendation's metric name, what it watches
# (the alarm's description, in the words a search for it uses) and its metric filter's pattern.
CIS_FILTERS = {
    "unauthorized_api_calls": (
        "Unauthorized API calls recorded by CloudTrail",
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    ),
    "no_mfa_console_signin": (
        "Console sign-in without MFA",
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    ),
    "root_usage": (
        "Use of the root user",
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
        '&& $.eventType != "AwsServiceEvent" }',
    ),
    "iam_changes": (
        "IAM policy changes",
        "{ ($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || "
        "($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=CreatePolicy) || "
        "($.eventName=DeletePolicy) || "
        "($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) }",
    ),
    "cloudtrail_cfg_changes": (
        "CloudTrail configuration change",
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
        "($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    ),
    "console_signin_failure": (
        "Console authentication failures",
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    ),
    "disable_or_delete_cmk_changes": (
        "Disabling or scheduled deletion of customer-managed keys",
        "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || "
        "($.eventName = ScheduleKeyDeletion)) }",
    ),
    "s3_bucket_policy_changes": (
        "S3 bucket policy changes",
        "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || "
        "($.eventName = PutBucketPolicy) || ($.eventName = DeleteBucketPolicy)) }",
    ),
    "aws_config_changes": (
        "AWS Config configuration changes",
        "{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || "
        "($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel) || "
        "($.eventName = PutConfigurationRecorder)) }",
    ),
    "security_group_changes": (
        "Security group changes",
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupIngress) || "
        "($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
    ),
    "nacl_changes": (
        "Network ACL changes",
        "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || "
        "($.eventName = DeleteNetworkAcl) || ($.eventName = ReplaceNetworkAclEntry) }",
    ),
    "network_gw_changes": (
        "Network gateway change",
        "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || "
        "($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) }",
    ),
    "route_table_changes": (
        "Route table changes",
        "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || "
        "($.eventName = ReplaceRoute) || ($.eventName = DeleteRouteTable) }",
    ),
    "vpc_changes": (
        "VPC changes",
        "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || "
        "($.eventName = CreateVpcPeeringConnection) }",
    ),
}


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    home = regions[0]
    logs, cloudwatch = client("logs", home), client("cloudwatch", home)
    topic = f"arn:aws:sns:{home}:{account_id}:security-alerts"
    for name, (watches, pattern) in CIS_FILTERS.items():
        logs.put_metric_filter(
            logGroupName=TRAIL_LOG_GROUP,
            filterName=f"{name}_metric",
            filterPattern=pattern,
            metricTransformations=[
                {"metricName": f"{name}_metric", "metricNamespace": NAMESPACE, "metricValue": "1"}
            ],
        )
        cloudwatch.put_metric_alarm(
            AlarmName=f"{name}_alarm",
            AlarmDescription=watches,
            MetricName=f"{name}_metric",
            Namespace=NAMESPACE,
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic],
        )
    for region in regions:
        client("logs", region).create_log_group(logGroupName="/graph-aws-demo/application")
        client("cloudwatch", region).put_metric_alarm(
            AlarmName="high-cpu-unwatched",
            MetricName="CPUUtilization",
            Namespace="AWS/EC2",
            Statistic="Average",
            Period=300,
            EvaluationPeriods=2,
            Threshold=90,
            ComparisonOperator="GreaterThanThreshold",
        )
