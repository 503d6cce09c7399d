"""JupiterOne's own `j1-integration sync --api-base-url` (npm, @jupiterone/integration-sdk-cli) into serve."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from click.testing import CliRunner
from serve_helpers import J1_CLI, write_sdk_project

from graph_aws.cli import cli

pytestmark = pytest.mark.skipif(not J1_CLI.exists(), reason="make test installs the SDK's CLI from npm")

# What serve adds to what it was sent, or to what it answers with: not part of the graph compared.
STAMPS = {"_source", "_integrationInstanceId", "_scope"}
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


def sdk_graph(graph: dict) -> tuple[list, list]:
    """The exported graph as an integration would upload it: a relationship to an entity graph-aws does not
    hold (an account outside the organization) becomes a mapped relationship, as the SDK makes one."""
    keys = {e["_key"] for e in graph["entities"]}
    relationships = []
    for r in graph["relationships"]:
        if r["_toEntityKey"] in keys:
            relationships.append(r)
            continue
        assert r["_toEntityKey"].endswith(":root"), r  # the demo's only outsiders are accounts
        direct = {k: v for k, v in r.items() if k not in ("_fromEntityKey", "_toEntityKey")}
        target = {"_key": r["_toEntityKey"], "_type": "aws_account", "_class": "Account"}
        relationships.append(
            {
                **direct,
                "_mapping": {
                    "sourceEntityKey": r["_fromEntityKey"],
                    "targetEntity": target,
                    "relationshipDirection": "FORWARD",
                    "targetFilterKeys": [["_type", "_key"]],
                },
            }
        )
    return graph["entities"], relationships


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


def without_stamps(objects: dict) -> dict:
    return {k: {p: v for p, v in o.items() if p not in STAMPS} for k, o in objects.items()}


def test_an_integration_sync_makes_the_served_graph_the_uploaded_one_and_a_smaller_sync_deletes(
    demo_db, serve_factory, tmp_path
):
    graph = exported(demo_db)
    entities, relationships = sdk_graph(graph)
    served = serve_factory()
    first = sync(served, write_sdk_project(tmp_path / "first", entities, relationships), "-i", "aws-org-1")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Synchronization job status: FINISHED" in first.stdout
    assert f"Entities uploaded: {len(entities)}" in first.stdout

    served_entities, served_relationships = served_graph(served)
    mapper_made = {k for k, e in served_entities.items() if e["_source"] == "system-mapper"}
    assert mapper_made == {r["_toEntityKey"] for r in graph["relationships"]} - {e["_key"] for e in entities}
    assert {e["_source"] for k, e in served_entities.items() if k not in mapper_made} == {
        "integration-managed"
    }
    assert {e["_integrationInstanceId"] for k, e in served_entities.items() if k not in mapper_made} == {
        "aws-org-1"
    }
    expected_entities = {e["_key"]: e for e in entities}
    assert (
        without_stamps({k: e for k, e in served_entities.items() if k not in mapper_made})
        == expected_entities
    )
    assert without_stamps(served_relationships) == {r["_key"]: r for r in graph["relationships"]}

    # A second, smaller sync: users vanish (deleted), access keys vanish but their type is partial (kept).
    users = [e for e in entities if e["_type"] == "aws_iam_user"]
    access_keys = [e for e in entities if e["_type"] == "aws_iam_access_key"]
    assert users and access_keys
    gone = {users[0]["_key"], access_keys[0]["_key"]}
    smaller = [e for e in entities if e["_key"] not in gone]
    kept_relationships = [
        r for r in relationships if not {r.get("_fromEntityKey"), r.get("_toEntityKey")} & gone
    ]
    project = write_sdk_project(
        tmp_path / "second", smaller, kept_relationships, partial_types=("aws_iam_access_key",)
    )
    second = sync(served, project, "-i", "aws-org-1")
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
