"""Inspector Classic: the latest completed run of each assessment template (`aws_inspector_assessment`)
and the findings it IDENTIFIED (`aws_inspector_finding`), which the instance they are about HAS.
Earlier runs are history: their findings are those of an older look at the same instances."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.context import AccountResources
from graph_aws.aws.resources.ec2.model import INSTANCE, arn_of
from graph_aws.aws.resources.registry import (
    ServiceSpec,
    Where,
    for_each_region,
    offered_regions,
    one_item,
    regions_of,
    required_id,
)
from graph_aws.engine import Step, StepContext
from graph_aws.model import (
    Entity,
    EntityType,
    RelationshipType,
    epoch_millis,
    make_entity,
    make_relationship,
)

INSPECTOR = ServiceSpec(
    "inspector",
    "Inspector Classic",
    EntityType("Inspector", "aws_inspector", ("Service",)),
    function=("VAS",),
)
ASSESSMENT = EntityType("Inspector Assessment Run", "aws_inspector_assessment", ("Assessment",))
FINDING = EntityType("Inspector Finding", "aws_inspector_finding", ("Finding",))

RUNS_PER_CALL = 10  # DescribeAssessmentRuns' most
FINDINGS_PER_CALL = 10  # DescribeFindings' most
RUNS_PER_LISTING = 50  # ListFindings' most assessment runs in one filter


def batches(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _completed(run: Mapping[str, Any]) -> int:
    return epoch_millis(run.get("completedAt")) or 0


def latest_per_template(runs: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The latest completed run of each template; runs without an ARN are not ones to key."""
    latest: dict[str, Mapping[str, Any]] = {}
    for run in runs:
        if not run.get("arn"):
            continue
        template = run.get("assessmentTemplateArn") or run["arn"]
        if template not in latest or _completed(run) > _completed(latest[template]):
            latest[template] = run
    return sorted(latest.values(), key=lambda r: str(r["arn"]))


