"""The fault matrix's SIGKILL rows (issue 8): the real command line, killed at an exact point of a
write to the store, leaves every scope whole (as one complete sync left it, before or after), the
run open, and the next run marks it abandoned and completes. One organization and its stores before
and after the run are built once for the module; each kill point then costs two collects. `pytest -s`
prints each row."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from fault_matrix_support import COLLECT, SECRET_ENV, assert_whole, changed_everywhere, query, scopes
from graph_aws.demo.emulator import build_organization
from helpers import matrix_row

KILL_AT = Path(__file__).parent / "kill_at.py"

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


@dataclass(frozen=True)
class ChangedOrganization:
    """A store collected once (`baseline`), then a change in every scope and an account gone from
    the organization; `before` and `after` are the scopes before and after a complete next run."""

    baseline: Path
    before: dict[str, frozenset[tuple[str, str]]]
    after: dict[str, frozenset[tuple[str, str]]]
    leaver: str


@pytest.fixture(scope="module")
def changed(module_emulated, tmp_path_factory: pytest.TempPathFactory) -> ChangedOrganization:
    org = build_organization(5, users_per_account=2)
    folder = tmp_path_factory.mktemp("sigkill")
    baseline = folder / "baseline.db"
    assert module_emulated.cli(*COLLECT, db=baseline, env=SECRET_ENV).returncode == 0
    changed_everywhere(org)
    leaver = org.unreachable
    boto3.client("organizations", region_name="us-east-1").remove_account_from_organization(AccountId=leaver)
    reference = folder / "reference.db"
    shutil.copy(baseline, reference)
    assert module_emulated.cli(*COLLECT, db=reference, env=SECRET_ENV).returncode == 0
    before, after = scopes(baseline), scopes(reference)
    assert before.keys() != after.keys() and before != after  # the run writes, and deletes a scope
    return ChangedOrganization(baseline, before, after, leaver)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_sigkill_while_writing_a_scope_leaves_every_scope_whole(module_emulated, changed, tmp_path, point):
    pattern, nth, when = KILL_POINTS[point]
    db = tmp_path / "graph.db"
    shutil.copy(changed.baseline, db)
    command = [
        sys.executable,
        str(KILL_AT),
        pattern.format(leaver=changed.leaver),
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
        command, env=module_emulated.environment(SECRET_ENV), capture_output=True, text=True, timeout=300
    )
    seconds = time.monotonic() - started
    assert killed.returncode == -signal.SIGKILL, f"{point}: not killed ({killed.returncode}) {killed.stderr}"
    assert_whole(db, changed.before, changed.after, point)
    assert query(db, "SELECT status FROM run ORDER BY id DESC LIMIT 1") == [(None,)], point
    # moto's server serializes calls and still works through the killed run's queued ones: on a
    # loaded machine that backlog alone can outlast the default read timeout of the next run.
    recovered = module_emulated.cli(*COLLECT, "--read-timeout", "120", db=db, env=SECRET_ENV)
    assert recovered.returncode == 0, f"{point}: {recovered.stderr}"
    run_id = query(db, "SELECT MAX(id) FROM run WHERE status='abandoned'")[0][0]
    assert f"run {run_id} was left open by a process that no longer runs" in recovered.stderr, point
    assert scopes(db) == changed.after, point
    matrix_row(
        f"SIGKILL: {point}",
        "killed; the next run marks it abandoned and completes",
        "every scope whole (old or new)",
        -9,
        seconds,
    )
