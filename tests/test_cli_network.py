"""Networks that fail, and what the command line says about them: network errors name the endpoint
(never "no usable AWS credentials"), an account outside any organization is told so, and progress
is one plain line per finished account when stderr is not a terminal."""

from __future__ import annotations

import re
import sqlite3

import pytest

from graph_aws.demo.emulator import build_organization
from graph_aws.demo.moto_server import free_port
from helpers import EXTERNAL_ID, ROLE, run_cli

SECRET_ENV = {"GRAPH_AWS_EXTERNAL_ID": EXTERNAL_ID}


@pytest.mark.parametrize(
    ("endpoint", "what"),
    [
        (f"http://127.0.0.1:{free_port()}", "the connection was refused"),
        ("http://graph-aws-no-such-host.invalid", "the host name does not resolve (DNS)"),
    ],
    ids=["refused", "dns"],
)
def test_an_unreachable_endpoint_is_a_network_error_naming_it(tmp_path, endpoint, what):
    db = tmp_path / "graph.db"
    result = run_cli("collect", "--db", str(db), env={"AWS_ENDPOINT_URL": endpoint})
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line == (
        f"Error: cannot check the AWS credentials: network error: {endpoint}/: {what}; "
        "check the network, proxy and AWS_ENDPOINT_URL"
    )
    assert "no usable AWS credentials" not in result.stderr
    assert sqlite3.connect(db).execute("SELECT status FROM run").fetchall() == [("failed",)]


def test_an_account_outside_any_organization_is_told_so(emulated, tmp_path):
    db = tmp_path / "graph.db"  # moto's server, reset: no organization was created
    result = emulated.cli("collect", "--organization", "--role-name", ROLE, db=db, env=SECRET_ENV)
    assert result.returncode == 1
    failures = [line for line in result.stderr.splitlines() if line.startswith("failed ")]
    assert failures == [
        "failed organization: fetch-organization: this account is not in an AWS Organization; run "
        "without --organization to ingest this account alone, or run from the organization's "
        "management (or delegated administrator) account"
    ]
    assert "access denied" not in result.stderr


def test_progress_is_one_line_per_finished_account_off_a_terminal(emulated, tmp_path):
    org = build_organization(4, users_per_account=1)
    emulated.proxy.faults.deny_assume = {org.unreachable}
    result = emulated.cli(
        "collect",
        "--organization",
        "--role-name",
        ROLE,
        "--regions",
        "us-east-1",
        db=tmp_path / "g.db",
        env=SECRET_ENV,
    )
    progress = [line for line in result.stderr.splitlines() if line.startswith("[")]
    jobs = len(set(org.users) - {org.skipped, org.suspended})
    assert [re.match(r"\[(\d+)/(\d+)\]", line).groups() for line in progress] == [
        (str(i), str(jobs)) for i in range(1, jobs + 1)
    ]
    assert (
        sum(f"account {org.unreachable} " in line and " failed: AssumeRole" in line for line in progress) == 1
    )
    assert "\x1b" not in result.stderr  # no bar, no colours, in a log
