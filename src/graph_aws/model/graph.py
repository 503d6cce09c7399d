"""Entities and relationships as JupiterOne builds them: plain dicts, checked when they are made.

An entity is a flat JSON object (`_key`, `_type`, `_class`, `name`, `displayName`, then its
properties), exactly what JupiterOne's files and sync API carry, so nothing needs converting on the
way to the store or to an export. The builders reject a bad object with a message that names it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from graph_aws.errors import GraphObjectError

Entity = dict[str, Any]
Relationship = dict[str, Any]

# JupiterOne's GraphObject.json: propertyNames must match this, _key is at least 10 characters.
PROPERTY_NAME = re.compile(r"^(_|tag\.)?[A-Za-z0-9. -]+$")
TYPE_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
CLASS_NAME = re.compile(r"^[A-Z][A-Za-z]+$")
VERB = re.compile(r"^[A-Z][A-Z_]*$")
MIN_KEY_LENGTH = 10

# Properties the builders set themselves; callers pass them as arguments, not in `properties`.
_RESERVED = {"_key", "_type", "_class", "name", "displayName"}
_SCALARS = (str, int, float, bool)


def relationship_type(from_type: str, verb: str, to_type: str) -> str:
    """The relationship `_type` JupiterOne's SDK generates (`generateRelationshipType`).

    Leading parts shared with the source type are dropped from the target type, always keeping its
    last part: aws_account HAS aws_account -> aws_account_has_account, aws_iam HAS aws_iam_user ->
    aws_iam_has_user.
    """
    from_parts, to_parts = from_type.split("_"), to_type.split("_")
    i = 0
    while i < len(to_parts) - 1 and i < len(from_parts) and to_parts[i] == from_parts[i]:
        i += 1
    return f"{from_type}_{verb.lower()}_{'_'.join(to_parts[i:])}"


def epoch_millis(value: datetime | None) -> int | None:
    """JupiterOne dates are epoch milliseconds."""
    return None if value is None else int(value.timestamp() * 1000)


def epoch_day_millis(value: datetime | None) -> int | None:
    """A "last used" date, to the day (UTC midnight, epoch ms). graph-aws itself uses the role and
    the keys it runs with: to the second, their last use would change the graph at every run."""
    if value is None:
        return None
    return epoch_millis(value.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0))


def tag_properties(tags: Iterable[Mapping[str, str]] | Mapping[str, str] | None) -> dict[str, str]:
    """AWS tags (`[{Key, Value}]` or a mapping) as `tag.<Key>` properties, as JupiterOne names them."""
    if not tags:
        return {}
    pairs = tags.items() if isinstance(tags, Mapping) else ((t["Key"], t.get("Value", "")) for t in tags)
    return {f"tag.{key}": value for key, value in pairs}


def _check_property(where: str, name: str, value: Any) -> None:
    if not PROPERTY_NAME.match(name):
        raise GraphObjectError(
            f"{where}: property name {name!r} is not allowed (JupiterOne requires {PROPERTY_NAME.pattern})"
        )
    if value is None or isinstance(value, _SCALARS):
        return
    if isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value):
        return
    raise GraphObjectError(
        f"{where}: property {name!r} holds a {type(value).__name__}; "
        "JupiterOne properties are strings, numbers, booleans or lists of them"
    )


def _check_key(where: str, key: str) -> None:
    if not isinstance(key, str) or len(key) < MIN_KEY_LENGTH:
        raise GraphObjectError(
            f"{where}: _key {key!r} must be a string of at least {MIN_KEY_LENGTH} characters"
        )


def make_entity(
    *,
    key: str,
    type: str,
    classes: Iterable[str],
    name: str,
    display_name: str | None = None,
    properties: Mapping[str, Any] | None = None,
    tags: Iterable[Mapping[str, str]] | Mapping[str, str] | None = None,
) -> Entity:
    """Build an entity. Properties whose value is None are left out, as JupiterOne leaves them."""
    where = f"entity {type or '?'} {key!r}"
    _check_key(where, key)
    if not TYPE_NAME.match(type or ""):
        raise GraphObjectError(f"{where}: _type must be snake_case, got {type!r}")
    class_list = list(classes)
    if not class_list or not all(CLASS_NAME.match(c) for c in class_list):
        raise GraphObjectError(
            f"{where}: _class must be a non-empty list of TitleCase classes, got {class_list}"
        )
    if not name:
        raise GraphObjectError(f"{where}: name is required")
    entity: Entity = {
        "_key": key,
        "_type": type,
        "_class": class_list,
        "name": name,
        "displayName": display_name or name,
    }
    for prop, value in {**(properties or {}), **tag_properties(tags)}.items():
        if prop in _RESERVED:
            raise GraphObjectError(f"{where}: {prop!r} is set by the builder, not passed as a property")
        _check_property(where, prop, value)
        if value is not None:
            entity[prop] = value
    return entity


def make_relationship(
    *,
    from_entity: Mapping[str, Any] | None = None,
    to_entity: Mapping[str, Any] | None = None,
    verb: str,
    from_type: str | None = None,
    from_key: str | None = None,
    to_type: str | None = None,
    to_key: str | None = None,
    properties: Mapping[str, Any] | None = None,
) -> Relationship:
    """A direct relationship: `_key` = `<fromKey>|<verb>|<toKey>`, `_type` generated, displayName = _class.

    Either pass the two entities or their types and keys (the key of an entity another step or job owns).
    """
    from_type = from_type or (from_entity or {}).get("_type")
    from_key = from_key or (from_entity or {}).get("_key")
    to_type = to_type or (to_entity or {}).get("_type")
    to_key = to_key or (to_entity or {}).get("_key")
    where = f"relationship {from_key!r} {verb} {to_key!r}"
    if not (from_type and from_key and to_type and to_key):
        raise GraphObjectError(f"{where}: both ends need a _type and a _key")
    if not VERB.match(verb):
        raise GraphObjectError(f"{where}: the verb must be an upper-case relationship class such as HAS")
    _check_key(where, from_key)
    _check_key(where, to_key)
    relationship: Relationship = {
        "_key": f"{from_key}|{verb.lower()}|{to_key}",
        "_type": relationship_type(from_type, verb, to_type),
        "_class": verb,
        "_fromEntityKey": from_key,
        "_toEntityKey": to_key,
        "displayName": verb,
    }
    for prop, value in (properties or {}).items():
        _check_property(where, prop, value)
        if value is not None:
            relationship[prop] = value
    return relationship
