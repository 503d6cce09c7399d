"""The fault matrix (issue 8): the real command line on moto's server behind the fault proxy, one
fault at a time. For each: nothing stored before is lost, nothing half-written is visible, the exit
status and the one-line reason are right, and the next run succeeds. (AssumeRole denied for one
account and ListAccounts failing on page 2 are in test_cli_e2e.py.) `pytest -s` prints each case's
row: fault, outcome, data kept, exit status, time to fail."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from graph_aws.demo.emulator import build_organization, member_client
from helpers import EXTERNAL_ID, ROLE, matrix_row

COLLECT = ("collect", "--organization", "--role-name", ROLE, "--regions", "us-east-1")
SECRET_ENV = {"GRAPH_AWS_EXTERNAL_ID": EXTERNAL_ID}
KILL_AT = Path(__file__).parent / "kill_at.py"


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


def test_30_percent_throttling_on_every_service_is_absorbed(emulated, tmp_path):
    build_organization(4, users_per_account=1, resource_regions=["us-east-1"], seeded_members=1)
    clean = tmp_path / "clean.db"
    assert emulated.cli(*COLLECT, db=clean, env=SECRET_ENV).returncode == 0
    emulated.proxy.reset_counts()
    emulated.proxy.faults.throttle = 0.3
    db = tmp_path / "graph.db"
    result, seconds = timed(lambda: emulated.cli(*COLLECT, db=db, env=SECRET_ENV))
    assert result.returncode == 0, result.stderr
    per_service: dict[str, int] = {}
    for name, count in emulated.proxy.calls.items():
        per_service[name.split(":")[0]] = per_service.get(name.split(":")[0], 0) + count
    busy = {service for service, count in per_service.items() if count > 20}
    assert busy <= set(emulated.proxy.throttled_services)  # every service was throttled...
    assert {"ec2", "iam", "s3", "organizations", "sts", "kms"} <= set(per_service)  # ...of these and more
    assert 0.2 < emulated.proxy.throttled / sum(per_service.values()) < 0.4
    assert entity_keys(db) == entity_keys(clean)  # and nothing was lost to it
    matrix_row("30% throttling, every service", "all ingested", "everything", 0, seconds)


def test_a_region_denied_by_an_scp_fails_that_account_alone_and_keeps_its_data(emulated, tmp_path):
    regions = ("--regions", "us-east-1,eu-west-1")
    collect = (*COLLECT[:-2], *regions)
    org = build_organization(
        4, users_per_account=1, resource_regions=["us-east-1", "eu-west-1"], seeded_members=1
    )
    member = next(iter(org.members))  # the seeded member
    db = tmp_path / "graph.db"
    assert emulated.cli(*collect, db=db, env=SECRET_ENV).returncode == 0

    def in_region(region: str) -> set[str]:
        rows = query(
            db,
            "SELECT key FROM entity WHERE json_extract(data, '$.region')=? "
            "AND json_extract(data, '$.accountId')=?",
            region,
            member,
        )
        return {key for (key,) in rows}

    denied_before, allowed_before = in_region("eu-west-1"), in_region("us-east-1")
    assert denied_before and allowed_before

    emulated.proxy.faults.deny_regions = {member: {"eu-west-1"}}
    result, seconds = timed(lambda: emulated.cli(*collect, db=db, env=SECRET_ENV))
    assert result.returncode == 1
    (line,) = failure_lines(result.stderr)
    assert line.startswith(f"failed account {member}: ") and "eu-west-1: access denied" in line
    assert denied_before <= entity_keys(db)  # the denied region's resources are kept (partial)...
    assert in_region("us-east-1") == allowed_before  # ...and the other region's are as they were
    status = dict(query(db, "SELECT account_id, outcome FROM account_outcome WHERE run_id=2"))
    assert status[member] == "partial" and all(
        o == "ingested" for a, o in status.items() if a != member and o not in ("skipped", "inactive")
    )

    emulated.proxy.faults.deny_regions = {}
    assert emulated.cli(*collect, db=db, env=SECRET_ENV).returncode == 0
    matrix_row(
        "a region denied by an SCP (one account)",
        "that account partial, the others ingested",
        "its region's data kept",
        1,
        seconds,
    )


def test_a_call_that_never_answers_costs_seconds_and_only_its_step(emulated, tmp_path):
    org = build_organization(4, users_per_account=1)
    db = tmp_path / "graph.db"
    assert emulated.cli(*COLLECT, db=db, env=SECRET_ENV).returncode == 0
    vpcs = "SELECT key FROM entity WHERE type='aws_vpc' AND json_extract(data, '$.accountId')=?"
    before = query(db, vpcs, org.unreachable)
    assert before  # moto's default VPC
    emulated.proxy.faults.hang = {f"ec2:DescribeVpcs@{org.unreachable}"}
    timeouts = ("--read-timeout", "4", "--call-timeout", "9")
    result, seconds = timed(lambda: emulated.cli(*COLLECT, *timeouts, db=db, env=SECRET_ENV))
    assert result.returncode == 1
    (line,) = failure_lines(result.stderr)
    assert line.startswith(
        f"failed account {org.unreachable}: fetch-ec2-vpcs: us-east-1: network error: {emulated.proxy.url}/"
    )
    assert "no answer in time (read timeout; --read-timeout sets it)" in line
    assert query(db, vpcs, org.unreachable) == before  # the failed step's types are kept
    assert seconds < 60  # not 10 tries of 60 s
    emulated.proxy.faults.hang = set()
    assert emulated.cli(*COLLECT, db=db, env=SECRET_ENV).returncode == 0
    matrix_row(
        "a call that never answers (--read-timeout 4 --call-timeout 9)",
        "that step failed, partial",
        "its types kept",
        1,
        seconds,
    )


def test_credentials_that_expire_mid_run_are_renewed(emulated, tmp_path):
    org = build_organization(4, users_per_account=1, resource_regions=["us-east-1"], seeded_members=2)
    emulated.proxy.faults.credential_lifetime_s = 3.0  # renewed at 0.75 s
    emulated.proxy.faults.latency_ms = 10  # a run of several renewals
    db = tmp_path / "graph.db"
    result, seconds = timed(lambda: emulated.cli(*COLLECT, db=db, env=SECRET_ENV))
    assert result.returncode == 0, result.stderr
    assumed_roles = len(set(org.users) - {org.skipped, org.suspended, org.management_id})
    assert emulated.proxy.calls["sts:AssumeRole"] > assumed_roles  # renewed
    assert emulated.proxy.expired == 0  # never used once they had stopped working
    renewals = emulated.proxy.calls["sts:AssumeRole"] - assumed_roles
    matrix_row(f"credentials living 3 s ({renewals} renewals)", "all ingested", "everything", 0, seconds)


KILL_POINTS = {
    "organization scope, first row written": ("INSERT INTO scope_entity.*'organization:", 1, "now"),
    "organization scope, at its COMMIT": ("INSERT INTO scope_entity.*'organization:", 1, "commit"),
    "account scope, first row written": ("INSERT INTO scope_entity.*'account:", 1, "now"),
    "account scope, rows deleted, graph merging": (
        "DELETE FROM scope_entity WHERE scope='account:",
        1,
        "now",
    ),
    "account scope, at its COMMIT": ("INSERT INTO scope_entity.*'account:", 2, "commit"),
    "account scope, just after its COMMIT": ("INSERT INTO scope_entity.*'account:", 1, "after-commit"),
    "departed account's scope, being deleted": (
        "DELETE FROM scope_entity WHERE scope='account:{leaver}'",
        2,
        "now",
    ),
}


def test_sigkill_while_writing_a_scope_leaves_every_scope_whole(emulated, tmp_path):
    org = build_organization(5, users_per_account=2)
    db = tmp_path / "graph.db"
    assert emulated.cli(*COLLECT, db=db, env=SECRET_ENV).returncode == 0
    changed_everywhere(org)
    leaver = org.unreachable
    boto3.client("organizations", region_name="us-east-1").remove_account_from_organization(AccountId=leaver)
    baseline = tmp_path / "baseline.db"
    shutil.copy(db, baseline)
    before = scopes(baseline)
    reference = tmp_path / "reference.db"
    shutil.copy(baseline, reference)
    assert emulated.cli(*COLLECT, db=reference, env=SECRET_ENV).returncode == 0
    after = scopes(reference)
    assert before.keys() != after.keys() and before != after  # the run writes, and deletes a scope

    for point, (pattern, nth, when) in KILL_POINTS.items():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copy(baseline, db)
        command = [
            sys.executable,
            str(KILL_AT),
            pattern.format(leaver=leaver),
            str(nth),
            when,
            "--",
            *COLLECT,
            "--workers",  # kill_at.py traces this process's writes: the syncs must be its own
            "1",
            "--db",
            str(db),
        ]
        started = time.monotonic()
        killed = subprocess.run(
            command, env=emulated.environment(SECRET_ENV), capture_output=True, text=True, timeout=300
        )
        seconds = time.monotonic() - started
        assert killed.returncode == -signal.SIGKILL, (
            f"{point}: not killed ({killed.returncode}) {killed.stderr}"
        )
        assert_whole(db, before, after, point)
        assert query(db, "SELECT status FROM run ORDER BY id DESC LIMIT 1") == [(None,)], point
        # moto's server serializes calls and still works through the killed run's queued ones: on a
        # loaded machine that backlog alone can outlast the default read timeout of the next run.
        recovered = emulated.cli(*COLLECT, "--read-timeout", "120", db=db, env=SECRET_ENV)
        assert recovered.returncode == 0, f"{point}: {recovered.stderr}"
        run_id = query(db, "SELECT MAX(id) FROM run WHERE status='abandoned'")[0][0]
        assert f"run {run_id} was left open by a process that no longer runs" in recovered.stderr, point
        assert scopes(db) == after, point
        matrix_row(
            f"SIGKILL: {point}",
            "killed; the next run marks it abandoned and completes",
            "every scope whole (old or new)",
            -9,
            seconds,
        )


def test_a_full_disk_stops_the_run_with_one_line_and_keeps_every_scope_whole(emulated, tmp_path):
    org = build_organization(5, users_per_account=2)
    db = tmp_path / "graph.db"
    assert emulated.cli(*COLLECT, db=db, env=SECRET_ENV).returncode == 0
    changed_everywhere(org)
    before = scopes(db)
    reference = tmp_path / "reference.db"
    shutil.copy(db, reference)
    assert emulated.cli(*COLLECT, db=reference, env=SECRET_ENV).returncode == 0
    after = scopes(reference)
    limit = 256 * 1024  # bytes any one file may grow to: the WAL fills up after the first syncs

    def size_limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result, seconds = timed(lambda: emulated.cli(*COLLECT, db=db, env=SECRET_ENV, preexec_fn=size_limited))
    assert result.returncode == 1
    (line,) = failure_lines(result.stderr)[-1:]
    assert line.startswith(
        f"Error: {db}: could not write: the disk is full or the file reached its size limit"
    )
    assert "free some space and run again" in line
    assert_whole(db, before, after, "disk full")
    again = emulated.cli(*COLLECT, db=db, env=SECRET_ENV)
    assert again.returncode == 0, again.stderr
    assert scopes(db) == after
    matrix_row(
        "the disk full while writing (256 KiB file size limit)",
        "run stopped at the first failed write",
        "every scope whole (old or new)",
        1,
        seconds,
    )


@pytest.mark.parametrize("damage", ["header", "pages"])
def test_a_corrupted_store_is_named_and_left_as_it_is(emulated, tmp_path, damage):
    build_organization(4, users_per_account=1)
    db = tmp_path / "graph.db"
    assert emulated.cli(*COLLECT, db=db, env=SECRET_ENV).returncode == 0
    data = bytearray(db.read_bytes())
    if damage == "header":
        data[:16] = b"not a database!!"
    else:  # every page but the first: the schema opens, the tables do not read
        for offset in range(4096, len(data), 4096):
            data[offset : offset + 64] = os.urandom(64)
    db.write_bytes(bytes(data))
    for command in (COLLECT, ("accounts",), ("check",)):
        result, seconds = timed(lambda command=command: emulated.cli(*command, db=db, env=SECRET_ENV))
        assert result.returncode == 2, (command, result.stderr)
        (line,) = failure_lines(result.stderr)
        assert line.startswith(f"Error: --db {db}: the file is damaged or is not a graph-aws store"), line
        assert db.read_bytes() == bytes(data), command  # left as it was, for whoever restores it
        if command is COLLECT:
            matrix_row(f"a corrupted store ({damage})", "refused", "the file untouched", 2, seconds)
    fresh = emulated.cli(*COLLECT, db=tmp_path / "new.db", env=SECRET_ENV)
    assert fresh.returncode == 0, fresh.stderr


def test_two_collects_on_one_store_at_once_both_land(emulated, tmp_path):
    org = build_organization(5, users_per_account=2)
    db = tmp_path / "graph.db"
    assert emulated.cli(*COLLECT, db=db, env=SECRET_ENV).returncode == 0
    changed_everywhere(org)
    reference = tmp_path / "reference.db"
    shutil.copy(db, reference)
    assert emulated.cli(*COLLECT, db=reference, env=SECRET_ENV).returncode == 0
    started = time.monotonic()
    both = [emulated.start(*COLLECT, "--concurrency", "2", db=db, env=SECRET_ENV) for _ in range(2)]
    stderrs = [p.communicate(timeout=300)[1] for p in both]  # reading the pipes as they wait
    results = [(p.returncode, stderr) for p, stderr in zip(both, stderrs, strict=True)]
    seconds = time.monotonic() - started
    for status, stderr in results:
        assert status == 0, stderr
    assert query(db, "SELECT COUNT(*) FROM run WHERE status='succeeded'") == [(3,)]
    assert scopes(db) == scopes(reference)
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    matrix_row(
        "two collects on one store at once", "both succeed, writes serialized", "everything", 0, seconds
    )
