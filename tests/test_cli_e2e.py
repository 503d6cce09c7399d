"""The real command line against moto's server behind the fault-injecting proxy."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import boto3
import pytest

from graph_aws.demo.emulator import build_organization
from graph_aws.demo.moto_server import free_port
from helpers import EXTERNAL_ID, ROLE, matrix_row

COLLECT = ("collect", "--organization", "--role-name", ROLE, "--regions", "us-east-1")
# The external ID comes from the environment, as the README recommends for secrets.
SECRET_ENV = {"GRAPH_AWS_EXTERNAL_ID": EXTERNAL_ID}


def users_of(db: Path, account_id: str) -> list[str]:
    rows = sqlite3.connect(db).execute(
        "SELECT json_extract(data, '$.name') FROM entity WHERE type='aws_iam_user' "
        "AND json_extract(data, '$.accountId')=? ORDER BY 1",
        (account_id,),
    )
    return [r[0] for r in rows]


def account_ids(db: Path) -> set[str]:
    rows = sqlite3.connect(db).execute(
        "SELECT json_extract(data, '$.accountId') FROM entity WHERE type='aws_account'"
    )
    return {r[0] for r in rows}


def last_run_counts(db: Path) -> tuple[int, int, int]:
    row = (
        sqlite3.connect(db)
        .execute(
            "SELECT SUM(created), SUM(updated), SUM(deleted) FROM job WHERE run_id=(SELECT MAX(id) FROM run)"
        )
        .fetchone()
    )
    return tuple(row)


def test_a_denied_account_fails_alone_exits_non_zero_and_keeps_its_earlier_data(emulated, tmp_path):
    org = build_organization(6)
    db = tmp_path / "graph.db"
    first = emulated.cli(*COLLECT, db=db, env=SECRET_ENV)
    assert first.returncode == 0, first.stderr
    target = org.unreachable
    assert users_of(db, target) == ["user-0", "user-1"]

    emulated.proxy.faults.deny_assume = {target}
    started = time.monotonic()
    second = emulated.cli(*COLLECT, db=db, env=SECRET_ENV)
    matrix_row(
        "AssumeRole denied for one account",
        "that account failed",
        "its data kept",
        1,
        time.monotonic() - started,
    )
    assert second.returncode == 1
    failure_lines = [line for line in second.stderr.splitlines() if line.startswith("failed ")]
    assert len(failure_lines) == 1
    assert target in second.stderr and "AccessDenied" in second.stderr
    assert users_of(db, target) == ["user-0", "user-1"]  # earlier data kept
    for account_id in set(org.users) - {org.skipped, org.suspended}:
        assert users_of(db, account_id), f"{account_id} should still be ingested"

    accounts = json.loads(emulated.cli("accounts", "--format", "json", db=db).stdout)
    row = next(r for r in accounts if r["id"] == target)
    assert row["lastOutcome"] == "failed" and "AccessDenied" in row["reason"]
    assert row["lastIngested"] is not None  # from the first run
    # The external ID reached AWS but is nowhere in what the tool printed or stored.
    for text in (first.stdout, first.stderr, second.stdout, second.stderr):
        assert EXTERNAL_ID not in text
    assert EXTERNAL_ID.encode() not in db.read_bytes()
    emulated.proxy.faults.deny_assume = set()
    assert emulated.cli(*COLLECT, db=db, env=SECRET_ENV).returncode == 0  # the next run succeeds


def test_an_account_that_left_the_organization_loses_its_data(emulated, tmp_path):
    org = build_organization(5, users_per_account=1)
    db = tmp_path / "graph.db"
    assert emulated.cli(*COLLECT, db=db, env=SECRET_ENV).returncode == 0
    leaver = org.unreachable
    assert users_of(db, leaver)
    boto3.client("organizations", region_name="us-east-1").remove_account_from_organization(AccountId=leaver)
    result = emulated.cli(*COLLECT, db=db, env=SECRET_ENV)
    assert result.returncode == 0, result.stderr
    assert leaver not in account_ids(db)
    assert users_of(db, leaver) == []


def test_a_listing_that_fails_halfway_deletes_nothing(emulated, tmp_path):
    org = build_organization(25, users_per_account=1)  # 26 accounts: two pages of ListAccounts
    db = tmp_path / "graph.db"
    assert emulated.cli(*COLLECT, db=db, env=SECRET_ENV).returncode == 0
    before = account_ids(db)
    leaver = org.unreachable
    boto3.client("organizations", region_name="us-east-1").remove_account_from_organization(AccountId=leaver)
    emulated.proxy.faults.fail_operation = "organizations:ListAccounts"
    emulated.proxy.faults.fail_after = 1  # the second page is refused
    started = time.monotonic()
    result = emulated.cli(*COLLECT, db=db, env=SECRET_ENV)
    matrix_row(
        "ListAccounts failing on page 2",
        "organization partial",
        "every account kept",
        1,
        time.monotonic() - started,
    )
    assert result.returncode == 1
    assert "fetch-organization-accounts: access denied" in result.stderr
    assert "organizations:ListAccounts" in result.stderr
    assert account_ids(db) == before  # not even the account that really left
    assert users_of(db, leaver) == ["user-0"]
    emulated.proxy.faults.fail_operation = None
    assert emulated.cli(*COLLECT, db=db, env=SECRET_ENV).returncode == 0  # the next run succeeds
    assert leaver not in account_ids(db)


def test_a_second_run_with_nothing_changed_writes_nothing(emulated, tmp_path):
    build_organization(5, users_per_account=1)
    db = tmp_path / "graph.db"
    assert emulated.cli(*COLLECT, db=db, env=SECRET_ENV).returncode == 0
    created, _, _ = last_run_counts(db)
    assert created > 0
    graph_before = sqlite3.connect(db).execute("SELECT key, data FROM entity ORDER BY key").fetchall()
    second = emulated.cli(*COLLECT, db=db, env=SECRET_ENV)
    assert second.returncode == 0, second.stderr
    assert last_run_counts(db) == (0, 0, 0)
    assert "created 0, updated 0, deleted 0" in second.stderr
    assert sqlite3.connect(db).execute("SELECT key, data FROM entity ORDER BY key").fetchall() == graph_before


def test_export_json_is_the_merged_graph(emulated, tmp_path):
    org = build_organization(4, users_per_account=1)
    db = tmp_path / "graph.db"
    assert emulated.cli(*COLLECT, db=db, env=SECRET_ENV).returncode == 0
    exported = json.loads(emulated.cli("export", "--format", "json", db=db).stdout)
    accounts = [e for e in exported["entities"] if e["_type"] == "aws_account"]
    assert len(accounts) == len(org.members) + 1  # one merged entity per account
    # from|verb|to, with a discriminator after it where one pair has several (security group rules).
    for r in exported["relationships"]:
        expected = f"{r['_fromEntityKey']}|{r['_class'].lower()}|{r['_toEntityKey']}"
        assert r["_key"] == expected or r["_key"].startswith(expected + "|")
    keys = [r["_key"] for r in exported["relationships"]]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("collect", "--organization"), "--organization needs --role-name"),
        (("collect", "--skip-account", "123"), "12 digits"),
        (("collect",), "cannot open the PostgreSQL store at postgresql://graph@127.0.0.1:"),
    ],
)
def test_bad_input_is_refused_before_any_aws_call(emulated, tmp_path, args, message):
    db = (
        f"postgresql://graph@127.0.0.1:{free_port()}/graph"
        if "PostgreSQL" in message
        else tmp_path / "graph.db"
    )
    result = emulated.cli(*args, db=db)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert sum(emulated.proxy.calls.values()) == 0
