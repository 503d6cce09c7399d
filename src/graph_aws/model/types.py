"""Type declarations: what a step says it emits (JupiterOne's StepEntityMetadata and
StepRelationshipMetadata). Declared types drive deletion safety: a failed step's types are partial."""

from __future__ import annotations

from dataclasses import dataclass

from graph_aws.model.graph import relationship_type


@dataclass(frozen=True)
class EntityType:
    resource_name: str
    type: str
    classes: tuple[str, ...]
    partial: bool = False  # always a partial dataset: never deleted by a sync


@dataclass(frozen=True)
class RelationshipType:
    source: EntityType
    verb: str
    target: EntityType
    partial: bool = False

    @property
    def type(self) -> str:
        return relationship_type(self.source.type, self.verb, self.target.type)
