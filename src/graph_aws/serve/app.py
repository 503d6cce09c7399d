"""The ASGI application of `graph-aws serve`: routes, the state they share, and the guard in front.

Stores: serve opens the `--db` store several times. One connection writes (sync jobs' finalize and
the mutations, one at a time), one checks API keys (so a long finalize never delays a login), and a
pool of `readers` answers J1QL and the web UI (SQLite in WAL mode lets them read while a job writes).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from graph_aws.errors import GraphAwsError
from graph_aws.serve.graphql_api import build_schema, graphql_endpoint
from graph_aws.serve.guard import BodyTooLarge, Guard, error_payload, too_large_message
from graph_aws.serve.ids import IdIndex
from graph_aws.serve.mutations import Mutations
from graph_aws.serve.persister import ApiError, Persister
from graph_aws.serve.queries import DeferredAnswers, QueryService, ReaderPool
from graph_aws.serve.ui import ui_routes
from graph_aws.store import Store, open_store

STATIC = Path(__file__).parent / "static"
T = TypeVar("T")


@dataclass(frozen=True)
class ServeSettings:
    db: str
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 6 * 1024 * 1024  # JupiterOne's own limit; the SDK's batches stay under 5 MB
    query_timeout_s: float = 30.0
    readers: int = 4


class ServeState:
    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.writer = open_store(settings.db)
        self.auth = open_store(settings.db)
        self.readers = ReaderPool(settings.db, settings.readers, settings.query_timeout_s)
        self.queries = QueryService(self.readers)
        self.deferred = DeferredAnswers(self.queries)
        self.ids = IdIndex(self.readers)
        self.mutations = Mutations(self)
        self.persister = Persister(self)
        self.schema = build_schema()
        self._write_lock = threading.Lock()

    async def write(self, work: Callable[[Store], T]) -> T:
        """Run `work` on the writing store, one writer at a time, off the event loop."""

        def locked() -> T:
            with self._write_lock:
                try:
                    return work(self.writer)
                finally:
                    self.ids.store_changed()

        return await anyio.to_thread.run_sync(locked)

    def close(self) -> None:
        self.readers.close()
        self.writer.close()
        self.auth.close()


async def _health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})


async def _deferred(request: Request) -> JSONResponse:
    answer = request.app.state.serve.deferred.read(request.path_params["token"])
    if answer is None:
        return JSONResponse({"status": "FAILED", "error": "unknown or expired", "data": []}, status_code=404)
    return JSONResponse(answer)


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return error.response()


async def _too_large(request: Request, error: Exception) -> Response:
    limit = request.app.state.serve.settings.max_body_bytes
    message = too_large_message(limit)
    return JSONResponse(error_payload(request.url.path, "REQUEST_TOO_LARGE", message), status_code=413)


async def _store_or_query_error(request: Request, error: Exception) -> Response:
    """Our own errors (a store that is busy or cannot do what was asked) carry a one-line message
    naming the cause; the client gets it, with 503 (JupiterOne's clients try again on 503)."""
    return JSONResponse(error_payload(request.url.path, "UNAVAILABLE", str(error)), status_code=503)


async def _unexpected(request: Request, error: Exception) -> Response:
    # Starlette raises it again after this answer: the guard logs it once, without its message.
    return JSONResponse(
        {"errors": [{"message": "internal error; the server log says where"}]}, status_code=500
    )


def create_app(settings: ServeSettings) -> Guard:
    state = ServeState(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        state.close()

    routes = [
        Route("/health", _health, methods=["GET"]),
        Route("/", _index, methods=["GET"]),
        Route("/", graphql_endpoint, methods=["POST"]),
        Route("/graphql", graphql_endpoint, methods=["POST"]),
        Route("/query-results/{token}", _deferred, methods=["GET"]),
        *state.persister.routes(),
        *ui_routes(),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    handlers: dict[Any, Any] = {
        ApiError: _api_error,
        BodyTooLarge: _too_large,
        GraphAwsError: _store_or_query_error,
        Exception: _unexpected,
    }
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers)
    app.state.serve = state
    return Guard(app, state.auth, settings.max_body_bytes)
