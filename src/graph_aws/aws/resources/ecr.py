"""ECR: repositories (scan on push, tag mutability, encryption, a public policy), their images, and
the findings of each image's vulnerability scan.

Images are listed per repository and findings per image, because the API nests them; findings are
asked for only for images whose scan summary counts some, so unscanned and clean images cost no call.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from graph_aws.aws.api import error_code
from graph_aws.aws.resources.kms import KMS_KEY
from graph_aws.aws.resources.registry import (
    Parent,
    ResourceSpec,
    ServiceSpec,
    Where,
    required_id,
    resource_step,
)
from graph_aws.aws.resources.s3.access import policy_is_public
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, epoch_millis, make_entity, make_relationship

ECR = ServiceSpec("ecr", "ECR", EntityType("ECR", "aws_ecr", ("Service",)), function=("container-registry",))
ECR_REPOSITORY = EntityType("ECR Repository", "aws_ecr_repository", ("Repository",))
ECR_IMAGE = EntityType("ECR Image", "aws_ecr_image", ("Image",))
ECR_IMAGE_SCAN_FINDING = EntityType("ECR Image Scan Finding", "aws_ecr_image_scan_finding", ("Finding",))
REPOSITORY_USES_KMS_KEY = RelationshipType(ECR_REPOSITORY, "USES", KMS_KEY)

# ECR's severities on JupiterOne's 0-10 scale, where a finding carries no CVSS score.
NUMERIC_SEVERITY = {"CRITICAL": 10, "HIGH": 7, "MEDIUM": 5, "LOW": 2, "INFORMATIONAL": 0}


def to_ecr_repository(raw: Mapping[str, Any], where: Where) -> Entity:
    scanning = raw.get("imageScanningConfiguration") or {}
    encryption = raw.get("encryptionConfiguration") or {}
    mutability = raw.get("imageTagMutability")
    return make_entity(
        key=raw["repositoryArn"],
        type=ECR_REPOSITORY.type,
        classes=ECR_REPOSITORY.classes,
        name=raw["repositoryName"],
        properties={
            "arn": raw["repositoryArn"],
            "repositoryName": raw["repositoryName"],
            "registryId": raw.get("registryId"),
            "repositoryUri": raw.get("repositoryUri"),
            "imageTagMutability": mutability,
            "immutableTags": mutability.startswith("IMMUTABLE") if mutability else None,
            "scanOnPush": scanning.get("scanOnPush"),
            "encrypted": True,  # ECR always encrypts at rest, with AES256 unless a KMS key is named
            "encryptionType": encryption.get("encryptionType"),
            "kmsKey": encryption.get("kmsKey"),
            "createdOn": epoch_millis(raw.get("createdAt")),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_repository(
    context: StepContext, ecr: Any, where: Where, raw: Mapping[str, Any], repository: Entity
) -> None:
    try:
        policy = ecr.get_repository_policy(repositoryName=raw["repositoryName"], **in_registry(raw))
        text = policy.get("policyText") or "{}"
    except Exception as error:
        if error_code(error) != "RepositoryPolicyNotFoundException":
            raise
        text = "{}"
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if not isinstance(document, dict):  # the policy is there, but what it allows is not known
        context.warn(f"{repository['_key']}: the repository policy is not a JSON object; public left out")
        context.job_state.enrich_entity(repository["_key"], {"hasPolicy": True})
    else:
        context.job_state.enrich_entity(
            repository["_key"], {"hasPolicy": bool(document), "public": policy_is_public(document)}
        )
    key = (raw.get("encryptionConfiguration") or {}).get("kmsKey")
    if key:
        context.job_state.add_relationship(
            make_relationship(from_entity=repository, verb="USES", to_type=KMS_KEY.type, to_key=key)
        )


def in_registry(item: Mapping[str, Any]) -> dict[str, str]:
    """The registryId parameter of a call about a repository: without one (AWS may leave it out),
    the call is about the account's own registry."""
    registry = item.get("registryId")
    return {"registryId": registry} if registry else {}


def image_key(repository_arn: str, digest: str) -> str:
    """Images have no ARN: the repository's, with the image's digest."""
    return f"{repository_arn}@{digest}"


