"""Macie: its session in each region where it is enabled (`aws_macie`, which the account HAS), and
the findings not archived there (`aws_macie_finding`), which the S3 bucket they are about HAS.

Macie answers GetMacieSession with AccessDeniedException "Macie is not enabled" where it is off,
the code of a real denial: only that message means "no Macie here".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws import types as t
from graph_aws.aws.api import error_code, paginate
from graph_aws.aws.context import AccountResources
from graph_aws.aws.resources._text_dates import iso_millis
from graph_aws.aws.resources.registry import Where, for_each_region, offered_regions, one_item, regions_of
from graph_aws.aws.resources.s3 import S3_BUCKET
from graph_aws.engine import Step, StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, make_entity, make_relationship

MACIE = EntityType("Macie", "aws_macie", ("Service",))
MACIE_FINDING = EntityType("Macie Finding", "aws_macie_finding", ("Finding",))

FINDINGS_PER_CALL = 50  # GetFindings' most
NOT_ARCHIVED = {"criterion": {"archived": {"eq": ["false"]}}}
# Macie rates findings 1 to 3 (low, medium, high); on the data model's 1-10, as Inspector's 3, 6, 9.
NUMERIC_SEVERITY = {1: 3, 2: 6, 3: 9}


def macie_key(where: Where) -> str:
    return f"aws_macie:{where.account_id}:{where.region}"


def not_enabled(error: BaseException) -> bool:
    if error_code(error) == "ResourceNotFoundException":  # what moto answers
        return True
    message = str(getattr(error, "response", {}).get("Error", {}).get("Message", ""))
    return error_code(error) == "AccessDeniedException" and "not enabled" in message.lower()


def to_macie(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=macie_key(where),
        type=MACIE.type,
        classes=MACIE.classes,
        name=f"Macie {where.region}",
        display_name=f"AWS Macie ({where.region})",
        properties={
            "status": raw.get("status"),
            "enabled": raw.get("status") == "ENABLED",
            "findingPublishingFrequency": raw.get("findingPublishingFrequency"),
            "serviceRole": raw.get("serviceRole"),
            "createdOn": iso_millis(str(raw["createdAt"])) if raw.get("createdAt") else None,
            "updatedOn": iso_millis(str(raw["updatedAt"])) if raw.get("updatedAt") else None,
            "category": ["security"],
            "function": ["DLP"],
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def to_macie_finding(raw: Mapping[str, Any], where: Where) -> Entity:
    bucket = (raw.get("resourcesAffected") or {}).get("s3Bucket") or {}
    obj = (raw.get("resourcesAffected") or {}).get("s3Object") or {}
    severity = raw.get("severity") or {}
    score = severity.get("score")
    finding_id = raw.get("id") or ""
    key = where.arn("macie2", f"finding/{finding_id}")  # UnconvertibleItem without an id
    return make_entity(
        key=key,
        type=MACIE_FINDING.type,
        classes=MACIE_FINDING.classes,
        name=raw.get("title") or raw.get("type") or finding_id,
        properties={
            "id": finding_id,
            "type": raw.get("type"),
            "title": raw.get("title"),
            "description": raw.get("description"),
            "category": raw.get("category"),
            "severity": str(severity["description"]).lower() if severity.get("description") else None,
            "numericSeverity": NUMERIC_SEVERITY.get(score) if isinstance(score, int) else None,
            "severityScore": score,
            "open": not raw.get("archived", False),
            "archived": raw.get("archived"),
            "sample": raw.get("sample"),
            "count": raw.get("count"),
            "bucketArn": bucket.get("arn"),
            "bucketName": bucket.get("name"),
            "objectKey": obj.get("key"),
            "createdOn": iso_millis(str(raw["createdAt"])) if raw.get("createdAt") else None,
            "updatedOn": iso_millis(str(raw["updatedAt"])) if raw.get("updatedAt") else None,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def in_region(context: StepContext, where: Where) -> None:
    resources: AccountResources = context.resources
    macie = resources.session.client("macie2", where.region)
    try:
        session = macie.get_macie_session()
    except Exception as error:
        if not_enabled(error):
            return
        raise
    state = context.job_state
    service = state.add_entity(to_macie(session, where))
    state.add_relationship(
        make_relationship(
            from_type=t.ACCOUNT.type, from_key=resources.account_key, verb="HAS", to_entity=service
        )
    )
    pages = paginate(macie, "list_findings", "findingIds", findingCriteria=NOT_ARCHIVED)
    ids = [str(i) for i in pages if i]  # an empty id names nothing to get
    for start in range(0, len(ids), FINDINGS_PER_CALL):
        answer = macie.get_findings(findingIds=ids[start : start + FINDINGS_PER_CALL])
        for raw in answer.get("findings") or []:
            with one_item(context, f"{where.region}: a Macie finding"):
                finding = state.add_entity(to_macie_finding(raw, where))
                state.add_relationship(make_relationship(from_entity=service, verb="HAS", to_entity=finding))
                if finding.get("bucketArn"):
                    state.add_relationship(
                        make_relationship(
                            from_type=S3_BUCKET.type,
                            from_key=finding["bucketArn"],
                            verb="HAS",
                            to_entity=finding,
                        )
                    )


def macie_step() -> Step:
    """Hand-written: the session is one Get per region (not a list), and findings are listed only
    where it exists."""

    def handler(context: StepContext) -> None:
        resources: AccountResources = context.resources
        offered = offered_regions("macie2", resources.partition)
        regions = [r for r in regions_of(context) if r in offered]
        for_each_region(
            context,
            lambda region: in_region(context, Where(resources.account_id, resources.partition, region)),
            regions,
        )

    return Step(
        id="fetch-macie-findings",
        name="Fetch Macie sessions and findings",
        handler=handler,
        entities=(MACIE, MACIE_FINDING),
        relationships=(
            RelationshipType(t.ACCOUNT, "HAS", MACIE),
            RelationshipType(MACIE, "HAS", MACIE_FINDING),
            RelationshipType(S3_BUCKET, "HAS", MACIE_FINDING),
        ),
        depends_on=("fetch-regions",),
        permissions=("macie2:GetMacieSession", "macie2:ListFindings", "macie2:GetFindings"),
    )


STEPS = (macie_step(),)


# How the tests reach these types (the README's collected-types table reads it).
TESTED_WITH = {
    "aws_macie_finding": "moto, patched (CreateSampleFindings, ListFindings, GetFindings)",
}
