"""Reads of single entities and their neighbours, in J1QL through `run_query` (no SQL of our own)."""

from __future__ import annotations

from typing import Any

from graph_aws.query import run_query
from graph_aws.store import Store


def j1ql_string(value: str) -> str:
    """A J1QL string literal that reads back as exactly `value`."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def entity_by_key(store: Store, key: str) -> dict[str, Any] | None:
    rows = run_query(store, f"FIND * WITH _key = {j1ql_string(key)}").records()
    return rows[0] if rows else None


def neighbourhood(store: Store, key: str) -> dict[str, list[dict[str, Any]]]:
    """The entity's relationships and the entities at their other ends (a RETURN TREE)."""
    result = run_query(
        store, f"FIND * WITH _key = {j1ql_string(key)} THAT RELATES TO * RETURN TREE", page_size=None
    )
    return result.tree or {"vertices": [], "edges": []}
