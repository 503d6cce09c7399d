"""JupiterOne's CIS AWS Foundations 2.0 pack, as checks: each rule follows one of the pack's
`queryBAD` queries (or its `queryUNKNOWN`, the trails that log without global and multi-region
events), written here in J1QL that finds the failing entities on graph-aws's graph.

Where JupiterOne's query reads a property graph-aws does not write (docs/rule-packs.md lists them),
the rule reads the property graph-aws does write for the same fact, or is left out of the pack.
"""

from __future__ import annotations

from typing import Any

from graph_aws.checks.rules import Rule

PACK = "aws-cis-foundations-2-0"


def _rule(
    id: str, follows: str, control: str, severity: str, title: str, j1ql: str, *types: str, **more: Any
) -> Rule:
    query = more.pop("query", "queryBAD")
    return Rule(
        id=id,
        title=title,
        severity=severity,
        control=f"CIS AWS Foundations 2.0 {control}",
        j1ql=j1ql,
        required_types=types,
        pack=PACK,
        follows=f"{PACK}.json: {follows} ({query})",
        **more,
    )


OUTSIDE_MAPPER = "_source != 'system-mapper'"  # accounts graph-aws ingests, not those only referenced


def _admin_port(port: int) -> str:
    return f"(rule.fromPort <= {port} AND rule.toPort >= {port})"


