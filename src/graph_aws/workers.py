"""`--workers N`: a run's account jobs in N processes, so that a CPU-bound collect uses every core.

Each worker is a new Python process (spawned, not forked: the parent holds threads, connection pools
and open stores a fork would copy half-way). It gets its slice of the planned accounts, opens its own
store and its own AWS clients, runs its accounts as the runner does in one process (`--concurrency`
at once, each within `--calls-per-account`), and sends each account's outcome and job record to the
parent as the job ends. The parent keeps the run record whole: it records every job, prints progress,
and removes departed accounts at the end.

A worker that dies (SIGKILL, out of memory) fails only its accounts that had not reported: each is
recorded as failed, naming the signal; their scopes keep their earlier data, since a sync that was
cut short is a transaction that never committed.

Stopping: the parent forwards its stop to every worker over a lifeline pipe (a terminal's Ctrl-C also
reaches the workers themselves); each worker stops as a one-process run does, and its accounts end as
`interrupted`. When the parent dies or quits at once, the lifeline breaks and the workers quit at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import types
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any, TypeVar

from graph_aws import redaction
from graph_aws.config import Settings
from graph_aws.store import AccountOutcome, JobRecord, open_store

if TYPE_CHECKING:
    from graph_aws.runner import Runner

log = logging.getLogger(__name__)

Result = tuple[AccountOutcome, JobRecord]


@dataclass(frozen=True)
class PlannedAccount:
    """What a worker needs to plan an account job again on its side (sessions do not cross)."""

    account_id: str
    name: str | None
    is_caller: bool  # the account of the credentials themselves: no role to assume


def deal(accounts: list[PlannedAccount], workers: int) -> list[list[PlannedAccount]]:
    """Every worker's accounts: dealt in turn, so each gets as many as the others, plus or minus one."""
    return [accounts[i::workers] for i in range(workers) if accounts[i::workers]]


T = TypeVar("T")
R = TypeVar("R")


def as_they_end(
    executor: ThreadPoolExecutor, work: Callable[..., R], items: Iterable[T], *args: Any
) -> Iterator[R]:
    """`work(item, *args)` for every item in `executor`, each result in the order they end. Each
    future is let go once yielded: as_completed would hold every result until the last one ends."""
    finished: SimpleQueue[Future[R]] = SimpleQueue()
    count = 0
    for item in items:
        executor.submit(work, item, *args).add_done_callback(finished.put)
        count += 1
    for _ in range(count):
        yield finished.get().result()


def limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc's MALLOC_ARENA_MAX for this process: by default it makes up to 8 arenas per core as
    threads contend, each keeping its freed memory, which multiplies a worker's RSS. Set at the
    start of a worker, before its threads; elsewhere (not glibc) nothing is done."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, arenas)


_M_ARENA_MAX = -8  # glibc's malloc.h


def return_free_memory() -> None:
    """glibc's malloc_trim: give the system back the free pages of malloc's arenas, which an
    account job's answers and syncs leave behind between the objects still alive. Elsewhere (not
    glibc) nothing is done."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def run_in_workers(
    runner: Runner, accounts: list[PlannedAccount], organization_id: str | None, workers: int
) -> Iterator[Result]:
    """Each account's outcome and job record, in the order they end, from `workers` processes."""
    context = multiprocessing.get_context("spawn")
    debug = logging.getLogger().isEnabledFor(logging.DEBUG)  # `--debug`, for the workers' logs too
    started: list[_Worker] = []
    try:
        for share in deal(accounts, workers):
            results_out, results_in = context.Pipe(duplex=False)
            lifeline_in, lifeline_out = context.Pipe(duplex=False)
            process = context.Process(
                target=_worker_main,
                args=(runner.settings, share, organization_id, results_in, lifeline_in, debug),
                name="graph-aws-worker",
                daemon=True,
            )
            with _main_not_rerun():
                process.start()
            results_in.close()  # the parent's copies: so a dead worker's pipe ends
            lifeline_in.close()
            started.append(_Worker(process, results_out, lifeline_out, {a.account_id: a for a in share}))
        yield from _collect(runner, started)
    finally:
        for worker in started:
            worker.lifeline.close()
            worker.process.join(timeout=60)
            if worker.process.is_alive():
                worker.process.kill()


