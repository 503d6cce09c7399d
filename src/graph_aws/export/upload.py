"""`graph-aws upload`: the store's graph to a JupiterOne API (JupiterOne itself, or another `serve`),
through the persister's synchronization jobs, the way JupiterOne's SDK uploads.

One job per account scope, each a DIFF of source `api` with scope `<prefix>:<local scope>`:
`<prefix>:account:<id>` holds what is found inside that account (and its `aws_account`),
`<prefix>:organization:<o-id>` the organization and whatever belongs to no collected account. A
relationship between two of those scopes (a role trusting a role of another account) is sent last,
in `<prefix>:links`, once the entities at both its ends exist. As in `export --format j1`, what
graph-aws does not own (`_source: system-mapper`) is not sent as an entity: the relationships to it
are mapped relationships, and the receiver's mapper links or makes their targets. Each job's
partial types are the local job's (`partialDatasets.types` at finalize), so what the last collect
could not see is never deleted over there either.

Uploads go in batches of at most `batch_bytes` of JSON, `concurrency` at once, each tried up to
`attempts` times with jittered exponential back-off on connection errors, 429 and 5xx; a 413 splits
the batch in two. Any other failure aborts the job (`/abort`) and stops the upload.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from graph_aws.errors import GraphAwsError
from graph_aws.export.j1_export import as_exported, mapped_relationship, target_entity
from graph_aws.model import is_mapped
from graph_aws.store import Store

JOBS = "/persister/synchronization/jobs"
RETRIED = {429, 500, 502, 503, 504}


class UploadError(GraphAwsError):
    """The upload stopped; the message names the job, what failed and, where it can, the fix."""


@dataclass(frozen=True)
class UploadSettings:
    api_base_url: str
    account: str
    api_key: str
    scope_prefix: str = "graph-aws"
    batch_bytes: int = 5_000_000  # the SDK's DEFAULT_UPLOAD_BATCH_SIZE_IN_BYTES
    concurrency: int = 6  # the SDK's UPLOAD_CONCURRENCY
    attempts: int = 5
    backoff_s: float = 0.2
    timeout_s: float = 120.0


@dataclass
class PlannedJob:
    scope: str  # the local scope it mirrors, or "links"
    entities: list[dict[str, Any]] = field(default_factory=list)
    relationships: list[dict[str, Any]] = field(default_factory=list)
    partial_types: set[str] = field(default_factory=set)


@dataclass
class JobResult:
    scope: str
    job: dict[str, Any]


def _latest_partial_types(store: Store) -> dict[str, set[str]]:
    """Each local scope's partial types, from the latest run that recorded a job for it."""
    partial: dict[str, set[str]] = {}
    for run in reversed(store.runs()):
        for job in store.jobs(run.id):
            if job.scope not in partial:
                types = job.summary.get("metadata", {}).get("partialDatasets", {}).get("types", [])
                partial[job.scope] = set(types)
    return partial


def plan_jobs(store: Store) -> list[PlannedJob]:
    """The jobs to send, as JupiterOne's SDK would send this graph: the entities graph-aws owns, without
    the metadata JupiterOne sets itself; mapped entities not at all, but the relationships to them as
    mapped relationships, for the receiver's mapper to link (or make) their targets."""
    scopes = store.scopes()
    accounts = {s.removeprefix("account:") for s in scopes if s.startswith("account:")}
    home = next((s for s in scopes if s.startswith("organization:")), "graph")
    jobs: dict[str, PlannedJob] = {home: PlannedJob(home)}
    group_of: dict[str, str] = {}
    mapped: dict[str, dict[str, Any]] = {}
    for entity in store.entities():
        if is_mapped(entity):
            mapped[entity["_key"]] = entity
            continue
        account_id = str(entity.get("accountId") or "")
        group = f"account:{account_id}" if account_id in accounts else home
        jobs.setdefault(group, PlannedJob(group)).entities.append(as_exported(entity))
        group_of[entity["_key"]] = group
    links = PlannedJob("links")
    for relationship in store.relationships():
        from_key, to_key = relationship["_fromEntityKey"], relationship["_toEntityKey"]
        from_group, to_group = group_of.get(from_key), group_of.get(to_key)
        if from_group is not None and from_group == to_group:
            jobs[from_group].relationships.append(relationship)
        elif from_group is not None and to_group is not None:
            links.relationships.append(relationship)
        elif from_group is not None or to_group is not None:  # one end is not graph-aws's own
            source, other = (from_key, to_key) if from_group is not None else (to_key, from_key)
            target = target_entity(mapped.get(other, {"_key": other}))
            direction = "FORWARD" if from_group is not None else "REVERSE"
            jobs[from_group or to_group or home].relationships.append(
                mapped_relationship(relationship, source, target, direction)
            )
        # neither end owned: nothing to map from (export --format j1 leaves these out too)
    partial = _latest_partial_types(store)
    for scope, job in jobs.items():
        job.partial_types = partial.get(scope, set())
    links.partial_types = set().union(*partial.values()) if partial else set()
    ordered = [jobs[home]] + [jobs[s] for s in sorted(jobs) if s != home]
    return [j for j in ordered if j.entities or j.relationships] + ([links] if links.relationships else [])


