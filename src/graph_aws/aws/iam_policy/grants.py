"""What each statement of an identity policy grants (or denies), target by target.

A target is a service of the account (`aws_iam`, ...: the statement's actions that act on that
service, on Resource `*` or an ARN pattern covering the whole service), the account itself (only
`*`: every action of every service, as JupiterOne links its admin policies), or one resource whose
ARN a Resource pattern matches. For each pair, a Grant says which actions apply there:

- `actions`: the statement's entries that apply to the target, as written;
- `normalized`: the same, lower case, wildcards kept, less what an unconditional Deny statement of the
  same policy takes away (a pattern a Deny only partly covers is expanded into the actions AWS lists
  for it, less the denied ones);
- `permission`: the strongest access level among them (catalog.py), `admin`: `*` or `<service>:*`
  on Resource `*`.

NotAction allows a service's actions except those listed (expanded from the catalog); NotResource
allows the service-wide grant only. Approximations (documented in the README): a Deny applies to
its own policy's allows only when it has no Condition and names Resource `*` (or the target); a
NotAction or NotResource Deny takes nothing away; SCPs and permissions boundaries are not applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from graph_aws.aws.iam_policy import catalog
from graph_aws.aws.iam_policy.documents import DENY, Statement
from graph_aws.aws.iam_policy.patterns import (
    action_matches,
    arn_matches,
    covers_service,
    service_matches,
    split_action,
)

EVERYTHING = ("*", "*:*")


@dataclass(frozen=True)
class Target:
    key: str
    type: str
    service: str | None  # the IAM prefix whose actions act on it; None for the account itself
    arn: str | None = None  # a resource's ARN; None for a service or the account


@dataclass(frozen=True)
class Grant:
    statement: Statement
    target: Target
    actions: tuple[str, ...]
    normalized: tuple[str, ...]
    permission: str
    admin: bool


def _exact(service_pattern: str) -> bool:
    return "*" not in service_pattern and "?" not in service_pattern


@lru_cache(maxsize=65536)  # the same policies come back in every account: AWS-managed ones above all
def expand(pattern: str, service: str) -> tuple[catalog.Action, ...]:
    """The actions AWS lists that match `pattern` and act on `service`."""
    service_pattern, _ = split_action(pattern)
    if service_matches(service_pattern, service):
        candidates: Iterable[catalog.Action] = catalog.service_actions(service).values()
    elif _exact(service_pattern) and service_pattern in catalog.service_prefixes():
        candidates = catalog.acting_on(service_pattern, service)
    else:
        return ()
    return tuple(a for a in candidates if action_matches(pattern, a.qualified))


@lru_cache(maxsize=65536)
def applies(pattern: str, service: str | None) -> bool:
    if service is None:
        return pattern.strip() in EVERYTHING
    service_pattern, _ = split_action(pattern)
    if service_matches(service_pattern, service):
        return True
    return _exact(service_pattern) and bool(expand(pattern, service))


def _covers(deny: str, pattern: str) -> bool:
    """Every action `pattern` can match is denied: the deny pattern matches its very text."""
    return "?" not in deny and action_matches(deny, pattern)


def subtract(patterns: Sequence[str], denies: Sequence[str], service: str | None) -> tuple[str, ...]:
    return _subtract(tuple(patterns), tuple(denies), service)


@lru_cache(maxsize=65536)  # the same statements (AWS-managed policies) come back in every account
def _subtract(patterns: tuple[str, ...], denies: tuple[str, ...], service: str | None) -> tuple[str, ...]:
    if not denies:
        return tuple(dict.fromkeys(p.strip().lower() for p in patterns))
    kept: dict[str, None] = {}
    for pattern in (p.strip().lower() for p in patterns):
        if any(_covers(d, pattern) for d in denies):
            continue
        expanded = expand(pattern, service) if service else ()
        overlapping = [d for d in denies if any(action_matches(d, a.qualified) for a in expanded)]
        if not overlapping:
            kept[pattern] = None
            continue
        for action in expanded:
            if not any(action_matches(d, action.qualified) for d in overlapping):
                kept[action.qualified.lower()] = None
    return tuple(kept)


def permission(normalized: Sequence[str], service: str | None) -> str:
    return _permission(tuple(normalized), service)


@lru_cache(maxsize=65536)
def _permission(normalized: tuple[str, ...], service: str | None) -> str:
    levels = []
    for pattern in normalized:
        service_pattern, name = split_action(pattern)
        if pattern in EVERYTHING:
            levels.append(catalog.FULL_CONTROL)
        elif name == "*":
            levels.append(catalog.ADMIN)
        else:
            found = expand(pattern, service) if service else ()
            levels.extend(a.permission for a in found)
            if not found:
                levels.append(catalog.UNKNOWN_ACTION_PERMISSION)
    return catalog.strongest(levels) or catalog.UNKNOWN_ACTION_PERMISSION


def _not_action_grant(statement: Statement, service: str | None) -> tuple[str, ...]:
    """A NotAction statement's actions on one service: all of them, or those it does not list."""
    if service is None:
        return ()
    if not any(service_matches(split_action(p)[0], service) for p in statement.actions):
        return (f"{service}:*",)
    return tuple(
        a.qualified.lower()
        for a in catalog.service_actions(service).values()
        if not any(action_matches(p, a.qualified) for p in statement.actions)
    )


