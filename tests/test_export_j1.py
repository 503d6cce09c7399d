"""`export --format j1`: JupiterOne's SDK layout, read back by JupiterOne's own `j1-integration visualize`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from graph_aws.export.j1_export import FILE_SIZE, export_j1
from graph_aws.model import make_entity, make_relationship
from graph_aws.model.sources import with_integration_metadata
from graph_aws.store import JobRecord
from j1_oracle import J1_INTEGRATION, require_package, validate, without_category_conflicts

SDK_STATUSES = {
    "success",
    "cached",
    "failure",
    "partial_success_due_to_dependency_failure",
    "disabled",
    "pending_evaluation",
}


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph_aws.cli", *args], capture_output=True, text=True, timeout=300, **kwargs
    )


def graph_files(folder: Path):
    """(step id, kind, file name, objects) of every file under graph/."""
    for path in sorted((folder / "graph").rglob("*.json")):
        step, kind, name = path.relative_to(folder / "graph").parts
        document = json.loads(path.read_text())
        assert list(document) == [kind], path  # exactly {"entities": [...]} or {"relationships": [...]}
        yield step, kind, name, document[kind]


def visualized(html: str) -> tuple[list[dict], list[dict]]:
    nodes = re.search(r"var nodes = new vis\.DataSet\((\[.*?\])\);", html, re.S)
    edges = re.search(r"var edges = new vis\.DataSet\((\[.*?\])\);", html, re.S)
    assert nodes and edges, "visualize wrote no node or edge data"
    return json.loads(nodes.group(1)), json.loads(edges.group(1))


@pytest.fixture(scope="module")
def exported(seeded_store, tmp_path_factory) -> Path:
    # Where JupiterOne's CLI looks for it: <project>/.j1-integration (sync -p <project>).
    folder = tmp_path_factory.mktemp("project") / ".j1-integration"
    result = cli("export", "--db", seeded_store.path, "--format", "j1", "--output", str(folder))
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(
        r"wrote \d+ entities and \d+ relationships \(\d+ mapped\) in \d+ files under .+\n", result.stderr
    )
    return folder


def test_the_layout_is_the_sdks(exported, seeded_store):
    files = list(graph_files(exported))
    assert files
    for step, kind, name, objects in files:
        assert kind in ("entities", "relationships") and uuid.UUID(name.removesuffix(".json"))
        assert 0 < len(objects) <= FILE_SIZE
        assert len({o["_type"] for o in objects}) == 1, (step, name)
    entities = [o for _, kind, _, objects in files if kind == "entities" for o in objects]
    relationships = [o for _, kind, _, objects in files if kind == "relationships" for o in objects]

    # Every entity graph-aws owns, once, without the metadata JupiterOne sets itself; no mapped one.
    owned = {e["_key"] for e in seeded_store.entities() if e.get("_source") != "system-mapper"}
    assert Counter(e["_key"] for e in entities) == Counter(owned)
    assert not any(k.startswith(("_source", "_integration")) for e in entities for k in e)
    assert len(relationships) == len(list(seeded_store.relationships()))  # every end here is someone's

    summary = json.loads((exported / "summary.json").read_text())
    results = {r["id"]: r for r in summary["integrationStepResults"]}
    assert {step for step, *_ in files} <= set(results)
    for result in results.values():
        assert result["status"] in SDK_STATUSES
        assert set(result) >= {"id", "name", "status", "declaredTypes", "partialTypes", "encounteredTypes"}
    for step, _, _, objects in files:
        assert objects[0]["_type"] in results[step]["encounteredTypes"]
    assert results["fetch-ec2-instances"]["encounteredTypeCounts"]["aws_instance"] == sum(
        1 for e in entities if e["_type"] == "aws_instance"
    )
    assert summary["metadata"]["partialDatasets"]["types"] == []  # the seeded run failed nowhere


def test_relationships_to_what_graph_aws_does_not_own_are_mapped_as_the_sdk_writes_them(exported):
    relationships = [
        o for _, kind, _, objects in graph_files(exported) if kind == "relationships" for o in objects
    ]
    mapped = [r for r in relationships if "_mapping" in r]
    direct = [r for r in relationships if "_mapping" not in r]
    assert all("_fromEntityKey" not in r and "_toEntityKey" not in r for r in mapped)
    assert all(r["_fromEntityKey"] and r["_toEntityKey"] for r in direct)
    # A target the graph does not hold at all is known by its key alone (no _type).
    targets = Counter(r["_mapping"]["targetEntity"].get("_type") for r in mapped)
    assert {"internet", "everyone", "ip_address_range", "aws_service", "aws_account"} <= set(targets)
    outside = next(r for r in mapped if r["_type"] == "aws_iam_role_trusts_account")
    assert outside["_mapping"]["relationshipDirection"] == "FORWARD"
    assert outside["_mapping"]["targetFilterKeys"] == [["_type", "accountId"]]
    assert outside["_mapping"]["targetEntity"]["accountId"] == "111122223333"
    assert outside["_key"].startswith(outside["_mapping"]["sourceEntityKey"] + "|trusts|")
    internet = next(r for r in mapped if r["_mapping"]["targetEntity"].get("_type") == "internet")
    assert internet["_mapping"]["targetFilterKeys"] == [["_type", "_key"]]
    assert internet["_mapping"]["targetEntity"]["_key"] == "global:internet"
    # The members the organization lists but graph-aws did not ingest are mapped targets too.
    skipped = [r for r in mapped if r["_type"] == "aws_account_has_account"]
    assert {r["_mapping"]["targetEntity"].get("collectionStatus") for r in skipped} == {"skipped", "inactive"}


def test_the_export_passes_jupiterones_schemas(exported):
    files = list(graph_files(exported))
    entities = [o for _, kind, _, objects in files if kind == "entities" for o in objects]
    direct = [
        o for _, kind, _, objects in files if kind == "relationships" for o in objects if "_mapping" not in o
    ]
    result = validate(entities, direct)
    failures = {f["_key"]: f["errors"] for f in result["entities"] if f["errors"]}
    assert without_category_conflicts(failures, entities) == {} and result["relationships"] == []


def test_jupiterones_visualize_draws_every_entity_and_no_edge_to_a_missing_node(exported):
    require_package("@jupiterone/integration-sdk-cli")
    page = exported / "index.html"
    result = subprocess.run(
        [str(J1_INTEGRATION), "visualize", "--data-dir", str(exported / "graph"), "--output-file", str(page)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    nodes, edges = visualized(page.read_text())
    ids = {n["id"] for n in nodes}
    files = list(graph_files(exported))
    entities = [o for _, kind, _, objects in files if kind == "entities" for o in objects]
    relationships = [o for _, kind, _, objects in files if kind == "relationships" for o in objects]
    assert {e["_key"] for e in entities} <= ids
    assert len(edges) == len(relationships)
    assert all(e["from"] in ids and e["to"] in ids for e in edges)
    labels = [n.get("label", "") for n in nodes]
    assert not [label for label in labels if "[MISSING ENTITY]" in label or "[DUPLICATE _KEY]" in label]
    placeholders = [label for label in labels if "[PLACEHOLDER ENTITY]" in label]
    assert len(placeholders) == len(nodes) - len(entities)  # the mapped targets, drawn as the SDK draws them


ACCOUNT_SCOPE = "account:111111111111"


def bucket(n: int):
    return make_entity(
        key=f"arn:aws:s3:::bucket-{n:05d}",
        type="aws_s3_bucket",
        classes=["DataStore"],
        name=f"bucket-{n:05d}",
    )


def step_result(step_id: str, status: str, declared: list[str], encountered: list[str]) -> dict:
    return {
        "id": step_id,
        "name": step_id,
        "status": status,
        "declaredTypes": declared,
        "partialTypes": [],
        "encounteredTypes": encountered,
        "dependsOn": [],
    }


def record(store, scope: str, *results: dict) -> None:
    run = store.start_run("account", {})
    store.record_job(
        run, JobRecord(scope, "partial", None, 0, 0, summary={"integrationStepResults": list(results)})
    )
    store.finish_run(run, "failed", None)


def test_files_hold_at_most_500_objects_and_a_step_failed_anywhere_is_failed_with_its_types_partial(
    store, tmp_path
):
    buckets = [bucket(n) for n in range(2 * FILE_SIZE + 1)]
    store.sync_scope(ACCOUNT_SCOPE, with_integration_metadata(buckets, ACCOUNT_SCOPE), [])
    store.sync_scope("account:222222222222", [], [])
    declared = ["aws_s3_bucket", "aws_s3_has_bucket"]
    record(store, ACCOUNT_SCOPE, step_result("fetch-s3-buckets", "success", declared, ["aws_s3_bucket"]))
    record(store, "account:222222222222", step_result("fetch-s3-buckets", "failure", declared, []))

    counts = export_j1(store, str(tmp_path / "out"))
    files = list(graph_files(tmp_path / "out"))
    assert sorted(len(objects) for *_, objects in files) == [1, FILE_SIZE, FILE_SIZE]
    assert {step for step, *_ in files} == {"fetch-s3-buckets"}
    assert (counts.entities, counts.files["entities"]) == (len(buckets), 3)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    (result,) = summary["integrationStepResults"]
    assert result["status"] == "failure"
    assert summary["metadata"]["partialDatasets"]["types"] == declared


def test_a_relationship_whose_other_end_is_in_no_scope_is_mapped_to_its_key(store, tmp_path):
    owned = bucket(1)
    uses = make_relationship(
        from_entity=owned,
        verb="USES",
        to_type="aws_kms_key",
        to_key="arn:aws:kms:us-east-1:999999999999:key/abc",  # another account's key, never collected
    )
    dangling = make_relationship(
        from_type="aws_instance", from_key="arn:aws:ec2:x:1:instance/i-1", verb="USES", to_entity=owned
    )
    nowhere = make_relationship(
        from_type="aws_instance",
        from_key="arn:aws:ec2:x:1:instance/i-2",
        verb="USES",
        to_type="aws_kms_key",
        to_key="arn:aws:kms:us-east-1:999999999999:key/def",
    )
    store.sync_scope(
        ACCOUNT_SCOPE, with_integration_metadata([owned], ACCOUNT_SCOPE), [uses, dangling, nowhere]
    )
    counts = export_j1(store, str(tmp_path / "out"))
    (forward,) = [
        o
        for _, kind, _, objects in graph_files(tmp_path / "out")
        for o in objects
        if o["_type"].endswith("kms_key")
    ]
    assert forward["_mapping"] == {
        "relationshipDirection": "FORWARD",
        "sourceEntityKey": owned["_key"],
        "targetEntity": {"_key": uses["_toEntityKey"]},
        "targetFilterKeys": [["_key"]],
    }
    (reverse,) = [
        o for *_, objects in graph_files(tmp_path / "out") for o in objects if o["_type"] == dangling["_type"]
    ]
    assert reverse["_mapping"]["relationshipDirection"] == "REVERSE"
    assert reverse["_mapping"]["sourceEntityKey"] == owned["_key"]
    assert (counts.mapped_relationships, counts.unmapped_relationships) == (2, 1)  # nothing to map from


def test_an_earlier_export_is_replaced_whole(store, tmp_path):
    store.sync_scope(ACCOUNT_SCOPE, with_integration_metadata([bucket(1), bucket(2)], ACCOUNT_SCOPE), [])
    out = tmp_path / "out"
    export_j1(store, str(out))
    (out / "index.html").write_text("<html></html>")  # what visualize writes beside it
    store.sync_scope(ACCOUNT_SCOPE, with_integration_metadata([bucket(3)], ACCOUNT_SCOPE), [])
    export_j1(store, str(out))
    keys = [o["_key"] for *_, objects in graph_files(out) for o in objects]
    assert keys == [bucket(3)["_key"]]
    assert sorted(p.name for p in out.iterdir()) == ["graph", "index.html", "summary.json"]


def one_line_error(result: subprocess.CompletedProcess[str], path: Path | str) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ") and str(path) in line
    return line


def test_output_folders_that_cannot_be_used_end_in_one_line_naming_the_path(sqlite_store, tmp_path):
    db = sqlite_store.path
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    cases = {
        tmp_path / "missing" / "out": "does not exist",
        a_file: "is a file, not a folder",
        a_file / "out": "is a file, not a folder",
        busy: "holds other files (notes.txt)",
    }
    for output, what in cases.items():
        line = one_line_error(cli("export", "--db", db, "--format", "j1", "--output", str(output)), output)
        assert what in line
    assert (busy / "notes.txt").read_text() == "mine"
    line = one_line_error(
        cli("export", "--db", db, "--format", "json", "--output", str(a_file / "g.json")), a_file
    )
    assert "is a file, not a folder" in line
    result = cli("export", "--db", db, "--format", "j1")
    assert result.returncode == 2 and "--output DIR" in result.stderr


@contextmanager
def unwritable_folder(folder: Path) -> Iterator[None]:
    """A folder nobody may write in, root included: immutable as root (root ignores the mode bits),
    read-only by its mode otherwise."""
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True, capture_output=True)
        return
    # A file system without the immutable flag (tmpfs, overlayfs): mount a read-only one there.
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True
    )
    assert mounted.returncode == 0, f"cannot make {folder} unwritable for root: {mounted.stderr}"
    try:
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True, capture_output=True)


def test_an_unwritable_output_folder_ends_in_one_line_naming_it(sqlite_store, tmp_path):
    store = sqlite_store  # the test is about the output's path
    store.sync_scope(ACCOUNT_SCOPE, with_integration_metadata([bucket(1)], ACCOUNT_SCOPE), [])
    locked = tmp_path / "locked"
    with unwritable_folder(locked):
        for output in (locked, locked / "out"):
            line = one_line_error(
                cli("export", "--db", store.path, "--format", "j1", "--output", str(output)), output
            )
            assert "cannot write there" in line or "cannot create the folder" in line
        assert list(locked.iterdir()) == []
        line = one_line_error(
            cli("export", "--db", store.path, "--format", "json", "--output", str(locked / "g.json")), locked
        )
        assert "permission denied" in line


class _Persister(BaseHTTPRequestHandler):
    """The persister endpoints `j1-integration sync` calls, recording what it sends (loopback only)."""

    received: dict[str, list] = {}

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        path = self.path.removeprefix("/persister/synchronization/jobs")
        job = {"id": "job-1", "status": "AWAITING_UPLOADS", "integrationInstanceId": "i-1"}
        kind = path.rsplit("/", 1)[-1] if path else "start"
        self.received.setdefault(kind, []).append(body)
        if kind == "finalize":
            job["status"] = "FINISHED"
        answer = json.dumps({"job": job}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


def test_jupiterones_sync_uploads_the_whole_export_and_finalizes_with_its_partial_datasets(
    exported, tmp_path
):
    """`j1-integration sync` reads the layout (graph/ and summary.json) and sends all of it."""
    require_package("@jupiterone/integration-sdk-cli")
    _Persister.received = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Persister)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = subprocess.run(
            [
                str(J1_INTEGRATION),
                "sync",
                "--api-base-url",
                f"http://127.0.0.1:{server.server_address[1]}",
                "--account",
                "local",
                "--api-key",
                "test-key",
                "--integrationInstanceId",
                "i-1",
                "--project-path",
                str(exported.parent),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
    finally:
        server.shutdown()
        thread.join()
    assert result.returncode == 0, result.stdout + result.stderr
    received = _Persister.received
    assert received["start"] == [{"source": "integration-managed", "integrationInstanceId": "i-1"}]
    assert "abort" not in received
    files = list(graph_files(exported))
    for kind in ("entities", "relationships"):
        sent = Counter(o["_key"] for batch in received[kind] for o in batch[kind])
        written = Counter(o["_key"] for _, k, _, objects in files if k == kind for o in objects)
        assert sent == written, kind
    summary = json.loads((exported / "summary.json").read_text())
    assert received["finalize"] == [{"partialDatasets": summary["metadata"]["partialDatasets"]}]
