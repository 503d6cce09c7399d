"""JupiterOne's aws-config pack, as checks: one rule per AWS Config managed rule that the graph can
answer, named as AWS Config names it, with the pack's alert level as its severity, in J1QL written
here that finds the failing entities.

Where JupiterOne's query reads a property graph-aws does not write, or asks something other than
the AWS Config rule it is named after, the rule says what it reads instead (docs/rule-packs.md).
"""

from __future__ import annotations

from typing import Any

from graph_aws.checks.rules import Rule

PACK = "aws-config"

ANY_IAM_POLICY = "(aws_iam_policy|aws_iam_user_policy|aws_iam_group_policy|aws_iam_role_policy)"
RDS = "(aws_db_instance|aws_rds_cluster)"
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


def _rule(name: str, severity: str, title: str, j1ql: str, *types: str, **more: Any) -> Rule:
    return Rule(
        id=name,
        title=title,
        severity=severity,
        control=f"AWS Config managed rule {name}",
        j1ql=j1ql,
        required_types=types,
        pack=PACK,
        follows=f"{PACK}.json: {name} (query0)",
        **more,
    )


def _tcp_port(port: int) -> str:
    return f"(rule.ipProtocol = ('tcp' OR '*') AND rule.fromPort <= {port} AND rule.toPort >= {port})"


