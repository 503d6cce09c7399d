"""Systems Manager types (reference/jupiterone-aws-types.md) and their keys."""

from __future__ import annotations

from graph_aws.aws.resources.registry import ServiceSpec, Where
from graph_aws.model import EntityType

SSM = ServiceSpec(
    "ssm",
    "SSM",
    EntityType("SSM", "aws_ssm", ("Service",)),
    function=("workload-management", "password-management"),
)
SECURE_STRING_PARAMETER = EntityType("SSM Parameter", "aws_secure_string_parameter", ("Secret",))
PATCH_BASELINE = EntityType("SSM Patch Baseline", "aws_patch_baseline", ("Configuration",))
PATCH_GROUP = EntityType("SSM Patch Group", "aws_patch_group", ("Group",))
PATCH_STATE = EntityType("SSM Patch State", "aws_patch_state", ("Logs",))
INSTANCE_INVENTORY = EntityType("Instance Inventory", "aws_instance_inventory", ("Configuration",))


def baseline_key(where: Where, baseline_id: str) -> str:
    """AWS's predefined baselines are named by their ARN (in AWS's own account); custom ones by id."""
    return baseline_id if baseline_id.startswith("arn:") else where.arn("ssm", f"patchbaseline/{baseline_id}")


def patch_group_key(where: Where, name: str) -> str:
    """A patch group is only a name (an instance tag's value) within a region: it has no ARN."""
    return f"aws_patch_group:{where.account_id}:{where.region}:{name}"


def patch_state_key(where: Where, instance_id: str) -> str:
    """An instance is in one patch group at a time: its patch state is keyed by the instance."""
    return f"aws_patch_state:{where.account_id}:{where.region}:{instance_id}"
