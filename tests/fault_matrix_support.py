"""What the fault-matrix modules share (test_fault_matrix.py, test_fault_matrix_sigkill.py and
test_interruption.py): the collect they run, reading a store file, and the checks that every scope
is whole."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import boto3

from graph_aws.demo.emulator import member_client
from helpers import EXTERNAL_ID, ROLE

COLLECT = ("collect", "--organization", "--role-name", ROLE, "--regions", "us-east-1")
SECRET_ENV = {"GRAPH_AWS_EXTERNAL_ID": EXTERNAL_ID}


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def scopes(db: Path) -> dict[str, frozenset[tuple[str, str]]]:
    """What each scope holds: (key, data) of its entities and relationships."""
    held: dict[str, set[tuple[str, str]]] = {}
    for table in ("scope_entity", "scope_relationship"):
        for scope, key, data in query(db, f"SELECT scope, key, data FROM {table}"):
            held.setdefault(scope, set()).add((key, data))
    return {scope: frozenset(objects) for scope, objects in held.items()}


def assert_whole(db: Path, before: dict, after: dict, where: str) -> None:
    """The store is sound, each scope holds exactly what one complete sync left (before or after
    the faulty run), and the merged graph agrees with the scopes."""
    assert query(db, "PRAGMA integrity_check") == [("ok",)], where
    now = scopes(db)
    for scope in set(before) | set(after) | set(now):
        assert now.get(scope) in (before.get(scope), after.get(scope)), f"{where}: {scope} is half-written"
    merged = {k for (k,) in query(db, "SELECT key FROM entity")}
    assert merged == {k for (k,) in query(db, "SELECT DISTINCT key FROM scope_entity")}, where


def entity_keys(db: Path) -> set[str]:
    return {k for (k,) in query(db, "SELECT key FROM entity")}


def timed(run):
    started = time.monotonic()
    result = run()
    return result, time.monotonic() - started


def failure_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith(("failed ", "Error: "))]


def iam_of(org, account_id: str):
    if account_id == org.management_id:
        return boto3.client("iam", region_name="us-east-1")
    return member_client("iam", account_id)


def changed_everywhere(org) -> list[str]:
    """A change in every ingested account and in the organization, so that the next run writes
    to every scope (and deletes in some): returns the ingested account ids."""
    ingested = sorted(set(org.users) - {org.skipped, org.suspended})
    for account_id in ingested:
        iam = iam_of(org, account_id)
        iam.create_user(UserName="user-new")
        iam.delete_user(UserName="user-0")
    organizations = boto3.client("organizations", region_name="us-east-1")
    organizations.tag_resource(ResourceId=ingested[-1], Tags=[{"Key": "team", "Value": "moved"}])
    root = organizations.list_roots()["Roots"][0]["Id"]
    organizations.create_organizational_unit(ParentId=root, Name="Added")
    return ingested
