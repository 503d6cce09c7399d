"""Entities and relationships as JupiterOne builds them: plain dicts, checked when they are made.

An entity is a flat JSON object (`_key`, `_type`, `_class`, `name`, `displayName`, then its
properties), exactly what JupiterOne's files and sync API carry, so nothing needs converting on the
way to the store or to an export. The builders reject a bad object (key, type, classes, name) with a
message that names it; one property that cannot be stored is dropped from it, with a warning.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NoReturn

from graph_aws.errors import GraphObjectError
from graph_aws.model.data_model import nullable_required
from graph_aws.model.sources import SYSTEM_MAPPER

log = logging.getLogger(__name__)

Entity = dict[str, Any]
Relationship = dict[str, Any]

# JupiterOne's GraphObject.json: propertyNames must match this, _key is at least 10 characters.
# `tag.*` names follow the SDK instead (see is_tag_key).
PROPERTY_NAME = re.compile(r"^(_|tag\.)?[A-Za-z0-9. -]+$")
TYPE_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
CLASS_NAME = re.compile(r"^[A-Z][A-Za-z]+$")
VERB = re.compile(r"^[A-Z][A-Z_]*$")
MIN_KEY_LENGTH = 10
TAG_PREFIX = "tag."
MAX_TAG_KEY_LENGTH = 128
_TAG_KEY_PUNCTUATION = frozenset("_.:/=+-@")

# Properties the builders set themselves; callers pass them as arguments, not in `properties`.
_RESERVED = {"_key", "_type", "_class", "name", "displayName"}
_SCALARS = (str, int, float, bool)
_PLAIN_SCALARS = frozenset({str, int, bool})  # exactly these types: always storable


def is_tag_key(key: str) -> bool:
    """A tag key as AWS accepts it: 1 to 128 letters, digits, spaces and `_ . : / = + - @`, in any
    script and case (`aws:cloudformation:stack-name`). The SDK's assignTags writes `tag.<key>` for
    any such key, although the data model's propertyNames pattern is narrower: graph-aws follows
    the SDK."""
    return 0 < len(key) <= MAX_TAG_KEY_LENGTH and all(
        c.isalnum() or c in _TAG_KEY_PUNCTUATION or unicodedata.category(c).startswith("Z") for c in key
    )


def _scalar_problem(value: Any) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a number JSON can hold"
    return None if isinstance(value, _SCALARS) else f"holds a {type(value).__name__}"


@functools.lru_cache(maxsize=8192)  # names repeat across every entity of a type
def _name_problem(name: str) -> str | None:
    if name.startswith(TAG_PREFIX):
        if is_tag_key(name[len(TAG_PREFIX) :]):
            return None
        return "the tag key is not one AWS allows (1-128 letters, digits, spaces and _ . : / = + - @)"
    if PROPERTY_NAME.match(name):
        return None
    return f"the name is not allowed (JupiterOne requires {PROPERTY_NAME.pattern})"


def property_problem(name: Any, value: Any, *, lists: bool = True) -> str | None:
    """Why this property cannot be stored, or None when it can. Entities may hold lists of strings,
    numbers or booleans (`lists`); relationships hold only single values, as JupiterOne's
    relationship schema requires; `tag.*` values are single values too."""
    if not isinstance(name, str):
        return f"its name is a {type(name).__name__}, not a string"
    problem = _name_problem(name)
    if problem is not None:
        return problem
    if value is None or type(value) in _PLAIN_SCALARS:
        return None
    is_tag = name.startswith(TAG_PREFIX)
    if isinstance(value, list) and lists and not is_tag:
        problems = [p for p in map(_scalar_problem, value) if p]
        return f"a list item {problems[0]}" if problems else None
    problem = _scalar_problem(value)
    if problem is None:
        return None
    kinds = "strings, numbers, booleans or lists of them" if lists and not is_tag else "single values"
    return f"{problem}; JupiterOne properties here are {kinds}"


def storable_properties(where: str, properties: Mapping[str, Any], *, lists: bool = True) -> dict[str, Any]:
    """The properties that can be stored, None values included; each one that cannot is dropped with
    a warning that names it, so one odd value from AWS costs that value, never the object."""
    kept: dict[str, Any] = {}
    for name, value in properties.items():
        problem = property_problem(name, value, lists=lists)
        if problem is None:
            kept[name] = value
        else:
            log.warning("%s: property %r dropped: %s", where, name, problem)
    return kept


def _set_values(
    target: dict[str, Any], where: Callable[[], str], properties: Mapping[str, Any], *, lists: bool
) -> None:
    """Copy the storable, non-None properties into `target` (as storable_properties keeps them).
    The builders call this for every object, so the common case (a plain value under a name seen
    before) costs one test, and the object's description is made only for a warning."""
    for name, value in properties.items():
        if (
            type(name) is str
            and _name_problem(name) is None
            and (value is None or type(value) in _PLAIN_SCALARS)
        ):
            problem = None
        else:
            problem = property_problem(name, value, lists=lists)
        if problem is None:
            if value is not None:
                target[name] = value
        else:
            log.warning("%s: property %r dropped: %s", where(), name, problem)


