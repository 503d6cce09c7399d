"""What a finalized synchronization job makes of its scope: JupiterOne's persister rules, applied
through the store's `sync_scope` in one transaction, exactly as a collect job's scope is replaced.

    DIFF              the scope becomes what was uploaded; what vanished is deleted, except objects of
                      the job's partial types (`partialDatasets.types` at finalize), which are kept
    CREATE_OR_UPDATE  (and the client's PATCH) what was uploaded is added or updated; nothing else
                      changes, but for what `deleteEntities` / `deleteRelationships` name

Relationships are checked after the entities: one whose ends are neither in the job nor in the
store is counted (`numRelationshipCreateErrors`) and not kept. A mapped relationship (`_mapping`)
is linked as JupiterOne's mapper links it: to every entity whose `targetFilterKeys` properties equal
the `targetEntity`'s (the first filter that finds one wins), or, when none does and
`skipTargetCreation` is not set, to a new entity made from `targetEntity` with
`_source: 'system-mapper'`, kept in the same scope.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph_aws.errors import GraphAwsError
from graph_aws.serve.shapes import entity_id, relationship_id
from graph_aws.store import Store

DIFF, CREATE_OR_UPDATE = "DIFF", "CREATE_OR_UPDATE"
MAPPER_SOURCE = "system-mapper"


class ConflictingUpload(GraphAwsError):
    """Two different objects with one `_key` in one job: JupiterOne keeps none of the job's data."""


@dataclass
class Staged:
    """Everything a job was sent, in the order it came."""

    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    relationships: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted_entities: list[dict[str, str]] = field(default_factory=list)  # each {_key} or {_id}
    deleted_relationships: list[dict[str, str]] = field(default_factory=list)

    def add(self, kind: str, objects: Iterable[dict[str, Any]]) -> None:
        into = self.entities if kind == "entities" else self.relationships
        for obj in objects:
            old = into.get(obj["_key"])
            if old is not None and old != obj:
                raise ConflictingUpload(
                    f"two different {kind} have _key {obj['_key']!r}; JupiterOne keeps nothing of a job "
                    "with a duplicate key: fix the integration and sync again"
                )
            into[obj["_key"]] = obj


@dataclass
class Outcome:
    entities_created: int = 0
    entities_updated: int = 0
    entities_deleted: int = 0
    relationships_created: int = 0
    relationships_updated: int = 0
    relationships_deleted: int = 0
    relationship_create_errors: int = 0
    mapped_relationships_created: int = 0
    mapped_entities_created: int = 0


