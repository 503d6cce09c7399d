"""AWS Config: rules with their compliance, read with one compliance listing per region."""

from __future__ import annotations

import botocore.handlers
import pytest

from graph_aws.demo.seeds.configservice import NON_COMPLIANT_RULE, patch_moto_config_compliance
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


@pytest.fixture
def rules(client):
    patch_moto_config_compliance()  # moto lacks DescribeComplianceByConfigRule
    for region in ("us-east-1", "eu-west-1"):
        config = client("config", region)
        for name, identifier in (
            (NON_COMPLIANT_RULE, "S3_BUCKET_VERSIONING_ENABLED"),
            ("root-mfa", "ROOT_ACCOUNT_MFA_ENABLED"),
        ):
            config.put_config_rule(
                ConfigRule={
                    "ConfigRuleName": name,
                    "Description": f"{name} check",
                    "Source": {"Owner": "AWS", "SourceIdentifier": identifier},
                    "InputParameters": "{}",
                }
            )


def test_rules_carry_their_compliance(run_steps, rules):
    calls = []
    entry = ("before-call.config-service.DescribeComplianceByConfigRule", lambda **_: calls.append(1))
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        result = run_steps("fetch-config-rules")
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    assert next(r for r in result.step_results if r.id == "fetch-config-rules").status is StepStatus.SUCCESS
    assert len(calls) == 2  # one per region, not one per rule
    found = {(r["region"], r["name"]): r for r in result.job_state.iter_entities("aws_config_rule")}
    assert len(found) == 4
    rule = found[("eu-west-1", NON_COMPLIANT_RULE)]
    assert rule["_key"] == rule["arn"] and rule["arn"].startswith(
        f"arn:aws:config:eu-west-1:{ACCOUNT}:config-rule/"
    )
    assert rule["_class"] == ["ControlPolicy"] and rule["accountId"] == ACCOUNT
    assert rule["complianceState"] == "NON_COMPLIANT"
    assert found[("eu-west-1", "root-mfa")]["complianceState"] == "INSUFFICIENT_DATA"
    assert rule["sourceOwner"] == "AWS" and rule["sourceIdentifier"] == "S3_BUCKET_VERSIONING_ENABLED"
    assert rule["state"] == "ACTIVE" and rule["description"] == f"{NON_COMPLIANT_RULE} check"
    evaluates = [
        r for r in result.job_state.relationships() if r["_type"] == "aws_config_rule_evaluates_account"
    ]
    assert {r["_toEntityKey"] for r in evaluates} == {f"arn:aws:iam::{ACCOUNT}:root"} and len(evaluates) == 4
    has = [r for r in result.job_state.relationships() if r["_type"] == "aws_config_has_rule"]
    assert {r["_fromEntityKey"] for r in has} == {f"aws_config:{ACCOUNT}"} and len(has) == 4


def test_a_compliance_that_names_no_rule_says_nothing_of_any(run_steps, rules):
    entry = (
        "after-call.config-service.DescribeComplianceByConfigRule",
        lambda parsed, **_: parsed["ComplianceByConfigRules"].append(
            {"Compliance": {"ComplianceType": "COMPLIANT"}}
        ),
    )
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        result = run_steps("fetch-config-rules", regions=("us-east-1",))
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    assert next(r for r in result.step_results if r.id == "fetch-config-rules").status is StepStatus.SUCCESS
    found = {r["name"]: r["complianceState"] for r in result.job_state.iter_entities("aws_config_rule")}
    assert found == {NON_COMPLIANT_RULE: "NON_COMPLIANT", "root-mfa": "INSUFFICIENT_DATA"}
