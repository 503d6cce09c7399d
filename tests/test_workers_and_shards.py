"""`--workers` and `--shard` on the real command line, against moto's server behind the fault proxy:
account jobs in several processes, one of them killed; an organization shared by shards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from backends import postgresql_backend, sqlite_backend
from graph_aws.config import load_settings
from graph_aws.demo.emulator import build_organization
from graph_aws.errors import ConfigError
from graph_aws.shards import Shard
from graph_aws.store import Store
from test_interruption import (
    COLLECT,
    SECRET_ENV,
    collected_with_a_new_user,
    outcomes,
    query,
    users_of,
    wait_for,
)

SLOW = 600


def workers_of(pid: int) -> list[int]:
    """The worker processes of a collect: its spawned children (not multiprocessing's tracker)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    found = []
    for child in children:
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        except FileNotFoundError:
            continue
        if b"spawn_main" in command:
            found.append(child)
    return found


def test_workers_share_the_accounts_and_land_what_one_process_would(emulated, tmp_path):
    db = tmp_path / "graph.db"
    org, ingested = collected_with_a_new_user(emulated, db)  # the first run: default workers
    process = emulated.start(*COLLECT, "--workers", "2", db=db, env=SECRET_ENV)
    seen: set[int] = set()
    while process.poll() is None:
        seen.update(workers_of(process.pid))
        time.sleep(0.05)
    _, stderr = process.communicate()
    assert process.returncode == 0, stderr
    assert len(seen) == 2  # two processes ran the accounts
    assert {a: o for a, o in outcomes(db, 2).items() if a in ingested} == dict.fromkeys(ingested, "ingested")
    for account_id in ingested:
        assert users_of(db, account_id) == ["user-0", "user-new"], account_id
    jobs = query(db, "SELECT scope, status FROM job WHERE run_id = 2 AND scope LIKE 'account:%'")
    assert sorted(jobs) == sorted((f"account:{a}", "succeeded") for a in ingested)  # one record each


def test_a_killed_worker_fails_only_its_accounts_which_keep_their_data(emulated, tmp_path):
    db = tmp_path / "graph.db"
    org, ingested = collected_with_a_new_user(emulated, db)
    slow = org.unreachable  # its regions' listing answers after ten minutes
    emulated.proxy.faults.delay = {f"ec2:DescribeRegions@{slow}": SLOW}
    process = emulated.start(*COLLECT, "--workers", "2", db=db, env=SECRET_ENV)
    others = set(ingested) - {slow}
    wait_for(lambda: others <= {a for a, o in outcomes(db, 2).items() if o == "ingested"})
    wait_for(lambda: len(workers_of(process.pid)) == 1)  # the other worker is done and gone
    (holder,) = workers_of(process.pid)
    os.kill(holder, signal.SIGKILL)
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == 1 and "Traceback" not in stderr, stderr
    reason = "the worker process running it was killed by SIGKILL; its data is unchanged"
    assert f"failed account {slow}: {reason}" in stderr
    assert outcomes(db, 2)[slow] == "failed"
    assert users_of(db, slow) == ["user-0"]  # its earlier data
    for account_id in others:
        assert users_of(db, account_id) == ["user-0", "user-new"], account_id
    assert query(db, "SELECT status FROM run WHERE id = 2") == [("failed",)]


def test_sigint_stops_the_workers_and_their_unfinished_accounts_are_interrupted(emulated, tmp_path):
    db = tmp_path / "graph.db"
    org, ingested = collected_with_a_new_user(emulated, db)
    slow = org.unreachable
    emulated.proxy.faults.delay = {f"ec2:DescribeRegions@{slow}": SLOW}
    process = emulated.start(*COLLECT, "--workers", "2", "--read-timeout", "8", db=db, env=SECRET_ENV)
    others = set(ingested) - {slow}
    wait_for(lambda: others <= {a for a, o in outcomes(db, 2).items() if o == "ingested"})
    process.send_signal(signal.SIGINT)  # to the parent only: it tells its workers
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == 130 and "Traceback" not in stderr, stderr
    assert outcomes(db, 2)[slow] == "interrupted"
    assert users_of(db, slow) == ["user-0"]
    assert query(db, "SELECT status FROM run WHERE id = 2") == [("interrupted",)]


# ------------------------------------------------------------------ shards


def test_shards_are_stable_disjoint_slices_that_cover_every_account():
    ids = [f"{n:012}" for n in range(3000)]
    shards = [Shard.parse(f"{k}/3") for k in range(3)]
    held = [[i for i in ids if s.holds(i)] for s in shards]
    assert sorted(i for part in held for i in part) == ids
    assert all(900 < len(part) < 1100 for part in held)  # about a third each
    assert Shard.parse("1/3").holds(held[1][0]) and not Shard.parse("0/3").holds(held[1][0])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"shard": "3/3"}, "K/N"),
        ({"shard": "a/b"}, "K/N"),
        ({"shard": "1/3"}, "needs --organization and --run-group"),
        ({"shard": "1/3", "organization": True, "role_name": "r"}, "--run-group NAME"),
        ({"workers": 0}, "workers"),
    ],
)
def test_shard_and_worker_settings_that_cannot_work_are_refused(values: dict[str, Any], message: str):
    with pytest.raises(ConfigError, match=message):
        load_settings(values, None, {})


