"""GuardDuty: the detector of each region, and the findings it IDENTIFIED that are not archived
(the instance a finding is about HAS it), with the severity JupiterOne's rules compare."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.resources._text_dates import iso_millis
from graph_aws.aws.resources.ec2.model import INSTANCE, arn_of
from graph_aws.aws.resources.registry import (
    ResourceSpec,
    ServiceSpec,
    Where,
    one_item,
    required_id,
    resource_step,
)
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, make_entity, make_relationship

GUARDDUTY = ServiceSpec(
    "guardduty",
    "GuardDuty",
    EntityType("GuardDuty", "aws_guardduty", ("Service",)),
    function=("SIEM", "monitoring"),
)
DETECTOR = EntityType("GuardDuty Detector", "aws_guardduty_detector", ("Assessment", "Scanner"))
FINDING = EntityType("GuardDuty Finding", "aws_guardduty_finding", ("Finding",))

FINDINGS_PER_CALL = 50  # GetFindings' most
NOT_ARCHIVED = {"Criterion": {"service.archived": {"Equals": ["false"]}}}


def detector_arn(where: Where, detector_id: str) -> str:
    return where.arn("guardduty", f"detector/{detector_id}")


def to_detector(detector_id: str, where: Where) -> Entity:
    arn = detector_arn(where, detector_id)
    return make_entity(
        key=arn,
        type=DETECTOR.type,
        classes=DETECTOR.classes,
        name=detector_id,
        properties={
            "arn": arn,
            "id": detector_id,
            # The data model's Assessment and Scanner (a string and a list: no value is both).
            "category": "Threat Detection",
            "summary": f"GuardDuty in {where.region}",
            "internal": True,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def detector_properties(detail: Mapping[str, Any]) -> dict[str, Any]:
    features = detail.get("Features") or []
    return {
        "status": detail.get("Status"),
        "enabled": detail.get("Status") == "ENABLED",
        "findingPublishingFrequency": detail.get("FindingPublishingFrequency"),
        "serviceRole": detail.get("ServiceRole"),
        "createdOn": iso_millis(detail.get("CreatedAt")),
        "updatedOn": iso_millis(detail.get("UpdatedAt")),
        "enabledFeatures": sorted(
            f["Name"] for f in features if f.get("Name") and f.get("Status") == "ENABLED"
        )
        or None,
        "disabledFeatures": sorted(
            f["Name"] for f in features if f.get("Name") and f.get("Status") == "DISABLED"
        )
        or None,
    }


def severity_label(score: float | None) -> str | None:
    """GuardDuty's own bands: low below 4, medium below 7, high below 9, critical above."""
    if score is None:
        return None
    if score < 4:
        return "low"
    if score < 7:
        return "medium"
    return "high" if score < 9 else "critical"


def to_finding(raw: Mapping[str, Any], where: Where) -> Entity:
    resource = raw.get("Resource") or {}
    service = raw.get("Service") or {}
    access_key = resource.get("AccessKeyDetails") or {}
    instance = resource.get("InstanceDetails") or {}
    score = raw.get("Severity")
    finding_type = raw.get("Type") or ""
    arn = required_id(raw.get("Arn") or "", "Arn", "a GuardDuty finding")
    return make_entity(
        key=arn,
        type=FINDING.type,
        classes=FINDING.classes,
        name=raw.get("Title") or finding_type or raw.get("Id") or arn,
        properties={
            "arn": arn,
            "id": raw.get("Id"),
            "type": finding_type or None,
            "title": raw.get("Title"),
            "description": raw.get("Description"),
            "category": finding_type.split(":", 1)[0] or None,  # the threat purpose: Backdoor, Recon, ...
            "numericSeverity": score,
            "severity": severity_label(score),
            "confidence": raw.get("Confidence"),
            "open": not service.get("Archived", False),
            "archived": service.get("Archived"),
            "count": service.get("Count"),
            "resourceType": resource.get("ResourceType"),
            "instanceId": instance.get("InstanceId"),
            "userName": access_key.get("UserName"),
            "userType": access_key.get("UserType"),
            "detectorId": service.get("DetectorId"),
            "firstSeenOn": iso_millis(service.get("EventFirstSeen")),
            "lastSeenOn": iso_millis(service.get("EventLastSeen")),
            "createdOn": iso_millis(raw.get("CreatedAt")),
            "updatedOn": iso_millis(raw.get("UpdatedAt")),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def finding_ids(client: Any, detector_id: str) -> list[str]:
    pages = paginate(
        client, "list_findings", "FindingIds", DetectorId=detector_id, FindingCriteria=NOT_ARCHIVED
    )
    return [str(finding_id) for finding_id in pages if finding_id]  # an empty id names nothing to get


def enrich_detector(
    context: StepContext, client: Any, where: Where, detector_id: str, detector: Entity
) -> None:
    """The detector's settings, then its findings: listed per detector (the API nests) and read
    fifty at a time."""
    context.job_state.enrich_entity(
        detector["_key"], detector_properties(client.get_detector(DetectorId=detector_id))
    )
    ids = finding_ids(client, detector_id)
    for start in range(0, len(ids), FINDINGS_PER_CALL):
        batch = ids[start : start + FINDINGS_PER_CALL]
        for raw in client.get_findings(DetectorId=detector_id, FindingIds=batch).get("Findings") or []:
            with one_item(context, f"{detector['_key']}: a finding"):
                add_finding(context, where, detector, raw)


def add_finding(context: StepContext, where: Where, detector: Entity, raw: Mapping[str, Any]) -> None:
    finding = context.job_state.add_entity(to_finding(raw, where))
    context.job_state.add_relationship(
        make_relationship(
            from_type=GUARDDUTY.entity.type,
            from_key=GUARDDUTY.key_of(where.account_id),
            verb="HAS",
            to_entity=finding,
        )
    )
    context.job_state.add_relationship(
        make_relationship(from_entity=detector, verb="IDENTIFIED", to_entity=finding)
    )
    instance_id = finding.get("instanceId")
    if instance_id:
        with one_item(context, f"{finding['_key']}: the instance that HAS it"):
            context.job_state.add_relationship(
                make_relationship(
                    from_type=INSTANCE.type,
                    from_key=arn_of(where, "instance", instance_id),
                    verb="HAS",
                    to_entity=finding,
                )
            )


DETECTORS = ResourceSpec(
    step_id="fetch-guardduty-detectors",
    name="Fetch GuardDuty detectors and findings",
    service=GUARDDUTY,
    client="guardduty",
    operation="list_detectors",
    result_key="DetectorIds",
    entity=DETECTOR,
    convert=to_detector,
    enrich=enrich_detector,
    extra_entities=(FINDING,),
    relationships=(
        GUARDDUTY.has(FINDING),
        RelationshipType(DETECTOR, "IDENTIFIED", FINDING),
        RelationshipType(INSTANCE, "HAS", FINDING),
    ),
    permissions=(
        "guardduty:ListDetectors",
        "guardduty:GetDetector",
        "guardduty:ListFindings",
        "guardduty:GetFindings",
    ),
)

STEPS = (GUARDDUTY.step(), resource_step(DETECTORS))


# How the tests reach these types (the README's collected-types table reads it).
TESTED_WITH = {
    "aws_guardduty_finding": "moto, patched (CreateSampleFindings, ListFindings, GetFindings)",
}
