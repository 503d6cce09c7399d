"""The AST of a J1QL query -> one SQLite statement over the merged graph tables, and its parameters.

Tables read: entity(key, type, data), entity_class(class, key), relationship(key, type, class,
from_key, to_key, data). Safety: every value and every property path is a bound parameter; the only
text this module writes into SQL is its own keywords and its own table aliases (e1, r2, ...), so
nothing of a query can reach the statement beyond what the grammar let through as a value.

Shapes of statement, by what the query returns:
  entities   no RETURN: the first FIND's entities, `SELECT e0.data FROM entity e0 WHERE ... AND
             EXISTS (path)` -- a semi-join, so each entity comes once and rows stream in order.
  rows       RETURN of properties: one row per distinct combination of the aliases it names; when
             it names only the first FIND's alias the semi-join shape is kept.
  aggregate  COUNT/MIN/MAX/AVG/SUM over those distinct rows, grouped by the plain items beside them.
  tree       the keys of every entity and relationship on the matching paths (run.py loads them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from graph_aws.errors import J1QLError
from graph_aws.query.parser import (
    UNDEFINED,
    BoolOp,
    Filter,
    Hop,
    Node,
    Not,
    OptionalHops,
    OrderItem,
    Property,
    Query,
    RefComparison,
    RelativeDate,
    Step,
    Value,
)

# SQL for each comparison of a JSON value (json_each's `value`) with a parameter `{p}`.
_VALUE_OPS = {
    "=": "value = {p}",
    "<": "value < {p}",
    "<=": "value <= {p}",
    ">": "value > {p}",
    ">=": "value >= {p}",
    "~=": "instr(value, {p}) > 0",
    "^=": "instr(value, {p}) = 1",
    "$=": "substr(value, -length({p})) = {p}",
}
_STRING_ONLY = {"~=", "^=", "$="}
_PLAIN = re.compile(r"[A-Za-z0-9 _.:@,=+-]*")
# Relationship columns that hold what the JSON holds, used directly because they are indexed.
_ENTITY_COLUMNS = {"_type": "type", "_key": "key"}
_RELATIONSHIP_COLUMNS = {"_type": "type", "_key": "key", "_class": "class"}


@dataclass
class Compiled:
    sql: str
    params: list[Any]
    kind: str  # entities | rows | aggregate | tree
    columns: list[str]
    decoders: list[str]  # per visible column: json (JSON text to decode) or raw
    hidden: int = 0  # leading columns that are only there for DISTINCT (keys), dropped from rows
    tree_kinds: list[str] = field(default_factory=list)  # tree: entity | relationship per column


@dataclass
class _Binding:
    sql: str  # table alias in the statement
    kind: str  # entity | relationship


class _Params:
    """Positional parameters ?1, ?2 ...; an equal value is bound once and reused."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._index: dict[tuple[type, Any], int] = {}

    def __call__(self, value: Any) -> str:
        key = (type(value), value)
        if key not in self._index:
            self.values.append(value)
            self._index[key] = len(self.values)
        return f"?{self._index[key]}"


def _split_op(op: str) -> tuple[str, bool]:
    """`!=` -> (`=`, negated); `!~=` -> (`~=`, negated)."""
    if op == "!=":
        return "=", True
    if op.startswith("!"):
        return op[1:], True
    return op, False


def json_path(name: str) -> str:
    # The grammar already keeps quotes out of names; refusing here too keeps the path well-formed.
    if '"' in name or "\\" in name:
        raise J1QLError(f"property name {name!r} cannot contain quotes or backslashes")
    return f'$."{name}"'


