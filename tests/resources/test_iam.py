"""IAM: read once per account, not per region; keys, properties and relationships as JupiterOne names them."""

from __future__ import annotations

import json

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.aws.resources.iam.account import root_report_properties, user_report_properties
from graph_aws.aws.resources.iam.roles import trusted
from graph_aws.aws.resources.registry import Where
from graph_aws.aws.shared_clients import SharedClients
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
TRUST_EC2 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
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

    result = run_steps("fetch-iam-user-credentials")
    assert status(result, "fetch-iam-authorization-details").status is StepStatus.SUCCESS
    assert status(result, "fetch-iam-user-credentials").status is StepStatus.SUCCESS
    # Global, so once though two regions were asked for; one page holds users, groups, roles, policies.
    assert calls.count("GetAccountAuthorizationDetails") == 1
    assert not {"ListUsers", "ListAttachedUserPolicies", "ListUserPolicies", "GetUserPolicy"} & set(calls)
    users = {u["name"]: u for u in result.job_state.iter_entities("aws_iam_user")}
    alice, bob = users["alice"], users["bob"]
    assert alice["_key"] == alice["arn"] == user["Arn"] and alice["_class"] == ["User"]
    assert alice["username"] == ["alice"] and alice["tag.Email"] == "alice@example.com"
    assert alice["webLink"] == "https://console.aws.amazon.com/iam/home#/users/details/alice"
    assert "region" not in alice and alice["accountId"] == ACCOUNT
    assert alice["mfaEnabled"] is True and alice["passwordEnabled"] is True
    assert alice["accessKeyEnabled"] is True and alice["activeAccessKeyCount"] == 1
    assert isinstance(alice["createdOn"], int)
    assert bob["mfaEnabled"] is False and bob["passwordEnabled"] is False and bob["accessKeyEnabled"] is False

    key = one(result, "aws_iam_access_key")
    assert key["_key"] == f"arn:aws:iam::{ACCOUNT}:access-key/{key_id}" and key["_class"] == ["AccessKey"]
    assert key["accessKeyId"] == key["id"] == key_id
    assert key["status"] == "Active" and key["active"] is True and isinstance(key["createdOn"], int)
    assert key["webLink"].endswith("#/users/details/alice?section=security_credentials")
    assert "lastUsedOn" not in key and "lastUsedService" not in key  # never used: N/A is left out
    mfa = one(result, "mfa_device")
    assert mfa["_key"] == device and mfa["_class"] == ["AccessKey"] and mfa["virtual"] is True
    inline = one(result, "aws_iam_user_policy")
    # JupiterOne's key for an inline policy: the owner's ARN, then its name.
    assert inline["_key"] == f"{alice['_key']}/inline" and inline["_class"] == ["AccessPolicy"]
    assert json.loads(inline["document"])["Statement"][0]["Action"] == "s3:Get*"

    assert relationships(result, "aws_iam_has_user") == {
        (f"aws_iam:{ACCOUNT}", u["_key"]) for u in users.values()
    }
    assert relationships(result, "aws_iam_user_has_access_key") == {(alice["_key"], key["_key"])}
    assert relationships(result, "aws_iam_user_assigned_mfa_device") == {(alice["_key"], mfa["_key"])}
    # Managed and inline policies share JupiterOne's generated _type.
    assert relationships(result, "aws_iam_user_assigned_policy") == {
        (alice["_key"], policy),
        (alice["_key"], inline["_key"]),
    }
    assert relationships(result, "aws_iam_has_user_policy") == {(f"aws_iam:{ACCOUNT}", inline["_key"])}


