"""Run some of an account job's steps (with what they depend on) against moto in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import boto3
import pytest

from graph_aws.aws.api import describe_step_error
from graph_aws.aws.context import AccountResources
from graph_aws.aws.jobs import account_job_steps
from graph_aws.aws.sessions import ambient_session
from graph_aws.aws.shared_clients import SharedClients
from graph_aws.engine import JobResult, Step, execute_steps

ACCOUNT_ID = "123456789012"  # moto's default account, the one ambient credentials act in
REGIONS = ("us-east-1", "eu-west-1")


def with_dependencies(step_ids: Iterable[str]) -> list[Step]:
    by_id = {s.id: s for s in account_job_steps()}
    wanted: dict[str, Step] = {}
    pending = list(step_ids)
    while pending:
        step = by_id[pending.pop()]
        if step.id not in wanted:
            wanted[step.id] = step
            pending.extend(step.depends_on)
    return [s for s in account_job_steps() if s.id in wanted]


RunSteps = Callable[..., JobResult]


@pytest.fixture
def run_steps(mock_aws) -> RunSteps:
    """`run_steps("fetch-kms-keys", regions=("us-east-1",))`: the job's result, steps and dependencies run
    (`shared=` the run's clients and memo, to play several account jobs of one run; `partition` and
    `home`, the session's region, to run them as in another partition, GovCloud)."""

    def run(
        *step_ids: str,
        regions: Iterable[str] = REGIONS,
        shared: SharedClients | None = None,
        partition: str = "aws",
        home: str | None = None,
    ) -> JobResult:
        resources = AccountResources(
            session=ambient_session(home).bind(shared if shared is not None else SharedClients(), 4),
            account_id=ACCOUNT_ID,
            partition=partition,
            requested_regions=tuple(regions),
        )
        try:
            return execute_steps(
                with_dependencies(step_ids), resources, concurrency=4, describe_error=describe_step_error
            )
        finally:
            resources.close()

    return run


@pytest.fixture
def client(mock_aws) -> Callable[..., object]:
    """A boto3 client in moto's default account: `client("kms", "eu-west-1")`."""
    return lambda service, region="us-east-1": boto3.client(service, region_name=region)