def batches(objects: Iterable[dict[str, Any]], limit: int) -> Iterator[list[dict[str, Any]]]:
    """Consecutive batches whose JSON stays within `limit` bytes (an object larger than that goes alone)."""
    batch: list[dict[str, Any]] = []
    size = 32  # the envelope: {"entities": [...]}
    for obj in objects:
        length = len(json.dumps(obj, separators=(",", ":")).encode()) + 1
        if batch and size + length > limit:
            yield batch
            batch, size = [], 32
        batch.append(obj)
        size += length
    if batch:
        yield batch


class _Uploader:
    def __init__(self, settings: UploadSettings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.client = client
        self.in_flight = asyncio.Semaphore(settings.concurrency)

    async def call(
        self, path: str, body: dict[str, Any], what: str, splittable: bool = False
    ) -> dict[str, Any]:
        """POST with retries; the answer's JSON, or UploadError with the server's own reason (a 413 of a
        batch that can be split raises _TooLarge instead)."""
        s = self.settings
        for attempt in range(1, s.attempts + 1):
            try:
                answer = await self.client.post(path, json=body)
            except httpx.TransportError as error:
                if attempt == s.attempts:
                    raise UploadError(f"{what}: {type(error).__name__} talking to {s.api_base_url}") from None
                await self._pause(attempt, None)
                continue
            if answer.status_code in RETRIED and attempt < s.attempts:
                await self._pause(attempt, answer.headers.get("retry-after"))
                continue
            if answer.status_code == 413 and splittable:
                raise _TooLarge
            if answer.status_code >= 400:
                raise UploadError(f"{what}: HTTP {answer.status_code} {_reason(answer)}")
            return answer.json() if answer.content else {}
        raise AssertionError("unreachable")

    async def _pause(self, attempt: int, retry_after: str | None) -> None:
        delay = self.settings.backoff_s * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
        if retry_after and retry_after.isdigit():
            delay = max(delay, float(retry_after))
        await asyncio.sleep(min(delay, 30.0))

    async def send(self, job_id: str, kind: str, batch: list[dict[str, Any]], scope: str) -> None:
        try:
            async with self.in_flight:
                await self.call(f"{JOBS}/{job_id}/{kind}", {kind: batch}, f"{scope}: uploading {kind}", True)
        except _TooLarge:
            if len(batch) == 1:
                raise UploadError(
                    f"{scope}: {kind[:-1]} {batch[0].get('_key')!r} alone is larger than the API accepts "
                    "(HTTP 413)"
                ) from None
            half = len(batch) // 2
            await asyncio.gather(
                self.send(job_id, kind, batch[:half], scope), self.send(job_id, kind, batch[half:], scope)
            )

    async def run_job(self, planned: PlannedJob) -> JobResult:
        scope = f"{self.settings.scope_prefix}:{planned.scope}"
        started = await self.call(
            JOBS, {"source": "api", "scope": scope, "syncMode": "DIFF"}, f"{scope}: start"
        )
        job_id = started["job"]["id"]
        try:
            for kind, objects in (("entities", planned.entities), ("relationships", planned.relationships)):
                await asyncio.gather(
                    *(self.send(job_id, kind, b, scope) for b in batches(objects, self.settings.batch_bytes))
                )
            body = {"partialDatasets": {"types": sorted(planned.partial_types)}}
            finished = await self.call(f"{JOBS}/{job_id}/finalize", body, f"{scope}: finalize")
        except BaseException as error:
            reason = str(error) if isinstance(error, UploadError) else type(error).__name__
            with contextlib.suppress(UploadError):  # the first failure is the one to report
                await self.call(f"{JOBS}/{job_id}/abort", {"reason": reason}, f"{scope}: abort")
            raise
        return JobResult(planned.scope, finished["job"])


class _TooLarge(Exception):
    pass


def _reason(answer: httpx.Response) -> str:
    try:
        payload = answer.json()
    except ValueError:
        return answer.text[:200].replace("\n", " ")
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        return f"{error.get('code', '')}: {error.get('message', '')}".strip(": ")
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message", ""))
    return json.dumps(payload)[:200]


async def _upload(
    settings: UploadSettings, jobs: list[PlannedJob], done: Callable[[JobResult], None]
) -> list[JobResult]:
    headers = {
        "Authorization": f"Bearer {settings.api_key}",
        "JupiterOne-Account": settings.account,
        "LifeOmic-Account": settings.account,
        "Content-Type": "application/json",
        "User-Agent": "graph-aws-upload",
    }
    limits = httpx.Limits(max_connections=settings.concurrency + 2)
    async with httpx.AsyncClient(
        base_url=settings.api_base_url.rstrip("/"), headers=headers, timeout=settings.timeout_s, limits=limits
    ) as client:
        uploader = _Uploader(settings, client)
        results = []
        for planned in jobs:  # one after the other: the links job needs every other job's entities
            result = await uploader.run_job(planned)
            done(result)
            results.append(result)
        return results


def upload(
    store: Store, settings: UploadSettings, done: Callable[[JobResult], None] = lambda result: None
) -> list[JobResult]:
    """Upload the store's graph; `done` is called as each job finishes."""
    jobs = plan_jobs(store)
    if not jobs:
        raise UploadError("the store holds no graph to upload: collect first (graph-aws collect or demo)")
    return asyncio.run(_upload(settings, jobs, done))
