"""A small fault-injecting reverse proxy in front of moto's server (standard library only).

It adds what moto lacks, with protocol-correct error bodies so botocore parses them as AWS's:
latency per call, random throttling, AssumeRole denied for chosen accounts, and an operation that
fails for good after N calls (a listing that breaks halfway). It also counts calls per operation.
Settings can be changed between runs through `proxy.faults`.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_XML_ERROR = (
    "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
    "<RequestId>faultproxy</RequestId></ErrorResponse>"
)
_JSON = "application/x-amz-json-1.1"
_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # /2015-03-31/functions

# (status, content type, body) of a throttling answer, per signing service.
THROTTLE = {
    "organizations": (
        400,
        _JSON,
        json.dumps({"__type": "TooManyRequestsException", "Message": "Rate exceeded"}),
    ),
    "sts": (400, "text/xml", _XML_ERROR.format(code="Throttling", message="Rate exceeded")),
    "iam": (400, "text/xml", _XML_ERROR.format(code="Throttling", message="Rate exceeded")),
    "account": (429, "application/json", json.dumps({"message": "Too many requests"})),
    "ec2": (
        503,
        "text/xml",
        "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit "
        "exceeded.</Message></Error></Errors><RequestID>faultproxy</RequestID></Response>",
    ),
    "s3": (
        503,
        "application/xml",
        "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>",
    ),
}


def _denied(service: str, operation: str, json_protocol: bool) -> tuple[int, list[tuple[str, str]], str]:
    if json_protocol or service == "account":
        body = json.dumps(
            {"__type": "AccessDeniedException", "Message": f"not authorized to call {operation}"}
        )
        return 400, [("Content-Type", _JSON), ("x-amzn-ErrorType", "AccessDeniedException")], body
    return (
        403,
        [("Content-Type", "text/xml")],
        _XML_ERROR.format(code="AccessDenied", message=f"{operation} denied"),
    )


@dataclass
class Faults:
    latency_ms: int = 0
    throttle: float = 0.0  # share of calls answered with the service's throttling error
    deny_assume: set[str] = field(default_factory=set)  # account ids whose roles cannot be assumed
    fail_operation: str | None = None  # "organizations:ListAccounts": denied for good...
    fail_after: int = 0  # ...after this many calls of it went through
    seed: int = 0


class FaultProxy:
    def __init__(self, upstream: str, faults: Faults | None = None, port: int = 0) -> None:
        self.upstream = urllib.parse.urlparse(upstream)
        self.faults = faults or Faults()
        self.calls: Counter[str] = Counter()  # "service:Operation" -> calls that reached the proxy
        self.throttled = 0
        self._lock = threading.Lock()
        self._rng = random.Random(self.faults.seed)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset_counts(self) -> None:
        with self._lock:
            self.calls.clear()
            self.throttled = 0

    def decide(
        self, service: str, operation: str, form: dict[str, list[str]], json_protocol: bool = False
    ) -> tuple[int, list, str] | None:
        """The fault to answer with, or None to pass the call through."""
        faults = self.faults
        name = f"{service}:{operation}"
        with self._lock:
            self.calls[name] += 1
            seen = self.calls[name]
            throttle = faults.throttle and service in THROTTLE and self._rng.random() < faults.throttle
            if throttle:
                self.throttled += 1
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if name == "sts:AssumeRole" and faults.deny_assume:
            arn = (form.get("RoleArn") or [""])[0]
            if any(f":{account}:" in arn for account in faults.deny_assume):
                return _denied(service, operation, json_protocol)
        if faults.fail_operation == name and seen > faults.fail_after:
            return _denied(service, operation, json_protocol)
        if throttle:
            status, content_type, body = THROTTLE[service]
            return status, [("Content-Type", content_type)], body
        return None


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm the body would wait for the
        # client's delayed ACK, about 40 ms more per call than the latency we mean to inject.
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:
            pass

        def _route(self, body: bytes) -> tuple[str, str, dict[str, list[str]]]:
            credential = re.search(
                r"Credential=[^/]+/\d+/[^/]+/([^/]+)/", self.headers.get("Authorization", "")
            )
            service = credential.group(1) if credential else "?"
            target = self.headers.get("X-Amz-Target")
            form = urllib.parse.parse_qs(body.decode("utf-8", "ignore")) if body and not target else {}
            if target:
                operation = target.split(".")[-1]
            elif "Action" in form:
                operation = form["Action"][0]
            elif service == "s3":  # REST: name a call by its method and sub-resource (?acl, ?policy ...)
                path, _, query = self.path.partition("?")
                if path in ("", "/"):
                    operation = "ListBuckets" if self.command == "GET" else self.command
                else:
                    sub_resource = query.split("&")[0].split("=")[0]
                    operation = (
                        f"{self.command} ?{sub_resource}" if sub_resource else f"{self.command} bucket"
                    )
            else:  # other REST calls: the first path segment after the API version (account, lambda)
                segments = [p for p in self.path.split("?")[0].split("/") if p and not _API_VERSION.match(p)]
                operation = segments[0] if segments else self.command
                operation = operation[:1].upper() + operation[1:]
            return service, operation, form

        def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            service, operation, form = self._route(body)
            fault = proxy.decide(service, operation, form, json_protocol="X-Amz-Target" in self.headers)
            if fault is not None:
                status, headers, text = fault
                return self._send(status, headers, text.encode())
            upstream = http.client.HTTPConnection(
                proxy.upstream.hostname or "127.0.0.1", proxy.upstream.port, timeout=120
            )
            try:
                upstream.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
                response = upstream.getresponse()
                data = response.read()
                hop = ("content-length", "transfer-encoding", "connection")
                headers = [(k, v) for k, v in response.getheaders() if k.lower() not in hop]
                self._send(response.status, headers, data)
            finally:
                upstream.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    return Handler
