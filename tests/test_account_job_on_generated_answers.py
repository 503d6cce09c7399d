"""A whole account job on answers generated from botocore's output shapes (issue 8, item 10).

Every step of the account job runs as the runner runs it (the executor, the shared clients, the
call policy), and every call it makes, list calls, detail and enrichment calls, the batched tag
reads and the hand-written IAM, EC2 instance and DynamoDB loops alike, is answered with anything
botocore's model allows (tests/botocore_responses.py). Nothing may fail: each call succeeded, so a
failed step is our code refusing an answer AWS may send. Every entity must pass the model's rules,
and the job's scope must be written to a real store as the runner writes it. An item that cannot be
an entity is left out with a warning naming it; its neighbours stay.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generated_answers import ACCOUNT, REGION, GeneratedAnswers, entity_problems, run_job
from graph_aws.aws.api import describe_step_error
from graph_aws.aws.jobs import account_job_steps
from graph_aws.model.sources import with_integration_metadata
from graph_aws.store import SqliteStore
from graph_aws.store.base import account_scope


def _one_region() -> dict[str, object]:
    # The regions the job reads come from DescribeRegions: one real region keeps each example small.
    return {"Regions": [{"RegionName": REGION, "Endpoint": f"ec2.{REGION}.amazonaws.com"}]}


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,  # the same examples at every run
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(st.integers(min_value=0, max_value=2**32))
def test_an_account_job_survives_any_answer_botocore_can_parse(seed: int) -> None:
    # A report not yet generated is polled for 7 s: generated here at the first poll.
    fixed = {"DescribeRegions": _one_region, "GenerateCredentialReport": lambda: {"State": "COMPLETE"}}
    policy = GeneratedAnswers(seed=seed, fixed=fixed)
    result = run_job(account_job_steps(), policy, describe_error=describe_step_error)

    failed = {r.id: r.error for r in result.failed_steps}
    assert not failed, failed
    entities = result.job_state.entities()
    problems = {e.get("_key"): entity_problems(e) for e in entities}
    assert not {key: p for key, p in problems.items() if p}

    scope = account_scope(ACCOUNT)
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(Path(folder) / "graph.db")
        try:
            store.sync_scope(
                scope,
                with_integration_metadata(entities, scope),
                result.job_state.relationships(),
                result.partial_types,
            )
        finally:
            store.close()
