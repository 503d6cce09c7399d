"""The accounts view: each account of the graph with its organization facts and last run's outcome."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from graph_aws.store import Store

COLUMNS = ("id", "name", "email", "status", "ouPath", "collection", "lastOutcome", "reason", "lastIngested")


@dataclass
class AccountRow:
    id: str
    name: str
    email: str | None
    status: str | None
    ouPath: str | None
    collection: str | None
    lastOutcome: str | None
    reason: str | None
    lastIngested: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(millis: int | None) -> str | None:
    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def account_rows(store: Store) -> list[AccountRow]:
    outcomes = store.latest_account_outcomes()
    ingested = store.last_ingested_at()
    rows = []
    for entity in store.entities("aws_account"):
        account_id = str(entity.get("accountId") or "")
        if not account_id or (account_id not in outcomes and "organizationId" not in entity):
            continue  # an account seen only in a policy or trust, not one of ours
        outcome = outcomes.get(account_id)
        rows.append(
            AccountRow(
                id=account_id,
                name=entity.get("name") or account_id,
                email=entity.get("email"),
                status=entity.get("status"),
                ouPath=entity.get("organizationalUnitPath"),
                collection=entity.get("collectionStatus"),
                lastOutcome=outcome.outcome if outcome else None,
                reason=(outcome.reason if outcome else None) or entity.get("collectionNote"),
                lastIngested=_iso(ingested.get(account_id)),
            )
        )
    return sorted(rows, key=lambda r: (r.ouPath or "", r.name.lower(), r.id))