class _Compiler:
    def __init__(self, query: Query, now_ms: int) -> None:
        self.query = query
        self.now_ms = now_ms
        self.param = _Params()
        self.bindings: dict[str, _Binding] = {}
        self.unreachable: set[str] = set()  # aliases inside a negated traversal
        self.path_tables: dict[str, str] = {"e0": "entity"}  # every table on the path, for RETURN TREE
        self._counter = 0

    def fresh(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    # ------------------------------------------------------------------ aliases

    def bind(self, name: str | None, binding: _Binding, implicit: str | None = None) -> None:
        if name is not None:
            if name in self.bindings or name in self.unreachable:
                raise J1QLError(f"the alias {name!r} is used twice; give each entity its own AS name")
            self.bindings[name] = binding
        elif implicit and implicit not in self.bindings:
            # J1 lets a query name an entity by its type or class when it has no AS alias.
            self.bindings[implicit] = binding

    def resolve(self, prop: Property, default: _Binding | None) -> _Binding:
        if prop.alias is None:
            assert default is not None
            return default
        if prop.alias in self.bindings:
            return self.bindings[prop.alias]
        if prop.alias in self.unreachable:
            raise J1QLError(
                f"the alias {prop.alias!r} is inside a negated traversal (!VERB): it matches no entity to use"
            )
        known = ", ".join(sorted(self.bindings)) or "none (add AS name to an entity)"
        raise J1QLError(f"unknown alias {prop.alias!r}; the aliases of this query are: {known}")

    def mark_unreachable(self, steps: tuple[Step, ...]) -> None:
        for step in steps:
            for hop in step.hops if isinstance(step, OptionalHops) else (step,):
                for name in (hop.rel_alias, hop.node.alias):
                    if name:
                        self.unreachable.add(name)

    # ------------------------------------------------------------------ filters

    def filter(self, item: Filter, default: _Binding | None = None) -> str:
        """SQL that is 0 or 1, never NULL, so NOT and OR mean what they say."""
        if isinstance(item, BoolOp):
            return "(" + f" {item.op.upper()} ".join(self.filter(i, default) for i in item.items) + ")"
        if isinstance(item, Not):
            return f"NOT {self.filter(item.item, default)}"
        if isinstance(item, RefComparison):
            return self.compare_refs(item, default)
        return self.compare(self.resolve(item.prop, default), item.prop.name, item.op, item.value)

    def compare(self, binding: _Binding, name: str, op: str, value: Value) -> str:
        base, negated = _split_op(op)
        positive = self._positive(binding, name, base, value)
        return f"NOT {positive}" if negated else positive

    def _positive(self, binding: _Binding, name: str, op: str, value: Value) -> str:
        # Parameters are registered only for the SQL actually returned: ?N must all be used.
        table = binding.sql
        if value is UNDEFINED:
            # J1: `prop = undefined` matches a missing property (JSON null counts as missing).
            return f"({table}.data ->> {self.param(json_path(name))} IS NULL)" if op == "=" else "0"
        if isinstance(value, RelativeDate):
            value = self.now_ms + value.offset_ms
        if isinstance(value, bool):
            if op != "=":
                return "0"
            literal, path = self.param("true" if value else "false"), self.param(json_path(name))
            return (
                f"(instr({table}.data, {literal}) > 0 AND "
                f"EXISTS (SELECT 1 FROM json_each({table}.data, {path}) WHERE type = {literal}))"
            )
        if op in _STRING_ONLY and not isinstance(value, str):
            return "0"
        columns = _ENTITY_COLUMNS if binding.kind == "entity" else _RELATIONSHIP_COLUMNS
        if name in columns and op == "=" and isinstance(value, str):
            return f"({table}.{columns[name]} = {self.param(value)})"
        if op == "$=" and value == "":
            op = "~="  # every string ends with "", and substr(x, -0) would say otherwise
        types = "type = 'text'" if isinstance(value, str) else "type IN ('integer', 'real')"
        path = self.param(json_path(name))
        test = _VALUE_OPS[op].format(p=self.param(value))
        exact = f"EXISTS (SELECT 1 FROM json_each({table}.data, {path}) WHERE {types} AND {test})"
        prefilter = self._prefilter(table, op, value)
        return f"({prefilter} AND {exact})" if prefilter else exact

    def _prefilter(self, table: str, op: str, value: Value) -> str:
        """A substring test on the raw JSON text that rules most rows out before any JSON is parsed.

        Only for plain strings, which every JSON writer (the store's is Python's json) emits as they
        are: an entity whose state is "stopped" has the text "stopped" (quotes included) in its data.
        """
        if not isinstance(value, str) or not _PLAIN.fullmatch(value) or op not in ("=", "~=", "^=", "$="):
            return ""
        needle = json.dumps(value) if op == "=" else value
        return f"instr({table}.data, {self.param(needle)}) > 0" if needle else ""

    def compare_refs(self, item: RefComparison, default: _Binding | None) -> str:
        left, right = self.resolve(item.left, default), self.resolve(item.right, default)
        # `->` gives JSON text: equal texts are equal values of the same JSON type ("1" is not 1).
        lj = f"({left.sql}.data -> {self.param(json_path(item.left.name))})"
        rj = f"({right.sql}.data -> {self.param(json_path(item.right.name))})"
        lv, rv = f"({left.sql}.data ->> ", f"({right.sql}.data ->> "
        lv += f"{self.param(json_path(item.left.name))})"
        rv += f"{self.param(json_path(item.right.name))})"
        base, negated = _split_op(item.op)
        if base == "=":
            sql = f"COALESCE({lj} = {rj}, 0)"
            # != matches when exactly one side is missing too, as `prop != value` does.
            return f"({lj} IS NOT {rj})" if negated else sql
        same_type = f"typeof({lv}) = typeof({rv})"
        if base in _STRING_ONLY:
            same_type = f"typeof({lv}) = 'text' AND {same_type}"
            test = _VALUE_OPS[base].replace("value", lv).format(p=rv)
        else:
            test = f"{lv} {base} {rv}"
        sql = f"COALESCE({same_type} AND {test}, 0)"
        return f"NOT {sql}" if negated else sql

    # ------------------------------------------------------------------ entities and hops

    def node(self, table: str, node: Node) -> str:
        """The target (types, classes, any) and WITH filter of one entity, or '' for any entity."""
        parts = []
        targets = []
        types, classes = node.target.types, node.target.classes
        if types:
            targets.append(f"{table}.type IN ({', '.join(self.param(t) for t in types)})")
        if classes:
            names = ", ".join(self.param(c) for c in classes)
            targets.append(f"{table}.key IN (SELECT key FROM entity_class WHERE class IN ({names}))")
        if targets:
            parts.append(targets[0] if len(targets) == 1 else f"({' OR '.join(targets)})")
        if node.filter is not None:
            parts.append(self.filter(node.filter, _Binding(table, "entity")))
        return " AND ".join(parts)

    def relationship(self, table: str, hop: Hop, near: str) -> tuple[str, str]:
        """The join condition of a hop's relationship from the entity key `near`, and its far end."""
        if hop.direction == "out":
            condition, far = f"{table}.from_key = {near}", f"{table}.to_key"
        elif hop.direction == "in":
            condition, far = f"{table}.to_key = {near}", f"{table}.from_key"
        else:
            # Both directions: each OR branch has its own index, (from_key, class) and (to_key, class).
            condition = f"({table}.from_key = {near} OR {table}.to_key = {near})"
            far = f"(CASE WHEN {table}.from_key = {near} THEN {table}.to_key ELSE {table}.from_key END)"
        if hop.verbs:
            condition += f" AND {table}.class IN ({', '.join(self.param(v) for v in hop.verbs)})"
        return condition, far

    def chain(self, steps: tuple[Step, ...], near: str, bind: bool) -> tuple[list[str], list[str]]:
        """JOINs that walk `steps` from the entity key `near`, and the conditions they add."""
        joins: list[str] = []
        conditions: list[str] = []
        for index, step in enumerate(steps):
            if isinstance(step, OptionalHops):
                near = self.optional(step, near, joins, bind)
                continue
            if step.negated:
                # "has no such path": the hop and everything after it go inside NOT EXISTS.
                rest = (replace(step, negated=False), *steps[index + 1 :])
                self.mark_unreachable(rest)
                conditions.append(f"NOT {self.exists(near, None, rest)}")
                break
            rel, ent = self.fresh("r"), self.fresh("e")
            condition, far = self.relationship(rel, step, near)
            joins.append(f"JOIN relationship {rel} ON {condition}")
            node_sql = self.node(ent, step.node)
            joins.append(f"JOIN entity {ent} ON {ent}.key = {far}" + (f" AND {node_sql}" if node_sql else ""))
            if bind:
                self.bind_hop(step, rel, ent)
            near = f"{ent}.key"
        return joins, conditions

    def bind_hop(self, hop: Hop, rel: str, ent: str) -> None:
        self.path_tables.update({rel: "relationship", ent: "entity"})
        self.bind(hop.rel_alias, _Binding(rel, "relationship"))
        names = hop.node.target.names
        self.bind(hop.node.alias, _Binding(ent, "entity"), names[0] if len(names) == 1 else None)

    def optional(self, group: OptionalHops, near: str, joins: list[str], bind: bool) -> str:
        """LEFT JOINs for `(that ...)?`. A relationship joins only when the whole rest of the group
        exists beyond it, so a half-matched group leaves no half row. The next hop continues from
        the group's last entity when it matched, else from the entity before the group."""
        start = near
        for index, hop in enumerate(group.hops):
            rel, ent = self.fresh("r"), self.fresh("e")
            condition, far = self.relationship(rel, hop, near)
            rest = self.exists(far, hop.node, group.hops[index + 1 :])
            joins.append(f"LEFT JOIN relationship {rel} ON {condition} AND {rest}")
            joins.append(f"LEFT JOIN entity {ent} ON {ent}.key = {far}")
            if bind:
                self.bind_hop(hop, rel, ent)
            near = f"{ent}.key"
        return f"COALESCE({near}, {start})"

    def exists(self, key: str, node: Node | None, steps: tuple[Step, ...]) -> str:
        head = self.fresh("e")
        joins, conditions = self.chain(steps, f"{head}.key", bind=False)
        where = [f"{head}.key = {key}"]
        if node is not None and (node_sql := self.node(head, node)):
            where.append(node_sql)
        where += conditions
        return f"EXISTS (SELECT 1 FROM entity {head} {' '.join(joins)} WHERE {' AND '.join(where)})"

    # ------------------------------------------------------------------ whole statements

    def compile(self) -> Compiled:
        query = self.query
        names = query.find.target.names
        self.bind(query.find.alias, _Binding("e0", "entity"), names[0] if len(names) == 1 else None)
        first_names = {name for name, b in self.bindings.items() if b.sql == "e0"}
        named = {i.alias for i in query.returns} | {o.ref.alias for o in query.order if o.ref.name}
        semi_join = not query.tree and named <= first_names
        source = self.semi_join_source() if semi_join else self.path_source()
        if query.tree:
            return self.tree(source)
        if not query.returns:
            return self.entities(source)
        if any(i.kind == "aggregate" for i in query.returns):
            return self.aggregate(source, distinct=not semi_join)
        return self.rows(source, distinct=not semi_join)

    def semi_join_source(self) -> str:
        """`FROM entity e0 WHERE <first FIND> AND EXISTS (<the rest of the path and WHERE>)`."""
        query = self.query
        outer = [c for c in [self.node("e0", query.find)] if c]
        if query.steps:
            joins, conditions = self.chain(query.steps, "s0.key", bind=True)
            if query.where is not None:
                conditions.append(self.filter(query.where))
            inner = " AND ".join(["s0.key = e0.key", *conditions])
            outer.append(f"EXISTS (SELECT 1 FROM entity s0 {' '.join(joins)} WHERE {inner})")
        elif query.where is not None:
            outer.append(self.filter(query.where))
        return "FROM entity e0" + (f" WHERE {' AND '.join(outer)}" if outer else "")

    def path_source(self) -> str:
        """`FROM entity e0 JOIN relationship r1 ... WHERE ...`: one row per matching path."""
        query = self.query
        joins, conditions = self.chain(query.steps, "e0.key", bind=True)
        where = [c for c in [self.node("e0", query.find)] if c] + conditions
        if query.where is not None:
            where.append(self.filter(query.where))
        return " ".join(["FROM entity e0", *joins] + ([f"WHERE {' AND '.join(where)}"] if where else []))

    def property_value(self, alias: str, name: str, as_json: bool) -> str:
        binding = self.resolve(Property(name, alias), None)
        return f"{binding.sql}.data {'->' if as_json else '->>'} {self.param(json_path(name))}"

    def order_columns(self, returns: dict[str, str]) -> tuple[list[str], str]:
        """Trailing sort columns (plain SQL values, so numbers sort as numbers) and the ORDER BY."""
        columns, terms = [], []
        for index, item in enumerate(self.query.order):
            if item.ref.name:
                expression = self.property_value(item.ref.alias or "", item.ref.name, as_json=False)
            elif item.ref.alias in returns:
                expression = returns[item.ref.alias]
            else:
                known = ", ".join(returns) or "none"
                raise J1QLError(f"ORDER BY {item.ref.alias}: not a returned column (returned: {known})")
            columns.append(f"{expression} AS o{index}")
            terms.append(f"o{index}{' DESC' if item.descending else ''}")
        return columns, (f" ORDER BY {', '.join(terms)}" if terms else "")

    def limit(self) -> str:
        query = self.query
        if query.limit is None and query.skip is None:
            return ""
        sql = f" LIMIT {self.param(query.limit if query.limit is not None else -1)}"
        return sql + (f" OFFSET {self.param(query.skip)}" if query.skip else "")

    def key_columns(self, aliases: list[str]) -> list[str]:
        tables = dict.fromkeys(self.resolve(Property("", a), None).sql for a in aliases)
        return [f"{table}.key" for table in tables]

    def entities(self, source: str) -> Compiled:
        order, order_by = self.order_columns({})
        select = ", ".join(["e0.data", *order])
        sql = f"SELECT {select} {source}{order_by}{self.limit()}"
        alias = self.query.find.alias or "entity"
        return Compiled(sql, self.param.values, "entities", [alias], ["json"])

    def rows(self, source: str, distinct: bool) -> Compiled:
        visible, decoders, sortable = [], [], {}
        for item in self.query.returns:
            if item.kind == "all":
                visible.append(f"{self.resolve(Property('', item.alias), None).sql}.data")
            else:
                assert item.prop is not None
                visible.append(self.property_value(item.alias, item.prop, as_json=True))
                sortable[item.column] = self.property_value(item.alias, item.prop, as_json=False)
            decoders.append("json")
        keys = self.key_columns([i.alias for i in self.query.returns]) if distinct else []
        order, order_by = self.order_columns(sortable)
        select = ", ".join(keys + visible + order)
        sql = f"SELECT {'DISTINCT ' if distinct else ''}{select} {source}{order_by}{self.limit()}"
        columns = [i.column for i in self.query.returns]
        return Compiled(sql, self.param.values, "rows", columns, decoders, hidden=len(keys))

    def aggregate(self, source: str, distinct: bool) -> Compiled:
        inner: list[str] = []
        outer: list[str] = []
        groups: list[str] = []
        sortable: dict[str, str] = {}
        decoders: list[str] = []
        referenced = [i.alias for i in self.query.returns]
        keys = self.key_columns(referenced) if distinct else ["e0.key"]
        key_of = {}
        for index, table in enumerate(dict.fromkeys(k.split(".")[0] for k in keys)):
            inner.append(f"{table}.key AS k{index}")
            key_of[table] = f"k{index}"
        for index, item in enumerate(self.query.returns):
            table = self.resolve(Property("", item.alias), None).sql
            if item.kind == "aggregate":
                if item.prop is None:
                    outer.append(f"COUNT(DISTINCT {key_of[table]}) AS a{index}")
                else:
                    inner.append(f"{self.property_value(item.alias, item.prop, as_json=False)} AS v{index}")
                    outer.append(f"{(item.function or 'count').upper()}(v{index}) AS a{index}")
                sortable[item.column] = f"a{index}"
                decoders.append("raw")
                continue
            if item.kind == "all":
                inner.append(f"{table}.data AS g{index}")
            else:
                assert item.prop is not None
                inner.append(f"{self.property_value(item.alias, item.prop, as_json=True)} AS g{index}")
                inner.append(f"{self.property_value(item.alias, item.prop, as_json=False)} AS s{index}")
                sortable[item.column] = f"s{index}"
            outer.append(f"g{index}")
            groups.append(f"g{index}")
            decoders.append("json")
        terms = [
            f"{self.aggregate_sort(item, sortable)}{' DESC' if item.descending else ''}"
            for item in self.query.order
        ]
        sub = f"SELECT {'DISTINCT ' if distinct else ''}{', '.join(inner)} {source}"
        sql = f"SELECT {', '.join(outer)} FROM ({sub})"
        if groups:
            sql += f" GROUP BY {', '.join(groups)}"
        if terms:
            sql += f" ORDER BY {', '.join(terms)}"
        sql += self.limit()
        columns = [i.column for i in self.query.returns]
        return Compiled(sql, self.param.values, "aggregate", columns, decoders)

    def aggregate_sort(self, item: OrderItem, sortable: dict[str, str]) -> str:
        """With aggregates, ORDER BY names a returned column, or the alias.prop of a grouped one."""
        column = item.ref.alias
        if item.ref.name:
            column = next(
                (
                    i.column
                    for i in self.query.returns
                    if (i.alias, i.prop) == (item.ref.alias, item.ref.name)
                ),
                f"{item.ref.alias}.{item.ref.name}",
            )
        if column not in sortable:
            known = ", ".join(sortable) or "none"
            raise J1QLError(f"ORDER BY {column}: with aggregates, order by a returned column ({known})")
        return sortable[str(column)]

    def tree(self, source: str) -> Compiled:
        tables = list(self.path_tables.items())
        keys = [f"{table}.key" for table, _ in tables]
        order, order_by = self.order_columns({})
        sql = f"SELECT DISTINCT {', '.join(keys + order)} {source}{order_by}{self.limit()}"
        return Compiled(
            sql, self.param.values, "tree", ["tree"], ["raw"], hidden=0, tree_kinds=[k for _, k in tables]
        )


def compile_query(query: Query, now_ms: int) -> Compiled:
    """Translate a parsed query; `now_ms` is what `date.now` means (epoch milliseconds)."""
    return _Compiler(query, now_ms).compile()
