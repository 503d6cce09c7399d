"""The SQL that differs between SQLite and PostgreSQL, in one place: JSON access, list iteration,
string tests, regular expressions, ordering, aggregates, the full-text index. sql.py and filters.py
write everything else (joins, EXISTS, AND, OR, NOT, CASE) in SQL both read. `SqliteDialect`'s methods
are the interface; `PostgresDialect` (JSONB, jsonb_array_elements, ~, tsvector) replaces each of them.

Every method takes SQL already made safe (table aliases the compiler chose, `?N` placeholders for
parameters) and returns SQL; none of them sees a value of the query, except prefilter(), which binds
the values it tests through the compiler's parameter function.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import psycopg

from graph_aws.store.search import search_query

# U+E000 is a letter to SQLite's unicode61 tokenizer, so the store puts it between the values of an
# entity: no phrase of a search can run from the end of one value into the next. Searches drop it.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


class SqliteDialect:
    name = "sqlite"
    # What a statement the store cannot run raises; run.py turns these into one-line J1QL errors.
    errors: tuple[type[Exception], ...] = (sqlite3.Error, OverflowError)
    lateral_hops = False  # sql.py: hops as LATERAL subqueries of far keys (SQLite has no LATERAL)

    # ---- JSON properties of a row (`table.data`)
    def path(self, name: str) -> str:
        """The JSON path of a top-level property, bound as a parameter."""
        return f'$."{name}"'

    def value(self, table: str, path: str) -> str:
        """The property as an SQL value: text, a number, NULL (missing); a list as its JSON text."""
        return f"({table}.data ->> {path})"

    def json(self, table: str, path: str) -> str:
        """The property as JSON text (equal texts are equal values of the same type)."""
        return f"({table}.data -> {path})"

    def elements(self, table: str, path: str, alias: str) -> str:
        """FROM-item: one row per element of a list property, one row for a scalar, none if missing;
        columns `{alias}.value` and `{alias}.type` (text, integer, real, true, false, null)."""
        return f"json_each({table}.data, {path}) AS {alias}"

    def list_param(self, param: str, alias: str) -> str:
        """FROM-item: the elements of a bound JSON array (see array()), as elements() gives them."""
        return f"json_each({param}) AS {alias}"

    def array(self, values: list[Any]) -> str:
        """The parameter value list_param() iterates."""
        return json.dumps(values)

    def element(self, alias: str, kind: str) -> str:
        """An element's value where the test knows its kind (text or number, tested before)."""
        return f"{alias}.value"

    def compare_elements(self, a: str, b: str, op: str) -> str:
        """Two elements of one kind (number, text, true, false) compared with = < <= > >=."""
        return f"{a}.value {op} {b}.value"

    def is_text(self, alias: str) -> str:
        return f"{alias}.type = 'text'"

    def is_number(self, alias: str) -> str:
        return f"{alias}.type IN ('integer', 'real')"

    def is_boolean(self, alias: str, truth: str) -> str:
        return f"{alias}.type = {truth}"  # truth: a parameter holding 'true' or 'false'

    def kind(self, alias: str) -> str:
        """An element's kind for comparing two elements: number, text, true, false."""
        return f"(CASE WHEN {alias}.type IN ('integer', 'real') THEN 'number' ELSE {alias}.type END)"

    def typeof_number(self, expression: str) -> str:
        return f"typeof({expression}) IN ('integer', 'real')"

    def typeof_other(self, expression: str) -> str:
        """True for a value that is there and is not a number (what SUM and AVG cannot add)."""
        return f"typeof({expression}) NOT IN ('integer', 'real', 'null')"

    def as_number(self, expression: str) -> str:
        """A value that typeof_number() accepted, as a number SUM and AVG add."""
        return expression

    # ---- ordering and aggregates (expressions are what value() gives, or a whole row's data)
    def sort_keys(self, expression: str) -> list[str]:
        """What ORDER BY sorts a value by: missing first, then numbers (booleans as 0 and 1), then
        text, as SQLite orders the values `->>` gives."""
        return [expression]

    def order_term(self, key: str, descending: bool) -> str:
        return f"{key} DESC" if descending else key

    def min_max(self, function: str, expression: str) -> str:
        return f"{function}({expression})"

    def min_max_decoder(self) -> str:
        return "raw"

    def grouped_sort(self, as_json: str, as_value: str) -> str:
        """The column ORDER BY reads for a grouped item (the JSON is grouped, the value beside it)."""
        return as_value

    # ---- strings
    def contains(self, haystack: str, needle: str) -> str:
        return f"instr({haystack}, {needle}) > 0"

    def starts_with(self, haystack: str, needle: str) -> str:
        return f"instr({haystack}, {needle}) = 1"

    def ends_with(self, haystack: str, needle: str) -> str:
        # substr(x, -0) is not '': every string ends with the empty string.
        return f"({needle} = '' OR substr({haystack}, -length({needle})) = {needle})"

    def direct(self, table: str, name: str, op: str, value: Any, param: Callable[[Any], str]) -> str:
        """The whole test `name op value` (a string, number or boolean; = < <= > >=) where the
        dialect has one of its own, '' where the compiler writes it from elements()."""
        return ""

    def prefilter(self, table: str, op: str, name: str, value: Any, param: Callable[[Any], str]) -> str:
        """A cheap test that rules most rows out before their JSON is parsed ('' when there is none):
        here a substring of the row's raw JSON text. Only for plain strings, which the store's JSON
        writer emits as they are (an entity whose state is "stopped" holds the text "stopped", quotes
        included), and for booleans (`true` or `false` appear in the text)."""
        if isinstance(value, bool):
            needle = "true" if value else "false"
        elif isinstance(value, str) and value and set(value) <= _PLAIN and op in ("=", "~=", "^=", "$="):
            needle = f'"{value}"' if op == "=" else value
        else:
            return ""
        return f"instr({table}.data, {param(needle)}) > 0"

    # ---- regular expressions (the store registers regexp(pattern, value), Python's re.search)
    def regex_pattern(self, pattern: str, ignore_case: bool, anchor: str) -> str:
        """The pattern string to bind for regexp(): anchor is '', 'start' or 'end'."""
        body = {"start": rf"\A(?:{pattern})", "end": rf"(?:{pattern})\Z"}.get(anchor, pattern)
        return ("(?i)" if ignore_case else "") + body

    def regex(self, value: str, pattern: str) -> str:
        return f"regexp({pattern}, {value})"

    # ---- the full-text index (store: entity_text, rowid = entity.rowid)
    def search_words(self, text: str) -> list[str]:
        """The words of a search: whitespace-separated, each with a letter, digit or underscore."""
        words = _PRIVATE_USE.sub(" ", text).split()
        return [w for w in words if any(c.isalnum() or c == "_" for c in w)]

    def search_match(self, words: list[str]) -> str:
        """The MATCH expression (bound as a parameter): every word, each a phrase of its tokens."""
        return " AND ".join('"' + word.replace('"', '""') + '"' for word in words)

    def search(self, table: str, match: str) -> str:
        return f"{table}.rowid IN (SELECT rowid FROM entity_text WHERE entity_text MATCH {match})"

    # ---- whole statements
    def both_sides(self, alias: str) -> str:
        """FROM-item: two rows, {alias}.side 0 and 1 (an optional traversal skipped and taken)."""
        return f"(SELECT 0 AS side UNION ALL SELECT 1 AS side) AS {alias}"

    def limit(self, limit: str | None, offset: str | None) -> str:
        if limit is None and offset is None:
            return ""
        return f" LIMIT {limit or -1}" + (f" OFFSET {offset}" if offset else "")

    def keys_in(self, param: str) -> str:
        """`key IN (...)` for a bound JSON array of keys (see array())."""
        return f"key IN (SELECT value FROM json_each({param}))"

    def statement(self, sql: str, params: list[Any]) -> tuple[str, Any]:
        """The statement and parameters as the store's driver takes them (`?N`: sqlite3's own)."""
        return sql, params

    def decode(self, value: Any) -> Any:
        """A plain value of a row as Python has it."""
        return value


