"""J1QL text -> a small tree of dataclasses (the AST). No SQL here.

The grammar (grammar.lark) decides what is a query; this module only names the parts. Syntax
errors become J1QLSyntaxError, whose message shows the query, a caret under the position and what
the grammar expected there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from graph_aws.errors import J1QLError, J1QLSyntaxError

# ---------------------------------------------------------------------------------------------- AST


class Undefined:
    """The J1QL keyword `undefined`: a property that is missing."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = Undefined()

MILLIS_PER_UNIT = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 7 * 86_400_000,
    "mo": 30 * 86_400_000,  # J1 counts a month as 30 days and a year as 365
    "y": 365 * 86_400_000,
}


@dataclass(frozen=True)
class RelativeDate:
    """`date.now`, `date.now - 7days`: resolved to epoch milliseconds when the query runs."""

    offset_ms: int = 0


Value = str | int | float | bool | Undefined | RelativeDate


@dataclass(frozen=True)
class Target:
    """What a FIND or THAT names: any entity (`*`), or classes and types (`(User|aws_iam_role)`)."""

    names: tuple[str, ...] = ()  # empty: any entity

    @property
    def classes(self) -> tuple[str, ...]:
        # J1: a TitleCase name is a class, a snake_case one a type.
        return tuple(n for n in self.names if n[:1].isupper())

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(n for n in self.names if not n[:1].isupper())


@dataclass(frozen=True)
class Property:
    """A property of an alias; alias is None inside WITH (the entity being filtered)."""

    name: str
    alias: str | None = None


@dataclass(frozen=True)
class Comparison:
    prop: Property
    op: str  # = != < <= > >= ~= ^= $= !~= !^= !$=
    value: Value


@dataclass(frozen=True)
class RefComparison:
    left: Property
    op: str
    right: Property


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or
    items: tuple[Filter, ...]


@dataclass(frozen=True)
class Not:
    item: Filter


Filter = Comparison | RefComparison | BoolOp | Not


@dataclass(frozen=True)
class Node:
    target: Target
    alias: str | None = None
    filter: Filter | None = None


@dataclass(frozen=True)
class Hop:
    verbs: tuple[str, ...]  # upper case; empty: RELATES TO (any verb)
    node: Node
    negated: bool = False
    direction: str = "both"  # both | out (>>) | in (<<)
    rel_alias: str | None = None


@dataclass(frozen=True)
class OptionalHops:
    hops: tuple[Hop, ...]


Step = Hop | OptionalHops


@dataclass(frozen=True)
class ReturnItem:
    kind: str  # property | all | aggregate
    alias: str
    prop: str | None = None
    function: str | None = None  # count min max avg sum
    name: str | None = None  # AS name

    @property
    def column(self) -> str:
        if self.name:
            return self.name
        if self.kind == "all":
            return self.alias
        inner = f"{self.alias}.{self.prop}" if self.prop else self.alias
        return f"{self.function}({inner})" if self.function else inner


@dataclass(frozen=True)
class OrderItem:
    ref: Property  # alias None: a RETURN column name
    descending: bool = False


@dataclass(frozen=True)
class Query:
    find: Node
    steps: tuple[Step, ...] = ()
    where: Filter | None = None
    returns: tuple[ReturnItem, ...] = ()
    tree: bool = False
    order: tuple[OrderItem, ...] = ()
    skip: int | None = None
    limit: int | None = None
    text: str = field(default="", compare=False)


# ---------------------------------------------------------------------------------------------- parsing


@cache
def _parser() -> Lark:
    grammar = (Path(__file__).parent / "grammar.lark").read_text()
    return Lark(
        grammar, parser="lalr", lexer="contextual", propagate_positions=False, maybe_placeholders=False
    )


