"""The SQL that only SQLite speaks, in one place: JSON access, list iteration, string tests, regular
expressions, the full-text index. sql.py and filters.py write everything else (joins, EXISTS, AND,
OR, NOT, CASE) in SQL that PostgreSQL reads too; a PostgreSQL dialect (JSONB, ->>, jsonb_array_elements,
~, tsvector) replaces this class and nothing else.

Every method takes SQL already made safe (table aliases the compiler chose, `?N` placeholders for
parameters) and returns SQL; none of them sees a value of the query.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

# U+E000 is a letter to SQLite's unicode61 tokenizer, so the store puts it between the values of an
# entity: no phrase of a search can run from the end of one value into the next. Searches drop it.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


class SqliteDialect:
    name = "sqlite"
    # What a statement the store cannot run raises; run.py turns these into one-line J1QL errors.
    errors: tuple[type[Exception], ...] = (sqlite3.Error, OverflowError)

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

    # ---- strings
    def contains(self, haystack: str, needle: str) -> str:
        return f"instr({haystack}, {needle}) > 0"

    def starts_with(self, haystack: str, needle: str) -> str:
        return f"instr({haystack}, {needle}) = 1"

    def ends_with(self, haystack: str, needle: str) -> str:
        # substr(x, -0) is not '': every string ends with the empty string.
        return f"({needle} = '' OR substr({haystack}, -length({needle})) = {needle})"

    def raw_contains(self, table: str, needle: str) -> str:
        """A substring test on the row's raw JSON text: a cheap prefilter before JSON is parsed."""
        return f"instr({table}.data, {needle}) > 0"

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


SQLITE = SqliteDialect()
DIALECTS = {"sqlite": SQLITE}
