"""Every path a user gives that cannot be used ends in one line naming it and what is wrong, exit 2;
read commands never create a store, and the demo replaces only a store it made."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from graph_aws.demo import MADE_BY, start_fresh
from graph_aws.errors import PathError
from graph_aws.store import SqliteStore
from helpers import run_cli

READ_COMMANDS = [
    ("accounts",),
    ("query", "FIND aws_account"),
    ("check",),
    ("export", "--format", "json"),
]
ACCOUNT = {
    "_key": "arn:aws:iam::111111111111:root",
    "_type": "aws_account",
    "_class": ["Account"],
    "name": "prod",
    "displayName": "prod",
    "accountId": "111111111111",
    "organizationId": "o-abcdefghij",
}


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "graph.db"
    store = SqliteStore(path)
    store.sync_scope("organization:o-abcdefghij", [ACCOUNT], [])
    store.close()
    return path


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_read_commands_refuse_a_missing_store_and_create_nothing(tmp_path, command):
    typo = tmp_path / "typo.db"
    result = run_cli(*command, "--db", str(typo))
    assert result.returncode == 2
    line = one_error_line(result)
    assert str(typo) in line and "no such store" in line and "graph-aws collect" in line
    assert not typo.exists()


@pytest.mark.parametrize("command", [*READ_COMMANDS, ("collect",)], ids=lambda c: c[0])
def test_a_folder_given_as_the_store_is_named(tmp_path, command):
    result = run_cli(*command, "--db", str(tmp_path))
    assert result.returncode == 2
    assert f"--db {tmp_path}: is a folder" in one_error_line(result)


@pytest.mark.parametrize("command", [("accounts",), ("collect",)], ids=lambda c: c[0])
def test_a_store_in_a_missing_folder_is_named(tmp_path, command):
    path = tmp_path / "nowhere" / "graph.db"
    result = run_cli(*command, "--db", str(path))
    assert result.returncode == 2
    assert f"the folder {path.parent} does not exist" in one_error_line(result)


@pytest.mark.parametrize("content", [b"hello, I am a text file\n" * 10, b""], ids=["text", "empty"])
def test_a_file_that_is_not_a_store_is_named_and_left_alone(tmp_path, content):
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    result = run_cli("accounts", "--db", str(path))
    assert result.returncode == 2
    assert str(path) in one_error_line(result)
    assert path.read_bytes() == content


def test_a_read_only_store_can_be_read_but_not_collected_into(store_path):
    os.chmod(store_path, 0o444)
    read = run_cli("accounts", "--format", "json", "--db", str(store_path), unprivileged=True)
    assert read.returncode == 0, read.stderr
    assert [r["id"] for r in json.loads(read.stdout)] == ["111111111111"]
    collect = run_cli("collect", "--db", str(store_path), unprivileged=True)
    assert collect.returncode == 2
    assert f"--db {store_path}: the file is read-only" in one_error_line(collect)


def test_a_store_in_a_read_only_folder_cannot_be_collected_into(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    os.chmod(folder, 0o555)
    result = run_cli("collect", "--db", str(folder / "graph.db"), unprivileged=True)
    assert result.returncode == 2
    assert f"the folder {folder} is read-only" in one_error_line(result)


@pytest.mark.parametrize(
    "command",
    [("export", "--format", "json"), ("check", "--format", "json"), ("check", "--format", "table")],
    ids=["export", "check-json", "check-table"],
)
def test_an_output_path_that_cannot_be_written_is_named(store_path, tmp_path, command):
    missing = tmp_path / "reports" / "out.txt"
    result = run_cli(*command, "--db", str(store_path), "--output", str(missing))
    assert result.returncode == 2
    assert f"--output {missing}: the folder {missing.parent} does not exist" in one_error_line(result)
    result = run_cli(*command, "--db", str(store_path), "--output", str(tmp_path))
    assert result.returncode == 2
    assert f"--output {tmp_path}: is a folder" in one_error_line(result)


def test_check_writes_its_table_to_the_output_file(store_path, tmp_path):
    report = tmp_path / "checks.txt"
    result = run_cli("check", "--format", "table", "--db", str(store_path), "--output", str(report))
    assert result.returncode in (0, 1), result.stderr  # 1: a check failed on this small graph
    assert "graph-aws checks" in report.read_text()
    assert "graph-aws checks" not in result.stdout
    assert f"wrote {report}" in result.stdout


def test_the_demo_refuses_any_file_it_did_not_make(store_path, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("precious\n")
    for path in (notes, store_path):
        before = path.read_bytes()
        result = run_cli("demo", "--db", str(path))
        assert result.returncode == 2
        assert "was not made by graph-aws demo" in one_error_line(result)
        assert path.read_bytes() == before


def test_the_demo_replaces_a_store_it_made(tmp_path):
    path = tmp_path / "demo.db"
    start_fresh(path)
    store = SqliteStore(path)
    store.sync_scope("organization:o-abcdefghij", [ACCOUNT], [])
    store.close()
    start_fresh(path)  # the demo's own store: replaced by an empty one
    db = sqlite3.connect(path)
    assert db.execute("SELECT COUNT(*) FROM entity").fetchone() == (0,)
    assert db.execute("SELECT value FROM meta WHERE name=?", (MADE_BY[0],)).fetchone() == (MADE_BY[1],)
    with pytest.raises(PathError, match="is a folder"):
        start_fresh(tmp_path)


def test_the_demo_replaces_a_store_of_an_earlier_demo_but_not_a_real_organization(tmp_path):
    def store_with_management(path, account_id):
        management = {**ACCOUNT, "_key": f"arn:aws:iam::{account_id}:root", "accountId": account_id}
        store = SqliteStore(path)
        store.sync_scope("organization:o-abcdefghij", [{**management, "master": True}], [])
        store.close()

    earlier_demo, real = tmp_path / "old-demo.db", tmp_path / "real.db"
    store_with_management(earlier_demo, "123456789012")  # moto's management account, before the mark
    store_with_management(real, "210987654321")
    start_fresh(earlier_demo)
    assert sqlite3.connect(earlier_demo).execute("SELECT COUNT(*) FROM entity").fetchone() == (0,)
    with pytest.raises(PathError, match="was not made by graph-aws demo"):
        start_fresh(real)
