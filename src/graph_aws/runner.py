"""A run: the organization job, then one job per ingested account, several at once.

Each job has its own credentials, steps and scope. A job that cannot start (AssumeRole refused)
or dies changes nothing in its scope; a finished job's scope is synchronized in one transaction,
with the types of failed steps kept as partial. Accounts that left the organization, or that are now
skipped or inactive, lose their resources only after a complete listing of the organization.

Stopping (`request_stop`, from SIGINT or SIGTERM): no job, step or AWS call starts afterwards; calls
in flight finish or time out; a job that finished all its work still lands, one that was cut short
changes nothing; the run is recorded as `interrupted`, with each account's outcome. Each outcome is
recorded as its job ends, so even a killed run leaves them; the next run marks it `abandoned`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Protocol

from graph_aws import shards
from graph_aws.aws.api import describe_step_error
from graph_aws.aws.botocore_sessions import CallPolicy
from graph_aws.aws.context import AccountResources
from graph_aws.aws.jobs import account_job_steps
from graph_aws.aws.organization import steps as org
from graph_aws.aws.sessions import AccountSession, Identity, ambient_session, assume_role, role_arn
from graph_aws.aws.shared_clients import SharedClients
from graph_aws.config import Settings
from graph_aws.engine import JobResult, StepStatus, StopSignal, execute_steps
from graph_aws.errors import CredentialsError, GraphAwsError, Interrupted, SelectionError, StoreError
from graph_aws.model.sources import with_integration_metadata
from graph_aws.redaction import redact
from graph_aws.shards import WAIT_STEP, Shard
from graph_aws.store import AccountOutcome, JobRecord, Store, SyncCounts, account_scope, organization_scope
from graph_aws.store.base import ACCOUNT_SCOPE_PREFIX
from graph_aws.workers import PlannedAccount, as_they_end, run_in_workers

log = logging.getLogger(__name__)

INGESTED, PARTIAL, FAILED, INTERRUPTED = "ingested", "partial", "failed", "interrupted"
# Steps of one account run side by side (each fans out over regions, within --calls-per-account).
STEPS_AT_ONCE = 4


def _now_ms() -> int:
    return int(time.time() * 1000)


class Progress(Protocol):
    """What the command line shows while a run goes on."""

    def phase(self, text: str) -> None: ...

    def accounts_planned(self, total: int) -> None: ...

    def account_done(self, outcome: AccountOutcome) -> None: ...


class _Silent:
    def phase(self, text: str) -> None:
        pass

    def accounts_planned(self, total: int) -> None:
        pass

    def account_done(self, outcome: AccountOutcome) -> None:
        pass


@dataclass
class RunReport:
    run_id: int
    organization_id: str | None
    outcomes: list[AccountOutcome] = field(default_factory=list)
    jobs: list[JobRecord] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # one line per failed account or step
    interrupted: str | None = None  # why the run stopped early (the signal)
    abandoned_runs: list[int] = field(default_factory=list)  # earlier runs found left open

    @property
    def succeeded(self) -> bool:
        return not self.failures and not self.interrupted

    @property
    def status(self) -> str:
        return "interrupted" if self.interrupted else "succeeded" if self.succeeded else "failed"

    def add_job(self, job: JobRecord) -> None:
        """Keep what the summary needs of a job: its counts and its steps' warnings. The whole
        step results (about 150 KB an account) are in the store's job record, not held here."""
        steps = [
            {"id": step["id"], "warnings": step["warnings"]}
            for step in job.summary.get("integrationStepResults", [])
            if step.get("warnings")
        ]
        self.jobs.append(replace(job, summary={"integrationStepResults": steps} if steps else {}))

    @property
    def warnings(self) -> list[tuple[str, str, str]]:
        """(scope, step id, message) of every step warning of the run."""
        return [
            (job.scope, step["id"], warning)
            for job in self.jobs
            for step in job.summary.get("integrationStepResults", [])
            for warning in step.get("warnings", [])
        ]

    @property
    def counts(self) -> SyncCounts:
        total = SyncCounts()
        for job in self.jobs:
            total += job.counts
        return total


@dataclass
class _AccountPlan:
    account_id: str
    name: str | None
    session: Callable[[], AccountSession]