def parse(text: str) -> Query:
    """Parse a J1QL query; raise J1QLSyntaxError (with a caret) or J1QLError (a misused alias)."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as error:
        raise J1QLSyntaxError(_describe(text, error)) from None
    try:
        query: Query = _ToAst().transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, J1QLError):
            raise error.orig_exc from None
        raise
    return Query(**{**query.__dict__, "text": text})


_FRIENDLY = {
    "NAME": "a name",
    "BRACKETED": "a [bracketed name]",
    "QUALIFIED": "alias.[name]",
    "ALL_OF": "alias.*",
    "STRING": "a quoted string",
    "NUMBER": "a number",
    "DURATION": "a duration such as 7days",
    "COMPARATOR": "a comparison (= != < <= > >= ~= ^= $=)",
    "DIRECTION": ">> or <<",
    "DATE_NOW": "date.now",
    "AGGREGATE": "count( min( max( avg( sum(",
    "STAR": "*",
    "NEGATE": "!",
    "SIGN": "+ or -",
    "LPAR": "(",
    "RPAR": ")",
    "VBAR": "|",
    "COMMA": ",",
    "QMARK": "?",
    "$END": "the end of the query",
}


def _friendly(terminal: str) -> str:
    return _FRIENDLY.get(terminal, terminal if terminal.isupper() else terminal.lower())


def _describe(text: str, error: UnexpectedInput) -> str:
    """The query line, a caret under the error, and what the grammar would have accepted there."""
    if isinstance(error, UnexpectedEOF) or (
        isinstance(error, UnexpectedToken) and error.token.type == "$END"
    ):
        offset, found = len(text.rstrip()), "the end of the query"
    elif isinstance(error, UnexpectedToken):
        offset, found = error.token.start_pos or 0, repr(str(error.token))
    else:
        offset = getattr(error, "pos_in_stream", 0) or 0
        found = repr(text[offset : offset + 1])
    expected: set[str] = set()
    if isinstance(error, UnexpectedToken | UnexpectedEOF):
        expected = set(error.expected)
    elif isinstance(error, UnexpectedCharacters):
        expected = set(error.allowed or ())
    wanted = sorted({_friendly(t) for t in expected if not t.startswith("__")})
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    line_no = text.count("\n", 0, offset) + 1
    where = f"line {line_no}, column {offset - line_start + 1}"
    message = f"J1QL syntax error at {where}: unexpected {found}"
    if wanted:
        message += f"; expected {', '.join(wanted)}"
    return f"{message}\n  {line}\n  {' ' * (offset - line_start)}^"


# ---------------------------------------------------------------------------------------------- tree -> AST

_STRING_ESCAPES = re.compile(r"\\(.)", re.S)
_UNIT_SPELLINGS = {
    "ms": "ms millisecond milliseconds",
    "s": "s sec secs second seconds",
    "m": "m min mins minute minutes",
    "h": "h hr hrs hour hours",
    "d": "d day days",
    "w": "w week weeks",
    "mo": "month months",
    "y": "y yr yrs year years",
}
_UNITS = {spelling: unit for unit, spellings in _UNIT_SPELLINGS.items() for spelling in spellings.split()}


def _unquote(token: str) -> str:
    return _STRING_ESCAPES.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), token[1:-1])


def _number(token: str) -> int | float:
    return float(token) if any(c in token for c in ".eE") else int(token)


def _split_ref(token: Token) -> Property:
    """`a.tag.Owner` -> alias a, property tag.Owner; `a.[x-y]` -> alias a, property x-y; `a` -> alias a."""
    text = str(token)
    if token.type == "QUALIFIED":
        alias, _, bracketed = text.partition(".")
        return Property(bracketed[1:-1], alias)
    alias, _, prop = text.partition(".")
    return Property(prop, alias)


def _combine(prop: Property, op: str, values: list[Value], joiner: str) -> Filter:
    """J1's shorthand `x = ('a' or 'b')`: one comparison per value, joined as written."""
    return BoolOp(joiner, tuple(Comparison(prop, op, v) for v in values))


