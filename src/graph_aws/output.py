"""Printing rows as a table, JSON or CSV, and text from AWS or the store printed as it is.

Values from AWS and the store are data: an account may be named `ops [/oops]` or `[bold]x[/bold]`
(Rich markup), and any name or tag may hold terminal escape sequences. Tables are built from Rich
`Text`, never from markup, and every control character (C0, C1, Unicode bidirectional overrides)
is shown as an escape (`\\x1b`), so a value can neither break the output nor drive the terminal.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from graph_aws import redaction
from graph_aws.errors import GraphAwsError, J1QLError, PathError

FORMATS = ("table", "json", "csv")

# C0 and C1 controls, DEL, and the invisible characters that reorder or hide text (Trojan Source).
_INVISIBLE = r"\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
_CONTROL = re.compile(rf"[\x00-\x1f{_INVISIBLE}]")
_CONTROL_BUT_NEWLINE = re.compile(rf"[\x00-\x09\x0b-\x1f{_INVISIBLE}]")


class OneLineError(click.ClickException):
    """`Error: <message>` on one line of stderr, exit status 1."""


class _OneLineUsageError(OneLineError):
    """The same for a usage, configuration or path error: exit status 2."""

    exit_code = 2


def one_line_error(error: GraphAwsError) -> OneLineError:
    """What a command raises for one of our errors: its message on one line (J1QL's caret excepted),
    secrets removed, control characters escaped, and its exit status. Under --debug the traceback
    is logged first (through the redacting formatter)."""
    logging.getLogger("graph_aws").debug("%s", type(error).__name__, exc_info=error)
    text = printable(redaction.redact(str(error)), keep_newlines=isinstance(error, J1QLError))
    return _OneLineUsageError(text) if error.exit_code == 2 else OneLineError(text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, keep_newlines: bool = False) -> str:
    """`text` with every control character written as an escape: safe to print on a terminal.
    `keep_newlines` keeps line breaks (a message of our own over several lines)."""
    pattern = _CONTROL_BUT_NEWLINE if keep_newlines else _CONTROL
    return pattern.sub(_escape, str(text))


def literal(text: object, style: str = "") -> Text:
    """Rich text that prints exactly `text` (control characters escaped), whatever brackets it holds."""
    return Text(printable(text), style=style)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | list | dict):  # JSON spelling: true, ["a"], {"k": 1}
        return json.dumps(value)
    return str(value)


def _csv_line(fields: Sequence[str]) -> str:
    """One CSV record; a field with a comma, quote or line break (a lone \\r too, which the csv
    module leaves bare when lines end in \\n) is quoted."""
    quoted = (f'"{f.replace(chr(34), chr(34) * 2)}"' if any(c in f for c in ',"\r\n') else f for f in fields)
    return ",".join(quoted) + "\n"


def console_for(out: TextIO) -> Console:
    """A console on `out`: 200 columns when it is not a terminal (files, pipes), no markup, no
    highlighting of numbers and URLs in data."""
    return Console(file=out, width=200 if not out.isatty() else None, markup=False, highlight=False)


def render_rows(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    fmt: str,
    out: TextIO,
    *,
    title: str | None = None,
    caption: str | None = None,
) -> None:
    if fmt == "json":
        # ensure_ascii (the default) writes every control character as \uXXXX.
        json.dump([{c: row.get(c) for c in columns} for row in rows], out, indent=2, default=str)
        out.write("\n")
    elif fmt == "csv":
        # CSV is data for other programs: values exactly as stored (the csv module quotes line breaks),
        # except on a terminal, where it is read by a person.
        clean = printable if out.isatty() else str
        out.write(_csv_line([clean(c) for c in columns]))
        for row in rows:
            out.write(_csv_line([clean(_cell(row.get(c))) for c in columns]))
    else:
        table = Table(
            title=literal(title) if title is not None else None,
            caption=literal(caption) if caption is not None else None,
            header_style="bold",
        )
        for column in columns:
            table.add_column(literal(column), overflow="fold")
        for row in rows:
            table.add_row(*(literal(_cell(row.get(c))) for c in columns))
        console_for(out).print(table)


@contextmanager
def output_file(path: Path, option: str = "--output") -> Iterator[TextIO]:
    """`path` opened for writing text; it appears only once written in full (a temporary file
    beside it is renamed), so a full disk or an error never leaves half a file. Problems are one
    line naming the path."""
    path = Path(path)
    if path.is_dir():
        raise PathError(f"{option} {path}: is a folder; give a file name, e.g. {path / 'report.txt'}")
    if not path.parent.is_dir():
        raise PathError(
            f"{option} {path}: the folder {path.parent} does not exist; create it or give another path"
        )
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8") as out:
            yield out
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        reason = "permission denied" if isinstance(error, PermissionError) else error.strerror or str(error)
        raise PathError(f"{option} {path}: cannot write it ({reason})") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
