"""A process that writes to a store, for tests of many writers (tests/test_many_writers.py).

    python tests/store_writer.py URL shared INDEX ROUNDS START   # its own scope, plus keys all share
    python tests/store_writer.py URL turns NAME ROUNDS START     # one scope that another writer shares
    python tests/store_writer.py URL once SCOPE LOCK_TIMEOUT     # one sync, waiting at most LOCK_TIMEOUT

Each sync's counts are printed as a JSON line; a StoreError is printed on stderr (exit status 3).
START is a time.time() at which every writer of a test begins, so that they really overlap.
"""

from __future__ import annotations

import json
import sys
import time

from graph_aws.errors import StoreError
from graph_aws.model import make_entity, make_relationship
from graph_aws.store.postgresql import PostgresStore
from graph_aws.store.sqlite import SqliteStore

SHARED_KEY = "arn:aws:iam::000000000000:root"  # one merged entity every writer has a view of
USERS = 40


def open_store(url: str, lock_timeout: float = 60) -> SqliteStore | PostgresStore:
    if url.startswith("postgresql://"):
        return PostgresStore(url, lock_timeout=lock_timeout)
    return SqliteStore(url, lock_timeout=lock_timeout)


def user(account: str, name: str, **properties: object) -> dict:
    return make_entity(
        key=f"arn:aws:iam::{account}:user/{name}", type="aws_iam_user", classes=["User"], name=name,
        properties=properties,
    )  # fmt: skip


def shared_view(index: int, round_: int) -> dict:
    """Writer `index`'s view of the shared entity: one property of its own, the round it is in."""
    return make_entity(
        key=SHARED_KEY, type="aws_account", classes=["Account"], name="management",
        properties={f"seenBy{index}": round_},
    )  # fmt: skip


def wait_until(start: float) -> None:
    time.sleep(max(0.0, start - time.time()))


def shared(store: SqliteStore | PostgresStore, index: int, rounds: int) -> None:
    account = f"{index:012d}"
    for round_ in range(rounds):
        management = shared_view(index, round_)
        users = [user(account, f"u{n}", round=round_) for n in range(USERS - round_ % 3)]
        links = [make_relationship(from_entity=management, verb="HAS", to_entity=u) for u in users]
        counts = store.sync_scope(f"account:{account}", [management, *users], links)
        print(json.dumps(counts.__dict__), flush=True)


def turns(store: SqliteStore | PostgresStore, name: str, rounds: int) -> None:
    for round_ in range(rounds):
        users = [user("111111111111", f"{name}-{n}", round=round_) for n in range(USERS)]
        counts = store.sync_scope("account:111111111111", users, [])
        print(json.dumps(counts.__dict__), flush=True)


def main(argv: list[str]) -> int:
    url, mode = argv[0], argv[1]
    try:
        if mode == "once":
            scope, lock_timeout = argv[2], float(argv[3])
            store = open_store(url, lock_timeout)
            counts = store.sync_scope(scope, [user(scope.split(":")[1], "waited")], [])
            print(json.dumps(counts.__dict__), flush=True)
            return 0
        store = open_store(url)
        wait_until(float(argv[4]))
        if mode == "shared":
            shared(store, int(argv[2]), int(argv[3]))
        else:
            turns(store, argv[2], int(argv[3]))
    except StoreError as error:
        print(error, file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
