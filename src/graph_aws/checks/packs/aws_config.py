"""JupiterOne's aws-config pack, as checks: one rule per AWS Config managed rule that the graph can
answer, named as AWS Config names it, with the pack's alert level as its severity, in J1QL written
here that finds the failing entities. The rules over services that later collects added (load
balancers, CloudWatch, DynamoDB, ...) are in aws_config_services.py.

Where JupiterOne's query reads a property graph-aws does not write, or asks something other than
the AWS Config rule it is named after, the rule says what it reads instead (docs/rule-packs.md).
"""

from __future__ import annotations

from typing import Any

from graph_aws.checks.rules import Rule

PACK = "aws-config"

ANY_IAM_POLICY = "(aws_iam_policy|aws_iam_user_policy|aws_iam_group_policy|aws_iam_role_policy)"
RDS = "(aws_db_instance|aws_rds_cluster)"


def pack_rule(name: str, severity: str, title: str, j1ql: str, *types: str, **more: Any) -> Rule:
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
    pack_rule(
        "root-account-mfa-enabled",
        "critical",
        "The root user has MFA",
        "FIND aws_account WITH _source != 'system-mapper' AND mfaEnabled = false",
        "aws_account",
        collected_when="FIND aws_account WITH mfaEnabled != undefined",
    ),
    pack_rule(
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
    pack_rule(
        "account-part-of-organizations",
        "info",
        "Accounts belong to the organization",
        "FIND aws_account WITH _source != 'system-mapper' AND master != true "
        "THAT !HAS aws_account WITH master = true",
        "aws_account",
        collected_when="FIND aws_account WITH master = true",
        note="Only an organization collect (--organization) knows the management account.",
    ),
    pack_rule(
        "iam-password-policy",
        "high",
        "The password policy asks for every character class, 8 characters, 90 days, 12 remembered",
        "FIND aws_iam_account_password_policy WITH requireUppercase != true OR requireLowercase != true "
        "OR requireSymbols != true OR requireNumbers != true OR minLength < 8 OR maxAgeDays > 90 "
        "OR historyCount < 12",
        "aws_iam_account_password_policy",
    ),
    pack_rule(
        "iam-user-mfa-enabled",
        "critical",
        "IAM users have MFA",
        "FIND aws_iam_user WITH mfaEnabled != true",
        "aws_iam_user",
        collected_when="FIND aws_iam_user WITH mfaEnabled != undefined",
    ),
    pack_rule(
        "iam-user-no-policies-check",
        "medium",
        "IAM users have no policies of their own (only their groups')",
        "FIND aws_iam_user THAT ASSIGNED (aws_iam_user_policy|aws_iam_policy)",
        "aws_iam_user",
    ),
    pack_rule(
        "iam-user-group-membership-check",
        "high",
        "IAM users belong to a group",
        "FIND aws_iam_user THAT !HAS aws_iam_group",
        "aws_iam_user",
        "aws_iam_group",
    ),
    pack_rule(
        "iam-group-has-users-check",
        "high",
        "IAM groups have users",
        "FIND aws_iam_group THAT !HAS aws_iam_user",
        "aws_iam_group",
    ),
    pack_rule(
        "access-keys-rotated",
        "medium",
        "Active access keys are younger than 90 days",
        "FIND aws_iam_access_key WITH active = true AND createdOn < date.now - 90days",
        "aws_iam_access_key",
    ),
    pack_rule(
        "iam-policy-no-statements-with-full-access",
        "high",
        "Customer policies allow no full access (* or <service>:* on *)",
        f"FIND {ANY_IAM_POLICY} WITH vendorManaged != true THAT ALLOWS AS grant * WHERE grant.admin = true",
        "aws_iam_policy",
        collected_when="FIND AccessPolicy THAT ALLOWS *",
    ),
    pack_rule(
        "iam-role-managed-policy-check",
        "high",
        "AWS-managed policies in use are attached to roles",
        "FIND aws_iam_policy WITH vendorManaged = true THAT !ASSIGNED aws_iam_role",
        "aws_iam_policy",
        "aws_iam_role",
    ),
    pack_rule(
        "privileges-unused-for-90-days",
        "medium",
        "IAM roles were used in the last 90 days",
        "FIND aws_iam_role WITH lastUsedOn <= date.now - 90days",
        "aws_iam_role",
    ),
    # Certificates, keys, configuration
    pack_rule(
        "acm-certificate-expiration-check",
        "high",
        "No ACM certificate that AWS will not renew expires within 30 days",
        "FIND aws_acm_certificate WITH renewalEligibility != 'ELIGIBLE' "
        "AND expiresOn > date.now AND expiresOn < date.now + 30days",
        "aws_acm_certificate",
    ),
    pack_rule(
        "cmk-backing-key-rotation-enabled",
        "medium",
        "Enabled symmetric customer-managed KMS keys rotate",
        "FIND aws_kms_key WITH keyManager = 'CUSTOMER' AND keyState = 'Enabled' "
        "AND keySpec = 'SYMMETRIC_DEFAULT' AND rotationEnabled != true",
        "aws_kms_key",
    ),
    pack_rule(
        "config-rule-noncompliant",
        "medium",
        "AWS Config rules find nothing non-compliant",
        "FIND aws_config_rule WITH complianceState = 'NON_COMPLIANT'",
        "aws_config_rule",
    ),
    # EC2 and VPC
    pack_rule(
        "ec2-instances-in-vpc",
        "low",
        "Running EC2 instances are in a VPC",
        "FIND aws_instance WITH active = true AND vpcId = undefined",
        "aws_instance",
    ),
    pack_rule(
        "ec2-volume-inuse-check",
        "info",
        "EBS volumes are attached to an instance",
        "FIND aws_ebs_volume THAT !USES aws_instance",
        "aws_ebs_volume",
    ),
    pack_rule(
        "ec2-encrypted-volumes",
        "high",
        "EC2 instances use only encrypted volumes",
        "FIND aws_instance THAT USES aws_ebs_volume WITH encrypted != true",
        "aws_instance",
        "aws_ebs_volume",
    ),
    pack_rule(
        "ebs-optimized-instance",
        "info",
        "EC2 instances that can be EBS-optimized are",
        "FIND aws_instance WITH ebsOptimizationSupported = true AND ebsOptimized != true",
        "aws_instance",
    ),
    pack_rule(
        "ec2-instance-profile-attached",
        "medium",
        "EC2 instances have an instance profile",
        "FIND aws_instance WITH iamInstanceProfileArn = undefined",
        "aws_instance",
    ),
    pack_rule(
        "ec2-instance-detailed-monitoring-enabled",
        "low",
        "EC2 instances have detailed monitoring",
        "FIND aws_instance WITH monitoringState != 'enabled'",
        "aws_instance",
    ),
    pack_rule(
        "ec2-imdsv2-optional",
        "medium",
        "EC2 instances with the metadata service on require IMDSv2",
        "FIND aws_instance WITH httpEndpointEnabled = true AND httpTokens = 'optional'",
        "aws_instance",
    ),
    pack_rule(
        "ec2-stopped-instance",
        "medium",
        "No EC2 instance has been stopped for more than 30 days",
        "FIND aws_instance WITH state = 'stopped' AND stateChangedOn < date.now - 30days",
        "aws_instance",
    ),
    pack_rule(
        "desired-instance-tenancy",
        "info",
        "EC2 instances on shared tenancy",
        "FIND aws_instance WITH tenancy = 'default'",
        "aws_instance",
    ),
    pack_rule(
        "desired-instance-tenancy-dedicated-instance",
        "info",
        "EC2 instances on dedicated tenancy",
        "FIND aws_instance WITH tenancy = 'dedicated'",
        "aws_instance",
    ),
    pack_rule(
        "desired-instance-tenancy-dedicated-host",
        "info",
        "EC2 instances on dedicated hosts",
        "FIND aws_instance WITH tenancy = 'host'",
        "aws_instance",
    ),
    pack_rule(
        "ec2-restricted-ssh",
        "high",
        "No security group lets the Internet reach SSH (22)",
        f"FIND aws_security_group THAT ALLOWS AS rule internet WHERE rule.ingress = true AND {_tcp_port(22)}",
        "aws_security_group",
        note="AWS Config judges 0.0.0.0/0; JupiterOne's query also reports SSH from private ranges.",
    ),
    pack_rule(
        "restricted-ssh",
        "medium",
        "No security group lets the Internet reach SSH (22)",
        "FIND aws_security_group THAT ALLOWS AS rule internet "
        "WHERE rule.ingress = true AND rule.fromPort <= 22 AND rule.toPort >= 22",
        "aws_security_group",
    ),
    pack_rule(
        "restricted-common-ports",
        "high",
        "No security group lets the Internet reach TCP 20, 21, 3306, 3389 or 4333",
        "FIND aws_security_group THAT ALLOWS AS rule internet WHERE rule.ingress = true AND "
        f"({' OR '.join(_tcp_port(p) for p in (20, 21, 3306, 3389, 4333))})",
        "aws_security_group",
    ),
    pack_rule(
        "vpc-default-security-group-closed",
        "high",
        "Default security groups have no rules",
        "FIND aws_security_group WITH default = true THAT ALLOWS *",
        "aws_security_group",
        note="JupiterOne's query, `default = true AND egressRules != undefined OR ingressRules != "
        "undefined`, reports every group with inbound rules: AND binds first.",
    ),
    pack_rule(
        "nondefault-security-group-without-attachment",
        "high",
        "Security groups other than the default protect something",
        "FIND aws_security_group WITH default = false THAT !PROTECTS *",
        "aws_security_group",
    ),
    pack_rule(
        "vpc-network-acl-unused-check",
        "low",
        "Network ACLs protect a subnet",
        "FIND aws_network_acl THAT !PROTECTS aws_subnet",
        "aws_network_acl",
    ),
    pack_rule(
        "no-unrestricted-route-to-igw",
        "high",
        "No route table sends 0.0.0.0/0 to an internet gateway",
        "FIND aws_internet_gateway THAT CONNECTS internet",
        "aws_internet_gateway",
    ),
    pack_rule(
        "subnet-auto-assign-public-ip-disabled",
        "medium",
        "Subnets do not give instances public addresses",
        # JupiterOne reads `public = true AND internal = true`; AWS Config reads MapPublicIpOnLaunch.
        "FIND aws_subnet WITH mapPublicIpOnLaunch = true",
        "aws_subnet",
    ),
    pack_rule(
        "vpc-flow-logs-enabled",
        "medium",
        "VPCs have flow logs",
        "FIND aws_vpc THAT !LOGS *",
        "aws_vpc",
        # Flow logs are relationships only: with none anywhere, the step may not have run.
        collected_when="FIND aws_vpc THAT LOGS *",
        note="No VPC LOGS anywhere in the store: flow logs were not collected (or none exist at all).",
    ),
    pack_rule(
        "ec2-ebs-encryption-by-default",
        "high",
        "EBS encryption by default is on in every region",
        "FIND aws_ec2_settings WITH ebsEncryptionByDefault != true",
        "aws_ec2_settings",
    ),
    # Lambda
    pack_rule(
        "lambda-function-settings-check-runtime-nodejs610",
        "high",
        "No Lambda function runs Node.js 6.10 (end of life)",
        "FIND aws_lambda_function WITH runtime = 'nodejs6.10'",
        "aws_lambda_function",
    ),
    pack_rule(
        "lambda-function-settings-check-runtime-nodejs810",
        "high",
        "No Lambda function runs Node.js 8.10 (end of life)",
        "FIND aws_lambda_function WITH runtime = 'nodejs8.10'",
        "aws_lambda_function",
    ),
    pack_rule(
        "lambda-inside-vpc",
        "medium",
        "Lambda functions run in a VPC",
        "FIND aws_lambda_function THAT !HAS aws_subnet",
        "aws_lambda_function",
    ),
    # RDS
    pack_rule(
        "rds-storage-encrypted",
        "critical",
        "RDS instances and clusters are encrypted at rest",
        f"FIND {RDS} WITH encrypted != true",
        RDS,
    ),
    pack_rule(
        "rds-instance-public-access-check",
        "critical",
        "No publicly accessible RDS database has a security group open to the Internet",
        f"FIND {RDS} WITH public = true THAT PROTECTS aws_security_group THAT ALLOWS internet",
        RDS,
        collected_when="FIND aws_db_instance WITH public != undefined",
    ),
    pack_rule(
        "rds-db-instance-backup-enabled",
        "high",
        "RDS instances and clusters keep backups",
        # JupiterOne asks for an undefined period; AWS reports 0 days when backups are off.
        f"FIND {RDS} WITH backupRetentionPeriod = undefined OR backupRetentionPeriod < 1",
        RDS,
    ),
    pack_rule(
        "db-instance-backup-enabled",
        "high",
        "RDS instances and clusters have backups",
        f"FIND {RDS} WITH hasBackup != true",
        RDS,
    ),
    pack_rule(
        "rds-resources-protected-by-backup-plan",
        "high",
        "RDS instances have backups",
        "FIND aws_db_instance WITH hasBackup != true",
        "aws_db_instance",
    ),
    pack_rule(
        "rds-deletion-protection-enabled",
        "medium",
        "RDS instances and clusters have deletion protection",
        f"FIND {RDS} WITH deletionProtection != true",
        RDS,
    ),
    pack_rule(
        "rds-iam-authentication-enabled",
        "medium",
        "RDS instances and clusters accept IAM authentication",
        f"FIND {RDS} WITH iamDatabaseAuthenticationEnabled != true",
        RDS,
    ),
    pack_rule(
        "rds-automatic-minor-version-upgrade-enabled",
        "medium",
        "RDS instances take minor version upgrades automatically",
        "FIND aws_db_instance WITH autoMinorVersionUpgrade != true",
        "aws_db_instance",
    ),
    pack_rule(
        "rds-multi-az-support",
        "high",
        "RDS instances are Multi-AZ",
        "FIND aws_db_instance WITH multiAZ != true",
        "aws_db_instance",
    ),
    pack_rule(
        "rds-cluster-multi-az-enabled",
        "high",
        "Aurora clusters are Multi-AZ",
        # Aurora engines are aurora-mysql and aurora-postgresql: JupiterOne's `engine = 'aurora'` misses them.
        "FIND aws_rds_cluster WITH engine ^= 'aurora' AND multiAZ != true",
        "aws_rds_cluster",
    ),
    pack_rule(
        "rds-logging-enabled",
        "low",
        "RDS instances export their logs",
        "FIND aws_db_instance WITH loggingEnabled != true",
        "aws_db_instance",
    ),
    pack_rule(
        "rds-snapshots-public-prohibited",
        "critical",
        "RDS snapshots are not public",
        "FIND (aws_db_snapshot|aws_db_cluster_snapshot) WITH public = true",
        "(aws_db_snapshot|aws_db_cluster_snapshot)",
    ),
    pack_rule(
        "rds-snapshot-encrypted",
        "high",
        "RDS snapshots are encrypted",
        "FIND (aws_db_snapshot|aws_db_cluster_snapshot) WITH encrypted != true",
        "(aws_db_snapshot|aws_db_cluster_snapshot)",
    ),
    # S3
    *(
        pack_rule(
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
    pack_rule(
        "s3-bucket-replication-enabled",
        "low",
        "S3 buckets replicate to another region",
        "FIND aws_s3_bucket WITH replicationEnabled != true",
        "aws_s3_bucket",
    ),
    pack_rule(
        "s3-bucket-server-side-encryption-enabled",
        "critical",
        "S3 buckets have default encryption",
        "FIND aws_s3_bucket WITH defaultEncryptionEnabled != true",
        "aws_s3_bucket",
    ),
    pack_rule(
        "s3-default-encryption-kms",
        "high",
        "S3 buckets encrypt with KMS by default",
        "FIND aws_s3_bucket WITH encryptionAlgorithm != 'aws:kms'",
        "aws_s3_bucket",
    ),
    pack_rule(
        "s3-bucket-logging-enabled",
        "medium",
        "S3 buckets have server access logging",
        "FIND aws_s3_bucket WITH loggingEnabled != true",
        "aws_s3_bucket",
    ),
    pack_rule(
        "s3-bucket-ssl-requests-only",
        "high",
        "S3 bucket policies deny requests without TLS",
        "FIND aws_s3_bucket WITH secureTransport != true",
        "aws_s3_bucket",
    ),
    pack_rule(
        "s3-bucket-versioning-enabled",
        "medium",
        "S3 buckets are versioned, with MFA delete",
        "FIND aws_s3_bucket WITH versioningEnabled != true OR mfaDelete != true",
        "aws_s3_bucket",
    ),
    pack_rule(
        "s3-bucket-default-lock-enabled",
        "medium",
        "S3 buckets have Object Lock",
        "FIND aws_s3_bucket WITH objectLockEnabled != true",
        "aws_s3_bucket",
    ),
    # CloudTrail
    pack_rule(
        "multi-region-cloudtrail-enabled",
        "medium",
        "CloudTrail trails record every region",
        "FIND aws_cloudtrail THAT LOGS AS trail * WHERE trail.isMultiRegionTrail != true",
        "aws_cloudtrail",
    ),
    pack_rule(
        "cloud-trail-log-file-validation-enabled",
        "low",
        "CloudTrail trails sign their log files",
        "FIND aws_cloudtrail THAT LOGS AS trail * WHERE trail.logFileValidationEnabled != true",
        "aws_cloudtrail",
    ),
)
