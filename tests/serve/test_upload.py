"""`graph-aws upload` into another, real `serve`: the receiving graph is the sent one."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from serve_helpers import FlakyProxy

from graph_aws.cli import cli
from graph_aws.model import make_entity, make_relationship
from graph_aws.store import JobRecord, SqliteStore

# Who made an object (the collect, serve's persister or mapper): not part of the graph compared.
STAMPS = {"_source", "_scope", "_integrationInstanceId", "_integrationName", "_integrationType"}


def export(db) -> dict:
    result = CliRunner().invoke(cli, ["export", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def unstamped(objects: list[dict]) -> dict:
    """By _key, without who-made-it metadata and without nulls (a mapped relationship says of its
    target only what is not null, as JupiterOne's SDK writes it)."""
    return {o["_key"]: {k: v for k, v in o.items() if k not in STAMPS and v is not None} for o in objects}


def upload(db, url: str, key: str, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "graph_aws.cli",
            "upload",
            "--db",
            str(db),
            "--api-base-url",
            url,
            "--account",
            "j1-acct",
            *options,
        ],
        env={**os.environ, "JUPITERONE_API_KEY": key},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_an_upload_reproduces_the_graph_in_one_job_per_account_scope(demo_db, serve_factory):
    receiver = serve_factory()
    result = upload(demo_db, receiver.url, receiver.key)
    assert result.returncode == 0, result.stderr
    sent, got = export(demo_db), export(receiver.db)
    # What the sender owns goes as entities; what it does not (system-mapper) goes as the targets of
    # mapped relationships, which the receiver's mapper makes again.
    owned = {e["_key"] for e in sent["entities"] if e.get("_source") != "system-mapper"}
    mapped = {e["_key"]: e for e in sent["entities"] if e.get("_source") == "system-mapper"}
    reachable = [r for r in sent["relationships"] if {r["_fromEntityKey"], r["_toEntityKey"]} & owned]
    unknown = [r for r in reachable if not {r["_fromEntityKey"], r["_toEntityKey"]} <= owned | set(mapped)]
    stored = [r for r in reachable if r not in unknown]
    remade = {k for r in stored for k in (r["_fromEntityKey"], r["_toEntityKey"]) if k in mapped}
    assert mapped and remade  # the demo's organization has mapped entities
    expected = [e for e in sent["entities"] if e["_key"] in owned | remade]
    assert unstamped(got["entities"]) == unstamped(expected)
    assert unstamped(got["relationships"]) == unstamped(stored)
    assert {e["_source"] for e in got["entities"] if e["_key"] in remade} == {"system-mapper"}
    # A relationship to an entity the sender does not hold at all cannot be stored there: it is counted.
    counted = sum(
        int(line.split("; ")[-1].split()[0]) for line in result.stdout.splitlines() if "not stored" in line
    )
    assert counted == len(unknown)
    store = SqliteStore(demo_db)
    local = store.scopes()
    store.close()
    scopes = {line.split(":", 2)[0] + ":" + line.split(":", 2)[1] for line in result.stdout.splitlines()}
    assert {s for s in scopes if not s.startswith("links")} == set(local)
    assert len(result.stdout.splitlines()) == len(local) + 1  # and the links job, last
    assert receiver.key not in result.stdout + result.stderr


def _user(name: str) -> dict:
    return make_entity(
        key=f"arn:aws:iam::111111111111:user/{name}",
        type="aws_iam_user",
        classes=["User"],
        name=name,
        properties={"accountId": "111111111111"},
    )


def _local_store(db, users: list[str], partial: list[str]) -> None:
    account = make_entity(
        key="arn:aws:iam::111111111111:root",
        type="aws_account",
        classes=["Account"],
        name="acct",
        properties={"accountId": "111111111111"},
    )
    entities = [account, *(_user(u) for u in users)]
    relationships = [make_relationship(from_entity=account, to_entity=e, verb="HAS") for e in entities[1:]]
    store = SqliteStore(db)
    store.sync_scope("account:111111111111", entities, relationships, partial)
    run = store.start_run("test", {})
    summary = {"metadata": {"partialDatasets": {"types": partial}}}
    store.record_job(
        run,
        JobRecord("account:111111111111", "partial" if partial else "succeeded", None, 0, 0, summary=summary),
    )
    store.finish_run(run, "succeeded", None)
    store.close()


def test_a_second_upload_deletes_what_vanished_except_the_local_partial_types(tmp_path, serve_factory):
    db = tmp_path / "local.db"
    _local_store(db, ["alice", "bob"], [])
    receiver = serve_factory()
    assert upload(db, receiver.url, receiver.key).returncode == 0

    def users():
        return sorted(r["properties"]["name"] for r in receiver.j1().query_v1("FIND aws_iam_user")["data"])

    assert users() == ["alice", "bob"]

    # Someone else's job wrote a user into the same scope over there; bob left here.
    http = receiver.http()
    other = http.post(
        "/persister/synchronization/jobs",
        json={"source": "api", "scope": "graph-aws:account:111111111111", "syncMode": "CREATE_OR_UPDATE"},
    )
    other_id = other.json()["job"]["id"]
    http.post(f"/persister/synchronization/jobs/{other_id}/entities", json={"entities": [_user("carol")]})
    http.post(f"/persister/synchronization/jobs/{other_id}/finalize", json={})
    assert users() == ["alice", "bob", "carol"]

    _local_store(db, ["alice"], ["aws_iam_user"])  # a run that could not list users: they are partial
    assert upload(db, receiver.url, receiver.key).returncode == 0
    assert users() == ["alice", "bob", "carol"]  # nothing of a partial type is deleted over there

    _local_store(db, ["alice"], [])
    assert upload(db, receiver.url, receiver.key).returncode == 0
    assert users() == ["alice"]


@pytest.fixture
def proxied(demo_db, serve_factory):
    receiver = serve_factory(None, "--max-body-bytes", "60000")
    proxy = FlakyProxy(receiver.url.rstrip("/"), delay_s=0.05)
    yield receiver, proxy
    proxy.stop()


def test_uploads_are_batched_by_size_6_in_flight_retried_and_split_on_413(demo_db, proxied):
    receiver, proxy = proxied
    tried: set[bytes] = set()

    def busy_once(method, path, n, body):  # every request fails its first try with a 503
        if body in tried:
            return None
        tried.add(body)
        return 503, {"error": {"code": "BUSY"}}

    proxy.fault = busy_once
    result = upload(demo_db, proxy.url, receiver.key, "--batch-bytes", "4000")
    assert result.returncode == 0, result.stderr
    assert unstamped(export(receiver.db)["entities"]) == unstamped(export(demo_db)["entities"])
    statuses = [s for _, path, s in proxy.seen if path.endswith(("/entities", "/relationships"))]
    assert statuses.count(503) == statuses.count(200) > 6  # each batch: a 503, then tried again
    assert proxy.max_in_flight == 6

    proxy.fault = lambda method, path, n, body: None
    proxy.seen.clear()
    big_batches = upload(demo_db, proxy.url, receiver.key, "--batch-bytes", "5000000")
    assert big_batches.returncode == 0, big_batches.stderr
    statuses = [s for _, path, s in proxy.seen if path.endswith(("/entities", "/relationships"))]
    assert 413 in statuses  # over the receiver's 60,000 bytes: split in two, and again, until accepted
    assert unstamped(export(receiver.db)["entities"]) == unstamped(export(demo_db)["entities"])


def test_a_refused_upload_aborts_its_job_and_says_why_in_one_line(demo_db, proxied):
    receiver, proxy = proxied
    proxy.fault = lambda method, path, n, body: (
        (400, {"error": {"code": "ENTITY_IS_INVALID", "message": "refused by the test"}})
        if path.endswith("/entities") and n == 2
        else None
    )
    result = upload(demo_db, proxy.url, receiver.key, "--batch-bytes", "20000")
    assert result.returncode == 1
    (line,) = [text for text in result.stderr.splitlines() if text.strip()]
    assert "ENTITY_IS_INVALID: refused by the test" in line and "Traceback" not in result.stderr
    aborted = [path for _, path, _ in proxy.seen if path.endswith("/abort")]
    assert len(aborted) == 1, "the failed job was not aborted"
    started = [path for method, path, _ in proxy.seen if method == "POST" and path.endswith("/jobs")]
    assert len(started) == 2  # the organization's job finished; the next one failed, and nothing came after
    scopes = {e["_scope"] for e in export(receiver.db)["entities"] if e["_source"] == "api"}
    assert len(scopes) == 1 and scopes.pop().startswith("graph-aws:organization:")

    wrong = upload(demo_db, receiver.url, receiver.key[:-2] + "zz")
    assert wrong.returncode == 1 and "HTTP 401" in wrong.stderr and receiver.key[:-2] not in wrong.stderr


def test_an_unreachable_api_is_one_line_after_the_retries(tmp_path):
    import socket

    db = tmp_path / "local.db"
    _local_store(db, ["alice"], [])
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens on it once the socket is closed
    result = upload(db, f"http://127.0.0.1:{port}", "gak_000000000000_" + "x" * 43)
    assert result.returncode == 1
    assert "ConnectError talking to" in result.stderr and "Traceback" not in result.stderr
    assert "x" * 43 not in result.stderr