def to_ecr_image(raw: Mapping[str, Any], where: Where) -> Entity:
    assert where.parent is not None  # listed per repository
    digest = required_id(raw["imageDigest"], "imageDigest", f"aws_ecr_image of {where.parent['_key']}")
    tags = raw.get("imageTags") or []
    repository = raw.get("repositoryName") or where.parent["repositoryName"]
    summary = raw.get("imageScanFindingsSummary") or {}
    counts = summary.get("findingSeverityCounts") or {}
    return make_entity(
        key=image_key(where.parent["_key"], digest),
        type=ECR_IMAGE.type,
        classes=ECR_IMAGE.classes,
        name=f"{repository}:{tags[0]}" if tags else f"{repository}@{digest}",
        properties={
            "imageDigest": digest,
            "imageTags": tags or None,
            "tagged": bool(tags),
            "repositoryName": repository,
            "registryId": raw.get("registryId"),
            "repositoryArn": where.parent["_key"],
            "imageSizeInBytes": raw.get("imageSizeInBytes"),
            "manifestMediaType": raw.get("imageManifestMediaType"),
            "pushedOn": epoch_millis(raw.get("imagePushedAt")),
            "lastPulledOn": epoch_millis(raw.get("lastRecordedPullTime")),
            "scanStatus": (raw.get("imageScanStatus") or {}).get("status"),
            "scanCompletedOn": epoch_millis(summary.get("imageScanCompletedAt")),
            "findingsCount": sum(counts.values()) if summary else None,
            **{f"{severity.lower()}Findings": count for severity, count in counts.items()},
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def image_findings_request(image: Entity) -> Mapping[str, Any] | None:
    """Ask for an image's findings only when its scan summary counts some."""
    if not image.get("findingsCount"):
        return None
    return {
        "repositoryName": image["repositoryName"],
        **in_registry(image),
        "imageId": {"imageDigest": image["imageDigest"]},
    }


def _attributes(raw: Mapping[str, Any]) -> dict[str, str]:
    return {a["key"]: a.get("value", "") for a in raw.get("attributes") or [] if a.get("key")}


def _score(text: str) -> float | None:
    """A CVSS score from the finding's attributes (text); None when there is none or it is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def to_ecr_image_scan_finding(raw: Mapping[str, Any], where: Where) -> Entity:
    assert where.parent is not None  # listed per image
    attributes = _attributes(raw)
    package = f"{attributes.get('package_name', '')}:{attributes.get('package_version', '')}"
    severity = raw.get("severity")
    score = _score(attributes.get("CVSS3_SCORE") or attributes.get("CVSS2_SCORE") or "")
    return make_entity(
        key=f"{where.parent['_key']}/{raw['name']}/{package}",
        type=ECR_IMAGE_SCAN_FINDING.type,
        classes=ECR_IMAGE_SCAN_FINDING.classes,
        name=raw["name"],
        properties={
            "description": raw.get("description"),
            "webLink": raw.get("uri"),
            "severity": severity,
            "numericSeverity": score if score is not None else NUMERIC_SEVERITY.get(severity or ""),
            "open": True,  # in the image's latest scan
            "category": "vulnerability",
            "packageName": attributes.get("package_name"),
            "packageVersion": attributes.get("package_version"),
            "cvss2Vector": attributes.get("CVSS2_VECTOR"),
            "cvss3Vector": attributes.get("CVSS3_VECTOR"),
            "imageDigest": where.parent["imageDigest"],
            "repositoryName": where.parent["repositoryName"],
            "accountId": where.account_id,
            "region": where.region,
        },
    )


ECR_REPOSITORIES = ResourceSpec(
    step_id="fetch-ecr-repositories",
    name="Fetch ECR repositories",
    service=ECR,
    client="ecr",
    operation="describe_repositories",
    result_key="repositories",
    entity=ECR_REPOSITORY,
    convert=to_ecr_repository,
    enrich=enrich_repository,
    relationships=(REPOSITORY_USES_KMS_KEY,),
    permissions=("ecr:DescribeRepositories", "ecr:GetRepositoryPolicy"),
)

ECR_IMAGES = ResourceSpec(
    step_id="fetch-ecr-images",
    name="Fetch ECR images",
    service=ECR,
    client="ecr",
    operation="describe_images",
    result_key="imageDetails",
    entity=ECR_IMAGE,
    convert=to_ecr_image,
    parent=Parent(
        ECR_REPOSITORIES.step_id,
        ECR_REPOSITORY,
        lambda repository: {
            "repositoryName": repository["repositoryName"],
            **in_registry(repository),
        },
    ),
    permissions=("ecr:DescribeImages",),
)

ECR_IMAGE_SCAN_FINDINGS = ResourceSpec(
    step_id="fetch-ecr-image-scan-findings",
    name="Fetch ECR image scan findings",
    service=ECR,
    client="ecr",
    operation="describe_image_scan_findings",
    result_key="imageScanFindings.findings",
    entity=ECR_IMAGE_SCAN_FINDING,
    convert=to_ecr_image_scan_finding,
    parent=Parent(ECR_IMAGES.step_id, ECR_IMAGE, image_findings_request),
    permissions=("ecr:DescribeImageScanFindings",),
)

STEPS = (
    ECR.step(),
    resource_step(ECR_REPOSITORIES),
    resource_step(ECR_IMAGES),
    resource_step(ECR_IMAGE_SCAN_FINDINGS),
)

# How the tests reach each type where it is not plain moto (the README's collected-types table).
TESTED_WITH = {
    "aws_ecr_image": "moto, patched (DescribeImages' scan status and findings summary)",
    "aws_ecr_image_scan_finding": "moto, patched (the scan summary that selects the images asked)",
}
