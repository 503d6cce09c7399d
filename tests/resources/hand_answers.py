"""Run some of an account job's steps with each AWS call answered by hand: the odd answers a
regression test needs (a member AWS may leave out, text that is not JSON) and no emulator sends.

As in generated_answers.py, the answer is given from botocore's `before-call` event: the client, its
parameter validation, its paginators and our code around them all run. An operation not answered
gets an empty answer (nothing listed); `calls` records each call's parameters.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from botocore.awsrequest import AWSResponse

from graph_aws.aws.botocore_sessions import CallPolicy
from graph_aws.aws.context import AccountResources
from graph_aws.aws.jobs import account_job_steps
from graph_aws.aws.sessions import ambient_session
from graph_aws.aws.shared_clients import SharedClients
from graph_aws.engine import JobResult, StepResult, execute_steps

ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass(frozen=True)
class HandAnswers(CallPolicy):
    answers: Mapping[str, Any] = field(default_factory=dict)  # by API name: "DescribeKey"
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, session: botocore.session.Session) -> None:
        super().register(session)
        session.register("before-call.*.*", self._answer)

    def _answer(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        with self._lock:
            self.calls.append((model.name, params.get("body")))
        answer = copy.deepcopy(self.answers.get(model.name, {}))
        answer["ResponseMetadata"] = {"HTTPStatusCode": 200, "RequestId": "by-hand", "HTTPHeaders": {}}
        return AWSResponse("https://by-hand.invalid", 200, {}, None), answer


def _with_dependencies(step_ids: Iterable[str]) -> list[Any]:
    by_id = {s.id: s for s in account_job_steps()}
    wanted: set[str] = set()
    pending = list(step_ids)
    while pending:
        step = by_id[pending.pop()]
        if step.id not in wanted:
            wanted.add(step.id)
            pending.extend(step.depends_on)
    return [s for s in account_job_steps() if s.id in wanted]


def run_on_answers(*step_ids: str, answers: Mapping[str, Any]) -> JobResult:
    """The job's result, the steps (and what they depend on) run in one region on `answers`."""
    policy = HandAnswers(answers={"DescribeRegions": {"Regions": [{"RegionName": REGION}]}, **answers})
    resources = AccountResources(
        session=ambient_session(REGION).bind(SharedClients(policy=policy), 1),
        account_id=ACCOUNT,
        partition="aws",
        requested_regions=(REGION,),
        region_workers=1,
    )
    try:
        return execute_steps(_with_dependencies(step_ids), resources, concurrency=1)
    finally:
        resources.close()


def step_result(result: JobResult, step_id: str) -> StepResult:
    return next(r for r in result.step_results if r.id == step_id)
