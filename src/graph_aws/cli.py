"""The command line: parse, call, print. Errors are one line and a non-zero exit (`--debug` for more)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from graph_aws import __version__
from graph_aws.accounts import COLUMNS as ACCOUNT_COLUMNS
from graph_aws.accounts import account_rows
from graph_aws.commands_api_key import api_key_command
from graph_aws.commands_export import export_command
from graph_aws.commands_query import check_command, query_command
from graph_aws.commands_serve import serve_command
from graph_aws.commands_upload import upload_command
from graph_aws.config import load_settings
from graph_aws.errors import ConfigError, GraphAwsError
from graph_aws.output import FORMATS, render_rows
from graph_aws.runner import Runner, RunReport
from graph_aws.store import DEFAULT_DB, AccountOutcome, open_store

err_console = Console(stderr=True)

DB_HELP = f"SQLite file to read and write (default: {DEFAULT_DB} in the working directory)."


class _GraphAwsGroup(click.Group):
    """Turns our own errors into one line on stderr and exit status 2 (usage) or 1 (anything else)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GraphAwsError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            if isinstance(error, ConfigError):
                raise click.UsageError(str(error)) from None
            raise click.ClickException(str(error)) from None


@click.group(cls=_GraphAwsGroup)
@click.version_option(__version__, prog_name="graph-aws")
@click.option("--debug", is_flag=True, help="Log details and show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Build an asset graph of a whole AWS Organization, in JupiterOne's data model.

    Start with `graph-aws demo` (no AWS account needed), then
    `graph-aws collect --organization --role-name ROLE` with the management account's credentials.
    """
    ctx.obj = {"debug": debug}
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if not debug:
        # botocore logs credential refreshes at INFO; keep the terminal for our own output.
        logging.getLogger("botocore").setLevel(logging.WARNING)


class _RichProgress:
    """A progress bar on a terminal; nothing otherwise (logs and CI stay clean)."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[last]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("Starting", total=None, last="")

    def __enter__(self) -> _RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def phase(self, text: str) -> None:
        self._progress.update(self._task, description=text)

    def accounts_planned(self, total: int) -> None:
        self._progress.update(self._task, description="Ingesting accounts", total=total, completed=0)

    def account_done(self, outcome: AccountOutcome) -> None:
        self._progress.update(self._task, advance=1, last=f"{outcome.account_id} {outcome.outcome}")


def run_collect(settings_values: dict[str, Any], config_file: str | None) -> RunReport:
    settings = load_settings(settings_values, config_file)
    store = open_store(settings.db)
    try:
        if err_console.is_terminal:
            with _RichProgress(err_console) as progress:
                report = Runner(settings, store, progress).run()
        else:
            report = Runner(settings, store).run()
    finally:
        store.close()
    return report


def print_summary(report: RunReport, *, table: bool = True) -> None:
    """The per-account outcome of a run, then one line of totals and one line per failure (stderr)."""
    if table:
        rows = [
            {"account": o.account_id, "name": o.name, "outcome": o.outcome, "reason": o.reason}
            for o in sorted(report.outcomes, key=lambda o: (o.outcome == "ingested", o.account_id))
        ]
        render_rows(
            rows, ["account", "name", "outcome", "reason"], "table", sys.stderr, title=f"Run {report.run_id}"
        )
    by_outcome: dict[str, int] = {}
    for outcome in report.outcomes:
        by_outcome[outcome.outcome] = by_outcome.get(outcome.outcome, 0) + 1
    counts = report.counts
    outcome_text = ", ".join(f"{n} {name}" for name, n in sorted(by_outcome.items()))
    err_console.print(
        f"{len(report.outcomes)} accounts: {outcome_text}. "
        f"Objects created {counts.created}, updated {counts.updated}, deleted {counts.deleted}.",
        soft_wrap=True,
    )
    for failure in report.failures:
        err_console.print(f"[red]failed[/red] {failure}", highlight=False, soft_wrap=True)


@cli.command()
@click.option(
    "--organization/--no-organization",
    default=None,
    help="List the organization from the management "
    "(or delegated administrator) account and ingest every eligible member account.",
)
@click.option(
    "--role-name", help="IAM role assumed in each member account: arn:<partition>:iam::<id>:role/<name>."
)
@click.option("--external-id", help="External ID sent with every AssumeRole. Prefer GRAPH_AWS_EXTERNAL_ID.")
@click.option("--role-arn", help="A role to assume for the management account itself before anything else.")
@click.option(
    "--skip-tag", help="KEY=VALUE of the account tag that excludes an account (default j1-integration=SKIP)."
)
@click.option("--skip-account", "skip_accounts", multiple=True, help="Account id to leave out (repeatable).")
@click.option(
    "--skip-ou", "skip_ous", multiple=True, help="OU id whose accounts (nested OUs too) are left out."
)
@click.option(
    "--include-ou", "include_ous", multiple=True, help="Only ingest accounts in these OUs (repeatable)."
)
@click.option(
    "--regions", help="Comma-separated regions to read (default: every region the account has enabled)."
)
@click.option("--concurrency", type=int, help="Accounts ingested at once (default 8).")
@click.option("--calls-per-account", type=int, help="AWS calls in flight per account, at most (default 8).")
@click.option("--db", help=DB_HELP)
@click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), help="TOML file with any of these options."
)
def collect(config_file: str | None, **options: Any) -> None:
    """Ingest the account of the current credentials, or with --organization the whole organization.

    Every option can also come from the config file or a GRAPH_AWS_<OPTION> environment variable
    (GRAPH_AWS_ROLE_NAME, GRAPH_AWS_EXTERNAL_ID, ...). Exit status is 0 only when every account that
    should be ingested was ingested in full; accounts that failed keep their earlier data.
    """
    report = run_collect(options, config_file)
    print_summary(report)
    if not report.succeeded:
        sys.exit(1)


@cli.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help=DB_HELP)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def accounts(db: str, fmt: str) -> None:
    """List the accounts: id, name, email, status, OU path, last outcome and why, last ingestion."""
    store = open_store(db)
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
    store = open_store(db)
    try:
        render_rows(
            [r.as_dict() for r in account_rows(store)], ACCOUNT_COLUMNS, "table", sys.stdout, title="Accounts"
        )
    finally:
        store.close()


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["policy", "table"]),
    default="policy",
    show_default=True,
    help="policy: the IAM policy document for the role in each account; table: actions per step.",
)
def permissions(fmt: str) -> None:
    """Print the read-only IAM actions every step needs (for the role assumed in each account)."""
    from graph_aws.aws.jobs import account_job_steps, organization_job_steps

    if fmt == "table":
        rows = [
            {"job": job, "step": step.id, "actions": ", ".join(step.permissions)}
            for job, steps in (("organization", organization_job_steps()), ("account", account_job_steps()))
            for step in steps
            if step.permissions
        ]
        render_rows(rows, ["job", "step", "actions"], "table", sys.stdout)
        return
    actions = sorted({p for step in account_job_steps() for p in step.permissions})
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "GraphAwsReadOnly", "Effect": "Allow", "Action": actions, "Resource": "*"}],
    }
    click.echo(json.dumps(policy, indent=2))


cli.add_command(query_command)
cli.add_command(check_command)
cli.add_command(export_command)
cli.add_command(api_key_command)
cli.add_command(serve_command)
cli.add_command(upload_command)


def main() -> None:
    cli(prog_name="graph-aws")


if __name__ == "__main__":
    main()
