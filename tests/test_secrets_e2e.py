"""No secret in any output, at any log level: every output of `--debug` runs of the real command line
(stdout, stderr with botocore's debug log, the store's files) is searched for the external ID and
for every secret key and session token that AssumeRole handed out. The first collect runs its
account jobs in two worker processes, whose logs must be as complete and as clean as the parent's."""

from __future__ import annotations

from pathlib import Path

import boto3

from graph_aws.demo.emulator import build_organization
from helpers import EXTERNAL_ID, ROLE

SECRET_ENV = {"GRAPH_AWS_EXTERNAL_ID": EXTERNAL_ID}


def store_files(db: Path) -> list[Path]:
    return sorted(db.parent.glob(f"{db.name}*"))  # the file, and its -wal and -shm if left


def test_debug_output_and_the_store_hold_no_secret(emulated, tmp_path):
    org = build_organization(5, users_per_account=1)  # two members assumed, one denied
    boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="Auditor", AssumeRolePolicyDocument="{}"
    )
    db = tmp_path / "graph.db"
    emulated.proxy.faults.deny_assume = {org.unreachable}  # an error line that quotes AssumeRole
    emulated.proxy.faults.throttle = 0.1  # retries: more requests, and their logs, to leak from
    collect = (
        "--debug",
        "collect",
        "--organization",
        "--role-name",
        ROLE,
        "--role-arn",
        f"arn:aws:iam::{org.management_id}:role/Auditor",
        "--regions",
        "us-east-1",
        "--workers",
        "2",
    )
    runs = [emulated.cli(*collect, db=db, env=SECRET_ENV)]
    assert runs[0].returncode == 1, runs[0].stderr  # the denied account
    # The workers logged at DEBUG too: only account jobs, in the workers, call GetAccountSummary.
    assert "GetAccountSummary" in runs[0].stderr and "DEBUG botocore" in runs[0].stderr
    runs.append(emulated.cli("--debug", "collect", "--external-id", EXTERNAL_ID, db=db))
    for command in (("accounts",), ("query", "FIND aws_account"), ("check",), ("export", "--format", "json")):
        runs.append(emulated.cli("--debug", *command, db=db))
    runs.append(emulated.cli("--debug", "collect", "--external-id", "x y", db=db))  # a refused value

    secrets = {EXTERNAL_ID, *emulated.proxy.secrets}
    assert len(emulated.proxy.secrets) >= 2 * 3  # a key and a token per role assumed: --role-arn, 2 members
    debug_log = "\n".join(run.stderr for run in runs)
    assert "DEBUG botocore" in debug_log and "AssumeRole" in debug_log  # there was a log to leak into
    assert "***" in debug_log  # and it did carry secrets, removed
    outputs = {
        f"run {i} {name}": text
        for i, run in enumerate(runs)
        for name, text in (("stdout", run.stdout), ("stderr", run.stderr))
    }
    for path in store_files(db):
        outputs[path.name] = path.read_bytes().decode("latin-1")
    for where, text in outputs.items():
        for secret in secrets:
            assert secret not in text, f"a secret ({secret[:6]}...) is in {where}"
