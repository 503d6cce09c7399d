"""Secrets never reach an output: logs at any level, error lines, the store.

Every secret graph-aws handles is registered here as soon as it is known: the external ID when the
settings are read, each assumed role's secret key and session token when AWS returns them (every
renewal too), the ambient credentials when they are resolved. `redact` removes them, in the forms
they take in botocore's debug logs (raw, URL-encoded), and removes, belt and braces, the values of
the fields that carry secrets in AWS's requests and answers even when the value was never
registered. `RedactingFormatter` applies it to every log record, tracebacks included.

An account job's credentials are forgotten when the job ends (`forget`): nothing uses them after
that, and a worker that runs thousands of accounts would otherwise keep every token it was given and
compare each log line with all of them.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import urllib.parse

MASK = "***"

_known: dict[str, int] = {}  # each form of a secret: how many registrations hold it
_longest_first: tuple[str, ...] = ()  # _known's forms, longest first (a value may contain another)
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
    with _lock:
        for form in _forms(secret):
            _known[form] = _known.get(form, 0) + 1
        _sort()


def forget(secrets: list[str]) -> None:
    """Undo one `register` of each of `secrets` (a secret registered twice stays known once)."""
    with _lock:
        for secret in secrets:
            for form in _forms(secret):
                held = _known.get(form, 0)
                if held > 1:
                    _known[form] = held - 1
                else:
                    _known.pop(form, None)
        _sort()


def _forms(secret: str) -> set[str]:
    return {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}


def _sort() -> None:
    global _longest_first
    _longest_first = tuple(sorted(_known, key=len, reverse=True))


def redact(text: str) -> str:
    """`text` without any registered secret, nor the value of any field that carries one."""
    for secret in _longest_first:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _FIELD_PATTERNS:
        text = pattern.sub(rf"\g<pre>{MASK}\g<post>", text)
    return text


class RedactingFormatter(logging.Formatter):
    """A formatter whose every output (message, arguments, traceback) has passed through `redact`."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(debug: bool) -> None:
    """Logs go to stderr through the redacting formatter, at every level: the command line's, and
    each worker process's (a spawned process starts with no logging of its own)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for earlier in [h for h in root.handlers if isinstance(h.formatter, RedactingFormatter)]:
        root.removeHandler(earlier)  # invoked again in one process (tests)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.captureWarnings(True)
    if not debug:
        # botocore logs credential refreshes at INFO; keep the terminal for our own output.
        logging.getLogger("botocore").setLevel(logging.WARNING)
