"""ECR: repositories, their images and the findings of scanned images."""

from __future__ import annotations

import boto3
import botocore.handlers
import pytest
from botocore.stub import Stubber

from graph_aws.aws.resources.ecr import ECR_REPOSITORIES, enrich_repository, to_ecr_repository
from graph_aws.aws.resources.registry import Where, resource_step
from graph_aws.demo.seeds.ecr import REPOSITORY, seed
from graph_aws.engine import JobState, StepContext, StepStatus

ACCOUNT = "123456789012"
STEPS = ("fetch-ecr-repositories", "fetch-ecr-images", "fetch-ecr-image-scan-findings")


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


@pytest.fixture
def findings_calls():
    calls = []
    entry = (
        "before-parameter-build.ecr.DescribeImageScanFindings",
        lambda params, **_: calls.append(dict(params)),
    )
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield calls
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_repositories_images_and_findings(run_steps, client, findings_calls):
    seed(client, ACCOUNT, ["us-east-1"])
    kms = client("kms", "us-east-1")
    seeded_key = kms.list_keys()["Keys"][0]["KeyArn"]
    key = kms.create_key()["KeyMetadata"]["Arn"]
    client("ecr", "eu-west-1").create_repository(
        repositoryName="private", encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key}
    )
    result = run_steps(*STEPS)
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)

    repositories = {r["name"]: r for r in result.job_state.iter_entities("aws_ecr_repository")}
    assert set(repositories) == {REPOSITORY, "private"}
    web, private = repositories[REPOSITORY], repositories["private"]
    assert web["_key"] == web["arn"] == f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{REPOSITORY}"
    assert web["_class"] == ["Repository"] and web["accountId"] == ACCOUNT and web["region"] == "us-east-1"
    assert web["scanOnPush"] is True and web["immutableTags"] is False and web["encryptionType"] == "KMS"
    assert web["public"] is True and web["hasPolicy"] is True
    assert private["public"] is False and private["hasPolicy"] is False and private["kmsKey"] == key
    assert ends(result, "aws_ecr_repository_uses_kms_key") == {
        (private["_key"], key),
        (web["_key"], seeded_key),
    }

    images = {i["name"]: i for i in result.job_state.iter_entities("aws_ecr_image")}
    assert set(images) == {f"{REPOSITORY}:v1", f"{REPOSITORY}:v2"}
    scanned, unscanned = images[f"{REPOSITORY}:v1"], images[f"{REPOSITORY}:v2"]
    assert scanned["_key"] == f"{web['arn']}@{scanned['imageDigest']}" and scanned["_class"] == ["Image"]
    assert scanned["imageTags"] == ["v1"] and scanned["scanStatus"] == "COMPLETE"
    assert (
        scanned["findingsCount"] == 1
        and scanned["highFindings"] == 1
        and isinstance(scanned["pushedOn"], int)
    )
    assert "scanStatus" not in unscanned and "findingsCount" not in unscanned
    assert ends(result, "aws_ecr_repository_has_image") == {(web["_key"], i["_key"]) for i in images.values()}

    (finding,) = result.job_state.iter_entities("aws_ecr_image_scan_finding")
    assert finding["_class"] == ["Finding"] and finding["name"] == "CVE-9999-9999"
    assert finding["severity"] == "HIGH" and finding["numericSeverity"] == 7.5 and finding["open"] is True
    assert finding["packageName"] == "moto_fake" and finding["packageVersion"] == "9.9.9"
    assert finding["webLink"].startswith("https://cve.mitre.org/") and finding["category"] == "vulnerability"
    assert ends(result, "aws_ecr_image_has_scan_finding") == {(scanned["_key"], finding["_key"])}
    # Only the image whose summary counts findings is asked for them.
    assert [call["imageId"] for call in findings_calls] == [{"imageDigest": scanned["imageDigest"]}]
    assert len(ends(result, "aws_ecr_has_image_scan_finding")) == 1


def test_a_repository_without_registry_id_or_with_a_policy_that_is_not_json_keeps_its_entity():
    ecr = boto3.client("ecr", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    raw = {"repositoryArn": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/web", "repositoryName": "web"}
    where = Where(ACCOUNT, "aws", "us-east-1")
    context = StepContext(step=resource_step(ECR_REPOSITORIES), job_state=JobState(), resources=None)
    repository = context.job_state.add_entity(to_ecr_repository(raw, where))
    with Stubber(ecr) as stub:
        # No registryId in the answer: the call is about the account's own registry.
        stub.add_response("get_repository_policy", {"policyText": "not json"}, {"repositoryName": "web"})
        enrich_repository(context, ecr, where, raw, repository)
    enriched = context.job_state.find_entity(repository["_key"])
    assert enriched["hasPolicy"] is True and "public" not in enriched
    assert any("not a JSON object" in w for w in context.warnings)
