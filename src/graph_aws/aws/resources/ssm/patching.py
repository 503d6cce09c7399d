"""Patch Manager: baselines, patch groups (which baseline each uses) and, per group, the patch state
of each of its instances (what a scan or install found: installed, missing, failed counts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.context import AccountResources
from graph_aws.aws.resources.ec2.model import INSTANCE, arn_of, relate
from graph_aws.aws.resources.registry import (
    ResourceSpec,
    Where,
    for_each_region,
    one_item,
    regions_of,
    required_id,
)
from graph_aws.aws.resources.ssm.model import (
    PATCH_BASELINE,
    PATCH_GROUP,
    PATCH_STATE,
    SSM,
    baseline_key,
    patch_group_key,
    patch_state_key,
)
from graph_aws.engine import Step, StepContext
from graph_aws.model import (
    Entity,
    Relationship,
    RelationshipType,
    epoch_millis,
    make_entity,
    make_relationship,
)


def to_patch_baseline(raw: Mapping[str, Any], where: Where) -> Entity:
    key = baseline_key(where, raw["BaselineId"])
    return make_entity(
        key=key,
        type=PATCH_BASELINE.type,
        classes=PATCH_BASELINE.classes,
        name=raw.get("BaselineName") or raw["BaselineId"],
        properties={
            "arn": key if key.startswith("arn:") else None,
            "id": raw["BaselineId"],
            "description": raw.get("BaselineDescription") or None,
            "operatingSystem": raw.get("OperatingSystem"),
            "defaultBaseline": raw.get("DefaultBaseline"),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


PATCH_BASELINES = ResourceSpec(
    step_id="fetch-ssm-patch-baselines",
    name="Fetch SSM patch baselines",
    service=SSM,
    client="ssm",
    operation="describe_patch_baselines",
    result_key="BaselineIdentities",
    entity=PATCH_BASELINE,
    convert=to_patch_baseline,
    permissions=("ssm:DescribePatchBaselines",),
)


def to_patch_group(raw: Mapping[str, Any], where: Where) -> Entity:
    baseline = raw.get("BaselineIdentity") or {}
    return make_entity(
        key=patch_group_key(where, raw["PatchGroup"]),
        type=PATCH_GROUP.type,
        classes=PATCH_GROUP.classes,
        name=raw["PatchGroup"],
        properties={
            "baselineId": baseline.get("BaselineId"),
            "baselineName": baseline.get("BaselineName"),
            "operatingSystem": baseline.get("OperatingSystem"),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def group_baseline(raw: Mapping[str, Any], where: Where) -> Iterable[Relationship]:
    baseline_id = (raw.get("BaselineIdentity") or {}).get("BaselineId")
    if baseline_id:
        yield make_relationship(
            from_type=PATCH_GROUP.type,
            from_key=patch_group_key(where, raw["PatchGroup"]),
            verb="USES",
            to_type=PATCH_BASELINE.type,
            to_key=baseline_key(where, baseline_id),
        )


PATCH_GROUPS = ResourceSpec(
    step_id="fetch-ssm-patch-groups",
    name="Fetch SSM patch groups",
    service=SSM,
    client="ssm",
    operation="describe_patch_groups",
    result_key="Mappings",
    entity=PATCH_GROUP,
    convert=to_patch_group,
    enrich=relate(group_baseline),
    relationships=(RelationshipType(PATCH_GROUP, "USES", PATCH_BASELINE),),
    permissions=("ssm:DescribePatchGroups",),
)


def to_patch_state(raw: Mapping[str, Any], where: Where) -> Entity:
    instance_id = required_id(raw.get("InstanceId") or "", "InstanceId", "a patch state")
    return make_entity(
        key=patch_state_key(where, instance_id),
        type=PATCH_STATE.type,
        classes=PATCH_STATE.classes,
        name=f"{instance_id} patch state",
        properties={
            "instanceId": instance_id,
            "patchGroup": raw.get("PatchGroup"),
            "baselineId": raw.get("BaselineId"),
            "operation": raw.get("Operation"),
            "operationStartedOn": epoch_millis(raw.get("OperationStartTime")),
            "operationEndedOn": epoch_millis(raw.get("OperationEndTime")),
            "installedCount": raw.get("InstalledCount"),
            "installedOtherCount": raw.get("InstalledOtherCount"),
            "installedPendingRebootCount": raw.get("InstalledPendingRebootCount"),
            "installedRejectedCount": raw.get("InstalledRejectedCount"),
            "missingCount": raw.get("MissingCount"),
            "failedCount": raw.get("FailedCount"),
            "notApplicableCount": raw.get("NotApplicableCount"),
            "criticalNonCompliantCount": raw.get("CriticalNonCompliantCount"),
            "securityNonCompliantCount": raw.get("SecurityNonCompliantCount"),
            "rebootOption": raw.get("RebootOption"),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def patch_state_relationships(raw: Mapping[str, Any], where: Where, group: Entity) -> list[Relationship]:
    """The instance LOGS its patch state, the baseline GENERATED it, and the group HAS the instance."""
    state = patch_state_key(where, raw["InstanceId"])
    instance = arn_of(where, "instance", raw["InstanceId"])
    relationships = [
        make_relationship(
            from_type=INSTANCE.type, from_key=instance, verb="LOGS", to_type=PATCH_STATE.type, to_key=state
        ),
        make_relationship(from_entity=group, verb="HAS", to_type=INSTANCE.type, to_key=instance),
    ]
    if raw.get("BaselineId"):
        relationships.append(
            make_relationship(
                from_type=PATCH_BASELINE.type,
                from_key=baseline_key(where, raw["BaselineId"]),
                verb="GENERATED",
                to_type=PATCH_STATE.type,
                to_key=state,
            )
        )
    return relationships


def patch_states_step() -> Step:
    """DescribeInstancePatchStatesForPatchGroup answers for one patch group at a time, so this step
    lists once per group the patch-groups step found in each region (the API nests)."""

    def handler(context: StepContext) -> None:
        resources: AccountResources = context.resources
        service_key = SSM.key_of(resources.account_id)

        def in_region(region: str) -> None:
            where = Where(resources.account_id, resources.partition, region)
            client = resources.session.client("ssm", region)
            groups = [
                g
                for g in context.job_state.iter_entities(PATCH_GROUP.type)
                if g.get("accountId") == where.account_id and g.get("region") == region
            ]
            for group in groups:
                for raw in paginate(
                    client,
                    "describe_instance_patch_states_for_patch_group",
                    "InstancePatchStates",
                    PatchGroup=group["name"],
                ):
                    with one_item(context, f"{region}: a patch state of {group['_key']}"):
                        state = context.job_state.add_entity(to_patch_state(raw, where))
                        context.job_state.add_relationship(
                            make_relationship(
                                from_type=SSM.entity.type, from_key=service_key, verb="HAS", to_entity=state
                            )
                        )
                        for relationship in patch_state_relationships(raw, where, group):
                            if not context.job_state.has_key(relationship["_key"]):
                                context.job_state.add_relationship(relationship)

        for_each_region(context, in_region, regions_of(context))

    return Step(
        id="fetch-ssm-patch-states",
        name="Fetch SSM instance patch states",
        handler=handler,
        entities=(PATCH_STATE,),
        relationships=(
            SSM.has(PATCH_STATE),
            RelationshipType(INSTANCE, "LOGS", PATCH_STATE),
            RelationshipType(PATCH_BASELINE, "GENERATED", PATCH_STATE),
            RelationshipType(PATCH_GROUP, "HAS", INSTANCE),
        ),
        depends_on=(SSM.step_id, "fetch-regions", PATCH_GROUPS.step_id),
        permissions=("ssm:DescribeInstancePatchStatesForPatchGroup",),
    )
