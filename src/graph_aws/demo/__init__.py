"""`graph-aws demo`: the real collect, run on an emulated organization (moto, in-process)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from graph_aws.runner import RunReport

DEMO_EXTERNAL_ID = "graph-aws-demo-external-id"
DEMO_REGIONS = ("us-east-1", "eu-west-1")


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
    if os.path.exists(db):
        os.remove(db)  # a fresh graph each time, so the table shows this run alone
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
                },
                None,
            )
