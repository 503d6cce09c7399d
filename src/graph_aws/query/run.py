"""Run a J1QL query against a store: parse, translate, execute, decode the rows, page them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from graph_aws.errors import J1QLError
from graph_aws.query.dialect import DIALECTS, SqliteDialect
from graph_aws.query.parser import parse
from graph_aws.query.sql import Compiled, Options, compile_query

DEFAULT_PAGE_SIZE = 250  # JupiterOne: "by default, queries will return up to 250 results if no LIMIT"

# J1's own default definition of its one application smart class (Assets app, "critical assets").
# AWS tags are strings: tag.Production holds 'true', where J1's expanded query writes true.
DEFAULT_SMART_CLASSES = {
    "CriticalAsset": (
        "FIND (Application|CodeRepo|DataStore|Function|Host|Logs) "
        "WITH tag.Production = ('true' OR true) AND classification = 'critical'"
    ),
}


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
    skip      the rows skipped before this page (the query's SKIP)
    limit     the page size applied: the query's LIMIT, else J1's 250; None when every row was asked
    more      more rows follow this page: ask again with SKIP skip + len(rows) (paths, for a tree)
    """

    kind: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    tree: dict[str, list[dict[str, Any]]] | None = None
    skip: int = 0
    limit: int | None = None
    more: bool = False

    def records(self) -> list[Any]:
        """JSON-ready rows: entities as they are, other rows as {column: value}."""
        if self.kind == "tree":
            return [self.tree]
        if self.kind == "entities":
            return [row[0] for row in self.rows]
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def translate(
    text: str,
    now_ms: int | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    smart_classes: Mapping[str, str] | None = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
    dialect: SqliteDialect | None = None,
) -> Compiled:
    """The SQL and parameters a query runs as (for tests and for curious users)."""
    options = Options(
        now_ms=int(time.time() * 1000) if now_ms is None else now_ms,
        params=params or {},
        smart_classes={**DEFAULT_SMART_CLASSES, **(smart_classes or {})},
        default_limit=page_size,
        dialect=dialect or DIALECTS["sqlite"],
    )
    try:
        return compile_query(parse(text), options)
    except RecursionError:
        raise J1QLError("the query nests too deeply to translate") from None


def run_query(
    store: ReadableStore,
    text: str,
    now_ms: int | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    smart_classes: Mapping[str, str] | None = None,
    page_size: int | None = DEFAULT_PAGE_SIZE,
) -> QueryResult:
    """Answer a J1QL query from the store's merged graph, in SQL (the graph never loads into Python).

    params: the values of `{{name}}`; smart_classes: #Name -> its J1QL (the config's [smart-classes]);
    page_size: rows when the query has no LIMIT, J1's 250 by default, None for every row."""
    dialect = DIALECTS.get(store.dialect)
    if dialect is None:
        raise J1QLError(f"J1QL is translated for {', '.join(DIALECTS)} stores, not {store.dialect}")
    compiled = translate(
        text, now_ms, params=params, smart_classes=smart_classes, page_size=page_size, dialect=dialect
    )
    raw = _read(store, dialect, compiled.sql, compiled.params)
    more = compiled.limit is not None and len(raw) > compiled.limit
    raw = raw[: compiled.limit] if compiled.limit is not None else raw
    if compiled.kind == "tree":
        tree = _load_tree(store, dialect, compiled, raw)
        return QueryResult("tree", ["tree"], [], tree, compiled.skip, compiled.limit, more)
    visible = slice(compiled.hidden, compiled.hidden + len(compiled.columns))
    _check(compiled, raw, visible.stop)
    rows = [
        tuple(
            _decode(dialect, value, how) for value, how in zip(row[visible], compiled.decoders, strict=True)
        )
        for row in raw
    ]
    return QueryResult(compiled.kind, compiled.columns, rows, None, compiled.skip, compiled.limit, more)


def _read(store: ReadableStore, dialect: SqliteDialect, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """The store's rows; a statement the database refuses is one line naming the limit it hit."""
    try:
        return store.read(*dialect.statement(sql, params))
    except dialect.errors as error:
        message = (str(error).strip().splitlines() or [type(error).__name__])[0]
        if "tables in a join" in message:
            raise J1QLError(
                f"the query traverses more relationships than the store joins at once ({message}, "
                "two per hop); split it"
            ) from None
        if any(limit in message for limit in ("too many", "too large", "too deep", "at most", "stack depth")):
            raise J1QLError(f"the query is too large for the store to run ({message}); split it") from None
        raise J1QLError(f"the store could not run this query: {message}") from None


def _check(compiled: Compiled, raw: list[tuple[Any, ...]], start: int) -> None:
    for index, message in enumerate(compiled.checks):
        if any(row[start + index] for row in raw):
            raise J1QLError(message)


def _decode(dialect: SqliteDialect, value: Any, how: str) -> Any:
    if how == "json" and value is not None:
        return json.loads(value)
    return dialect.decode(value)


def _load_tree(
    store: ReadableStore, dialect: SqliteDialect, compiled: Compiled, raw: list[tuple[Any, ...]]
) -> dict[str, Any]:
    entity_keys: dict[str, None] = {}
    relationship_keys: dict[str, None] = {}
    for row in raw:
        for key, kind in zip(row, compiled.tree_kinds, strict=False):
            if key is not None:  # an optional hop that did not match
                (entity_keys if kind == "entity" else relationship_keys)[key] = None
    return {
        "vertices": _load(store, dialect, "entity", entity_keys),
        "edges": _load(store, dialect, "relationship", relationship_keys),
    }


def _load(
    store: ReadableStore, dialect: SqliteDialect, table: str, keys: Iterable[str]
) -> list[dict[str, Any]]:
    # The keys travel as one JSON array parameter, however many there are.
    rows = _read(
        store,
        dialect,
        f"SELECT data FROM {table} WHERE {dialect.keys_in('?1')} ORDER BY key",
        [dialect.array(list(keys))],
    )
    return [json.loads(data) for (data,) in rows]
