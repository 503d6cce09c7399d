"""The AST of a J1QL query -> one SQL statement over the merged graph tables, and its parameters.

Tables read: entity(key, type, data), entity_class(class, key), relationship(key, type, class,
from_key, to_key, data), entity_text (the full-text index). Safety: every value and every property
path is a bound parameter; the only text this module writes into SQL is its own keywords and its own
table aliases (e1, r2, ...), so nothing of a query can reach the statement beyond what the grammar
let through as a value. SQL that differs between SQLite and PostgreSQL comes from dialect.py; filters
from filters.py.

Shapes of statement, by what the query returns:
  entities   no RETURN: the first FIND's entities, `SELECT e0.data FROM entity e0 WHERE ... AND
             EXISTS (path)` -- a semi-join, so each entity comes once and rows stream in order.
  rows       RETURN of properties: one row per distinct combination of the aliases it names; when
             it names only the first FIND's alias the semi-join shape is kept. UNIQUE: one row per
             distinct combination of the returned values. On PostgreSQL, when the RETURN names every
             entity of the path (and no relationship), each hop is a LATERAL subquery of the distinct
             far keys of its near entity: rows are then distinct by construction, with no DISTINCT
             over the whole result, which PostgreSQL answers by reading every match before LIMIT.
  aggregate  COUNT/MIN/MAX/AVG/SUM over those distinct rows, grouped by the plain items beside them.
  tree       the keys of every entity and relationship on the matching paths (run.py loads them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from graph_aws.errors import J1QLError
from graph_aws.query.ast import INT64_MAX, Hop, Node, OptionalHops, OrderItem, Property, Query, Step
from graph_aws.query.dialect import SQLITE, SqliteDialect
from graph_aws.query.filters import Binding, FilterCompiler
from graph_aws.query.parser import parse

MAX_JOINED = 64  # tables in one join: SQLite's limit, kept on PostgreSQL so that both answer alike


class _NotDistinct(Exception):
    """The lateral shape would not give distinct rows for this query: compile it with DISTINCT."""


@dataclass
class Compiled:
    sql: str
    params: list[Any]
    kind: str  # entities | rows | aggregate | tree
    columns: list[str]
    decoders: list[str]  # per visible column: json (JSON text to decode) or raw
    hidden: int = 0  # leading columns that are only there for DISTINCT (keys), dropped from rows
    tree_kinds: list[str] = field(default_factory=list)  # tree: entity | relationship per column
    checks: list[str] = field(
        default_factory=list
    )  # columns after the visible ones: a count > 0 is this error
    limit: int | None = None  # rows of the page; the statement asks for one more, to tell if there are
    skip: int = 0


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


@dataclass
class Options:
    now_ms: int
    params: Mapping[str, Any] = field(default_factory=dict)
    smart_classes: Mapping[str, str] = field(default_factory=dict)
    default_limit: int | None = None  # rows when the query has no LIMIT (J1: 250); None: all
    dialect: SqliteDialect = SQLITE


class _Compiler:
    def __init__(
        self,
        query: Query,
        options: Options,
        param: _Params | None = None,
        smart: tuple[str, ...] = (),
        lateral: bool = False,
    ):
        self.query = query
        self.lateral = lateral  # hops as LATERAL subqueries of far keys (see the module's docstring)
        self.hidden: set[str] = set()  # relationship tables inside those subqueries, not joined
        self.options = options
        self.d = options.dialect
        self.param = param or _Params()
        self.smart_stack = smart  # smart classes being expanded, to refuse a definition that uses itself
        self.bindings: dict[str, Binding] = {}
        self.unreachable: set[str] = set()  # aliases inside a negated traversal
        self.path_tables: dict[str, str] = {"e0": "entity"}  # every table on the path, for RETURN TREE
        self._counter = 0
        self._check_messages: list[str] = []  # aggregate: what each trailing check column means
        self.filters = FilterCompiler(
            self.d, self.param, self.fresh, self.resolve, options.now_ms, options.params
        )

    def fresh(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    # ------------------------------------------------------------------ aliases

    def bind(self, name: str | None, binding: Binding, implicit: str | None = None) -> None:
        if name is not None:
            if name in self.bindings or name in self.unreachable:
                raise J1QLError(f"the alias {name!r} is used twice; give each entity its own AS name")
            self.bindings[name] = binding
        elif implicit and implicit not in self.bindings:
            # J1 lets a query name an entity by its type or class, a relationship by its verb.
            self.bindings[implicit] = binding

    def resolve(self, prop: Property, default: Binding | None) -> Binding:
        if prop.alias is None:
            assert default is not None
            return default
        if prop.alias in self.bindings:
            if self.bindings[prop.alias].sql in self.hidden:
                raise _NotDistinct  # a relationship is named: it must be joined, not hidden
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

    # ------------------------------------------------------------------ entities and hops

    def node(self, table: str, node: Node) -> str:
        """The target (types, classes, smart classes, any), search and WITH filter of one entity."""
        parts = []
        targets = []
        target = node.target
        if target.types:
            targets.append(f"{table}.type IN ({', '.join(self.param(t) for t in target.types)})")
        if target.classes:
            names = ", ".join(self.param(c) for c in target.classes)
            targets.append(f"{table}.key IN (SELECT key FROM entity_class WHERE class IN ({names}))")
        targets += [self.smart_class(table, name) for name in target.smart]
        if targets:
            parts.append(targets[0] if len(targets) == 1 else f"({' OR '.join(targets)})")
        parts += [self.smart_class(table, name) for name in node.within]
        if node.search is not None:
            words = self.d.search_words(node.search)
            if not words:
                raise J1QLError(f"the search {node.search!r} has no word to look for (a letter or a digit)")
            parts.append(self.d.search(table, self.param(self.d.search_match(words))))
        if node.filter is not None:
            parts.append(self.filters.filter(node.filter, Binding(table, "entity")))
        return " AND ".join(parts)

    def smart_class(self, table: str, name: str) -> str:
        """`#Name`: the entities its [smart-classes] query finds; nothing when it is not defined."""
        definition = self.options.smart_classes.get(name)
        if definition is None:
            return "FALSE"
        if name in self.smart_stack:
            raise J1QLError(f"the smart class #{name} is defined with itself: {definition}")
        try:
            query = parse(definition)
        except J1QLError as error:
            raise J1QLError(
                f"the smart class #{name} is not valid J1QL: {str(error).splitlines()[0]}"
            ) from None
        if query.returns or query.tree or query.order or query.skip is not None or query.limit is not None:
            raise J1QLError(
                f"the smart class #{name} is a FIND ... query without RETURN, ORDER, SKIP or LIMIT"
            )
        inner = _Compiler(query, self.options, self.param, (*self.smart_stack, name))
        inner.bind(query.find.alias, Binding("e0", "entity"), query.find.target.implicit_alias)
        return f"{table}.key IN (SELECT e0.key {inner.semi_join_source()})"

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
        if hop.rel_filter is not None:
            condition += f" AND {self.filters.filter(hop.rel_filter, Binding(table, 'relationship'))}"
        return condition, far

    def chain(
        self, steps: tuple[Step, ...], near: str, bind: bool, lateral: bool = False
    ) -> tuple[list[str], list[str]]:
        """JOINs that walk `steps` from the entity key `near`, and the conditions they add; with
        `lateral`, each hop joins the distinct far keys of its near entity, its relationship hidden."""
        joins: list[str] = []
        conditions: list[str] = []
        for index, step in enumerate(steps):
            if isinstance(step, OptionalHops):
                trailing = index == len(steps) - 1
                near = self.optional(
                    step, near, joins, conditions, bind, union=not trailing or bool(step.alias)
                )
                continue
            if step.negated:
                # "has no such path": the hop and everything after it go inside NOT EXISTS.
                rest = (replace(step, negated=False), *steps[index + 1 :])
                self.mark_unreachable(rest)
                conditions.append(f"NOT {self.exists(near, None, rest)}")
                break
            if len(joins) + 3 > MAX_JOINED:
                raise J1QLError(
                    f"the query traverses more relationships than the store joins at once (at most "
                    f"{MAX_JOINED} tables in a join, two per hop); split it"
                )
            rel, ent = self.fresh("r"), self.fresh("e")
            condition, far = self.relationship(rel, step, near)
            if lateral:
                keys = self.fresh("h")
                joins.append(
                    f"JOIN LATERAL (SELECT DISTINCT {far} AS key FROM relationship {rel} "
                    f"WHERE {condition}) AS {keys} ON TRUE"
                )
                far = f"{keys}.key"
                self.hidden.add(rel)
            else:
                joins.append(f"JOIN relationship {rel} ON {condition}")
            node_sql = self.node(ent, step.node)
            joins.append(f"JOIN entity {ent} ON {ent}.key = {far}" + (f" AND {node_sql}" if node_sql else ""))
            if bind:
                self.bind_hop(step, rel, ent)
            near = f"{ent}.key"
        return joins, conditions

    def bind_hop(self, hop: Hop, rel: str, ent: str) -> None:
        self.path_tables.update({rel: "relationship", ent: "entity"})
        self.bind(hop.rel_alias, Binding(rel, "relationship"), hop.verbs[0] if len(hop.verbs) == 1 else None)
        self.bind(hop.node.alias, Binding(ent, "entity"), hop.node.target.implicit_alias)

    def optional(
        self, group: OptionalHops, near: str, joins: list[str], conditions: list[str], bind: bool, union: bool
    ) -> str:
        """`(that ...)?`: its entities when the group matches, nothing lost when it does not. What
        follows the group (and its `AS` alias) goes on from J1's combined results, the entities
        before the group and those at its end: then each row is taken twice (side 0: the group
        skipped; side 1: the group taken, kept only when it matched). A relationship joins only when
        the whole rest of the group exists beyond it, so a half-matched group leaves no half row."""
        start, side = near, self.fresh("o")
        if union:
            joins.append(f"JOIN {self.d.both_sides(side)} ON 1 = 1")
        last = ""
        for index, hop in enumerate(group.hops):
            rel, ent = self.fresh("r"), self.fresh("e")
            condition, far = self.relationship(rel, hop, near)
            rest = self.exists(far, hop.node, group.hops[index + 1 :])
            taken = f"{side}.side = 1 AND " if index == 0 and union else ""
            joins.append(f"LEFT JOIN relationship {rel} ON {taken}{condition} AND {rest}")
            joins.append(f"LEFT JOIN entity {ent} ON {ent}.key = {far}")
            if bind:
                self.bind_hop(hop, rel, ent)
            near, last = f"{ent}.key", ent
        if union:
            conditions.append(f"({side}.side = 0 OR {last}.key IS NOT NULL)")
        current = f"COALESCE({near}, {start})"
        if group.alias is None:
            return current
        either = self.fresh("e")  # `(...)? AS x`: x is whichever entity the row goes on from
        joins.append(f"JOIN entity {either} ON {either}.key = {current}")
        if bind:
            self.path_tables[either] = "entity"
            self.bind(group.alias, Binding(either, "entity"))
        return f"{either}.key"

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
        self.bind(query.find.alias, Binding("e0", "entity"), query.find.target.implicit_alias)
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
        if self.lateral_applies(semi_join):
            try:
                return _Compiler(query, self.options, lateral=True).compile()
            except _NotDistinct:
                pass  # this compiler's own state is untouched: go on with DISTINCT
        return self.rows(source, distinct=not semi_join)

    def lateral_applies(self, semi_join: bool) -> bool:
        """Worth trying the lateral shape: PostgreSQL, rows of a path of plain hops, not UNIQUE."""
        return (
            self.d.lateral_hops
            and not self.lateral
            and not semi_join
            and not self.query.unique
            and all(isinstance(step, Hop) for step in self.query.steps)
        )

    def semi_join_source(self) -> str:
        """`FROM entity e0 WHERE <first FIND> AND EXISTS (<the rest of the path and WHERE>)`."""
        query = self.query
        outer = [c for c in [self.node("e0", query.find)] if c]
        if query.steps:
            joins, conditions = self.chain(query.steps, "s0.key", bind=True)
            if query.where is not None:
                conditions.append(self.filters.filter(query.where))
            inner = " AND ".join(["s0.key = e0.key", *conditions])
            outer.append(f"EXISTS (SELECT 1 FROM entity s0 {' '.join(joins)} WHERE {inner})")
        elif query.where is not None:
            outer.append(self.filters.filter(query.where))
        return "FROM entity e0" + (f" WHERE {' AND '.join(outer)}" if outer else "")

    def path_source(self) -> str:
        """`FROM entity e0 JOIN relationship r1 ... WHERE ...`: one row per matching path."""
        query = self.query
        joins, conditions = self.chain(query.steps, "e0.key", bind=True, lateral=self.lateral)
        where = [c for c in [self.node("e0", query.find)] if c] + conditions
        if query.where is not None:
            where.append(self.filters.filter(query.where))
        return " ".join(["FROM entity e0", *joins] + ([f"WHERE {' AND '.join(where)}"] if where else []))

    def property_value(self, alias: str, name: str, as_json: bool) -> str:
        binding = self.resolve(Property(name, alias), None)
        path = self.param(self.d.path(name))
        return self.d.json(binding.sql, path) if as_json else self.d.value(binding.sql, path)

    def order_columns(self, returns: dict[str, str]) -> tuple[list[str], str]:
        """Trailing sort columns (plain SQL values, so numbers sort as numbers) and the ORDER BY."""
        columns, terms = [], []
        for index, item in enumerate(self.query.order):
            name = item.column if item.column is not None else item.ref.alias
            if item.ref.name:
                expression = self.property_value(item.ref.alias or "", item.ref.name, as_json=False)
            elif name in returns:
                expression = returns[str(name)]
            else:
                known = ", ".join(returns) or "none"
                raise J1QLError(f"ORDER BY {name}: not a returned column (returned: {known})")
            for part, key in enumerate(self.d.sort_keys(expression)):
                name = f"o{index}" + (f"_{part}" if part else "")
                columns.append(f"{key} AS {name}")
                terms.append(self.d.order_term(name, item.descending))
        return columns, (f" ORDER BY {', '.join(terms)}" if terms else "")

    def limit(self) -> str:
        """The page: LIMIT (one row more than asked, to know whether there are more) and SKIP."""
        limit = self.page_size()
        asked = None if limit is None else self.param(limit + 1 if limit < INT64_MAX else limit)
        return self.d.limit(asked, self.param(self.query.skip) if self.query.skip else None)

    def page_size(self) -> int | None:
        return self.query.limit if self.query.limit is not None else self.options.default_limit

    def finish(self, compiled: Compiled) -> Compiled:
        compiled.limit, compiled.skip = self.page_size(), self.query.skip or 0
        return compiled

    def key_columns(self, aliases: list[str]) -> list[str]:
        tables = dict.fromkeys(self.resolve(Property("", a), None).sql for a in aliases)
        return [f"{table}.key" for table in tables]

    def entities(self, source: str) -> Compiled:
        order, order_by = self.order_columns({})
        select = ", ".join(["e0.data", *order])
        sql = f"SELECT {select} {source}{order_by}{self.limit()}"
        alias = self.query.find.alias or "entity"
        return self.finish(Compiled(sql, self.param.values, "entities", [alias], ["json"]))

    def rows(self, source: str, distinct: bool) -> Compiled:
        visible, decoders, sortable = [], [], {}
        for item in self.query.returns:
            if item.kind == "all":
                visible.append(f"{self.resolve(Property('', item.alias), None).sql}.data")
                sortable[item.column] = visible[-1]
            else:
                assert item.prop is not None
                visible.append(self.property_value(item.alias, item.prop, as_json=True))
                sortable[item.column] = self.property_value(item.alias, item.prop, as_json=False)
            decoders.append("json")
        unique = self.query.unique
        keys = self.key_columns([i.alias for i in self.query.returns]) if distinct and not unique else []
        order, order_by = self.order_columns(sortable)
        select = ", ".join(keys + visible + order)
        keyword = "DISTINCT " if distinct or unique else ""
        if self.lateral:
            # Distinct by construction only when the rows are keyed by every entity of the path.
            on_path = {table for table, kind in self.path_tables.items() if kind == "entity"}
            if {key.split(".")[0] for key in keys} != on_path:
                raise _NotDistinct
            keyword = ""
        sql = f"SELECT {keyword}{select} {source}{order_by}{self.limit()}"
        columns = [i.column for i in self.query.returns]
        return self.finish(Compiled(sql, self.param.values, "rows", columns, decoders, hidden=len(keys)))

    def aggregate(self, source: str, distinct: bool) -> Compiled:
        inner: list[str] = []
        outer: list[str] = []
        checks: list[str] = []
        groups: list[str] = []
        sortable: dict[str, list[str]] = {}
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
                    value = f"v{index}"
                    inner.append(f"{self.property_value(item.alias, item.prop, as_json=False)} AS {value}")
                    function = (item.function or "count").upper()
                    if function in ("SUM", "AVG"):
                        # SQLite adds text as 0: a property that is not a number is an error, not 0.0.
                        number = f"CASE WHEN {self.d.typeof_number(value)} THEN {self.d.as_number(value)} END"
                        outer.append(f"{function}({number}) AS a{index}")
                        checks.append(
                            f"SUM(CASE WHEN {self.d.typeof_other(value)} THEN 1 ELSE 0 END) AS c{len(checks)}"
                        )
                        self._check_messages.append(
                            f"{item.column} adds numbers, but {item.alias}.{item.prop} holds text or lists "
                            "in some rows; filter them out with WITH or WHERE"
                        )
                    elif function in ("MIN", "MAX"):
                        outer.append(f"{self.d.min_max(function, value)} AS a{index}")
                    else:
                        outer.append(f"{function}({value}) AS a{index}")
                sortable[item.column] = [f"a{index}"]
                extreme = item.prop is not None and (item.function or "").upper() in ("MIN", "MAX")
                decoders.append(self.d.min_max_decoder() if extreme else "raw")
                continue
            if item.kind == "all":
                inner.append(f"{table}.data AS g{index}")
                sortable[item.column] = self.d.sort_keys(f"g{index}")
            else:
                assert item.prop is not None
                inner.append(f"{self.property_value(item.alias, item.prop, as_json=True)} AS g{index}")
                inner.append(f"{self.property_value(item.alias, item.prop, as_json=False)} AS s{index}")
                sortable[item.column] = self.d.sort_keys(self.d.grouped_sort(f"g{index}", f"s{index}"))
            outer.append(f"g{index}")
            groups.append(f"g{index}")
            decoders.append("json")
        terms = [
            self.d.order_term(key, item.descending)
            for item in self.query.order
            for key in self.aggregate_sort(item, sortable)
        ]
        sub = f"SELECT {'DISTINCT ' if distinct else ''}{', '.join(inner)} {source}"
        sql = f"SELECT {', '.join(outer + checks)} FROM ({sub}) AS found"
        if groups:
            sql += f" GROUP BY {', '.join(groups)}"
        if terms:
            sql += f" ORDER BY {', '.join(terms)}"
        sql += self.limit()
        columns = [i.column for i in self.query.returns]
        compiled = Compiled(
            sql, self.param.values, "aggregate", columns, decoders, checks=self._check_messages
        )
        return self.finish(compiled)

    def aggregate_sort(self, item: OrderItem, sortable: dict[str, list[str]]) -> list[str]:
        """With aggregates, ORDER BY names a returned column, or the alias.prop of a grouped one."""
        column = item.column if item.column is not None else item.ref.alias
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
        compiled = Compiled(
            sql, self.param.values, "tree", ["tree"], ["raw"], hidden=0, tree_kinds=[k for _, k in tables]
        )
        return self.finish(compiled)


def compile_query(query: Query, options: Options) -> Compiled:
    """Translate a parsed query (options: when `date.now` is, parameters, smart classes, page size)."""
    return _Compiler(query, options).compile()
