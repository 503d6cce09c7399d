"""A small fault-injecting reverse proxy in front of moto's server (standard library only).

It adds what moto lacks, with protocol-correct error bodies so botocore parses them as AWS's:
latency per call, random throttling of any service, AssumeRole denied for chosen accounts, an
operation that fails for good after N calls (a listing that breaks halfway), calls of one account
denied in chosen regions (a service control policy), calls that are accepted and never answered or
answered late, and assumed credentials that stop working after a few seconds. It also counts calls
per operation and keeps the secrets that AssumeRole handed out, so tests can look for them.

Calls are named `service:Operation` (the signing name and the API operation); a pattern may add
`@<account id>` to match only the calls signed with that account's assumed credentials, and
`service:*` matches every operation of a service. Settings can be changed between runs through
`proxy.faults`.
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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_JSON = "application/x-amz-json-1.1"
_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # /2015-03-31/functions
_CREDENTIAL = re.compile(r"Credential=([^/]+)/\d+/([^/]+)/([^/]+)/")
_XML_ERROR = (
    "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
    "<RequestId>faultproxy</RequestId></ErrorResponse>"
)
# (status, content type, body) of a throttling answer, per signing service: for servers that answer
# without a Call (the replay server); the proxy itself uses throttling_answer, for every service.
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
# botocore renews assumed credentials 15 minutes before they expire (its advisory window).
BOTOCORE_RENEWAL_WINDOW_S = 15 * 60


@dataclass(frozen=True)
class Call:
    """One request as the proxy sees it."""

    service: str  # the signing name: sts, ec2, organizations ...
    operation: str
    region: str
    access_key: str
    account: str | None  # the account of assumed credentials; None for the ambient ones
    protocol: str  # json | query | ec2 | s3 | rest
    form: dict[str, list[str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.service}:{self.operation}"

    def matches(self, patterns: Iterable[str]) -> bool:
        for pattern in patterns:
            name, _, account = pattern.partition("@")
            service, _, operation = name.partition(":")
            if service != self.service or operation not in ("*", self.operation):
                continue
            if not account or account == self.account:
                return True
        return False


def error_answer(call: Call, status: int, code: str, message: str) -> tuple[int, list[tuple[str, str]], str]:
    """An error in the shape the call's protocol uses, so botocore reads `code` from it."""
    if call.protocol == "json":
        body = json.dumps({"__type": code, "message": message})
        return status, [("Content-Type", _JSON), ("x-amzn-ErrorType", code)], body
    if call.protocol == "rest":
        body = json.dumps({"message": message})
        return status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)], body
    if call.protocol == "s3":
        body = (
            f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>faultproxy</RequestId></Error>"
        )
        return status, [("Content-Type", "application/xml")], body
    if call.protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            "<RequestID>faultproxy</RequestID></Response>"
        )
        return status, [("Content-Type", "text/xml")], body
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>faultproxy</RequestId></ErrorResponse>"
    )
    return status, [("Content-Type", "text/xml")], body


def throttling_answer(call: Call) -> tuple[int, list[tuple[str, str]], str]:
    """The service's own throttling error: every one of them is retried by botocore."""
    if call.service == "ec2":
        return error_answer(call, 503, "RequestLimitExceeded", "Request limit exceeded.")
    if call.service == "s3":
        return error_answer(call, 503, "SlowDown", "Reduce your request rate.")
    if call.service == "organizations":
        return error_answer(call, 400, "TooManyRequestsException", "Rate exceeded")
    if call.protocol == "rest":
        return error_answer(call, 429, "TooManyRequestsException", "Rate exceeded")
    if call.protocol == "json":
        return error_answer(call, 400, "ThrottlingException", "Rate exceeded")
    return error_answer(call, 400, "Throttling", "Rate exceeded")


def denial_answer(call: Call, reason: str) -> tuple[int, list[tuple[str, str]], str]:
    if call.protocol in ("json", "rest"):
        return error_answer(call, 400 if call.protocol == "json" else 403, "AccessDeniedException", reason)
    if call.service == "ec2":
        return error_answer(call, 403, "UnauthorizedOperation", reason)
    return error_answer(call, 403, "AccessDenied", reason)


@dataclass
class Faults:
    latency_ms: int = 0
    throttle: float = 0.0  # share of calls answered with the service's throttling error
    deny_assume: set[str] = field(default_factory=set)  # account ids whose roles cannot be assumed
    fail_operation: str | None = None  # "organizations:ListAccounts": denied for good...
    fail_after: int = 0  # ...after this many calls of it went through
    deny_regions: dict[str, set[str]] = field(default_factory=dict)  # account -> regions an SCP denies
    hang: set[str] = field(default_factory=set)  # patterns of calls accepted and never answered
    delay: dict[str, float] = field(default_factory=dict)  # pattern -> seconds before answering
    # Assumed credentials stop working this many seconds after they are issued. Their answer says
    # they expire 15 minutes after a quarter of that time, so botocore (which renews 15 minutes
    # ahead) renews them a quarter into their life, as it renews hour-long credentials at 45 minutes
    # (the rest of their life leaves room for calls signed just before, as AWS's 15 minutes do).
    credential_lifetime_s: float | None = None
    seed: int = 0


