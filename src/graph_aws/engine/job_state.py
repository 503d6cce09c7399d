"""A job's collected objects, in memory until the job finishes and its scope is synchronized."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from graph_aws.errors import DuplicateKeyError, GraphObjectError
from graph_aws.model import Entity, Relationship
from graph_aws.model.graph import storable_properties
from graph_aws.model.sources import is_mapped


class JobState:
    """Entities and relationships of one job, unique by `_key`, plus a small store of values that steps
    pass to each other (JupiterOne's setData/getData). Safe to use from several step threads."""

    def __init__(self) -> None:
        self._entities: dict[str, Entity] = {}
        self._relationships: dict[str, Relationship] = {}
        self._data: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.type_counts: Counter[str] = Counter()  # what this view added; see for_step()
        self._parent: JobState | None = None

    def for_step(self) -> JobState:
        """A view that shares this job's objects but counts only what one step adds."""
        view = JobState.__new__(JobState)
        view.__dict__.update(self.__dict__)
        view.type_counts = Counter()
        view._parent = self
        return view

    def _count(self, type: str) -> None:
        self.type_counts[type] += 1
        if self._parent is not None:
            self._parent.type_counts[type] += 1

    def add_entity(self, entity: Entity) -> Entity:
        """Add an entity this job owns. It takes the place of a mapped entity with the same _key
        (one step mapped to what another step then found)."""
        with self._lock:
            existing = self._entities.get(entity["_key"])
            if existing is not None and not is_mapped(existing):
                raise DuplicateKeyError(f"entity _key {entity['_key']!r} was added twice in one job")
            self._entities[entity["_key"]] = entity
            self._count(entity["_type"])
        return entity

    def add_mapped_entity(self, entity: Entity) -> Entity:
        """Add the target of a relationship to something graph-aws does not own (`make_entity(...,
        mapped=True)`: the Internet, an account outside the organization), once however many
        relationships point to it; the entity already held under its _key is kept and returned.

        As in JupiterOne, where the mapper makes these, a mapped target is not one of the step's
        types: it is not counted among them, and the store keeps it exactly as long as a
        relationship of the scope points to it (a failed step's kept relationships keep theirs)."""
        with self._lock:
            existing = self._entities.get(entity["_key"])
            if existing is not None:
                return existing
            self._entities[entity["_key"]] = entity
        return entity

    def add_entities(self, entities: list[Entity]) -> None:
        for entity in entities:
            self.add_entity(entity)

    def add_relationship(self, relationship: Relationship) -> Relationship:
        with self._lock:
            if relationship["_key"] in self._relationships:
                raise DuplicateKeyError(
                    f"relationship _key {relationship['_key']!r} was added twice in one job"
                )
            self._relationships[relationship["_key"]] = relationship
            self._count(relationship["_type"])
        return relationship

    def add_relationships(self, relationships: list[Relationship]) -> None:
        for relationship in relationships:
            self.add_relationship(relationship)

    def enrich_entity(self, key: str, properties: Mapping[str, Any]) -> None:
        """Add properties to an entity of this job: how one step completes another's entity
        (the account's contacts join the account entity) without either step owning the other's types."""
        with self._lock:
            entity = self._entities.get(key)
            if entity is None:
                raise GraphObjectError(f"cannot add properties to {key!r}: no such entity in this job")
            for name, value in storable_properties(f"entity {entity['_type']} {key!r}", properties).items():
                if value is not None:
                    entity[name] = value

    def find_entity(self, key: str) -> Entity | None:
        return self._entities.get(key)

    def has_key(self, key: str) -> bool:
        return key in self._entities or key in self._relationships

    def iter_entities(self, type: str | None = None) -> Iterator[Entity]:
        with self._lock:
            entities = list(self._entities.values())
        return (e for e in entities if type is None or e["_type"] == type)

    def entities(self) -> list[Entity]:
        return list(self._entities.values())

    def relationships(self) -> list[Relationship]:
        return list(self._relationships.values())

    def set_data(self, name: str, value: Any) -> None:
        self._data[name] = value

    def get_data(self, name: str, default: Any = None) -> Any:
        return self._data.get(name, default)
