"""A mistyped selection is refused before anything is written, unless --allow-missing; then each
mismatch is a warning, printed and stored with the run. The real CLI on moto's server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from graph_aws.demo.emulator import build_organization
from helpers import EXTERNAL_ID, ROLE

COLLECT = ("collect", "--organization", "--role-name", ROLE, "--regions", "us-east-1")
SECRET_ENV = {"GRAPH_AWS_EXTERNAL_ID": EXTERNAL_ID}


def graph(db: Path) -> list[tuple]:
    return sqlite3.connect(db).execute("SELECT key, data FROM entity ORDER BY key").fetchall()


def last_run(db: Path) -> tuple[int, str]:
    return sqlite3.connect(db).execute("SELECT id, status FROM run ORDER BY id DESC LIMIT 1").fetchone()


def stored_warnings(db: Path) -> list[str]:
    rows = sqlite3.connect(db).execute("SELECT summary FROM job WHERE run_id=(SELECT MAX(id) FROM run)")
    return [
        warning
        for (summary,) in rows
        for step in json.loads(summary).get("integrationStepResults", [])
        for warning in step.get("warnings", [])
    ]


@pytest.fixture
def collected(emulated, tmp_path):
    org = build_organization(4, users_per_account=1)
    db = tmp_path / "graph.db"
    first = emulated.cli(*COLLECT, db=db, env=SECRET_ENV)
    assert first.returncode == 0, first.stderr
    return org, db


def test_an_include_ou_the_organization_lacks_is_refused_and_deletes_nothing(emulated, collected):
    org, db = collected
    before = graph(db)
    emulated.proxy.reset_counts()
    result = emulated.cli(*COLLECT, "--include-ou", "ou-zzzz-zzzzzzzz", db=db, env=SECRET_ENV)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: --include-ou ou-zzzz-zzzzzzzz: no such OU or root in the organization")
    assert "Nothing was written" in line and "--allow-missing" in line
    assert graph(db) == before
    assert last_run(db) == (2, "refused")
    assert emulated.proxy.calls["sts:AssumeRole"] == 0  # no account job started


def test_skip_accounts_that_are_unknown_or_the_management_account_are_refused(emulated, collected):
    org, db = collected
    before = graph(db)
    result = emulated.cli(
        *COLLECT, "--skip-account", "999999999999", "--skip-account", org.management_id, db=db, env=SECRET_ENV
    )
    assert result.returncode == 2
    assert f"--skip-account {org.management_id} is the management account" in result.stderr
    assert "--skip-account 999999999999: no such account in the organization" in result.stderr
    assert graph(db) == before


def test_with_allow_missing_each_mismatch_is_a_warning_printed_and_stored(emulated, collected):
    org, db = collected
    result = emulated.cli(
        *COLLECT,
        "--skip-ou",
        "ou-zzzz-zzzzzzzz",
        "--skip-account",
        org.skipped,
        "--allow-missing",
        db=db,
        env=SECRET_ENV,
    )
    assert result.returncode == 0, result.stderr
    message = "--skip-ou ou-zzzz-zzzzzzzz: no such OU or root in the organization"
    assert f"warning fetch-organization-accounts: {message}" in result.stderr
    assert stored_warnings(db) == [message]


def test_a_region_aws_does_not_have_is_refused_before_any_call(emulated, tmp_path):
    build_organization(4, users_per_account=1)
    result = emulated.cli(*COLLECT[:-1], "us-east-1,xx-fake-9", db=tmp_path / "graph.db", env=SECRET_ENV)
    assert result.returncode == 2
    assert "--regions: xx-fake-9: not a region of AWS" in result.stderr
    assert sum(emulated.proxy.calls.values()) == 0


def test_with_allow_missing_a_region_left_out_is_a_warning_of_every_account(emulated, tmp_path):
    org = build_organization(4, users_per_account=1)
    db = tmp_path / "graph.db"
    result = emulated.cli(*COLLECT[:-1], "us-east-1,xx-fake-9", "--allow-missing", db=db, env=SECRET_ENV)
    assert result.returncode == 0, result.stderr
    jobs = len(set(org.users) - {org.skipped, org.suspended})
    warning = "not enabled in this account, left out: xx-fake-9"
    assert f"warning fetch-regions: {warning} ({jobs} jobs)" in result.stderr
    assert stored_warnings(db) == [warning] * jobs