def test_groups_have_their_users_and_are_assigned_policies(run_steps, client):
    iam = client("iam")
    user = iam.create_user(UserName="alice")["User"]["Arn"]
    group = iam.create_group(GroupName="admins", Path="/ops/")["Group"]["Arn"]
    iam.create_group(GroupName="empty")
    iam.add_user_to_group(GroupName="admins", UserName="alice")
    policy = iam.create_policy(PolicyName="read", PolicyDocument=ALLOW_S3)["Policy"]["Arn"]
    iam.attach_group_policy(GroupName="admins", PolicyArn=policy)
    iam.put_group_policy(GroupName="admins", PolicyName="inline", PolicyDocument=ALLOW_S3)

    result = run_steps("fetch-iam-authorization-details")
    groups = {g["name"]: g for g in result.job_state.iter_entities("aws_iam_group")}
    assert groups["admins"]["_key"] == group and groups["admins"]["_class"] == ["UserGroup"]
    assert groups["admins"]["path"] == "/ops/" and groups["admins"]["webLink"].endswith(
        "#/groups/details/admins"
    )
    assert groups["admins"]["userCount"] == 1 and groups["empty"]["userCount"] == 0
    assert relationships(result, "aws_iam_group_has_user") == {(group, user)}
    inline = one(result, "aws_iam_group_policy")
    assert inline["_key"] == f"{group}/inline"
    assert relationships(result, "aws_iam_group_assigned_policy") == {
        (group, policy),
        (group, inline["_key"]),
    }
    assert relationships(result, "aws_iam_has_group_policy") == {(f"aws_iam:{ACCOUNT}", inline["_key"])}


def test_the_users_groups_may_come_pages_after_the_user(run_steps, client, calls):
    """AWS pages GetAccountAuthorizationDetails by 100 objects, users first: here the group comes
    on the second page, after the 120 users it holds."""
    iam = client("iam")
    iam.create_group(GroupName="everyone")
    for n in range(120):
        iam.create_user(UserName=f"user-{n:03d}")
        iam.add_user_to_group(GroupName="everyone", UserName=f"user-{n:03d}")
    result = run_steps("fetch-iam-authorization-details", regions=("us-east-1",))
    assert calls.count("GetAccountAuthorizationDetails") == 2
    assert len(relationships(result, "aws_iam_group_has_user")) == 120
    assert one(result, "aws_iam_group")["userCount"] == 120


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
        PermissionsBoundary=f"arn:aws:iam::{ACCOUNT}:policy/boundary",
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

    result = run_steps("fetch-iam-authorization-details")
    assert status(result, "fetch-iam-authorization-details").status is StepStatus.SUCCESS
    roles = {r["name"]: r for r in result.job_state.iter_entities("aws_iam_role")}
    app = roles["app"]
    assert app["_key"] == role and app["_class"] == ["AccessRole"] and app["roleName"] == "app"
    assert app["tag.team"] == "core" and isinstance(app["createdOn"], int)
    assert app["permissionsBoundaryArn"] == f"arn:aws:iam::{ACCOUNT}:policy/boundary"
    assert app["trustedServices"] == ["ec2.amazonaws.com"]
    assert app["webLink"] == "https://console.aws.amazon.com/iam/home#/roles/details/app"
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
    assert inline["_key"] == f"{role}/inline"
    assert relationships(result, "aws_iam_role_assigned_policy") == {(role, inline["_key"])}


def test_instance_profiles_contain_their_role(run_steps, client):
    iam = client("iam")
    trust = {
        "Statement": {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "ec2.amazonaws.com"},
        }
    }
    role = iam.create_role(RoleName="web", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    profile = iam.create_instance_profile(InstanceProfileName="web", Path="/apps/")["InstanceProfile"]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web")
    result = run_steps("fetch-iam-authorization-details")
    entity = one(result, "aws_iam_instance_profile")
    assert entity["_key"] == entity["arn"] == profile and entity["_class"] == ["Configuration"]
    assert entity["instanceProfileName"] == "web" and entity["path"] == "/apps/"
    assert relationships(result, "aws_iam_instance_profile_contains_role") == {(profile, role)}
    assert relationships(result, "aws_iam_has_instance_profile") == {(f"aws_iam:{ACCOUNT}", profile)}


def test_trust_policies_name_identity_providers_but_no_wildcards_or_deleted_principals():
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
            {"Effect": "Allow", "Principal": {"Federated": "accounts.google.com"}},
        ]
    }
    assert [(type.type, key) for type, key, _ in trusted(document, where)] == [
        ("aws_iam_saml_provider", "arn:aws-us-gov:iam::123456789012:saml-provider/okta"),
        ("aws_account", "arn:aws-us-gov:iam::210987654321:root"),  # the same account, named twice
    ]
    assert trusted(None, where) == []


