"""The command line: parse, call, print. Errors are one line and a non-zero exit (`--debug` for more)."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from graph_aws import __version__, redaction
from graph_aws.accounts import COLUMNS as ACCOUNT_COLUMNS
from graph_aws.accounts import account_rows
from graph_aws.commands_api_key import api_key_command
from graph_aws.commands_collect import collect_command, print_summary, run_collect
from graph_aws.commands_export import export_command
from graph_aws.commands_permissions import permissions_command
from graph_aws.commands_query import check_command, query_command
from graph_aws.commands_serve import serve_command
from graph_aws.commands_upload import upload_command
from graph_aws.errors import GraphAwsError
from graph_aws.output import FORMATS, OneLineError, one_line_error, printable, render_rows
from graph_aws.store import DEFAULT_DB, open_store

log = logging.getLogger("graph_aws")

DB_HELP = f"SQLite file to read (default: {DEFAULT_DB} in the working directory)."


class _GraphAwsGroup(click.Group):
    """Every failure ends in one line on stderr (never a traceback, never a secret): exit 2 for a
    usage, configuration or path error, 1 for anything else. `--debug` logs the traceback first."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GraphAwsError as error:
            raise one_line_error(error) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # a bug: still one line, and the traceback under --debug
            log.debug("unexpected error", exc_info=True)
            text = printable(redaction.redact(f"{type(error).__name__}: {error}"))
            raise OneLineError(f"unexpected {text} (run with --debug for details)") from None


@click.group(cls=_GraphAwsGroup)
@click.version_option(__version__, prog_name="graph-aws")
@click.option("--debug", is_flag=True, help="Log details and tracebacks (secrets are never shown).")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Build an asset graph of a whole AWS Organization, in JupiterOne's data model.

    Start with `graph-aws demo` (no AWS account needed), then
    `graph-aws collect --organization --role-name ROLE` with the management account's credentials.
    """
    ctx.obj = {"debug": debug}
    redaction.configure_logging(debug)


@cli.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help=DB_HELP)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def accounts(db: str, fmt: str) -> None:
    """List the accounts: id, name, email, status, OU path, last outcome and why, last ingestion."""
    store = open_store(db, create=False)
    try:
        rows = [row.as_dict() for row in account_rows(store)]
    finally:
        store.close()
    render_rows(rows, ACCOUNT_COLUMNS, fmt, sys.stdout, title="Accounts")


@cli.command()
@click.option(
    "--db", default="graph-aws-demo.db", show_default=True, help="SQLite file for the demo's graph."
)
@click.option(
    "--accounts",
    "account_count",
    default=25,
    show_default=True,
    type=click.IntRange(4, 2000),
    help="Member accounts in the emulated organization.",
)
def demo(db: str, account_count: int) -> None:
    """Collect an emulated organization end to end (moto, in-process): no AWS account needed.

    It has nested OUs, a skipped account, a suspended one and one whose role cannot be assumed,
    so the accounts table shows every outcome.
    """
    from graph_aws.demo import run_demo  # moto is an extra: import it only here

    report = run_demo(db, account_count, run_collect)
    print_summary(report, table=False)
    store = open_store(db, create=False)
    try:
        render_rows(
            [r.as_dict() for r in account_rows(store)], ACCOUNT_COLUMNS, "table", sys.stdout, title="Accounts"
        )
    finally:
        store.close()


cli.add_command(collect_command)
cli.add_command(query_command)
cli.add_command(permissions_command)
cli.add_command(check_command)
cli.add_command(export_command)
cli.add_command(api_key_command)
cli.add_command(serve_command)
cli.add_command(upload_command)


def main() -> None:
    cli(prog_name="graph-aws")


if __name__ == "__main__":
    main()
