"""Each managed instance's software inventory (SSM Inventory's `AWS:Application` type), one entity
per instance with `applicationInventory`: every package as `<name>_<version>`, the form JupiterOne's
rules search (`applicationInventory ~= 'xz-utils_5.6.1'`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_aws.aws.resources._text_dates import iso_millis
from graph_aws.aws.resources.ec2.model import INSTANCE, arn_of, relate
from graph_aws.aws.resources.registry import ResourceSpec, Where
from graph_aws.aws.resources.ssm.model import INSTANCE_INVENTORY, SSM
from graph_aws.model import (
    Entity,
    Relationship,
    RelationshipType,
    make_entity,
    make_relationship,
)

APPLICATIONS = "AWS:Application"


def inventory_key(where: Where, node_id: str) -> str:
    """SSM's own ARN for a managed node's inventory (resource type `managed-instance-inventory`)."""
    return where.arn("ssm", f"managed-instance-inventory/{node_id}")


def application_names(content: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted(
        {
            f"{item['Name']}_{item['Version']}" if item.get("Version") else item["Name"]
            for item in content
            if item.get("Name")
        }
    )


def to_instance_inventory(raw: Mapping[str, Any], where: Where) -> Entity:
    node_id = raw["Id"]
    applications = (raw.get("Data") or {}).get(APPLICATIONS) or {}
    content = applications.get("Content") or []
    return make_entity(
        key=inventory_key(where, node_id),
        type=INSTANCE_INVENTORY.type,
        classes=INSTANCE_INVENTORY.classes,
        name=f"{node_id} inventory",
        properties={
            "instanceId": node_id,
            "applicationInventory": application_names(content) or None,
            "applicationCount": len(content),
            "capturedOn": iso_millis(applications.get("CaptureTime")),
            "schemaVersion": applications.get("SchemaVersion"),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def instance_has_inventory(raw: Mapping[str, Any], where: Where) -> Iterable[Relationship]:
    """EC2 instances (`i-...`) HAS their inventory, and SSM MANAGES them; other managed nodes
    (on-premises `mi-...`) are not EC2 instances."""
    node_id = raw["Id"]
    if not node_id.startswith("i-"):
        return
    instance = arn_of(where, "instance", node_id)
    yield make_relationship(
        from_type=INSTANCE.type,
        from_key=instance,
        verb="HAS",
        to_type=INSTANCE_INVENTORY.type,
        to_key=inventory_key(where, node_id),
    )
    yield make_relationship(
        from_type=SSM.entity.type,
        from_key=SSM.key_of(where.account_id),
        verb="MANAGES",
        to_type=INSTANCE.type,
        to_key=instance,
    )


INSTANCE_INVENTORY_SPEC = ResourceSpec(
    step_id="fetch-ssm-inventory",
    name="Fetch SSM instance inventory",
    service=SSM,
    client="ssm",
    operation="get_inventory",
    result_key="Entities",
    parameters={"ResultAttributes": [{"TypeName": APPLICATIONS}]},
    entity=INSTANCE_INVENTORY,
    convert=to_instance_inventory,
    enrich=relate(instance_has_inventory),
    relationships=(
        RelationshipType(INSTANCE, "HAS", INSTANCE_INVENTORY),
        RelationshipType(SSM.entity, "MANAGES", INSTANCE),
    ),
    permissions=("ssm:GetInventory",),
)