def _graph(store: Store) -> tuple[list[str], list[str], list[str]]:
    entities = sorted(json.dumps(e, sort_keys=True) for e in store.entities())
    relationships = sorted(json.dumps(r, sort_keys=True) for r in store.relationships())
    return entities, relationships, store.scopes()


def _shard_run(emulated, db: str, shard: str, group: str) -> subprocess.Popen[str]:
    args = (*COLLECT, "--shard", shard, "--run-group", group, "--shard-wait", "300")
    return emulated.start(*args, db=db, env=SECRET_ENV)


def test_three_shards_at_once_on_one_postgresql_give_the_graph_of_one_run(
    emulated, postgres_cluster, tmp_path
):
    build_organization(6, users_per_account=1)
    whole = postgresql_backend(postgres_cluster.create_database("shards_whole"))
    sharded = postgresql_backend(postgres_cluster.create_database("shards_three"))
    try:
        one = emulated.cli(*COLLECT, db=whole.url, env=SECRET_ENV)
        assert one.returncode == 0, one.stderr
        sharded.open().close()  # migrated once, before the shards race for it
        processes = [_shard_run(emulated, sharded.url, f"{k}/3", "run-1") for k in (2, 1, 0)]  # 0 last
        for process in processes:
            _, stderr = process.communicate(timeout=600)
            assert process.returncode == 0 and "Traceback" not in stderr, stderr
        expected, got = whole.open(), sharded.open()
        assert _graph(got) == _graph(expected)
        assert emulated.proxy.calls["organizations:ListAccounts"] == 2  # once per run, not per shard
        assert len(got.runs()) == 3
    finally:
        for backend in (whole, sharded):
            for opened in backend.opened:
                opened.close()
        postgres_cluster.drop_database("shards_whole")
        postgres_cluster.drop_database("shards_three")


def test_one_shard_after_another_removes_only_its_own_departed_accounts(emulated, tmp_path):
    """Before shards, a run deleted every account scope it had not selected itself: shard 1 would
    have deleted shard 0's accounts, shard 2 both."""
    org = build_organization(6, users_per_account=1)
    ingested = set(org.users) - {org.skipped, org.suspended}
    backend = sqlite_backend(tmp_path)
    for k in range(3):
        process = _shard_run(emulated, backend.url, f"{k}/3", "run-1")
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
    store = backend.open()
    assert store.scopes() == sorted(
        [f"organization:{org.organization_id}"] + [f"account:{a}" for a in ingested]
    )
    for opened in backend.opened:
        opened.close()


def test_a_shard_without_its_lister_says_so_in_one_line(emulated, tmp_path):
    build_organization(4, users_per_account=1)
    args = (*COLLECT, "--shard", "1/2", "--run-group", "nobody-lists", "--shard-wait", "2")
    result = emulated.cli(*args, db=tmp_path / "graph.db", env=SECRET_ENV)
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert "run group 'nobody-lists': shard 0 did not list the organization within 2 s" in result.stderr


def test_when_shard_0_refuses_the_run_the_other_shards_stop_saying_why(emulated, tmp_path):
    build_organization(4, users_per_account=1)
    db = tmp_path / "graph.db"
    mistyped = ("--skip-account", "999999999999")  # not in the organization: shard 0 refuses the run
    waiting = emulated.start(*COLLECT, *mistyped, "--shard", "1/2", "--run-group", "g", db=db, env=SECRET_ENV)
    lister = emulated.cli(*COLLECT, *mistyped, "--shard", "0/2", "--run-group", "g", db=db, env=SECRET_ENV)
    assert lister.returncode != 0 and "999999999999" in lister.stderr
    _, stderr = waiting.communicate(timeout=120)
    assert waiting.returncode != 0 and "Traceback" not in stderr, stderr
    assert "run group 'g': shard 0 could not list the organization:" in stderr and "999999999999" in stderr
