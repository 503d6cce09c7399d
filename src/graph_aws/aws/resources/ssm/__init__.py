"""Systems Manager: SecureString parameters, patch baselines, patch groups and the patch state of
their instances, and each managed instance's software inventory."""

from graph_aws.aws.resources.registry import resource_step
from graph_aws.aws.resources.ssm.inventory import INSTANCE_INVENTORY_SPEC
from graph_aws.aws.resources.ssm.model import SSM
from graph_aws.aws.resources.ssm.parameters import SECURE_STRING_PARAMETERS
from graph_aws.aws.resources.ssm.patching import PATCH_BASELINES, PATCH_GROUPS, patch_states_step

STEPS = (
    SSM.step(),
    resource_step(SECURE_STRING_PARAMETERS),
    resource_step(PATCH_BASELINES),
    resource_step(PATCH_GROUPS),
    patch_states_step(),
    resource_step(INSTANCE_INVENTORY_SPEC),
)


# How the tests reach these types (the README's collected-types table reads it).
TESTED_WITH = {
    "aws_patch_group": "moto, patched (DescribePatchGroups)",
    "aws_patch_state": "moto, patched (DescribeInstancePatchStatesForPatchGroup)",
    "aws_instance_inventory": "moto, patched (PutInventory, GetInventory)",
}