_PLAIN = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _.:@,=+-")
_PLACEHOLDER = re.compile(r"\?(\d+)")


def _element_columns(source: str, alias: str) -> str:
    """FROM-item over a JSONB value: its elements if it is a list, itself if not, nothing if it is
    missing; each with `type` named as SQLite's json_each names it (numbers: 'number'), and typed
    `text` and `num` columns for the tests of each kind."""
    kind = "jsonb_typeof(x.value)"
    return (
        f"(SELECT x.value, CASE {kind} WHEN 'string' THEN 'text' WHEN 'boolean' THEN x.value #>> '{{}}' "
        f"ELSE {kind} END AS type, "
        f"CASE WHEN {kind} = 'string' THEN (x.value #>> '{{}}') COLLATE \"C\" END AS text, "
        f"CASE WHEN {kind} = 'number' THEN (x.value)::numeric END AS num "
        f"FROM jsonb_array_elements(CASE WHEN {source} IS NULL THEN '[]'::jsonb "
        f"WHEN jsonb_typeof({source}) = 'array' THEN {source} ELSE jsonb_build_array({source}) END) AS x"
        f") AS {alias}"
    )


class PostgresDialect(SqliteDialect):
    """The same statements for PostgreSQL: `data` is JSONB, parameters are psycopg's `%(pN)s`."""

    name = "postgresql"
    errors: tuple[type[Exception], ...] = (psycopg.Error, OverflowError)
    lateral_hops = True

    def path(self, name: str) -> str:
        return name  # `data -> 'name'`: the key itself

    def _property(self, table: str, path: str) -> str:
        return f"({table}.data -> ({path})::text)"

    def value(self, table: str, path: str) -> str:
        # JSONB, JSON null as SQL NULL (as SQLite's ->> gives it); sort_keys() orders it as SQLite.
        return f"NULLIF({self._property(table, path)}, 'null'::jsonb)"

    def json(self, table: str, path: str) -> str:
        return self._property(table, path)

    def elements(self, table: str, path: str, alias: str) -> str:
        return _element_columns(self._property(table, path), alias)

    def list_param(self, param: str, alias: str) -> str:
        return _element_columns(f"({param})::jsonb", alias)

    def element(self, alias: str, kind: str) -> str:
        return f"{alias}.text" if kind == "text" else f"{alias}.num"

    def compare_elements(self, a: str, b: str, op: str) -> str:
        return (
            f"(CASE WHEN {a}.type = 'number' THEN {a}.num {op} {b}.num "
            f"WHEN {a}.type = 'text' THEN {a}.text {op} {b}.text ELSE {a}.value {op} {b}.value END)"
        )

    def is_number(self, alias: str) -> str:
        return f"{alias}.type = 'number'"

    def kind(self, alias: str) -> str:
        return f"{alias}.type"

    def typeof_number(self, expression: str) -> str:
        return f"jsonb_typeof({expression}) = 'number'"

    def typeof_other(self, expression: str) -> str:
        return f"jsonb_typeof({expression}) <> 'number'"

    def as_number(self, expression: str) -> str:
        return f"({expression})::numeric"

    def contains(self, haystack: str, needle: str) -> str:
        return f"strpos({haystack}, {needle}) > 0"

    def starts_with(self, haystack: str, needle: str) -> str:
        return f"starts_with({haystack}, {needle})"

    def ends_with(self, haystack: str, needle: str) -> str:
        return f"right({haystack}, length({needle})) = {needle}"

    def direct(self, table: str, name: str, op: str, value: Any, param: Callable[[Any], str]) -> str:
        """Equality: JSONB containment, which the GIN index on `data` answers, is J1's equality
        exactly: the property is the value (of its type: 1 and 1.0 are equal, "1" is not), or a list
        holding it. A number's range: a JSON path over the elements, which compares numbers only
        (one function call where elements() would be a subquery to plan per comparison)."""
        if op == "=":
            alone, listed = json.dumps({name: value}), json.dumps({name: [value]})
            return f"({table}.data @> ({param(alone)})::jsonb OR {table}.data @> ({param(listed)})::jsonb)"
        if op in ("<", "<=", ">", ">=") and isinstance(value, int | float) and not isinstance(value, bool):
            path = f"lax $.{json.dumps(name)}[*] ? (@ {op} $v)"
            bound = json.dumps({"v": value})
            return f"jsonb_path_exists({table}.data, ({param(path)})::jsonpath, ({param(bound)})::jsonb)"
        return ""

    def prefilter(self, table: str, op: str, name: str, value: Any, param: Callable[[Any], str]) -> str:
        return ""  # equality is equals(); the rest has no index to ask

    def regex(self, value: str, pattern: str) -> str:
        return f"{value} ~ {pattern}"

    def sort_keys(self, expression: str) -> list[str]:
        kind = f"jsonb_typeof({expression})"
        return [
            f"(CASE {kind} WHEN 'number' THEN 1 WHEN 'boolean' THEN 1 WHEN 'null' THEN NULL ELSE 2 END)",
            f"(CASE {kind} WHEN 'number' THEN ({expression})::numeric "
            f"WHEN 'boolean' THEN (CASE WHEN {expression} = 'true'::jsonb THEN 1 ELSE 0 END) END)",
            f"(CASE {kind} WHEN 'string' THEN {expression} #>> '{{}}' WHEN 'array' THEN {expression}::text "
            f"WHEN 'object' THEN {expression}::text END) COLLATE \"C\"",
        ]

    def order_term(self, key: str, descending: bool) -> str:
        # SQLite puts NULL (a missing value) first in ascending order, last in descending.
        return f"{key} DESC NULLS LAST" if descending else f"{key} NULLS FIRST"

    def min_max(self, function: str, expression: str) -> str:
        # JSONB has no MIN or MAX: the first value in SQLite's order, as JSON.
        keys = ", ".join(self.order_term(k, function == "MAX") for k in self.sort_keys(expression))
        return f"(array_agg({expression} ORDER BY {keys}) FILTER (WHERE {expression} IS NOT NULL))[1]"

    def min_max_decoder(self) -> str:
        return "json"

    def grouped_sort(self, as_json: str, as_value: str) -> str:
        return as_json  # PostgreSQL orders a grouped query only by what it groups

    def search_match(self, words: list[str]) -> str:
        return search_query(words)

    def search(self, table: str, match: str) -> str:
        return f"{table}.key IN (SELECT key FROM entity_text WHERE words @@ ({match})::tsquery)"

    def limit(self, limit: str | None, offset: str | None) -> str:
        return (f" LIMIT {limit}" if limit else "") + (f" OFFSET {offset}" if offset else "")

    def keys_in(self, param: str) -> str:
        return f"key IN (SELECT jsonb_array_elements_text(({param})::jsonb))"

    def statement(self, sql: str, params: list[Any]) -> tuple[str, Any]:
        named = _PLACEHOLDER.sub(lambda m: f"%(p{m.group(1)})s", sql.replace("%", "%%"))
        return named, {f"p{index}": value for index, value in enumerate(params, start=1)}

    def decode(self, value: Any) -> Any:
        if isinstance(value, Decimal):  # SUM and AVG of JSONB numbers: numeric
            exponent = value.as_tuple().exponent
            return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
        return value


SQLITE = SqliteDialect()
POSTGRESQL = PostgresDialect()
DIALECTS: dict[str, SqliteDialect] = {"sqlite": SQLITE, "postgresql": POSTGRESQL}