class Runner:
    def __init__(self, settings: Settings, store: Store, progress: Progress | None = None) -> None:
        self.settings = settings
        self.store = store
        self.progress = progress or _Silent()
        self.stop = StopSignal()
        self._policy = CallPolicy(
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            call_timeout=settings.call_timeout,
            stop=self.stop,
        )
        # Every account job calls AWS through the same clients, one per service and region.
        self._shared_clients = SharedClients(
            pool_size=settings.concurrency * settings.calls_per_account, policy=self._policy
        )
        self._store_failure: StoreError | None = None

    def request_stop(self, reason: str) -> None:
        """Start no new work; let calls in flight finish or time out. Safe from a signal handler."""
        self.stop.set(reason)

    # ------------------------------------------------------------------ the run

    def run(self) -> RunReport:
        settings = self.settings
        abandoned = self.store.abandon_dead_runs()
        run_id = self.store.start_run(
            "organization" if settings.organization else "account", settings.public()
        )
        report = RunReport(run_id=run_id, organization_id=None, abandoned_runs=abandoned)
        status = None
        try:
            self._run(report)
        except SelectionError:
            status = "refused"
            raise
        except Interrupted:
            pass  # the stop came before any account job: recorded below
        except GraphAwsError as error:
            report.failures.append(redact(str(error)))
            raise
        finally:
            if self.stop and self._store_failure is None:  # stopped by a signal, not by the store
                report.interrupted = self.stop.reason
            self.store.finish_run(run_id, status or report.status, report.organization_id)
        if self._store_failure is not None:
            raise self._store_failure
        return report

    def _record(self, report: RunReport, outcome: AccountOutcome, job: JobRecord) -> None:
        """An account job's outcome and record, in the report and in the store, as soon as it ends."""
        report.outcomes.append(outcome)
        report.add_job(job)
        self.store.record_job(report.run_id, job)
        self.store.record_accounts(report.run_id, [outcome])
        if outcome.outcome not in (INGESTED, INTERRUPTED):
            report.failures.append(f"account {outcome.account_id}: {outcome.reason}")

    def management_session(self) -> tuple[AccountSession, Identity]:
        """The session of the credentials (the management account's, --role-arn assumed first)."""
        settings = self.settings
        pool = max(10, settings.concurrency * 2)
        management = ambient_session(pool_size=pool, policy=self._policy)
        if settings.role_arn:
            management = assume_role(
                management, settings.role_arn, settings.external_id_value(), pool_size=pool
            )
        return management, management.identity()

    def _run(self, report: RunReport) -> None:
        settings = self.settings
        shard = Shard.parse(settings.shard)
        self.progress.phase("Checking credentials")
        self.stop.check()
        management, identity = self.management_session()

        caller = _AccountPlan(identity.account_id, None, lambda: management)
        plans = [caller] if shard.holds(caller.account_id) else []
        listing: list[org.OrganizationAccount] | None = None
        if settings.organization:
            listing = self._listing(report, management, identity, shard)
            mine = [a for a in listing or [] if shard.holds(a.account_id)]
            plans += self._plan_members(report, management, identity, mine, caller)

        self.progress.accounts_planned(len(plans))
        for outcome, job in self._account_jobs(report, plans, identity):
            self._record(report, outcome, job)
            self.progress.account_done(outcome)

        if listing is not None and report.organization_id and not self.stop:
            self._remove_departed(report, listing, shard)

    def _listing(
        self, report: RunReport, management: AccountSession, identity: Identity, shard: Shard
    ) -> list[org.OrganizationAccount] | None:
        """The organization's complete listing: listed here, or by shard 0 of the run group."""
        group = self.settings.run_group
        if shard.lists_the_organization:
            self.progress.phase("Listing the organization")
            try:
                listing = self._organization_job(report, management, identity)
            except GraphAwsError as error:  # refused or stopped: the other shards stop too, saying why
                if shard.count > 1 and group:
                    shards.publish(self.store, group, shards.GroupListing(None, None, redact(str(error))))
                raise
            if shard.count > 1 and group:
                reason = None if report.organization_id else "; ".join(report.failures) or "not listed"
                shards.publish(
                    self.store, group, shards.GroupListing(report.organization_id, listing, reason)
                )
            return listing
        assert group is not None  # the settings ask for it with --shard
        self.progress.phase(f"Waiting for shard 0 of run group {group} to list the organization")
        published = shards.wait_for(
            self.store, group, self.settings.shard_wait, lambda: bool(self.stop), step=WAIT_STEP
        )
        if published.organization_id is None:
            raise GraphAwsError(
                f"run group {group!r}: shard 0 could not list the organization: {published.reason}"
            )
        report.organization_id = published.organization_id
        return published.accounts

    def _account_jobs(
        self, report: RunReport, plans: list[_AccountPlan], identity: Identity
    ) -> Iterator[tuple[AccountOutcome, JobRecord]]:
        """Every planned job's outcome and record, as each ends: in threads of this process, or in
        --workers processes (workers.py) when there are accounts enough to share."""
        workers = self.settings.worker_count(len(plans))
        if workers > 1:
            planned = [
                PlannedAccount(p.account_id, p.name, p.account_id == identity.account_id) for p in plans
            ]
            yield from run_in_workers(self, planned, report.organization_id, workers)
            return
        with ThreadPoolExecutor(
            max_workers=self.settings.concurrency, thread_name_prefix="account"
        ) as executor:
            # In the order they finish, so progress moves as they do.
            yield from as_they_end(executor, self.account_job, plans, identity, report)

    # ------------------------------------------------------------------ organization

    def _organization_job(
        self, report: RunReport, management: AccountSession, identity: Identity
    ) -> list[org.OrganizationAccount] | None:
        """Run the organization job; return its account listing when the listing was complete."""
        started = _now_ms()
        resources = org.OrganizationResources(
            session=management,
            partition=identity.partition,
            caller_account_id=identity.account_id,
            selection=self.settings.selection,
            concurrency=self.settings.concurrency,
        )
        result = execute_steps(
            org.ORGANIZATION_STEPS,
            resources,
            concurrency=2,
            describe_error=describe_step_error,
            stop=self.stop,
        )
        if self.stop:  # cut short: nothing of the organization is written, no account job starts
            reason = f"stopped before it finished ({self.stop.reason}); nothing was written"
            job = JobRecord(
                "organization:?", INTERRUPTED, reason, started, _now_ms(), summary=result.summary()
            )
            report.add_job(job)
            self.store.record_job(report.run_id, job)
            raise Interrupted(reason)
        mismatches = result.job_state.get_data(org.SELECTION_MISMATCHES) or []
        if mismatches and not self.settings.allow_missing:
            raise SelectionError(
                "; ".join(mismatches) + ". Nothing was written: fix the ids, or pass --allow-missing "
                "to go on without them"
            )
        organization = result.job_state.get_data(org.ORGANIZATION)
        failures = self._step_failures(result)
        if organization is None:
            # Without the organization's id there is no scope to write to: the job did not start.
            reason = failures[0] if failures else "the organization could not be described"
            report.failures.append(f"organization: {reason}")
            report.add_job(
                JobRecord(
                    "organization:?", "not_started", reason, started, _now_ms(), summary=result.summary()
                )
            )
            return None
        report.organization_id = organization["Id"]
        scope = organization_scope(organization["Id"])
        counts = self.store.sync_scope(
            scope,
            with_integration_metadata(result.job_state.entities(), scope),
            result.job_state.relationships(),
            result.partial_types,
            organization_id=organization["Id"],
        )
        job = JobRecord(
            scope=scope,
            status="succeeded" if not failures else "partial",
            reason="; ".join(failures) or None,
            started_at=started,
            ended_at=_now_ms(),
            counts=counts,
            summary=result.summary(),
        )
        report.add_job(job)
        self.store.record_job(report.run_id, job)
        report.failures.extend(f"organization: {f}" for f in failures)
        accounts: list[org.OrganizationAccount] | None = result.job_state.get_data(org.ACCOUNTS)
        complete = result.job_state.get_data(org.LISTING_COMPLETE, False)
        return accounts if complete else None

    def _plan_members(
        self,
        report: RunReport,
        management: AccountSession,
        identity: Identity,
        listing: list[org.OrganizationAccount] | None,
        caller: _AccountPlan,
    ) -> list[_AccountPlan]:
        """Every selected member but the caller's own account (which gets its name from the listing);
        skipped ones are recorded with their reason."""
        plans = []
        left_out = []
        for account in listing or []:
            if account.account_id == caller.account_id:
                caller.name = account.name
                continue
            if not account.decision.selected:
                decision = account.decision
                left_out.append(
                    AccountOutcome(
                        account.account_id, account.name, decision.status, decision.reason, _now_ms()
                    )
                )
                continue
            plans.append(self.plan_account(account.account_id, account.name, False, management, identity))
        report.outcomes.extend(left_out)
        self.store.record_accounts(report.run_id, left_out)
        return plans

    def plan_account(
        self,
        account_id: str,
        name: str | None,
        is_caller: bool,
        management: AccountSession,
        identity: Identity,
    ) -> _AccountPlan:
        if is_caller:
            return _AccountPlan(account_id, name, lambda: management)
        arn = role_arn(identity.partition, account_id, self.settings.role_name or "")
        # Only the credentials are used: account jobs call AWS through the shared clients.
        return _AccountPlan(
            account_id, name, lambda: assume_role(management, arn, self.settings.external_id_value())
        )

    def _remove_departed(
        self, report: RunReport, listing: list[org.OrganizationAccount], shard: Shard
    ) -> None:
        """After a complete listing: accounts that left hold nothing; skipped and inactive ones hold
        no resources (their aws_account, from the organization's scope, says why). Each shard removes
        only accounts of its own slice: the other shards' accounts are theirs to ingest."""
        keep = {a.account_id for a in listing if a.decision.selected}
        for scope in self.store.scopes(report.organization_id):
            if not scope.startswith(ACCOUNT_SCOPE_PREFIX):
                continue
            account_id = scope.removeprefix(ACCOUNT_SCOPE_PREFIX)
            if account_id not in keep and shard.holds(account_id):
                counts = self.store.delete_scope(scope)
                log.info("removed %s (%d objects): no longer ingested", scope, counts.deleted)
                job = JobRecord(scope, "removed", "no longer ingested", _now_ms(), _now_ms(), counts)
                report.add_job(job)
                self.store.record_job(report.run_id, job)

    # ------------------------------------------------------------------ accounts

    def ended_without_job(
        self, account_id: str, name: str | None, outcome: str, reason: str
    ) -> tuple[AccountOutcome, JobRecord]:
        """The outcome and record of an account job that never reported (its worker died or stopped)."""
        status = INTERRUPTED if outcome == INTERRUPTED else FAILED
        reason = redact(reason)
        job = JobRecord(account_scope(account_id), status, reason, _now_ms(), _now_ms())
        return AccountOutcome(account_id, name, outcome, reason, _now_ms()), job

    def account_job(
        self, plan: _AccountPlan, identity: Identity, report: RunReport
    ) -> tuple[AccountOutcome, JobRecord]:
        started = _now_ms()
        scope = account_scope(plan.account_id)

        def ended(
            outcome: str,
            reason: str | None,
            status: str,
            counts: SyncCounts | None = None,
            summary: dict[str, object] | None = None,
        ) -> tuple[AccountOutcome, JobRecord]:
            reason = redact(reason) if reason else None
            job = JobRecord(scope, status, reason, started, _now_ms(), counts or SyncCounts(), summary or {})
            return AccountOutcome(plan.account_id, plan.name, outcome, reason, _now_ms()), job

        if self.stop:
            return ended(INTERRUPTED, f"not started: {self.stop.reason}; its data is unchanged", INTERRUPTED)
        calls = self.settings.calls_per_account
        try:
            account = plan.session()
            session = account.bind(self._shared_clients, calls)
        except CredentialsError as error:
            return ended(FAILED, str(error), "not_started")
        except Interrupted:
            return ended(INTERRUPTED, f"not started: {self.stop.reason}; its data is unchanged", INTERRUPTED)
        resources = AccountResources(
            session=session,
            account_id=plan.account_id,
            partition=identity.partition,
            requested_regions=tuple(self.settings.regions),
            region_workers=calls,
        )
        try:
            result = execute_steps(
                account_job_steps(),
                resources,
                concurrency=STEPS_AT_ONCE,
                describe_error=describe_step_error,
                stop=self.stop,
            )
            if session.interrupted or result.not_started:
                # Cut short by the stop: what it found is incomplete, so its scope is left as it was.
                reason = f"stopped before it finished ({self.stop.reason}); its data is unchanged"
                return ended(INTERRUPTED, reason, INTERRUPTED, summary=result.summary())
            counts = self.store.sync_scope(
                scope,
                with_integration_metadata(result.job_state.entities(), scope),
                result.job_state.relationships(),
                result.partial_types,
                organization_id=report.organization_id,
            )
            failures = self._step_failures(result)
        except StoreError as error:  # the store cannot be written (disk full): no point going on
            self._store_failure = self._store_failure or error
            self.request_stop("the store could not be written")
            return ended(FAILED, str(error), FAILED)
        except Exception as error:  # the job died: its scope is untouched, other accounts go on
            log.debug("account job %s died", plan.account_id, exc_info=True)
            return ended(FAILED, f"{type(error).__name__}: {error}", FAILED)
        finally:
            resources.close()
            account.forget_secrets()  # on every way out, once this job's texts are redacted
        failure_reason = "; ".join(failures) or None
        return ended(
            PARTIAL if failures else INGESTED,
            failure_reason,
            "partial" if failures else "succeeded",
            counts=counts,
            summary=result.summary(),
        )

    def _step_failures(self, result: JobResult) -> list[str]:
        return [redact(r.error or r.id) for r in result.step_results if r.status is StepStatus.FAILURE]
