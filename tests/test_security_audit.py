"""What AWS's managed policy SecurityAudit grants of the actions `graph-aws permissions` prints, and
the README's list of those it lacks.

The policy document is a pinned copy (tests/data/security_audit_policy.json says where it came from
and when); IAM matches actions without regard to case, `*` standing for any characters and `?` for
one (IAM User Guide, "IAM JSON policy elements: Action").
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph_aws.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PINNED = json.loads((Path(__file__).parent / "data/security_audit_policy.json").read_text())
BEGIN = "<!-- security-audit-missing: the list test_security_audit.py checks -->"
END = "<!-- /security-audit-missing -->"


def action_pattern(action: str) -> re.Pattern[str]:
    return re.compile(re.escape(action).replace(r"\*", ".*").replace(r"\?", "."), re.IGNORECASE)


def allowed_by(document: dict, action: str) -> bool:
    """Whether an Allow statement names the action and no Deny does (Resource aside: the one
    statement of SecurityAudit on named resources, API Gateway's GET, names those graph-aws reads)."""
    verdicts = set()
    for statement in document["Statement"]:
        actions = statement.get("Action", [])
        for pattern in [actions] if isinstance(actions, str) else actions:
            if action_pattern(pattern).fullmatch(action):
                verdicts.add(statement["Effect"])
    return "Allow" in verdicts and "Deny" not in verdicts


@pytest.mark.parametrize(
    ("pattern", "action", "matches"),
    [
        ("ec2:Describe*", "ec2:DescribeVpcs", True),
        ("EC2:describe*", "ec2:DescribeVpcs", True),
        ("ec2:Describe*", "ec2:GetEbsEncryptionByDefault", False),
        ("s3:GetBucket?cl", "s3:GetBucketAcl", True),
        ("s3:GetBucket?cl", "s3:GetBucketPolicy", False),
        ("iam:Get*", "iam:GetAccountAuthorizationDetails", True),
        ("kms:List*", "kms:ListKeysAndMore", True),
        ("kms:ListKeys", "kms:ListKeysAndMore", False),
    ],
)
def test_actions_match_as_iam_matches_them(pattern, action, matches):
    document = {"Statement": [{"Effect": "Allow", "Action": [pattern], "Resource": "*"}]}
    assert allowed_by(document, action) is matches


def printed_actions() -> list[str]:
    result = CliRunner().invoke(cli, ["permissions"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["Statement"][0]["Action"]


def test_the_readme_lists_exactly_the_printed_actions_security_audit_lacks():
    missing = [a for a in printed_actions() if not allowed_by(PINNED["document"], a)]
    readme = (ROOT / "README.md").read_text()
    assert BEGIN in readme and END in readme, f"the README needs the block {BEGIN} ... {END}"
    listed = re.findall(r"^- `([^`]+)`", readme.split(BEGIN, 1)[1].split(END, 1)[0], re.MULTILINE)
    expected = "\n".join(f"- `{a}`" for a in missing)
    assert listed == missing, f"SecurityAudit lacks these; put them in the README:\n{expected}"
