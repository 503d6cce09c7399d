"""API keys for `serve`: made once, shown once, kept only as a SHA-256 hash, revocable.

A key reads `gak_<id>_<secret>`: the id (12 hex digits) finds the record, the secret (32 random
bytes) is compared by hash in constant time. The secret is random enough that a plain SHA-256 is
as strong as a slow password hash would be, and it lets every request be checked in microseconds.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

from graph_aws.errors import ConfigError
from graph_aws.store import ApiKeyRecord, Store

_PREFIX = "gak"
_KEY = re.compile(rf"^{_PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(store: Store, name: str) -> tuple[str, ApiKeyRecord]:
    """Store a new key named `name`; returns the key's text (the only time it exists) and its record."""
    if not _NAME.match(name):
        raise ConfigError(
            f"--name {name!r}: use 1 to 64 letters, digits, spaces or . _ @ -, "
            "starting with a letter or digit"
        )
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    record = ApiKeyRecord(key_id, name, _hash(secret), int(time.time() * 1000))
    store.add_api_key(record)
    return f"{_PREFIX}_{key_id}_{secret}", record


def verify_api_key(store: Store, presented: str) -> ApiKeyRecord | None:
    """The live record of a presented key, or None (malformed, unknown, revoked or wrong secret)."""
    match = _KEY.match(presented)
    if not match:
        return None
    record = store.api_key(match.group(1))
    if record is None or record.revoked_at is not None:
        return None
    return record if hmac.compare_digest(record.secret_hash, _hash(match.group(2))) else None
