"""Without --organization: the account of the ambient credentials alone."""

from graph_aws.config import load_settings
from graph_aws.demo.emulator import build_organization
from graph_aws.runner import Runner


def test_without_organization_mode_only_the_callers_account_is_ingested_and_no_email(mock_aws, store):
    org = build_organization(4, users_per_account=1)
    report = Runner(load_settings({"regions": ["us-east-1"]}, None, {}), store).run()
    (account,) = store.entities("aws_account")
    assert account["accountId"] == org.management_id
    assert account["name"] == org.management_id  # no alias, no organization name in this mode
    assert "email" not in account and "orgAccountName" not in account
    assert report.succeeded and [o.outcome for o in report.outcomes] == ["ingested"]
    assert len(list(store.entities("aws_iam_user"))) == 1


def test_role_arn_is_assumed_first_with_the_external_id(mock_aws, store):
    from moto.sts.models import sts_backends

    org = build_organization(4, users_per_account=1)
    settings = load_settings(
        {
            "organization": True,
            "role_name": "Reader",
            "role_arn": f"arn:aws:iam::{org.management_id}:role/Auditor",
            "external_id": "ext-role-arn-1",
            "regions": ["us-east-1"],
            "workers": 1,  # moto answers in this process only
        },
        None,
        {},
    )
    report = Runner(settings, store).run()
    assert report.organization_id == org.organization_id
    assumed = [(r.role_arn, r.external_id) for r in sts_backends[org.management_id]["aws"].assumed_roles]
    assert (f"arn:aws:iam::{org.management_id}:role/Auditor", "ext-role-arn-1") in assumed
    member = org.unreachable  # an ordinary member here: nothing denies it in-process
    member_roles = [(r.role_arn, r.external_id) for r in sts_backends[member]["aws"].assumed_roles]
    assert (f"arn:aws:iam::{member}:role/Reader", "ext-role-arn-1") in member_roles
