"""Stores: one interface (base.Store), SQLite by default, PostgreSQL for a `postgresql://` URL."""

from __future__ import annotations

from pathlib import Path

from graph_aws.errors import StoreError
from graph_aws.store.base import (
    AccountOutcome,
    ApiKeyRecord,
    JobRecord,
    RunRecord,
    Store,
    SyncCounts,
    account_scope,
    organization_scope,
)
from graph_aws.store.paths import check_sqlite_path
from graph_aws.store.sqlite import SqliteStore

DEFAULT_DB = "graph-aws.db"


def open_store(url: str | None = None, *, create: bool = True) -> Store:
    """Open the store a `--db` value names: a file path or `sqlite:///path` (SQLite), or a
    `postgresql://` URL (PostgreSQL). `create=False` (read commands): a SQLite store that does not
    exist is an error, never a new empty one."""
    url = url or DEFAULT_DB
    if url.startswith(("postgresql://", "postgres://")):
        from graph_aws.store.postgresql import PostgresStore

        return PostgresStore(url)
    if url.startswith("sqlite:///"):
        url = url.removeprefix("sqlite:///")
    elif "://" in url:
        raise StoreError(
            f"--db {url.split('://')[0]}://... is not a kind of store graph-aws knows; "
            "give a file path or a postgresql:// URL"
        )
    check_sqlite_path(Path(url).expanduser(), create=create)
    return SqliteStore(Path(url).expanduser())


__all__ = [
    "DEFAULT_DB",
    "AccountOutcome",
    "ApiKeyRecord",
    "JobRecord",
    "RunRecord",
    "SqliteStore",
    "Store",
    "SyncCounts",
    "account_scope",
    "open_store",
    "organization_scope",
]
