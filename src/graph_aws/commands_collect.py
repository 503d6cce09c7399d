"""`graph-aws collect`: options, signals, progress, the run's summary (registered by cli.py)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from graph_aws.config import load_settings
from graph_aws.output import literal, printable, render_rows
from graph_aws.runner import Runner, RunReport
from graph_aws.store import DEFAULT_DB, AccountOutcome, open_store

err_console = Console(stderr=True, highlight=False)


class _RichProgress:
    """A progress bar, on a terminal."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[last]}", markup=False),
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
        last = printable(f"{outcome.account_id} {outcome.outcome}")
        self._progress.update(self._task, advance=1, last=last)


class _LineProgress:
    """Plain lines where stderr is not a terminal (CI, logs): one per finished account, no bar."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._total = 0
        self._done = 0

    def __enter__(self) -> _LineProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def phase(self, text: str) -> None:
        pass

    def accounts_planned(self, total: int) -> None:
        self._total = total

    def account_done(self, outcome: AccountOutcome) -> None:
        self._done += 1
        name = f" {outcome.name}" if outcome.name else ""
        reason = f": {outcome.reason}" if outcome.reason and outcome.outcome != "ingested" else ""
        line = f"[{self._done}/{self._total}] account {outcome.account_id}{name} {outcome.outcome}{reason}"
        self._console.print(literal(line), soft_wrap=True)


class _Signals:
    """SIGINT and SIGTERM while a run goes on. The first asks the runner to stop starting work (the
    run then ends on its own, soon); a second one means "now": one line, and the process exits at
    once without waiting for calls in flight (what was committed is kept; the run is left open and
    the next run marks it abandoned)."""

    HANDLED = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: int | None = None
        self._on_first: Callable[[str], None] | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for number in self.HANDLED:
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def on_first(self, callback: Callable[[str], None]) -> None:
        self._on_first = callback
        if self.received is not None:  # it came while the run was being set up
            callback(self.reason)

    @property
    def reason(self) -> str:
        return f"interrupted by {signal.Signals(self.received or signal.SIGINT).name}"

    @property
    def exit_code(self) -> int:
        return 128 + (self.received or 0)

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if self.received is None:
            self.received = number
            if self._on_first is not None:
                self._on_first(self.reason)
            return
        # os.write and os._exit: nothing here may wait for a lock another thread could hold.
        os.write(2, b"Error: interrupted again: quitting without waiting for calls in flight\n")
        os._exit(self.exit_code)


def run_collect(settings_values: dict[str, Any], config_file: str | None) -> RunReport:
    """Collect as the settings say; on SIGINT/SIGTERM, print one line and exit 130/143 once the run
    has stopped and recorded itself."""
    with _Signals() as signals:
        settings = load_settings(settings_values, config_file)
        store = open_store(settings.db)
        progress = _RichProgress(err_console) if err_console.is_terminal else _LineProgress(err_console)
        try:
            with progress:
                runner = Runner(settings, store, progress)
                signals.on_first(runner.request_stop)
                report = runner.run()
        finally:
            store.close()
    for run_id in report.abandoned_runs:
        err_console.print(
            literal(f"run {run_id} was left open by a process that no longer runs: marked abandoned")
        )
    if signals.received is not None:
        finished = sum(1 for o in report.outcomes if o.outcome in ("ingested", "partial", "failed"))
        stopped = sum(1 for o in report.outcomes if o.outcome == "interrupted")
        err_console.print(
            literal(
                f"Error: {signals.reason}: {finished} account jobs finished (recorded); {stopped} stopped "
                f"or never started (their data unchanged); run {report.run_id} recorded as {report.status}"
            ),
            soft_wrap=True,
        )
        sys.exit(signals.exit_code)
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
        literal(
            f"{len(report.outcomes)} accounts: {outcome_text}. "
            f"Objects created {counts.created}, updated {counts.updated}, deleted {counts.deleted}."
        ),
        soft_wrap=True,
    )
    for failure in report.failures:  # reasons quote AWS: literal text, one line each
        err_console.print(Text.assemble(("failed", "red"), " ", literal(failure)), soft_wrap=True)
    for (step, message), scopes in _grouped_warnings(report).items():
        where = scopes[0] if len(scopes) == 1 else f"{len(scopes)} jobs"
        line = Text.assemble(("warning", "yellow"), " ", literal(f"{step}: {message} ({where})"))
        err_console.print(line, soft_wrap=True)


def _grouped_warnings(report: RunReport) -> dict[tuple[str, str], list[str]]:
    """Step warnings, one line per step and message, however many accounts gave it."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for scope, step, message in report.warnings:
        grouped.setdefault((step, message), []).append(scope)
    return grouped


@click.command("collect")
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
@click.option(
    "--workers",
    type=int,
    help="Processes that run account jobs (default: the machine's cores, at least 20 accounts per worker).",
)
@click.option(
    "--shard", help="K/N: ingest the K-th (from 0) of N stable slices of the organization's accounts."
)
@click.option("--run-group", help="With --shard: the name every shard of one run shares (a Job's name).")
@click.option("--shard-wait", type=float, help="Seconds a shard waits for shard 0's listing (default 900).")
@click.option(
    "--connect-timeout", type=float, help="Seconds to wait for a connection to AWS, per attempt (default 5)."
)
@click.option("--read-timeout", type=float, help="Seconds to wait for an answer, per attempt (default 30).")
@click.option(
    "--call-timeout", type=float, help="Seconds one call may take, its retries included (default 120)."
)
@click.option(
    "--allow-missing/--no-allow-missing",
    default=None,
    help="Go on when --skip-account/--skip-ou/--include-ou/--regions name what does not exist.",
)
@click.option("--db", help=f"SQLite file to write (default: {DEFAULT_DB} in the working directory).")
@click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), help="TOML file with any of these options."
)
def collect_command(config_file: str | None, **options: Any) -> None:
    """Ingest the account of the current credentials, or with --organization the whole organization.

    Every option can also come from the config file or a GRAPH_AWS_<OPTION> environment variable
    (GRAPH_AWS_ROLE_NAME, GRAPH_AWS_EXTERNAL_ID, ...). Exit status is 0 only when every account that
    should be ingested was ingested in full; accounts that failed keep their earlier data.
    """
    report = run_collect(options, config_file)
    print_summary(report)
    if not report.succeeded:
        sys.exit(1)
