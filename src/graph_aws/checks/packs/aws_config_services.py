"""JupiterOne's aws-config pack, continued: the rules over load balancers, CloudWatch, DynamoDB, SNS,
CloudFront, CloudFormation, Auto Scaling, EKS, Redshift and WAF. Each is "not collected" until its
types are in the store.
"""

from __future__ import annotations

from graph_aws.checks.packs.aws_config import pack_rule
from graph_aws.checks.rules import Rule

# AWS's predefined policies for classic load balancers, as JupiterOne's two ELB policy rules list them.
_PREDEFINED_SSL_POLICY_NAMES = (
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-2015-05",
    "ELBSecurityPolicy-2015-03",
    "ELBSecurityPolicy-2015-02",
    "ELBSecurityPolicy-2014-10",
    "ELBSecurityPolicy-2014-01",
    "ELBSecurityPolicy-2011-08",
    "ELBSample-ELBDefaultNegotiationPolicy",
    "ELBSample-ELBDefaultCipherPolicy",
    "ELBSample-OpenSSLDefaultNegotiationPolicy",
    "ELBSample-OpenSSLDefaultCipherPolicy",
)
PREDEFINED_SSL_POLICIES = "(" + " OR ".join(f"'{name}'" for name in _PREDEFINED_SSL_POLICY_NAMES) + ")"

