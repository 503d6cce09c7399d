"""The organization and account jobs against moto in-process, through the real Runner and store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import botocore.handlers
import pytest

from graph_aws.aws.jobs import account_job_steps
from graph_aws.aws.organization.steps import ORGANIZATION_STEPS
from graph_aws.config import load_settings
from graph_aws.demo.emulator import EmulatedOrganization, build_organization, patch_moto
from graph_aws.runner import Runner, RunReport
from graph_aws.store import Store, open_store
from helpers import EXTERNAL_ID, FAKE_CREDENTIALS, ROLE

MEMBERS = 25  # with the management account, 26 accounts: two pages of ListAccounts


def collect(store, **options):
    values = {
        "organization": True,
        "role_name": ROLE,
        "external_id": EXTERNAL_ID,
        "regions": ["us-east-1"],
        "workers": 1,  # moto answers in this process only
        **options,
    }
    return Runner(load_settings(values, None, {}), store).run()


@dataclass
class Collected:
    org: EmulatedOrganization
    store: Store
    report: RunReport
    list_accounts_calls: list[dict]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def collected(request, tmp_path_factory) -> Iterator[Collected]:
    """One organization, collected once into each backend; the tests below read what that run did."""
    from moto import mock_aws

    patch_moto()
    calls: list[dict] = []
    entry = (
        "before-parameter-build.organizations.ListAccounts",
        lambda params, **_: calls.append(dict(params)),
    )
    with pytest.MonkeyPatch.context() as env, mock_aws():
        for name, value in FAKE_CREDENTIALS.items():
            env.setenv(name, value)
        env.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        # Resources of every type in the management account and five members (the rest: IAM users).
        org = build_organization(
            MEMBERS, users_per_account=1, resource_regions=["us-east-1"], seeded_members=5
        )
        if request.param == "sqlite":
            store = open_store(str(tmp_path_factory.mktemp("collected") / "graph.db"))
        else:
            store = open_store(request.getfixturevalue("postgres_cluster").create_database("collected"))
        botocore.handlers.BUILTIN_HANDLERS.append(entry)
        try:
            report = collect(store)
        finally:
            botocore.handlers.BUILTIN_HANDLERS.remove(entry)
        yield Collected(org, store, report, calls)
        store.close()


def accounts_by_id(store):
    """The organization's accounts (not those a trust policy names, which are mapped entities)."""
    return {e["accountId"]: e for e in store.entities("aws_account") if "organizationId" in e}


def test_every_account_is_listed_over_pages_of_at_most_20(collected):
    assert len(accounts_by_id(collected.store)) == MEMBERS + 1
    assert len(collected.list_accounts_calls) == 2
    assert all(call["MaxResults"] <= 20 for call in collected.list_accounts_calls)
    assert collected.report.organization_id == collected.org.organization_id


def test_accounts_carry_the_organization_properties(collected):
    org, store = collected.org, collected.store
    accounts = accounts_by_id(store)
    member_id = next(i for i in org.members if i not in (org.skipped, org.suspended, org.unreachable))
    member = accounts[member_id]
    documented = {
        "accountId",
        "active",
        "arn",
        "displayName",
        "email",
        "id",
        "joinedMethod",
        "joinedOn",
        "name",
        "orgAccountArn",
        "orgAccountName",
        "status",
    }
    assert documented <= member.keys()
    assert member["_key"] == member["arn"] == f"arn:aws:iam::{member_id}:root"
    assert member["_class"] == ["Account"]
    assert member["name"] == member["orgAccountName"] == org.members[member_id]
    assert member["email"] == f"{org.members[member_id]}@example.com"
    assert member["orgAccountArn"].startswith(f"arn:aws:organizations::{org.management_id}:account/")
    assert member["status"] == "ACTIVE" and member["active"] is True and member["master"] is False
    assert isinstance(member["joinedOn"], int) and member["joinedOn"] > 1_600_000_000_000  # epoch ms
    assert member["tag.team"].startswith("team-")
    assert member["organizationalUnitPath"].startswith("Root")
    assert accounts[org.management_id]["master"] is True
    suspended = accounts[org.suspended]
    assert suspended["status"] == "SUSPENDED" and suspended["active"] is False
    assert suspended["collectionStatus"] == "inactive"
    skipped = accounts[org.skipped]
    assert (
        skipped["collectionStatus"] == "skipped" and skipped["collectionNote"] == "tagged j1-integration=SKIP"
    )


def test_the_same_role_and_external_id_are_used_in_every_selected_member_and_nowhere_else(collected):
    from moto.sts.models import sts_backends

    org = collected.org

    def assumed(account_id):
        return [
            (r.role_arn, r.external_id)
            for r in sts_backends[account_id]["aws"].assumed_roles
            if r.session_name.startswith("graph-aws-") and "emulator" not in r.session_name
        ]

    for account_id in org.members:
        if account_id in (org.skipped, org.suspended):
            assert assumed(account_id) == [], f"{account_id} must not be assumed into"
        else:
            assert assumed(account_id) == [(f"arn:aws:iam::{account_id}:role/{ROLE}", EXTERNAL_ID)]


