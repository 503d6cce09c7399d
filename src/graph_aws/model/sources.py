"""Who made an entity, as JupiterOne records it (`_source`, `_integrationInstanceId`, ...).

JupiterOne tells the entities an integration owns (`_source: integration-managed`) from those its
mapper makes for the targets of mapped relationships (`_source: system-mapper`): an account outside
the organization that a role trusts, the Internet, everyone. Its own rules and dashboards depend on
the difference (`FIND aws_account WITH _source != 'system-mapper' AND mfaEnabled != true` asks about
the accounts it ingests, not about every account id it has seen), so graph-aws records it the same way.

Each job scope of graph-aws plays the part of one JupiterOne integration instance: the entities a
job owns carry that scope's instance id and name (`integration_metadata`). A mapped entity carries
only `_source`; where an owned entity has the same `_key`, the owned one's metadata wins when the
store merges the scopes (`merge_metadata`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

INTEGRATION_MANAGED = "integration-managed"
SYSTEM_MAPPER = "system-mapper"
INTEGRATION_TYPE = "aws"
# The properties that say who made an entity; the store's merge treats them apart.
METADATA = ("_source", "_integrationInstanceId", "_integrationName", "_integrationType")

# Instance ids are UUIDs, as JupiterOne's are, derived from the scope so they stay the same run after run.
_INSTANCE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/graph-aws/instances")


def is_mapped(entity: Mapping[str, Any]) -> bool:
    return entity.get("_source") == SYSTEM_MAPPER


def integration_instance_id(scope: str) -> str:
    return str(uuid.uuid5(_INSTANCE_NAMESPACE, scope))


def integration_metadata(scope: str) -> dict[str, str]:
    """What the entities of one scope (`account:123456789012`, `organization:o-abc`) carry."""
    return {
        "_source": INTEGRATION_MANAGED,
        "_integrationInstanceId": integration_instance_id(scope),
        "_integrationName": f"graph-aws {scope}",
        "_integrationType": INTEGRATION_TYPE,
    }


def with_integration_metadata(entities: Iterable[dict[str, Any]], scope: str) -> list[dict[str, Any]]:
    """The entities a job made, the ones it owns stamped with its scope's metadata (mapped ones as
    they are)."""
    metadata = integration_metadata(scope)
    return [entity if is_mapped(entity) else {**entity, **metadata} for entity in entities]


def merge_metadata(merged: dict[str, Any], views: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One entity seen by several scopes: when any scope owns it, its metadata is the owner's
    (the last owning view), whatever order the scopes were merged in; else it stays mapped."""
    owners = [view for view in views if view.get("_source", INTEGRATION_MANAGED) != SYSTEM_MAPPER]
    if owners:
        for name in METADATA:
            merged.pop(name, None)
        merged.update({name: owners[-1][name] for name in METADATA if name in owners[-1]})
    return merged
