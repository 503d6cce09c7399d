"""Record once, from moto, every call an account job makes, for one seeded account and region.

`record(moto_url, region)` seeds one account on moto's server (IAM users, contacts and the demo's
resources of every collected type), then runs graph-aws's own collect of that account in this
process, through a recording proxy. The recording keeps:

    exchanges   request key (wire.request_key) -> moto's answers (status, headers, body), for the
                replay server to answer the same calls of any other account; a call that was
                answered differently when repeated (GenerateCredentialReport: STARTED, then
                COMPLETE) keeps each answer, replayed in the same order to each account
    calls       the API calls as botocore was asked for them (service, operation, parameters), in
                order, for a bare boto3 loop that makes the same calls (bench/replay_collect.py)

STS and Organizations are not recorded: the replay server makes those answers itself.
"""

from __future__ import annotations

import base64
import copy
import http.client
import json
import os
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from graph_aws.demo.replay.wire import Request, operation_of, request_key

TEMPLATE_ACCOUNT = "123456789012"  # moto's own account: the one the ambient test credentials act as
GENERATED_SERVICES = frozenset({"sts", "organizations"})
_HOP_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "date", "server", "keep-alive"}
)
FORMAT = 1


@dataclass
class Exchange:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Recording:
    account: str
    region: str
    exchanges: dict[str, list[Exchange]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)  # {"service", "operation", "params"}
    operations: Counter[str] = field(default_factory=Counter)  # "service:Operation" -> calls recorded

    def save(self, path: Path) -> None:
        data = {
            "format": FORMAT,
            "account": self.account,
            "region": self.region,
            "exchanges": {
                key: [
                    {"status": e.status, "headers": e.headers, "body": base64.b64encode(e.body).decode()}
                    for e in answers
                ]
                for key, answers in self.exchanges.items()
            },
            "calls": self.calls,
            "operations": dict(self.operations),
        }
        path.write_text(json.dumps(data, indent=1, sort_keys=True))

    @classmethod
    def load(cls, path: Path) -> Recording:
        data = json.loads(path.read_text())
        if data.get("format") != FORMAT:
            raise ValueError(f"{path} is not a recording of format {FORMAT}: record it again")
        exchanges = {
            key: [
                Exchange(e["status"], [tuple(h) for h in e["headers"]], base64.b64decode(e["body"]))
                for e in answers
            ]
            for key, answers in data["exchanges"].items()
        }
        return cls(data["account"], data["region"], exchanges, data["calls"], Counter(data["operations"]))


class RecordingProxy:
    """Passes calls through to moto's server and keeps each answer under its request key."""

    def __init__(self, upstream: str, recording: Recording) -> None:
        self.upstream = urllib.parse.urlsplit(upstream)
        self.recording = recording
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> RecordingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def keep(self, request: Request, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        access_key, region, service = request.signer()
        if service in GENERATED_SERVICES:
            return
        key = request_key(request, service, region, self.recording.account, self.recording.account)
        with self._lock:
            self.recording.operations[f"{service}:{operation_of(request, service)}"] += 1
            answers = self.recording.exchanges.setdefault(key, [])
            if not answers or (answers[-1].status, answers[-1].body) != (status, body):
                answers.append(Exchange(status, headers, body))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Request(self.command, self.path, headers, body)
                upstream = http.client.HTTPConnection(
                    proxy.upstream.hostname or "127.0.0.1", proxy.upstream.port, timeout=120
                )
                try:
                    upstream.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
                    response = upstream.getresponse()
                    data = response.read()
                    kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_HEADERS]
                finally:
                    upstream.close()
                proxy.keep(request, response.status, kept, data)
                self.send_response(response.status)
                for name, value in kept:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        return Handler


@contextmanager
def api_calls_recorded(calls: list[dict[str, Any]]) -> Iterator[None]:
    """Every botocore session created inside the block appends each API call it is asked to make."""
    import botocore.handlers

    def hook(params: dict[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        if service not in GENERATED_SERVICES:
            calls.append({"service": service, "operation": model.name, "params": copy.deepcopy(params)})

    entry = ("before-parameter-build", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        yield
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def seed_template_account(region: str, users: int = 2) -> None:
    """The recorded account's contents, made through moto's server (AWS_ENDPOINT_URL points there)."""
    from graph_aws.demo.emulator import EmulatedOrganization, _client_factory, populate_account
    from graph_aws.demo.seeds import seed_account

    account = EmulatedOrganization(TEMPLATE_ACCOUNT, "o-none")
    populate_account(account, TEMPLATE_ACCOUNT, users, with_contacts=True)
    seed_account(_client_factory(account, TEMPLATE_ACCOUNT), TEMPLATE_ACCOUNT, [region])


def record(moto_url: str, region: str = "us-east-1", *, db: Path | None = None) -> Recording:
    """Seed moto's server (freshly reset) and record graph-aws collecting the seeded account.
    With `db`, the collect's own store is kept there (the graph a replay should reproduce)."""
    import tempfile

    from graph_aws.config import load_settings
    from graph_aws.runner import Runner
    from graph_aws.store import open_store

    previous = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = moto_url
    recording = Recording(TEMPLATE_ACCOUNT, region)
    proxy = RecordingProxy(moto_url, recording).start()
    try:
        seed_template_account(region)
        os.environ["AWS_ENDPOINT_URL"] = proxy.url
        with tempfile.TemporaryDirectory() as folder:
            store = open_store(str(db or Path(folder) / "recorded.db"))
            try:
                with api_calls_recorded(recording.calls):
                    report = Runner(load_settings({"regions": [region]}, None, {}), store).run()
            finally:
                store.close()
        if not report.succeeded:
            raise RuntimeError(f"the recorded collect failed: {'; '.join(report.failures)}")
    finally:
        proxy.stop()
        if previous is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = previous
    return recording
