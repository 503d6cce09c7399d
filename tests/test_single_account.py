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
