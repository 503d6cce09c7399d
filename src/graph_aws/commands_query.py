"""`graph-aws query` and `graph-aws check` (registered by cli.py with cli.add_command)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from graph_aws.checks import failed_at_or_above, run_checks
from graph_aws.checks.packs import DESCRIPTIONS, PACKS, UnknownPackError, rules_of
from graph_aws.checks.report import as_html, as_json, as_table, summary
from graph_aws.checks.rules import SEVERITIES
from graph_aws.config import load_smart_classes
from graph_aws.errors import GraphAwsError
from graph_aws.output import console_for, one_line_error, output_file, printable, render_rows
from graph_aws.query import DEFAULT_PAGE_SIZE, QueryResult, run_query
from graph_aws.store import DEFAULT_DB, open_store

_DB_OPTION = click.option(
    "--db", default=DEFAULT_DB, show_default=True, help="The store: a SQLite file path."
)


# The few properties a table of whole entities shows by default (the rest: --columns, json, csv).
ENTITY_COLUMNS = ("displayName", "_type", "_class", "accountId", "region", "_key")
EDGE_COLUMNS = ("displayName", "_type", "_fromEntityKey", "_toEntityKey")


def _spread(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A whole entity in a row (alias.*) spreads over one column per property, `alias.prop`."""
    spread = []
    for record in records:
        row: dict[str, Any] = {}
        for column, value in record.items():
            if isinstance(value, dict):
                row.update({f"{column}.{k}": v for k, v in value.items()})
            else:
                row[column] = value
        spread.append(row)
    return spread


def _key_columns(result: QueryResult, records: list[dict[str, Any]], wanted: tuple[str, ...]) -> list[str]:
    """The default table: the key properties of whole entities, the other returned columns as they are."""
    present = {k for r in records for k in r}
    if result.kind == "entities":
        return [c for c in wanted if c in present]
    columns: list[str] = []
    for column in result.columns:
        if any(isinstance(row.get(column), dict) for row in result.records()):
            columns += [f"{column}.{k}" for k in wanted if f"{column}.{k}" in present]
        else:
            columns.append(column)
    return columns


def _table(
    result: QueryResult, fmt: str, chosen: list[str] | None, wanted: tuple[str, ...] = ENTITY_COLUMNS
) -> tuple[list[dict[str, Any]], list[str], int]:
    """Rows and columns to print, and how many columns the data has in all."""
    raw = result.records()
    records = raw if result.kind == "entities" else _spread(raw)
    every = list(dict.fromkeys(k for r in records for k in r)) or list(result.columns)
    if chosen:
        unknown = [c for c in chosen if c not in every]
        if records and unknown:
            raise click.UsageError(
                f"--columns {', '.join(unknown)}: no such column here; the columns are {', '.join(every)}"
            )
        return records, chosen, len(every)
    return records, (_key_columns(result, records, wanted) if fmt == "table" else every), len(every)


def _parse_params(values: tuple[str, ...]) -> dict[str, Any]:
    """--param NAME=TEXT (a string), --param NAME:=JSON (a number, true, false, null or a list)."""
    params: dict[str, Any] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.rstrip(":"):
            raise click.UsageError(f"--param {item}: expected NAME=VALUE (a string) or NAME:=JSON (a number)")
        if name.endswith(":"):
            try:
                params[name[:-1]] = json.loads(value)
            except json.JSONDecodeError:
                raise click.UsageError(
                    f'--param {item}: after := comes JSON, such as 5, true or ["a", "b"]'
                ) from None
        else:
            params[name] = value
    return params


def _caption(result: QueryResult, shown: int, total: int, fmt: str) -> str:
    count = len(result.rows) if result.kind != "tree" else len(result.tree["vertices"]) if result.tree else 0
    caption = f"{count} {'row' if count == 1 else 'rows'}"
    if fmt == "table" and shown < total:
        caption += f"; {shown} of {total} columns shown (--columns to choose, --format json or csv for all)"
    return caption


def _more(result: QueryResult) -> str:
    if not result.more:
        return ""
    shown = len(result.rows)
    message = f"more rows follow this page of {result.limit}: add SKIP {result.skip + shown} for the next"
    return message + (", or --all for every row" if result.limit == DEFAULT_PAGE_SIZE else "")


