"""Inspector (v2): the account's active findings of each region, package vulnerabilities (with
their CVE), network reachability and code; the instance or Lambda function a finding is about HAS it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_aws.aws.resources.awslambda import LAMBDA_FUNCTION
from graph_aws.aws.resources.ec2.model import INSTANCE, arn_of, relate
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where
from graph_aws.model import (
    Entity,
    EntityType,
    Relationship,
    RelationshipType,
    epoch_millis,
    make_entity,
    make_relationship,
)

INSPECTOR_V2 = ServiceSpec(
    "inspectorv2", "Inspector", EntityType("Inspector", "aws_inspectorv2", ("Service",)), function=("VAS",)
)
V2_FINDING = EntityType("Inspector Finding", "aws_inspectorv2_finding", ("Finding",))
ACTIVE = {"findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}]}


def _first_resource(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    resources = raw.get("resources") or []
    return resources[0] if resources else {}


def to_v2_finding(raw: Mapping[str, Any], where: Where) -> Entity:
    resource = _first_resource(raw)
    package = raw.get("packageVulnerabilityDetails") or {}
    severity = raw.get("severity")
    return make_entity(
        key=raw["findingArn"],
        type=V2_FINDING.type,
        classes=V2_FINDING.classes,
        name=raw.get("title") or raw["findingArn"],
        properties={
            "arn": raw["findingArn"],
            "type": raw.get("type"),
            "title": raw.get("title"),
            "description": raw.get("description"),
            "recommendation": ((raw.get("remediation") or {}).get("recommendation") or {}).get("text"),
            "severity": severity.lower() if severity else None,
            "numericSeverity": raw.get("inspectorScore"),
            "status": raw.get("status"),
            "open": raw.get("status") == "ACTIVE",
            "category": (raw.get("type") or "").lower().replace("_", "-") or None,
            "resourceType": resource.get("type"),
            "resourceId": resource.get("id"),
            "cveId": package.get("vulnerabilityId")
            if str(package.get("vulnerabilityId", "")).startswith("CVE-")
            else None,
            "vulnerabilityId": package.get("vulnerabilityId"),
            "vulnerablePackages": [
                f"{p['name']}_{p.get('version', '')}"
                for p in package.get("vulnerablePackages") or []
                if p.get("name")
            ]
            or None,
            "fixAvailable": raw.get("fixAvailable"),
            "exploitAvailable": raw.get("exploitAvailable"),
            "firstObservedOn": epoch_millis(raw.get("firstObservedAt")),
            "lastObservedOn": epoch_millis(raw.get("lastObservedAt")),
            "updatedOn": epoch_millis(raw.get("updatedAt")),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def resource_has_finding(raw: Mapping[str, Any], where: Where) -> Iterable[Relationship]:
    resource = _first_resource(raw)
    resource_id = str(resource.get("id") or "")
    if resource.get("type") == "AWS_EC2_INSTANCE" and resource_id.startswith("i-"):
        owner = (INSTANCE.type, arn_of(where, "instance", resource_id))
    elif resource.get("type") == "AWS_LAMBDA_FUNCTION" and ":function:" in resource_id:
        owner = (LAMBDA_FUNCTION.type, ":".join(resource_id.split(":")[:7]))  # without a version
    else:
        return
    yield make_relationship(
        from_type=owner[0], from_key=owner[1], verb="HAS", to_type=V2_FINDING.type, to_key=raw["findingArn"]
    )


V2_FINDINGS = ResourceSpec(
    step_id="fetch-inspector-findings",
    name="Fetch Inspector findings",
    service=INSPECTOR_V2,
    client="inspector2",
    operation="list_findings",
    result_key="findings",
    parameters={"filterCriteria": ACTIVE, "PaginationConfig": {"PageSize": 100}},
    entity=V2_FINDING,
    convert=to_v2_finding,
    enrich=relate(resource_has_finding),
    relationships=(
        RelationshipType(INSTANCE, "HAS", V2_FINDING),
        RelationshipType(LAMBDA_FUNCTION, "HAS", V2_FINDING),
    ),
    permissions=("inspector2:ListFindings",),
    only_where_offered=True,
)
