"""The persister's synchronization jobs, through the `jupiterone` client's sync methods and plain HTTP."""

from __future__ import annotations

import pytest
from jupiterone.errors import JupiterOneApiError

from graph_aws.store import SqliteStore

JOBS = "/persister/synchronization/jobs"


def thing(i: int, type_: str = "acme_thing", **properties) -> dict:
    return {
        "_key": f"thing-{i:04d}",
        "_type": type_,
        "_class": "Resource",
        "name": f"thing {i}",
        **properties,
    }


def link(a: int, b: int, verb: str = "HAS") -> dict:
    return {
        "_key": f"thing-{a:04d}|{verb.lower()}|thing-{b:04d}",
        "_type": f"acme_thing_{verb.lower()}_thing",
        "_class": verb,
        "_fromEntityKey": f"thing-{a:04d}",
        "_toEntityKey": f"thing-{b:04d}",
    }


def keys(served, j1ql: str) -> list[str]:
    return sorted(r["entity"]["_key"] for r in served.j1().query_v1(j1ql)["data"])


def run_job(served, entities, relationships=(), partial=(), **start) -> dict:
    http = served.http(**{"LifeOmic-Account": "j1-acct"})
    job = http.post(JOBS, json={"source": "integration-managed", "integrationInstanceId": "inst-1", **start})
    assert job.status_code == 200, job.text
    job_id = job.json()["job"]["id"]
    for i in range(0, len(entities), 100):
        assert (
            http.post(f"{JOBS}/{job_id}/entities", json={"entities": entities[i : i + 100]}).status_code
            == 200
        )
    if relationships:
        answer = http.post(f"{JOBS}/{job_id}/relationships", json={"relationships": list(relationships)})
        assert answer.status_code == 200, answer.text
    done = http.post(f"{JOBS}/{job_id}/finalize", json={"partialDatasets": {"types": list(partial)}})
    assert done.status_code == 200, done.text
    return done.json()["job"]


def test_the_clients_sync_methods_create_a_scope_and_a_diff_replaces_it(served):
    client = served.j1()
    job = client.start_sync_job(instance_id="inst-7", sync_mode="DIFF", source="integration-external")["job"]
    assert job["status"] == "AWAITING_UPLOADS" and job["integrationInstanceId"] == "inst-7"
    client.upload_entities_batch_json(instance_job_id=job["id"], entities_list=[thing(1), thing(2), thing(3)])
    client.upload_relationships_batch_json(instance_job_id=job["id"], relationships_list=[link(1, 2)])
    done = client.finalize_sync_job(instance_job_id=job["id"])["job"]
    assert done["status"] == "FINISHED"
    assert (done["numEntitiesUploaded"], done["numEntitiesCreated"], done["numRelationshipsCreated"]) == (
        3,
        3,
        1,
    )
    rows = client.query_v1("FIND acme_thing")["data"]
    assert {r["entity"]["_source"] for r in rows} == {"integration-external"}
    assert {r["entity"]["_integrationInstanceId"] for r in rows} == {"inst-7"}
    assert keys(served, "FIND acme_thing THAT HAS acme_thing") == ["thing-0001", "thing-0002"]

    second = client.start_sync_job(instance_id="inst-7", sync_mode="DIFF", source="integration-external")[
        "job"
    ]
    client.upload_combined_batch_json(
        instance_job_id=second["id"],
        combined_payload={"entities": [thing(2, color="red"), thing(4)], "relationships": [link(2, 4)]},
    )
    done = client.finalize_sync_job(instance_job_id=second["id"])["job"]
    assert (done["numEntitiesCreated"], done["numEntitiesUpdated"], done["numEntitiesDeleted"]) == (1, 1, 2)
    assert (done["numRelationshipsCreated"], done["numRelationshipsDeleted"]) == (1, 1)
    assert keys(served, "FIND acme_thing") == ["thing-0002", "thing-0004"]
    assert client.query_v1("FIND acme_thing WITH color = 'red'")["data"][0]["entity"]["_key"] == "thing-0002"


