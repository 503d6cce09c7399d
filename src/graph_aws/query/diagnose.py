"""What a syntax error tells the user: the line, a caret under the position, what the grammar would
have accepted there, and, for the mistakes people make most, the fix (a property name that needs
brackets) or the plain fact that a JupiterOne construct is not supported here."""

from __future__ import annotations

import re

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

_FRIENDLY = {
    "NAME": "a name",
    "SMART": "a #SmartClass",
    "BRACKETED": "a [bracketed name]",
    "QUALIFIED": "alias.[name]",
    "ALL_OF": "alias.*",
    "STRING": "a quoted string",
    "NUMBER": "a number",
    "DURATION": "a duration such as 7days",
    "COMPARATOR": "a comparison (= != < <= > >= ~= ^= $=)",
    "DIRECTION": ">> or <<",
    "DATE_NOW": "date.now",
    "STATIC_DATE": "date(2024-01-31)",
    "REGEX": "a /regular expression/",
    "PARAM": "{{parameter}}",
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

# JupiterOne features graph-aws does not translate, named so the error says so rather than "unexpected".
_SCALAR_FUNCTIONS = ("concat", "merge", "coalesce", "abs", "sqrt", "ceil", "floor", "round")
_NAME_BEFORE = re.compile(r"([A-Za-z_@][\w@]*(?:\.[\w@]+)*)$")
_NAME_CHARS_AFTER = re.compile(r"[\w@.:/+=\-]+")


def _friendly(terminal: str) -> str:
    return _FRIENDLY.get(terminal, terminal if terminal.isupper() else terminal.lower())


def describe(text: str, error: UnexpectedInput) -> str:
    """The query line, a caret under the error, what the grammar would have accepted there, a hint."""
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
    unsupported = _unsupported(text, offset)
    if unsupported:
        message = f"J1QL at {where}: {unsupported}"
    else:
        message = f"J1QL syntax error at {where}: unexpected {found}"
        if wanted:
            message += f"; expected {', '.join(wanted)}"
        hint = _hint(text, offset)
        if hint:
            message += f" ({hint})"
    return f"{message}\n  {line}\n  {' ' * (offset - line_start)}^"


def _unsupported(text: str, offset: int) -> str:
    """The JupiterOne construct that starts at `offset`, when it is one graph-aws does not support."""
    before, here = text[:offset], text[offset:]
    in_return = re.search(r"\breturn\b", before, re.I) is not None
    name = _NAME_BEFORE.search(before.rstrip())
    if here.startswith("(") and name and name.group(1).lower() in _SCALAR_FUNCTIONS:
        return f"{name.group(1).upper()}() is not supported: graph-aws's J1QL has no scalar functions"
    if re.match(r"\s*\*\s*\)", here) and re.search(r"\b(count|min|max|avg|sum)\s*\($", before, re.I):
        return "count(*) is not supported: count an alias, count(a), or a property, count(a.name)"
    if in_return and here and here[0] in "+-*/^" and not before.rstrip().lower().endswith("return"):
        return "arithmetic in RETURN is not supported: return the properties and compute outside"
    return ""


def _hint(text: str, offset: int) -> str:
    """A fix for a name cut short by a character that names may only hold inside brackets."""
    before, here = text[:offset], text[offset:]
    name = _NAME_BEFORE.search(before)
    if not name or not here or here[0] not in "-:/+":
        return ""
    rest = _NAME_CHARS_AFTER.match(here)
    full = name.group(1) + (rest.group(0) if rest else "")
    clauses = re.findall(r"\b(with|where|return|order)\b", before, re.I)
    alias, _, prop = full.partition(".")
    if clauses and clauses[-1].lower() != "with" and prop:
        return f"after an alias, a name with '{here[0]}' goes in brackets: {alias}.[{prop}]"
    return f"a name with '{here[0]}' goes in brackets: [{full}]"