@functools.lru_cache(maxsize=4096)  # a job makes thousands of relationships of a few dozen types
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
    # A tag AWS sent without a key names nothing: it is not a property.
    pairs = tags.items() if isinstance(tags, Mapping) else ((t.get("Key"), t.get("Value", "")) for t in tags)
    return {f"tag.{key}": value for key, value in pairs if key is not None}


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
    mapped: bool = False,
) -> Entity:
    """Build an entity. Properties whose value is None are left out, as JupiterOne leaves them,
    except those its classes require, which are present as null (data_model.REQUIRED). A property
    that cannot be stored is dropped with a warning (storable_properties).

    `mapped`: an entity graph-aws does not own (the Internet, an account outside the organization),
    which JupiterOne's mapper would make: `_source` is `system-mapper`.
    """
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
    given = {**(properties or {}), **tag_properties(tags)}
    reserved = sorted(_RESERVED.intersection(given))
    if reserved:
        raise GraphObjectError(f"{where}: {reserved[0]!r} is set by the builder, not passed as a property")
    _set_values(entity, lambda: where, given, lists=True)
    for prop in nullable_required(class_list):
        entity.setdefault(prop, None)
    if mapped:
        entity["_source"] = SYSTEM_MAPPER
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
    if not (
        from_type
        and to_type
        and isinstance(from_key, str)
        and isinstance(to_key, str)
        and len(from_key) >= MIN_KEY_LENGTH
        and len(to_key) >= MIN_KEY_LENGTH
        and VERB.match(verb)
    ):
        _reject_relationship(from_type, from_key, verb, to_type, to_key)
    relationship: Relationship = {
        "_key": f"{from_key}|{verb.lower()}|{to_key}",
        "_type": relationship_type(from_type, verb, to_type),
        "_class": verb,
        "_fromEntityKey": from_key,
        "_toEntityKey": to_key,
        "displayName": verb,
    }
    if properties:
        _set_values(
            relationship, lambda: f"relationship {from_key!r} {verb} {to_key!r}", properties, lists=False
        )
    return relationship


def _reject_relationship(
    from_type: str | None, from_key: Any, verb: str, to_type: str | None, to_key: Any
) -> NoReturn:
    """Raise the first reason these ends and verb make no relationship (make_relationship's checks,
    in their order, with the message that names it)."""
    where = f"relationship {from_key!r} {verb} {to_key!r}"
    if not (from_type and from_key and to_type and to_key):
        raise GraphObjectError(f"{where}: both ends need a _type and a _key")
    if not VERB.match(verb):
        raise GraphObjectError(f"{where}: the verb must be an upper-case relationship class such as HAS")
    _check_key(where, from_key)
    _check_key(where, to_key)
    raise AssertionError(f"{where}: rejected for no reason")  # the checks above mirror the caller's
