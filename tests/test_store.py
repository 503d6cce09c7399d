"""The scope rules of DESIGN.md, on a real SQLite file and on a real PostgreSQL database."""

import pytest

from graph_aws.demo.moto_server import free_port
from graph_aws.errors import StoreError
from graph_aws.model import INTEGRATION_MANAGED, SYSTEM_MAPPER, make_entity, make_relationship
from graph_aws.model.sources import with_integration_metadata
from graph_aws.store import AccountOutcome, JobRecord, SqliteStore, open_store

ORG, ACCOUNT = "organization:o-abc123", "account:111111111111"


def user(name, **properties):
    return make_entity(
        key=f"arn:aws:iam::111111111111:user/{name}",
        type="aws_iam_user",
        classes=["User"],
        name=name,
        properties=properties,
    )


def account(scope_view, mapped=False, **properties):
    return make_entity(
        key="arn:aws:iam::111111111111:root",
        type="aws_account",
        classes=["Account"],
        name=scope_view,
        properties=properties,
        mapped=mapped,
    )


def keys(store, type=None):
    return sorted(e["_key"] for e in store.entities(type))


def test_sync_creates_updates_and_deletes_within_the_scope(store):
    counts = store.sync_scope(ACCOUNT, [user("alice"), user("bob")], [])
    assert (counts.created, counts.updated, counts.deleted) == (2, 0, 0)
    counts = store.sync_scope(ACCOUNT, [user("alice", path="/admins/"), user("carol")], [])
    assert (counts.created, counts.updated, counts.deleted) == (1, 1, 1)
    assert [e["name"] for e in store.entities("aws_iam_user")] == ["alice", "carol"]
    assert next(store.entities("aws_iam_user"))["path"] == "/admins/"


def test_an_unchanged_sync_writes_nothing(store, backend):
    objects = [user("alice"), user("bob")]
    store.sync_scope(ACCOUNT, objects, [], organization_id="o-abc123")
    wrote = backend.write_marker()
    counts = store.sync_scope(ACCOUNT, [user("bob"), user("alice")], [], organization_id="o-abc123")
    assert not counts.changed
    assert not wrote()
    store.sync_scope(ACCOUNT, [user("bob")], [], organization_id="o-abc123")
    assert wrote()


def test_a_changed_organization_is_written_even_when_the_objects_are_not(store):
    store.sync_scope(ACCOUNT, [user("alice")], [], organization_id="o-abc123")
    counts = store.sync_scope(ACCOUNT, [user("alice")], [], organization_id="o-def456")
    assert not counts.changed
    assert store.scopes("o-def456") == [ACCOUNT] and store.scopes("o-abc123") == []


def test_partial_types_are_created_and_updated_never_deleted(store):
    store.sync_scope(ACCOUNT, [user("alice"), user("bob"), account("acct")], [])
    counts = store.sync_scope(ACCOUNT, [user("alice", path="/x/")], [], partial_types=["aws_iam_user"])
    assert (counts.created, counts.updated, counts.deleted) == (0, 1, 1)  # only the account went
    assert keys(store) == [user("alice")["_key"], user("bob")["_key"]]


def test_scopes_do_not_touch_each_other(store):
    store.sync_scope(ACCOUNT, [user("alice")], [])
    store.sync_scope("account:222222222222", [], [])
    assert keys(store) == [user("alice")["_key"]]


def test_reads_merge_one_entity_per_key_with_the_organization_view_winning(store):
    store.sync_scope(ACCOUNT, [account("my-alias", alias="my-alias", mfaEnabled=True)], [])
    store.sync_scope(ORG, [account("Production", email="prod@example.com", status="ACTIVE")], [])
    (merged,) = store.entities("aws_account")
    assert merged["name"] == "Production"
    assert merged["alias"] == "my-alias" and merged["mfaEnabled"] is True
    assert merged["email"] == "prod@example.com"
    # The account's own view survives the organization's scope being emptied, and vice versa.
    store.sync_scope(ORG, [], [])
    (merged,) = store.entities("aws_account")
    assert merged["name"] == "my-alias" and "email" not in merged


