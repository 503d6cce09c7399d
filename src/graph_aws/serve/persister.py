"""The persister's synchronization API, as `j1-integration sync` and the `jupiterone` client call it.

    POST /persister/synchronization/jobs                 {source, integrationInstanceId | scope, syncMode?}
    GET  /persister/synchronization/jobs/{id}
    POST /persister/synchronization/jobs/{id}/entities       {entities: [...]}
    POST /persister/synchronization/jobs/{id}/relationships  {relationships: [...]}
    POST /persister/synchronization/jobs/{id}/upload         {entities?, relationships?,
                                                              deleteEntities?, deleteRelationships?}
    POST /persister/synchronization/jobs/{id}/events         {events: [...]}
    POST /persister/synchronization/jobs/{id}/finalize       {partialDatasets?: {types: [...]}}
    POST /persister/synchronization/jobs/{id}/abort          {reason?}

Each integration instance (`integration:<integrationInstanceId>`) and each API scope
(`api:<scope>`) owns one scope of the store. Uploads are checked as they come and spooled to a
temporary file (a job of 100,000 entities is not held in memory until it is finalized); finalize
applies them (finalize.py) in one transaction and answers FINISHED; abort drops them, and so does
an hour without uploads. Jobs live in serve's memory: a restart forgets them (their clients then
get JOB_NOT_FOUND and start again).
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import IO, Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from graph_aws.serve.finalize import (
    CREATE_OR_UPDATE,
    DIFF,
    ConflictingUpload,
    Outcome,
    Staged,
    finalize_scope,
)
from graph_aws.serve.validation import BadGraphObject, clean_entity, clean_relationship

AWAITING_UPLOADS, FINALIZE_PENDING, FINISHED = "AWAITING_UPLOADS", "FINALIZE_PENDING", "FINISHED"
ABORTED, ERROR_BAD_DATA = "ABORTED", "ERROR_BAD_DATA"
SOURCES = ("integration-managed", "integration-external", "api")
MAX_OPEN_JOBS = 64
KEPT_JOBS = 1000
IDLE_JOB_S = 3600.0  # an open job sent nothing for this long is aborted (its spool file goes with it)
MAX_NAME_LENGTH = 256


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JSONResponse:
        return JSONResponse({"error": {"code": self.code, "message": self.message}}, status_code=self.status)


async def read_json(request: Request) -> Any:
    body = await request.body()
    try:
        return json.loads(body) if body else {}
    except json.JSONDecodeError as error:
        raise ApiError(
            400, "INVALID_JSON", f"the request body is not JSON ({error.msg} at {error.pos})"
        ) from None
    except UnicodeDecodeError:
        raise ApiError(400, "INVALID_JSON", "the request body is not UTF-8 JSON") from None


def _spool() -> IO[bytes]:
    """A job's uploads until it is finalized or aborted (closed then, and gone: it is anonymous)."""
    return tempfile.TemporaryFile(prefix="graph-aws-sync-")  # noqa: SIM115 (closed by SyncJob.close)


