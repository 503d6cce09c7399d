"""Macie: its session where it is enabled, and its findings on buckets (moto patched for findings,
see demo/seeds/macie.py); a region without Macie is no failure, a denied one is."""

from __future__ import annotations

import botocore.handlers
from botocore.exceptions import ClientError
from hand_answers import run_on_answers, step_result

from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def test_macie_where_enabled_with_its_findings_on_buckets(run_steps, client):
    client("s3").create_bucket(Bucket="customer-exports")
    client("macie2", "eu-west-1").disable_macie()  # moto has Macie enabled everywhere at first
    macie = client("macie2", "us-east-1")
    macie.disable_macie()  # moto starts with Macie on, every setting at its default
    macie.enable_macie(findingPublishingFrequency="ONE_HOUR")
    macie.create_sample_findings(findingTypes=["SensitiveData:S3Object/Personal"])
    result = run_steps("fetch-macie-findings")  # eu-west-1 has no Macie: nothing there, no failure
    step = next(r for r in result.step_results if r.id == "fetch-macie-findings")
    assert step.status is StepStatus.SUCCESS, step.error

    (service,) = result.job_state.iter_entities("aws_macie")
    assert service["_key"] == f"aws_macie:{ACCOUNT}:us-east-1" and service["_class"] == ["Service"]
    assert service["enabled"] is True and service["status"] == "ENABLED"
    assert service["findingPublishingFrequency"] == "ONE_HOUR" and service["region"] == "us-east-1"
    (finding,) = result.job_state.iter_entities("aws_macie_finding")
    assert finding["_class"] == ["Finding"] and finding["type"] == "SensitiveData:S3Object/Personal"
    assert finding["severity"] == "high" and finding["numericSeverity"] == 9 and finding["open"] is True
    assert finding["bucketName"] == "customer-exports" and finding["objectKey"] == "customers.csv"
    relationships = {r["_type"]: r for r in result.job_state.relationships()}
    assert relationships["aws_account_has_macie"]["_toEntityKey"] == service["_key"]
    assert relationships["aws_macie_has_finding"]["_toEntityKey"] == finding["_key"]
    bucket_has = relationships["aws_s3_bucket_has_macie_finding"]
    assert (bucket_has["_fromEntityKey"], bucket_has["_toEntityKey"]) == (
        "arn:aws:s3:::customer-exports",
        finding["_key"],
    )


def test_not_enabled_is_told_from_denied(run_steps, client):
    def answer(model, context, **_):
        if context.get("client_region") == "eu-west-1":  # AWS's answer where Macie is off
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "Macie is not enabled."}}, model.name
            )
        raise ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "denied by an SCP"}}, model.name
        )

    entry = ("before-call.macie2.GetMacieSession", answer)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        result = run_steps("fetch-macie-findings")
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    step = next(r for r in result.step_results if r.id == "fetch-macie-findings")
    assert step.status is StepStatus.FAILURE
    assert step.error == (
        "fetch-macie-findings: us-east-1: access denied (AccessDeniedException); "
        "the role needs macie2:GetMacieSession, macie2:ListFindings, macie2:GetFindings"
    )


def test_a_finding_without_an_id_is_left_out_and_the_others_kept():
    answers = {
        "GetMacieSession": {"status": "ENABLED"},
        "ListFindings": {"findingIds": ["f-1", ""]},
        "GetFindings": {"findings": [{"title": "no id"}, {"id": "f-1", "title": "Sensitive data"}]},
    }
    result = run_on_answers("fetch-macie-findings", answers=answers)
    step = step_result(result, "fetch-macie-findings")
    assert step.status is StepStatus.SUCCESS, step.error
    (finding,) = result.job_state.iter_entities("aws_macie_finding")
    assert finding["_key"] == "arn:aws:macie2:us-east-1:123456789012:finding/f-1"
    assert any("has no id" in w for w in step.warnings)
