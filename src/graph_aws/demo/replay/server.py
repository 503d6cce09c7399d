"""The replay server: a recording of one account, answered for every account of a synthetic
organization, fast (asyncio, HTTP/1.1 keep-alive, no per-call parsing beyond what routing needs),
with injected latency and throttling.

    python -m graph_aws.demo.replay.server --recording FILE --accounts N [--port P]
        [--latency-ms L] [--throttle SHARE] [--organizations-rate CALLS_PER_S] [--deny ACCOUNT,...]

Each call is answered by what it asks: STS and Organizations from the synthetic organization
(organization.py), anything else from the recording, with the recorded account id written as the
calling account's (same length, so bodies are rewritten with one bytes.replace). A call the
recording lacks is answered with a `ReplayMiss` error and counted. `GET /_replay/stats` gives the
calls per operation, misses and throttled calls; `POST /_replay/reset` zeroes them; `POST
/_replay/faults` with {"latency_ms": L, "throttle": S, "organizations_rate": R} changes the faults.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from http import HTTPStatus
from pathlib import Path
from typing import Any

from graph_aws.demo.faultproxy import THROTTLE
from graph_aws.demo.replay.organization import OrganizationsError, SyntheticOrganization, form_of
from graph_aws.demo.replay.recording import Exchange, Recording
from graph_aws.demo.replay.wire import (
    Request,
    account_identifier,
    account_of_key,
    ec2_identifiers,
    is_assumed_key,
    operation_of,
    request_key,
    unique_identifiers,
)

_JSON_11 = "application/x-amz-json-1.1"
_REST_JSON = frozenset({"account", "lambda"})
_MAX_HEAD = 64 * 1024
# Throttling answers for the services the fault proxy does not cover, in each one's protocol.
_MORE_THROTTLE = {
    name: (400, _JSON_11, json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}))
    for name in ("kms", "acm", "cloudtrail", "config")
}
_MORE_THROTTLE["lambda"] = (429, "application/json", json.dumps({"Type": "User", "message": "Rate exceeded"}))
_MORE_THROTTLE["rds"] = (
    400,
    "text/xml",
    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
    "</Error><RequestId>replay</RequestId></ErrorResponse>",
)
THROTTLING = {**_MORE_THROTTLE, **THROTTLE}


def http_response(status: int, headers: list[tuple[str, str]], body: bytes) -> bytes:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Status"
    lines = [f"HTTP/1.1 {status} {phrase}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _error(
    service: str, json_protocol: bool, status: int, code: str, message: str
) -> tuple[int, list, bytes]:
    if json_protocol or service in _REST_JSON:
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, [("Content-Type", _JSON_11), ("x-amzn-ErrorType", code)], body
    xml = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>replay</RequestId></ErrorResponse>"
    )
    return status, [("Content-Type", "text/xml")], xml.encode()


class Replay:
    """Everything the server answers with, and what it counted."""

    def __init__(
        self,
        recording: Recording,
        organization: SyntheticOrganization,
        *,
        latency_ms: float = 0,
        throttle: float = 0.0,
        organizations_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.recording = recording
        self.organization = organization
        self.template = recording.account.encode()
        self.latency_ms = latency_ms
        self.throttle = throttle
        self.organizations_rate = organizations_rate
        self._tokens = 0.0
        self._refilled = time.monotonic()
        self._rng = random.Random(seed)
        self._answers: dict[str, list[Exchange]] = recording.exchanges
        self._identifiers = unique_identifiers(recording.exchanges) + ec2_identifiers(
            exchange.body for answers in recording.exchanges.values() for exchange in answers
        )
        self._renamed: dict[str, list[tuple[bytes, bytes]]] = {}  # account -> (recorded, its own)
        self._repeats: Counter[tuple[str, str]] = Counter()  # (account, key) of keys with many answers
        self.reset()

    def reset(self) -> None:
        self.calls: Counter[str] = Counter()
        self.throttled = 0
        self.misses: Counter[str] = Counter()
        self.served = 0
        self._repeats.clear()

    def stats(self) -> dict[str, Any]:
        return {
            "served": self.served,
            "calls": dict(self.calls),
            "throttled": self.throttled,
            "misses": sum(self.misses.values()),
            "missed": [key for key, _ in self.misses.most_common(20)],
        }

    def set_faults(self, faults: dict[str, Any]) -> None:
        self.latency_ms = float(faults.get("latency_ms", self.latency_ms))
        self.throttle = float(faults.get("throttle", self.throttle))
        self.organizations_rate = float(faults.get("organizations_rate", self.organizations_rate))

    def _organizations_throttled(self) -> bool:
        """A token bucket of `organizations_rate` calls a second (a burst of as many)."""
        if not self.organizations_rate:
            return False
        now = time.monotonic()
        self._tokens = min(
            self.organizations_rate, self._tokens + (now - self._refilled) * self.organizations_rate
        )
        self._refilled = now
        if self._tokens >= 1:
            self._tokens -= 1
            return False
        return True

    def answer(self, request: Request) -> tuple[int, list[tuple[str, str]], bytes]:
        if request.path.startswith("/_replay/"):
            return self._control(request)
        access_key, region, service = request.signer()
        account = account_of_key(access_key, self.organization.management_id)
        operation = operation_of(request, service)
        self.served += 1
        self.calls[f"{service}:{operation}"] += 1
        json_protocol = "x-amz-target" in request.headers
        limited = service == "organizations" and self._organizations_throttled()
        if limited or (self.throttle and service in THROTTLING and self._rng.random() < self.throttle):
            self.throttled += 1
            status, content_type, text = THROTTLING.get(service, THROTTLING["organizations"])
            return status, [("Content-Type", content_type)], text.encode()
        if service == "sts":
            return self._sts(request, operation, account, assumed=is_assumed_key(access_key))
        if service == "organizations":
            try:
                answer = self.organization.organizations(operation, request.json_body())
            except OrganizationsError as error:
                return _error(service, True, 400, error.code, str(error))
            return 200, [("Content-Type", _JSON_11)], json.dumps(answer).encode()
        key = request_key(request, service, region, account, self.recording.account)
        renamed = self._renamed_for(account)
        for recorded, own in renamed:
            key = key.replace(own.decode(), recorded.decode())
        answers = self._answers.get(key)
        if answers is None:
            self.misses[key] += 1
            return _error(
                service, json_protocol, 400, "ReplayMiss", "the recording has no answer to this call"
            )
        if len(answers) > 1:
            seen = self._repeats[account, key]
            self._repeats[account, key] = seen + 1
            exchange = answers[min(seen, len(answers) - 1)]
        else:
            exchange = answers[0]
        if account == self.recording.account:
            return exchange.status, exchange.headers, exchange.body
        body = exchange.body.replace(self.template, account.encode())
        for recorded, own in renamed:
            body = body.replace(recorded, own)
        return exchange.status, exchange.headers, body

    def _renamed_for(self, account: str) -> list[tuple[bytes, bytes]]:
        """The recording's account-independent identifiers, and this account's own for each."""
        if account == self.recording.account:
            return []
        renamed = self._renamed.get(account)
        if renamed is None:
            count = len(self._identifiers)
            renamed = [
                (identifier.encode(), account_identifier(identifier, account, index, count).encode())
                for index, identifier in enumerate(self._identifiers)
            ]
            self._renamed[account] = renamed
        return renamed

    def _sts(self, request: Request, operation: str, account: str, assumed: bool) -> tuple[int, list, bytes]:
        xml = [("Content-Type", "text/xml")]
        if operation == "GetCallerIdentity":
            return 200, xml, self.organization.caller_identity(account, assumed).encode()
        if operation == "AssumeRole":
            status, body = self.organization.assume_role(form_of(request.body))
            return status, xml, body.encode()
        return _error("sts", False, 400, "ReplayMiss", f"the replay does not answer sts:{operation}")

    def _control(self, request: Request) -> tuple[int, list, bytes]:
        if request.path == "/_replay/reset" and request.method == "POST":
            self.reset()
        elif request.path == "/_replay/faults" and request.method == "POST":
            self.set_faults(json.loads(request.body or b"{}"))
        elif request.path != "/_replay/stats":
            return 404, [("Content-Type", "text/plain")], b"unknown control path"
        return 200, [("Content-Type", "application/json")], json.dumps(self.stats()).encode()


class _Connection(asyncio.Protocol):
    """One client connection: requests read in turn (botocore never pipelines), answers in order."""

    def __init__(self, replay: Replay) -> None:
        self.replay = replay
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()
        self.continued = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and not self.transport.is_closing():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > _MAX_HEAD:
                    self.transport.close()
                return
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            method, target, _ = (lines[0].split(" ") + ["", ""])[:3]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                if headers.get("expect", "").lower() == "100-continue" and not self.continued:
                    self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    self.continued = True
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            self.continued = False
            status, response_headers, response_body = self.replay.answer(
                Request(method, target, headers, body)
            )
            response = http_response(status, response_headers, response_body)
            close = headers.get("connection", "").lower() == "close"
            delay = self.replay.latency_ms / 1000 if not target.startswith("/_replay/") else 0
            if delay:
                self.loop.call_later(delay, self._send, response, close)
            else:
                self._send(response, close)

    def _send(self, response: bytes, close: bool) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(response)
            if close:
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(replay: Replay, host: str, port: int, ready: Any = None) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Connection(replay), host, port, backlog=1024, reuse_address=True
    )
    if ready is not None:
        ready(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


class ReplayServer:
    """The replay server as a child process on a free port (tests and benchmarks)."""

    def __init__(self, recording: Path, accounts: int, *, latency_ms: float = 0, throttle: float = 0.0,
                 organizations_rate: float = 0.0, deny: tuple[str, ...] = ()) -> None:  # fmt: skip
        self.command = [
            sys.executable, "-m", "graph_aws.demo.replay.server", "--recording", str(recording),
            "--accounts", str(accounts), "--latency-ms", str(latency_ms), "--throttle", str(throttle),
            "--organizations-rate", str(organizations_rate), "--deny", ",".join(deny),
        ]  # fmt: skip
        self.accounts = accounts
        self.url = ""
        self.pid: int | None = None
        self._process: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 60) -> ReplayServer:
        self._process = subprocess.Popen(self.command, stdout=subprocess.PIPE, text=True)
        self.pid = self._process.pid
        assert self._process.stdout is not None
        ready = threading.Event()
        lines: list[str] = []

        def read_port() -> None:
            assert self._process is not None and self._process.stdout is not None
            lines.append(self._process.stdout.readline())
            ready.set()

        threading.Thread(target=read_port, daemon=True).start()
        if not ready.wait(timeout) or not lines[0].startswith("listening "):
            self.stop()
            raise RuntimeError(f"the replay server did not start: {lines[:1]}")
        self.url = f"http://127.0.0.1:{int(lines[0].split()[1])}"
        return self

    def _control(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/_replay/{path}", data=data, method="POST" if data else "GET"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return dict(json.loads(response.read()))

    def stats(self) -> dict[str, Any]:
        return self._control("stats")

    def reset(self) -> dict[str, Any]:
        return self._control("reset", {})

    def set_faults(self, **faults: float) -> dict[str, Any]:
        return self._control("faults", faults)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recording", type=Path, required=True)
    parser.add_argument("--accounts", type=int, required=True, help="member accounts of the organization")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--throttle", type=float, default=0.0, help="share of calls answered as throttled")
    parser.add_argument("--organizations-rate", type=float, default=0.0, help="Organizations calls a second")
    parser.add_argument("--deny", default="", help="accounts whose role cannot be assumed, comma-separated")
    args = parser.parse_args(argv)
    organization = SyntheticOrganization(args.accounts, denied={a for a in args.deny.split(",") if a})
    replay = Replay(
        Recording.load(args.recording),
        organization,
        latency_ms=args.latency_ms,
        throttle=args.throttle,
        organizations_rate=args.organizations_rate,
    )
    asyncio.run(
        serve(replay, args.host, args.port, ready=lambda port: print(f"listening {port}", flush=True))
    )


if __name__ == "__main__":
    main()