def test_partial_types_are_kept_by_a_diff_and_other_instances_are_untouched(served):
    run_job(served, [thing(1), thing(2), thing(3, "acme_gadget")], [link(1, 2)])
    run_job(served, [thing(9, "acme_other")], integrationInstanceId="inst-2")
    done = run_job(served, [thing(1)], partial=["acme_gadget"])
    assert done["numEntitiesDeleted"] == 1  # thing-0002; the gadget's type was partial
    assert keys(served, "FIND (acme_thing|acme_gadget|acme_other)") == [
        "thing-0001",
        "thing-0003",
        "thing-0009",
    ]
    assert keys(served, "FIND acme_thing THAT HAS acme_thing") == []


def test_create_or_update_adds_and_updates_and_deletes_only_what_it_names(served):
    run_job(served, [thing(1), thing(2), thing(3)])
    client = served.j1()
    job = client.start_sync_job(instance_id="inst-1", sync_mode="PATCH", source="integration-managed")["job"]
    client.upload_entities_batch_json(
        instance_job_id=job["id"], entities_list=[thing(2, color="blue"), thing(5)]
    )
    three = next(r for r in client.query_v1("FIND acme_thing")["data"] if r["entity"]["_key"] == "thing-0003")
    client.bulk_delete_entities(
        instance_job_id=job["id"], entities_list=[{"_id": three["id"]}, {"_key": "thing-0001"}]
    )
    done = client.finalize_sync_job(instance_job_id=job["id"])["job"]
    assert done["syncMode"] == "CREATE_OR_UPDATE"
    assert (done["numEntitiesCreated"], done["numEntitiesUpdated"], done["numEntitiesDeleted"]) == (1, 1, 2)
    assert keys(served, "FIND acme_thing") == ["thing-0002", "thing-0005"]


def test_an_aborted_job_changes_nothing_and_late_uploads_are_refused(served):
    run_job(served, [thing(1)])
    client = served.j1()
    job = client.start_sync_job(instance_id="inst-1", sync_mode="DIFF", source="integration-managed")["job"]
    client.upload_entities_batch_json(instance_job_id=job["id"], entities_list=[thing(8)])
    assert client.abort_sync_job(instance_job_id=job["id"])["job"]["status"] == "ABORTED"
    assert keys(served, "FIND acme_thing") == ["thing-0001"]
    with pytest.raises(JupiterOneApiError, match="JOB_NOT_AWAITING_UPLOADS"):
        client.upload_entities_batch_json(instance_job_id=job["id"], entities_list=[thing(9)])
    with pytest.raises(JupiterOneApiError, match="JOB_NOT_AWAITING_UPLOADS"):
        client.finalize_sync_job(instance_job_id=job["id"])
    status = served.http().get(f"{JOBS}/{job['id']}").json()["job"]
    assert status["status"] == "ABORTED" and status["numEntitiesUploaded"] == 1
    with pytest.raises(JupiterOneApiError, match="JOB_NOT_FOUND"):
        client.finalize_sync_job(instance_job_id="no-such-job")


def test_relationships_whose_ends_are_missing_are_counted_not_stored(served, tmp_path):
    store = SqliteStore(served.db)  # an entity another job (a collect) owns
    store.sync_scope("account:1", [{**thing(100, "aws_account"), "_class": ["Account"]}], [])
    store.close()
    done = run_job(served, [thing(1), thing(2)], [link(1, 2), link(1, 100), link(1, 404), link(405, 2)])
    assert done["numRelationshipsCreated"] == 2 and done["numRelationshipCreateErrors"] == 2
    assert keys(served, "FIND acme_thing WITH _key = 'thing-0001' THAT RELATES TO *") == ["thing-0001"]
    tree = served.j1().query_v1("FIND acme_thing WITH _key = 'thing-0001' THAT RELATES TO * RETURN TREE")
    assert sorted(e["relationship"]["_toEntityKey"] for e in tree["edges"]) == ["thing-0002", "thing-0100"]


