"""serve on a PostgreSQL store: the sync API writes through the same scopes, and J1QL (queryV1, the
checks page) answers from it through the query layer's PostgreSQL dialect."""

from __future__ import annotations

from graph_aws.store import open_store


def test_sync_jobs_write_a_postgresql_store_and_queries_answer_from_it(postgres_url, serve_factory):
    served = serve_factory(postgres_url)
    client = served.j1()
    job = client.start_sync_job(instance_id="inst-pg", sync_mode="DIFF", source="integration-managed")["job"]
    entities = [
        {"_key": f"pg-thing-{i}", "_type": "acme_thing", "_class": "Resource", "name": f"t{i}"}
        for i in range(3)
    ]
    client.upload_entities_batch_json(instance_job_id=job["id"], entities_list=entities)
    done = client.finalize_sync_job(instance_job_id=job["id"])["job"]
    assert (done["status"], done["numEntitiesCreated"]) == ("FINISHED", 3)
    store = open_store(postgres_url)
    try:
        assert sorted(e["_key"] for e in store.entities("acme_thing")) == [
            "pg-thing-0",
            "pg-thing-1",
            "pg-thing-2",
        ]
        assert {e["_integrationInstanceId"] for e in store.entities("acme_thing")} == {"inst-pg"}
    finally:
        store.close()
    answer = served.graphql('{ queryV1(query: "FIND acme_thing") { data } }')
    assert "errors" not in answer, answer
    rows = answer["data"]["queryV1"]["data"]
    assert sorted(r["entity"]["_key"] for r in rows) == ["pg-thing-0", "pg-thing-1", "pg-thing-2"]
    checks = served.http().get("/ui-api/checks")
    assert checks.status_code == 200, checks.text
    assert "Traceback" not in served.logs()
