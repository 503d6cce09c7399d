"""The fault matrix (issue 8): the real command line on moto's server behind the fault proxy, one
fault at a time. For each: nothing stored before is lost, nothing half-written is visible, the exit
status and the one-line reason are right, and the next run succeeds. (AssumeRole denied for one
account and ListAccounts failing on page 2 are in test_cli_e2e.py.) `pytest -s` prints each case's
row: fault, outcome, data kept, exit status, time to fail. The SIGKILL rows are in
test_fault_matrix_sigkill.py."""

from __future__ import annotations

import os
import resource
import shutil
import time

import pytest

from fault_matrix_support import (
    COLLECT,
    SECRET_ENV,
    assert_whole,
    changed_everywhere,
    entity_keys,
    failure_lines,
    query,
    scopes,
    timed,
)
from graph_aws.demo.emulator import build_organization
from helpers import matrix_row


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
