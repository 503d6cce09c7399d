"""Several `graph-aws collect` processes at once into one store (moto's server, the real command line)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from graph_aws.demo.emulator import build_organization
from helpers import FAKE_CREDENTIALS, ROLE


def collect_as(emulated, account_id: str, db: str) -> subprocess.Popen[str]:
    """A collect of one member account (its role assumed first, no organization listing)."""
    command = [
        sys.executable, "-m", "graph_aws.cli", "collect", "--regions", "us-east-1",
        "--role-arn", f"arn:aws:iam::{account_id}:role/{ROLE}", "--db", db,
    ]  # fmt: skip
    environment = {**os.environ, **FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": emulated.proxy.url}
    return subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_collects_at_once_of_different_and_of_the_same_accounts_all_land(emulated, backend):
    org = build_organization(4, users_per_account=3)
    first, second = [a for a in org.members if a not in (org.skipped, org.suspended)][:2]
    backend.open().close()  # created (and migrated) before the collects race for it
    processes = [collect_as(emulated, account, backend.url) for account in (first, second, first)]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err

    store = backend.open()
    assert store.scopes() == sorted([f"account:{first}", f"account:{second}"])
    users = sorted((u["accountId"], u["name"]) for u in store.entities("aws_iam_user"))
    assert users == sorted((a, f"user-{n}") for a in (first, second) for n in range(3))
    runs = store.runs()
    assert len(runs) == 3 and {r.status for r in runs} == {"succeeded"}
    # The same account twice: one run created its objects, the other found them all in place.
    jobs = [j for r in runs for j in store.jobs(r.id) if j.scope == f"account:{first}"]
    assert len(jobs) == 2 and {j.status for j in jobs} == {"succeeded"}
    fewer, more = sorted(j.counts.created for j in jobs)
    assert fewer == 0 and more > 0
    assert sum(j.counts.deleted for r in runs for j in store.jobs(r.id)) == 0

    # The read commands see it all, on either backend.
    listed = subprocess.run(
        [sys.executable, "-m", "graph_aws.cli", "accounts", "--format", "json", "--db", backend.url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert sorted(row["id"] for row in json.loads(listed.stdout)) == sorted([first, second])
    exported = subprocess.run(
        [sys.executable, "-m", "graph_aws.cli", "export", "--format", "json", "--db", backend.url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    graph = json.loads(exported.stdout)
    assert len(graph["entities"]) == len(list(store.entities()))
