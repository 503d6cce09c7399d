"""WITH and WHERE filters -> SQL conditions that are 0 or 1, never NULL, so NOT and OR mean what they say.

Semantics (JupiterOne's, docs/j1ql.md has the sources): a property holding a list matches when any
element does; comparisons are typed and case-sensitive; `!=` and the other negations also match a
missing property; `x != ('a' OR 'b')` is `NOT (x = 'a' OR x = 'b')` (De Morgan, as J1 documents).

Size: comparisons of one property with one operator, joined by OR or AND, become one test against a
bound JSON array of values, however many there are; what remains is joined as a balanced tree, so
ten thousand terms stay within SQLite's limits on expression depth and parser stack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph_aws.errors import J1QLError
from graph_aws.query.ast import (
    INT64_MAX,
    UNDEFINED,
    BoolOp,
    Comparison,
    Filter,
    Not,
    Param,
    Property,
    RefComparison,
    Regex,
    RelativeDate,
    Undefined,
    Value,
    ValueSet,
)
from graph_aws.query.dialect import SqliteDialect

_STRING_OPS = {"~=", "^=", "$="}
_MERGEABLE = {"=", "~=", "^=", "$="}
_FLAT = 16  # terms joined flat before the tree is split in halves
_ENTITY_COLUMNS = {"_type": "type", "_key": "key"}
_RELATIONSHIP_COLUMNS = {"_type": "type", "_key": "key", "_class": "class"}


@dataclass
class Binding:
    sql: str  # table alias in the statement
    kind: str  # entity | relationship


def split_op(op: str) -> tuple[str, bool]:
    """`!=` -> (`=`, negated); `!~=` -> (`~=`, negated)."""
    if op == "!=":
        return "=", True
    if op.startswith("!"):
        return op[1:], True
    return op, False


def join(op: str, parts: Sequence[str]) -> str:
    """`(a OR b ...)`, as a balanced tree of groups when there are many."""
    if len(parts) == 1:
        return parts[0]
    if len(parts) <= _FLAT:
        return "(" + f" {op} ".join(parts) + ")"
    middle = len(parts) // 2
    return f"({join(op, parts[:middle])} {op} {join(op, parts[middle:])})"


class FilterCompiler:
    def __init__(
        self,
        dialect: SqliteDialect,
        param: Callable[[Any], str],
        fresh: Callable[[str], str],
        resolve: Callable[[Property, Binding | None], Binding],
        now_ms: int,
        params: Mapping[str, Any],
    ) -> None:
        self.d = dialect
        self.param = param
        self.fresh = fresh
        self.resolve = resolve
        self.now_ms = now_ms
        self.params = params

    def filter(self, item: Filter, default: Binding | None = None) -> str:
        if isinstance(item, BoolOp):
            items = _merge(item)
            return join(item.op.upper(), [self.filter(i, default) for i in items])
        if isinstance(item, Not):
            return f"NOT {self.filter(item.item, default)}"
        if isinstance(item, RefComparison):
            return self.compare_refs(item, default)
        binding = self.resolve(item.prop, default)
        base, negated = split_op(item.op)
        positive = self.positive(binding, item.prop.name, base, self.resolve_value(item.value))
        return f"NOT {positive}" if negated else positive

    # ------------------------------------------------------------------ values

    def resolve_value(self, value: Value) -> Value:
        """Parameters and dates become what they stand for when the query runs."""
        if isinstance(value, Param):
            if value.name not in self.params:
                raise J1QLError(
                    f"the query uses {{{{{value.name}}}}}: give its value, --param {value.name}=VALUE"
                )
            return _param_value(value.name, self.params[value.name])
        if isinstance(value, RelativeDate):
            return self.now_ms + value.offset_ms
        if isinstance(value, ValueSet):
            return ValueSet(tuple(self.resolve_value(v) for v in value.values), value.mode)
        return value

    # ------------------------------------------------------------------ one property against values

    def positive(self, binding: Binding, name: str, op: str, value: Value) -> str:
        if isinstance(value, ValueSet):
            return self.positive_set(binding, name, op, value)
        table = binding.sql
        # Parameters are registered only for the SQL actually returned: ?N must all be used.
        if isinstance(value, Undefined):
            # J1: `prop = undefined` matches a missing property (JSON null counts as missing).
            return f"({self.d.value(table, self.param(self.d.path(name)))} IS NULL)" if op == "=" else "FALSE"
        if isinstance(value, Regex):
            if op not in _MERGEABLE:
                raise J1QLError(
                    f"a regular expression compares with = ~= ^= $= and their negations, not {op}"
                )
            anchor = {"^=": "start", "$=": "end"}.get(op, "")
            pattern = self.param(self.d.regex_pattern(value.pattern, value.ignore_case, anchor))
            return self._exists(
                table,
                name,
                lambda j: f"{self.d.is_text(j)} AND {self.d.regex(self.d.element(j, 'text'), pattern)}",
            )
        if isinstance(value, bool):
            if op != "=":
                return "FALSE"
            if direct := self.d.direct(table, name, op, value, self.param):
                return direct
            truth = self.param("true" if value else "false")
            exact = self._exists(table, name, lambda j: self.d.is_boolean(j, truth))
            return f"({self.d.prefilter(table, op, name, value, self.param)} AND {exact})"
        assert isinstance(value, str | int | float)
        if op in _STRING_OPS and not isinstance(value, str):
            return "FALSE"
        if isinstance(value, str) and op == "=":
            column = self._column(binding, name)
            if column:
                return f"({column} = {self.param(value)})"
            if binding.kind == "entity" and name == "_class":  # the indexed entity_class table
                return (
                    f"{binding.sql}.key IN (SELECT key FROM entity_class WHERE class = {self.param(value)})"
                )
        if direct := self.d.direct(table, name, op, value, self.param):
            return direct
        test = self._test(op, self.param(value))
        kind = "text" if isinstance(value, str) else "number"
        is_kind = self.d.is_text if kind == "text" else self.d.is_number
        exact = self._exists(table, name, lambda j: f"{is_kind(j)} AND {test(self.d.element(j, kind))}")
        prefilter = self.d.prefilter(table, op, name, value, self.param)
        return f"({prefilter} AND {exact})" if prefilter else exact

    def positive_set(self, binding: Binding, name: str, op: str, values: ValueSet) -> str:
        """`x = ('a' OR 'b')`: strings and numbers each as one test against a bound list."""
        texts = [v for v in values.values if isinstance(v, str)]
        numbers = [v for v in values.values if isinstance(v, int | float) and not isinstance(v, bool)]
        others = [v for v in values.values if not _mergeable(v)]
        parts = []
        for group in (texts, numbers):
            if len(group) == 1:
                others.append(group[0])
            elif group:
                parts.append(self._listed(binding, name, op, group, values.mode))
        parts += [self.positive(binding, name, op, v) for v in others]
        return join("OR" if values.mode == "any" else "AND", parts)

    def _listed(self, binding: Binding, name: str, op: str, values: list[Any], mode: str) -> str:
        if op not in _MERGEABLE:  # < and > against several values: one comparison each
            joiner = "OR" if mode == "any" else "AND"
            return join(joiner, [self.positive(binding, name, op, v) for v in values])
        if op in _STRING_OPS and not isinstance(values[0], str):
            return "FALSE"  # a number never contains, starts or ends with anything
        listed = self.param(self.d.array(values))
        column = self._column(binding, name) if isinstance(values[0], str) and op == "=" else None
        if column and mode == "any":
            return (
                f"({column} IN (SELECT {self.d.element('v', 'text')} FROM {self.d.list_param(listed, 'v')}))"
            )
        if (
            binding.kind == "entity"
            and name == "_class"
            and op == "="
            and mode == "any"
            and column is None
            and isinstance(values[0], str)
        ):
            classes = f"SELECT {self.d.element('v', 'text')} FROM {self.d.list_param(listed, 'v')}"
            return f"{binding.sql}.key IN (SELECT key FROM entity_class WHERE class IN ({classes}))"
        kind = "text" if isinstance(values[0], str) else "number"
        is_kind = self.d.is_text if kind == "text" else self.d.is_number
        v = self.fresh("v")
        test = self._test(op, self.d.element(v, kind))
        if mode == "any":
            j = self.fresh("j")
            return (
                f"EXISTS (SELECT 1 FROM {self.d.elements(binding.sql, self.param(self.d.path(name)), j)}, "
                f"{self.d.list_param(listed, v)} WHERE {is_kind(j)} AND {test(self.d.element(j, kind))})"
            )
        has_all = self._exists(
            binding.sql, name, lambda j: f"{is_kind(j)} AND {test(self.d.element(j, kind))}"
        )
        return f"NOT EXISTS (SELECT 1 FROM {self.d.list_param(listed, v)} WHERE NOT {has_all})"

    def _test(self, op: str, needle: str) -> Callable[[str], str]:
        if op == "~=":
            return lambda value: self.d.contains(value, needle)
        if op == "^=":
            return lambda value: self.d.starts_with(value, needle)
        if op == "$=":
            return lambda value: self.d.ends_with(value, needle)
        return lambda value: f"{value} {op} {needle}"

    def _exists(self, table: str, name: str, condition: Callable[[str], str]) -> str:
        j = self.fresh("j")
        elements = self.d.elements(table, self.param(self.d.path(name)), j)
        return f"EXISTS (SELECT 1 FROM {elements} WHERE {condition(j)})"

    def _column(self, binding: Binding, name: str) -> str | None:
        """An indexed column that holds what the property holds, for equality with strings."""
        columns = _ENTITY_COLUMNS if binding.kind == "entity" else _RELATIONSHIP_COLUMNS
        if name in columns:
            return f"{binding.sql}.{columns[name]}"
        return None

    # ------------------------------------------------------------------ alias against alias

    def compare_refs(self, item: RefComparison, default: Binding | None) -> str:
        """`a.x op b.y`: some element of a.x and some element of b.y compare true, of one kind.
        `!=` is true when they differ, a missing side included, and false when both are missing."""
        left, right = self.resolve(item.left, default), self.resolve(item.right, default)
        left_path, right_path = (
            self.param(self.d.path(item.left.name)),
            self.param(self.d.path(item.right.name)),
        )
        a, b = self.fresh("a"), self.fresh("b")
        base, negated = split_op(item.op)
        if base in _STRING_OPS:
            test = f"{self.d.is_text(a)} AND {self.d.is_text(b)} AND " + self._test(
                base, self.d.element(b, "text")
            )(self.d.element(a, "text"))
        else:
            same = f"{self.d.kind(a)} = {self.d.kind(b)}"
            if base != "=":
                same += f" AND {self.d.kind(a)} IN ('number', 'text')"
            test = f"{same} AND {self.d.compare_elements(a, b, base)}"
        positive = (
            f"EXISTS (SELECT 1 FROM {self.d.elements(left.sql, left_path, a)}, "
            f"{self.d.elements(right.sql, right_path, b)} WHERE {test})"
        )
        if not negated:
            return positive
        if base == "=":
            present = (
                f"({self.d.value(left.sql, left_path)} IS NOT NULL OR "
                f"{self.d.value(right.sql, right_path)} IS NOT NULL)"
            )
            return f"({present} AND NOT {positive})"
        return f"NOT {positive}"


def _merge(item: BoolOp) -> tuple[Filter, ...]:
    """Sibling comparisons of one property with one operator become one shorthand comparison:
    `x = 'a' OR x = 'b'` is `x = ('a' OR 'b')`; `x != 'a' AND x != 'b'` is `x != ('a' OR 'b')`."""
    groups: dict[tuple[str | None, str, str], list[Comparison]] = {}
    order: list[Filter | tuple[str | None, str, str]] = []
    for part in item.items:
        if isinstance(part, Comparison) and _mergeable(part.value):
            base, negated = split_op(part.op)
            if base in _MERGEABLE:
                key = (part.prop.alias, part.prop.name, part.op)
                if key not in groups:
                    groups[key] = []
                    order.append(key)
                groups[key].append(part)
                continue
        order.append(part)
    merged: list[Filter] = []
    for entry in order:
        if not isinstance(entry, tuple):
            merged.append(entry)
            continue
        parts = groups[entry]
        if len(parts) == 1:
            merged.append(parts[0])
            continue
        negated = split_op(entry[2])[1]
        # Positive: OR of equals is "any", AND "all". Negated, De Morgan swaps them.
        mode = ("any" if item.op == "or" else "all") if not negated else ("all" if item.op == "or" else "any")
        values = tuple(p.value for p in parts)
        merged.append(Comparison(parts[0].prop, entry[2], ValueSet(values, mode)))
    return tuple(merged)


def _mergeable(value: Value) -> bool:
    return isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool))


def _param_value(name: str, value: Any) -> Value:
    if value is None:
        return UNDEFINED
    if isinstance(value, list | tuple):
        if not value:
            raise J1QLError(f"--param {name}: an empty list matches nothing; give at least one value")
        return ValueSet(tuple(_param_value(name, v) for v in value), "any")
    if isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        if abs(value) > INT64_MAX:
            raise J1QLError(f"--param {name}: {value} is beyond the range of a 64-bit integer")
        return value
    raise J1QLError(f"--param {name}: a value is a string, number, boolean, null or a list of them")
