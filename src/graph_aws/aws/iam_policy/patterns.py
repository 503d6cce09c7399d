"""IAM's wildcards: `*` (any run of characters) and `?` (one character), in actions and in ARNs.

Actions match without regard to case (IAM treats `S3:GetObject` as `s3:getobject`). ARNs match case
by case, segment by segment (`arn:partition:service:region:account:resource`): a wildcard stays inside
its segment, except in the resource segment, which may itself hold `:` and `/`. Policy variables
(`${aws:username}`) stand for any value, so they match as `*` does.
"""

from __future__ import annotations

import re
from functools import lru_cache

_VARIABLE = re.compile(r"\$\{[^}]*\}")


def _translate(pattern: str, any_char: str) -> str:
    return "".join(f"{any_char}*" if c == "*" else any_char if c == "?" else re.escape(c) for c in pattern)


@lru_cache(maxsize=4096)
def action_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(_translate(pattern.strip(), "."), re.IGNORECASE | re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """`iam:Create*` matches `iam:CreatePolicyVersion`; `*` matches every action."""
    return action_pattern(pattern).fullmatch(action) is not None


def split_action(pattern: str) -> tuple[str, str]:
    """(service pattern, name pattern): `iam:Get*` -> ("iam", "Get*"), `*` -> ("*", "*")."""
    pattern = pattern.strip()
    if pattern == "*":
        return "*", "*"
    service, _, name = pattern.partition(":")
    return service.lower(), name


def service_matches(service_pattern: str, service: str) -> bool:
    return action_pattern(service_pattern).fullmatch(service) is not None


@lru_cache(maxsize=4096)
def _arn_pattern(pattern: str) -> re.Pattern[str] | None:
    segments = _VARIABLE.sub("*", pattern.strip()).split(":", 5)
    if len(segments) != 6:
        return None  # not an ARN: matches nothing (a bare `*` is handled by the caller)
    head = ":".join(_translate(s, "[^:]") for s in segments[:5])
    return re.compile(f"{head}:{_translate(segments[5], '.')}", re.DOTALL)


def arn_matches(pattern: str, arn: str) -> bool:
    if pattern.strip() == "*":
        return True
    compiled = _arn_pattern(pattern)
    return compiled is not None and compiled.fullmatch(arn) is not None


def arn_service(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[2].lower() if len(parts) == 6 and parts[0] == "arn" else None


@lru_cache(maxsize=65536)  # each Resource entry is tested against every service of the account
def covers_service(pattern: str, service: str, account_id: str) -> bool:
    """Whether a Resource entry names every resource of a service in the account: `*`, or
    `arn:<partition>:<service>:<region>:<account>:*` with wildcards or this account's id."""
    pattern = _VARIABLE.sub("*", pattern.strip())
    if pattern == "*":
        return True
    segments = pattern.split(":", 5)
    return (
        len(segments) == 6
        and segments[0] == "arn"
        and segments[5] == "*"
        and service_matches(segments[2], service)
        and _translate_match(segments[4], account_id)
    )


def _translate_match(segment: str, value: str) -> bool:
    return segment == "" or re.fullmatch(_translate(segment, "[^:]"), value) is not None
