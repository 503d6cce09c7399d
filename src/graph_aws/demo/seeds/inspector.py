"""Amazon Inspector: per region, a completed Inspector Classic assessment run over the region's
instances, and an active Inspector finding on the EC2 seed's instance `web-1`: the xz-utils backdoor
(CVE-2024-3094) that the SSM seed's inventory lists.

moto has no Inspector Classic. `patch_moto` adds CreateAssessmentTarget, CreateAssessmentTemplate
and StartAssessmentRun (a run completes at once, with a high finding on each of the region's
instances), and ListAssessmentRuns, DescribeAssessmentRuns, ListFindings and DescribeFindings.
moto's Inspector (v2) answers ListFindings from results queued through its own API, as below.
"""

from __future__ import annotations

import json
import sys
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

from graph_aws.demo.moto_services import add_moto_service
from graph_aws.demo.seeds import ClientFactory
from graph_aws.demo.seeds.ssm import INSTANCE_NAME

CVE = "CVE-2024-3094"
RULES_PACKAGE = "arn:aws:inspector:us-east-1:316112463485:rulespackage/0-gEjTy7T7"  # CVE, us-east-1
_NAMESPACE = uuid.UUID("a6c2b7e4-43a4-4d61-9f61-8a0f4d1f6b93")


def _backend_classes() -> tuple[type, type]:
    from moto.core.base_backend import BaseBackend
    from moto.core.responses import BaseResponse

    class InspectorBackend(BaseBackend):
        def __init__(self, region_name: str, account_id: str) -> None:
            super().__init__(region_name, account_id)
            self.targets: dict[str, dict[str, Any]] = {}
            self.templates: dict[str, dict[str, Any]] = {}
            self.runs: dict[str, dict[str, Any]] = {}
            self.findings: dict[str, dict[str, Any]] = {}

    class InspectorResponse(BaseResponse):
        def __init__(self) -> None:
            super().__init__(service_name="inspector")

        def _backend(self) -> Any:
            return sys.modules["moto.inspector"].inspector_backends[self.current_account][self.region]

        def _body(self) -> dict[str, Any]:
            return json.loads(self.body or "{}")

        def _arn(self, resource: str) -> str:
            return f"arn:aws:inspector:{self.region}:{self.current_account}:{resource}"

        def create_assessment_target(self) -> str:
            arn = self._arn(f"target/0-{uuid.uuid4().hex[:8]}")
            self._backend().targets[arn] = {"arn": arn, "name": self._body()["assessmentTargetName"]}
            return json.dumps({"assessmentTargetArn": arn})

        def create_assessment_template(self) -> str:
            body = self._body()
            arn = f"{body['assessmentTargetArn']}/template/0-{uuid.uuid4().hex[:8]}"
            self._backend().templates[arn] = {**body, "arn": arn}
            return json.dumps({"assessmentTemplateArn": arn})

        def start_assessment_run(self) -> str:
            from moto.ec2.models import ec2_backends

            body = self._body()
            template = self._backend().templates[body["assessmentTemplateArn"]]
            arn = f"{template['arn']}/run/0-{uuid.uuid4().hex[:8]}"
            now = datetime.now(UTC).timestamp()
            instances = [
                i
                for i in ec2_backends[self.current_account][self.region].all_instances()
                if i.state == "running"
            ]
            for instance in instances:
                finding_id = uuid.uuid5(_NAMESPACE, f"{arn}|{instance.id}").hex[:8]
                self._backend().findings[f"{arn}/finding/0-{finding_id}"] = {
                    "arn": f"{arn}/finding/0-{finding_id}",
                    "schemaVersion": 1,
                    "service": "Inspector",
                    "serviceAttributes": {
                        "schemaVersion": 1,
                        "assessmentRunArn": arn,
                        "rulesPackageArn": RULES_PACKAGE,
                    },
                    "assetType": "ec2-instance",
                    "assetAttributes": {
                        "schemaVersion": 1,
                        "agentId": instance.id,
                        "amiId": instance.image_id,
                    },
                    "id": CVE,
                    "title": f"Instance {instance.id} is vulnerable to {CVE}",
                    "description": "Malicious code in the upstream tarballs of xz, from version 5.6.0.",
                    "recommendation": "Downgrade xz-utils to 5.4.6, or upgrade to a fixed release.",
                    "severity": "High",
                    "numericSeverity": 9.0,
                    "confidence": 10,
                    "indicatorOfCompromise": False,
                    "attributes": [],
                    "userAttributes": [],
                    "createdAt": now,
                    "updatedAt": now,
                }
            self._backend().runs[arn] = {
                "arn": arn,
                "name": body["assessmentRunName"],
                "assessmentTemplateArn": template["arn"],
                "state": "COMPLETED",
                "durationInSeconds": template.get("durationInSeconds", 3600),
                "rulesPackageArns": template.get("rulesPackageArns") or [RULES_PACKAGE],
                "userAttributesForFindings": [],
                "createdAt": now,
                "startedAt": now,
                "completedAt": now,
                "stateChangedAt": now,
                "dataCollected": True,
                "stateChanges": [{"stateChangedAt": now, "state": "COMPLETED"}],
                "notifications": [],
                "findingCounts": {
                    "High": len(instances),
                    "Medium": 0,
                    "Low": 0,
                    "Informational": 0,
                    "Undefined": 0,
                },
            }
            return json.dumps({"assessmentRunArn": arn})

        def list_assessment_runs(self) -> str:
            states = (self._body().get("filter") or {}).get("states")
            runs = [r["arn"] for r in self._backend().runs.values() if not states or r["state"] in states]
            return json.dumps({"assessmentRunArns": runs})

        def describe_assessment_runs(self) -> str:
            runs = self._backend().runs
            return json.dumps(
                {
                    "assessmentRuns": [runs[a] for a in self._body()["assessmentRunArns"] if a in runs],
                    "failedItems": {},
                }
            )

        def list_findings(self) -> str:
            wanted = set(self._body().get("assessmentRunArns") or [])
            arns = [
                f["arn"]
                for f in self._backend().findings.values()
                if not wanted or f["serviceAttributes"]["assessmentRunArn"] in wanted
            ]
            return json.dumps({"findingArns": arns})

        def describe_findings(self) -> str:
            findings = self._backend().findings
            return json.dumps(
                {
                    "findings": [findings[a] for a in self._body()["findingArns"] if a in findings],
                    "failedItems": {},
                }
            )

    return InspectorBackend, InspectorResponse