def _canonical(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[int, int, int]:
    created = sum(1 for k in after if k not in before)
    updated = sum(1 for k, v in after.items() if k in before and _canonical(before[k]) != _canonical(v))
    return created, updated, sum(1 for k in before if k not in after)


class _StoreEntities:
    """The store's merged entities, read only when a relationship needs them, then remembered."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._keys: set[str] | None = None
        self._by_type: dict[str | None, list[dict[str, Any]]] = {}

    def has(self, key: str) -> bool:
        if self._keys is None:
            self._keys = {k for (k,) in self._store.read("SELECT key FROM entity")}
        return key in self._keys

    def of_type(self, type_: str | None) -> list[dict[str, Any]]:
        if type_ not in self._by_type:
            self._by_type[type_] = list(self._store.entities(type_))
        return self._by_type[type_]


def _matches(entity: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    for name, value in wanted.items():
        have = entity.get(name)
        if name == "_class" and isinstance(have, list):
            if not (set(value) <= set(have) if isinstance(value, list) else value in have):
                return False
        elif have != value:
            return False
    return True


def _probe(obj: Mapping[str, Any], names: tuple[str, ...]) -> str:
    """The index key of an entity (or of a target) by the filter's properties, `_class` aside."""
    return json.dumps([obj.get(n) for n in names if n != "_class"], sort_keys=True)


class _Targets:
    """Finds the entities a mapping's filter names, in the job first, then in the store, through
    indexes built once per filter (a job may map thousands of relationships)."""

    def __init__(self, entities: dict[str, dict[str, Any]], known: _StoreEntities) -> None:
        self.entities = entities
        self.known = known
        self._local: dict[tuple[str, ...], dict[str, list[dict[str, Any]]]] = {}
        self._stored: dict[tuple[Any, ...], dict[str, list[dict[str, Any]]]] = {}

    def add(self, entity: dict[str, Any]) -> None:
        self.entities.setdefault(entity["_key"], entity)
        for names, index in self._local.items():
            index.setdefault(_probe(entity, names), []).append(entity)

    def find(self, wanted: Mapping[str, Any]) -> list[dict[str, Any]]:
        names = tuple(sorted(wanted))
        probe = _probe(wanted, names)
        if names not in self._local:
            index: dict[str, list[dict[str, Any]]] = {}
            for entity in self.entities.values():
                index.setdefault(_probe(entity, names), []).append(entity)
            self._local[names] = index
        found = [e for e in self._local[names].get(probe, []) if _matches(e, wanted)]
        if found:
            return found
        if "_key" in wanted and not self.known.has(wanted["_key"]):
            return []
        type_ = wanted.get("_type") if isinstance(wanted.get("_type"), str) else None
        if (type_, names) not in self._stored:
            stored: dict[str, list[dict[str, Any]]] = {}
            for entity in self.known.of_type(type_):
                stored.setdefault(_probe(entity, names), []).append(entity)
            self._stored[(type_, names)] = stored
        return [e for e in self._stored[(type_, names)].get(probe, []) if _matches(e, wanted)]


def _link_mapped(
    relationship: dict[str, Any],
    targets: _Targets,
    mapped_before: dict[str, dict[str, Any]],
    outcome: Outcome,
) -> list[dict[str, Any]]:
    mapping = relationship["_mapping"]
    target = mapping["targetEntity"]
    source = mapping["sourceEntityKey"]
    filters = mapping.get("targetFilterKeys") or [["_type", "_key"]]
    found: list[dict[str, Any]] = []
    for names in filters:
        names = [names] if isinstance(names, str) else names
        if all(n in target for n in names):
            found = targets.find({n: target[n] for n in names})
            if found:
                break
    for entity in found:
        # A mapper's entity lives in every scope that maps to it, so that it stays while one still does.
        if entity["_key"] not in targets.entities and (
            entity["_key"] in mapped_before or entity.get("_source") == MAPPER_SOURCE
        ):
            targets.add(mapped_before.get(entity["_key"], entity))
    if not found:
        if mapping.get("skipTargetCreation"):
            return []
        made = _mapper_entity(mapping)
        if made is None:
            return []
        targets.add(made)
        outcome.mapped_entities_created += 1
        found = [made]
    forward = mapping.get("relationshipDirection", "FORWARD") == "FORWARD"
    base = {k: v for k, v in relationship.items() if k != "_mapping"}
    keys = sorted({e["_key"] for e in found})
    linked = []
    for key in keys:
        one = dict(base, _fromEntityKey=source if forward else key, _toEntityKey=key if forward else source)
        if len(keys) > 1:
            one["_key"] = f"{base['_key']}|{key}"
        linked.append(one)
    outcome.mapped_relationships_created += len(linked)
    return linked


def _mapper_entity(mapping: Mapping[str, Any]) -> dict[str, Any] | None:
    target = dict(mapping["targetEntity"])
    if not isinstance(target.get("_type"), str) or not target.get("_class"):
        return None  # JupiterOne's mapper needs both to make an entity
    if not isinstance(target.get("_key"), str):
        filters = mapping.get("targetFilterKeys") or [["_type", "_key"]]
        names = [n for f in filters for n in ([f] if isinstance(f, str) else f)]
        direction = mapping.get("relationshipDirection", "FORWARD")
        target["_key"] = ":".join([direction, *(f"{n}={target.get(n)}" for n in names)])
    classes = target["_class"]
    target["_class"] = [classes] if isinstance(classes, str) else list(classes)
    target.setdefault("displayName", target.get("name") or target["_key"])
    target["_source"] = MAPPER_SOURCE
    return target


def _delete(objects: dict[str, dict[str, Any]], named: list[dict[str, str]], id_of: Any) -> None:
    """Remove what `deleteEntities` / `deleteRelationships` name, by `_key` or by `_id` (in this scope)."""
    keys = {n["_key"] for n in named if "_key" in n}
    ids = {n["_id"] for n in named if "_id" in n}
    for key in [k for k in objects if k in keys or (ids and id_of(k) in ids)]:
        del objects[key]


def finalize_scope(
    store: Store,
    scope: str,
    staged: Staged,
    mode: str,
    partial_types: Iterable[str],
) -> Outcome:
    """Apply a job's uploads to its scope (one transaction) and say what changed."""
    partial = set(partial_types)
    current_entities, current_relationships = (
        {o["_key"]: o for o in objects} for objects in store.scope_contents(scope)
    )

    def kept(current: dict[str, dict[str, Any]], uploaded: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        if mode == CREATE_OR_UPDATE:
            return dict(current)
        return {k: o for k, o in current.items() if o["_type"] in partial and k not in uploaded}

    entities = {**kept(current_entities, staged.entities), **staged.entities}
    _delete(entities, staged.deleted_entities, entity_id)

    outcome = Outcome()
    known = _StoreEntities(store)
    targets = _Targets(entities, known)
    mapped_before = {k: e for k, e in current_entities.items() if e.get("_source") == MAPPER_SOURCE}
    uploaded: dict[str, dict[str, Any]] = {}
    for relationship in staged.relationships.values():
        if "_mapping" in relationship:
            linked = _link_mapped(relationship, targets, mapped_before, outcome)
            if not linked:
                outcome.relationship_create_errors += 1
            uploaded.update((r["_key"], r) for r in linked)
        else:
            uploaded[relationship["_key"]] = relationship
    relationships = {**kept(current_relationships, uploaded), **uploaded}
    _delete(relationships, staged.deleted_relationships, relationship_id)

    vanished = set(current_entities) - set(entities)

    def present(key: str) -> bool:
        return key in entities or (key not in vanished and known.has(key))

    for key, relationship in list(relationships.items()):
        if not (present(relationship["_fromEntityKey"]) and present(relationship["_toEntityKey"])):
            del relationships[key]
            if key in uploaded:
                outcome.relationship_create_errors += 1

    (outcome.entities_created, outcome.entities_updated, outcome.entities_deleted) = _diff(
        current_entities, entities
    )
    (outcome.relationships_created, outcome.relationships_updated, outcome.relationships_deleted) = _diff(
        current_relationships, relationships
    )
    store.sync_scope(scope, list(entities.values()), list(relationships.values()))
    return outcome
