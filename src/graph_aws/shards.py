"""`--shard K/N`: the K-th of N stable slices of an organization's accounts, so that N processes or
machines share one organization and one store, and the organization is listed once per run.

Slices are by a hash of the account id (SHA-256, not Python's hash(), which differs per process):
an account stays in its slice from run to run, whatever joins or leaves the organization.

The run group (`--run-group NAME`, one name per run of all shards: a Kubernetes Job's name, a CI
run's id) is how shards find the run: shard 0 lists the organization, writes its scope, and
publishes the listing in the store under the group's name; the other shards wait for it (at most
`--shard-wait` seconds), then ingest their slice of it. Each shard removes, after a complete
listing, only the accounts of its own slice that left the organization or are no longer ingested.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph_aws.aws.organization.steps import OrganizationAccount
from graph_aws.aws.selection import Decision
from graph_aws.config import SHARD
from graph_aws.errors import ConfigError, GraphAwsError
from graph_aws.store import Store

WAIT_STEP = 1.0  # seconds between two looks for the lister's record


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """K/N as the settings validated it."""
        match = SHARD.match(text.strip())
        if not match or int(match[1]) >= int(match[2]):
            raise ConfigError(f"--shard {text!r}: write K/N, the K-th (counting from 0) of N slices: 0/3")
        return cls(int(match[1]), int(match[2]))

    @property
    def lists_the_organization(self) -> bool:
        return self.index == 0

    def holds(self, account_id: str) -> bool:
        digest = hashlib.sha256(account_id.encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index


WHOLE = Shard(0, 1)


@dataclass(frozen=True)
class GroupListing:
    """What shard 0 publishes: the organization, and its listing (None when it was not complete or
    the organization could not be listed: the other shards then stop, saying why)."""

    organization_id: str | None
    accounts: list[OrganizationAccount] | None
    reason: str | None = None


def _account(entry: dict[str, Any]) -> OrganizationAccount:
    return OrganizationAccount(
        account_id=entry["id"],
        name=entry["name"],
        status=entry["status"],
        decision=Decision(entry["decision"], entry.get("reason")),
        is_management=entry["management"],
    )


def publish(store: Store, group: str, listing: GroupListing) -> None:
    accounts = None
    if listing.accounts is not None:
        accounts = [
            {
                "id": a.account_id,
                "name": a.name,
                "status": a.status,
                "decision": a.decision.status,
                "reason": a.decision.reason,
                "management": a.is_management,
            }
            for a in listing.accounts
        ]
    document = {"organization": listing.organization_id, "accounts": accounts, "reason": listing.reason}
    store.publish_run_group(group, json.dumps(document))


def wait_for(
    store: Store, group: str, timeout: float, stopped: Callable[[], bool], *, step: float = WAIT_STEP
) -> GroupListing:
    """The listing shard 0 published for the group, waiting at most `timeout` seconds for it."""
    deadline = time.monotonic() + timeout
    while True:
        text = store.run_group(group)
        if text is not None:
            document = json.loads(text)
            accounts = document["accounts"]
            return GroupListing(
                document["organization"],
                None if accounts is None else [_account(a) for a in accounts],
                document.get("reason"),
            )
        if stopped():
            raise GraphAwsError("stopped while waiting for shard 0 to list the organization")
        if time.monotonic() >= deadline:
            raise GraphAwsError(
                f"run group {group!r}: shard 0 did not list the organization within {timeout:g} s; start "
                "shard 0 with the same --run-group, or raise --shard-wait"
            )
        time.sleep(step)
