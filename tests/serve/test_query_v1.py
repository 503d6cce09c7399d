"""GraphQL `queryV1` as JupiterOne's own Python client (`jupiterone`, PyPI) sends it and reads it."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from serve_helpers import seed_widgets, widget

from graph_aws.cli import cli
from graph_aws.store import SqliteStore

CURSOR_QUERY = """query J1QL_v2($query: String!, $cursor: String) {
  queryV1(query: $query, deferredResponse: DISABLED, cursor: $cursor) { type data cursor }
}"""
# What serve adds to each vertex; the rest is the stored entity, split in two. `_source` and
# `_integrationInstanceId` are always there, null for an entity that has none.
ADDED = {"_id", "_accountId", "_deleted", "_createdOn", "_beginOn", "_version"}
NULL_WHEN_ABSENT = {"_source", "_integrationInstanceId"}


def as_entity(row: dict) -> dict:
    """A row of queryV1 put back together as the entity `graph-aws query` prints."""
    entity = {
        k: v for k, v in row["entity"].items() if k not in ADDED and not (k in NULL_WHEN_ABSENT and v is None)
    }
    entity["_type"] = entity["_type"][0]
    return {**entity, **row["properties"]}


def cli_query(db, j1ql: str) -> list:
    result = CliRunner().invoke(cli, ["query", j1ql, "--db", str(db), "--format", "json", "--all"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def widgets_served(tmp_path_factory, module_serve_factory):
    """1,200 widgets, served once for the module's tests, which only read them."""
    db = tmp_path_factory.mktemp("widgets") / "widgets.db"
    seed_widgets(db, 1200)
    return module_serve_factory(db)


@pytest.fixture
def own_widgets_served(tmp_path, serve_factory):
    """For a test that changes the store under its serve."""
    db = tmp_path / "widgets.db"
    seed_widgets(db, 1200)
    return serve_factory(db)