def test_customer_managed_policies_with_their_default_document(run_steps, client, calls):
    iam = client("iam")
    arn = iam.create_policy(PolicyName="read", PolicyDocument=ALLOW_S3, Description="reads")["Policy"]["Arn"]
    iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=ALLOW_S3.replace("s3:Get*", "s3:List*"), SetAsDefault=True
    )
    user = iam.create_user(UserName="alice")["User"]["UserName"]
    iam.attach_user_policy(UserName=user, PolicyArn=arn)

    result = run_steps("fetch-iam-authorization-details")
    policy = one(result, "aws_iam_policy")
    assert policy["_key"] == policy["arn"] == arn and policy["_class"] == ["AccessPolicy"]
    assert policy["policyName"] == "read" and policy["defaultVersionId"] == "v2"
    assert policy["vendorManaged"] is False and policy["inUse"] is True and policy["attachmentCount"] == 1
    assert json.loads(policy["document"])["Statement"][0]["Action"] == "s3:List*"
    assert relationships(result, "aws_iam_has_policy") == {(f"aws_iam:{ACCOUNT}", arn)}
    assert "GetPolicyVersion" not in calls  # every version's document came with the listing


def test_aws_managed_policies_the_account_attaches_become_entities_of_the_account(run_steps, client, calls):
    iam = client("iam")
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="ops")
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    iam.attach_group_policy(GroupName="ops", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    iam.attach_group_policy(GroupName="ops", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")

    result = run_steps("fetch-iam-aws-managed-policies")
    assert status(result, "fetch-iam-aws-managed-policies").status is StepStatus.SUCCESS
    policies = {p["name"]: p for p in result.job_state.iter_entities("aws_iam_policy")}
    assert set(policies) == {"IAMFullAccess", "AWSSupportAccess"}  # only what the account attaches
    full = policies["IAMFullAccess"]
    assert full["_key"] == f"{ACCOUNT}/arn:aws:iam::aws:policy/IAMFullAccess"
    assert full["arn"] == "arn:aws:iam::aws:policy/IAMFullAccess" and full["accountId"] == ACCOUNT
    assert full["vendorManaged"] is True and full["inUse"] is True and full["attachmentCount"] == 2
    assert "iam:*" in json.loads(full["document"])["Statement"][0]["Action"]
    assert full["defaultVersionId"] and isinstance(full["createdOn"], int)
    assert relationships(result, "aws_iam_user_assigned_policy") == {
        (f"arn:aws:iam::{ACCOUNT}:user/alice", full["_key"])
    }
    assert calls.count("GetPolicy") == 2 and calls.count("GetPolicyVersion") == 2  # one each per policy


def test_aws_managed_documents_are_read_once_per_run_however_many_accounts_attach_them(
    run_steps, client, calls
):
    client("iam").create_user(UserName="alice")
    client("iam").attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    run = SharedClients()  # what one run's account jobs share
    documents = [
        one(run_steps("fetch-iam-aws-managed-policies", shared=run), "aws_iam_policy")["document"]
        for _ in range(3)
    ]
    assert calls.count("GetPolicy") == 1 and calls.count("GetPolicyVersion") == 1
    assert documents[0] and documents.count(documents[0]) == 3  # each job's entity has the document
    run_steps("fetch-iam-aws-managed-policies")  # another run reads it again
    assert calls.count("GetPolicy") == 2


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
    assert relationships(result, "aws_iam_has_account_password_policy") == {
        (f"aws_iam:{ACCOUNT}", policy["_key"])
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
    user = user_report_properties({"mfa_active": "false", "password_last_used": "2024-05-01T10:00:00+00:00"})
    assert user["mfaActive"] is False
    assert user["passwordLastUsed"] == 1714521600000  # GetAccountAuthorizationDetails has no last use


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


@pytest.mark.parametrize("deny", ["GetAccountAuthorizationDetails"], indirect=True)
def test_a_denied_listing_marks_its_types_partial_and_keeps_the_other_steps(run_steps, client, deny):
    client("iam").update_account_password_policy(MinimumPasswordLength=14)
    result = run_steps("fetch-iam-user-credentials", "fetch-iam-password-policy")
    step = status(result, "fetch-iam-authorization-details")
    assert step.status is StepStatus.FAILURE
    assert step.error == (
        "fetch-iam-authorization-details: access denied (AccessDenied); "
        "the role needs iam:GetAccountAuthorizationDetails"
    )
    assert {"aws_iam_user", "aws_iam_role", "aws_iam_role_trusts_service"} <= set(result.partial_types)
    # The users' credentials depend on the listing: partial too, never deleted.
    assert (
        status(result, "fetch-iam-user-credentials").status
        is StepStatus.PARTIAL_SUCCESS_DUE_TO_DEPENDENCY_FAILURE
    )
    assert "aws_iam_access_key" in result.partial_types
    assert status(result, "fetch-iam-password-policy").status is StepStatus.SUCCESS
    assert "aws_iam_account_password_policy" not in result.partial_types


@pytest.mark.parametrize("deny", ["ListAccessKeys"], indirect=True)
def test_a_user_whose_keys_cannot_be_read_costs_only_the_credentials(run_steps, client, deny):
    client("iam").create_user(UserName="alice")
    client("iam").create_user(UserName="bob")
    result = run_steps("fetch-iam-user-credentials")
    assert status(result, "fetch-iam-user-credentials").status is StepStatus.FAILURE
    assert status(result, "fetch-iam-user-credentials").warnings == ["2 users could not be read in full"]
    assert {u["name"] for u in result.job_state.iter_entities("aws_iam_user")} == {"alice", "bob"}
    assert "aws_iam_user" not in result.partial_types and "aws_iam_access_key" in result.partial_types


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
    assert account["mfaEnabled"] is False and account["accountMfaEnabled"] is False
    assert account["rootUserAccessKeyEnabled"] is True and account["rootUserMfaActive"] is False
    assert account["rootUserPasswordLastUsed"] == 1714521600000  # to the day
    assert "rootUserAccessKeyLastUsed" not in account  # the key was never used


def test_identity_providers_and_the_roles_that_trust_them(run_steps, client):
    iam = client("iam")
    oidc = iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )["OpenIDConnectProviderArn"]
    saml = iam.create_saml_provider(Name="okta", SAMLMetadataDocument="<EntityDescriptor/>" + " " * 1000)[
        "SAMLProviderArn"
    ]
    trust = {
        "Statement": {
            "Effect": "Allow",
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": oidc},
        }
    }
    role = iam.create_role(RoleName="ci", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]

    result = run_steps("fetch-iam-identity-providers", "fetch-iam-authorization-details")
    assert status(result, "fetch-iam-identity-providers").status is StepStatus.SUCCESS
    github = one(result, "aws_iam_oidc_provider")
    assert github["_key"] == github["arn"] == oidc and github["_class"] == ["Service"]
    assert github["url"] == "https://token.actions.githubusercontent.com"
    assert github["clientIds"] == ["sts.amazonaws.com"] and isinstance(github["createdOn"], int)
    okta = one(result, "aws_iam_saml_provider")
    assert okta["_key"] == saml and okta["name"] == "okta" and isinstance(okta["validUntil"], int)
    assert relationships(result, "aws_iam_has_oidc_provider") == {(f"aws_iam:{ACCOUNT}", oidc)}
    assert relationships(result, "aws_iam_has_saml_provider") == {(f"aws_iam:{ACCOUNT}", saml)}
    assert relationships(result, "aws_iam_role_trusts_oidc_provider") == {(role, oidc)}


def test_instances_use_the_role_of_their_instance_profile(run_steps, client):
    iam, ec2 = client("iam"), client("ec2")
    trust = {
        "Statement": {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "ec2.amazonaws.com"},
        }
    }
    role = iam.create_role(RoleName="web", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    profile = iam.create_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web")
    with_role, without = [
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        for _ in range(2)
    ]
    ec2.associate_iam_instance_profile(IamInstanceProfile={"Name": "web"}, InstanceId=with_role)

    result = run_steps("create-iam-instance-roles", regions=("us-east-1",))
    assert status(result, "create-iam-instance-roles").status is StepStatus.SUCCESS
    instance = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{with_role}"
    assert relationships(result, "aws_instance_uses_iam_role") == {(instance, role)}
    assert relationships(result, "aws_instance_uses_iam_instance_profile") == {(instance, profile)}
    assert without not in str(relationships(result, "aws_instance_uses_iam_role"))


def test_an_item_without_its_name_or_arn_costs_that_item_only(run_steps, client, answered):
    iam = client("iam")
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob")
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=TRUST_EC2)
    iam.create_role(RoleName="batch", AssumeRolePolicyDocument=TRUST_EC2)
    iam.put_role_policy(RoleName="web", PolicyName="s3", PolicyDocument=ALLOW_S3)
    iam.put_role_policy(RoleName="web", PolicyName="logs", PolicyDocument=ALLOW_S3)

    def strip(parsed):
        for user in parsed.get("UserDetailList") or []:
            if user["UserName"] == "bob":
                del user["UserName"]
        for role in parsed.get("RoleDetailList") or []:
            if role["RoleName"] == "batch":
                role["Arn"] = ""
            for policy in role.get("RolePolicyList") or []:
                if policy["PolicyName"] == "logs":
                    del policy["PolicyName"]
            role.setdefault("AttachedManagedPolicies", []).append({"PolicyName": "no-arn"})

    answered("iam", "GetAccountAuthorizationDetails", strip)
    result = run_steps("fetch-iam-authorization-details")
    step = status(result, "fetch-iam-authorization-details")
    assert step.status is StepStatus.SUCCESS
    assert {u["name"] for u in result.job_state.iter_entities("aws_iam_user")} == {"alice"}
    assert {r["name"] for r in result.job_state.iter_entities("aws_iam_role")} == {"web"}
    assert {p["name"] for p in result.job_state.iter_entities("aws_iam_role_policy")} == {"s3"}
    assert any("an IAM user with an empty UserName left out" in w for w in step.warnings)
    assert any("an IAM role with an empty Arn left out" in w for w in step.warnings)
    assert any("an inline policy with an empty PolicyName left out" in w for w in step.warnings)
    assert any("an attached policy with an empty PolicyArn left out" in w for w in step.warnings)


def test_a_credential_report_that_is_not_csv_keeps_what_was_read(run_steps, client, answered):
    client("iam").create_user(UserName="alice")

    def garble(parsed):
        # A carriage return alone in a field is text (it was once "not CSV"); a field past the csv
        # module's limit is not CSV.
        parsed["Content"] += b"odd\ruser,x\n" + b"x" * 200_000 + b"\n"

    answered("iam", "GetCredentialReport", garble)
    result = run_steps("fetch-iam-credential-report")
    step = status(result, "fetch-iam-credential-report")
    assert step.status is StepStatus.SUCCESS
    assert one(result, "aws_iam_user")["mfaActive"] is False  # its row came before the bad one
    assert len(step.warnings) == 1 and "credential report not read past line" in step.warnings[0]
