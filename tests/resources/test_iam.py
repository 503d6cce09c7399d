"""IAM: read once per account, not per region; keys, properties and relationships as JupiterOne names them."""

from __future__ import annotations

import json

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.aws.resources.iam.account import root_report_properties, user_report_properties
from graph_aws.aws.resources.iam.roles import trusted
from graph_aws.aws.resources.registry import Where
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
ALLOW_S3 = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
)


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


def relationships(result, type):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type
    }


def one(result, type):
    (entity,) = result.job_state.iter_entities(type)
    return entity


@pytest.fixture
def calls():
    """The IAM operations the steps called, in order."""
    seen: list[str] = []
    entry = ("before-call.iam", lambda model, **_: seen.append(model.name))
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield seen
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_user_with_access_key_mfa_password_and_policies(run_steps, client, calls):
    iam = client("iam")
    user = iam.create_user(UserName="alice", Tags=[{"Key": "Email", "Value": "alice@example.com"}])["User"]
    iam.create_user(UserName="bob")
    key_id = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="alice", SerialNumber=device, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    iam.create_login_profile(UserName="alice", Password="Pa55word!")
    policy = iam.create_policy(PolicyName="read", PolicyDocument=ALLOW_S3)["Policy"]["Arn"]
    iam.attach_user_policy(UserName="alice", PolicyArn=policy)
    iam.put_user_policy(UserName="alice", PolicyName="inline", PolicyDocument=ALLOW_S3)

    result = run_steps("fetch-iam-users")
    assert status(result, "fetch-iam-users").status is StepStatus.SUCCESS
    assert calls.count("ListUsers") == 1  # global: once, though two regions were asked for
    users = {u["name"]: u for u in result.job_state.iter_entities("aws_iam_user")}
    alice, bob = users["alice"], users["bob"]
    assert alice["_key"] == alice["arn"] == user["Arn"] and alice["_class"] == ["User"]
    assert "region" not in alice and alice["accountId"] == ACCOUNT
    assert alice["mfaEnabled"] is True and alice["passwordEnabled"] is True
    assert alice["accessKeyEnabled"] is True and alice["activeAccessKeyCount"] == 1
    assert isinstance(alice["createdOn"], int)
    assert bob["mfaEnabled"] is False and bob["passwordEnabled"] is False and bob["accessKeyEnabled"] is False

    key = one(result, "aws_iam_access_key")
    assert key["_key"] == f"arn:aws:iam::{ACCOUNT}:access-key/{key_id}" and key["_class"] == ["AccessKey"]
    assert key["accessKeyId"] == key["id"] == key_id
    assert key["status"] == "Active" and key["active"] is True and isinstance(key["createdOn"], int)
    assert "lastUsedOn" not in key and "lastUsedService" not in key  # never used: N/A is left out
    mfa = one(result, "mfa_device")
    assert mfa["_key"] == device and mfa["_class"] == ["AccessKey"] and mfa["virtual"] is True
    inline = one(result, "aws_iam_user_policy")
    assert inline["_key"] == f"{alice['_key']}:inline-policy/inline" and inline["_class"] == ["AccessPolicy"]
    assert json.loads(inline["document"])["Statement"][0]["Action"] == "s3:Get*"

    assert relationships(result, "aws_iam_has_user") == {
        (f"aws_iam:{ACCOUNT}", u["_key"]) for u in users.values()
    }
    assert relationships(result, "aws_iam_user_has_access_key") == {(alice["_key"], key["_key"])}
    assert relationships(result, "aws_iam_user_assigned_mfa_device") == {(alice["_key"], mfa["_key"])}
    # Managed (by ARN) and inline policies share JupiterOne's generated _type.
    assert relationships(result, "aws_iam_user_has_policy") == {
        (alice["_key"], policy),
        (alice["_key"], inline["_key"]),
    }
    assert relationships(result, "aws_iam_has_user_policy") == {(f"aws_iam:{ACCOUNT}", inline["_key"])}


def test_groups_contain_their_users_and_have_policies(run_steps, client):
    iam = client("iam")
    user = iam.create_user(UserName="alice")["User"]["Arn"]
    group = iam.create_group(GroupName="admins")["Group"]["Arn"]
    iam.create_group(GroupName="empty")
    iam.add_user_to_group(GroupName="admins", UserName="alice")
    policy = iam.create_policy(PolicyName="read", PolicyDocument=ALLOW_S3)["Policy"]["Arn"]
    iam.attach_group_policy(GroupName="admins", PolicyArn=policy)
    iam.put_group_policy(GroupName="admins", PolicyName="inline", PolicyDocument=ALLOW_S3)

    result = run_steps("fetch-iam-groups")
    groups = {g["name"]: g for g in result.job_state.iter_entities("aws_iam_group")}
    assert groups["admins"]["_key"] == group and groups["admins"]["_class"] == ["UserGroup"]
    assert groups["admins"]["userCount"] == 1 and groups["empty"]["userCount"] == 0
    assert relationships(result, "aws_iam_group_contains_user") == {(group, user)}
    inline = one(result, "aws_iam_group_policy")
    assert relationships(result, "aws_iam_group_has_policy") == {(group, policy), (group, inline["_key"])}
    assert relationships(result, "aws_iam_has_group_policy") == {(f"aws_iam:{ACCOUNT}", inline["_key"])}