class FaultProxy:
    def __init__(self, upstream: str, faults: Faults | None = None, port: int = 0) -> None:
        self.upstream = urllib.parse.urlparse(upstream)
        self.faults = faults or Faults()
        self.calls: Counter[str] = Counter()  # "service:Operation" -> calls that reached the proxy
        self.throttled = 0
        self.throttled_services: Counter[str] = Counter()  # service -> calls answered with throttling
        self.expired = 0  # calls refused because their credentials had stopped working
        self.hung = threading.Event()  # set when the first call is held without an answer
        self.delayed = threading.Event()  # set when the first call is delayed
        self.secrets: set[str] = set()  # every SecretAccessKey and SessionToken AssumeRole issued
        self._issued: dict[str, tuple[str, float]] = {}  # access key -> (account, issued at)
        self._stopping = threading.Event()
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
        self._stopping.set()  # held calls end (unanswered)
        self._server.shutdown()
        self._server.server_close()

    def reset_counts(self) -> None:
        with self._lock:
            self.calls.clear()
            self.throttled = 0
            self.throttled_services.clear()
            self.expired = 0

    def account_of(self, access_key: str) -> str | None:
        with self._lock:
            issued = self._issued.get(access_key)
        return issued[0] if issued else None

    def decide(self, call: Call) -> tuple[int, list[tuple[str, str]], str] | None:
        """The fault to answer with, or None to pass the call through (after any delay or hang)."""
        faults = self.faults
        with self._lock:
            self.calls[call.name] += 1
            seen = self.calls[call.name]
            throttle = bool(faults.throttle) and self._rng.random() < faults.throttle
            if throttle:
                self.throttled += 1
                self.throttled_services[call.service] += 1
            issued = self._issued.get(call.access_key)
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if call.matches(faults.hang):
            self.hung.set()
            self._stopping.wait()
            return None  # the proxy is stopping; the caller gave up long ago
        for pattern, seconds in faults.delay.items():
            if call.matches([pattern]):
                self.delayed.set()
                self._stopping.wait(seconds)
        lifetime = faults.credential_lifetime_s
        if lifetime is not None and issued and time.monotonic() - issued[1] > lifetime:
            with self._lock:
                self.expired += 1
            return error_answer(
                call, 400, _expired_code(call), "The security token included in the request is expired"
            )
        if call.name == "sts:AssumeRole" and faults.deny_assume:
            arn = (call.form.get("RoleArn") or [""])[0]
            if any(f":{account}:" in arn for account in faults.deny_assume):
                return denial_answer(call, f"not authorized to perform sts:AssumeRole on {arn}")
        if call.account and call.region in faults.deny_regions.get(call.account, ()):
            return denial_answer(
                call, f"{call.operation} denied in {call.region} by a service control policy"
            )
        if faults.fail_operation == call.name and seen > faults.fail_after:
            return denial_answer(call, f"{call.operation} denied")
        if throttle:
            return throttling_answer(call)
        return None

    def assumed(self, call: Call, body: bytes) -> bytes:
        """Note the credentials an AssumeRole answer hands out (and shorten their announced life)."""
        text = body.decode("utf-8", "replace")
        key = re.search(r"<AccessKeyId>([^<]+)</AccessKeyId>", text)
        arn = (call.form.get("RoleArn") or [""])[0]
        account = arn.split(":")[4] if arn.count(":") >= 5 else ""
        with self._lock:
            for field_name in ("SecretAccessKey", "SessionToken"):
                found = re.search(rf"<{field_name}>([^<]+)</{field_name}>", text)
                if found:
                    self.secrets.add(found.group(1))
            if key:
                self._issued[key.group(1)] = (account, time.monotonic())
        lifetime = self.faults.credential_lifetime_s
        if lifetime is not None:
            expiry = datetime.now(UTC) + timedelta(seconds=BOTOCORE_RENEWAL_WINDOW_S + lifetime / 4)
            stamp = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
            text = re.sub(r"<Expiration>[^<]+</Expiration>", f"<Expiration>{stamp}</Expiration>", text)
        return text.encode()


def _expired_code(call: Call) -> str:
    return "ExpiredTokenException" if call.protocol in ("json", "rest") else "ExpiredToken"


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm the body would wait for the
        # client's delayed ACK, about 40 ms more per call than the latency we mean to inject.
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:
            pass

        def _call(self, body: bytes) -> Call:
            credential = _CREDENTIAL.search(self.headers.get("Authorization", ""))
            access_key, region, service = credential.groups() if credential else ("", "", "?")
            target = self.headers.get("X-Amz-Target")
            form = urllib.parse.parse_qs(body.decode("utf-8", "ignore")) if body and not target else {}
            if target:
                operation, protocol = target.split(".")[-1], "json"
            elif "Action" in form:
                operation, protocol = form["Action"][0], "ec2" if service == "ec2" else "query"
            elif service == "s3":  # REST: name a call by its method and sub-resource (?acl, ?policy ...)
                protocol = "s3"
                path, _, query = self.path.partition("?")
                if path in ("", "/"):
                    operation = "ListBuckets" if self.command == "GET" else self.command
                else:
                    sub_resource = query.split("&")[0].split("=")[0]
                    operation = (
                        f"{self.command} ?{sub_resource}" if sub_resource else f"{self.command} bucket"
                    )
            else:  # other REST calls: the first path segment after the API version (account, lambda)
                protocol = "rest"
                segments = [p for p in self.path.split("?")[0].split("/") if p and not _API_VERSION.match(p)]
                operation = segments[0] if segments else self.command
                operation = operation[:1].upper() + operation[1:]
            account = proxy.account_of(access_key)
            return Call(service, operation, region, access_key, account, protocol, form)

        def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            call = self._call(body)
            fault = proxy.decide(call)
            if proxy._stopping.is_set():
                self.close_connection = True
                return
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
                if call.name == "sts:AssumeRole" and response.status == 200:
                    data = proxy.assumed(call, data)
                hop = ("content-length", "transfer-encoding", "connection")
                headers = [(k, v) for k, v in response.getheaders() if k.lower() not in hop]
                self._send(response.status, headers, data)
            finally:
                upstream.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    return Handler
