"""The single-object mutations, by `_id`, through the `jupiterone` client's own methods."""

from __future__ import annotations

import pytest
from jupiterone.errors import JupiterOneApiError
from serve_helpers import seed_widgets


@pytest.fixture
def client_and_db(tmp_path, serve_factory):
    db = tmp_path / "mutations.db"
    seed_widgets(db, 3)
    served = serve_factory(db)
    return served.j1(), db


def test_create_update_and_delete_an_entity(client_and_db):
    client, _ = client_and_db
    made = client.create_entity(
        entity_key="acme-laptop-0001",
        entity_type="acme_laptop",
        entity_class="Device",
        properties={"name": "laptop", "owner": "alice", "tag.Team": "blue"},
    )
    _id = made["entity"]["_id"]
    assert made["vertex"]["id"] == _id == made["vertex"]["entity"]["_id"]
    (row,) = client.query_v1("FIND acme_laptop")["data"]
    assert row["id"] == _id and row["entity"]["_source"] == "api" and row["entity"]["_class"] == ["Device"]
    assert row["properties"] == {"name": "laptop", "owner": "alice", "tag.Team": "blue"}

    client.update_entity(entity_id=_id, properties={"owner": "bob", "serial": "X1"})
    (row,) = client.query_v1("FIND Device WITH owner = 'bob'")["data"]
    assert row["id"] == _id and row["properties"]["serial"] == "X1" and row["properties"]["name"] == "laptop"

    deleted = client.delete_entity(entity_id=_id)
    assert deleted["entity"]["_id"] == _id
    assert client.query_v1("FIND acme_laptop")["data"] == []


def test_relationships_between_entities_found_by_id(client_and_db):
    client, _ = client_and_db
    widgets = {r["properties"]["name"]: r["id"] for r in client.query_v1("FIND acme_widget")["data"]}
    laptop = client.create_entity(
        entity_key="acme-laptop-0002",
        entity_type="acme_laptop",
        entity_class="Device",
        properties={"name": "l2"},
    )["entity"]["_id"]
    made = client.create_relationship(
        relationship_key="acme-laptop-0002|uses|widget-00001",
        relationship_type="acme_laptop_uses_widget",
        relationship_class="USES",
        from_entity_id=laptop,
        to_entity_id=widgets["widget 1"],
        properties={"since": 2024},
    )
    assert made["edge"]["fromVertexId"] == laptop and made["edge"]["toVertexId"] == widgets["widget 1"]
    (row,) = client.query_v1("FIND acme_laptop THAT USES acme_widget AS w RETURN w.name")["data"]
    assert row == {"w.name": "widget 1"}
    tree = client.query_v1("FIND acme_laptop THAT USES acme_widget RETURN TREE")
    assert [e["properties"] for e in tree["edges"]] == [{"since": 2024}]
    client.delete_relationship(
        relationship_id=made["relationship"]["_id"], from_entity_id=laptop, to_entity_id=widgets["widget 1"]
    )
    assert client.query_v1("FIND acme_laptop THAT USES acme_widget")["data"] == []


def test_an_update_overlays_a_collected_entity_and_a_delete_cannot_remove_it(client_and_db):
    client, _ = client_and_db
    (row,) = client.query_v1("FIND acme_widget WITH name = 'widget 2'")["data"]
    client.update_entity(entity_id=row["id"], properties={"owner": "carol"})
    (changed,) = client.query_v1("FIND acme_widget WITH owner = 'carol'")["data"]
    assert changed["id"] == row["id"] and changed["properties"]["size"] == 2
    with pytest.raises(JupiterOneApiError, match="changes to entity 'widget-00002' are undone"):
        client.delete_entity(entity_id=row["id"])
    (kept,) = client.query_v1("FIND acme_widget WITH name = 'widget 2'")["data"]
    assert kept == row  # as collected again: the owner the API gave it is gone
    with pytest.raises(JupiterOneApiError, match="not made by the API"):
        client.delete_entity(entity_id=row["id"])


def test_unknown_ids_and_bad_properties_are_errors_that_name_them(client_and_db):
    client, _ = client_and_db
    with pytest.raises(JupiterOneApiError, match="no entity has this _id"):
        client.update_entity(entity_id="00000000-0000-0000-0000-000000000000", properties={"a": 1})
    with pytest.raises(JupiterOneApiError, match="may not set _key"):
        client.create_entity(
            entity_key="acme-thing-001",
            entity_type="acme_thing",
            entity_class="Resource",
            properties={"_key": "x"},
        )
    with pytest.raises(JupiterOneApiError, match="no entity has this _id"):
        client.create_relationship(
            relationship_key="a-b-c-d-e-f",
            relationship_type="x_has_y",
            relationship_class="HAS",
            from_entity_id="11111111-1111-1111-1111-111111111111",
            to_entity_id="22222222-2222-2222-2222-222222222222",
        )