def test_roles_trust_users_roles_accounts_and_services(run_steps, client):
    iam = client("iam")
    user = iam.create_user(UserName="alice")["User"]["Arn"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {
                    "AWS": [user, "111122223333", f"arn:aws:iam::{ACCOUNT}:role/ops", "AROAEXAMPLEDELETED"],
                    "Service": ["ec2.amazonaws.com"],
                },
            },
            {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}},
        ],
    }
    role = iam.create_role(
        RoleName="app",
        AssumeRolePolicyDocument=json.dumps(trust),
        Description="the app",
        Tags=[{"Key": "team", "Value": "core"}],
    )["Role"]["Arn"]
    iam.create_role(
        RoleName="worker",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                }
            }
        ),
    )
    iam.put_role_policy(RoleName="app", PolicyName="inline", PolicyDocument=ALLOW_S3)

    result = run_steps("fetch-iam-roles")
    assert status(result, "fetch-iam-roles").status is StepStatus.SUCCESS
    roles = {r["name"]: r for r in result.job_state.iter_entities("aws_iam_role")}
    app = roles["app"]
    assert app["_key"] == role and app["_class"] == ["AccessRole"] and app["roleName"] == "app"
    assert app["tag.team"] == "core" and app["description"] == "the app" and isinstance(app["createdOn"], int)
    assert app["trustedServices"] == ["ec2.amazonaws.com"]
    assert json.loads(app["assumeRolePolicyDocument"]) == trust

    service = one(result, "aws_service")  # one per account, however many roles trust it
    assert service["_key"] == f"aws_service:{ACCOUNT}:ec2.amazonaws.com" and service["_class"] == ["Service"]
    assert service["_source"] == "system-mapper"
    assert relationships(result, "aws_iam_role_trusts_service") == {
        (app["_key"], service["_key"]),
        (roles["worker"]["_key"], service["_key"]),
    }
    assert relationships(result, "aws_iam_role_trusts_user") == {(role, user)}
    assert relationships(result, "aws_iam_role_trusts_role") == {(role, f"arn:aws:iam::{ACCOUNT}:role/ops")}
    # The other account's root ARN is its aws_account key: the edge lands on that account.
    assert relationships(result, "aws_iam_role_trusts_account") == {(role, "arn:aws:iam::111122223333:root")}
    inline = one(result, "aws_iam_role_policy")
    assert relationships(result, "aws_iam_role_has_policy") == {(role, inline["_key"])}


def test_trust_policies_name_no_entity_for_wildcards_federation_or_deleted_principals():
    where = Where(ACCOUNT, "aws-us-gov", "us-gov-west-1")
    document = {
        "Statement": [
            {"Effect": "Allow", "Principal": "*"},
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws-us-gov:iam::123456789012:saml-provider/okta"},
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["AIDAEXAMPLE", "arn:aws-us-gov:iam::210987654321:root"]},
            },
            {"Effect": "Allow", "Principal": {"AWS": "210987654321"}},
        ]
    }
    assert [(type.type, key) for type, key, _ in trusted(document, where)] == [
        ("aws_account", "arn:aws-us-gov:iam::210987654321:root")  # the same account, named twice
    ]
    assert trusted(None, where) == []


def test_only_customer_managed_policies_with_their_default_document(run_steps, client):
    iam = client("iam")
    arn = iam.create_policy(PolicyName="read", PolicyDocument=ALLOW_S3, Description="reads")["Policy"]["Arn"]
    iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=ALLOW_S3.replace("s3:Get*", "s3:List*"), SetAsDefault=True
    )
    user = iam.create_user(UserName="alice")["User"]["UserName"]
    iam.attach_user_policy(UserName=user, PolicyArn=arn)

    result = run_steps("fetch-iam-policies")
    policy = one(result, "aws_iam_policy")
    assert policy["_key"] == policy["arn"] == arn and policy["_class"] == ["AccessPolicy"]
    assert policy["policyName"] == "read" and policy["defaultVersionId"] == "v2"
    assert policy["vendorManaged"] is False and policy["inUse"] is True and policy["attachmentCount"] == 1
    assert json.loads(policy["document"])["Statement"][0]["Action"] == "s3:List*"
    assert relationships(result, "aws_iam_has_policy") == {(f"aws_iam:{ACCOUNT}", arn)}


