"""GuardDuty: detectors per region and the findings they identified (moto patched for findings,
see demo/seeds/guardduty.py)."""

from __future__ import annotations

import botocore.handlers
from botocore.exceptions import ClientError
from hand_answers import run_on_answers, step_result

from graph_aws.demo.seeds.ec2 import IMAGE_ID
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def test_detectors_and_their_open_findings_on_instances_and_users(run_steps, client):
    instance = client("ec2").run_instances(ImageId=IMAGE_ID, InstanceType="t3.micro", MinCount=1, MaxCount=1)[
        "Instances"
    ][0]["InstanceId"]
    client("iam").create_user(UserName="alice")
    guardduty = client("guardduty")
    detector = guardduty.create_detector(Enable=True, FindingPublishingFrequency="FIFTEEN_MINUTES")[
        "DetectorId"
    ]
    guardduty.create_sample_findings(
        DetectorId=detector,
        FindingTypes=["Backdoor:EC2/C&CActivity.B", "UnauthorizedAccess:IAMUser/MaliciousIPCaller"],
    )
    result = run_steps("fetch-guardduty-detectors")
    step = next(r for r in result.step_results if r.id == "fetch-guardduty-detectors")
    assert step.status is StepStatus.SUCCESS, step.error

    (entity,) = result.job_state.iter_entities("aws_guardduty_detector")
    assert entity["_key"] == f"arn:aws:guardduty:us-east-1:{ACCOUNT}:detector/{detector}"
    assert entity["_class"] == ["Assessment", "Scanner"] and entity["region"] == "us-east-1"
    assert entity["enabled"] is True and entity["status"] == "ENABLED"
    assert entity["findingPublishingFrequency"] == "FIFTEEN_MINUTES" and isinstance(entity["createdOn"], int)

    findings = {f["type"]: f for f in result.job_state.iter_entities("aws_guardduty_finding")}
    backdoor = findings["Backdoor:EC2/C&CActivity.B"]
    assert backdoor["_class"] == ["Finding"] and backdoor["_key"].startswith(f"{entity['_key']}/finding/")
    assert backdoor["numericSeverity"] == 8.0 and backdoor["severity"] == "high" and backdoor["open"] is True
    assert backdoor["instanceId"] == instance and backdoor["category"] == "Backdoor"
    caller = findings["UnauthorizedAccess:IAMUser/MaliciousIPCaller"]
    assert caller["userName"] == "alice" and caller["severity"] == "medium" and "instanceId" not in caller

    def pairs(type_):
        return {
            (r["_fromEntityKey"], r["_toEntityKey"])
            for r in result.job_state.relationships()
            if r["_type"] == type_
        }

    assert pairs("aws_guardduty_detector_identified_finding") == {
        (entity["_key"], f["_key"]) for f in findings.values()
    }
    assert pairs("aws_instance_has_guardduty_finding") == {
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{instance}", backdoor["_key"])
    }


def test_findings_are_read_fifty_at_a_time_and_a_denied_region_costs_only_itself(run_steps, client):
    from graph_aws.demo.seeds import guardduty as seeded

    guardduty = client("guardduty", "us-east-1")
    detector = guardduty.create_detector(Enable=True)["DetectorId"]
    for _ in range(60):  # the same types again and again: 120 findings
        guardduty.create_sample_findings(DetectorId=detector, FindingTypes=list(seeded.SAMPLE_TYPES))
    client("guardduty", "eu-west-1").create_detector(Enable=True)
    calls = []

    def deny_in_eu(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "SCP"}}, model.name)

    def count(params, **_):
        calls.append(len(params["FindingIds"]))

    entries = [
        ("before-call.guardduty.ListDetectors", deny_in_eu),
        ("before-parameter-build.guardduty.GetFindings", count),
    ]
    botocore.handlers.BUILTIN_HANDLERS.extend(entries)
    try:
        result = run_steps("fetch-guardduty-detectors")
    finally:
        for entry in entries:
            botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    step = next(r for r in result.step_results if r.id == "fetch-guardduty-detectors")
    assert calls == [50, 50, 20], step.error
    step = next(r for r in result.step_results if r.id == "fetch-guardduty-detectors")
    assert step.status is StepStatus.FAILURE and step.error.startswith(
        "fetch-guardduty-detectors: eu-west-1: access denied"
    )
    assert [d["region"] for d in result.job_state.iter_entities("aws_guardduty_detector")] == ["us-east-1"]
    assert "aws_guardduty_finding" in result.partial_types


def test_a_finding_without_an_arn_is_left_out_and_its_neighbours_kept():
    arn = "arn:aws:guardduty:us-east-1:123456789012:detector/d-1/finding/f-2"
    answers = {
        "ListDetectors": {"DetectorIds": ["d-1"]},
        "GetDetector": {
            "Status": "ENABLED",
            "Features": [{"Status": "ENABLED"}, {"Name": "S3", "Status": "ENABLED"}],
        },
        "ListFindings": {"FindingIds": ["f-1", "", "f-2"]},
        "GetFindings": {"Findings": [{"Id": "f-1", "Title": "no ARN"}, {"Arn": arn, "Id": "f-2"}]},
    }
    result = run_on_answers("fetch-guardduty-detectors", answers=answers)
    step = step_result(result, "fetch-guardduty-detectors")
    assert step.status is StepStatus.SUCCESS, step.error
    (detector,) = result.job_state.iter_entities("aws_guardduty_detector")
    assert detector["enabledFeatures"] == ["S3"]
    (finding,) = result.job_state.iter_entities("aws_guardduty_finding")
    assert finding["_key"] == arn and finding["name"] == "f-2"
    assert any("empty Arn" in w for w in step.warnings)
