"""A small organization graph in a real store, shared by the query and check tests: each test runs on
SQLite and on PostgreSQL (the `module_backend` fixture), and must get the same answer from both.

mgmt (111111111111, master) HAS dev (222222222222) and legacy (333333333333, system-mapper);
solo (444444444444) is outside the organization.
mgmt HAS iam-mgmt HAS alice (User), bob (User), admin role, ops role; alice ASSIGNED admin;
admin TRUSTS deploy and ops TRUSTS deploy; iam-dev HAS deploy; dev HAS iam-dev.
mgmt HAS a logging multi-region trail.
"""

from __future__ import annotations

from typing import Any

import pytest

from backends import Backend
from graph_aws.model import make_entity, make_relationship
from graph_aws.store import Store


def account(account_id: str, name: str, **properties: Any) -> dict[str, Any]:
    tags = properties.pop("tags", None)
    return make_entity(
        key=f"arn:aws:iam::{account_id}:root",
        type="aws_account",
        classes=["Account"],
        name=name,
        properties={"accountId": account_id, "id": account_id, **properties},
        tags=tags,
    )


def build_graph() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    mgmt = account(
        "111111111111",
        "mgmt",
        master=True,
        email="root@example.com",
        mfaEnabled=True,
        accountAccessKeysPresent=False,
        securityContactRegistered=True,
        description="management",
        owner="platform",
        phone="+1 555",
        _source="integration-managed",
        tags={"AccountName": "mgmt"},
    )
    dev = account(
        "222222222222",
        "dev",
        master=False,
        email="dev@example.com",
        mfaEnabled=False,
        accountAccessKeysPresent=True,
        securityContactRegistered=True,
        description="development",
        _source="integration-managed",
        tags={"AccountName": "dev", "Cost-Center": "cc-1"},
    )
    legacy = account(
        "333333333333", "legacy", master=False, _source="system-mapper", securityContactRegistered=False
    )
    solo = account("444444444444", "solo", mfaEnabled=True, _source="integration-managed")
    iam_mgmt = make_entity(key="aws_iam:111111111111", type="aws_iam", classes=["Service"], name="IAM mgmt")
    iam_dev = make_entity(key="aws_iam:222222222222", type="aws_iam", classes=["Service"], name="IAM dev")
    alice = make_entity(
        key="arn:aws:iam::111111111111:user/alice",
        type="aws_iam_user",
        classes=["User"],
        name="alice",
        properties={"passwordEnabled": True, "mfaEnabled": False, "loginCount": 12},
        tags={"AccountName": "mgmt"},
    )
    bob = make_entity(
        key="arn:aws:iam::111111111111:user/bob",
        type="aws_iam_user",
        classes=["User"],
        name="bob",
        properties={"passwordEnabled": True, "mfaEnabled": True, "loginCount": 3},
    )

    def role(account_id: str, name: str, account_name: str) -> dict[str, Any]:
        return make_entity(
            key=f"arn:aws:iam::{account_id}:role/{name}",
            type="aws_iam_role",
            classes=["AccessRole"],
            name=name,
            tags={"AccountName": account_name},
        )

    admin, ops, deploy = (
        role("111111111111", "admin", "mgmt"),
        role("111111111111", "ops", "mgmt"),
        role("222222222222", "deploy", "dev"),
    )
    trail = make_entity(
        key="arn:aws:cloudtrail:us-east-1:111111111111:trail/org",
        type="aws_cloudtrail",
        classes=["Service", "Logs"],
        name="org",
        properties={
            "isMultiRegionTrail": True,
            "isLogging": True,
            "multiRegionLogging": True,
            "createdOn": 1_600_000_000_000,
        },
    )
    entities = [mgmt, dev, legacy, solo, iam_mgmt, iam_dev, alice, bob, admin, ops, deploy, trail]

    def rel(a: dict[str, Any], verb: str, b: dict[str, Any], **props: Any) -> dict[str, Any]:
        return make_relationship(from_entity=a, to_entity=b, verb=verb, properties=props)

    relationships = [
        rel(mgmt, "HAS", dev),
        rel(mgmt, "HAS", legacy),
        rel(mgmt, "HAS", iam_mgmt),
        rel(dev, "HAS", iam_dev),
        rel(iam_mgmt, "HAS", alice),
        rel(iam_mgmt, "HAS", bob),
        rel(iam_mgmt, "HAS", admin),
        rel(iam_mgmt, "HAS", ops),
        rel(iam_dev, "HAS", deploy),
        rel(alice, "ASSIGNED", admin),
        rel(admin, "TRUSTS", deploy, crossAccount=True),
        rel(ops, "TRUSTS", deploy, crossAccount=True),
        rel(mgmt, "HAS", trail),
    ]
    return entities, relationships


@pytest.fixture(scope="module")
def graph_store(module_backend: Backend) -> Store:
    store = module_backend.open()
    entities, relationships = build_graph()
    store.sync_scope("organization:o-test", entities, relationships)
    return store