RULES: tuple[Rule, ...] = (
    pack_rule(
        "alb-http-drop-invalid-header-enabled",
        "high",
        "Application load balancers drop invalid headers",
        "FIND aws_alb WITH dropInvalidHeaders != true",
        "aws_alb",
    ),
    pack_rule(
        "alb-waf-enabled",
        "medium",
        "Application load balancers are behind a WAF web ACL",
        "FIND aws_alb THAT !PROTECTS (aws_waf_web_acl|aws_waf_v2_web_acl)",
        "aws_alb",
    ),
    pack_rule(
        "alb-http-to-https-redirection-check",
        "high",
        "HTTP listeners of application load balancers redirect to HTTPS",
        "FIND aws_alb THAT HAS aws_lb_listener WITH protocol = 'HTTP' AND defaultAction != 'redirect'",
        "aws_alb",
        "aws_lb_listener",
    ),
    pack_rule(
        "elb-deletion-protection-enabled",
        "medium",
        "Load balancers have deletion protection",
        "FIND (aws_elb|aws_nlb|aws_alb) WITH deletionProtection != true",
        "(aws_elb|aws_nlb|aws_alb)",
    ),
    pack_rule(
        "elbv2-acm-certificate-required",
        "medium",
        "Application and network load balancers use ACM certificates",
        "FIND (aws_alb|aws_nlb) THAT !USES aws_acm_certificate",
        "(aws_alb|aws_nlb)",
    ),
    pack_rule(
        "elb-acm-certificate-required",
        "medium",
        "Classic load balancers use ACM certificates",
        "FIND aws_elb THAT !USES aws_acm_certificate",
        "aws_elb",
    ),
    pack_rule(
        "elb-tls-https-listeners-only",
        "medium",
        "Classic load balancers listen with SSL or HTTPS only",
        "FIND aws_elb THAT HAS aws_lb_listener WITH protocol != ('HTTPS' OR 'SSL')",
        "aws_elb",
        "aws_lb_listener",
    ),
    # Inventories, as in JupiterOne's pack (info): classic listeners on a custom or a predefined policy.
    *(
        pack_rule(
            f"elb-{kind}-security-policy-ssl-check",
            "info",
            f"Classic load balancers whose HTTPS listeners use a {kind} security policy",
            "FIND aws_elb THAT HAS aws_lb_listener "
            f"WITH protocol = 'HTTPS' AND sslPolicy {op} {PREDEFINED_SSL_POLICIES}",
            "aws_elb",
            "aws_lb_listener",
        )
        for kind, op in (("custom", "!="), ("predefined", "="))
    ),
    pack_rule(
        "cloudwatch-alarm-action-check",
        "low",
        "CloudWatch alarms have an action",
        "FIND aws_cloudwatch_metric_alarm WITH okActions = undefined AND alarmActions = undefined "
        "AND insufficientDataActions = undefined",
        "aws_cloudwatch_metric_alarm",
    ),
    pack_rule(
        "cw-loggroup-retention-period-check",
        "low",
        "CloudWatch log groups keep their logs a year",
        # A group that never expires has no retentionInDays: compliant for AWS Config (JupiterOne's
        # query reports it).
        "FIND aws_cloudwatch_log_group WITH retentionInDays < 365",
        "aws_cloudwatch_log_group",
    ),
    pack_rule(
        "cloudwatch-log-group-encrypted",
        "medium",
        "CloudWatch log groups are encrypted with a customer-managed key",
        "FIND aws_cloudwatch_log_group THAT !USES aws_kms_key WITH keyManager = 'CUSTOMER'",
        "aws_cloudwatch_log_group",
    ),
    pack_rule(
        "dynamodb-pitr-enabled",
        "high",
        "DynamoDB tables have point-in-time recovery",
        "FIND aws_dynamodb_table WITH pointInTimeRecoveryEnabled != true",
        "aws_dynamodb_table",
    ),
    pack_rule(
        "dynamodb-tables-kms-encrypted",
        "high",
        "DynamoDB tables are encrypted with KMS",
        "FIND aws_dynamodb_table WITH encryptionAlgorithm != 'KMS'",
        "aws_dynamodb_table",
    ),
    pack_rule(
        "dynamodb-table-encryption-enabled",
        "high",
        "DynamoDB tables are encrypted",
        "FIND aws_dynamodb_table WITH encrypted != true",
        "aws_dynamodb_table",
    ),
    pack_rule(
        "dynamodb-resources-protected-by-backup-plan",
        "high",
        "DynamoDB tables have continuous backups",
        "FIND aws_dynamodb_table WITH continuousBackupEnabled != true",
        "aws_dynamodb_table",
    ),
    pack_rule(
        "sns-encrypted-kms",
        "high",
        "SNS topics are encrypted with KMS",
        "FIND aws_sns_topic THAT !USES aws_kms_key",
        "aws_sns_topic",
    ),
    pack_rule(
        "cloudfront-associated-with-waf",
        "medium",
        "CloudFront distributions are behind a WAF web ACL",
        "FIND aws_cloudfront_distribution THAT !PROTECTS (aws_waf_web_acl|aws_waf_v2_web_acl)",
        "aws_cloudfront_distribution",
    ),
    pack_rule(
        "cloudfront-default-root-object-configured",
        "medium",
        "CloudFront distributions have a default root object",
        "FIND aws_cloudfront_distribution WITH defaultRootObject = '' OR defaultRootObject = undefined",
        "aws_cloudfront_distribution",
    ),
    pack_rule(
        "cloudformation-stack-drift-detection-check",
        "medium",
        "CloudFormation stacks have not drifted",
        "FIND aws_cloudformation_stack WITH driftStatus = 'DRIFTED'",
        "aws_cloudformation_stack",
    ),
    pack_rule(
        "cloudformation-stack-drift-detection-not-checked",
        "info",
        "CloudFormation stacks have been checked for drift",
        "FIND aws_cloudformation_stack WITH driftStatus = 'NOT_CHECKED'",
        "aws_cloudformation_stack",
    ),
    pack_rule(
        "cloudformation-stack-notification-check",
        "info",
        "CloudFormation stacks notify an SNS topic",
        "FIND aws_cloudformation_stack WITH notificationArns = undefined OR notificationArns !~= 'arn:aws'",
        "aws_cloudformation_stack",
    ),
    pack_rule(
        "autoscaling-group-elb-healthcheck-required",
        "info",
        "Auto Scaling groups behind a load balancer use its health checks",
        "FIND aws_autoscaling_group WITH (targetGroupARNs != undefined OR LoadBalancerNames != undefined) "
        "AND healthCheckType = 'EC2'",
        "aws_autoscaling_group",
    ),
    pack_rule(
        "eks-endpoint-no-public-access",
        "high",
        "EKS cluster endpoints are not public",
        "FIND aws_eks_cluster WITH vpcEndpointPublicAccess = true",
        "aws_eks_cluster",
    ),
    pack_rule(
        "redshift-require-tls-ssl",
        "high",
        "Redshift clusters require TLS",
        "FIND aws_redshift_cluster THAT USES aws_redshift_cluster_parameter_group "
        "WITH parameter.requireSsl != true",
        "aws_redshift_cluster",
    ),
    pack_rule(
        "fms-webacl-resource-policy-check",
        "medium",
        "WAF web ACLs protect something",
        "FIND (aws_waf_web_acl|aws_waf_v2_web_acl) THAT !(HAS|PROTECTS) "
        "(aws_api_gateway_rest_api|aws_api_gateway_v2_api|aws_alb|aws_cloudfront_distribution)",
        "(aws_waf_web_acl|aws_waf_v2_web_acl)",
    ),
)
