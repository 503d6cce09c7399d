"""The account checks, as data: each rule is a J1QL query whose rows are the failing entities.

A rule passes when its query finds nothing -- but only if what it looks at was collected. So each
rule also names the entity types it needs and, where a property is only written by some runs (the
contact email in organization mode, fields a later collection adds), a J1QL query that must find
something for the rule to be judged at all.
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("info", "low", "medium", "high", "critical")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str  # one of SEVERITIES
    control: str  # the CIS AWS Foundations recommendation and AWS Security Hub control it maps to
    j1ql: str  # finds the entities that fail
    required_types: tuple[str, ...]
    collected_when: str | None = None  # J1QL that must find something, or the rule is "not collected"
    note: str = ""
    pack: str = "graph-aws"  # the pack `check --pack` selects it by
    follows: str = ""  # the JupiterOne rule it follows: "<pack file>: <rule name> (<query name>)"


RULES: tuple[Rule, ...] = (
    Rule(
        id="account-contact-email",
        title="AWS accounts have a contact email",
        severity="low",
        control="CIS AWS Foundations 1.1 (maintain current contact details)",
        # Accounts graph-aws ingests: not those only seen in a trust policy (JupiterOne's own filter).
        j1ql="FIND aws_account WITH _source != 'system-mapper' AND email = undefined",
        required_types=("aws_account",),
        collected_when="FIND aws_account WITH master = true",
        note="The account email is read from AWS Organizations: collect with --organization.",
    ),
    Rule(
        id="account-security-contact",
        title="AWS accounts have a security contact registered",
        severity="medium",
        control="CIS AWS Foundations 1.2; AWS Security Hub Account.1",
        j1ql="FIND aws_account WITH securityContactRegistered = false",
        required_types=("aws_account",),
        collected_when="FIND aws_account WITH securityContactRegistered != undefined",
    ),
    Rule(
        id="root-mfa",
        title="The root user has MFA enabled",
        severity="critical",
        control="CIS AWS Foundations 1.5; AWS Security Hub IAM.9",
        j1ql="FIND aws_account WITH mfaEnabled = false",
        required_types=("aws_account",),
        collected_when="FIND aws_account WITH mfaEnabled != undefined",
    ),
    Rule(
        id="root-access-keys",
        title="The root user has no access keys",
        severity="critical",
        control="CIS AWS Foundations 1.4; AWS Security Hub IAM.4",
        # A count since this version; true in a store written before it.
        j1ql="FIND aws_account WITH accountAccessKeysPresent > 0 OR accountAccessKeysPresent = true",
        required_types=("aws_account",),
        collected_when="FIND aws_account WITH accountAccessKeysPresent != undefined",
    ),
    Rule(
        id="password-policy-strength",
        title="The account password policy is strong",
        severity="medium",
        control="CIS AWS Foundations 1.8, 1.9; AWS Security Hub IAM.15, IAM.16",
        j1ql=(
            "FIND aws_iam_account_password_policy WITH minLength < 14 OR minLength = undefined "
            "OR historyCount < 24 OR historyCount = undefined OR requireUppercase != true "
            "OR requireLowercase != true OR requireSymbols != true OR requireNumbers != true"
        ),
        required_types=("aws_iam_account_password_policy",),
        note="Length at least 14, the last 24 passwords remembered, all four character classes required.",
    ),
    Rule(
        id="iam-user-mfa",
        title="IAM users with a console password have MFA",
        severity="high",
        control="CIS AWS Foundations 1.10; AWS Security Hub IAM.5",
        j1ql="FIND aws_iam_user WITH passwordEnabled = true AND mfaEnabled != true",
        required_types=("aws_iam_user",),
        collected_when="FIND aws_iam_user WITH mfaEnabled != undefined",
    ),
    Rule(
        id="access-key-age",
        title="Active access keys are rotated within 90 days",
        severity="medium",
        control="CIS AWS Foundations 1.14; AWS Security Hub IAM.3",
        j1ql="FIND aws_iam_access_key WITH status = 'Active' AND createdOn < date.now - 90days",
        required_types=("aws_iam_access_key",),
    ),
    Rule(
        id="cloudtrail-all-regions",
        title="Every account has a multi-region CloudTrail trail that is logging",
        severity="high",
        control="CIS AWS Foundations 3.1; AWS Security Hub CloudTrail.1",
        j1ql=(
            "FIND aws_account WITH _source != 'system-mapper' "
            "THAT !HAS aws_cloudtrail WITH multiRegionLogging = true"
        ),
        required_types=("aws_account", "aws_cloudtrail"),
        note="Reads the account's aws_cloudtrail service entity, which says whether a multi-region "
        "trail logs; each trail's settings are on its LOGS relationships, as JupiterOne's rules read them.",
    ),
    Rule(
        id="s3-bucket-public",
        title="S3 buckets are not open to the public",
        severity="high",
        control="CIS AWS Foundations 2.1.4; AWS Security Hub S3.8",
        j1ql="FIND aws_s3_bucket WITH public = true",
        required_types=("aws_s3_bucket",),
    ),
    Rule(
        id="default-security-group",
        title="Default security groups allow no inbound traffic",
        severity="medium",
        control="CIS AWS Foundations 5.4; AWS Security Hub EC2.2",
        j1ql="FIND aws_security_group WITH name = 'default' THAT ALLOWS AS rule * WHERE rule.ingress = true",
        required_types=("aws_security_group",),
    ),
    Rule(
        id="ebs-volume-encrypted",
        title="EBS volumes are encrypted",
        severity="medium",
        control="CIS AWS Foundations 2.2.1; AWS Security Hub EC2.3",
        j1ql="FIND aws_ebs_volume WITH encrypted != true",
        required_types=("aws_ebs_volume",),
    ),
)


def at_or_above(severity: str, threshold: str) -> bool:
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)
