"""SIGINT and SIGTERM on the real command line, against moto's server behind the fault proxy: work
stops at once, finished account jobs land, the others change nothing, the run says so."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from fault_matrix_support import COLLECT, SECRET_ENV, iam_of, query
from graph_aws.demo.emulator import build_organization

READ_TIMEOUT = 8  # for the run that is stopped: what a call in flight may still take
STOPPED = (*COLLECT, "--read-timeout", str(READ_TIMEOUT), "--call-timeout", "3600")
SLOW = 600  # seconds the proxy holds the calls that are in flight when the signal comes


def users_of(db: Path, account_id: str) -> list[str]:
    rows = query(
        db,
        "SELECT json_extract(data, '$.name') FROM entity WHERE type='aws_iam_user' "
        "AND json_extract(data, '$.accountId')=? ORDER BY 1",
        account_id,
    )
    return [r[0] for r in rows]


def outcomes(db: Path, run_id: int) -> dict[str, str]:
    return dict(query(db, "SELECT account_id, outcome FROM account_outcome WHERE run_id=?", run_id))


def run_status(db: Path, run_id: int) -> str | None:
    return query(db, "SELECT status FROM run WHERE id=?", run_id)[0][0]


def wait_for(condition, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def collected_with_a_new_user(emulated, db: Path, members: int = 4):
    """An organization collected once, then given a new user in every account, so a second run's
    landing is visible account by account."""
    org = build_organization(members, users_per_account=1)
    first = emulated.cli(*COLLECT, db=db, env=SECRET_ENV)
    assert first.returncode == 0, first.stderr
    ingested = sorted(set(org.users) - {org.skipped, org.suspended})
    for account_id in ingested:
        iam_of(org, account_id).create_user(UserName="user-new")
    return org, ingested


def error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("Error:")]


def test_sigint_lands_the_finished_accounts_leaves_the_others_and_exits_130(emulated, tmp_path):
    db = tmp_path / "graph.db"
    org, ingested = collected_with_a_new_user(emulated, db)
    slow = org.unreachable  # its regions' listing answers after ten minutes
    emulated.proxy.faults.delay = {f"ec2:DescribeRegions@{slow}": SLOW}
    process = emulated.start(*STOPPED, db=db, env=SECRET_ENV)
    others = set(ingested) - {slow}
    wait_for(lambda: others <= {a for a, o in outcomes(db, 2).items() if o == "ingested"})
    signalled = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    stopped_in = time.monotonic() - signalled

    assert process.returncode == 130, stderr
    (line,) = error_lines(stderr)
    assert line == stderr.strip().splitlines()[-1]
    assert line.startswith(
        f"Error: interrupted by SIGINT: {len(others)} account jobs finished (recorded); 1 stopped"
    )
    assert "run 2 recorded as interrupted" in line
    assert stopped_in < READ_TIMEOUT + 30  # the call in flight timed out; nothing waited for it
    for account_id in others:
        assert users_of(db, account_id) == ["user-0", "user-new"], account_id  # landed
    assert users_of(db, slow) == ["user-0"]  # cut short: unchanged
    assert run_status(db, 2) == "interrupted"
    assert outcomes(db, 2)[slow] == "interrupted"
    reason = query(db, "SELECT reason FROM account_outcome WHERE run_id=2 AND account_id=?", slow)[0][0]
    assert reason == "stopped before it finished (interrupted by SIGINT); its data is unchanged"


def test_sigterm_during_the_listing_writes_nothing_and_exits_143(emulated, tmp_path):
    db = tmp_path / "graph.db"
    collected_with_a_new_user(emulated, db)
    graph = query(db, "SELECT key, data FROM entity ORDER BY key")
    emulated.proxy.faults.delay = {"organizations:ListAccounts": SLOW}
    process = emulated.start(*STOPPED, db=db, env=SECRET_ENV)
    assert emulated.proxy.delayed.wait(60)
    signalled = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    (line,) = error_lines(stderr)
    assert line.startswith("Error: interrupted by SIGTERM: 0 account jobs finished")
    assert time.monotonic() - signalled < READ_TIMEOUT + 30
    assert query(db, "SELECT key, data FROM entity ORDER BY key") == graph
    assert run_status(db, 2) == "interrupted"
    assert outcomes(db, 2) == {}


def test_a_second_signal_quits_at_once_and_the_next_run_marks_the_run_abandoned(emulated, tmp_path):
    db = tmp_path / "graph.db"
    org, ingested = collected_with_a_new_user(emulated, db)
    hung = org.unreachable
    emulated.proxy.faults.hang = {f"ec2:DescribeRegions@{hung}"}
    patient = (*COLLECT, "--read-timeout", str(SLOW), "--call-timeout", "3600")  # it holds the stop
    process = emulated.start(*patient, db=db, env=SECRET_ENV)
    others = set(ingested) - {hung}
    wait_for(lambda: others <= set(outcomes(db, 2)))
    assert emulated.proxy.hung.wait(30)
    process.send_signal(signal.SIGINT)
    time.sleep(1)
    assert process.poll() is None  # waiting, as it should, for the call in flight
    signalled = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert time.monotonic() - signalled < 15
    assert error_lines(stderr) == ["Error: interrupted again: quitting without waiting for calls in flight"]
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert run_status(db, 2) is None  # left open by a process that is gone
    for account_id in others:
        assert users_of(db, account_id) == ["user-0", "user-new"]  # what was committed is kept
    assert users_of(db, hung) == ["user-0"]

    emulated.proxy.faults.hang = set()
    after = emulated.cli(*COLLECT, db=db, env=SECRET_ENV)
    assert after.returncode == 0, after.stderr
    assert "run 2 was left open by a process that no longer runs: marked abandoned" in after.stderr
    assert run_status(db, 2) == "abandoned" and run_status(db, 3) == "succeeded"
    assert users_of(db, hung) == ["user-0", "user-new"]
