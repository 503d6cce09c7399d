"""J1QL text -> the AST of ast.py. No SQL here.

The grammar (grammar.lark) decides what is a query; this module names the parts and checks what a
grammar cannot: numbers within range, regular expressions within JupiterOne's subset, one alias per
entity. Syntax errors become J1QLSyntaxError (diagnose.py writes the message: the query, a caret,
what was expected there, and a hint); the rest J1QLError, one line each.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedInput, VisitError

from graph_aws.errors import J1QLError, J1QLSyntaxError
from graph_aws.query.ast import (
    INT64_MAX,
    MILLIS_PER_UNIT,
    UNDEFINED,
    BoolOp,
    Comparison,
    Filter,
    Hop,
    Node,
    Not,
    OptionalHops,
    OrderItem,
    Param,
    Property,
    Query,
    RefComparison,
    Regex,
    RelativeDate,
    ReturnItem,
    Step,
    Target,
    Undefined,
    Value,
    ValueSet,
)
from graph_aws.query.diagnose import describe

MAX_LENGTH = 2_000_000  # characters: ten thousand terms fit many times over
MAX_NESTING = 64  # parentheses: deeper is a mistake or an attack, and Python's stack is finite


@cache
def _parser() -> Lark:
    grammar = (Path(__file__).parent / "grammar.lark").read_text()
    return Lark(
        grammar, parser="lalr", lexer="contextual", propagate_positions=False, maybe_placeholders=False
    )


def parse(text: str) -> Query:
    """Parse a J1QL query; raise J1QLSyntaxError (with a caret) or J1QLError (a misused part)."""
    _check_size(text)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as error:
        raise J1QLSyntaxError(describe(text, error)) from None
    try:
        query: Query = _ToAst().transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, J1QLError):
            raise error.orig_exc from None
        raise
    except RecursionError:
        raise J1QLError("the query nests too deeply to read") from None
    return Query(**{**query.__dict__, "text": text})


def _check_size(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise J1QLError(f"the query is {len(text):,} characters long; at most {MAX_LENGTH:,} are read")
    depth = deepest = 0
    quote = ""
    escaped = False
    for char in text:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    if deepest > MAX_NESTING:
        raise J1QLError(f"the query nests parentheses {deepest} deep; at most {MAX_NESTING} are read")


# ---------------------------------------------------------------------------------------------- values

_STRING_ESCAPES = re.compile(r"\\(.)", re.S)
_UNIT_SPELLINGS = {
    "ms": "ms millisecond milliseconds",
    "s": "s sec secs second seconds",
    "m": "m min mins minute minutes",
    "h": "h hr hrs hour hours",
    "d": "d day days",
    "w": "w week weeks",
    "mo": "mo mos month months",
    "y": "y yr yrs year years",
}
_UNITS = {spelling: unit for unit, spellings in _UNIT_SPELLINGS.items() for spelling in spellings.split()}
_REGEX_ESCAPES = set("dDwWsS")
MAX_REGEX_REPEATS = 4  # unbounded repetitions (* + {n,}) in one pattern: bounds backtracking


def _unquote(token: str) -> str:
    return _STRING_ESCAPES.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), token[1:-1])


def _number(token: str) -> int | float:
    if any(c in token for c in ".eE"):
        value = float(token)
        if value in (float("inf"), float("-inf")):
            raise J1QLError(f"the number {token} is beyond the range of a 64-bit float")
        return value
    number = int(token)
    if not -INT64_MAX - 1 <= number <= INT64_MAX:
        raise J1QLError(
            f"the number {token} is beyond the range of a 64-bit integer (±{INT64_MAX:,}); "
            "write it with a decimal point to compare it as a float"
        )
    return number


def _static_date(token: str) -> int:
    """`date(2019-10-30)`, `date(2019-10-30T12:00:00Z)`: epoch milliseconds, UTC unless a zone is given."""
    inner = token[token.index("(") + 1 : -1].strip()
    padded = inner + {4: "-01-01", 7: "-01"}.get(len(inner), "")
    try:
        moment = datetime.fromisoformat(padded.replace("Z", "+00:00"))
    except ValueError:
        raise J1QLError(
            f"{token}: not an ISO 8601 date (date(YYYY), date(YYYY-MM-DD), date(YYYY-MM-DDThh:mm:ssZ))"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _regex(token: str) -> Regex:
    """A /pattern/flags within what JupiterOne documents: classes, \\d \\w \\s and their negations,
    quantifiers; no groups, alternation or anchors (combine comparisons with OR, use ^= and $=)."""
    end = token.rindex("/")
    pattern, flags = token[1:end], token[end + 1 :]
    if set(flags) - {"i"}:
        raise J1QLError(f"{token}: the only regular expression flag is i (ignore case)")
    in_class, repeats, index = False, 0, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            following = pattern[index + 1 : index + 2]
            if following.isalnum() and following not in _REGEX_ESCAPES:
                raise J1QLError(f"{token}: \\{following} is not supported (only \\d \\D \\w \\W \\s \\S)")
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 2 if pattern[index + 1 : index + 2] in ("]", "^") else 1
            continue
        elif char in "()|":
            raise J1QLError(
                f"{token}: groups and alternation are not supported in J1QL regular expressions; "
                "combine several comparisons with OR"
            )
        elif char in "^$":
            raise J1QLError(
                f"{token}: anchors are not supported in J1QL regular expressions; use ^= /x/ or $= /x/"
            )
        elif char in "*+" or (char == "{" and re.match(r"\{\d+,\}", pattern[index:])):
            repeats += 1
        index += 1
    if repeats > MAX_REGEX_REPEATS:
        raise J1QLError(f"{token}: at most {MAX_REGEX_REPEATS} unbounded repetitions (* + {{n,}})")
    try:
        re.compile(pattern)
    except re.error as error:
        raise J1QLError(f"{token}: not a valid regular expression ({error})") from None
    return Regex(pattern, ignore_case="i" in flags)


def _param_name(token: str) -> str:
    return re.sub(r"^(\{\{|\$\{\s*param\.)|(\}\}|\})$", "", token).strip()


# ---------------------------------------------------------------------------------------------- tree -> AST


@dataclass(frozen=True)
class _Selector:
    target: Target
    search: str | None = None
    within: tuple[str, ...] = ()


@dataclass(frozen=True)
class _RelSpec:
    alias: str | None = None
    filter: Filter | None = None


def _split_ref(token: Token) -> Property:
    """`a.tag.Owner` -> alias a, property tag.Owner; `a.[x-y]` -> alias a, property x-y; `a` -> alias a."""
    text = str(token)
    if token.type == "QUALIFIED":
        alias, _, bracketed = text.partition(".")
        return Property(bracketed[1:-1], alias)
    alias, _, prop = text.partition(".")
    return Property(prop, alias)


def _values(items: Sequence[Any]) -> tuple[Value, ...]:
    return tuple(v for v in items if not isinstance(v, Token))


def _shorthand(values: tuple[Value, ...], mode: str) -> Value:
    return values[0] if len(values) == 1 else ValueSet(values, mode)


def _bool(op: str, items: Sequence[Any]) -> Filter:
    parts = tuple(i for i in items if not isinstance(i, Token))
    flat: list[Filter] = []
    for part in parts:  # (a OR b) OR c reads as one list: OR is associative
        flat.extend(part.items if isinstance(part, BoolOp) and part.op == op else (part,))
    return BoolOp(op, tuple(flat))


def _negate(items: Sequence[Any]) -> Filter:
    nots = sum(1 for i in items if isinstance(i, Token))
    inner: Filter = items[-1]
    return Not(inner) if nots % 2 else inner


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
        millis = float(match.group(1)) * MILLIS_PER_UNIT[_UNITS[match.group(2)]]
        if millis > INT64_MAX / 4:  # date.now plus or minus it must stay a 64-bit integer
            raise J1QLError(f"date.now {sign} {duration}: the duration is beyond any date")
        return RelativeDate(int(millis) if str(sign) == "+" else -int(millis))

    def static_date(self, token: Token) -> int:
        return _static_date(str(token))

    def regex(self, token: Token) -> Regex:
        return _regex(str(token))

    def param(self, token: Token) -> Param:
        return Param(_param_name(str(token)))

    # ---- targets, aliases, nodes
    def any_target(self, _: Token) -> Target:
        return Target()

    def target_name(self, token: Token) -> Token:
        return token

    def one_target(self, name: Token) -> Target:
        return self.alt_targets(name)

    def alt_targets(self, *names: Token) -> Target:
        plain = tuple(str(n) for n in names if n.type == "NAME")
        smart = tuple(str(n)[1:] for n in names if n.type == "SMART")
        return Target(plain, smart)

    def selector(self, target: Target) -> _Selector:
        return _Selector(target)

    def search(self, token: Token) -> _Selector:
        return _Selector(Target(), search=_unquote(str(token)))

    def smart_within(self, smart: Token, name: Token) -> _Selector:
        return _Selector(Target((str(name),)), within=(str(smart)[1:],))

    def alias(self, _: Token, name: Token) -> str:
        return str(name)

    def find(self, *parts: Any) -> tuple[Node, bool]:
        unique = any(isinstance(p, Token) and p.type == "UNIQUE" for p in parts)
        selector = next(p for p in parts if isinstance(p, _Selector))
        return _node(selector, [p for p in parts if not isinstance(p, Token | _Selector)]), unique

    def bare_search(self, *parts: Any) -> tuple[Node, bool]:
        string = next(p for p in parts if isinstance(p, Token) and p.type == "STRING")
        unique = any(isinstance(p, Token) and p.type == "UNIQUE" for p in parts)
        return _node(self.search(string), [p for p in parts if not isinstance(p, Token)]), unique

    def with_clause(self, _: Token, expr: Filter) -> Filter:
        return expr

    # ---- traversals
    def one_verb(self, name: Token) -> tuple[str, ...]:
        return (str(name).upper(),)

    def alt_verbs(self, *names: Token) -> tuple[str, ...]:
        return tuple(str(n).upper() for n in names)

    def any_verb(self, *_: Token) -> tuple[str, ...]:
        return ()

    def rel_with(self, _: Token, expr: Filter) -> Filter:
        return expr

    def rel_spec(self, *parts: Any) -> _RelSpec:
        aliases = [p for p in parts if isinstance(p, str)]
        where = next((p for p in parts if not isinstance(p, str)), None)
        return _RelSpec(_one_alias(aliases), where)

    def hop(self, *parts: Any) -> Hop:
        negated, direction = False, "both"
        verbs: tuple[str, ...] = ()
        for part in parts:
            if isinstance(part, Token) and part.type == "NEGATE":
                negated = True
            elif isinstance(part, Token) and part.type == "DIRECTION":
                direction = "out" if str(part) == ">>" else "in"
            elif isinstance(part, tuple):
                verbs = part
        spec = next(p for p in parts if isinstance(p, _RelSpec))
        selector = next(p for p in parts if isinstance(p, _Selector))
        rest = [p for p in parts[parts.index(selector) + 1 :] if not isinstance(p, Token)]
        return Hop(verbs, _node(selector, rest), negated, direction, spec.alias, spec.filter)

    def step(self, hop: Hop) -> Hop:
        return hop

    def optional_hops(self, *parts: Any) -> OptionalHops:
        hops = tuple(p for p in parts if isinstance(p, Hop))
        if any(h.negated for h in hops):
            raise J1QLError(
                "a negated traversal (!VERB) cannot be optional: (that !VERB ...)? matches everything"
            )
        return OptionalHops(hops, next((p for p in parts if isinstance(p, str)), None))

    # ---- filters
    def or_expr(self, *items: Any) -> Filter:
        return _bool("or", items)

    def and_expr(self, *items: Any) -> Filter:
        return _bool("and", items)

    def not_expr(self, *items: Any) -> Filter:
        return _negate(items)

    w_or, w_and, w_not = or_expr, and_expr, not_expr

    def property(self, token: Token) -> Property:
        text = str(token)
        return Property(text[1:-1] if token.type == "BRACKETED" else text)

    def comparison(self, prop: Property, op: Token, value: Value) -> Comparison:
        return Comparison(prop, str(op), value)

    def any_of(self, prop: Property, op: Token, *values: Any) -> Comparison:
        return Comparison(prop, str(op), _shorthand(_values(values), "any"))

    def all_of(self, prop: Property, op: Token, *values: Any) -> Comparison:
        return Comparison(prop, str(op), _shorthand(_values(values), "all"))

    def where_clause(self, _: Token, expr: Filter) -> Filter:
        return expr

    def ref(self, token: Token) -> Property:
        return _split_ref(token)

    def w_comparison(self, ref: Property, op: Token, value: Value) -> Comparison:
        return self.comparison(ref, op, value)

    def ref_comparison(self, left: Property, op: Token, right: Property) -> RefComparison:
        return RefComparison(left, str(op), right)

    w_any_of = any_of
    w_all_of = all_of

    # ---- RETURN, ORDER BY, SKIP, LIMIT
    def return_tree(self, *_: Token) -> str:
        return "tree"

    def return_clause(self, _: Token, *items: ReturnItem) -> tuple[ReturnItem, ...]:
        return items

    def column_name(self, _: Token, name: Token) -> str:
        return _unquote(str(name)) if name.type == "STRING" else str(name)

    def return_ref(self, ref: Property, name: str | None = None) -> ReturnItem:
        if not ref.name:  # RETURN a: the whole entity, as J1's `RETURN f, h`
            return ReturnItem("all", ref.alias or "", name=name)
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
        return OrderItem(ref, _descending(direction))

    def order_column(self, name: Token, direction: Token | None = None) -> OrderItem:
        return OrderItem(Property(""), _descending(direction), column=_unquote(str(name)))

    def order_aggregate(self, function: Token, ref: Property, direction: Token | None = None) -> OrderItem:
        inner = f"{ref.alias}.{ref.name}" if ref.name else str(ref.alias)
        return OrderItem(Property(""), _descending(direction), column=f"{str(function).lower()}({inner})")

    def order_clause(self, _order: Token, _by: Token, *items: OrderItem) -> tuple[OrderItem, ...]:
        return items

    def skip_clause(self, _: Token, number: Token) -> tuple[str, int]:
        return ("skip", _count(number, "SKIP"))

    def limit_clause(self, _: Token, number: Token) -> tuple[str, int]:
        return ("limit", _count(number, "LIMIT"))

    def start(self, find: tuple[Node, bool], *parts: Any) -> Query:
        fields: dict[str, Any] = {"find": find[0], "unique": find[1]}
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


def _node(selector: _Selector, rest: Sequence[Any]) -> Node:
    aliases = [r for r in rest if isinstance(r, str)]
    where = next((r for r in rest if not isinstance(r, str)), None)
    return Node(selector.target, _one_alias(aliases), where, selector.search, selector.within)


def _descending(direction: Token | None) -> bool:
    return direction is not None and str(direction).lower() == "desc"


def _one_alias(aliases: Sequence[str | None]) -> str | None:
    if len(aliases) > 1:
        raise J1QLError(f"one entity has two aliases ({' and '.join(map(str, aliases))}); keep one AS")
    return aliases[0] if aliases else None


def _count(token: Token, clause: str) -> int:
    text = str(token)
    if any(c in text for c in ".eE-"):
        raise J1QLError(f"{clause} takes a whole number of rows, 0 or more; got {token}")
    value = int(text)
    if value > INT64_MAX:
        raise J1QLError(f"{clause} {token} is too large: at most {INT64_MAX:,}")
    return value
