"""Helpers of the serve tests: a real `graph-aws serve` on loopback, started as a user starts it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

from graph_aws.cli import cli
from graph_aws.model import make_entity, make_relationship
from graph_aws.store import SqliteStore

REPO = Path(__file__).resolve().parents[2]
J1_CLI = REPO / "node_modules" / ".bin" / "j1-integration"


def make_key(db: Path, name: str = "tests") -> str:
    """A key made the way a user makes one: `graph-aws api-key create` (its stdout is the key)."""
    result = CliRunner().invoke(cli, ["api-key", "create", "--name", name, "--db", str(db)])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@dataclass
class Served:
    url: str  # ends with "/"
    key: str
    db: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    clients: list[httpx.Client] = field(default_factory=list)

    def http(self, key: str | None = "default", **headers: str) -> httpx.Client:
        auth = {"Authorization": f"Bearer {self.key if key == 'default' else key}"} if key else {}
        client = httpx.Client(base_url=self.url, headers={**auth, **headers}, timeout=60, verify=False)
        self.clients.append(client)
        return client

    def graphql(self, query: str, variables: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        answer = self.http().post("/", json={"query": query, "variables": variables or {}, **extra})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def j1(self, account: str = "j1-account"):  # noqa: ANN201 (the client's own class)
        from jupiterone import JupiterOneClient

        return JupiterOneClient(account=account, token=self.key, url=self.url, sync_url=self.url.rstrip("/"))

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_serve(
    db: Path, log_path: Path, *serve_options: str, cli_options: tuple[str, ...] = (), key: str | None = None
) -> Served:
    """`graph-aws [cli_options] serve --db DB --port 0 [serve_options]`, its output into `log_path`."""
    key = key or make_key(db, f"tests-{os.urandom(3).hex()}")  # one per serve: several may share a store
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graph_aws.cli",
            *cli_options,
            "serve",
            "--db",
            str(db),
            "--port",
            "0",
            *serve_options,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        for line in text.splitlines():
            if line.startswith("graph-aws serve: http"):
                # Tests talk to loopback only, whatever address serve listens on.
                url = line.split()[2].replace("//0.0.0.0:", "//127.0.0.1:")
                served = Served(url, key, db, log_path, process)
                if _healthy(url):
                    return served
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}:\n{text}")
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"serve did not start:\n{log_path.read_text()}")


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "health", timeout=2, verify=False).status_code == 200
    except httpx.HTTPError:
        return False


def widget(i: int, **properties: Any) -> dict[str, Any]:
    return make_entity(
        key=f"widget-{i:05d}",
        type="acme_widget",
        classes=["Resource"],
        name=f"widget {i}",
        properties={"size": i % 7, "tag.Team": "blue" if i % 2 else "red", **properties},
    )


def seed_widgets(db: Path, count: int, scope: str = "account:111111111111") -> list[dict[str, Any]]:
    """`count` entities and a HAS chain between neighbours, written through the store's own sync."""
    entities = [widget(i) for i in range(count)]
    relationships = [
        make_relationship(from_entity=a, to_entity=b, verb="HAS")
        for a, b in zip(entities, entities[1:], strict=False)
    ]
    store = SqliteStore(db)
    try:
        store.sync_scope(scope, entities, relationships)
    finally:
        store.close()
    return entities


def write_sdk_project(
    root: Path,
    entities: list[dict[str, Any]],
    relationships: list[dict[str, Any]],
    partial_types: tuple[str, ...] = (),
) -> Path:
    """A project folder in the JupiterOne SDK's layout, as `j1-integration sync -p` reads it: one step per
    type, `graph/<step>/entities/<uuid>.json` of at most 500 objects, and `summary.json`."""
    import json
    import uuid
    from collections import defaultdict

    storage = root / ".j1-integration"
    by_type: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for kind, objects in (("entities", entities), ("relationships", relationships)):
        for obj in objects:
            by_type[(kind, obj["_type"])].append(obj)
    steps = []
    for (kind, type_), objects in sorted(by_type.items()):
        step = f"fetch-{type_.replace('_', '-')}"
        folder = storage / "graph" / step / kind
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(0, len(objects), 500):
            (folder / f"{uuid.uuid4()}.json").write_text(json.dumps({kind: objects[i : i + 500]}))
        failed = type_ in partial_types
        steps.append(
            {
                "id": step,
                "name": f"Fetch {type_}",
                "status": "failure" if failed else "success",
                "declaredTypes": [type_],
                "partialTypes": [type_] if failed else [],
                "encounteredTypes": [type_],
            }
        )
    partial = {"partialDatasets": {"types": list(partial_types)}}
    summary = {"integrationStepResults": steps, "metadata": partial}
    (storage / "summary.json").write_text(json.dumps(summary))
    return root


class FlakyProxy:
    """A reverse proxy in front of a real serve that can fail chosen requests and slow every one down,
    and remembers what passed (method, path, status) and how many were in flight at most."""

    def __init__(self, target: str, delay_s: float = 0.0) -> None:
        import http.client
        import threading
        import urllib.parse
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        # (method, path, how many requests of that kind so far, body) -> None, or (status, JSON body)
        self.fault: Any = lambda method, path, count, body: None
        self.seen: list[tuple[str, str, int]] = []
        self.max_in_flight = 0
        parsed = urllib.parse.urlsplit(target)
        lock, counts, in_flight = threading.Lock(), {}, [0]
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with lock:
                    key = (self.command, self.path.rsplit("/", 1)[-1])
                    counts[key] = number = counts.get(key, 0) + 1
                    in_flight[0] += 1
                    proxy.max_in_flight = max(proxy.max_in_flight, in_flight[0])
                try:
                    time.sleep(delay_s)
                    failure = proxy.fault(self.command, self.path, number, body)
                    if failure is not None:
                        status, payload = failure
                        data = json.dumps(payload).encode()
                        headers = {"content-type": "application/json"}
                    else:
                        upstream = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
                        forwarded = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                        upstream.request(self.command, self.path, body=body or None, headers=forwarded)
                        answer = upstream.getresponse()
                        status, data = answer.status, answer.read()
                        headers = {"content-type": answer.getheader("content-type") or "application/json"}
                        upstream.close()
                finally:
                    with lock:
                        in_flight[0] -= 1
                proxy.seen.append((self.command, self.path, status))
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on this answer

            do_GET = do_POST = _relay

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
