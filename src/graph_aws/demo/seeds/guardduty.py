"""GuardDuty: per region, a detector and GuardDuty's sample findings of two types: a backdoor on an
instance (high) and an IAM user calling from a known malicious address (medium).

moto lacks CreateSampleFindings, ListFindings and GetFindings. `patch_moto` adds them; a sample
finding is about the region's earliest-launched instance that Auto Scaling did not launch (the EC2
seed's `web-1`), or the account's first IAM user, where AWS's own samples name made-up ones, so the
demo's graph links them.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from graph_aws.demo.seeds import ClientFactory

SAMPLE_TYPES = ("Backdoor:EC2/C&CActivity.B", "UnauthorizedAccess:IAMUser/MaliciousIPCaller")
# A few of GuardDuty's finding types, with their severity and title.
_TYPES = {
    "Backdoor:EC2/C&CActivity.B": (
        8.0,
        "EC2 instance is querying an IP address associated with a known command and control server.",
    ),
    "UnauthorizedAccess:IAMUser/MaliciousIPCaller": (
        5.0,
        "An API was invoked from a known malicious IP address.",
    ),
    "Recon:EC2/PortProbeUnprotectedPort": (2.0, "An unprotected port on an EC2 instance is being probed."),
}
_NAMESPACE = uuid.UUID("0f4e3d3a-9d0b-4c5e-8d1e-6b7f1c2a3b4d")


def _findings(backend: Any) -> dict[str, list[dict[str, Any]]]:
    if not hasattr(backend, "_graph_aws_findings"):
        backend._graph_aws_findings = {}
    findings: dict[str, list[dict[str, Any]]] = backend._graph_aws_findings
    return findings


def _resource(finding_type: str, account_id: str, region: str) -> dict[str, Any]:
    from moto.ec2.models import ec2_backends
    from moto.iam.models import iam_backends

    if ":EC2/" in finding_type:
        instances = sorted(
            (
                i
                for i in ec2_backends[account_id][region].all_instances()
                if not any(tag["key"] == "aws:autoscaling:groupName" for tag in i.get_tags())
            ),
            key=lambda i: (str(i.launch_time), i.id),
        )
        details = (
            {"InstanceId": instances[0].id, "InstanceType": instances[0].instance_type} if instances else {}
        )
        return {"ResourceType": "Instance", "InstanceDetails": details}
    users = sorted(
        iam_backends[account_id]["global"].users.values(), key=lambda u: (str(u.create_date), u.name)
    )
    user = users[0] if users else None
    return {
        "ResourceType": "AccessKey",
        "AccessKeyDetails": {
            "UserName": user.name if user else "root",
            "UserType": "IAMUser" if user else "Root",
            "PrincipalId": user.id if user else account_id,
        },
    }


def patch_moto() -> None:
    from moto.core.responses import ActionResult
    from moto.guardduty import urls
    from moto.guardduty.responses import GuardDutyResponse

    if getattr(GuardDutyResponse, "_graph_aws_patched", False):
        return

    def detector_id(self: Any) -> str:
        return str(self.path.split("/")[2])

    def create_sample_findings(self: Any) -> ActionResult:
        detector = detector_id(self)
        self.guardduty_backend.get_detector(detector)  # BadRequestException when there is none
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        stored = _findings(self.guardduty_backend).setdefault(detector, [])
        prefix = f"arn:aws:guardduty:{self.region}:{self.current_account}"
        for finding_type in json.loads(self.body or "{}").get("findingTypes") or SAMPLE_TYPES:
            severity, title = _TYPES.get(finding_type, (5.0, finding_type))
            finding_id = uuid.uuid5(_NAMESPACE, f"{prefix}|{detector}|{finding_type}|{len(stored)}").hex
            stored.append(
                {
                    "AccountId": self.current_account,
                    "Arn": f"{prefix}:detector/{detector}/finding/{finding_id}",
                    "Confidence": 5.0,
                    "CreatedAt": now,
                    "Description": f"[SAMPLE] {title}",
                    "Id": finding_id,
                    "Partition": "aws",
                    "Region": self.region,
                    "Resource": _resource(finding_type, self.current_account, self.region),
                    "SchemaVersion": "2.0",
                    "Service": {
                        "Archived": False,
                        "Count": 1,
                        "DetectorId": detector,
                        "EventFirstSeen": now,
                        "EventLastSeen": now,
                        "ServiceName": "guardduty",
                    },
                    "Severity": severity,
                    "Title": f"[SAMPLE] {title}",
                    "Type": finding_type,
                    "UpdatedAt": now,
                }
            )
        return ActionResult({})

    def list_findings(self: Any) -> ActionResult:
        criteria = (json.loads(self.body or "{}").get("findingCriteria") or {}).get("criterion") or {}
        archived = (criteria.get("service.archived") or {}).get("equals")
        ids = [
            f["Id"]
            for f in _findings(self.guardduty_backend).get(detector_id(self), [])
            if not archived or str(f["Service"]["Archived"]).lower() in archived
        ]
        return ActionResult({"FindingIds": ids})

    def get_findings(self: Any) -> ActionResult:
        wanted = json.loads(self.body or "{}").get("findingIds") or []
        found = [f for f in _findings(self.guardduty_backend).get(detector_id(self), []) if f["Id"] in wanted]
        return ActionResult({"Findings": found})

    GuardDutyResponse.create_sample_findings = create_sample_findings  # type: ignore[attr-defined]
    GuardDutyResponse.list_findings = list_findings  # type: ignore[attr-defined]
    GuardDutyResponse.get_findings = get_findings  # type: ignore[attr-defined]
    for path in ("findings", "findings/get", "findings/create"):
        urls.url_paths[f"{{0}}/detector/(?P<detector_id>[^/]+)/{path}$"] = GuardDutyResponse.dispatch
    setattr(GuardDutyResponse, "_graph_aws_patched", True)  # noqa: B010


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    patch_moto()
    for region in regions:
        guardduty = client("guardduty", region)
        detector = guardduty.create_detector(Enable=True, Tags={"owner": "security"})["DetectorId"]
        guardduty.create_sample_findings(DetectorId=detector, FindingTypes=list(SAMPLE_TYPES))
