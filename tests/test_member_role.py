"""The member-role templates: generated from the steps' permissions, kept in the repository without
drift, valid for cfn-lint and Terraform's syntax, and split to fit IAM's size limit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest
from click.testing import CliRunner

from graph_aws.cli import cli
from graph_aws.commands_permissions import account_actions
from graph_aws.member_role import MANAGED_POLICY_MAX_CHARS, split_policy_documents
from graph_aws.member_role.policies import policy_size

ROOT = Path(__file__).resolve().parent.parent
CLOUDFORMATION = ROOT / "deploy/cloudformation/graph-aws-member-role.json"
TERRAFORM = ROOT / "deploy/terraform/graph-aws-member-role/main.tf"


def printed(*args: str) -> str:
    result = CliRunner().invoke(cli, ["permissions", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    ("fmt", "path"), [("cloudformation", CLOUDFORMATION), ("terraform", TERRAFORM)], ids=["cfn", "tf"]
)
def test_the_templates_in_the_repository_are_what_the_command_prints(fmt, path):
    assert path.read_text() == printed("--format", fmt), (
        f"{path.relative_to(ROOT)} is stale: graph-aws permissions --format {fmt} > {path.relative_to(ROOT)}"
    )


def template_actions(template: dict) -> list[str]:
    return [
        action
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        for action in statement["Action"]
    ]


def test_the_cloudformation_role_trusts_the_management_account_with_the_external_id_and_grants_the_policy():
    template = json.loads(CLOUDFORMATION.read_text())
    policy = json.loads(printed())["Statement"][0]["Action"]
    assert template_actions(template) == policy == account_actions()
    role = template["Resources"]["MemberRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"]["AWS"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::${ManagementAccountId}:root"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
    assert template["Parameters"]["ExternalId"]["NoEcho"] is True
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            assert resource["Properties"]["Roles"] == [{"Ref": "MemberRole"}]
            assert policy_size(resource["Properties"]["PolicyDocument"]) <= MANAGED_POLICY_MAX_CHARS


def test_cfn_lint_passes_on_the_template():
    lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(lint), str(CLOUDFORMATION)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def unquote(value: str) -> str:
    """python-hcl2 keeps a string literal's quotes; an expression comes as `${...}`."""
    return json.loads(value) if value.startswith('"') else value


def test_the_terraform_module_parses_and_attaches_exactly_the_printed_actions():
    module = hcl2.loads(TERRAFORM.read_text())
    documents = {
        unquote(name): body
        for block in module["data"]
        for kind, named in block.items()
        if unquote(kind) == "aws_iam_policy_document"
        for name, body in named.items()
    }
    actions = [
        unquote(action)
        for name, body in sorted(documents.items())
        if name.startswith("read_only_")
        for statement in body["statement"]
        for action in statement["actions"]
    ]
    assert actions == account_actions()
    (trust,) = documents["trust"]["statement"]
    (condition,) = trust["condition"]
    assert unquote(condition["variable"]) == "sts:ExternalId"
    assert condition["values"] == ["${var.external_id}"]
    (principals,) = trust["principals"]
    assert unquote(principals["identifiers"][0]).endswith(":iam::${var.management_account_id}:root")
    resources = {unquote(kind): named for block in module["resource"] for kind, named in block.items()}
    policies = {unquote(name) for name in resources["aws_iam_policy"]}
    attachments = resources["aws_iam_role_policy_attachment"]
    assert (
        policies
        == {unquote(name) for name in attachments}
        == {n for n in documents if n.startswith("read_only_")}
    )
    for name, attachment in attachments.items():
        assert attachment["policy_arn"] == f"${{aws_iam_policy.{unquote(name)}.arn}}"
    variables = {unquote(name): body for block in module["variable"] for name, body in block.items()}
    assert variables["external_id"]["sensitive"] is True


def test_actions_beyond_one_managed_policy_are_split_in_order_each_under_the_limit():
    actions = [f"service{n:03d}:DescribeSomethingRatherLong{n:03d}" for n in range(400)]
    documents = split_policy_documents(actions)
    assert len(documents) > 1
    assert all(policy_size(d) <= MANAGED_POLICY_MAX_CHARS for d in documents)
    assert [a for d in documents for a in d["Statement"][0]["Action"]] == actions
    assert [d["Statement"][0]["Sid"] for d in documents] == [
        f"GraphAwsReadOnly{n}" for n in range(1, len(documents) + 1)
    ]
    # As many as fit: the first document could not take the second's first action.
    first, second = documents[0]["Statement"][0]["Action"], documents[1]["Statement"][0]["Action"]
    assert policy_size(split_policy_documents([*first, second[0]], limit=10**6)[0]) > MANAGED_POLICY_MAX_CHARS


def test_more_actions_than_a_role_can_attach_policies_for_is_an_error_that_says_so():
    actions = [f"service{n:04d}:DescribeSomethingRatherLong{n:04d}" for n in range(2500)]
    with pytest.raises(ValueError, match="more than the 10 IAM attaches to a role"):
        split_policy_documents(actions)
