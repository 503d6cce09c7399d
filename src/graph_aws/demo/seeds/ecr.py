"""ECR: per region, a repository that scans on push, encrypted with a KMS key and readable by anyone
(a public policy), holding a scanned image (moto's scan reports one HIGH finding) and an unscanned one."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.s3 import a_key_arn

REPOSITORY = "graph-aws-demo/web"
PUBLIC_PULL = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "pull", "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage"]}],
}


def patch_moto() -> None:
    """moto's DescribeImages leaves out an image's scan status and findings summary: answer them as
    AWS does once the image is scanned (moto's scan reports one HIGH finding)."""
    from moto.ecr.models import Image

    def status(image: Any) -> dict[str, str] | None:
        return (
            {"status": "COMPLETE", "description": "The scan was completed successfully."}
            if image.last_scan
            else None
        )

    def summary(image: Any) -> dict[str, Any] | None:
        if not image.last_scan:
            return None
        return {"imageScanCompletedAt": image.last_scan.astimezone(UTC), "findingSeverityCounts": {"HIGH": 1}}

    Image.image_scan_status = property(status)  # type: ignore[attr-defined]
    Image.image_scan_findings_summary = property(summary)  # type: ignore[attr-defined]


def manifest(layer: str) -> str:
    """An image manifest; moto derives the image's digest from its layers' digests."""
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 7023,
                "digest": f"sha256:{'c' * 64}",
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 32654,
                    "digest": f"sha256:{layer * 64}",
                }
            ],
        }
    )


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        ecr = client("ecr", region)
        ecr.create_repository(
            repositoryName=REPOSITORY,
            imageScanningConfiguration={"scanOnPush": True},
            encryptionConfiguration={"encryptionType": "KMS", "kmsKey": a_key_arn(client("kms", region))},
        )
        ecr.set_repository_policy(repositoryName=REPOSITORY, policyText=json.dumps(PUBLIC_PULL))
        ecr.put_image(repositoryName=REPOSITORY, imageManifest=manifest("a"), imageTag="v1")
        ecr.put_image(repositoryName=REPOSITORY, imageManifest=manifest("b"), imageTag="v2")
        ecr.start_image_scan(repositoryName=REPOSITORY, imageId={"imageTag": "v1"})