@click.command("query")
@click.argument("j1ql")
@_DB_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A value for {{NAME}} in the query (NAME:=JSON for a number, boolean or list). Repeatable.",
)
@click.option("--columns", help="Comma-separated columns to print (default: a few key properties).")
@click.option("--all", "every", is_flag=True, help="Every row, not J1's page of 250 (when no LIMIT).")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="A TOML file whose [smart-classes] table defines #SmartClass names (or GRAPH_AWS_CONFIG).",
)
def query_command(
    j1ql: str,
    db: str,
    fmt: str,
    params: tuple[str, ...],
    columns: str | None,
    every: bool,
    config_file: str | None,
) -> None:
    """Answer a J1QL query from the store, e.g. "FIND aws_account WITH email = undefined"."""
    chosen = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    values = _parse_params(params)
    try:
        smart_classes = load_smart_classes(config_file)
        store = open_store(db, create=False)
        try:
            result = run_query(
                store,
                j1ql,
                params=values,
                smart_classes=smart_classes,
                page_size=None if every else DEFAULT_PAGE_SIZE,
            )
        finally:
            store.close()
    except GraphAwsError as error:
        raise one_line_error(error) from None
    more = _more(result)
    if fmt == "json" and not chosen:
        payload = result.tree if result.kind == "tree" else result.records()
        click.echo(json.dumps(payload, indent=2))
    elif result.kind == "tree":  # a tree is two tables: its vertices and its edges
        assert result.tree is not None
        for title, objects, wanted in (
            ("vertices", result.tree["vertices"], ENTITY_COLUMNS),
            ("edges", result.tree["edges"], EDGE_COLUMNS),
        ):
            part = QueryResult("entities", ["entity"], [(o,) for o in objects])
            records, shown, total = _table(part, fmt, chosen, wanted)
            caption = _caption(part, len(shown), total, fmt)
            render_rows(records, shown, fmt, sys.stdout, title=title, caption=caption)
    else:
        records, shown, total = _table(result, fmt, chosen)
        caption = _caption(result, len(shown), total, fmt) + (f"; {more}" if more and fmt == "table" else "")
        render_rows(records, shown, fmt, sys.stdout, caption=caption)
    if more and fmt != "table":
        click.echo(more, err=True)  # the data stays clean for scripts


class _UsageLine(click.ClickException):
    """A usage error in one line (click's UsageError adds the usage text): exit status 2."""

    exit_code = 2


@click.command("check")
@_DB_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "html"]), default="table", show_default=True
)
@click.option(
    "--output", type=click.Path(path_type=Path), help="Write the report to this file instead of stdout."
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="low",
    show_default=True,
    help="Exit 1 when a check of this severity or higher fails.",
)
@click.option(
    "--pack",
    "packs",
    multiple=True,
    metavar="NAME",
    help="Run this pack's rules (repeatable; default graph-aws). --list-packs names them.",
)
@click.option("--list-packs", is_flag=True, help="List the packs and how many rules each holds, and exit.")
def check_command(
    db: str, fmt: str, output: Path | None, fail_on: str, packs: tuple[str, ...], list_packs: bool
) -> None:
    """Run checks written in J1QL against the store: graph-aws's CIS account checks, or a rule pack."""
    if list_packs:
        for name, rules in PACKS.items():
            click.echo(f"{name}  {len(rules)} rules  {DESCRIPTIONS[name]}")
        return
    try:
        rules = rules_of(packs)
    except UnknownPackError as error:
        raise _UsageLine(str(error)) from None
    try:
        store = open_store(db, create=False)
        try:
            results = run_checks(store, rules)
        finally:
            store.close()
    except GraphAwsError as error:
        raise one_line_error(error) from None
    if output is not None:
        with output_file(output) as out:
            if fmt == "table":
                console_for(out).print(as_table(results))
            else:
                out.write((as_json(results) if fmt == "json" else as_html(results)) + "\n")
        click.echo(f"wrote {printable(output)} ({summary(results)})")
    elif fmt == "table":
        console_for(sys.stdout).print(as_table(results))
    else:
        click.echo(as_json(results) if fmt == "json" else as_html(results))
    failed = failed_at_or_above(results, fail_on)
    if failed:
        names = ", ".join(r.rule.id for r in failed)
        raise click.ClickException(f"{len(failed)} check(s) at or above {fail_on} failed: {names}")