MEMBER_SCOPE = "account:222222222222"


def owned(entity, scope):
    return with_integration_metadata([entity], scope)[0]


@pytest.mark.parametrize("order", ["owner-first", "owner-last"])
def test_an_owned_entity_wins_over_mapped_views_of_it_whichever_scope_syncs_first(store, order):
    """The organization and another account see account 111... too (its listing, a role trusting
    it): mapped views. Its own job owns it: the merged entity is integration-managed, with the
    organization's name, the owner's alias, and no mapped view's placeholder name."""
    own = owned(account("my-alias", alias="my-alias"), ACCOUNT)
    listed = account("Production", email="prod@example.com", mapped=True)
    trusted = account("111111111111", accountId="111111111111", mapped=True)
    syncs = [(ORG, listed), (MEMBER_SCOPE, trusted), (ACCOUNT, own)]
    for scope, entity in syncs if order == "owner-last" else reversed(syncs):
        store.sync_scope(scope, [entity], [])
    (merged,) = store.entities("aws_account")
    assert merged["_source"] == INTEGRATION_MANAGED
    assert merged["_integrationInstanceId"] == own["_integrationInstanceId"]
    assert merged["name"] == "Production" and merged["email"] == "prod@example.com"
    assert merged["alias"] == "my-alias"

    # Without its owner it is the mapper's again, and it lives as long as a scope maps to it.
    store.sync_scope(ACCOUNT, [], [])
    (merged,) = store.entities("aws_account")
    assert merged["_source"] == SYSTEM_MAPPER and "_integrationInstanceId" not in merged
    store.sync_scope(ORG, [], [])
    store.sync_scope(MEMBER_SCOPE, [], [])
    assert list(store.entities("aws_account")) == []


def test_a_mapped_entity_lives_as_long_as_a_relationship_of_its_scope_points_to_it(store):
    role = make_entity(
        key="arn:aws:iam::111111111111:role/deploy",
        type="aws_iam_role",
        classes=["AccessRole"],
        name="deploy",
    )
    outside = make_entity(
        key="arn:aws:iam::999999999999:root",
        type="aws_account",
        classes=["Account"],
        name="999999999999",
        mapped=True,
    )
    trusts = make_relationship(from_entity=role, verb="TRUSTS", to_entity=outside)
    store.sync_scope(ACCOUNT, [role, outside], [trusts])
    # The step that lists roles failed: its relationships are kept, and so is what they point to,
    # although the job did not produce it and aws_account is not a partial type.
    store.sync_scope(ACCOUNT, [role], [], partial_types=[trusts["_type"]])
    assert keys(store, "aws_account") == [outside["_key"]]
    # Nothing points to it any more: it goes.
    store.sync_scope(ACCOUNT, [role], [])
    assert keys(store, "aws_account") == []
    assert keys(store) == [role["_key"]]


def test_a_null_in_one_view_never_hides_a_value_of_another(store):
    store.sync_scope(ACCOUNT, [account("acct", phone="+1-555-0100")], [])
    # A required-but-nullable property is stored as null (make_entity); here the organization's.
    store.sync_scope(ORG, [{**account("acct", email="a@example.com"), "phone": None}], [])
    (merged,) = store.entities("aws_account")
    assert merged["phone"] == "+1-555-0100"


def test_class_index_and_relationships_follow_the_merge(store):
    management = make_entity(
        key="arn:aws:iam::000000000000:root", type="aws_account", classes=["Account"], name="m"
    )
    member = account("member")
    has = make_relationship(from_entity=management, verb="HAS", to_entity=member)
    store.sync_scope(ORG, [management, member], [has])
    assert store.read("SELECT COUNT(*) FROM entity_class WHERE class='Account'") == [(2,)]
    assert [r["_type"] for r in store.relationships()] == ["aws_account_has_account"]
    store.delete_scope(ORG)
    assert store.read("SELECT COUNT(*) FROM entity_class") == [(0,)]
    assert list(store.relationships()) == []