RULES: tuple[Rule, ...] = (
    # Accounts and IAM
    _rule(
        "root-account-mfa-enabled",
        "critical",
        "The root user has MFA",
        "FIND aws_account WITH _source != 'system-mapper' AND mfaEnabled = false",
        "aws_account",
        collected_when="FIND aws_account WITH mfaEnabled != undefined",
    ),
    _rule(
        "iam-root-access-key-check",
        "critical",
        "The root user has no access keys",
        # JupiterOne reads rootUserAccessKeyEnabled (`!= false`), which the credential report gives
        # when it has the root user's row; the account summary's count is there in any case.
        "FIND aws_account WITH _source != 'system-mapper' "
        "AND (accountAccessKeysPresent > 0 OR rootUserAccessKeyEnabled = true)",
        "aws_account",
        collected_when="FIND aws_account WITH accountAccessKeysPresent != undefined",
    ),
    _rule(
        "account-part-of-organizations",
        "info",
        "Accounts belong to the organization",
        "FIND aws_account WITH _source != 'system-mapper' AND master != true "
        "THAT !HAS aws_account WITH master = true",
        "aws_account",
        collected_when="FIND aws_account WITH master = true",
        note="Only an organization collect (--organization) knows the management account.",
    ),
    _rule(
        "iam-password-policy",
        "high",
        "The password policy asks for every character class, 8 characters, 90 days, 12 remembered",
        "FIND aws_iam_account_password_policy WITH requireUppercase != true OR requireLowercase != true "
        "OR requireSymbols != true OR requireNumbers != true OR minLength < 8 OR maxAgeDays > 90 "
        "OR historyCount < 12",
        "aws_iam_account_password_policy",
    ),
    _rule(
        "iam-user-mfa-enabled",
        "critical",
        "IAM users have MFA",
        "FIND aws_iam_user WITH mfaEnabled != true",
        "aws_iam_user",
        collected_when="FIND aws_iam_user WITH mfaEnabled != undefined",
    ),
    _rule(
        "iam-user-no-policies-check",
        "medium",
        "IAM users have no policies of their own (only their groups')",
        "FIND aws_iam_user THAT ASSIGNED (aws_iam_user_policy|aws_iam_policy)",
        "aws_iam_user",
    ),
    _rule(
        "iam-user-group-membership-check",
        "high",
        "IAM users belong to a group",
        "FIND aws_iam_user THAT !HAS aws_iam_group",
        "aws_iam_user",
        "aws_iam_group",
    ),
    _rule(
        "iam-group-has-users-check",
        "high",
        "IAM groups have users",
        "FIND aws_iam_group THAT !HAS aws_iam_user",
        "aws_iam_group",
    ),
    _rule(
        "access-keys-rotated",
        "medium",
        "Active access keys are younger than 90 days",
        "FIND aws_iam_access_key WITH active = true AND createdOn < date.now - 90days",
        "aws_iam_access_key",
    ),
    _rule(
        "iam-policy-no-statements-with-full-access",
        "high",
        "Customer policies allow no full access (* or <service>:* on *)",
        f"FIND {ANY_IAM_POLICY} WITH vendorManaged != true THAT ALLOWS AS grant * WHERE grant.admin = true",
        "aws_iam_policy",
        collected_when="FIND AccessPolicy THAT ALLOWS *",
    ),
    _rule(
        "iam-role-managed-policy-check",
        "high",
        "AWS-managed policies in use are attached to roles",
        "FIND aws_iam_policy WITH vendorManaged = true THAT !ASSIGNED aws_iam_role",
        "aws_iam_policy",
        "aws_iam_role",
    ),
    _rule(
        "privileges-unused-for-90-days",
        "medium",
        "IAM roles were used in the last 90 days",
        "FIND aws_iam_role WITH lastUsedOn <= date.now - 90days",
        "aws_iam_role",
    ),
    # Certificates, keys, configuration
    _rule(
        "acm-certificate-expiration-check",
        "high",
        "No ACM certificate that AWS will not renew expires within 30 days",
        "FIND aws_acm_certificate WITH renewalEligibility != 'ELIGIBLE' "
        "AND expiresOn > date.now AND expiresOn < date.now + 30days",
        "aws_acm_certificate",
    ),
    _rule(
        "cmk-backing-key-rotation-enabled",
        "medium",
        "Enabled symmetric customer-managed KMS keys rotate",
        "FIND aws_kms_key WITH keyManager = 'CUSTOMER' AND keyState = 'Enabled' "
        "AND keySpec = 'SYMMETRIC_DEFAULT' AND rotationEnabled != true",
        "aws_kms_key",
    ),
    _rule(
        "config-rule-noncompliant",
        "medium",
        "AWS Config rules find nothing non-compliant",
        "FIND aws_config_rule WITH complianceState = 'NON_COMPLIANT'",
        "aws_config_rule",
    ),
    # EC2 and VPC
    _rule(
        "ec2-instances-in-vpc",
        "low",
        "Running EC2 instances are in a VPC",
        "FIND aws_instance WITH active = true AND vpcId = undefined",
        "aws_instance",
    ),
    _rule(
        "ec2-volume-inuse-check",
        "info",
        "EBS volumes are attached to an instance",
        "FIND aws_ebs_volume THAT !USES aws_instance",
        "aws_ebs_volume",
    ),
    _rule(
        "ec2-encrypted-volumes",
        "high",
        "EC2 instances use only encrypted volumes",
        "FIND aws_instance THAT USES aws_ebs_volume WITH encrypted != true",
        "aws_instance",
        "aws_ebs_volume",
    ),
    _rule(
        "ebs-optimized-instance",
        "info",
        "EC2 instances that can be EBS-optimized are",
        "FIND aws_instance WITH ebsOptimizationSupported = true AND ebsOptimized != true",
        "aws_instance",
    ),
    _rule(
        "ec2-instance-profile-attached",
        "medium",
        "EC2 instances have an instance profile",
        "FIND aws_instance WITH iamInstanceProfileArn = undefined",
        "aws_instance",
    ),
    _rule(
        "ec2-instance-detailed-monitoring-enabled",
        "low",
        "EC2 instances have detailed monitoring",
        "FIND aws_instance WITH monitoringState != 'enabled'",
        "aws_instance",
    ),
    _rule(
        "ec2-imdsv2-optional",
        "medium",
        "EC2 instances with the metadata service on require IMDSv2",
        "FIND aws_instance WITH httpEndpointEnabled = true AND httpTokens = 'optional'",
        "aws_instance",
    ),
    _rule(
        "ec2-stopped-instance",
        "medium",
        "No EC2 instance has been stopped for more than 30 days",
        "FIND aws_instance WITH state = 'stopped' AND stateChangedOn < date.now - 30days",
        "aws_instance",
    ),
    _rule(
        "desired-instance-tenancy",
        "info",
        "EC2 instances on shared tenancy",
        "FIND aws_instance WITH tenancy = 'default'",
        "aws_instance",
    ),
    _rule(
        "desired-instance-tenancy-dedicated-instance",
        "info",
        "EC2 instances on dedicated tenancy",
        "FIND aws_instance WITH tenancy = 'dedicated'",
        "aws_instance",
    ),
    _rule(
        "desired-instance-tenancy-dedicated-host",
        "info",
        "EC2 instances on dedicated hosts",
        "FIND aws_instance WITH tenancy = 'host'",
        "aws_instance",
    ),
    _rule(
        "ec2-restricted-ssh",
        "high",
        "No security group lets the Internet reach SSH (22)",
        f"FIND aws_security_group THAT ALLOWS AS rule internet WHERE rule.ingress = true AND {_tcp_port(22)}",
        "aws_security_group",
        note="AWS Config judges 0.0.0.0/0; JupiterOne's query also reports SSH from private ranges.",
    ),
    _rule(
        "restricted-ssh",
        "medium",
        "No security group lets the Internet reach SSH (22)",
        "FIND aws_security_group THAT ALLOWS AS rule internet "
        "WHERE rule.ingress = true AND rule.fromPort <= 22 AND rule.toPort >= 22",
        "aws_security_group",
    ),
    _rule(
        "restricted-common-ports",
        "high",
        "No security group lets the Internet reach TCP 20, 21, 3306, 3389 or 4333",
        "FIND aws_security_group THAT ALLOWS AS rule internet WHERE rule.ingress = true AND "
        f"({' OR '.join(_tcp_port(p) for p in (20, 21, 3306, 3389, 4333))})",
        "aws_security_group",
    ),
    _rule(
        "vpc-default-security-group-closed",
        "high",
        "Default security groups have no rules",
        "FIND aws_security_group WITH default = true THAT ALLOWS *",
        "aws_security_group",
        note="JupiterOne's query, `default = true AND egressRules != undefined OR ingressRules != "
        "undefined`, reports every group with inbound rules: AND binds first.",
    ),
    _rule(
        "nondefault-security-group-without-attachment",
        "high",
        "Security groups other than the default protect something",
        "FIND aws_security_group WITH default = false THAT !PROTECTS *",
        "aws_security_group",
    ),
    _rule(
        "vpc-network-acl-unused-check",
        "low",
        "Network ACLs protect a subnet",
        "FIND aws_network_acl THAT !PROTECTS aws_subnet",
        "aws_network_acl",
    ),
    _rule(
        "no-unrestricted-route-to-igw",
        "high",
        "No route table sends 0.0.0.0/0 to an internet gateway",
        "FIND aws_internet_gateway THAT CONNECTS internet",
        "aws_internet_gateway",
    ),
    _rule(
        "subnet-auto-assign-public-ip-disabled",
        "medium",
        "Subnets do not give instances public addresses",
        # JupiterOne reads `public = true AND internal = true`; AWS Config reads MapPublicIpOnLaunch.
        "FIND aws_subnet WITH mapPublicIpOnLaunch = true",
        "aws_subnet",
    ),
    _rule(
        "vpc-flow-logs-enabled",
        "medium",
        "VPCs have flow logs",
        "FIND aws_vpc THAT !LOGS *",
        "aws_vpc",
        # Flow logs are relationships only: with none anywhere, the step may not have run.
        collected_when="FIND aws_vpc THAT LOGS *",
        note="No VPC LOGS anywhere in the store: flow logs were not collected (or none exist at all).",
    ),
    _rule(
        "ec2-ebs-encryption-by-default",
        "high",
        "EBS encryption by default is on in every region",
        "FIND aws_ec2_settings WITH ebsEncryptionByDefault != true",
        "aws_ec2_settings",
    ),
    # Lambda
    _rule(
        "lambda-function-settings-check-runtime-nodejs610",
        "high",
        "No Lambda function runs Node.js 6.10 (end of life)",
        "FIND aws_lambda_function WITH runtime = 'nodejs6.10'",
        "aws_lambda_function",
    ),
    _rule(
        "lambda-function-settings-check-runtime-nodejs810",
        "high",
        "No Lambda function runs Node.js 8.10 (end of life)",
        "FIND aws_lambda_function WITH runtime = 'nodejs8.10'",
        "aws_lambda_function",
    ),
    _rule(
        "lambda-inside-vpc",
        "medium",
        "Lambda functions run in a VPC",
        "FIND aws_lambda_function THAT !HAS aws_subnet",
        "aws_lambda_function",
    ),
    # RDS
    _rule(
        "rds-storage-encrypted",
        "critical",
        "RDS instances and clusters are encrypted at rest",
        f"FIND {RDS} WITH encrypted != true",
        RDS,
    ),
    _rule(
        "rds-instance-public-access-check",
        "critical",
        "No publicly accessible RDS database has a security group open to the Internet",
        f"FIND {RDS} WITH public = true THAT PROTECTS aws_security_group THAT ALLOWS internet",
        RDS,
        collected_when="FIND aws_db_instance WITH public != undefined",
    ),
    _rule(
        "rds-db-instance-backup-enabled",
        "high",
        "RDS instances and clusters keep backups",
        # JupiterOne asks for an undefined period; AWS reports 0 days when backups are off.
        f"FIND {RDS} WITH backupRetentionPeriod = undefined OR backupRetentionPeriod < 1",
        RDS,
    ),
    _rule(
        "db-instance-backup-enabled",
        "high",
        "RDS instances and clusters have backups",
        f"FIND {RDS} WITH hasBackup != true",
        RDS,
    ),
    _rule(
        "rds-resources-protected-by-backup-plan",
        "high",
        "RDS instances have backups",
        "FIND aws_db_instance WITH hasBackup != true",
        "aws_db_instance",
    ),
    _rule(
        "rds-deletion-protection-enabled",
        "medium",
        "RDS instances and clusters have deletion protection",
        f"FIND {RDS} WITH deletionProtection != true",
        RDS,
    ),
    _rule(
        "rds-iam-authentication-enabled",
        "medium",
        "RDS instances and clusters accept IAM authentication",
        f"FIND {RDS} WITH iamDatabaseAuthenticationEnabled != true",
        RDS,
    ),
    _rule(
        "rds-automatic-minor-version-upgrade-enabled",
        "medium",
        "RDS instances take minor version upgrades automatically",
        "FIND aws_db_instance WITH autoMinorVersionUpgrade != true",
        "aws_db_instance",
    ),
    _rule(
        "rds-multi-az-support",
        "high",
        "RDS instances are Multi-AZ",
        "FIND aws_db_instance WITH multiAZ != true",
        "aws_db_instance",
    ),
    _rule(
        "rds-cluster-multi-az-enabled",
        "high",
        "Aurora clusters are Multi-AZ",
        # Aurora engines are aurora-mysql and aurora-postgresql: JupiterOne's `engine = 'aurora'` misses them.
        "FIND aws_rds_cluster WITH engine ^= 'aurora' AND multiAZ != true",
        "aws_rds_cluster",
    ),
    _rule(
        "rds-logging-enabled",
        "low",
        "RDS instances export their logs",
        "FIND aws_db_instance WITH loggingEnabled != true",
        "aws_db_instance",
    ),
    _rule(
        "rds-snapshots-public-prohibited",
        "critical",
        "RDS snapshots are not public",
        "FIND (aws_db_snapshot|aws_db_cluster_snapshot) WITH public = true",
        "(aws_db_snapshot|aws_db_cluster_snapshot)",
    ),
    _rule(
        "rds-snapshot-encrypted",
        "high",
        "RDS snapshots are encrypted",
        "FIND (aws_db_snapshot|aws_db_cluster_snapshot) WITH encrypted != true",
        "(aws_db_snapshot|aws_db_cluster_snapshot)",
    ),
    # S3
    *(
        _rule(
            f"s3-bucket-public-{name}-prohibited",
            severity,
            f"No S3 bucket not classified public lets everyone {what}",
            "FIND aws_s3_bucket WITH classification != 'public' AND ignorePublicAcls != true "
            f"AND restrictPublicBuckets != true THAT ALLOWS AS grant everyone WHERE {where}",
            "aws_s3_bucket",
        )
        for name, severity, what, where in (
            ("read", "critical", "read it", "grant.permission = ('READ' OR 'FULL_CONTROL')"),
            ("write", "high", "write to it", "grant.permission = ('WRITE' OR 'FULL_CONTROL')"),
            ("acp", "critical", "read or change its ACL", "grant.permission = ('READ_ACP' OR 'WRITE_ACP')"),
        )
    ),
    _rule(
        "s3-bucket-replication-enabled",
        "low",
        "S3 buckets replicate to another region",
        "FIND aws_s3_bucket WITH replicationEnabled != true",
        "aws_s3_bucket",
    ),
    _rule(
        "s3-bucket-server-side-encryption-enabled",
        "critical",
        "S3 buckets have default encryption",
        "FIND aws_s3_bucket WITH defaultEncryptionEnabled != true",
        "aws_s3_bucket",
    ),
    _rule(
        "s3-default-encryption-kms",
        "high",
        "S3 buckets encrypt with KMS by default",
        "FIND aws_s3_bucket WITH encryptionAlgorithm != 'aws:kms'",
        "aws_s3_bucket",
    ),
    _rule(
        "s3-bucket-logging-enabled",
        "medium",
        "S3 buckets have server access logging",
        "FIND aws_s3_bucket WITH loggingEnabled != true",
        "aws_s3_bucket",
    ),
    _rule(
        "s3-bucket-ssl-requests-only",
        "high",
        "S3 bucket policies deny requests without TLS",
        "FIND aws_s3_bucket WITH secureTransport != true",
        "aws_s3_bucket",
    ),
    _rule(
        "s3-bucket-versioning-enabled",
        "medium",
        "S3 buckets are versioned, with MFA delete",
        "FIND aws_s3_bucket WITH versioningEnabled != true OR mfaDelete != true",
        "aws_s3_bucket",
    ),
    _rule(
        "s3-bucket-default-lock-enabled",
        "medium",
        "S3 buckets have Object Lock",
        "FIND aws_s3_bucket WITH objectLockEnabled != true",
        "aws_s3_bucket",
    ),
    # CloudTrail
    _rule(
        "multi-region-cloudtrail-enabled",
        "medium",
        "CloudTrail trails record every region",
        "FIND aws_cloudtrail THAT LOGS AS trail * WHERE trail.isMultiRegionTrail != true",
        "aws_cloudtrail",
    ),
    _rule(
        "cloud-trail-log-file-validation-enabled",
        "low",
        "CloudTrail trails sign their log files",
        "FIND aws_cloudtrail THAT LOGS AS trail * WHERE trail.logFileValidationEnabled != true",
        "aws_cloudtrail",
    ),
    # Services that newer collects add: "not collected" until their types are in the store.
    _rule(
        "alb-http-drop-invalid-header-enabled",
        "high",
        "Application load balancers drop invalid headers",
        "FIND aws_alb WITH dropInvalidHeaders != true",
        "aws_alb",
    ),
    _rule(
        "alb-waf-enabled",
        "medium",
        "Application load balancers are behind a WAF web ACL",
        "FIND aws_alb THAT !PROTECTS (aws_waf_web_acl|aws_waf_v2_web_acl)",
        "aws_alb",
    ),
    _rule(
        "alb-http-to-https-redirection-check",
        "high",
        "HTTP listeners of application load balancers redirect to HTTPS",
        "FIND aws_alb THAT HAS aws_lb_listener WITH protocol = 'HTTP' AND defaultAction != 'redirect'",
        "aws_alb",
        "aws_lb_listener",
    ),
    _rule(
        "elb-deletion-protection-enabled",
        "medium",
        "Load balancers have deletion protection",
        "FIND (aws_elb|aws_nlb|aws_alb) WITH deletionProtection != true",
        "(aws_elb|aws_nlb|aws_alb)",
    ),
    _rule(
        "elbv2-acm-certificate-required",
        "medium",
        "Application and network load balancers use ACM certificates",
        "FIND (aws_alb|aws_nlb) THAT !USES aws_acm_certificate",
        "(aws_alb|aws_nlb)",
    ),
    _rule(
        "elb-acm-certificate-required",
        "medium",
        "Classic load balancers use ACM certificates",
        "FIND aws_elb WITH category = 'classic' THAT !USES aws_acm_certificate",
        "aws_elb",
    ),
    _rule(
        "elb-tls-https-listeners-only",
        "medium",
        "Classic load balancers listen with SSL or HTTPS only",
        "FIND aws_elb WITH category = 'classic' THAT HAS aws_lb_listener WITH protocol != ('HTTPS' OR 'SSL')",
        "aws_elb",
        "aws_lb_listener",
    ),
    # Inventories, as in JupiterOne's pack (info): classic listeners on a custom or a predefined policy.
    *(
        _rule(
            f"elb-{kind}-security-policy-ssl-check",
            "info",
            f"Classic load balancers whose HTTPS listeners use a {kind} security policy",
            "FIND aws_elb WITH category = 'classic' THAT HAS aws_lb_listener "
            f"WITH protocol = 'HTTPS' AND sslPolicy {op} {PREDEFINED_SSL_POLICIES}",
            "aws_elb",
            "aws_lb_listener",
        )
        for kind, op in (("custom", "!="), ("predefined", "="))
    ),
    _rule(
        "cloudwatch-alarm-action-check",
        "low",
        "CloudWatch alarms have an action",
        "FIND aws_cloudwatch_metric_alarm WITH okActions = undefined AND alarmActions = undefined "
        "AND insufficientDataActions = undefined",
        "aws_cloudwatch_metric_alarm",
    ),
    _rule(
        "cw-loggroup-retention-period-check",
        "low",
        "CloudWatch log groups keep their logs a year",
        # A group that never expires has no retentionInDays: compliant for AWS Config (JupiterOne's
        # query reports it).
        "FIND aws_cloudwatch_log_group WITH retentionInDays < 365",
        "aws_cloudwatch_log_group",
    ),
    _rule(
        "cloudwatch-log-group-encrypted",
        "medium",
        "CloudWatch log groups are encrypted with a customer-managed key",
        "FIND aws_cloudwatch_log_group THAT !USES aws_kms_key WITH keyManager = 'CUSTOMER'",
        "aws_cloudwatch_log_group",
    ),
    _rule(
        "dynamodb-pitr-enabled",
        "high",
        "DynamoDB tables have point-in-time recovery",
        "FIND aws_dynamodb_table WITH pointInTimeRecoveryEnabled != true",
        "aws_dynamodb_table",
    ),
    _rule(
        "dynamodb-tables-kms-encrypted",
        "high",
        "DynamoDB tables are encrypted with KMS",
        "FIND aws_dynamodb_table WITH encryptionAlgorithm != 'KMS'",
        "aws_dynamodb_table",
    ),
    _rule(
        "dynamodb-table-encryption-enabled",
        "high",
        "DynamoDB tables are encrypted",
        "FIND aws_dynamodb_table WITH encrypted != true",
        "aws_dynamodb_table",
    ),
    _rule(
        "dynamodb-resources-protected-by-backup-plan",
        "high",
        "DynamoDB tables have continuous backups",
        "FIND aws_dynamodb_table WITH continuousBackupEnabled != true",
        "aws_dynamodb_table",
    ),
    _rule(
        "sns-encrypted-kms",
        "high",
        "SNS topics are encrypted with KMS",
        "FIND aws_sns_topic THAT !USES aws_kms_key",
        "aws_sns_topic",
    ),
    _rule(
        "cloudfront-associated-with-waf",
        "medium",
        "CloudFront distributions are behind a WAF web ACL",
        "FIND aws_cloudfront_distribution THAT !PROTECTS (aws_waf_web_acl|aws_waf_v2_web_acl)",
        "aws_cloudfront_distribution",
    ),
    _rule(
        "cloudfront-default-root-object-configured",
        "medium",
        "CloudFront distributions have a default root object",
        "FIND aws_cloudfront_distribution WITH defaultRootObject = '' OR defaultRootObject = undefined",
        "aws_cloudfront_distribution",
    ),
    _rule(
        "cloudformation-stack-drift-detection-check",
        "medium",
        "CloudFormation stacks have not drifted",
        "FIND aws_cloudformation_stack WITH driftStatus = 'DRIFTED'",
        "aws_cloudformation_stack",
    ),
    _rule(
        "cloudformation-stack-drift-detection-not-checked",
        "info",
        "CloudFormation stacks have been checked for drift",
        "FIND aws_cloudformation_stack WITH driftStatus = 'NOT_CHECKED'",
        "aws_cloudformation_stack",
    ),
    _rule(
        "cloudformation-stack-notification-check",
        "info",
        "CloudFormation stacks notify an SNS topic",
        "FIND aws_cloudformation_stack WITH notificationArns = undefined OR notificationArns !~= 'arn:aws'",
        "aws_cloudformation_stack",
    ),
    _rule(
        "autoscaling-group-elb-healthcheck-required",
        "info",
        "Auto Scaling groups behind a load balancer use its health checks",
        "FIND aws_autoscaling_group WITH (targetGroupARNs != undefined OR LoadBalancerNames != undefined) "
        "AND healthCheckType = 'EC2'",
        "aws_autoscaling_group",
    ),
    _rule(
        "eks-endpoint-no-public-access",
        "high",
        "EKS cluster endpoints are not public",
        "FIND aws_eks_cluster WITH vpcEndpointPublicAccess = true",
        "aws_eks_cluster",
    ),
    _rule(
        "redshift-require-tls-ssl",
        "high",
        "Redshift clusters require TLS",
        "FIND aws_redshift_cluster THAT USES aws_redshift_cluster_parameter_group "
        "WITH parameter.require_ssl != true",
        "aws_redshift_cluster",
    ),
    _rule(
        "fms-webacl-resource-policy-check",
        "medium",
        "WAF web ACLs protect something",
        "FIND (aws_waf_web_acl|aws_waf_v2_web_acl) THAT !(HAS|PROTECTS) "
        "(aws_api_gateway_rest_api|aws_api_gateway_v2_api|aws_alb|aws_cloudfront_distribution)",
        "(aws_waf_web_acl|aws_waf_v2_web_acl)",
    ),
)
