"""What stands between the network and serve's routes (pure ASGI, outermost first):

    Guard        every failure becomes a JSON answer; the log gets one line per request (method, path,
                 status, time), never a header, a body, a query string or a deferred answer's token,
                 and for an unexpected error only its type and where it was raised (messages may quote
                 uploaded data)
    api keys     deny by default: every route but the public ones below needs `Authorization: Bearer
                 <key>` of a live key (401 otherwise, the same answer for a missing and a wrong key)
    body limit   a body over `max_body_bytes` is refused with 413 before it is read whole

Public: `GET /health`, the web UI's static files (they hold no data: the UI asks for the key and
sends it with every call), and `GET /query-results/<token>` (the deferred answers' URLs, which
JupiterOne's client fetches without credentials: the random token is the credential).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread

from graph_aws.serve.keys import verify_api_key
from graph_aws.store import ApiKeyRecord, Store

log = logging.getLogger("graph_aws.serve")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ACCOUNT_HEADERS = (b"jupiterone-account", b"lifeomic-account")
_PUBLIC_GET = re.compile(r"^/(health|favicon\.ico|static/.*|query-results/[^/]+)?$")
_SECRET_PATHS = re.compile(r"^/query-results/[^/]+$")
# The web UI loads only its own files, and no page may frame it.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
KEY_CACHE_S = 2.0  # a revoked key is refused within this long


class BodyTooLarge(Exception):
    pass


async def send_json(
    send: Send, status: int, payload: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def too_large_message(limit: int) -> str:
    return f"the request body is over {limit} bytes (serve --max-body-bytes); send smaller batches"


def error_payload(path: str, code: str, message: str) -> dict[str, Any]:
    """GraphQL clients read `errors`, the persister's clients `error.code`: each gets its own shape."""
    if path.startswith("/persister/"):
        return {"error": {"code": code, "message": message}}
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def where_raised(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return type(error).__name__
    last = frames[-1]
    return f"{type(error).__name__} at {last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}"


class Guard:
    def __init__(self, app: ASGIApp, auth_store: Store, max_body_bytes: int) -> None:
        self._app = app
        self._auth_store = auth_store
        self._max_body = max_body_bytes
        self._verified: dict[str, tuple[float, ApiKeyRecord]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started, status = time.monotonic(), [0]
        path = scope.get("path", "")
        shown_path = "/query-results/<token>" if _SECRET_PATHS.match(path) else path

        async def watched_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        try:
            await self._checked(scope, receive, watched_send)
        except BodyTooLarge:
            if not status[0]:
                await self._refuse(
                    watched_send, path, 413, "REQUEST_TOO_LARGE", too_large_message(self._max_body)
                )
        except Exception as error:
            log.error("%s %s failed: %s", scope.get("method"), shown_path, where_raised(error))
            if not status[0]:
                await self._refuse(
                    watched_send, path, 500, "INTERNAL_ERROR", "internal error; the server log says where"
                )
        finally:
            millis = (time.monotonic() - started) * 1000
            log.info("%s %s %s %.1f ms", scope.get("method"), shown_path, status[0], millis)

    @staticmethod
    async def _refuse(send: Send, path: str, status: int, code: str, message: str) -> None:
        headers = [(b"www-authenticate", b'Bearer realm="graph-aws"')] if status == 401 else []
        await send_json(send, status, error_payload(path, code, message), headers)

    async def _checked(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        account = next((headers[h].decode("latin-1") for h in ACCOUNT_HEADERS if headers.get(h)), "graph-aws")
        scope.setdefault("state", {})["account"] = account
        path = scope.get("path", "")
        if not (scope.get("method") in ("GET", "HEAD") and _PUBLIC_GET.match(path)):
            key = await self._key_of(headers.get(b"authorization", b""))
            if key is None:
                message = (
                    "401: Unauthorized: send Authorization: Bearer <key> with a key from "
                    "`graph-aws api-key create`"
                )
                await self._refuse(send, path, 401, "UNAUTHORIZED", message)
                return
            scope["state"]["api_key"] = key
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self._max_body:
            raise BodyTooLarge
        await self._app(scope, self._bounded(receive), send)

    def _bounded(self, receive: Receive) -> Receive:
        seen = [0]

        async def bounded_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen[0] += len(message.get("body", b""))
                if seen[0] > self._max_body:
                    raise BodyTooLarge
            return message

        return bounded_receive

    async def _key_of(self, authorization: bytes) -> ApiKeyRecord | None:
        scheme, _, presented = authorization.decode("latin-1").partition(" ")
        presented = presented.strip()
        if scheme.lower() != "bearer" or not presented:
            return None
        digest = hashlib.sha256(presented.encode()).hexdigest()  # the cache holds no key
        cached = self._verified.get(digest)
        if cached is not None and time.monotonic() - cached[0] < KEY_CACHE_S:
            return cached[1]
        record = await anyio.to_thread.run_sync(verify_api_key, self._auth_store, presented)
        if record is None:
            self._verified.pop(digest, None)
            return None
        if len(self._verified) > 1000:
            self._verified.clear()
        self._verified[digest] = (time.monotonic(), record)
        return record