def to_assessment(raw: Mapping[str, Any], where: Where) -> Entity:
    counts = raw.get("findingCounts") or {}
    return make_entity(
        key=raw["arn"],
        type=ASSESSMENT.type,
        classes=ASSESSMENT.classes,
        name=raw.get("name") or raw["arn"],
        properties={
            "arn": raw["arn"],
            "templateArn": raw.get("assessmentTemplateArn"),
            "state": raw.get("state"),
            "durationInSeconds": raw.get("durationInSeconds"),
            "rulesPackageArns": raw.get("rulesPackageArns") or None,
            "dataCollected": raw.get("dataCollected"),
            "createdOn": epoch_millis(raw.get("createdAt")),
            "startedOn": epoch_millis(raw.get("startedAt")),
            "completedOn": epoch_millis(raw.get("completedAt")),
            **{f"findingCount{severity}": count for severity, count in sorted(counts.items())},
            "category": "Vulnerability Scan",
            "summary": f"Inspector Classic run {raw.get('name')}",
            "internal": True,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def to_finding(raw: Mapping[str, Any], where: Where) -> Entity:
    asset = raw.get("assetAttributes") or {}
    service = raw.get("serviceAttributes") or {}
    severity = raw.get("severity")
    arn = required_id(raw.get("arn") or "", "arn", "an Inspector finding")
    return make_entity(
        key=arn,
        type=FINDING.type,
        classes=FINDING.classes,
        name=raw.get("title") or raw.get("id") or arn,
        properties={
            "arn": arn,
            "id": raw.get("id"),
            "title": raw.get("title"),
            "description": raw.get("description"),
            "recommendation": raw.get("recommendation"),
            "severity": severity.lower() if severity else None,
            "numericSeverity": raw.get("numericSeverity"),
            "confidence": raw.get("confidence"),
            "indicatorOfCompromise": raw.get("indicatorOfCompromise"),
            "open": True,  # Classic findings have no state: those of the latest run stand
            "category": "host",
            "assetType": raw.get("assetType"),
            "instanceId": asset.get("agentId"),
            "amiId": asset.get("amiId"),
            "hostname": asset.get("hostname"),
            "assessmentRunArn": service.get("assessmentRunArn"),
            "rulesPackageArn": service.get("rulesPackageArn"),
            "createdOn": epoch_millis(raw.get("createdAt")),
            "updatedOn": epoch_millis(raw.get("updatedAt")),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def in_region(context: StepContext, where: Where) -> None:
    resources: AccountResources = context.resources
    inspector = resources.session.client("inspector", where.region)
    state = context.job_state
    service = INSPECTOR.key_of(where.account_id)
    arns = list(
        paginate(inspector, "list_assessment_runs", "assessmentRunArns", filter={"states": ["COMPLETED"]})
    )
    described = [
        run
        for batch in batches([arn for arn in arns if arn], RUNS_PER_CALL)
        for run in inspector.describe_assessment_runs(assessmentRunArns=batch).get("assessmentRuns") or []
    ]
    runs: dict[str, Entity] = {}
    for raw in latest_per_template(described):
        with one_item(context, f"{where.region}: an assessment run"):
            run = state.add_entity(to_assessment(raw, where))
            runs[run["_key"]] = run
            state.add_relationship(
                make_relationship(
                    from_type=INSPECTOR.entity.type, from_key=service, verb="HAS", to_entity=run
                )
            )
    finding_arns = [
        arn
        for batch in batches(list(runs), RUNS_PER_LISTING)
        for arn in paginate(inspector, "list_findings", "findingArns", assessmentRunArns=batch)
        if arn
    ]
    for batch in batches(finding_arns, FINDINGS_PER_CALL):
        for raw in inspector.describe_findings(findingArns=batch).get("findings") or []:
            with one_item(context, f"{where.region}: a finding"):
                add_finding(context, where, runs, raw)


def add_finding(
    context: StepContext, where: Where, runs: Mapping[str, Entity], raw: Mapping[str, Any]
) -> None:
    state = context.job_state
    finding = state.add_entity(to_finding(raw, where))
    state.add_relationship(
        make_relationship(
            from_type=INSPECTOR.entity.type,
            from_key=INSPECTOR.key_of(where.account_id),
            verb="HAS",
            to_entity=finding,
        )
    )
    identified_by = runs.get(finding.get("assessmentRunArn") or "")
    if identified_by is not None:
        state.add_relationship(
            make_relationship(from_entity=identified_by, verb="IDENTIFIED", to_entity=finding)
        )
    if raw.get("assetType") == "ec2-instance" and finding.get("instanceId"):
        with one_item(context, f"{finding['_key']}: the instance that HAS it"):
            state.add_relationship(
                make_relationship(
                    from_type=INSTANCE.type,
                    from_key=arn_of(where, "instance", finding["instanceId"]),
                    verb="HAS",
                    to_entity=finding,
                )
            )


def classic_step() -> Step:
    """Hand-written: the latest run of each template is known only once every run is described,
    and a run's findings are listed by run (the API nests twice)."""

    def handler(context: StepContext) -> None:
        resources: AccountResources = context.resources
        offered = offered_regions("inspector", resources.partition)
        regions = [r for r in regions_of(context) if r in offered]
        for_each_region(
            context,
            lambda region: in_region(context, Where(resources.account_id, resources.partition, region)),
            regions,
        )

    return Step(
        id="fetch-inspector-assessments",
        name="Fetch Inspector Classic assessment runs and findings",
        handler=handler,
        entities=(ASSESSMENT, FINDING),
        relationships=(
            INSPECTOR.has(ASSESSMENT),
            INSPECTOR.has(FINDING),
            RelationshipType(ASSESSMENT, "IDENTIFIED", FINDING),
            RelationshipType(INSTANCE, "HAS", FINDING),
        ),
        depends_on=(INSPECTOR.step_id, "fetch-regions"),
        permissions=(
            "inspector:ListAssessmentRuns",
            "inspector:DescribeAssessmentRuns",
            "inspector:ListFindings",
            "inspector:DescribeFindings",
        ),
    )