def test_a_failed_sync_changes_nothing(store):
    store.sync_scope(ACCOUNT, [user("alice")], [])
    broken = {"_key": "no-type-here-at-all"}  # missing _type: the sync fails part way
    with pytest.raises(KeyError):
        store.sync_scope(ACCOUNT, [user("bob"), broken], [])
    assert [e["name"] for e in store.entities()] == ["alice"]


def test_scopes_remember_their_organization(store):
    store.sync_scope(ACCOUNT, [], [], organization_id="o-abc123")
    store.sync_scope("account:333333333333", [], [])
    assert store.scopes("o-abc123") == [ACCOUNT]


def test_run_history(store):
    run = store.start_run("organization", {"organization": True})
    store.record_job(run, JobRecord(ACCOUNT, "succeeded", None, 1, 2))
    store.record_accounts(run, [AccountOutcome("111111111111", "prod", "ingested", None, 5)])
    store.finish_run(run, "succeeded", "o-abc123")
    second = store.start_run("organization", {})
    store.record_accounts(second, [AccountOutcome("111111111111", "prod", "failed", "AccessDenied", 9)])
    assert store.latest_account_outcomes()["111111111111"].outcome == "failed"
    assert store.last_ingested_at() == {"111111111111": 5}
    assert [j.scope for j in store.jobs(run)] == [ACCOUNT]
    assert store.runs()[0].status == "succeeded"


def test_runs_left_open_by_a_dead_process_are_abandoned_and_live_ones_kept(store, backend):
    import subprocess
    import sys

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(gone.stdout)
    mine = store.start_run("organization", {})  # this process: alive
    dead = store.start_run("organization", {})
    backend.raw(f"UPDATE run_owner SET pid = {dead_pid}, started = NULL WHERE run_id = {dead} RETURNING pid")
    finished = store.start_run("organization", {})
    store.finish_run(finished, "succeeded", None)
    backend.raw(f"UPDATE run_owner SET pid = {dead_pid} WHERE run_id = {finished} RETURNING pid")
    assert store.abandon_dead_runs() == [dead]
    status = {r.id: r.status for r in store.runs()}
    assert status == {mine: None, dead: "abandoned", finished: "succeeded"}
    assert store.abandon_dead_runs() == []


def test_open_store_explains_what_it_cannot_open(tmp_path):
    with pytest.raises(
        StoreError, match="cannot open the PostgreSQL store at postgresql://graph:\\*\\*\\*@127"
    ):
        open_store(f"postgresql://graph:s3cret-password@127.0.0.1:{free_port()}/graph")
    with pytest.raises(StoreError, match="not a kind of store"):
        open_store("mysql://localhost/graph")
    with pytest.raises(StoreError, match="does not exist"):
        open_store(str(tmp_path / "missing" / "graph.db"))
    (tmp_path / "junk.db").write_text("this is not a database" * 100)
    with pytest.raises(StoreError, match="damaged or is not a graph-aws store"):
        open_store(str(tmp_path / "junk.db"))
    assert isinstance(open_store(f"sqlite:///{tmp_path / 'ok.db'}"), SqliteStore)


HOSTILE = [
    'O\'Brien "quoted"',
    "'); DROP TABLE entity; --",
    "line\nbreak\ttab",
    "ünïcödé ✓ 🚀",
    "%s %(x)s ? $1",
    "\\",
]


def test_text_from_aws_is_stored_and_read_back_exactly(store):
    alice = user(
        "alice", **{f"tag.t{n}": text for n, text in enumerate(HOSTILE)}, description=" ".join(HOSTILE)
    )
    store.sync_scope(ACCOUNT, [alice], [])
    (back,) = store.entities("aws_iam_user")
    assert back == alice
    assert not store.sync_scope(ACCOUNT, [alice], []).changed
    assert store.read("SELECT COUNT(*) FROM entity") == [(1,)]
