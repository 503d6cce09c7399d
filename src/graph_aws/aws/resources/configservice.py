"""AWS Config: rules, with the compliance Config last found for each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws import types as t
from graph_aws.aws.api import paginate
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import Entity, EntityType, RelationshipType, make_entity, make_relationship

CONFIG = ServiceSpec(
    "config", "Config", EntityType("Config", "aws_config", ("Service",)), function=("config-auditing",)
)
CONFIG_RULE = EntityType("Config Rule", "aws_config_rule", ("ControlPolicy",))


def to_config_rule(raw: Mapping[str, Any], where: Where) -> Entity:
    source = raw.get("Source") or {}
    return make_entity(
        key=raw["ConfigRuleArn"],
        type=CONFIG_RULE.type,
        classes=CONFIG_RULE.classes,
        name=raw["ConfigRuleName"],
        properties={
            "arn": raw["ConfigRuleArn"],
            "configRuleId": raw.get("ConfigRuleId"),
            "description": raw.get("Description") or None,
            "state": raw.get("ConfigRuleState"),
            "sourceOwner": source.get("Owner"),
            "sourceIdentifier": source.get("SourceIdentifier"),
            "inputParameters": raw.get("InputParameters") or None,  # a JSON document, kept as text
            "maximumExecutionFrequency": raw.get("MaximumExecutionFrequency"),
            "createdBy": raw.get("CreatedBy"),
            "resourceTypes": ((raw.get("Scope") or {}).get("ComplianceResourceTypes")) or None,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def region_compliance(context: StepContext, client: Any, region: str) -> dict[str, str]:
    """Every rule's compliance in the region, listed once (on the first rule) and kept for the others:
    one paginated call per region rather than one call per rule."""
    name = f"config-rule-compliance:{region}"
    compliance = context.job_state.get_data(name)
    if compliance is None:
        compliance = {  # an item that names no rule says nothing of any rule
            item["ConfigRuleName"]: (item.get("Compliance") or {}).get("ComplianceType")
            for item in paginate(client, "describe_compliance_by_config_rule", "ComplianceByConfigRules")
            if item.get("ConfigRuleName")
        }
        context.job_state.set_data(name, compliance)  # each region is read by one thread
    return dict(compliance)


def enrich_rule(
    context: StepContext, client: Any, where: Where, raw: Mapping[str, Any], rule: Entity
) -> None:
    state = region_compliance(context, client, where.region).get(raw.get("ConfigRuleName") or "")
    # Config reports nothing for a rule it has not evaluated yet.
    context.job_state.enrich_entity(rule["_key"], {"complianceState": state or "INSUFFICIENT_DATA"})
    context.job_state.add_relationship(
        make_relationship(
            from_entity=rule,
            verb="EVALUATES",
            to_type=t.ACCOUNT.type,
            to_key=t.account_key(where.partition, where.account_id),
        )
    )


CONFIG_RULES = ResourceSpec(
    step_id="fetch-config-rules",
    name="Fetch AWS Config rules",
    service=CONFIG,
    client="config",
    operation="describe_config_rules",
    result_key="ConfigRules",
    entity=CONFIG_RULE,
    convert=to_config_rule,
    enrich=enrich_rule,
    relationships=(RelationshipType(CONFIG_RULE, "EVALUATES", t.ACCOUNT),),
    permissions=("config:DescribeConfigRules", "config:DescribeComplianceByConfigRule"),
)

STEPS = (CONFIG.step(), resource_step(CONFIG_RULES))

TESTED_WITH = {"aws_config_rule": "moto, patched (DescribeComplianceByConfigRule)"}
