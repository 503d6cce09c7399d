"""What serve accepts as an entity or a relationship from a client, checked before it is kept.

The rules are JupiterOne's: `_key`, `_type` and `_class` present; property values are strings,
numbers, booleans, null or lists of them. `_rawData` (the SDK's copy of the provider's answer) is
dropped: graph-aws keeps no raw data, and it is where an uploaded secret would most likely be.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.errors import GraphAwsError

_SCALARS = (str, int, float, bool)
MAX_KEY_LENGTH = 4096


class BadGraphObject(GraphAwsError):
    """An uploaded object breaks JupiterOne's rules; the message names it and the rule."""


def _where(kind: str, obj: Mapping[str, Any]) -> str:
    key = obj.get("_key")
    return f"{kind} {key!r}" if isinstance(key, str) else kind


def _check_values(where: str, obj: Mapping[str, Any], skip: tuple[str, ...] = ()) -> None:
    for name, value in obj.items():
        if name in skip or value is None or isinstance(value, _SCALARS):
            continue
        if isinstance(value, list) and all(v is None or isinstance(v, _SCALARS) for v in value):
            continue
        raise BadGraphObject(
            f"{where}: property {name!r} holds {type(value).__name__}; properties are strings, numbers, "
            "booleans, null or lists of them"
        )


def _check_text(where: str, obj: Mapping[str, Any], name: str) -> None:
    value = obj.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_KEY_LENGTH:
        raise BadGraphObject(
            f"{where}: {name} must be a non-empty string (at most {MAX_KEY_LENGTH} characters)"
        )


def _classes(where: str, value: Any) -> list[str]:
    classes = [value] if isinstance(value, str) else value
    if not isinstance(classes, list) or not classes or not all(isinstance(c, str) and c for c in classes):
        raise BadGraphObject(f"{where}: _class must be a class name or a non-empty list of them")
    return classes


def clean_entity(obj: Any) -> dict[str, Any]:
    """The entity to keep: checked, `_class` as a list, `_rawData` dropped."""
    if not isinstance(obj, dict):
        raise BadGraphObject(f"an entity must be a JSON object, not {type(obj).__name__}")
    where = _where("entity", obj)
    for name in ("_key", "_type"):
        _check_text(where, obj, name)
    entity = {k: v for k, v in obj.items() if k != "_rawData"}
    entity["_class"] = _classes(where, obj.get("_class"))
    _check_values(where, entity, skip=("_class",))
    return entity


def clean_relationship(obj: Any) -> dict[str, Any]:
    """The relationship to keep: direct (`_fromEntityKey`, `_toEntityKey`) or mapped (`_mapping`)."""
    if not isinstance(obj, dict):
        raise BadGraphObject(f"a relationship must be a JSON object, not {type(obj).__name__}")
    where = _where("relationship", obj)
    for name in ("_key", "_type", "_class"):
        _check_text(where, obj, name)
    relationship = {k: v for k, v in obj.items() if k != "_rawData"}
    mapping = relationship.get("_mapping")
    if mapping is None:
        for name in ("_fromEntityKey", "_toEntityKey"):
            _check_text(where, obj, name)
    else:
        _check_mapping(where, mapping)
    _check_values(where, relationship, skip=("_mapping",))
    return relationship


def _check_mapping(where: str, mapping: Any) -> None:
    if not isinstance(mapping, dict):
        raise BadGraphObject(f"{where}: _mapping must be an object")
    _check_text(f"{where} _mapping", mapping, "sourceEntityKey")
    if mapping.get("relationshipDirection", "FORWARD") not in ("FORWARD", "REVERSE"):
        raise BadGraphObject(f"{where}: _mapping.relationshipDirection must be FORWARD or REVERSE")
    target = mapping.get("targetEntity")
    if not isinstance(target, dict):
        raise BadGraphObject(f"{where}: _mapping.targetEntity must be an object")
    _check_values(f"{where} _mapping.targetEntity", target)
    filters = mapping.get("targetFilterKeys", [["_type", "_key"]])
    if not isinstance(filters, list) or not filters:
        raise BadGraphObject(f"{where}: _mapping.targetFilterKeys must be a non-empty list")
    for keys in filters:
        names = [keys] if isinstance(keys, str) else keys
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise BadGraphObject(
                f"{where}: each of _mapping.targetFilterKeys is a property name or a list of them"
            )


def check_properties(properties: Any, where: str) -> dict[str, Any]:
    """Properties a mutation sets: an object of plain values, none of the names JupiterOne reserves."""
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise BadGraphObject(f"{where}: properties must be an object")
    reserved = sorted(
        k for k in properties if k in ("_id", "_key", "_type", "_class") or not isinstance(k, str)
    )
    if reserved:
        raise BadGraphObject(f"{where}: properties may not set {', '.join(map(str, reserved))}")
    _check_values(where, properties)
    return dict(properties)
