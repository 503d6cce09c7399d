"""`graph-aws demo`: the real collect, run on an emulated organization (moto, in-process)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph_aws.errors import GraphAwsError, PathError
from graph_aws.runner import RunReport
from graph_aws.store import SqliteStore, open_store

DEMO_EXTERNAL_ID = "graph-aws-demo-external-id"
DEMO_REGIONS = ("us-east-1", "eu-west-1")
# The demo replaces its store at every run, so it marks the stores it makes and replaces no other file.
MADE_BY = ("made_by", "graph-aws demo")


# moto's management account: no real organization has it, so a store of it holds an emulation.
EMULATED_MANAGEMENT_ID = "123456789012"


def _made_by_the_demo(path: Path) -> bool:
    """Marked by the demo; or (a demo store of an earlier version, before the mark) a store whose
    every management account is moto's."""
    try:
        store = open_store(str(path), create=False)
    except GraphAwsError:
        return False  # not a store at all
    try:
        if not isinstance(store, SqliteStore):
            return False
        if store.get_meta(MADE_BY[0]) == MADE_BY[1]:
            return True
        management = {str(a.get("accountId")) for a in store.entities("aws_account") if a.get("master")}
        return management == {EMULATED_MANAGEMENT_ID}
    except GraphAwsError:
        return False
    finally:
        store.close()


def start_fresh(path: Path) -> None:
    """An empty store at `path`, marked as the demo's: an earlier demo store is replaced, any other
    file (a real collection, a text file) is refused."""
    if path.exists() and not path.is_dir():
        if not _made_by_the_demo(path):
            raise PathError(
                f"--db {path}: exists and was not made by graph-aws demo, which replaces its store at "
                "every run; give another path (the default is graph-aws-demo.db)"
            )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = open_store(str(path))
    try:
        assert isinstance(store, SqliteStore)
        store.set_meta(*MADE_BY)
    finally:
        store.close()


def run_demo(
    db: str, member_count: int, collect: Callable[[dict[str, Any], str | None], RunReport]
) -> RunReport:
    try:
        from moto import mock_aws
    except ImportError:
        from graph_aws.errors import ConfigError

        raise ConfigError("the demo needs moto: pip install 'graph-aws[demo]'") from None
    from graph_aws.demo.emulator import build_organization, deny_assume_role, patch_moto

    # moto answers any credentials, but botocore wants some; point nothing at a real endpoint.
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "MOTO_ACCOUNT_ID"):
        os.environ.pop(name, None)
    os.environ.update(
        MOTO_EC2_LOAD_DEFAULT_AMIS="false",
        AWS_ACCESS_KEY_ID="demo",
        AWS_SECRET_ACCESS_KEY="demo",
        AWS_SESSION_TOKEN="demo",
        AWS_DEFAULT_REGION="us-east-1",
    )
    start_fresh(Path(db))
    patch_moto()
    with mock_aws():
        emulated = build_organization(member_count, resource_regions=DEMO_REGIONS)
        with deny_assume_role([emulated.unreachable]):
            return collect(
                {
                    "organization": True,
                    "role_name": "OrganizationAccountAccessRole",
                    "external_id": DEMO_EXTERNAL_ID,
                    "db": db,
                    "regions": list(DEMO_REGIONS),
                    "workers": 1,  # moto answers in this process only
                },
                None,
            )
