"""Every AWS call of a real account job answered with what botocore's output shape allows (issue 8,
item 10): whole steps, their hand-written loops and hooks included, on answers no emulator sends.

`GeneratedAnswers` is a call policy (the run's timeouts and retries, as in production) whose clients
also answer each call before it is sent, from botocore's own `before-call` event, the way botocore's
Stubber does: the client, its parameter validation, its paginators and our code around them all run.

Each answer is drawn from a random generator seeded by the example's seed and by the request itself
(operation, path, query and body), never by the order of the calls, which the steps' threads decide:
so an example replays exactly, as Hypothesis needs.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from botocore.awsrequest import AWSResponse

from botocore_responses import Answers
from graph_aws.aws.botocore_sessions import CallPolicy
from graph_aws.aws.context import AccountResources
from graph_aws.aws.sessions import ambient_session
from graph_aws.aws.shared_clients import SharedClients
from graph_aws.engine import JobResult, Step, execute_steps
from graph_aws.model.data_model import nullable_required
from graph_aws.model.graph import CLASS_NAME, MIN_KEY_LENGTH, TYPE_NAME, property_problem

ACCOUNT = "123456789012"  # the account and the one region a job on answered calls reads
REGION = "us-east-1"
_PAGINATORS = botocore.session.get_session()
# Members that ask for another page, in the calls graph-aws pages by hand or botocore by its model:
# a generated answer would otherwise ask for pages forever. One page each is enough here.
_NEXT_PAGE = ("NextToken", "nextToken", "NextMarker", "Marker", "NextPageToken", "NextContinuationToken")


def _one_page(service: str, operation: str, answer: dict[str, Any]) -> dict[str, Any]:
    try:
        paginator = _PAGINATORS.get_paginator_model(service).get_paginator(operation)
    except (ValueError, KeyError):  # no paginator: paged by hand, if at all
        paginator = {}
    tokens = paginator.get("output_token") or []
    expressions = [tokens] if isinstance(tokens, str) else tokens
    # "NextMarker || Contents[-1].Key": only the plain member names are the answer's own tokens.
    plain = [part.strip() for text in expressions for part in text.split("||")]
    for name in [*_NEXT_PAGE, *plain]:
        if "." not in name and "[" not in name:
            answer.pop(name, None)
    more = paginator.get("more_results")
    for flag in ("IsTruncated", "Truncated", *([more] if more and "." not in more else [])):
        if flag in answer:
            answer[flag] = False
    return answer


@dataclass(frozen=True)
class AnsweringPolicy(CallPolicy):
    """A call policy whose clients answer every call before it is sent with `answer_of(...)`."""

    calls: list[tuple[str, Any]] = field(default_factory=list)  # (operation, request body), as made
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, session: botocore.session.Session) -> None:
        super().register(session)
        session.register("before-call.*.*", self._answer)

    def answer_of(self, model: Any, params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _answer(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        with self._lock:
            self.calls.append((model.name, params.get("body")))
        answer = self.answer_of(model, params)
        answer["ResponseMetadata"] = {"HTTPStatusCode": 200, "RequestId": "answered", "HTTPHeaders": {}}
        return AWSResponse("https://answered.invalid", 200, {}, None), answer


@dataclass(frozen=True)
class GeneratedAnswers(AnsweringPolicy):
    """Answer every call with a generated answer; `fixed` answers some operations (by API name)
    with what a factory returns instead."""

    seed: int = 0
    fixed: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)

    def answer_of(self, model: Any, params: dict[str, Any]) -> dict[str, Any]:
        if model.name in self.fixed:
            return self.fixed[model.name]()
        service = model.service_model.service_name
        request = (params.get("url_path"), params.get("query_string"), params.get("body"))
        rng = random.Random(f"{self.seed}|{service}.{model.name}|{request!r}")
        answer = Answers(rng).of(model.output_shape) if model.output_shape is not None else {}
        return _one_page(service, model.name, answer)


def run_job(steps: Sequence[Step], policy: CallPolicy, *, describe_error: Any = None) -> JobResult:
    """`steps` run as an account job of ACCOUNT in REGION, one step and one call at a time, every
    call made under `policy`."""
    resources = AccountResources(
        session=ambient_session(REGION).bind(SharedClients(policy=policy), 1),
        account_id=ACCOUNT,
        partition="aws",
        requested_regions=(REGION,),
        region_workers=1,
    )
    try:
        extra = {"describe_error": describe_error} if describe_error else {}
        return execute_steps(steps, resources, concurrency=1, **extra)
    finally:
        resources.close()


def entity_problems(entity: Any) -> list[str]:
    """What makes `entity` one the model refuses, or one JupiterOne's schemas would: none if valid."""
    if not isinstance(entity, dict):
        return [f"not an entity: {type(entity).__name__}"]
    problems = []
    key = entity.get("_key")
    if not (isinstance(key, str) and len(key) >= MIN_KEY_LENGTH):
        problems.append(f"_key {key!r}")
    if not TYPE_NAME.match(str(entity.get("_type"))):
        problems.append(f"_type {entity.get('_type')!r}")
    classes = entity.get("_class") or []
    if not classes or not all(CLASS_NAME.match(c) for c in classes):
        problems.append(f"_class {classes!r}")
    for name in ("name", "displayName"):
        if not (isinstance(entity.get(name), str) and entity[name]):
            problems.append(f"{name} {entity.get(name)!r}")
    for prop, value in entity.items():
        if not prop.startswith("_") and prop not in ("name", "displayName"):
            problem = property_problem(prop, value)
            if problem:
                problems.append(f"{prop}={value!r}: {problem}")
    problems += [f"required {p} missing" for p in nullable_required(classes) if p not in entity]
    return problems
