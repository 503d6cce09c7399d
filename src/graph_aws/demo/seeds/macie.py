"""Macie: enabled in the first region only (so the others show where it is off), with Macie's sample
findings of two types: personal data in an object, and a bucket open to the public.

moto lacks CreateSampleFindings, ListFindings and GetFindings. `patch_moto` adds them; a sample
finding is about the account's first bucket in the region (by name), where Macie's own samples name
made-up ones, so the demo's graph links it.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from graph_aws.demo.seeds import ClientFactory

SAMPLE_TYPES = ("SensitiveData:S3Object/Personal", "Policy:IAMUser/S3BucketPublic")
_SEVERITY = {"SensitiveData:S3Object/Personal": ("High", 3), "Policy:IAMUser/S3BucketPublic": ("High", 3)}
_NAMESPACE = uuid.UUID("8d2b0c37-5f8e-4a07-bd0d-3a1c6e5f9b20")


def _findings(backend: Any) -> list[dict[str, Any]]:
    if not hasattr(backend, "_graph_aws_findings"):
        backend._graph_aws_findings = []
    findings: list[dict[str, Any]] = backend._graph_aws_findings
    return findings


def _bucket(account_id: str, region: str) -> dict[str, Any]:
    from moto.s3.models import s3_backends

    buckets = sorted(
        (b for b in s3_backends[account_id]["aws"].buckets.values() if b.region_name == region),
        key=lambda b: b.name,
    )
    if not buckets:
        return {}
    return {"arn": f"arn:aws:s3:::{buckets[0].name}", "name": buckets[0].name, "owner": {"id": account_id}}


def patch_moto() -> None:
    from moto.core.responses import ActionResult
    from moto.macie2 import urls
    from moto.macie2.responses import MacieResponse

    if getattr(MacieResponse, "_graph_aws_patched", False):
        return

    def create_sample_findings(self: Any) -> ActionResult:
        self.macie_backend.get_macie_session()  # fails where Macie is not enabled
        stored = _findings(self.macie_backend)
        now = datetime.now(UTC).isoformat()
        for finding_type in json.loads(self.body or "{}").get("findingTypes") or SAMPLE_TYPES:
            label, score = _SEVERITY.get(finding_type, ("Medium", 2))
            bucket = _bucket(self.current_account, self.region)
            stored.append(
                {
                    "accountId": self.current_account,
                    "archived": False,
                    "category": "CLASSIFICATION" if finding_type.startswith("SensitiveData") else "POLICY",
                    "count": 1,
                    "createdAt": now,
                    "description": f"[SAMPLE] {finding_type} in bucket {bucket.get('name')}",
                    "id": uuid.uuid5(_NAMESPACE, f"{self.current_account}|{self.region}|{len(stored)}").hex,
                    "partition": "aws",
                    "region": self.region,
                    "resourcesAffected": {
                        "s3Bucket": bucket,
                        **({"s3Object": {"key": "customers.csv"}} if "S3Object" in finding_type else {}),
                    },
                    "sample": True,
                    "schemaVersion": "1.0",
                    "severity": {"description": label, "score": score},
                    "title": f"[SAMPLE] {finding_type}",
                    "type": finding_type,
                    "updatedAt": now,
                }
            )
        return ActionResult({})

    def list_findings(self: Any) -> ActionResult:
        criterion = (json.loads(self.body or "{}").get("findingCriteria") or {}).get("criterion") or {}
        archived = (criterion.get("archived") or {}).get("eq")
        ids = [
            f["id"]
            for f in _findings(self.macie_backend)
            if not archived or str(f["archived"]).lower() in archived
        ]
        return ActionResult({"findingIds": ids})

    def get_findings(self: Any) -> ActionResult:
        wanted = json.loads(self.body or "{}").get("findingIds") or []
        return ActionResult({"findings": [f for f in _findings(self.macie_backend) if f["id"] in wanted]})

    MacieResponse.create_sample_findings = create_sample_findings  # type: ignore[attr-defined]
    MacieResponse.list_findings = list_findings  # type: ignore[attr-defined]
    MacieResponse.get_findings = get_findings  # type: ignore[attr-defined]
    for path in ("findings", "findings/describe", "findings/sample"):
        urls.url_paths[f"{{0}}/{path}$"] = MacieResponse.dispatch
    setattr(MacieResponse, "_graph_aws_patched", True)  # noqa: B010


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    patch_moto()
    macie = client("macie2", regions[0])
    macie.disable_macie()  # moto starts with Macie on, every setting at its default
    macie.enable_macie(findingPublishingFrequency="SIX_HOURS")
    macie.create_sample_findings(findingTypes=list(SAMPLE_TYPES))
    for region in regions[1:]:
        client("macie2", region).disable_macie()  # moto has Macie enabled everywhere at first
