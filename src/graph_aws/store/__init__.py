"""Stores: one interface (base.Store), SQLite by default."""

from __future__ import annotations

from pathlib import Path

from graph_aws.errors import StoreError
from graph_aws.store.base import (
    AccountOutcome,
    JobRecord,
    RunRecord,
    Store,
    SyncCounts,
    account_scope,
    organization_scope,
)
from graph_aws.store.sqlite import SqliteStore

DEFAULT_DB = "graph-aws.db"


def open_store(url: str | None = None) -> Store:
    """Open the store a `--db` value names: a file path or `sqlite:///path` (SQLite)."""
    url = url or DEFAULT_DB
    if url.startswith(("postgresql://", "postgres://")):
        raise StoreError("the PostgreSQL store is not built yet; use a SQLite path such as --db graph-aws.db")
    if url.startswith("sqlite:///"):
        url = url.removeprefix("sqlite:///")
    elif "://" in url:
        raise StoreError(
            f"--db {url.split('://')[0]}://... is not a kind of store graph-aws knows; give a file path"
        )
    parent = Path(url).expanduser().parent
    if not parent.is_dir():
        raise StoreError(f"--db {url}: the folder {parent} does not exist")
    return SqliteStore(Path(url).expanduser())


__all__ = [
    "DEFAULT_DB",
    "AccountOutcome",
    "JobRecord",
    "RunRecord",
    "SqliteStore",
    "Store",
    "SyncCounts",
    "account_scope",
    "open_store",
    "organization_scope",
]
