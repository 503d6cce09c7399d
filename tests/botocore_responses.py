"""Answers as botocore's parser returns them, built from botocore's own output shapes (its loaded
service models, no network): what a real account may send, not what moto happens to fill in.

Every optional member is present or absent; strings hold anything (empty, unicode, brackets, control
characters, 256+ characters) within the shape's length bounds; enums also take values botocore has
never heard of; timestamps are the timezone-aware datetimes botocore's parser makes of every form it
reads (ISO 8601 with or without a fraction, epoch seconds, RFC 822). Lists hold 0 to `MAX_ITEMS`
items, or now and then `LONG_LIST`, and nesting stops at `MAX_DEPTH` (deeper structures are empty),
so examples stay small.

The answers come from one `random.Random`: the same seed gives the same answer, whatever
PYTHONHASHSEED is (only ordered things, the model's member order and lists, are iterated) and
whichever thread asks first, so a test can answer calls made side by side. Hypothesis gives the
seeds, which makes every failing example replayable (it prints the seed).
"""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import botocore.session

MAX_ITEMS = 3
LONG_LIST, LONG_LIST_CHANCE = 60, 0.02  # now and then, near the top of an answer
MAX_DEPTH = 6
LONG_TEXT = 300

_SESSION = botocore.session.get_session()

_TRICKY_TEXT = (
    "",
    " ",
    "[",
    "]",
    "{}",
    "a/b",
    "a:b",
    "ü",
    "名前",
    "\x00",
    "\n\t",
    "%s",
    "'\"",
    "x" * LONG_TEXT,
)
# Characters drawn for other strings: ASCII, the separators of ARNs and paths, control characters,
# accented and non-Latin letters, an emoji.
_ALPHABET = string.ascii_letters + string.digits + " -_./:=+@[]{}\"'\\%\x00\x07\n\té名字🙂"
_ZONES = (UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30)))
_UNKNOWN_ENUM = ("UNKNOWN_NEW_VALUE", "", "lower-case")
_INTEGERS = (0, -1, 1, 2**31 - 1, 2**63 - 1)
_FLOATS = (0.0, -0.5, 1e300)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def output_shape(service: str, operation: str) -> Any:
    """The output shape of `operation` (its API name, "DescribeVpcs") in botocore's model."""
    return _SESSION.get_service_model(service).operation_model(operation).output_shape


class Answers:
    """Random values of botocore shapes, drawn from `rng`."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def of(self, shape: Any, depth: int = 0) -> Any:
        """A parsed value of `shape`, as botocore's parser would return it."""
        kind = shape.type_name
        if kind == "structure":
            if depth >= MAX_DEPTH:
                return {}
            required = set(shape.required_members or [])
            return {
                name: self.of(member, depth + 1)
                for name, member in shape.members.items()  # the model's order
                if name in required or self.rng.random() < 0.5
            }
        if kind == "list":
            if depth >= MAX_DEPTH:
                return []
            count = self.rng.randint(0, MAX_ITEMS)
            if depth <= 2 and self.rng.random() < LONG_LIST_CHANCE:  # a list call's long page
                count = LONG_LIST
            return [self.of(shape.member, depth + 1) for _ in range(count)]
        if kind == "map":
            if depth >= MAX_DEPTH:
                return {}
            count = self.rng.randint(0, MAX_ITEMS)
            return {self.string(shape.key): self.of(shape.value, depth + 1) for _ in range(count)}
        if kind == "string":
            return self.string(shape)
        if kind in ("integer", "long"):
            return self._pick(_INTEGERS) if self.rng.random() < 0.5 else self.rng.randint(-(2**40), 2**40)
        if kind in ("float", "double"):
            return self._pick(_FLOATS) if self.rng.random() < 0.5 else self.rng.uniform(-1e9, 1e9)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "timestamp":
            return self.timestamp()
        if kind == "blob":
            return self.rng.randbytes(self.rng.randint(0, 16))
        raise AssertionError(f"botocore shape type {kind!r} of {shape.name} is not generated yet")

    def string(self, shape: Any) -> str:
        enum = list(shape.enum or [])
        if enum:
            return self._pick(enum) if self.rng.random() < 0.8 else self._pick(_UNKNOWN_ENUM)
        low = int(shape.metadata.get("min", 0))
        high = shape.metadata.get("max")
        high = None if high is None else int(high)
        roll = self.rng.random()
        if roll < 0.15:  # the shape's extreme lengths (some shapes allow 100 kB: capped)
            return self._text(
                min(low, LONG_TEXT) if self.rng.random() < 0.5 else min(high or LONG_TEXT, LONG_TEXT)
            )
        if roll < 0.5:
            candidates = [t for t in _TRICKY_TEXT if len(t) >= low and (high is None or len(t) <= high)]
            if candidates:
                return self._pick(candidates)
        length = self.rng.randint(256, LONG_TEXT) if roll > 0.9 else self.rng.randint(0, 12)
        return self._text(max(low, min(length, high if high is not None else length)))

    def timestamp(self) -> datetime:
        span = (_LATEST - _EPOCH).total_seconds()
        moment = _EPOCH + timedelta(seconds=self.rng.uniform(0, span))
        if self.rng.random() < 0.5:
            moment = moment.replace(microsecond=0)
        return moment.astimezone(self._pick(_ZONES))

    def _text(self, length: int) -> str:
        return "".join(self.rng.choice(_ALPHABET) for _ in range(length))

    def _pick(self, values: Any) -> Any:
        return values[self.rng.randrange(len(values))]