def test_the_password_policy_and_its_absence(run_steps, client):
    result = run_steps("fetch-iam-password-policy")
    assert status(result, "fetch-iam-password-policy").status is StepStatus.SUCCESS  # none set: 404
    assert list(result.job_state.iter_entities("aws_iam_account_password_policy")) == []

    client("iam").update_account_password_policy(
        MinimumPasswordLength=14, RequireSymbols=True, MaxPasswordAge=90, PasswordReusePrevention=24
    )
    result = run_steps("fetch-iam-password-policy")
    policy = one(result, "aws_iam_account_password_policy")
    assert policy["_key"] == f"arn:aws:iam::{ACCOUNT}:account-password-policy"
    assert policy["_class"] == ["PasswordPolicy"] and policy["accountId"] == ACCOUNT
    assert (policy["minLength"], policy["maxAgeDays"], policy["historyCount"]) == (14, 90, 24)
    assert policy["requireSymbols"] is True and policy["requireUppercase"] is False
    assert policy["expirePasswords"] is True and "allowUsersToChangePassword" in policy
    assert relationships(result, "aws_account_has_iam_account_password_policy") == {
        (f"arn:aws:iam::{ACCOUNT}:root", policy["_key"])
    }


def test_the_credential_report_completes_users(run_steps, client):
    iam = client("iam")
    iam.create_user(UserName="alice")
    iam.create_access_key(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Pa55word!")
    result = run_steps("fetch-iam-credential-report")
    step = status(result, "fetch-iam-credential-report")
    assert step.status is StepStatus.SUCCESS and step.warnings == []
    alice = one(result, "aws_iam_user")
    assert isinstance(alice["passwordLastChanged"], int) and alice["mfaActive"] is False
    assert alice["accessKey1Active"] is True and isinstance(alice["accessKey1LastRotated"], int)
    assert alice["accessKey2Active"] is False and "accessKey1LastUsed" not in alice


def test_the_root_users_credentials_in_the_report():
    row = {
        "user": "<root_account>",
        "password_last_used": "2024-05-01T10:00:00+00:00",
        "password_last_changed": "not_supported",
        "mfa_active": "true",
        "access_key_1_active": "false",
        "access_key_1_last_used_date": "N/A",
        "access_key_2_active": "true",
        "access_key_2_last_used_date": "2024-04-01T00:00:00+00:00",
    }
    properties = root_report_properties(row)
    assert properties["rootUserPasswordLastUsed"] == 1714521600000  # last use: to the day
    assert properties["rootUserPasswordLastChanged"] is None
    assert properties["rootUserAccessKeyEnabled"] is True and properties["rootUserMfaActive"] is True
    assert properties["rootUserAccessKeyLastUsed"] == 1711929600000
    assert user_report_properties({"mfa_active": "false"})["mfaActive"] is False


def _deny(operation, code="AccessDenied"):
    def hook(model, **_):
        raise ClientError({"Error": {"Code": code, "Message": "explicit deny in an SCP"}}, model.name)

    return (f"before-call.iam.{operation}", hook)


@pytest.fixture
def deny(request):
    entry = _deny(request.param)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield request.param
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


@pytest.mark.parametrize("deny", ["ListRoles"], indirect=True)
def test_a_denied_iam_list_marks_its_types_partial_and_keeps_the_other_steps(run_steps, client, deny):
    client("iam").create_user(UserName="alice")
    result = run_steps("fetch-iam-roles", "fetch-iam-users")
    step = status(result, "fetch-iam-roles")
    assert step.status is StepStatus.FAILURE
    assert step.error.startswith(
        "fetch-iam-roles: us-east-1: access denied (AccessDenied); the role needs iam:ListRoles"
    )
    assert {"aws_iam_role", "aws_iam_role_trusts_service"} <= set(result.partial_types)
    assert status(result, "fetch-iam-users").status is StepStatus.SUCCESS
    assert [u["name"] for u in result.job_state.iter_entities("aws_iam_user")] == ["alice"]
    assert "aws_iam_user" not in result.partial_types


@pytest.mark.parametrize("deny", ["GenerateCredentialReport"], indirect=True)
def test_a_denied_credential_report_is_a_warning(run_steps, client, deny):
    client("iam").create_user(UserName="alice")
    result = run_steps("fetch-iam-credential-report")
    step = status(result, "fetch-iam-credential-report")
    assert step.status is StepStatus.SUCCESS
    assert step.warnings == [
        "credential report not read (AccessDenied): the role needs iam:GetCredentialReport"
    ]
    assert "passwordLastChanged" not in one(result, "aws_iam_user")


@pytest.fixture
def root_row_in_report():
    """moto's credential report has no root row; add one as AWS writes it."""
    row = (
        "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,"
        "2024-05-01T10:00:00+00:00,not_supported,not_supported,false,true,2023-01-01T00:00:00+00:00,"
        "N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    )

    def hook(parsed, **_):
        header, _, rest = parsed["Content"].decode().partition("\n")
        parsed["Content"] = f"{header}\n{row}{rest}".encode()

    entry = ("after-call.iam.GetCredentialReport", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_the_root_users_credentials_go_on_the_account(run_steps, root_row_in_report):
    result = run_steps("fetch-iam-credential-report")
    account = result.job_state.find_entity(f"arn:aws:iam::{ACCOUNT}:root")
    assert account["rootUserAccessKeyEnabled"] is True and account["rootUserMfaActive"] is False
    assert account["rootUserPasswordLastUsed"] == 1714521600000  # to the day
    assert "rootUserAccessKeyLastUsed" not in account  # the key was never used