def _denied(statement: Statement, denies: Sequence[Statement], target: Target, account_id: str) -> list[str]:
    """The action patterns that unconditional Deny statements of the policy take from this target."""
    if statement.effect == DENY:
        return []
    found: list[str] = []
    for deny in denies:
        if deny.conditional or deny.not_action or deny.not_resource:
            continue
        if target.arn is not None:
            covered = any(arn_matches(r, target.arn) for r in deny.resources)
        elif target.service is None:
            covered = "*" in deny.resources
        else:
            covered = any(covers_service(r, target.service, account_id) for r in deny.resources)
        if covered:
            found.extend(a.strip().lower() for a in deny.actions)
    return found


def grant(statement: Statement, target: Target, denies: Sequence[Statement], account_id: str) -> Grant | None:
    """What the statement grants on one target it covers, or None if none of its actions act there."""
    if statement.not_action:
        written: tuple[str, ...] = ()
        candidates = _not_action_grant(statement, target.service)
    else:
        written = tuple(a for a in statement.actions if applies(a, target.service))
        candidates = written
    if not candidates:
        return None
    denied = _denied(statement, denies, target, account_id)
    if denied and target.service is None and target.arn is None:
        return None  # the account edge means every action; a Deny leaves the detail to the services
    normalized = subtract(candidates, denied, target.service)
    if not normalized:
        return None
    service = target.service
    admin = statement.on_everything and any(
        n in EVERYTHING or (service is not None and n == f"{service}:*") for n in normalized
    )
    return Grant(statement, target, written, normalized, permission(normalized, service), admin)


def grants(
    statements: Sequence[Statement],
    services: Sequence[Target],
    account: Target | None,
    resources: Sequence[Target],
    account_id: str,
) -> list[Grant]:
    """Every grant of a policy's statements on the account (unless None), its services and its
    resources."""
    denies = [s for s in statements if s.effect == DENY]
    found = []
    for statement in statements:
        if statement.not_resource:
            covered = [*services]  # everything but some resources: the service-wide grant
            if account is not None:
                covered.append(account)
        else:
            covered = [
                t
                for t in services
                if any(covers_service(r, t.service or "", account_id) for r in statement.resources)
            ]
            if statement.on_everything and account is not None:
                covered.append(account)
            patterns = [r for r in statement.resources if r.strip() != "*"]
            covered += [t for t in resources if t.arn and any(arn_matches(p, t.arn) for p in patterns)]
        for target in covered:
            result = grant(statement, target, denies, account_id)
            if result is not None:
                found.append(result)
    return found
