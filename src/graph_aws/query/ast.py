"""The AST of a J1QL query: small frozen dataclasses, made by parser.py, read by sql.py. No SQL here."""

from __future__ import annotations

from dataclasses import dataclass, field

INT64_MAX = 2**63 - 1  # what SQLite (and PostgreSQL's bigint) can bind


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


@dataclass(frozen=True)
class Regex:
    """`/pattern/i`: JupiterOne's subset (no groups, alternation or anchors), checked by the parser."""

    pattern: str
    ignore_case: bool = False


@dataclass(frozen=True)
class Param:
    """`{{name}}` or `${ param.name }`: a value given when the query runs (`--param name=value`)."""

    name: str


@dataclass(frozen=True)
class ValueSet:
    """J1's shorthand `x = ('a' OR 'b')` (mode any) and `x = ('a' AND 'b')` (mode all).

    A negated comparison negates the whole set, as JupiterOne's De Morgan rule says:
    `x != ('a' OR 'b')` is `NOT (x = 'a' OR x = 'b')`."""

    values: tuple[Value, ...]
    mode: str = "any"  # any | all


Scalar = str | int | float | bool
Value = Scalar | Undefined | RelativeDate | Regex | Param | ValueSet


@dataclass(frozen=True)
class Target:
    """What a FIND or THAT names: any entity (nothing), or classes, types and #SmartClasses."""

    names: tuple[str, ...] = ()
    smart: tuple[str, ...] = ()  # #SmartClass names, alternatives beside the names

    @property
    def classes(self) -> tuple[str, ...]:
        # J1: a TitleCase name is a class, a snake_case one a type.
        return tuple(n for n in self.names if n[:1].isupper())

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(n for n in self.names if not n[:1].isupper())

    @property
    def implicit_alias(self) -> str | None:
        """J1 lets a query name an entity by its one type or class when it has no AS alias."""
        return self.names[0] if len(self.names) == 1 and not self.smart else None


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
    """One entity of the path: its target, its alias, its WITH filter.

    search: full-text words (`FIND "console mfa"`); within: #SmartClasses it must also belong to
    (`FIND #Production Application`)."""

    target: Target
    alias: str | None = None
    filter: Filter | None = None
    search: str | None = None
    within: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hop:
    verbs: tuple[str, ...]  # upper case; empty: RELATES TO (any verb)
    node: Node
    negated: bool = False
    direction: str = "both"  # both | out (>>) | in (<<)
    rel_alias: str | None = None
    rel_filter: Filter | None = None  # WITH on the relationship: THAT ALLOWS WITH ingress = true


@dataclass(frozen=True)
class OptionalHops:
    """`(THAT ...)?`, optionally `AS name`: the union of the entities before and after the group."""

    hops: tuple[Hop, ...]
    alias: str | None = None


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
    column: str | None = None  # a returned column named by its text: "AWS Account ID", count(a)


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
    unique: bool = False
    text: str = field(default="", compare=False)