def test_mapped_relationships_link_to_existing_entities_or_create_mapper_targets(served):
    store = SqliteStore(served.db)
    store.sync_scope(
        "account:1", [{**thing(100, "aws_account", accountId="111122223333"), "_class": ["Account"]}], []
    )
    store.close()

    def mapped(key: str, target: dict, **mapping) -> dict:
        return {
            "_key": key,
            "_type": "acme_thing_trusts_account",
            "_class": "TRUSTS",
            "_mapping": {"sourceEntityKey": "thing-0001", "targetEntity": target, **mapping},
        }

    done = run_job(
        served,
        [thing(1)],
        [
            mapped(
                "m-existing",
                {"_type": "aws_account", "accountId": "111122223333"},
                targetFilterKeys=[["_type", "accountId"]],
            ),
            mapped(
                "m-created",
                {
                    "_type": "aws_account",
                    "_class": "Account",
                    "_key": "arn:aws:iam::999:root",
                    "accountId": "999",
                    "name": "outside",
                },
            ),
            mapped(
                "m-skipped",
                {"_type": "aws_account", "_key": "arn:aws:iam::888:root"},
                skipTargetCreation=True,
            ),
            mapped(
                "m-reverse", {"_type": "acme_thing", "_key": "thing-0001"}, relationshipDirection="REVERSE"
            ),
        ],
    )
    assert done["numMappedRelationshipsCreated"] == 3 and done["numRelationshipCreateErrors"] == 1
    tree = served.j1().query_v1("FIND acme_thing THAT TRUSTS aws_account RETURN TREE")
    targets = {e["relationship"]["_toEntityKey"] for e in tree["edges"]}
    assert targets == {"thing-0100", "arn:aws:iam::999:root"}
    made = served.j1().query_v1("FIND aws_account WITH accountId = '999'")["data"][0]
    assert made["entity"]["_source"] == "system-mapper" and made["properties"]["name"] == "outside"
    # The mapper's entity goes with the last relationship that maps to it.
    run_job(served, [thing(1)])
    assert served.j1().query_v1("FIND aws_account WITH accountId = '999'")["data"] == []


def test_bad_uploads_are_400s_that_name_the_object_and_a_duplicate_key_keeps_nothing(served):
    http = served.http()
    job_id = http.post(JOBS, json={"source": "api", "scope": "bad"}).json()["job"]["id"]
    for body, expected in [
        ({"entities": "x"}, "ENTITIES_IS_NOT_ARRAY"),
        ({"entities": [{"_key": "k1", "_class": "Resource"}]}, "_type must be"),
        ({"entities": [{**thing(1), "nested": {"a": 1}}]}, "'nested' holds dict"),
        ({"entities": [{**thing(1), "_class": []}]}, "_class must be"),
    ]:
        answer = http.post(f"{JOBS}/{job_id}/entities", json=body)
        assert answer.status_code == 400 and expected in answer.text, answer.text
    bad_link = http.post(
        f"{JOBS}/{job_id}/relationships", json={"relationships": [{**link(1, 2), "_fromEntityKey": None}]}
    )
    assert bad_link.status_code == 400 and "_fromEntityKey" in bad_link.text
    for body, expected in [
        ({"source": "nope"}, "source must be"),
        ({"source": "api"}, "needs a scope"),
        ({"source": "integration-managed"}, "needs an integrationInstanceId"),
        ({"source": "api", "scope": "s", "syncMode": "MERGE"}, "syncMode"),
    ]:
        answer = http.post(JOBS, json=body)
        assert answer.status_code == 400 and expected in answer.json()["error"]["message"]

    raw = {**thing(1), "_rawData": [{"name": "default", "rawData": {"password": "hunter2"}}]}
    assert http.post(f"{JOBS}/{job_id}/entities", json={"entities": [raw, thing(2)]}).status_code == 200
    assert (
        http.post(f"{JOBS}/{job_id}/entities", json={"entities": [thing(2, color="other")]}).status_code
        == 200
    )
    final = http.post(f"{JOBS}/{job_id}/finalize", json={})
    assert final.status_code == 400 and final.json()["error"]["code"] == "DUPLICATE_KEY_DETECTED"
    assert http.get(f"{JOBS}/{job_id}").json()["job"]["status"] == "ERROR_BAD_DATA"
    assert keys(served, "FIND acme_thing") == []

    ok = http.post(JOBS, json={"source": "api", "scope": "good"}).json()["job"]["id"]
    http.post(f"{JOBS}/{ok}/entities", json={"entities": [raw]})
    http.post(f"{JOBS}/{ok}/finalize", json={})
    (row,) = served.j1().query_v1("FIND acme_thing")["data"]
    assert row["entity"]["_source"] == "api" and row["entity"]["_scope"] == "good"
    assert b"hunter2" not in served.db.read_bytes()  # raw data is never kept
