"""The replay emulator: one account recorded from moto, answered for a synthetic organization."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from graph_aws.demo.replay.organization import MANAGEMENT_ID, SyntheticOrganization
from graph_aws.demo.replay.recording import TEMPLATE_ACCOUNT, Recording, record
from graph_aws.demo.replay.server import ReplayServer
from graph_aws.demo.replay.wire import Request, request_key
from helpers import EXTERNAL_ID, FAKE_CREDENTIALS, ROLE


@dataclass
class Recorded:
    path: Path  # the recording
    db: Path  # the store of the collect that was recorded: what each replayed account should hold


@pytest.fixture(scope="module")
def recorded(moto_server, tmp_path_factory) -> Recorded:
    folder = tmp_path_factory.mktemp("recording")
    moto_server.reset()
    with pytest.MonkeyPatch.context() as env:
        for name, value in FAKE_CREDENTIALS.items():
            env.setenv(name, value)
        recording = record(moto_server.url, db=folder / "recorded.db")
    recording.save(folder / "recording.json")
    return Recorded(folder / "recording.json", folder / "recorded.db")


def collect(server: ReplayServer, db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "graph_aws.cli", "collect", "--organization", "--role-name", ROLE,
        "--regions", "us-east-1", "--db", str(db), *extra,
    ]  # fmt: skip
    env = {
        **os.environ,
        **FAKE_CREDENTIALS,
        "AWS_ENDPOINT_URL": server.url,
        "GRAPH_AWS_EXTERNAL_ID": EXTERNAL_ID,
    }
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def types_per_account(db: Path) -> dict[str, Counter[str]]:
    rows = sqlite3.connect(db).execute(
        "SELECT json_extract(data, '$.accountId'), type FROM entity "
        "WHERE json_extract(data, '$.accountId') IS NOT NULL"
    )
    found: dict[str, Counter[str]] = {}
    for account, type_ in rows:
        found.setdefault(account, Counter())[type_] += 1
    return found


def test_every_account_of_the_organization_holds_what_the_recorded_account_held(recorded, tmp_path):
    expected = types_per_account(recorded.db)[TEMPLATE_ACCOUNT]
    assert sum(expected.values()) > 40 and len(expected) > 25  # the demo's every type, not a handful
    with ReplayServer(recorded.path, 3) as server:
        result = collect(server, tmp_path / "graph.db")
        stats = server.stats()
    # Misses first: a miss is why a replayed collect fails, and names the call the recording lacks.
    assert stats["misses"] == 0, stats["missed"]
    assert result.returncode == 0, result.stderr
    found = types_per_account(tmp_path / "graph.db")
    accounts = SyntheticOrganization(3).account_ids
    # Accounts outside the organization (a role of the recording trusts one) are mapped, as recorded.
    outside = sorted(types_per_account(recorded.db).keys() - {TEMPLATE_ACCOUNT})
    assert sorted(found) == sorted(accounts + outside)
    for account in accounts:
        # The organization adds its own view of each account; everything else is the recording's.
        assert found[account] == expected, account
    keys = [k for (k,) in sqlite3.connect(tmp_path / "graph.db").execute("SELECT key FROM entity")]
    assert not [k for k in keys if TEMPLATE_ACCOUNT in k]
    # Each member was assumed into, and made its own calls (some, AWS's managed policy documents,
    # are read once per run rather than once per account).
    assert stats["calls"]["sts:AssumeRole"] == 3
    per_account = sum(Recording.load(recorded.path).operations.values())
    assert stats["served"] > 3 * per_account


def organizations_client(server: ReplayServer):
    return boto3.client("organizations", region_name="us-east-1", endpoint_url=server.url)


def test_the_organization_is_listed_in_pages_as_aws_lists_it(recorded):
    with ReplayServer(recorded.path, 45) as server:
        organizations = organizations_client(server)
        first = organizations.list_accounts(MaxResults=20)
        assert len(first["Accounts"]) == 20 and "NextToken" in first
        pages = list(organizations.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 20}))
        assert [len(p["Accounts"]) for p in pages] == [20, 20, 6]
        ids = [a["Id"] for p in pages for a in p["Accounts"]]
        assert ids[0] == MANAGEMENT_ID and len(set(ids)) == 46
        (root,) = organizations.list_roots()["Roots"]
        units = organizations.list_organizational_units_for_parent(ParentId=root["Id"])["OrganizationalUnits"]
        placed = [
            a["Id"]
            for parent in [root["Id"], *[u["Id"] for u in units]]
            for p in organizations.get_paginator("list_accounts_for_parent").paginate(ParentId=parent)
            for a in p["Accounts"]
        ]
        assert sorted(placed) == sorted(ids)
        assert server.stats()["calls"]["organizations:ListAccounts"] == 4


def test_latency_throttling_and_denied_roles_are_injected(recorded, tmp_path):
    denied = SyntheticOrganization(4).account_ids[2]
    with ReplayServer(recorded.path, 4, latency_ms=150, throttle=0.1, deny=(denied,)) as server:
        started = time.monotonic()
        organizations_client(server).describe_organization()
        assert time.monotonic() - started >= 0.15
        server.set_faults(latency_ms=0)
        result = collect(server, tmp_path / "graph.db")
        stats = server.stats()
    assert result.returncode == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed ")]
    assert len(failed) == 1 and denied in failed[0] and "AccessDenied" in result.stderr
    assert stats["throttled"] > 0 and stats["misses"] == 0  # throttled calls were retried, and answered
    accounts = json.loads(
        subprocess.run(
            [
                sys.executable,
                "-m",
                "graph_aws.cli",
                "accounts",
                "--format",
                "json",
                "--db",
                str(tmp_path / "graph.db"),
            ],
            capture_output=True,
            text=True,
        ).stdout
    )
    assert sorted(a["lastOutcome"] for a in accounts) == [
        "failed",
        "ingested",
        "ingested",
        "ingested",
        "ingested",
    ]


def test_a_request_is_found_whichever_account_makes_it():
    def request(account: str, body: str) -> Request:
        return Request(
            "POST", "/", {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}, body.encode()
        )

    mine = request("210000000000", "Version=2010-05-08&Action=GetRole&RoleName=app-210000000000")
    template = request(TEMPLATE_ACCOUNT, f"RoleName=app-{TEMPLATE_ACCOUNT}&Action=GetRole&Version=2010-05-08")
    key = request_key(mine, "iam", "us-east-1", "210000000000", TEMPLATE_ACCOUNT)
    assert key == request_key(template, "iam", "us-east-1", TEMPLATE_ACCOUNT, TEMPLATE_ACCOUNT)
    assert key != request_key(mine, "iam", "eu-west-1", "210000000000", TEMPLATE_ACCOUNT)
