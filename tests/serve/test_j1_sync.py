"""JupiterOne's own `j1-integration sync --api-base-url` (npm, @jupiterone/integration-sdk-cli) into serve."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from serve_helpers import J1_CLI, write_sdk_project

from graph_aws.cli import cli

pytestmark = pytest.mark.skipif(not J1_CLI.exists(), reason="make test installs the SDK's CLI from npm")

# Who made an object (the collect, serve's persister or mapper): not part of the graph compared.
STAMPS = {"_source", "_integrationInstanceId", "_integrationName", "_integrationType", "_scope"}
ANSWER_ONLY = {
    "_id",
    "_accountId",
    "_deleted",
    "_createdOn",
    "_beginOn",
    "_version",
    "_fromEntityId",
    "_toEntityId",
}


def exported(db) -> dict:
    result = CliRunner().invoke(cli, ["export", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def export_j1(db, project: Path) -> Path:
    """`graph-aws export --format j1` where JupiterOne's CLI looks: <project>/.j1-integration."""
    project.mkdir()
    result = CliRunner().invoke(
        cli, ["export", "--db", str(db), "--format", "j1", "--output", str(project / ".j1-integration")]
    )
    assert result.exit_code == 0, result.output
    return project


def read_sdk_project(project: Path) -> tuple[list, list]:
    entities, relationships = [], []
    for path in sorted((project / ".j1-integration" / "graph").rglob("*.json")):
        data = json.loads(path.read_text())
        entities += data.get("entities", [])
        relationships += data.get("relationships", [])
    return entities, relationships


def sync(served, project, *options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "JUPITERONE_API_KEY": served.key, "JUPITERONE_ACCOUNT": "j1-account"}
    return subprocess.run(
        [str(J1_CLI), "sync", "-p", str(project), "--api-base-url", served.url.rstrip("/"), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def served_graph(served) -> tuple[dict, dict]:
    client = served.j1()
    entities = {}
    for row in client.query_v1("FIND *")["data"]:
        meta = {k: v for k, v in row["entity"].items() if k not in ANSWER_ONLY and v is not None}
        meta["_type"] = meta["_type"][0]
        entities[meta["_key"]] = {**meta, **row["properties"]}
    relationships = {}
    for e in client.query_v1("FIND * THAT RELATES TO * RETURN TREE")["edges"]:
        meta = {k: v for k, v in e["relationship"].items() if k not in ANSWER_ONLY and v is not None}
        relationships[meta["_key"]] = {**meta, **e["properties"]}
    return entities, relationships


def plain(objects) -> dict:
    """Objects by _key, without who-made-it metadata and without null values (a mapped relationship
    says of its target only what is not null)."""
    return {
        o["_key"]: {p: v for p, v in o.items() if p not in STAMPS and v is not None}
        for o in (objects.values() if isinstance(objects, dict) else objects)
    }


def test_an_integration_sync_of_an_export_makes_the_served_graph_the_exported_one(
    demo_db, serve_factory, tmp_path
):
    project = export_j1(demo_db, tmp_path / "project")
    graph = exported(demo_db)  # the merged graph the export was made from
    owned = [e for e in graph["entities"] if e.get("_source") != "system-mapper"]
    mapped = {e["_key"]: e for e in graph["entities"] if e.get("_source") == "system-mapper"}
    assert owned and mapped  # the demo's organization has both
    served = serve_factory()
    first = sync(served, project, "-i", "aws-org-1")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Synchronization job status: FINISHED" in first.stdout
    assert f"Entities uploaded: {len(owned)}" in first.stdout

    served_entities, served_relationships = served_graph(served)
    made = {k: e for k, e in served_entities.items() if e["_source"] == "system-mapper"}
    assert plain({k: e for k, e in served_entities.items() if k not in made}) == plain(owned)
    assert {e["_integrationInstanceId"] for k, e in served_entities.items() if k not in made} == {"aws-org-1"}
    # JupiterOne's mapper made the targets of the mapped relationships, as the collect had seen them.
    assert set(made) <= set(mapped) and made
    assert plain(made) == plain([mapped[k] for k in made])
    keys = {e["_key"] for e in owned} | set(made)
    linked = [r for r in graph["relationships"] if r["_fromEntityKey"] in keys and r["_toEntityKey"] in keys]
    assert plain(served_relationships) == plain(linked)
    exported_entities, exported_relationships = read_sdk_project(project)
    assert len(linked) == len(exported_relationships) - sum(  # what no mapper could make a target for
        1 for r in exported_relationships if "_mapping" in r and "_class" not in r["_mapping"]["targetEntity"]
    )

    # A second, smaller sync: a user vanishes (deleted); an access key too, but its type is partial (kept).
    users = [e for e in exported_entities if e["_type"] == "aws_iam_user"]
    access_keys = [e for e in exported_entities if e["_type"] == "aws_iam_access_key"]
    assert users and access_keys
    gone = {users[0]["_key"], access_keys[0]["_key"]}
    smaller = [e for e in exported_entities if e["_key"] not in gone]
    kept = [r for r in exported_relationships if not {r.get("_fromEntityKey"), r.get("_toEntityKey")} & gone]
    second = sync(
        served,
        write_sdk_project(tmp_path / "second", smaller, kept, partial_types=("aws_iam_access_key",)),
        "-i",
        "aws-org-1",
    )
    assert second.returncode == 0, second.stdout + second.stderr
    after, _ = served_graph(served)
    assert users[0]["_key"] not in after
    assert access_keys[0]["_key"] in after  # a partial type is never deleted
    assert set(after) == set(served_entities) - {users[0]["_key"]}


def test_an_api_scope_sync_and_a_second_instance_keep_to_their_own_scopes(serve_factory, tmp_path):
    served = serve_factory()
    one = [
        {"_key": f"gh-repo-{i}", "_type": "github_repo", "_class": "CodeRepo", "name": f"repo {i}"}
        for i in range(3)
    ]
    two = [{"_key": "okta-user-1", "_type": "okta_user", "_class": "User", "name": "ann"}]
    assert (
        sync(
            served, write_sdk_project(tmp_path / "gh", one, []), "--source", "api", "--scope", "github"
        ).returncode
        == 0
    )
    assert sync(served, write_sdk_project(tmp_path / "okta", two, []), "-i", "okta-1").returncode == 0
    assert (
        sync(
            served, write_sdk_project(tmp_path / "gh2", one[:1], []), "--source", "api", "--scope", "github"
        ).returncode
        == 0
    )
    entities, _ = served_graph(served)
    assert sorted(entities) == ["gh-repo-0", "okta-user-1"]
    assert (
        entities["gh-repo-0"]["_scope"] == "github"
        and entities["okta-user-1"]["_integrationInstanceId"] == "okta-1"
    )


def test_a_refused_upload_makes_the_sdk_abort_and_changes_nothing(serve_factory, tmp_path):
    served = serve_factory(None, "--max-body-bytes", "2048")
    big = [
        {"_key": f"item-{i:05d}", "_type": "acme_item", "_class": "Resource", "name": "x" * 50}
        for i in range(100)
    ]
    result = sync(served, write_sdk_project(tmp_path / "big", big, []), "-i", "inst-big")
    assert result.returncode != 0
    assert "POST /persister/synchronization/jobs/" in served.logs() and "/abort 200" in served.logs()
    assert served.j1().query_v1("FIND acme_item")["data"] == []
