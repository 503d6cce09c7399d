"""Many writers, no lost data: real processes writing one store at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from graph_aws.store.postgresql import lock_id

WRITER = str(Path(__file__).parent / "store_writer.py")


def start_writers(backend, *commands: list[str], delay: float = 3.0) -> list[subprocess.Popen[str]]:
    """Writer processes that all begin writing at the same moment (after their imports)."""
    start = str(time.time() + delay)
    return [
        subprocess.Popen(
            [sys.executable, WRITER, backend.url, *command, start],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]


def finish(process: subprocess.Popen[str]) -> list[dict]:
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_writers_of_different_scopes_sharing_merged_keys_lose_nothing(backend):
    """Four processes, each syncing its own account scope again and again, every sync also holding
    a view of one shared entity: at the end each scope holds its last sync, and the shared entity
    carries every writer's last view (none overwritten by a merge that did not see it)."""
    store = backend.open()
    writers, rounds = 4, 12
    processes = start_writers(backend, *[["shared", str(i), str(rounds)] for i in range(writers)])
    for process in processes:
        assert len(finish(process)) == rounds
    (shared,) = [e for e in store.entities("aws_account")]
    assert {f"seenBy{i}": shared.get(f"seenBy{i}") for i in range(writers)} == {
        f"seenBy{i}": rounds - 1 for i in range(writers)
    }
    last_size = 40 - (rounds - 1) % 3
    users = list(store.entities("aws_iam_user"))
    assert len(users) == writers * last_size
    assert {u["round"] for u in users} == {rounds - 1}
    assert len(list(store.relationships())) == writers * last_size
    # The merged tables agree with what a fresh merge of the scopes gives.
    assert backend.raw("SELECT COUNT(*) FROM entity_class WHERE class = 'User'") == [(writers * last_size,)]


def test_two_writers_of_one_scope_take_turns_and_never_interleave(backend):
    """Two processes replace the same scope with sets of their own, 15 times each, while this
    process watches: every look sees one writer's whole set, and the counts each sync reports add
    up to what the scope holds at the end."""
    store = backend.open()
    looks: list[frozenset[str]] = []
    stop = threading.Event()

    def watch() -> None:
        watcher = backend.open()
        while not stop.is_set():
            looks.append(frozenset(e["name"].split("-")[0] for e in watcher.entities("aws_iam_user")))

    watcher = threading.Thread(target=watch)
    processes = start_writers(backend, ["turns", "a", "15"], ["turns", "b", "15"])
    watcher.start()
    try:
        results = [finish(process) for process in processes]
    finally:
        stop.set()
        watcher.join()
    assert {frozenset({"a"}), frozenset({"b"})} >= set(looks) - {frozenset()}
    created = sum(c["created"] for r in results for c in r)
    deleted = sum(c["deleted"] for r in results for c in r)
    assert created - deleted == len(list(store.entities("aws_iam_user"))) == 40
    for counts in (c for r in results for c in r):
        assert (counts["created"], counts["deleted"]) in ((40, 0), (40, 40), (0, 0)), counts


def hold_the_scope(backend, scope: str):
    """Open a transaction that holds what a sync of `scope` needs; returns its connection."""
    if backend.name == "sqlite":
        holder = sqlite3.connect(backend.url, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the file's one write lock
        return holder
    import psycopg

    holder = psycopg.connect(backend.url, autocommit=True, application_name="test-holder")
    holder.execute("BEGIN")
    holder.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id("scope", scope),))
    return holder


def test_a_writer_waits_a_bounded_time_then_fails_naming_the_scope(backend):
    scope = "account:222222222222"
    backend.open().sync_scope(scope, [], [])  # the store exists, its scope too
    holder = hold_the_scope(backend, scope)
    try:
        started = time.monotonic()
        refused = subprocess.run(
            [sys.executable, WRITER, backend.url, "once", scope, "1"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        waited = time.monotonic() - started
        assert refused.returncode == 3, refused.stderr
        message = refused.stderr.strip()
        assert "\n" not in message and "Traceback" not in message
        assert scope in message and "for over 1 s" in message and "let" in message
        if backend.name == "postgresql":
            assert "test-holder" in message  # who holds it, as PostgreSQL knows it
        assert waited >= 1.0

        # A writer that may wait longer gets its turn as soon as the holder lets go.
        patient = subprocess.Popen(
            [sys.executable, WRITER, backend.url, "once", scope, "60"], stdout=subprocess.PIPE, text=True
        )
        time.sleep(2)
        assert patient.poll() is None  # still waiting
    finally:
        holder.execute("ROLLBACK" if backend.name == "sqlite" else "COMMIT")
        holder.close()
    out, _ = patient.communicate(timeout=60)
    assert patient.returncode == 0
    assert json.loads(out) == {"created": 1, "updated": 0, "deleted": 0}
    assert [e["name"] for e in backend.open().entities("aws_iam_user")] == ["waited"]
