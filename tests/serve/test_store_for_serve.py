"""What serve needs of a store, on both backends: API keys (hashes only) and one scope's own contents."""

from __future__ import annotations

import pytest

from graph_aws.errors import StoreError
from graph_aws.model import make_entity, make_relationship
from graph_aws.serve.keys import create_api_key, verify_api_key


def test_api_keys_are_kept_as_hashes_listed_and_revoked(store, backend):
    key, record = create_api_key(store, "ci")
    other = backend.open()  # another process's view of the same store
    assert verify_api_key(other, key).name == "ci"
    assert [k.name for k in other.api_keys()] == ["ci"]
    assert key.split("_", 2)[2] not in repr(other.api_keys())
    with pytest.raises(StoreError, match="exists; revoke it first"):
        create_api_key(store, "ci")
    (revoked,) = store.revoke_api_key("ci")
    assert revoked.id == record.id and revoked.revoked_at is not None
    assert verify_api_key(other, key) is None
    assert store.revoke_api_key(record.id) == []
    again, _ = create_api_key(store, "ci")  # the name is free once its key is revoked
    assert verify_api_key(other, again).name == "ci"


def test_scope_contents_are_one_scopes_views_not_the_merged_graph(store):
    account = make_entity(
        key="arn:aws:iam::111111111111:root", type="aws_account", classes=["Account"], name="a"
    )
    user = make_entity(
        key="arn:aws:iam::111111111111:user/u", type="aws_iam_user", classes=["User"], name="u"
    )
    has = make_relationship(from_entity=account, to_entity=user, verb="HAS")
    store.sync_scope("account:111111111111", [account, user], [has])
    store.sync_scope("integration:other", [{**account, "alias": "from elsewhere"}], [])
    entities, relationships = store.scope_contents("account:111111111111")
    assert [e["_key"] for e in entities] == [account["_key"], user["_key"]]
    assert "alias" not in entities[0] and relationships == [has]
    assert store.scope_contents("integration:other")[0][0]["alias"] == "from elsewhere"
    assert store.scope_contents("no-such-scope") == ([], [])
