"""IAM Access Analyzer: analyzers per region (CIS 1.20 asks that one be active in each), and the
active findings of each external-access analyzer, which the analyzer IDENTIFIED.

A finding's condition can hold a trust policy's external ID (graph-aws's own role has one): only
the condition's keys are kept, never its values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import (
    Entity,
    EntityType,
    RelationshipType,
    epoch_millis,
    make_entity,
    make_relationship,
)

ACCESS_ANALYZER = ServiceSpec(
    "accessanalyzer",
    "Access Analyzer",
    EntityType("Access Analyzer", "aws_accessanalyzer", ("Service",)),
    function=("access-review",),
)
ANALYZER = EntityType("Access Analyzer", "aws_accessanalyzer_analyzer", ("Assessment", "Scanner"))
FINDING = EntityType("Access Analyzer Finding", "aws_accessanalyzer_finding", ("Finding",))

# ListFindings answers for analyzers of external access only (the unused- and internal-access kinds
# have findings of their own shape, through ListFindingsV2).
EXTERNAL_ACCESS = frozenset({"ACCOUNT", "ORGANIZATION"})


def to_analyzer(raw: Mapping[str, Any], where: Where) -> Entity:
    return make_entity(
        key=raw["arn"],
        type=ANALYZER.type,
        classes=ANALYZER.classes,
        name=raw["name"],
        properties={
            "arn": raw["arn"],
            "type": raw.get("type"),
            "status": raw.get("status"),
            "active": raw.get("status") == "ACTIVE",
            "statusReason": (raw.get("statusReason") or {}).get("code"),
            "createdOn": epoch_millis(raw.get("createdAt")),
            "lastResourceAnalyzed": raw.get("lastResourceAnalyzed"),
            "lastResourceAnalyzedOn": epoch_millis(raw.get("lastResourceAnalyzedAt")),
            # The data model's Assessment and Scanner (a string and a list: no value is both).
            "category": "Access Review",
            "summary": f"IAM Access Analyzer ({raw.get('type')}) in {where.region}",
            "internal": True,
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=raw.get("tags"),
    )


def principals(principal: Mapping[str, str] | None) -> list[str] | None:
    return [f"{kind}:{value}" for kind, value in sorted((principal or {}).items())] or None


def to_finding(raw: Mapping[str, Any], where: Where, analyzer: Entity) -> Entity:
    status = raw.get("status")
    resource = raw.get("resource")
    return make_entity(
        key=f"{analyzer['_key']}/finding/{raw['id']}",
        type=FINDING.type,
        classes=FINDING.classes,
        name=f"{raw.get('resourceType')} {resource}" if resource else raw["id"],
        properties={
            "id": raw["id"],
            "analyzerArn": analyzer["_key"],
            "resource": resource,
            "resourceType": raw.get("resourceType"),
            "resourceOwnerAccount": raw.get("resourceOwnerAccount"),
            "principals": principals(raw.get("principal")),
            "actions": raw.get("action") or None,
            "public": raw.get("isPublic"),
            "conditionKeys": sorted(raw.get("condition") or {}) or None,  # never the values
            "status": status,
            "open": status == "ACTIVE",
            "error": raw.get("error"),
            "sources": [s["type"] for s in raw.get("sources") or [] if s.get("type")] or None,
            "createdOn": epoch_millis(raw.get("createdAt")),
            "analyzedOn": epoch_millis(raw.get("analyzedAt")),
            "updatedOn": epoch_millis(raw.get("updatedAt")),
            # Access Analyzer rates no finding; the data model's Finding wants the fields all the same.
            "category": "access",
            "severity": None,
            "numericSeverity": None,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_analyzer(
    context: StepContext, client: Any, where: Where, raw: Mapping[str, Any], analyzer: Entity
) -> None:
    """The analyzer's active findings: ListFindings answers per analyzer (the API nests)."""
    if raw.get("type") not in EXTERNAL_ACCESS or raw.get("status") != "ACTIVE":
        return
    service = ACCESS_ANALYZER.key_of(where.account_id)
    for item in paginate(
        client, "list_findings", "findings", analyzerArn=raw["arn"], filter={"status": {"eq": ["ACTIVE"]}}
    ):
        finding = context.job_state.add_entity(to_finding(item, where, analyzer))
        context.job_state.add_relationship(
            make_relationship(
                from_type=ACCESS_ANALYZER.entity.type, from_key=service, verb="HAS", to_entity=finding
            )
        )
        context.job_state.add_relationship(
            make_relationship(from_entity=analyzer, verb="IDENTIFIED", to_entity=finding)
        )


ANALYZERS = ResourceSpec(
    step_id="fetch-accessanalyzer-analyzers",
    name="Fetch IAM Access Analyzer analyzers and findings",
    service=ACCESS_ANALYZER,
    client="accessanalyzer",
    operation="list_analyzers",
    result_key="analyzers",
    entity=ANALYZER,
    convert=to_analyzer,
    enrich=enrich_analyzer,
    extra_entities=(FINDING,),
    relationships=(ACCESS_ANALYZER.has(FINDING), RelationshipType(ANALYZER, "IDENTIFIED", FINDING)),
    permissions=("access-analyzer:ListAnalyzers", "access-analyzer:ListFindings"),
)

STEPS = (ACCESS_ANALYZER.step(), resource_step(ANALYZERS))


# How the tests reach these types (the README's collected-types table reads it).
TESTED_WITH = {
    "aws_accessanalyzer_analyzer": "moto, patched (none in moto: CreateAnalyzer, ListAnalyzers)",
    "aws_accessanalyzer_finding": "moto, patched (ListFindings, derived from trusts and public buckets)",
}
