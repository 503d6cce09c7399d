"""IAM Access Analyzer: analyzers per region, and the findings each identified (moto patched: it has
no Access Analyzer, see demo/seeds/accessanalyzer.py)."""

from __future__ import annotations

import json

import botocore.handlers
from botocore.exceptions import ClientError

from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
EXTERNAL_ID = "the-external-id-of-a-role-7c1d"


def trusted_by_another_account(client):
    return client("iam").create_role(
        RoleName="vendor",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
                    }
                ],
            }
        ),
    )["Role"]["Arn"]


def test_analyzers_are_active_or_not_and_identify_their_findings_without_condition_values(run_steps, client):
    role = trusted_by_another_account(client)
    analyzer = client("accessanalyzer").create_analyzer(
        analyzerName="account", type="ACCOUNT", tags={"owner": "security"}
    )["arn"]
    result = run_steps("fetch-accessanalyzer-analyzers")
    step = next(r for r in result.step_results if r.id == "fetch-accessanalyzer-analyzers")
    assert step.status is StepStatus.SUCCESS

    (entity,) = result.job_state.iter_entities("aws_accessanalyzer_analyzer")
    assert entity["_key"] == analyzer == f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/account"
    assert entity["_class"] == ["Assessment", "Scanner"] and entity["name"] == "account"
    assert entity["active"] is True and entity["status"] == "ACTIVE" and entity["type"] == "ACCOUNT"
    assert entity["tag.owner"] == "security" and entity["region"] == "us-east-1"
    assert isinstance(entity["createdOn"], int)

    (finding,) = result.job_state.iter_entities("aws_accessanalyzer_finding")
    assert finding["_class"] == ["Finding"] and finding["resource"] == role
    assert finding["resourceType"] == "AWS::IAM::Role" and finding["public"] is False
    assert finding["principals"] == ["AWS:arn:aws:iam::210987654321:root"]
    assert finding["actions"] == ["sts:AssumeRole"] and finding["open"] is True
    assert finding["conditionKeys"] == ["sts:ExternalId"]
    assert EXTERNAL_ID not in json.dumps(finding)
    identified = [
        r
        for r in result.job_state.relationships()
        if r["_type"] == "aws_accessanalyzer_analyzer_identified_finding"
    ]
    assert [(r["_fromEntityKey"], r["_toEntityKey"]) for r in identified] == [(analyzer, finding["_key"])]


def test_a_region_without_an_analyzer_has_none_and_a_denied_region_costs_only_itself(run_steps, client):
    client("accessanalyzer", "us-east-1").create_analyzer(analyzerName="east", type="ACCOUNT")

    def deny(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "SCP"}}, model.name)

    entry = ("before-call.accessanalyzer.ListAnalyzers", deny)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        result = run_steps("fetch-accessanalyzer-analyzers", regions=("us-east-1", "eu-west-1", "ap-south-1"))
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    step = next(r for r in result.step_results if r.id == "fetch-accessanalyzer-analyzers")
    assert step.status is StepStatus.FAILURE
    assert step.error == (
        "fetch-accessanalyzer-analyzers: eu-west-1: access denied (AccessDeniedException); "
        "the role needs access-analyzer:ListAnalyzers, access-analyzer:ListFindings"
    )
    assert [a["region"] for a in result.job_state.iter_entities("aws_accessanalyzer_analyzer")] == [
        "us-east-1"
    ]
    assert "aws_accessanalyzer_analyzer" in result.partial_types
