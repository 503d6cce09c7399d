"""`graph-aws query` and `graph-aws check` (registered by cli.py with cli.add_command)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from graph_aws.checks import failed_at_or_above, run_checks
from graph_aws.checks.report import as_html, as_json, as_table, summary
from graph_aws.checks.rules import SEVERITIES
from graph_aws.errors import GraphAwsError
from graph_aws.output import render_rows
from graph_aws.query import QueryResult, run_query
from graph_aws.store import DEFAULT_DB, open_store

_DB_OPTION = click.option(
    "--db", default=DEFAULT_DB, show_default=True, help="The store: a SQLite file path."
)


def _flatten(result: QueryResult) -> tuple[list[str], list[list[Any]]]:
    """Rows for a table or CSV: a whole entity (no RETURN, or alias.*) spreads over one column per
    property, named `prop` for the entities of a plain FIND and `alias.prop` for alias.*."""
    records = result.records()
    if result.kind == "entities":
        records = [{k: v for k, v in entity.items()} for entity in records]
    else:
        spread = []
        for record in records:
            row: dict[str, Any] = {}
            for column, value in record.items():
                if isinstance(value, dict):
                    row.update({f"{column}.{k}": v for k, v in value.items()})
                else:
                    row[column] = value
            spread.append(row)
        records = spread
    columns = list(dict.fromkeys(k for record in records for k in record)) or list(result.columns)
    return columns, [[record.get(c) for c in columns] for record in records]


@click.command("query")
@click.argument("j1ql")
@_DB_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True
)
def query_command(j1ql: str, db: str, fmt: str) -> None:
    """Answer a J1QL query from the store, e.g. "FIND aws_account WITH email = undefined"."""
    try:
        store = open_store(db)
        try:
            result = run_query(store, j1ql)
        finally:
            store.close()
    except GraphAwsError as error:
        raise click.ClickException(str(error)) from None
    if fmt == "json":
        payload = result.tree if result.kind == "tree" else result.records()
        click.echo(json.dumps(payload, indent=2))
        return
    if result.kind == "tree":  # a tree is not a table: its vertices and edges are
        assert result.tree is not None
        result = QueryResult(
            "entities", ["entity"], [(v,) for v in result.tree["vertices"] + result.tree["edges"]]
        )
    columns, rows = _flatten(result)
    caption = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
    render_rows(
        [dict(zip(columns, row, strict=True)) for row in rows], columns, fmt, sys.stdout, caption=caption
    )


@click.command("check")
@_DB_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "html"]), default="table", show_default=True
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here (html)."
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="low",
    show_default=True,
    help="Exit 1 when a check of this severity or higher fails.",
)
def check_command(db: str, fmt: str, output: Path | None, fail_on: str) -> None:
    """Run the CIS AWS Foundations account checks (written in J1QL) against the store."""
    try:
        store = open_store(db)
        try:
            results = run_checks(store)
        finally:
            store.close()
    except GraphAwsError as error:
        raise click.ClickException(str(error)) from None
    if fmt == "table":
        Console(file=sys.stdout, width=200 if not sys.stdout.isatty() else None).print(as_table(results))
    else:
        text = as_json(results) if fmt == "json" else as_html(results)
        if output is not None:
            output.write_text(text, encoding="utf-8")
            click.echo(f"wrote {output} ({summary(results)})")
        else:
            click.echo(text)
    failed = failed_at_or_above(results, fail_on)
    if failed:
        names = ", ".join(r.rule.id for r in failed)
        raise click.ClickException(f"{len(failed)} check(s) at or above {fail_on} failed: {names}")
