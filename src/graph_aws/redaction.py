"""Secrets never reach an output: logs at any level, error lines, the store.

Every secret graph-aws handles is registered here as soon as it is known: the external ID when the
settings are read, each assumed role's secret key and session token when AWS returns them (every
renewal too), the ambient credentials when they are resolved. `redact` removes them, in the forms
they take in botocore's debug logs (raw, URL-encoded), and removes, belt and braces, the values of
the fields that carry secrets in AWS's requests and answers even when the value was never
registered. `RedactingFormatter` applies it to every log record, tracebacks included.
"""

from __future__ import annotations

import logging
import re
import threading
import urllib.parse

MASK = "***"

_known: set[str] = set()
_lock = threading.Lock()

# Field names whose values are secrets, in the spellings of AWS's XML and JSON answers, botocore's
# parameter dicts, form-encoded request bodies and signed headers.
_FIELDS = (
    r"(?:SecretAccessKey|SessionToken|ExternalId|X-Amz-Security-Token"
    r"|aws_secret_access_key|aws_session_token|secret_key)"
)
_FIELD_PATTERNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"(?P<pre><(?P<name>{_FIELDS})>)[^<]*(?P<post></(?P=name)>)",  # <SessionToken>v</SessionToken>
        rf"""(?P<pre>["']?{_FIELDS}["']?\s*[:=]\s*b?["'])[^"']*(?P<post>["'])""",  # 'ExternalId': 'v'
        rf"(?P<pre>(?:^|[?&\s]){_FIELDS}=)[^&\s]*(?P<post>)",  # form-encoded: ExternalId=v&
        rf"(?P<pre>(?:^|\n){_FIELDS}:)[^\n]*(?P<post>)",  # canonical request: x-amz-security-token:v
    )
)


def register(secret: str | None, *, min_length: int = 1) -> None:
    """Remember a secret so that `redact` removes it, raw and URL-encoded. Values shorter than
    `min_length` are not registered (fake ambient credentials such as `testing` in emulators)."""
    if not secret or len(secret) < min_length:
        return
    forms = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}
    with _lock:
        _known.update(forms)


def redact(text: str) -> str:
    """`text` without any registered secret, nor the value of any field that carries one."""
    with _lock:
        known = sorted(_known, key=len, reverse=True)  # longest first: a value may contain another
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _FIELD_PATTERNS:
        text = pattern.sub(rf"\g<pre>{MASK}\g<post>", text)
    return text


class RedactingFormatter(logging.Formatter):
    """A formatter whose every output (message, arguments, traceback) has passed through `redact`."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
