"""IAM policy documents as statements, read the way IAM reads them: one statement or a list,
one action or a list, Action or NotAction, Resource or NotResource, and an optional Condition."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ALLOW, DENY = "Allow", "Deny"


@dataclass(frozen=True)
class Statement:
    index: int  # its place in the document: part of the relationship keys it gives
    effect: str  # ALLOW or DENY
    actions: tuple[str, ...]  # the Action (or NotAction) entries, as written
    not_action: bool
    resources: tuple[str, ...]  # the Resource (or NotResource) entries, as written
    not_resource: bool
    condition: Mapping[str, Any] | None
    sid: str | None

    @property
    def conditional(self) -> bool:
        return bool(self.condition)

    @property
    def on_everything(self) -> bool:
        """Resource "*": every resource of every service the actions touch."""
        return not self.not_resource and "*" in self.resources


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def load_document(document: str | Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """A document as botocore gives it (already decoded) or as stored (a JSON string)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    return document if isinstance(document, Mapping) else None


def statements(document: str | Mapping[str, Any] | None) -> list[Statement]:
    """Every statement of an identity policy; what IAM would refuse (no effect, no action) is left out."""
    loaded = load_document(document)
    if loaded is None:
        return []
    raw = loaded.get("Statement", [])
    found = []
    for index, item in enumerate([raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []):
        if not isinstance(item, Mapping):
            continue
        effect = {"allow": ALLOW, "deny": DENY}.get(str(item.get("Effect", "")).lower())
        not_action = "NotAction" in item
        actions = _strings(item.get("NotAction" if not_action else "Action"))
        not_resource = "NotResource" in item
        resources = _strings(item.get("NotResource" if not_resource else "Resource"))
        if effect is None or not actions:
            continue
        condition = item.get("Condition")
        found.append(
            Statement(
                index=index,
                effect=effect,
                actions=actions,
                not_action=not_action,
                resources=resources,
                not_resource=not_resource,
                condition=condition if isinstance(condition, Mapping) and condition else None,
                sid=item.get("Sid") if isinstance(item.get("Sid"), str) else None,
            )
        )
    return found