def test_the_graph_links_management_members_tree_and_policies(collected):
    org, store = collected.org, collected.store
    types = {}
    for relationship in store.relationships():
        types.setdefault(relationship["_type"], []).append(relationship)
    management_key = f"arn:aws:iam::{org.management_id}:root"
    has_member = types["aws_account_has_account"]
    assert len(has_member) == MEMBERS
    assert {r["_fromEntityKey"] for r in has_member} == {management_key}
    assert len(types["aws_organization_has_root"]) == 1
    assert len(types["aws_organization_root_has_organizational_unit"]) == 3  # Engineering, Security, Sandbox
    assert len(types["aws_organizational_unit_has_unit"]) == 2  # Platform, Data
    placed = types["aws_organization_root_has_account"] + types["aws_organizational_unit_has_account"]
    assert len(placed) == MEMBERS + 1
    enforced = {r["_toEntityKey"] for r in types["aws_organizations_policy_enforces_organizational_unit"]}
    sandbox = next(e for e in store.entities("aws_organizational_unit") if e["name"] == "Sandbox")
    assert sandbox["_key"] in enforced
    assert types["aws_iam_has_user"] and types["aws_account_has_iam"]


def test_account_jobs_add_root_credentials_contacts_and_users(collected):
    org, store = collected.org, collected.store
    accounts = accounts_by_id(store)
    for account_id in [org.management_id, *org.members]:
        if account_id in (org.skipped, org.suspended, org.unreachable):
            continue  # the in-process run does not deny the "unreachable" one; see the e2e tests
        account = accounts[account_id]
        assert account["mfaEnabled"] is False
        assert account["accountAccessKeysPresent"] == 0 and account["accountSigningCertificatesPresent"] == 0
        assert account["securityContactRegistered"] is (int(account_id) % 2 == 0)
        if account["securityContactRegistered"]:
            assert account["securityContactEmail"] == "security@example.com"
            assert account["primaryContactRegistered"] is True and account["phone"] == "+1-555-0199"
    users = list(store.entities("aws_iam_user"))
    collected_accounts = set(org.users) - {org.skipped, org.suspended}
    assert {u["accountId"] for u in users} == collected_accounts  # none from skipped or suspended ones
    # Every user the emulator made (the IAM seed adds its own in the seeded accounts).
    assert {(a, n) for a in collected_accounts for n in org.users[a]} <= {
        (u["accountId"], u["name"]) for u in users
    }
    assert all(u["_key"] == f"arn:aws:iam::{u['accountId']}:user/{u['name']}" for u in users)


def test_every_step_emits_what_it_declares_and_nothing_else(collected):
    report = collected.report
    assert report.succeeded, report.failures
    declared = {s.id: set(s.declared_types) for s in (*ORGANIZATION_STEPS, *account_job_steps())}
    seen: dict[str, set[str]] = {step_id: set() for step_id in declared}
    for job in collected.store.jobs(report.run_id):  # the whole step results are in the store's record
        for result in job.summary.get("integrationStepResults", []):
            assert result["status"] == "success", result
            assert set(result["encounteredTypes"]) <= declared[result["id"]], result["id"]
            seen[result["id"]] |= set(result["encounteredTypes"])
    for step_id, types in declared.items():
        assert types == seen[step_id], f"{step_id} declared types it never produced: {types - seen[step_id]}"


def test_who_made_each_account_is_recorded_as_jupiterone_records_it(collected):
    """Ingested accounts are integration-managed, each by its own job's instance; members without an
    ingestion of their own (skipped, inactive) and accounts outside the organization are the
    mapper's, so the rule packs' `_source != 'system-mapper'` filters mean what they mean there."""
    from graph_aws.demo.seeds.iam import OTHER_ACCOUNT
    from graph_aws.model.sources import integration_instance_id
    from graph_aws.query.run import run_query

    org, store = collected.org, collected.store
    every = {e["accountId"]: e for e in store.entities("aws_account")}
    for account_id in (org.management_id, org.unreachable):  # unreachable is not denied in-process
        assert every[account_id]["_source"] == "integration-managed"
        assert every[account_id]["_integrationInstanceId"] == integration_instance_id(f"account:{account_id}")
    for account_id in (org.skipped, org.suspended, OTHER_ACCOUNT):
        assert every[account_id]["_source"] == "system-mapper", account_id
        assert "_integrationInstanceId" not in every[account_id]
    outside = every[OTHER_ACCOUNT]
    assert "organizationId" not in outside and outside["displayName"] == OTHER_ACCOUNT
    organization = next(store.entities("aws_organization"))
    assert organization["_integrationName"] == f"graph-aws organization:{org.organization_id}"

    if store.dialect != "sqlite":
        return  # J1QL reads SQLite stores only until the PostgreSQL dialect (issue 10, item 1)
    integrated = run_query(
        store, "FIND aws_account WITH _source != 'system-mapper' RETURN aws_account.accountId"
    )
    assert {account_id for (account_id,) in integrated.rows} == set(every) - {
        org.skipped,
        org.suspended,
        OTHER_ACCOUNT,
    }
    trusting = run_query(
        store, f"FIND aws_iam_role THAT TRUSTS aws_account WITH accountId = '{OTHER_ACCOUNT}'"
    )
    assert trusting.rows  # every seeded account has a role that trusts the outside account