@v_args(inline=True)
class _ToAst(Transformer[Token, Any]):
    # ---- values
    def string(self, token: Token) -> str:
        return _unquote(str(token))

    def number(self, token: Token) -> int | float:
        return _number(str(token))

    def true(self, _: Token) -> bool:
        return True

    def false(self, _: Token) -> bool:
        return False

    def undefined(self, _: Token) -> Undefined:
        return UNDEFINED

    def now(self, _: Token) -> RelativeDate:
        return RelativeDate(0)

    def relative_date(self, _: Token, sign: Token, duration: Token) -> RelativeDate:
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]+)", str(duration).lower())
        assert match is not None  # the DURATION terminal guarantees the shape
        millis = int(float(match.group(1)) * MILLIS_PER_UNIT[_UNITS[match.group(2)]])
        return RelativeDate(millis if str(sign) == "+" else -millis)

    # ---- targets, aliases, nodes
    def any_target(self, _: Token) -> Target:
        return Target()

    def one_target(self, name: Token) -> Target:
        return Target((str(name),))

    def alt_targets(self, *names: Token) -> Target:
        return Target(tuple(str(n) for n in names))

    def alias(self, _: Token, name: Token) -> str:
        return str(name)

    def find(self, _: Token, target: Target, *rest: Any) -> Node:
        aliases = [r for r in rest if isinstance(r, str)]
        where = next((r for r in rest if not isinstance(r, str)), None)
        return Node(target, _one_alias(aliases), where)

    def with_clause(self, _: Token, expr: Filter) -> Filter:
        return expr

    # ---- traversals
    def one_verb(self, name: Token) -> tuple[str, ...]:
        return (str(name).upper(),)

    def alt_verbs(self, *names: Token) -> tuple[str, ...]:
        return tuple(str(n).upper() for n in names)

    def any_verb(self, *_: Token) -> tuple[str, ...]:
        return ()

    def hop(self, *parts: Any) -> Hop:
        negated, direction = False, "both"
        aliases: list[str | None] = []
        verbs: tuple[str, ...] = ()
        target, where = Target(), None
        for part in parts:
            if isinstance(part, Token):
                if part.type == "NEGATE":
                    negated = True
                elif part.type == "DIRECTION":
                    direction = "out" if str(part) == ">>" else "in"
            elif isinstance(part, tuple):
                verbs = part
            elif isinstance(part, Target):
                target = part
                aliases.append(None)  # marks the boundary: aliases before it name the relationship
            elif isinstance(part, str):
                aliases.append(part)
            else:
                where = part
        boundary = aliases.index(None)
        rel_alias = aliases[0] if boundary == 1 else None
        node_alias = _one_alias(aliases[boundary + 1 :])
        return Hop(verbs, Node(target, node_alias, where), negated, direction, rel_alias)

    def step(self, hop: Hop) -> Hop:
        return hop

    def optional_hops(self, *hops: Hop) -> OptionalHops:
        if any(h.negated for h in hops):
            raise J1QLError(
                "a negated traversal (!VERB) cannot be optional: (that !VERB ...)? matches everything"
            )
        return OptionalHops(tuple(hops))

    # ---- filters
    def or_(self, left: Filter, _: Token, right: Filter) -> Filter:
        return BoolOp("or", (left, right))

    def and_(self, left: Filter, _: Token, right: Filter) -> Filter:
        return BoolOp("and", (left, right))

    def not_(self, _: Token, item: Filter) -> Filter:
        return Not(item)

    def property(self, token: Token) -> Property:
        text = str(token)
        return Property(text[1:-1] if token.type == "BRACKETED" else text)

    def comparison(self, prop: Property, op: Token, value: Value) -> Comparison:
        return Comparison(prop, str(op), value)

    def any_of(self, prop: Property, op: Token, *values: Any) -> Filter:
        return _combine(prop, str(op), [v for v in values if not isinstance(v, Token)], "or")

    def all_of(self, prop: Property, op: Token, *values: Any) -> Filter:
        return _combine(prop, str(op), [v for v in values if not isinstance(v, Token)], "and")

    def where_clause(self, _: Token, expr: Filter) -> Filter:
        return expr

    def ref(self, token: Token) -> Property:
        return _split_ref(token)

    def w_comparison(self, ref: Property, op: Token, value: Value) -> Comparison:
        return Comparison(ref, str(op), value)

    def ref_comparison(self, left: Property, op: Token, right: Property) -> RefComparison:
        return RefComparison(left, str(op), right)

    w_any_of = any_of
    w_all_of = all_of

    # ---- RETURN, ORDER BY, SKIP, LIMIT
    def return_tree(self, *_: Token) -> str:
        return "tree"

    def return_clause(self, _: Token, *items: ReturnItem) -> tuple[ReturnItem, ...]:
        return items

    def return_ref(self, ref: Property, name: str | None = None) -> ReturnItem:
        if not ref.name:
            raise J1QLError(
                f"RETURN {ref.alias}: name a property ({ref.alias}.name) or all of them ({ref.alias}.*)"
            )
        return ReturnItem("property", ref.alias or "", ref.name, name=name)

    def return_all(self, token: Token) -> ReturnItem:
        return ReturnItem("all", str(token)[:-2])

    def return_aggregate(self, function: Token, ref: Property, name: str | None = None) -> ReturnItem:
        fn = str(function).lower()
        if fn != "count" and not ref.name:
            raise J1QLError(f"{fn}({ref.alias}) needs a property, such as {fn}({ref.alias}.size)")
        return ReturnItem("aggregate", ref.alias or "", ref.name or None, fn, name)

    def order_item(self, ref: Property, direction: Token | None = None) -> OrderItem:
        # A bare name (`ORDER BY value`) arrives as alias `value` without a property: a RETURN column.
        return OrderItem(ref, direction is not None and str(direction).lower() == "desc")

    def order_clause(self, _order: Token, _by: Token, *items: OrderItem) -> tuple[OrderItem, ...]:
        return items

    def skip_clause(self, _: Token, number: Token) -> tuple[str, int]:
        return ("skip", _count(number, "SKIP"))

    def limit_clause(self, _: Token, number: Token) -> tuple[str, int]:
        return ("limit", _count(number, "LIMIT"))

    def start(self, find: Node, *parts: Any) -> Query:
        fields: dict[str, Any] = {"find": find}
        steps: list[Step] = []
        for part in parts:
            if isinstance(part, Hop | OptionalHops):
                steps.append(part)
            elif part == "tree":
                fields["tree"] = True
            elif isinstance(part, tuple) and part and isinstance(part[0], ReturnItem):
                fields["returns"] = part
            elif isinstance(part, tuple) and part and isinstance(part[0], OrderItem):
                fields["order"] = part
            elif isinstance(part, tuple) and part and part[0] in ("skip", "limit"):
                fields[part[0]] = part[1]
            else:
                fields["where"] = part
        return Query(steps=tuple(steps), **fields)


def _one_alias(aliases: Sequence[str | None]) -> str | None:
    if len(aliases) > 1:
        raise J1QLError(f"one entity has two aliases ({' and '.join(map(str, aliases))}); keep one AS")
    return aliases[0] if aliases else None


def _count(token: Token, clause: str) -> int:
    value = _number(str(token))
    if not isinstance(value, int) or value < 0:
        raise J1QLError(f"{clause} takes a whole number of rows, 0 or more; got {token}")
    return value
