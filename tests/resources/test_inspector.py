"""Inspector Classic (moto patched: see demo/seeds/inspector.py) and Inspector v2 findings."""

from __future__ import annotations

from datetime import UTC, datetime

from hand_answers import run_on_answers, step_result

from graph_aws.aws.botocore_sessions import offered_regions
from graph_aws.demo.seeds import inspector as seeded
from graph_aws.demo.seeds.ec2 import IMAGE_ID
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def an_instance(client, region="us-east-1", name="web-1"):
    return client("ec2", region).run_instances(
        ImageId=IMAGE_ID,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}],
    )["Instances"][0]["InstanceId"]


def pairs(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


def test_the_latest_run_of_each_template_and_the_findings_it_identified_on_instances(run_steps, client):
    instance = an_instance(client)
    inspector = client("inspector")
    target = inspector.create_assessment_target(assessmentTargetName="all")["assessmentTargetArn"]
    template = inspector.create_assessment_template(
        assessmentTargetArn=target, assessmentTemplateName="cve", durationInSeconds=3600, rulesPackageArns=[]
    )["assessmentTemplateArn"]
    inspector.start_assessment_run(assessmentTemplateArn=template, assessmentRunName="first")
    latest = inspector.start_assessment_run(assessmentTemplateArn=template, assessmentRunName="second")[
        "assessmentRunArn"
    ]
    result = run_steps("fetch-inspector-assessments")
    step = next(r for r in result.step_results if r.id == "fetch-inspector-assessments")
    assert step.status is StepStatus.SUCCESS, step.error

    (run,) = result.job_state.iter_entities("aws_inspector_assessment")
    assert run["_key"] == latest and run["name"] == "second" and run["_class"] == ["Assessment"]
    assert (
        run["state"] == "COMPLETED" and run["findingCountHigh"] == 1 and isinstance(run["completedOn"], int)
    )
    (finding,) = result.job_state.iter_entities("aws_inspector_finding")
    assert finding["_class"] == ["Finding"] and finding["assessmentRunArn"] == latest
    assert finding["numericSeverity"] == 9.0 and finding["severity"] == "high" and finding["open"] is True
    assert finding["instanceId"] == instance and finding["id"] == "CVE-2024-3094"
    instance_key = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{instance}"
    assert pairs(result, "aws_inspector_assessment_identified_finding") == {(latest, finding["_key"])}
    assert pairs(result, "aws_instance_has_inspector_finding") == {(instance_key, finding["_key"])}


def test_regions_without_inspector_classic_are_not_asked(run_steps, client):
    assert "us-east-1" in offered_regions("inspector", "aws")
    assert "ca-central-1" not in offered_regions("inspector", "aws")  # Classic never came there
    asked = []
    import botocore.handlers

    entry = (
        "before-call.inspector.ListAssessmentRuns",
        lambda context, **_: asked.append(context["client_region"]),
    )
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        result = run_steps("fetch-inspector-assessments", regions=("us-east-1", "ca-central-1"))
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    assert asked == ["us-east-1"]
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)


def test_inspector_v2_active_findings_on_instances(run_steps, client):
    instance = an_instance(client, region="eu-west-1")
    function = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:api"
    seeded._queue_v2_findings(
        client, ACCOUNT, "eu-west-1", ("AWS_EC2_INSTANCE", instance), ("AWS_LAMBDA_FUNCTION", f"{function}:3")
    )
    result = run_steps("fetch-inspector-findings")
    findings = {f["resourceType"]: f for f in result.job_state.iter_entities("aws_inspectorv2_finding")}
    finding = findings["AWS_EC2_INSTANCE"]
    assert finding["_class"] == ["Finding"] and finding["region"] == "eu-west-1"
    assert finding["_key"].startswith(f"arn:aws:inspector2:eu-west-1:{ACCOUNT}:finding/")
    assert finding["type"] == "PACKAGE_VULNERABILITY" and finding["cveId"] == "CVE-2024-3094"
    assert (
        finding["severity"] == "critical" and finding["numericSeverity"] == 10.0 and finding["open"] is True
    )
    assert finding["vulnerablePackages"] == ["xz-utils_5.6.1-1"] and finding["resourceId"] == instance
    assert pairs(result, "aws_instance_has_inspectorv2_finding") == {
        (f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/{instance}", finding["_key"])
    }
    assert pairs(result, "aws_lambda_function_has_inspectorv2_finding") == {
        (function, findings["AWS_LAMBDA_FUNCTION"]["_key"])
    }


def test_runs_and_findings_that_cannot_be_keyed_are_left_out_and_the_others_kept():
    template = "arn:aws:inspector:us-east-1:123456789012:target/0-t/template/0-p"
    done, undated = f"{template}/run/0-done", f"{template}/run/0-undated"
    finding = f"{done}/finding/0-f"
    answers = {
        "ListAssessmentRuns": {"assessmentRunArns": [done, "", undated]},
        "DescribeAssessmentRuns": {
            "assessmentRuns": [
                {"arn": undated, "assessmentTemplateArn": template},
                {
                    "arn": done,
                    "assessmentTemplateArn": template,
                    "completedAt": datetime(2024, 5, 1, tzinfo=UTC),
                },
                {"name": "a run without an ARN"},
            ]
        },
        "ListFindings": {"findingArns": [finding]},
        "DescribeFindings": {
            "findings": [{"arn": "short"}, {"arn": finding, "serviceAttributes": {"assessmentRunArn": done}}]
        },
    }
    result = run_on_answers("fetch-inspector-assessments", answers=answers)
    step = step_result(result, "fetch-inspector-assessments")
    assert step.status is StepStatus.SUCCESS, step.error
    assert [r["_key"] for r in result.job_state.iter_entities("aws_inspector_assessment")] == [done]
    assert [f["_key"] for f in result.job_state.iter_entities("aws_inspector_finding")] == [finding]
    assert pairs(result, "aws_inspector_assessment_identified_finding") == {(done, finding)}
    assert any("'short'" in w for w in step.warnings)
