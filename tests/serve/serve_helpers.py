"""Helpers of the serve tests: a real `graph-aws serve` on loopback, started as a user starts it."""

from __future__ import annotations

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
    key = key or make_key(db)
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