def patch_moto() -> None:
    backend, response = _backend_classes()
    add_moto_service("inspector", "inspector", backend, response, ["{0}/$"])


def _v2_finding(account_id: str, region: str, kind: str, resource_id: str) -> dict[str, Any]:
    finding_id = uuid.uuid5(_NAMESPACE, resource_id).hex
    return {
        "findingArn": f"arn:aws:inspector2:{region}:{account_id}:finding/{finding_id}",
        "awsAccountId": account_id,
        "type": "PACKAGE_VULNERABILITY",
        "title": f"{CVE} - xz-utils",
        "description": "Malicious code in the upstream tarballs of xz, from version 5.6.0.",
        "remediation": {"recommendation": {"text": "Upgrade xz-utils to a fixed release."}},
        "severity": "CRITICAL",
        "status": "ACTIVE",
        "firstObservedAt": "2024-03-29T10:00:00Z",
        "lastObservedAt": "2024-03-29T10:00:00Z",
        "updatedAt": "2024-03-29T10:00:00Z",
        "inspectorScore": 10.0,
        "fixAvailable": "YES",
        "exploitAvailable": "YES",
        "resources": [{"type": kind, "id": resource_id, "partition": "aws", "region": region}],
        "packageVulnerabilityDetails": {
            "vulnerabilityId": CVE,
            "source": "NVD",
            "vulnerablePackages": [{"name": "xz-utils", "version": "5.6.1-1"}],
        },
    }


def _queue_v2_findings(
    client: ClientFactory, account_id: str, region: str, *resources: tuple[str, str]
) -> None:
    """One active finding per (resource type, id): the xz-utils backdoor. moto's Inspector answers
    ListFindings with results queued for the account and region: in this process through its
    backend, on a moto server through its HTTP API."""
    findings = [_v2_finding(account_id, region, kind, resource_id) for kind, resource_id in resources]

    endpoint = client("inspector2", region).meta.endpoint_url
    if "amazonaws.com" in endpoint:
        from moto.moto_api._internal.models import moto_api_backend

        answer: Any = findings  # one queued answer, a list of findings (moto's annotation says otherwise)
        moto_api_backend.set_inspector2_findings_result(results=answer, account_id=account_id, region=region)
        return
    body = json.dumps({"results": [findings], "account_id": account_id, "region": region}).encode()
    request = urllib.request.Request(
        f"{endpoint}/moto-api/static/inspector2/findings-results", data=body, method="POST"
    )
    urllib.request.urlopen(request, timeout=30).close()


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    patch_moto()
    for region in regions:
        classic = client("inspector", region)
        target = classic.create_assessment_target(assessmentTargetName="all-instances")["assessmentTargetArn"]
        template = classic.create_assessment_template(
            assessmentTargetArn=target,
            assessmentTemplateName="weekly-cve",
            durationInSeconds=3600,
            rulesPackageArns=[RULES_PACKAGE],
        )["assessmentTemplateArn"]
        classic.start_assessment_run(assessmentTemplateArn=template, assessmentRunName="weekly-cve-1")
        reservations = client("ec2", region).describe_instances(
            Filters=[{"Name": "tag:Name", "Values": [INSTANCE_NAME]}]
        )["Reservations"]
        instances = [i["InstanceId"] for r in reservations for i in r["Instances"]][:1]
        function = f"arn:aws:lambda:{region}:{account_id}:function:graph-aws-demo"  # the Lambda seed's
        _queue_v2_findings(
            client,
            account_id,
            region,
            *[("AWS_EC2_INSTANCE", i) for i in instances],
            ("AWS_LAMBDA_FUNCTION", function),
        )
