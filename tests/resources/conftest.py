"""Run some of an account job's steps (with what they depend on) against moto in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import boto3
import botocore.handlers
import pytest
from hand_answers import with_dependencies

from graph_aws.aws.api import describe_step_error
from graph_aws.aws.context import AccountResources
from graph_aws.aws.sessions import ambient_session
from graph_aws.aws.shared_clients import SharedClients
from graph_aws.engine import JobResult, execute_steps

ACCOUNT_ID = "123456789012"  # moto's default account, the one ambient credentials act in
REGIONS = ("us-east-1", "eu-west-1")


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


@pytest.fixture
def answered() -> Iterator[Callable[[str, str, Callable[[dict], object]], None]]:
    """`answered("iam", "GetAccountAuthorizationDetails", change)`: that service's answer to that call
    (by its event name: "elastic-load-balancing"), changed in place by `change(parsed)` before our
    code reads it, as AWS might send it; for the rest of the test."""
    entries = []

    def answer(service: str, operation: str, change: Callable[[dict], object]) -> None:
        entry = (f"after-call.{service}.{operation}", lambda parsed, **_: change(parsed))
        botocore.handlers.BUILTIN_HANDLERS.append(entry)
        entries.append(entry)

    yield answer
    for entry in entries:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
