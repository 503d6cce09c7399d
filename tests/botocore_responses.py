"""Hypothesis strategies for answers as botocore's parser returns them, built from botocore's own
output shapes (its loaded service models, no network): what a real account may send, not what moto
happens to fill in.

Every optional member is present or absent; strings hold anything (empty, unicode, brackets, control
characters, 256+ characters) within the shape's length bounds; enums also take values botocore has
never heard of; timestamps are the timezone-aware datetimes botocore's parser makes of every form it
reads (ISO 8601 with or without a fraction, epoch seconds, RFC 822). Lists hold 0 to `MAX_ITEMS`
items, and nesting stops at `MAX_DEPTH` (deeper structures are empty), so examples stay small.

Deterministic whatever PYTHONHASHSEED is: only ordered things (the model's member order, lists) are
iterated, never a set.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import botocore.session
from hypothesis import strategies as st

MAX_ITEMS = 3
MAX_DEPTH = 6
LONG_TEXT = 300

_SESSION = botocore.session.get_session()

_TRICKY_TEXT = st.sampled_from(
    ["", " ", "[", "]", "{}", "a/b", "a:b", "ü", "名前", "\x00", "\n\t", "%s", "'\"", "x" * LONG_TEXT]
)
_ANY_TEXT = st.one_of(_TRICKY_TEXT, st.text(max_size=12), st.text(min_size=256, max_size=LONG_TEXT))

# What botocore makes of '2024-01-02T03:04:05Z', '...05.123456+02:00', 1704164645 and RFC 822 dates:
# aware datetimes, in UTC or in the offset the answer gave, with or without microseconds.
_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30))])
_TIMESTAMPS = st.builds(
    lambda moment, zone: moment.replace(tzinfo=UTC).astimezone(zone),
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1)),
    _ZONES,
)

_cache: dict[tuple[str, str, int], st.SearchStrategy[Any]] = {}


def output_shape(service: str, operation: str) -> Any:
    """The output shape of `operation` (its API name, "DescribeVpcs") in botocore's model."""
    return _SESSION.get_service_model(service).operation_model(operation).output_shape


def _bounded_text(shape: Any) -> st.SearchStrategy[str]:
    low = int(shape.metadata.get("min", 0))
    high = shape.metadata.get("max")
    text: st.SearchStrategy[str] = _ANY_TEXT
    if low or high is not None:
        # Keep what fits the shape, and always offer strings of its extreme lengths.
        extremes = [st.text(min_size=min(low, LONG_TEXT), max_size=min(low, LONG_TEXT))]
        if high is not None:
            longest = min(int(high), LONG_TEXT)  # some shapes allow 100 kB
            extremes.append(st.text(min_size=longest, max_size=longest))
        text = st.one_of(
            _ANY_TEXT.filter(lambda s: len(s) >= low and (high is None or len(s) <= int(high))), *extremes
        )
    return text


def _string(shape: Any) -> st.SearchStrategy[str]:
    enum = list(shape.enum or [])
    if enum:
        return st.one_of(st.sampled_from(enum), st.sampled_from(["UNKNOWN_NEW_VALUE", "", "lower-case"]))
    return _bounded_text(shape)


def _number(shape: Any) -> st.SearchStrategy[Any]:
    if shape.type_name in ("integer", "long"):
        return st.one_of(st.sampled_from([0, -1, 1, 2**31 - 1, 2**63 - 1]), st.integers(-(2**40), 2**40))
    return st.one_of(st.sampled_from([0.0, -0.5, 1e300]), st.floats(allow_nan=False, allow_infinity=False))


def answer_of(service: str, shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """A parsed value of `shape` (of `service`'s model), as botocore's parser would return it."""
    key = (service, shape.name, depth)  # shape names are unique within one service's model
    if key not in _cache:
        _cache[key] = _build(service, shape, depth)
    return _cache[key]


def _build(service: str, shape: Any, depth: int) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "structure":
        if depth >= MAX_DEPTH:
            return st.just({})
        required = list(dict.fromkeys(shape.required_members or []))
        members = list(shape.members.items())  # the model's order
        fixed = {name: answer_of(service, member, depth + 1) for name, member in members if name in required}
        optional = {
            name: answer_of(service, member, depth + 1) for name, member in members if name not in required
        }
        return st.fixed_dictionaries(fixed, optional=optional)
    if kind == "list":
        if depth >= MAX_DEPTH:
            return st.just([])
        return st.lists(answer_of(service, shape.member, depth + 1), max_size=MAX_ITEMS)
    if kind == "map":
        if depth >= MAX_DEPTH:
            return st.just({})
        return st.dictionaries(
            _string(shape.key), answer_of(service, shape.value, depth + 1), max_size=MAX_ITEMS
        )
    if kind == "string":
        return _string(shape)
    if kind in ("integer", "long", "float", "double"):
        return _number(shape)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return _TIMESTAMPS
    if kind == "blob":
        return st.binary(max_size=16)
    raise AssertionError(f"botocore shape type {kind!r} of {shape.name} is not generated yet")
