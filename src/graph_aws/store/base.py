"""What every store offers: scope-replacing sync, the merged graph, and the record of runs.

Scopes: each job owns one (`organization:<o-id>`, `account:<id>`). A sync replaces what a scope
holds in one transaction; reads see one merged object per `_key` across scopes (merge_views).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graph_aws.model import Entity, Relationship, is_mapped
from graph_aws.model.sources import merge_metadata

ORGANIZATION_SCOPE_PREFIX = "organization:"
ACCOUNT_SCOPE_PREFIX = "account:"
RUN_GROUP_PREFIX = "run-group:"  # meta rows: what the lister of a sharded run published (shards.py)


def _merge_rank(scope: str, view: dict[str, Any]) -> tuple[int, int, str]:
    """Later views win: mapped views of account scopes (a role's view of an account it trusts), then
    owned ones, then the organization's views, so the organization's properties of an account (its
    name, email, status) win over the account's own."""
    return (1 if scope.startswith(ORGANIZATION_SCOPE_PREFIX) else 0, 0 if is_mapped(view) else 1, scope)


def merge_views(views: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, Any] | None:
    """The one object readers see for a `_key`, from each scope's view of it (scope, object): the
    views applied in rank order, where a null never hides a value another view gives; and who made
    it (`_source`, ...) taken from a view that owns it, whichever order the scopes were synced in.
    None when no scope holds the key."""
    ordered = sorted(views, key=lambda v: _merge_rank(*v))
    if not ordered:
        return None
    merged: dict[str, Any] = {}
    for _, view in ordered:
        for name, value in view.items():
            if value is not None or name not in merged:
                merged[name] = value
    return merge_metadata(merged, [view for _, view in ordered])


def organization_scope(organization_id: str) -> str:
    return f"{ORGANIZATION_SCOPE_PREFIX}{organization_id}"


def account_scope(account_id: str) -> str:
    return f"{ACCOUNT_SCOPE_PREFIX}{account_id}"


@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    def __add__(self, other: SyncCounts) -> SyncCounts:
        return SyncCounts(
            self.created + other.created, self.updated + other.updated, self.deleted + other.deleted
        )

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


@dataclass
class JobRecord:
    """One job of a run: its scope, outcome and step results (JupiterOne's summary.json)."""

    scope: str
    status: str  # succeeded | partial | failed | not_started | interrupted | removed
    reason: str | None
    started_at: int
    ended_at: int
    counts: SyncCounts = field(default_factory=SyncCounts)
    summary: dict[str, Any] = field(default_factory=dict)


JOB_COLUMNS = "scope, status, reason, started_at, ended_at, created, updated, deleted"


def job_from_row(row: Sequence[Any], summary: dict[str, Any]) -> JobRecord:
    """A JobRecord from the JOB_COLUMNS of a job row and its decoded summary."""
    scope, status, reason, started_at, ended_at, created, updated, deleted = row
    return JobRecord(
        scope, status, reason, started_at, ended_at, SyncCounts(created, updated, deleted), summary
    )


@dataclass
class AccountOutcome:
    """Why an account of a run was ingested, skipped or failed."""

    account_id: str
    name: str | None
    outcome: str  # ingested | partial | failed | skipped | inactive | interrupted
    reason: str | None
    finished_at: int


@dataclass
class ApiKeyRecord:
    """An API key of `serve`: the SHA-256 of its secret is all the store keeps of it."""

    id: str
    name: str
    secret_hash: str
    created_at: int
    revoked_at: int | None = None


API_KEY_COLUMNS = "id, name, secret_hash, created_at, revoked_at"


@dataclass
class RunRecord:
    id: int
    started_at: int
    ended_at: int | None
    status: str | None  # None while open; succeeded | failed | interrupted | refused | abandoned
    mode: str
    organization_id: str | None


class Store(Protocol):
    """The interface the runner, the commands and the query layer use."""

    dialect: str

    # Synchronization
    def sync_scope(
        self,
        scope: str,
        entities: Sequence[Entity],
        relationships: Sequence[Relationship],
        partial_types: Iterable[str] = (),
        *,
        organization_id: str | None = None,
    ) -> SyncCounts: ...

    def delete_scope(self, scope: str) -> SyncCounts: ...

    def scopes(self, organization_id: str | None = None) -> list[str]: ...

    def scope_contents(self, scope: str) -> tuple[list[Entity], list[Relationship]]: ...

    # The merged graph
    def entities(self, type: str | None = None) -> Iterator[Entity]: ...

    def relationships(self, type: str | None = None) -> Iterator[Relationship]: ...

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    # Run history
    def start_run(self, mode: str, settings: dict[str, Any]) -> int: ...

    def abandon_dead_runs(self) -> list[int]: ...

    def record_job(self, run_id: int, job: JobRecord) -> None: ...

    def record_accounts(self, run_id: int, outcomes: Iterable[AccountOutcome]) -> None: ...

    def finish_run(self, run_id: int, status: str, organization_id: str | None) -> None: ...

    def runs(self) -> list[RunRecord]: ...

    def jobs(self, run_id: int) -> list[JobRecord]: ...

    def latest_account_outcomes(self) -> dict[str, AccountOutcome]: ...

    def last_ingested_at(self) -> dict[str, int]: ...

    def publish_run_group(self, name: str, document: str) -> None: ...

    def run_group(self, name: str) -> str | None: ...

    def schema_version(self) -> int: ...

    # API keys of `serve`
    def add_api_key(self, key: ApiKeyRecord) -> None: ...

    def api_keys(self) -> list[ApiKeyRecord]: ...

    def api_key(self, key_id: str) -> ApiKeyRecord | None: ...

    def revoke_api_key(self, name_or_id: str) -> list[ApiKeyRecord]: ...

    def close(self) -> None: ...