@contextlib.contextmanager
def _main_not_rerun() -> Iterator[None]:
    """A spawned process first runs the parent's `__main__` again (for `python -m graph_aws.cli`:
    the command line and every command's imports, 16 MB of each worker's heap) so that functions
    defined there can be its target. A worker's target lives in this module, which it imports
    anyway: while it starts, `__main__` is a module with nothing to run (no spec, no file)."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


@dataclass
class _Worker:
    process: Any  # multiprocessing's SpawnProcess
    results: Connection
    lifeline: Connection
    pending: dict[str, PlannedAccount]
    stopped: bool = False


def _collect(runner: Runner, workers: list[_Worker]) -> Iterator[Result]:
    live = list(workers)
    while live:
        if runner.stop:
            for worker in live:
                if not worker.stopped:
                    worker.stopped = True
                    _send(worker.lifeline, runner.stop.reason or "interrupted")
        for ready in wait([w.results for w in live], timeout=0.2):
            worker = next(w for w in live if w.results is ready)
            try:
                outcome, job = worker.results.recv()
            except (EOFError, OSError):  # the worker ended: what it did not report, it did not do
                live.remove(worker)
                worker.process.join(timeout=60)
                yield from _unreported(runner, worker)
                continue
            worker.pending.pop(outcome.account_id, None)
            if outcome.outcome == "interrupted" and not runner.stop:
                runner.request_stop("a worker process was interrupted")  # a signal sent to it alone
            yield outcome, job


def _unreported(runner: Runner, worker: _Worker) -> Iterator[Result]:
    if not worker.pending:
        return
    code = worker.process.exitcode
    how = (
        f"was killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exited ({code})"
    )
    for planned in worker.pending.values():
        if runner.stop:
            reason = f"not finished: {runner.stop.reason}; its data is unchanged"
            yield runner.ended_without_job(planned.account_id, planned.name, "interrupted", reason)
        else:
            reason = f"the worker process running it {how}; its data is unchanged"
            yield runner.ended_without_job(planned.account_id, planned.name, "failed", reason)


def _send(connection: Connection, message: str) -> None:
    with contextlib.suppress(OSError):  # the worker is gone: _collect sees its results pipe end
        connection.send(message)


# ---------------------------------------------------------------------------------- in the worker


def _worker_main(
    settings: Settings,
    accounts: list[PlannedAccount],
    organization_id: str | None,
    results: Connection,
    lifeline: Connection,
    debug: bool,
) -> None:
    from graph_aws.runner import Runner, RunReport

    # What the parent's command line set up at its start: the same logs, redacting the same secrets.
    redaction.configure_logging(debug)
    redaction.register(settings.external_id_value())
    limit_malloc_arenas()
    store = open_store(settings.db)
    runner = Runner(settings, store)
    for number in (signal.SIGINT, signal.SIGTERM):  # a terminal's Ctrl-C reaches every worker too
        signal.signal(
            number, lambda n, _frame: runner.request_stop(f"interrupted by {signal.Signals(n).name}")
        )
    threading.Thread(target=_watch_lifeline, args=(lifeline, runner), daemon=True).start()
    sent: set[str] = set()
    try:
        management, identity = runner.management_session()
        report = RunReport(run_id=0, organization_id=organization_id)
        plans = [
            runner.plan_account(a.account_id, a.name, a.is_caller, management, identity) for a in accounts
        ]
        with ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="account") as executor:
            for outcome, job in as_they_end(executor, runner.account_job, plans, identity, report):
                results.send((outcome, job))
                sent.add(outcome.account_id)
                return_free_memory()
    except Exception as error:  # e.g. no credentials in this process: each account left says why
        log.debug("worker %d could not run its accounts", os.getpid(), exc_info=True)
        for planned in accounts:
            if planned.account_id not in sent:
                reason = f"the worker process could not run it: {type(error).__name__}: {error}"
                results.send(runner.ended_without_job(planned.account_id, planned.name, "failed", reason))
    finally:
        store.close()
        results.close()


def _watch_lifeline(lifeline: Connection, runner: Runner) -> None:
    """The parent's stop; when the parent is gone (quit at once, killed), quit at once too."""
    try:
        while True:
            runner.request_stop(str(lifeline.recv()))  # the parent's reason: the signal it received
    except (EOFError, OSError):
        if runner.stop:
            os._exit(130)  # the parent stopped and quit without waiting: so do we
        os._exit(1)
