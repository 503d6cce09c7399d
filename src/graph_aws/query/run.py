"""Run a J1QL query against a store: parse, translate, execute, decode the rows."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from graph_aws.query.parser import parse
from graph_aws.query.sql import Compiled, compile_query


class ReadableStore(Protocol):
    dialect: str

    def read(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]: ...


@dataclass
class QueryResult:
    """What a query answers.

    kind      entities (no RETURN: one row per entity, the whole JSON object), rows (RETURN of
              properties), aggregate (COUNT and the like) or tree (RETURN TREE)
    columns   the names of the values in each row (J1's: `a.name`, `count(a)`, or the AS name)
    rows      tuples of values, decoded from JSON (a missing property is None)
    tree      for RETURN TREE: {"vertices": [entities], "edges": [relationships]}
    """

    kind: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    tree: dict[str, list[dict[str, Any]]] | None = None

    def records(self) -> list[Any]:
        """JSON-ready rows: entities as they are, other rows as {column: value}."""
        if self.kind == "tree":
            return [self.tree]
        if self.kind == "entities":
            return [row[0] for row in self.rows]
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def translate(text: str, now_ms: int | None = None) -> Compiled:
    """The SQL and parameters a query runs as (for tests and for curious users)."""
    return compile_query(parse(text), int(time.time() * 1000) if now_ms is None else now_ms)


def run_query(store: ReadableStore, text: str, now_ms: int | None = None) -> QueryResult:
    """Answer a J1QL query from the store's merged graph, in SQL (the graph never loads into Python)."""
    if store.dialect != "sqlite":
        raise NotImplementedError(f"J1QL is translated for SQLite only, not {store.dialect}")
    compiled = translate(text, now_ms)
    raw = store.read(compiled.sql, compiled.params)
    if compiled.kind == "tree":
        return QueryResult("tree", ["tree"], [], _load_tree(store, compiled, raw))
    visible = slice(compiled.hidden, compiled.hidden + len(compiled.columns))
    rows = [
        tuple(_decode(value, how) for value, how in zip(row[visible], compiled.decoders, strict=True))
        for row in raw
    ]
    return QueryResult(compiled.kind, compiled.columns, rows)


def _decode(value: Any, how: str) -> Any:
    if how == "json" and value is not None:
        return json.loads(value)
    return value


def _load_tree(store: ReadableStore, compiled: Compiled, raw: list[tuple[Any, ...]]) -> dict[str, Any]:
    entity_keys: dict[str, None] = {}
    relationship_keys: dict[str, None] = {}
    for row in raw:
        for key, kind in zip(row, compiled.tree_kinds, strict=False):
            if key is not None:  # an optional hop that did not match
                (entity_keys if kind == "entity" else relationship_keys)[key] = None
    return {
        "vertices": _load(store, "entity", entity_keys),
        "edges": _load(store, "relationship", relationship_keys),
    }


def _load(store: ReadableStore, table: str, keys: Iterable[str]) -> list[dict[str, Any]]:
    # The keys travel as one JSON array parameter, however many there are.
    rows = store.read(
        f"SELECT data FROM {table} WHERE key IN (SELECT value FROM json_each(?1)) ORDER BY key",
        [json.dumps(list(keys))],
    )
    return [json.loads(data) for (data,) in rows]