RULES: tuple[Rule, ...] = (
    _rule(
        "cis-contact-email",
        "which-aws-accounts-do-not-have-a-contact-email-listed?",
        "1.1",
        "low",
        "Accounts have a contact email",
        f"FIND aws_account WITH {OUTSIDE_MAPPER} AND email = undefined",
        "aws_account",
        collected_when="FIND aws_account WITH master = true",
        note="The email comes from AWS Organizations: collect with --organization.",
    ),
    _rule(
        "cis-root-access-keys",
        "are-there-root-user-access-keys-in-use-for-any-of-my-aws-accounts?",
        "1.4",
        "critical",
        "The root user has no access keys or signing certificates",
        f"FIND aws_account WITH {OUTSIDE_MAPPER} AND (accountAccessKeysPresent > 0 "
        "OR accountSigningCertificatesPresent > 0 OR rootUserAccessKeyEnabled = true)",
        "aws_account",
        collected_when="FIND aws_account WITH accountAccessKeysPresent != undefined",
    ),
    _rule(
        "cis-root-mfa",
        "is-mfa-enabled-for-the-account-root-user-for-all-my-aws-accounts?",
        "1.5",
        "critical",
        "The root user has MFA",
        # = false, not != true: an account whose summary was not read is not judged.
        f"FIND aws_account WITH {OUTSIDE_MAPPER} AND mfaEnabled = false",
        "aws_account",
        collected_when="FIND aws_account WITH mfaEnabled != undefined",
    ),
    _rule(
        "cis-root-recent-use",
        "was-the-root-account-user-recently-used-to-log-in-or-access?",
        "1.7",
        "high",
        "The root user was not used in the last 7 days",
        f"FIND aws_account WITH {OUTSIDE_MAPPER} AND "
        "(rootUserPasswordLastUsed > date.now - 7days OR rootUserAccessKeyLastUsed > date.now - 7days)",
        "aws_account",
        collected_when="FIND aws_account WITH rootUserAccessKeyEnabled != undefined",
        note="No account has its root user's row of the credential report: the report was not read.",
    ),
    _rule(
        "cis-password-length",
        "iam-password-policy-should-require-minimum-length-of-14-characters.",
        "1.8",
        "medium",
        "The password policy asks for at least 14 characters",
        "FIND aws_iam_account_password_policy WITH minLength < 14 OR minLength = undefined",
        "aws_iam_account_password_policy",
    ),
    _rule(
        "cis-password-reuse",
        "iam-password-policy-should-prevent-reuse-of-the-same-password-(for-at-least-past-10-history).",
        "1.9",
        "medium",
        "The password policy remembers the last 24 passwords",
        # CIS 2.0 asks for 24; JupiterOne's query accepts 10.
        "FIND aws_iam_account_password_policy WITH historyCount < 24 OR historyCount = undefined",
        "aws_iam_account_password_policy",
    ),
    _rule(
        "cis-console-user-mfa",
        "is-mfa-enabled-for-all-iam-users-that-have-a-console-password?",
        "1.10",
        "high",
        "IAM users with a console password have MFA",
        "FIND aws_iam_user WITH passwordEnabled = true AND mfaEnabled != true",
        "aws_iam_user",
        collected_when="FIND aws_iam_user WITH mfaEnabled != undefined",
    ),
    _rule(
        "cis-access-key-never-used",
        "which-iam-users-have-access-key-enabled-but-never-used?",
        "1.11",
        "low",
        "IAM users' access keys have been used",
        "FIND aws_iam_user WITH accessKeyEnabled = true AND accessKeyLastUsed = undefined",
        "aws_iam_user",
    ),
    _rule(
        "cis-access-key-unused-45-days",
        "are-there-active-iam-user-access-keys-unused-for-more-than-45-days?",
        "1.12",
        "medium",
        "Active access keys of users older than 45 days were used in the last 45 days",
        "FIND aws_iam_user WITH createdOn < date.now - 45days THAT HAS aws_iam_access_key "
        "WITH active = true AND (lastUsedOn < date.now - 45days OR lastUsedOn = undefined)",
        "aws_iam_user",
        "aws_iam_access_key",
    ),
    _rule(
        "cis-console-unused-90-days",
        "which-iam-user-has-not-logged-in-to-the-console-in-more-than-90-days?",
        "1.12",
        "medium",
        "IAM users older than 90 days with a console password signed in in the last 90 days",
        "FIND aws_iam_user WITH createdOn < date.now - 90days AND passwordEnabled = true "
        "AND (passwordLastUsed < date.now - 90days OR passwordLastUsed = undefined)",
        "aws_iam_user",
    ),
    _rule(
        "cis-user-unused-90-days",
        "which-iam-user-account-has-not-been-accessed-in-90-days?",
        "1.12",
        "low",
        "IAM users older than 90 days used a password or an access key in the last 90 days",
        "FIND aws_iam_user WITH createdOn < date.now - 90days "
        "AND (passwordLastUsed < date.now - 90days OR passwordLastUsed = undefined) "
        "AND (accessKeyLastUsed < date.now - 90days OR accessKeyLastUsed = undefined)",
        "aws_iam_user",
    ),
    _rule(
        "cis-one-active-key",
        "which-iam-users-have-more-than-one-active-access-key?",
        "1.13",
        "low",
        "IAM users have at most one active access key",
        # JupiterOne's query counts each user's active keys; the user carries the count.
        "FIND aws_iam_user WITH activeAccessKeyCount > 1",
        "aws_iam_user",
        query="queryINFO",
        collected_when="FIND aws_iam_user WITH activeAccessKeyCount != undefined",
    ),
    _rule(
        "cis-access-key-age",
        "which-iam-user-access-keys-are-older-than-90-days?",
        "1.14",
        "medium",
        "Active access keys are younger than 90 days",
        "FIND aws_iam_access_key WITH active = true AND createdOn < date.now - 90days",
        "aws_iam_access_key",
    ),
    _rule(
        "cis-password-age",
        "which-iam-user-has-a-password-older-than-90-days?",
        "(none: password age is not a 2.0 recommendation)",
        "low",
        "Console passwords were changed in the last 90 days",
        "FIND aws_iam_user WITH passwordEnabled = true AND passwordLastChanged < date.now - 90days",
        "aws_iam_user",
    ),
    _rule(
        "cis-user-policies",
        "are-there-iam-users-with-inline-policy-directly-attached?",
        "1.15",
        "low",
        "IAM users get their permissions through groups only",
        "FIND aws_iam_user THAT ASSIGNED (aws_iam_user_policy|aws_iam_policy)",
        "aws_iam_user",
    ),
    _rule(
        "cis-full-admin-policies",
        "which-iam-policies-allow-full-admin-access-to-any-and-all-resources?",
        "1.16",
        "high",
        "No policy in use allows every action on every resource",
        # The policy graph writes `*` on `*` as FULL_CONTROL of the account. Like JupiterOne, the
        # AdministratorAccess of roles named Administrator and OrganizationAccountAccessRole is allowed.
        "FIND AccessPolicy WITH inUse != false AND exception != true AND tag.Exception != true "
        "AND _key !$= ':role/Administrator/AdministratorAccess' "
        "AND _key !$= ':role/OrganizationAccountAccessRole/AdministratorAccess' "
        "THAT ALLOWS AS grant aws_account WHERE grant.permission = 'FULL_CONTROL'",
        "aws_iam_policy",
        "aws_account",
        collected_when="FIND AccessPolicy THAT ALLOWS aws_account",
        note="No policy ALLOWS an account in the store: the policy graph was not collected.",
    ),
    _rule(
        "cis-role-unused",
        "which-iam-role-has-not-been-used-in-90-days?",
        "1.12 (for roles)",
        "low",
        "IAM roles older than 90 days were used in the last 90 days",
        "FIND aws_iam_role WITH createdOn < date.now - 90days AND lastUsedOn < date.now - 90days",
        "aws_iam_role",
    ),
    _rule(
        "cis-certificate-expired",
        "which-acm-certificates-are-expired?",
        "1.19",
        "medium",
        "No ACM certificate is expired or expires within a day",
        "FIND aws_acm_certificate WITH active = false OR expiresOn < date.now + 1day",
        "aws_acm_certificate",
    ),
    _rule(
        "cis-access-analyzer",
        "is-iam-access-analyzer-enabled?",
        "1.20",
        "medium",
        "IAM Access Analyzer analyzers are active",
        "FIND aws_accessanalyzer_analyzer WITH active != true",
        "aws_accessanalyzer_analyzer",
    ),
    _rule(
        "cis-s3-secure-transport",
        "is-secure-transport-(encryption-in-transit)-enabled-for-all-s3-buckets?",
        "2.1.1",
        "medium",
        "S3 bucket policies deny requests without TLS",
        "FIND aws_s3_bucket WITH secureTransport != true",
        "aws_s3_bucket",
    ),
    _rule(
        "cis-s3-mfa-delete",
        "is-mfa-delete-enabled-for-all-s3-buckets?",
        "2.1.2",
        "low",
        "S3 buckets have MFA delete",
        "FIND aws_s3_bucket WITH mfaDelete != true",
        "aws_s3_bucket",
    ),
    _rule(
        "cis-s3-classified",
        "is-the-data-in-amazon-s3-buckets-classified?",
        "2.1.3",
        "low",
        "S3 buckets say how their data is classified",
        # JupiterOne's `classification = (undefined AND '')` asks for both at once and matches nothing.
        "FIND aws_s3_bucket WITH classification = undefined OR classification = ''",
        "aws_s3_bucket",
    ),
    _rule(
        "cis-s3-public-access-block",
        "is-public-access-block-configured-for-non-public-s3-buckets?",
        "2.1.4",
        "medium",
        "S3 buckets block public access (all four settings)",
        "FIND aws_s3_bucket WITH blockPublicAcls != true OR ignorePublicAcls != true "
        "OR blockPublicPolicy != true OR restrictPublicBuckets != true",
        "aws_s3_bucket",
    ),
    _rule(
        "cis-s3-public-acl",
        "is-public-access-enabled-for-any-s3-bucket?",
        "2.1.4",
        "high",
        "No S3 bucket not classified public grants anything to everyone in its ACL",
        "FIND aws_s3_bucket WITH classification != 'public' AND ignorePublicAcls != true "
        "AND restrictPublicBuckets != true THAT ALLOWS everyone",
        "aws_s3_bucket",
    ),
    _rule(
        "cis-s3-public-policy",
        "is-public-access-enabled-for-any-s3-bucket?",
        "2.1.4",
        "high",
        "No S3 bucket not classified public has a public bucket policy",
        "FIND aws_s3_bucket WITH classification != 'public' AND ignorePublicAcls != true "
        "AND restrictPublicBuckets != true THAT HAS aws_s3_bucket_policy WITH public = true",
        "aws_s3_bucket",
        "aws_s3_bucket_policy",
    ),
    _rule(
        "cis-s3-public-write",
        "is-public-write-access-enabled-for-any-s3-bucket?",
        "2.1.4",
        "critical",
        "No S3 bucket lets everyone write to it",
        "FIND aws_s3_bucket THAT ALLOWS AS grant everyone WHERE grant.permission = 'WRITE'",
        "aws_s3_bucket",
    ),
    _rule(
        "cis-s3-full-control-grant",
        "is-there-any-s3-bucket-that-grants-full-control-access-to-anybody-other-than-the-owner?",
        "2.1.4",
        "high",
        "No S3 bucket ACL grants full control to everyone",
        # graph-aws writes the ACL's public grants only; JupiterOne's `THAT ALLOWS *` also meets the
        # IAM policies that allow the bucket (the policy graph), which are not ACL grants.
        "FIND aws_s3_bucket THAT ALLOWS AS grant everyone WHERE grant.permission = 'FULL_CONTROL'",
        "aws_s3_bucket",
    ),
    _rule(
        "cis-s3-default-encryption",
        "is-default-server-side-encryption-(at-rest)-enabled-for-all-s3-buckets?",
        "2.1 (1.x 2.1.1)",
        "medium",
        "S3 buckets have default encryption configured",
        "FIND aws_s3_bucket WITH defaultEncryptionEnabled != true",
        "aws_s3_bucket",
    ),
    _rule(
        "cis-ebs-encrypted",
        "are-all-ebs-volumes-encrypted?",
        "2.2.1",
        "medium",
        "EBS volumes are encrypted",
        "FIND aws_ebs_volume WITH encrypted != true",
        "aws_ebs_volume",
    ),
    _rule(
        "cis-rds-encrypted",
        "is-encryption-configured-for-rds?",
        "2.3.1",
        "high",
        "RDS instances and clusters are encrypted at rest",
        "FIND (aws_rds_cluster|aws_db_instance) WITH encrypted != true",
        "(aws_rds_cluster|aws_db_instance)",
    ),
    _rule(
        "cis-rds-minor-upgrades",
        "is-the-auto-minor-version-upgrade-enabled-for-rds-instances?",
        "2.3.2",
        "low",
        "RDS instances take minor version upgrades automatically",
        "FIND aws_db_instance WITH autoMinorVersionUpgrade = false",
        "aws_db_instance",
    ),
    _rule(
        "cis-rds-public",
        "are-rds-instances-public?",
        "2.3.3",
        "critical",
        "RDS instances are not publicly accessible",
        "FIND aws_db_instance WITH public = true",
        "aws_db_instance",
        collected_when="FIND aws_db_instance WITH public != undefined",
    ),
    _rule(
        "cis-efs-encrypted",
        "are-there-unencrypted-efs-file-systems?",
        "2.4.1",
        "medium",
        "EFS file systems are encrypted",
        "FIND aws_efs_file_system WITH encrypted != true",
        "aws_efs_file_system",
    ),
    _rule(
        "cis-cloudtrail-trails",
        "is-cloudtrail-logging-enabled?",
        "3.1",
        "high",
        "Every account's CloudTrail logs somewhere",
        f"FIND aws_account WITH {OUTSIDE_MAPPER} THAT HAS aws_cloudtrail THAT !LOGS *",
        "aws_account",
        "aws_cloudtrail",
    ),
    _rule(
        "cis-cloudtrail-global-events",
        "is-cloudtrail-logging-enabled?",
        "3.1",
        "medium",
        "CloudTrail trails log global service events in every region",
        "FIND aws_cloudtrail THAT LOGS AS trail * "
        "WHERE trail.includeGlobalServiceEvents != true OR trail.isMultiRegionTrail != true",
        "aws_cloudtrail",
        query="queryUNKNOWN",
    ),
    _rule(
        "cis-cloudtrail-bucket-public",
        "is-the-s3-bucket-containing-cloudtrail-logs-publicly-accessible?",
        "3.3",
        "critical",
        "No CloudTrail bucket grants access to everyone",
        "FIND aws_s3_bucket THAT LOGS aws_cloudtrail THAT ALLOWS everyone",
        "aws_s3_bucket",
        "aws_cloudtrail",
    ),
    _rule(
        "cis-cloudtrail-bucket-logging",
        "is-access-logging-enabled-on-the-s3-bucket-containing-cloudtrail-logs?",
        "3.6",
        "medium",
        "CloudTrail buckets have server access logging",
        "FIND aws_s3_bucket WITH loggingEnabled != true THAT LOGS aws_cloudtrail",
        "aws_s3_bucket",
        "aws_cloudtrail",
    ),
    _rule(
        "cis-cloudtrail-bucket-encrypted",
        "is-encryption-enabled-on-the-s3-bucket-containing-cloudtrail-logs?",
        "3.7",
        "medium",
        "CloudTrail buckets are encrypted",
        "FIND aws_s3_bucket WITH encrypted != true THAT LOGS aws_cloudtrail",
        "aws_s3_bucket",
        "aws_cloudtrail",
        note="Reads the bucket's default encryption, as JupiterOne's query does, not the trail's KMS key.",
    ),
    _rule(
        "cis-s3-object-level-logging",
        "which-s3-buckets-have-object-level-logging-enabled?",
        "3.10, 3.11",
        "medium",
        "CloudTrail records S3 data events of every bucket",
        # JupiterOne's queryBAD reads aws_s3.loggingEnabled, which it derives from the trails' data
        # events; graph-aws writes those as SENDS (a bucket's own, or every bucket's when a selector
        # names them all). The relationship does not say read or write events.
        "FIND aws_s3_bucket THAT !SENDS aws_cloudtrail",
        "aws_s3_bucket",
        "aws_cloudtrail",
    ),
    _rule(
        "cis-kms-rotation",
        "is-key-rotation-enabled-for-customer-managed-aws-kms-keys?",
        "3.8",
        "medium",
        "Enabled symmetric customer-managed KMS keys rotate",
        "FIND aws_kms_key WITH keyManager = 'CUSTOMER' AND keyState = 'Enabled' "
        "AND keySpec = 'SYMMETRIC_DEFAULT' AND rotationEnabled != true",
        "aws_kms_key",
    ),
    _rule(
        "cis-nacl-admin-ports",
        "are-there-any-network-access-control-lists-(acls)-that-allow-all-ingress/inbound-traffic-to-"
        "remote-server-administration-ports?",
        "5.1",
        "high",
        "No network ACL lets the Internet reach SSH, RDP, SQL Server or MySQL",
        "FIND aws_network_acl THAT ALLOWS AS rule internet WHERE rule.ingress = true AND "
        f"({_admin_port(22)} OR {_admin_port(3389)} OR {_admin_port(1433)} OR {_admin_port(3306)})",
        "aws_network_acl",
        collected_when="FIND aws_network_acl THAT ALLOWS *",
        # The pack's four queries (ports 22, 3389, 1433, 3306) at once.
        note="No network ACL ALLOWS relationship in the store: network ACL rules were not collected.",
    ),
    _rule(
        "cis-sg-ssh-internet",
        "which-security-group-rules-allow-inbound-ssh-traffic-from-the-internet?",
        "5.2",
        "high",
        "No security group lets the Internet reach SSH (22)",
        "FIND aws_security_group THAT ALLOWS AS rule internet "
        f"WHERE rule.ingress = true AND {_admin_port(22)}",
        "aws_security_group",
    ),
    _rule(
        "cis-sg-rdp-internet",
        "which-security-group-rules-allow-inbound-rdp-(remote-desktop)-traffic-from-the-internet?",
        "5.2",
        "high",
        "No security group lets the Internet reach RDP (3389)",
        "FIND aws_security_group THAT ALLOWS AS rule internet "
        f"WHERE rule.ingress = true AND {_admin_port(3389)}",
        "aws_security_group",
    ),
    _rule(
        "cis-sg-ipv6-admin-ports",
        "are-there-security-groups-that-allow-ingress-from-::/0-to-remote-server-administration-ports?",
        "5.3",
        "high",
        "No security group lets all of IPv6 (::/0) reach SSH or RDP",
        "FIND aws_security_group THAT ALLOWS AS rule internet WHERE rule.ingress = true "
        f"AND rule.ipRange = '::/0' AND ({_admin_port(22)} OR {_admin_port(3389)})",
        "aws_security_group",
    ),
    _rule(
        "cis-default-sg-ingress",
        "are-there-any-default-security-groups-allowing-all-egress/outbound-traffic?",
        "5.4",
        "medium",
        "Default security groups let no traffic of every protocol in from the Internet",
        "FIND aws_security_group WITH name = 'default' AND exception != true THAT ALLOWS AS rule internet "
        "WHERE rule.ingress = true AND rule.ipProtocol = ('*' OR 'all' OR 'any' OR '-1')",
        "aws_security_group",
    ),
    _rule(
        "cis-default-sg-egress",
        "are-there-any-default-security-groups-allowing-all-egress/outbound-traffic?",
        "5.4",
        "medium",
        "Default security groups let no traffic of every protocol out to the Internet",
        "FIND aws_security_group WITH name = 'default' AND exception != true THAT ALLOWS AS rule internet "
        "WHERE rule.egress = true AND rule.ipProtocol = ('*' OR 'all' OR 'any' OR '-1')",
        "aws_security_group",
    ),
    _rule(
        "cis-imdsv2",
        "which-ec2-instances-are-using-metadata-version-1-(imdsv1)",
        "5.6",
        "medium",
        "EC2 instances require IMDSv2",
        "FIND aws_instance WITH httpTokens != 'required'",
        "aws_instance",
        collected_when="FIND aws_instance WITH httpTokens != undefined",
    ),
)
