"""Run some of an account job's steps with each AWS call answered by hand: the odd answers a
regression test needs (a member AWS may leave out, text that is not JSON) and no emulator sends.

As in generated_answers.py, the answer is given from botocore's `before-call` event: the client, its
parameter validation, its paginators and our code around them all run. An operation not answered
gets an empty answer (nothing listed); `calls` records each call's parameters.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generated_answers import ACCOUNT, REGION, AnsweringPolicy, run_job
from graph_aws.aws.jobs import account_job_steps
from graph_aws.engine import JobResult, Step, StepResult

__all__ = ["ACCOUNT", "REGION", "HandAnswers", "run_on_answers", "step_result", "with_dependencies"]


@dataclass(frozen=True)
class HandAnswers(AnsweringPolicy):
    answers: Mapping[str, Any] = field(default_factory=dict)  # by API name: "DescribeKey"

    def answer_of(self, model: Any, params: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(self.answers.get(model.name, {}))


def with_dependencies(step_ids: Iterable[str]) -> list[Step]:
    """The account job's steps named, with every step they depend on, in the job's order."""
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
    return run_job(with_dependencies(step_ids), policy)


def step_result(result: JobResult, step_id: str) -> StepResult:
    return next(r for r in result.step_results if r.id == step_id)
