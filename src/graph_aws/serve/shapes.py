"""The objects JupiterOne's API answers with, built from the store's entities and relationships.

An entity row (a "vertex") is `{id, entity: {_id, _key, _type: [..], _class: [..], displayName,
_accountId, _deleted, _source, ...}, properties: {...}}`: the metadata (names starting with `_`, and
displayName) under `entity`, everything else under `properties`, as JupiterOne splits them. A
relationship (an "edge") is `{id, fromVertexId, toVertexId, relationship: {...}, properties: {...}}`.

`_id` is a name-based UUID of `_key`: nothing is stored for it, and it is the same on every read and
on every server that holds the same graph. graph-aws keeps no version history, so `_createdOn`,
`_beginOn` and `_version` are null.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

_ENTITY_NAMESPACE = uuid.UUID("5d1f3f4e-6a43-5b8e-9c8e-2f1b7a0c4e11")
_RELATIONSHIP_NAMESPACE = uuid.UUID("0b6c9a52-8d1e-5f3a-a7c4-93e2d5f10b68")
_UNVERSIONED = {"_createdOn": None, "_beginOn": None, "_version": None}


def entity_id(key: str) -> str:
    return str(uuid.uuid5(_ENTITY_NAMESPACE, key))


def relationship_id(key: str) -> str:
    return str(uuid.uuid5(_RELATIONSHIP_NAMESPACE, key))


def _split(obj: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    meta = {k: v for k, v in obj.items() if k.startswith("_") or k == "displayName"}
    properties = {k: v for k, v in obj.items() if not (k.startswith("_") or k == "displayName")}
    return meta, properties


def vertex(entity: Mapping[str, Any], account: str) -> dict[str, Any]:
    meta, properties = _split(entity)
    types = meta.get("_type")
    classes = meta.get("_class")
    _id = entity_id(str(meta["_key"]))
    meta.update(
        _id=_id,
        _type=[types] if isinstance(types, str) else list(types or []),
        _class=[classes] if isinstance(classes, str) else list(classes or []),
        _accountId=account,
        _deleted=False,
        _source=meta.get("_source"),
        _integrationInstanceId=meta.get("_integrationInstanceId"),
        **{k: meta.get(k) for k in _UNVERSIONED},
    )
    meta.setdefault("displayName", entity.get("name") or meta["_key"])
    return {"id": _id, "entity": meta, "properties": properties}


def edge(relationship: Mapping[str, Any], account: str) -> dict[str, Any]:
    meta, properties = _split(relationship)
    _id = relationship_id(str(meta["_key"]))
    from_id, to_id = entity_id(str(meta["_fromEntityKey"])), entity_id(str(meta["_toEntityKey"]))
    meta.update(
        _id=_id,
        _fromEntityId=from_id,
        _toEntityId=to_id,
        _accountId=account,
        _deleted=False,
        **{k: meta.get(k) for k in _UNVERSIONED},
    )
    return {
        "id": _id,
        "fromVertexId": from_id,
        "toVertexId": to_id,
        "relationship": meta,
        "properties": properties,
    }


def tree(
    vertices: Iterable[Mapping[str, Any]], edges: Iterable[Mapping[str, Any]], account: str
) -> dict[str, Any]:
    return {"vertices": [vertex(v, account) for v in vertices], "edges": [edge(e, account) for e in edges]}
