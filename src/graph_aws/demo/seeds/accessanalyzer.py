"""IAM Access Analyzer: an account analyzer in the first region (none in the others, which the CIS
check "is IAM Access Analyzer enabled?" flags).

moto has no Access Analyzer. `patch_moto` adds one: CreateAnalyzer, ListAnalyzers and ListFindings,
whose findings it derives as the service would for an account analyzer: one for each IAM role that
trusts another account, and one for each S3 bucket whose policy grants everyone (`"Principal": "*"`).
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from graph_aws.demo.moto_services import add_moto_service
from graph_aws.demo.seeds import ClientFactory

ANALYZER = "graph-aws-demo"
_NAMESPACE = uuid.UUID("5a0f0c1e-3c1b-4f55-9a39-2f3c2a4d1b7e")  # finding ids stay the same over runs


def _statements(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, str):
        document = json.loads(document)
    statements = (document or {}).get("Statement") or []
    return statements if isinstance(statements, list) else [statements]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_findings(account_id: str) -> list[dict[str, Any]]:
    from moto.iam.models import iam_backends

    findings = []
    for role in iam_backends[account_id]["global"].roles.values():
        for statement in _statements(role.assume_role_policy_document):
            principals = statement.get("Principal") or {}
            outside = [
                p
                for p in _listed(principals.get("AWS", []) if isinstance(principals, dict) else [])
                if f":{account_id}:" not in p and p != account_id
            ]
            if statement.get("Effect") == "Allow" and outside:
                findings.append(
                    {
                        "resource": role.arn,
                        "resourceType": "AWS::IAM::Role",
                        "principal": {"AWS": outside[0]},
                        "action": ["sts:AssumeRole"],
                        "isPublic": False,
                        "condition": {
                            k: next(iter(v.values())) if isinstance(v, dict) and v else str(v)
                            for k, v in (statement.get("Condition") or {}).get("StringEquals", {}).items()
                        },
                        "createdAt": role.create_date,
                    }
                )
    return findings


def _bucket_findings(account_id: str) -> list[dict[str, Any]]:
    from moto.s3.models import s3_backends

    findings = []
    for bucket in s3_backends[account_id]["aws"].buckets.values():
        if not bucket.policy:
            continue
        policy = bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy
        for statement in _statements(policy):
            principal = statement.get("Principal")
            if statement.get("Effect") == "Allow" and principal in ("*", {"AWS": "*"}):
                findings.append(
                    {
                        "resource": f"arn:aws:s3:::{bucket.name}",
                        "resourceType": "AWS::S3::Bucket",
                        "principal": {"AWS": "*"},
                        "action": _listed(statement.get("Action")),
                        "isPublic": True,
                        "condition": {},
                        "createdAt": bucket.creation_date,
                    }
                )
    return findings


def _backend_classes() -> tuple[type, type]:
    from moto.core.base_backend import BaseBackend
    from moto.core.responses import BaseResponse

    class AccessAnalyzerBackend(BaseBackend):
        def __init__(self, region_name: str, account_id: str) -> None:
            super().__init__(region_name, account_id)
            self.analyzers: dict[str, dict[str, Any]] = {}

    class AccessAnalyzerResponse(BaseResponse):
        def __init__(self) -> None:
            super().__init__(service_name="accessanalyzer")

        def _backend(self) -> Any:
            backends = sys.modules["moto.accessanalyzer"].accessanalyzer_backends
            return backends[self.current_account][self.region]

        def _body(self) -> dict[str, Any]:
            return json.loads(self.body or "{}")

        def create_analyzer(self) -> str:
            body = self._body()
            name = body["analyzerName"]
            arn = f"arn:aws:access-analyzer:{self.region}:{self.current_account}:analyzer/{name}"
            self._backend().analyzers[arn] = {
                "arn": arn,
                "name": name,
                "type": body["type"],
                "createdAt": datetime.now(UTC).isoformat(),
                "status": "ACTIVE",
                "tags": body.get("tags") or {},
            }
            return json.dumps({"arn": arn})

        def list_analyzers(self) -> str:
            wanted = self.querystring.get("type", [None])[0]
            analyzers = [a for a in self._backend().analyzers.values() if wanted in (None, a["type"])]
            return json.dumps({"analyzers": analyzers})

        def list_findings(self) -> str:
            body = self._body()
            analyzer = self._backend().analyzers[body["analyzerArn"]]
            found = []
            if analyzer["type"] == "ACCOUNT":
                for finding in _role_findings(self.current_account) + _bucket_findings(self.current_account):
                    found.append(
                        {
                            **finding,
                            "id": str(uuid.uuid5(_NAMESPACE, f"{analyzer['arn']}|{finding['resource']}")),
                            "createdAt": str(finding["createdAt"]),
                            "analyzedAt": analyzer["createdAt"],
                            "updatedAt": analyzer["createdAt"],
                            "status": "ACTIVE",
                            "resourceOwnerAccount": self.current_account,
                        }
                    )
            statuses = ((body.get("filter") or {}).get("status") or {}).get("eq")
            found = [f for f in found if not statuses or f["status"] in statuses]
            return json.dumps({"findings": found}, default=str)

    return AccessAnalyzerBackend, AccessAnalyzerResponse


def patch_moto() -> None:
    backend, response = _backend_classes()
    add_moto_service(
        "access-analyzer",
        "accessanalyzer",
        backend,
        response,
        ["{0}/analyzer$", "{0}/finding$"],
        boto3_name="accessanalyzer",
    )


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    patch_moto()
    client("accessanalyzer", regions[0]).create_analyzer(
        analyzerName=ANALYZER, type="ACCOUNT", tags={"owner": "security"}
    )