def test_the_client_pages_through_1000_rows_and_gets_exactly_what_graph_aws_query_gives(widgets_served):
    served = widgets_served
    j1ql = "FIND acme_widget WITH size != 6"
    expected = cli_query(served.db, j1ql)
    assert len(expected) > 1000
    before = served.logs().count("POST / 200")
    answer = served.j1(account="acme-prod").query_v1(j1ql)
    rows = answer["data"]
    assert [as_entity(r) for r in rows] == expected
    assert all(r["entity"]["_accountId"] == "acme-prod" and r["id"] == r["entity"]["_id"] for r in rows)
    assert rows[0]["properties"]["tag.Team"] == "red" and rows[0]["entity"]["_class"] == ["Resource"]
    # The client asked for pages of 250: as many requests as pages, each followed by its cursor.
    time.sleep(0.2)  # the last request's log line
    assert served.logs().count("POST / 200") - before == -(-len(expected) // 250)


def test_table_rows_and_an_inline_limit(widgets_served):
    client = widgets_served.j1()
    rows = client.query_v1(
        "FIND acme_widget WITH size = 2 AS w RETURN w.name, w.size ORDER BY w.name LIMIT 300"
    )
    assert rows["data"] == cli_query(
        widgets_served.db,
        "FIND acme_widget WITH size = 2 AS w RETURN w.name, w.size ORDER BY w.name LIMIT 300",
    )
    assert rows["data"][0] == {"w.name": "widget 100", "w.size": 2}
    counted = client.query_v1("FIND acme_widget AS w RETURN w.size, COUNT(w) ORDER BY w.size")
    assert counted["data"][0] == {"w.size": 0, "count(w)": 172}


def test_cursor_pages_stay_the_answer_they_began_as_while_the_store_changes(own_widgets_served):
    served = own_widgets_served
    first = served.graphql(CURSOR_QUERY, {"query": "FIND acme_widget"})["data"]["queryV1"]
    keys = [r["entity"]["_key"] for r in first["data"]]
    assert first["type"] == "list" and len(keys) == 250 and first["cursor"]
    store = SqliteStore(served.db)  # another writer empties the scope and writes other widgets
    store.sync_scope("account:111111111111", [widget(i + 5000) for i in range(40)], [])
    store.close()
    cursor = first["cursor"]
    while cursor:
        page = served.graphql(CURSOR_QUERY, {"query": "FIND acme_widget", "cursor": cursor})["data"][
            "queryV1"
        ]
        keys += [r["entity"]["_key"] for r in page["data"]]
        cursor = page.get("cursor")
    assert keys == [f"widget-{i:05d}" for i in range(1200)]
    fresh = served.j1().query_v1("FIND acme_widget")["data"]
    assert len(fresh) == 40  # a new query sees the new store


def test_a_cursor_of_another_query_or_a_made_up_one_is_refused(widgets_served):
    served = widgets_served
    cursor = served.graphql(CURSOR_QUERY, {"query": "FIND acme_widget"})["data"]["queryV1"]["cursor"]
    other = served.graphql(CURSOR_QUERY, {"query": "FIND acme_widget WITH size = 1", "cursor": cursor})
    assert "another query" in other["errors"][0]["message"]
    made_up = served.graphql(CURSOR_QUERY, {"query": "FIND acme_widget", "cursor": "abc:250"})
    assert "unknown or expired" in made_up["errors"][0]["message"]


def test_ids_are_stable_across_reads_and_servers(widgets_served, serve_factory, tmp_path):
    again = tmp_path / "again.db"
    seed_widgets(again, 3)
    twin = serve_factory(again)
    ids = {
        r["entity"]["_key"]: r["id"] for r in widgets_served.j1().query_v1("FIND acme_widget LIMIT 3")["data"]
    }
    twin_ids = {r["entity"]["_key"]: r["id"] for r in twin.j1().query_v1("FIND acme_widget LIMIT 3")["data"]}
    assert ids == twin_ids and len(set(ids.values())) == 3


def test_a_tree_comes_whole_with_vertices_and_edges(widgets_served):
    tree = widgets_served.j1().query_v1("FIND acme_widget WITH size = 0 THAT HAS >> acme_widget RETURN TREE")
    assert set(tree) == {"vertices", "edges"}
    vertices = {v["id"]: v for v in tree["vertices"]}
    assert tree["edges"] and len(vertices) == 2 * len(tree["edges"])
    for e in tree["edges"]:
        assert e["fromVertexId"] in vertices and e["toVertexId"] in vertices
        assert e["relationship"]["_class"] == "HAS" and e["relationship"]["_type"] == "acme_widget_has_widget"
        assert vertices[e["fromVertexId"]]["properties"]["size"] == 0


def test_deferred_answers_are_polled_at_a_url_without_credentials(widgets_served):
    rows = widgets_served.j1().query_with_deferred_response("FIND acme_widget WITH size < 3")
    assert [as_entity(r) for r in rows] == cli_query(widgets_served.db, "FIND acme_widget WITH size < 3")
    assert len(rows) > 250  # two pages, each through its own URL


def test_a_deferred_url_is_good_once_and_hides_nothing_but_its_answer(widgets_served):
    served = widgets_served
    query = "query Q($q: String!) { queryV1(query: $q, deferredResponse: FORCE) { type url } }"
    url = served.graphql(query, {"q": "FIND acme_widget WITH size = 1 LIMIT 5"})["data"]["queryV1"]["url"]
    assert url.startswith(served.url + "query-results/")
    anonymous = served.http(key=None)
    for _ in range(50):
        answer = anonymous.get(url).json()
        if answer["status"] != "IN_PROGRESS":
            break
        time.sleep(0.1)
    assert answer["status"] == "COMPLETED" and len(answer["data"]) == 5
    assert anonymous.get(url).status_code == 404
    failed = served.graphql(query, {"q": "FIND acme_widget WITH"})["data"]["queryV1"]["url"]
    for _ in range(50):
        answer = anonymous.get(failed).json()
        if answer["status"] != "IN_PROGRESS":
            break
        time.sleep(0.1)
    assert answer["status"] == "FAILED" and "expected" in answer["error"]


def test_j1ql_errors_reach_the_client_as_its_api_error(widgets_served):
    from jupiterone.errors import JupiterOneApiError

    with pytest.raises(JupiterOneApiError, match="unknown alias|expected|not"):
        widgets_served.j1().query_v1("FIND acme_widget AS w RETURN nope.name")


def test_the_queries_of_the_demo_organization_answer_as_the_cli_does(demo_db, serve_factory):
    served = serve_factory(demo_db)
    client = served.j1()
    for j1ql in (
        "FIND aws_account WITH master = true THAT HAS aws_account",
        "FIND aws_account WITH collectionStatus = 'skipped'",
        "FIND aws_iam_user THAT HAS aws_iam_access_key",
    ):
        assert [as_entity(r) for r in client.query_v1(j1ql)["data"]] == cli_query(demo_db, j1ql), j1ql


def test_either_account_header_names_the_account_in_the_answer(widgets_served):
    query = {"query": '{ queryV1(query: "FIND acme_widget LIMIT 1") { data } }'}
    for header in ("JupiterOne-Account", "LifeOmic-Account"):
        answer = widgets_served.http(**{header: f"acct-{header}"}).post("/", json=query).json()
        assert answer["data"]["queryV1"]["data"][0]["entity"]["_accountId"] == f"acct-{header}"


def test_j1ql_parameters_come_as_the_queryv1_variables(widgets_served):
    query = (
        "query Q($query: String!, $variables: JSON) "
        "{ queryV1(query: $query, variables: $variables) { data } }"
    )
    j1ql = "FIND acme_widget WITH size = {{size}} AND tag.Team = {{team}} LIMIT 3"
    answer = widgets_served.graphql(query, {"query": j1ql, "variables": {"size": 4, "team": "blue"}})
    rows = answer["data"]["queryV1"]["data"]
    assert len(rows) == 3 and {(r["properties"]["size"], r["properties"]["tag.Team"]) for r in rows} == {
        (4, "blue")
    }
    missing = widgets_served.graphql(query, {"query": j1ql, "variables": {"size": 4}})
    assert "team" in missing["errors"][0]["message"]