@dataclass
class SyncJob:
    id: str
    source: str
    scope: str | None
    integration_instance_id: str | None
    integration_job_id: str | None
    sync_mode: str
    store_scope: str
    status: str = AWAITING_UPLOADS
    start: int = field(default_factory=lambda: int(time.time() * 1000))
    end: int | None = None
    entities_uploaded: int = 0
    relationships_uploaded: int = 0
    events: int = 0
    outcome: Outcome = field(default_factory=Outcome)
    last_active: float = field(default_factory=time.monotonic)
    spool: IO[bytes] | None = field(default_factory=lambda: _spool())
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stamp(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The metadata JupiterOne's persister sets on what a job writes (a mapped entity keeps its own)."""
        if obj.get("_source") == "system-mapper":
            return obj
        if self.source == "api":
            return {**obj, "_source": "api", "_scope": self.scope}
        return {**obj, "_source": self.source, "_integrationInstanceId": self.integration_instance_id}

    def as_json(self) -> dict[str, Any]:
        o = self.outcome
        return {
            "id": self.id,
            "source": self.source,
            "scope": self.scope,
            "integrationInstanceId": self.integration_instance_id,
            "integrationJobId": self.integration_job_id,
            "syncMode": self.sync_mode,
            "status": self.status,
            "startTimestamp": self.start,
            "endTimestamp": self.end,
            "numEntitiesUploaded": self.entities_uploaded,
            "numEntitiesCreated": o.entities_created,
            "numEntitiesUpdated": o.entities_updated,
            "numEntitiesDeleted": o.entities_deleted,
            "numRelationshipsUploaded": self.relationships_uploaded,
            "numRelationshipsCreated": o.relationships_created,
            "numRelationshipsUpdated": o.relationships_updated,
            "numRelationshipsDeleted": o.relationships_deleted,
            "numRelationshipCreateErrors": o.relationship_create_errors,
            "numMappedRelationshipsCreated": o.mapped_relationships_created,
            "numMappedEntitiesCreated": o.mapped_entities_created,
        }

    def append(self, kind: str, objects: list[dict[str, Any]]) -> None:
        with self.lock:
            if self.status != AWAITING_UPLOADS or self.spool is None:
                raise _not_awaiting(self)
            self.spool.write(json.dumps([kind, objects], separators=(",", ":")).encode() + b"\n")
            self.last_active = time.monotonic()

    def staged(self) -> Staged:
        staged = Staged()
        assert self.spool is not None
        self.spool.seek(0)
        for line in self.spool:
            kind, objects = json.loads(line)
            if kind in ("entities", "relationships"):
                staged.add(kind, (self.stamp(o) for o in objects))
            else:
                (
                    staged.deleted_entities if kind == "deleteEntities" else staged.deleted_relationships
                ).extend(objects)
        return staged

    def close(self, status: str) -> None:
        self.status, self.end = status, int(time.time() * 1000)
        if self.spool is not None:
            self.spool.close()
            self.spool = None


def _not_awaiting(job: SyncJob) -> ApiError:
    return ApiError(
        409,
        "JOB_NOT_AWAITING_UPLOADS",
        f"synchronization job {job.id} is {job.status}; start a new job to upload",
    )


def _name(body: dict[str, Any], field_name: str) -> str | None:
    value = body.get(field_name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_LENGTH:
        raise ApiError(
            400, "BAD_REQUEST", f"{field_name} must be a non-empty string of at most {MAX_NAME_LENGTH}"
        )
    return value


class Persister:
    def __init__(self, serve: Any) -> None:
        self._serve = serve  # the ServeState: its writer store, id map and write lock
        self._jobs: OrderedDict[str, SyncJob] = OrderedDict()

    def routes(self) -> list[Route]:
        base = "/persister/synchronization/jobs"
        return [
            Route(base, self.start, methods=["POST"]),
            Route(base + "/{job_id}", self.status, methods=["GET"]),
            Route(base + "/{job_id}/entities", self.upload, methods=["POST"]),
            Route(base + "/{job_id}/relationships", self.upload, methods=["POST"]),
            Route(base + "/{job_id}/upload", self.upload, methods=["POST"]),
            Route(base + "/{job_id}/events", self.events, methods=["POST"]),
            Route(base + "/{job_id}/finalize", self.finalize, methods=["POST"]),
            Route(base + "/{job_id}/abort", self.abort, methods=["POST"]),
        ]

    def _job(self, request: Request) -> SyncJob:
        job = self._jobs.get(request.path_params["job_id"])
        if job is None:
            raise ApiError(
                404, "JOB_NOT_FOUND", "no synchronization job has this id (jobs live as long as serve)"
            )
        return job

    async def start(self, request: Request) -> JSONResponse:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise ApiError(400, "BAD_REQUEST", "the body must be a JSON object")
        source = body.get("source") or "integration-managed"
        if source not in SOURCES:
            raise ApiError(400, "BAD_REQUEST", f"source must be one of {', '.join(SOURCES)}")
        mode = body.get("syncMode") or DIFF
        if mode not in (DIFF, CREATE_OR_UPDATE, "PATCH"):
            raise ApiError(400, "BAD_REQUEST", "syncMode must be DIFF, CREATE_OR_UPDATE or PATCH")
        scope, instance = _name(body, "scope"), _name(body, "integrationInstanceId")
        if source == "api" and (scope is None or instance is not None):
            raise ApiError(400, "BAD_REQUEST", "source api needs a scope and no integrationInstanceId")
        if source != "api" and instance is None:
            raise ApiError(400, "BAD_REQUEST", f"source {source} needs an integrationInstanceId")
        idle = time.monotonic() - IDLE_JOB_S
        for old in self._jobs.values():
            if old.status == AWAITING_UPLOADS and old.last_active < idle:
                old.close(ABORTED)
        if sum(job.status == AWAITING_UPLOADS for job in self._jobs.values()) >= MAX_OPEN_JOBS:
            raise ApiError(
                429, "TOO_MANY_OPEN_JOBS", f"{MAX_OPEN_JOBS} jobs are open; finalize or abort some"
            )
        job_id = str(uuid.uuid4())
        job = SyncJob(
            id=job_id,
            source=source,
            scope=scope if source == "api" else None,
            integration_instance_id=instance,
            integration_job_id=None if source == "api" else (_name(body, "integrationJobId") or job_id),
            sync_mode=CREATE_OR_UPDATE if mode == "PATCH" else mode,
            store_scope=f"api:{scope}" if source == "api" else f"integration:{instance}",
        )
        self._jobs[job_id] = job
        while len(self._jobs) > KEPT_JOBS:
            _, old = self._jobs.popitem(last=False)
            old.close(old.status if old.status != AWAITING_UPLOADS else ABORTED)
        return JSONResponse({"job": job.as_json()})

    async def status(self, request: Request) -> JSONResponse:
        return JSONResponse({"job": self._job(request).as_json()})

    async def upload(self, request: Request) -> JSONResponse:
        job = self._job(request)
        if job.status != AWAITING_UPLOADS:
            raise _not_awaiting(job)
        body = await read_json(request)
        if not isinstance(body, dict):
            raise ApiError(400, "BAD_REQUEST", "the body must be a JSON object")
        endpoint = request.url.path.rsplit("/", 1)[1]
        parts = ("entities", "relationships", "deleteEntities", "deleteRelationships")
        wanted = [endpoint] if endpoint != "upload" else [p for p in parts if p in body]
        for part in wanted:
            if not isinstance(body.get(part), list):
                raise ApiError(400, f"{part.upper()}_IS_NOT_ARRAY", f'"{part}" should be an array')
        batches = await anyio.to_thread.run_sync(self._checked, wanted, body)
        for part, objects in batches:
            await anyio.to_thread.run_sync(job.append, part, objects)
            if part == "entities":
                job.entities_uploaded += len(objects)
            elif part == "relationships":
                job.relationships_uploaded += len(objects)
        return JSONResponse({"job": job.as_json()})

    def _checked(self, parts: list[str], body: dict[str, Any]) -> list[tuple[str, list[Any]]]:
        batches: list[tuple[str, list[Any]]] = []
        try:
            for part in parts:
                if part == "entities":
                    batches.append((part, [clean_entity(o) for o in body[part]]))
                elif part == "relationships":
                    batches.append((part, [clean_relationship(o) for o in body[part]]))
                else:
                    batches.append((part, [self._deleted_key(part, o) for o in body[part]]))
        except BadGraphObject as error:
            raise ApiError(400, "INVALID_GRAPH_OBJECT", str(error)) from None
        return batches

    @staticmethod
    def _deleted_key(part: str, obj: Any) -> dict[str, str]:
        for name in ("_key", "_id"):
            if isinstance(obj, dict) and isinstance(obj.get(name), str):
                return {name: obj[name]}
        raise BadGraphObject(f"{part}: each item is an object with _key or _id")

    async def events(self, request: Request) -> JSONResponse:
        job = self._job(request)
        body = await read_json(request)
        events = body.get("events") if isinstance(body, dict) else None
        if not isinstance(events, list):
            raise ApiError(400, "EVENTS_IS_NOT_ARRAY", '"events" should be an array')
        job.events += len(events)  # counted, never logged: descriptions may quote provider data
        return JSONResponse({"job": job.as_json()})

    async def finalize(self, request: Request) -> JSONResponse:
        job = self._job(request)
        body = await read_json(request)
        partial = (body.get("partialDatasets") or {}).get("types", []) if isinstance(body, dict) else None
        if not isinstance(partial, list) or not all(isinstance(t, str) for t in partial):
            raise ApiError(400, "BAD_REQUEST", "partialDatasets.types must be a list of type names")
        with job.lock:
            if job.status != AWAITING_UPLOADS:
                raise _not_awaiting(job)
            job.status = FINALIZE_PENDING
        try:
            job.outcome = await self._serve.write(lambda store: self._apply(store, job, partial))
        except ConflictingUpload as error:
            job.close(ERROR_BAD_DATA)
            raise ApiError(400, "DUPLICATE_KEY_DETECTED", str(error)) from None
        except BaseException:
            job.close(ERROR_BAD_DATA)
            raise
        job.close(FINISHED)
        return JSONResponse({"job": job.as_json()})

    @staticmethod
    def _apply(store: Any, job: SyncJob, partial: list[str]) -> Outcome:
        return finalize_scope(store, job.store_scope, job.staged(), job.sync_mode, partial)

    async def abort(self, request: Request) -> JSONResponse:
        job = self._job(request)
        await read_json(request)  # the reason is not kept: it may quote what failed
        with job.lock:
            if job.status == AWAITING_UPLOADS:
                job.close(ABORTED)
        return JSONResponse({"job": job.as_json()})
