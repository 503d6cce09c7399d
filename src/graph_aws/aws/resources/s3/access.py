"""Who a bucket lets in, read from its ACL and its policy document (pure functions, no I/O).

JupiterOne's S3 rules read these answers: `public`, `secureTransport`, and the bucket's ALLOWS
relationships to `Everyone` with the granted `permission`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
# Both groups reach beyond the account: AuthenticatedUsers is any AWS account in the world.
PUBLIC_GROUPS = {ALL_USERS: "AllUsers", AUTHENTICATED_USERS: "AuthenticatedUsers"}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in _as_list(document.get("Statement")) if isinstance(s, Mapping)]


def _names_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in _as_list(principal.get("AWS"))


def policy_is_public(document: Mapping[str, Any]) -> bool:
    """An Allow to every principal with no condition to narrow it: anyone can use the bucket."""
    return any(
        s.get("Effect") == "Allow" and _names_everyone(s.get("Principal")) and not s.get("Condition")
        for s in statements(document)
    )


def requires_secure_transport(document: Mapping[str, Any]) -> bool:
    """A Deny of requests made without TLS (`aws:SecureTransport` false), as AWS recommends."""
    for statement in statements(document):
        if statement.get("Effect") != "Deny":
            continue
        condition = statement.get("Condition") or {}
        flag = (condition.get("Bool") or {}).get("aws:SecureTransport")
        if any(str(v).lower() == "false" for v in _as_list(flag)):
            return True
    return False


def public_grants(grants: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(group name, group URI, permission) of each ACL grant to everyone or to any AWS user, once each."""
    found: dict[tuple[str, str, str], None] = {}
    for grant in grants:
        uri = (grant.get("Grantee") or {}).get("URI")
        if uri in PUBLIC_GROUPS and grant.get("Permission"):
            found[(PUBLIC_GROUPS[uri], uri, grant["Permission"])] = None
    return list(found)
