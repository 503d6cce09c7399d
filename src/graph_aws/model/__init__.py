"""The graph's data model: JupiterOne's rules for entities and relationships. No AWS, no database."""

from graph_aws.model.graph import (
    Entity,
    Relationship,
    epoch_day_millis,
    epoch_millis,
    make_entity,
    make_relationship,
    relationship_type,
    tag_properties,
)
from graph_aws.model.sources import INTEGRATION_MANAGED, SYSTEM_MAPPER, is_mapped
from graph_aws.model.types import EntityType, RelationshipType

__all__ = [
    "INTEGRATION_MANAGED",
    "SYSTEM_MAPPER",
    "Entity",
    "EntityType",
    "Relationship",
    "RelationshipType",
    "epoch_day_millis",
    "epoch_millis",
    "is_mapped",
    "make_entity",
    "make_relationship",
    "relationship_type",
    "tag_properties",
]
