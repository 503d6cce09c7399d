"""`graph-aws api-key`: a key is shown once, kept as a hash, listed without its secret, revocable."""

import json
import sqlite3

from click.testing import CliRunner
from serve_helpers import make_key

from graph_aws.cli import cli
from graph_aws.serve.keys import verify_api_key
from graph_aws.store import SqliteStore


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_a_key_is_printed_once_and_only_its_hash_is_stored(tmp_path):
    db = tmp_path / "graph.db"
    key = make_key(db, "ci bot")
    assert key.startswith("gak_") and len(key) > 50
    assert key.encode() not in db.read_bytes()
    secret = key.split("_", 2)[2]
    assert secret.encode() not in db.read_bytes()
    listed = run("api-key", "list", "--db", str(db), "--format", "json")
    assert listed.exit_code == 0
    (row,) = json.loads(listed.stdout)
    assert row["name"] == "ci bot" and row["status"] == "active"
    assert secret not in listed.stdout and key not in listed.stdout
    store = SqliteStore(db)
    try:
        assert verify_api_key(store, key).name == "ci bot"
        assert verify_api_key(store, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
        assert verify_api_key(store, "not a key at all") is None
    finally:
        store.close()


def test_revoked_keys_are_refused_and_listed_as_revoked(tmp_path):
    db = tmp_path / "graph.db"
    key = make_key(db, "laptop")
    other = make_key(db, "ci")
    revoked = run("api-key", "revoke", "laptop", "--db", str(db))
    assert revoked.exit_code == 0 and "revoked API key 'laptop'" in revoked.stdout
    store = SqliteStore(db)
    try:
        assert verify_api_key(store, key) is None
        assert verify_api_key(store, other).name == "ci"
    finally:
        store.close()
    rows = json.loads(run("api-key", "list", "--db", str(db), "--format", "json").stdout)
    assert {r["name"]: r["status"] for r in rows} == {"laptop": "revoked", "ci": "active"}
    again = run("api-key", "revoke", "laptop", "--db", str(db))
    assert again.exit_code == 1 and "no active API key" in again.output


def test_bad_names_and_duplicate_live_names_are_one_line_errors(tmp_path):
    db = tmp_path / "graph.db"
    make_key(db, "ci")
    duplicate = run("api-key", "create", "--name", "ci", "--db", str(db))
    assert duplicate.exit_code == 1 and "exists; revoke it first" in duplicate.output
    bad = run("api-key", "create", "--name", "[red]x\n", "--db", str(db))
    assert bad.exit_code == 2 and "--name" in bad.output and "Traceback" not in bad.output
    rows = sqlite3.connect(db).execute("SELECT name FROM api_key").fetchall()
    assert rows == [("ci",)]
