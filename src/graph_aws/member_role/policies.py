"""Policy documents for a list of IAM actions, one document or as many managed policies as IAM's
size limit needs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

# IAM's quota for a customer managed policy: 6,144 characters, white space not counted
# (IAM User Guide, "IAM and AWS STS quotas"). A role may have 10 managed policies attached by default.
MANAGED_POLICY_MAX_CHARS = 6144
MANAGED_POLICIES_PER_ROLE = 10
SID = "GraphAwsReadOnly"


def policy_document(actions: Sequence[str], sid: str = SID) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }


def policy_size(document: dict[str, Any]) -> int:
    """The size IAM counts: the document's characters without white space."""
    return len(json.dumps(document, separators=(",", ":")))


def split_policy_documents(
    actions: Sequence[str], limit: int = MANAGED_POLICY_MAX_CHARS
) -> list[dict[str, Any]]:
    """The actions, in order, in as few documents of at most `limit` characters as they fit in.
    Each document's statement has its own Sid (GraphAwsReadOnly1, 2, ...)."""
    groups: list[list[str]] = []
    for action in actions:
        if groups and policy_size(policy_document([*groups[-1], action], _sid(len(groups)))) <= limit:
            groups[-1].append(action)
        else:
            if policy_size(policy_document([action], _sid(len(groups) + 1))) > limit:
                raise ValueError(f"{action} alone does not fit in a policy of {limit} characters")
            groups.append([action])
    if len(groups) > MANAGED_POLICIES_PER_ROLE:
        raise ValueError(
            f"{len(actions)} actions need {len(groups)} managed policies, more than the "
            f"{MANAGED_POLICIES_PER_ROLE} IAM attaches to a role by default"
        )
    return [policy_document(group, _sid(n)) for n, group in enumerate(groups, start=1)]


def _sid(number: int) -> str:
    return f"{SID}{number}"
