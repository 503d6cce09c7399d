"""Sessions: AssumeRole with refresh, shared client classes, and the per-account call bound."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import botocore.handlers
import pytest

from graph_aws.aws.sessions import ambient_session, assume_role, role_arn
from graph_aws.aws.shared_clients import SharedClients
from graph_aws.errors import CredentialsError


def member(mock_aws, name="member"):
    organizations = boto3.client("organizations", region_name="us-east-1")
    organizations.create_organization(FeatureSet="ALL")
    status = organizations.create_account(AccountName=name, Email=f"{name}@example.com")
    return status["CreateAccountStatus"]["AccountId"]


def test_an_assumed_session_acts_in_the_member_account_and_refreshes_before_expiry(mock_aws):
    account_id = member(mock_aws)
    calls = []
    session = assume_role(
        ambient_session(),
        role_arn("aws", account_id, "Reader"),
        "ext-id-123",
        on_call=lambda: calls.append(1),
    )
    assert session.identity().account_id == account_id
    assert len(calls) == 1
    credentials = session._credentials
    # Five minutes before expiry botocore must fetch new credentials (its mandatory refresh window).
    credentials._expiry_time = datetime.now(UTC) + timedelta(minutes=5)
    assert session.identity().account_id == account_id
    assert len(calls) == 2


def test_a_refused_assume_role_names_the_role_but_not_the_external_id(mock_aws):
    def deny(params, **_):
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no trust"}}, "AssumeRole")

    entry = ("before-parameter-build.sts.AssumeRole", deny)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        with pytest.raises(CredentialsError) as error:
            assume_role(ambient_session(), "arn:aws:iam::111111111111:role/Reader", "ext-id-very-secret")
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    assert str(error.value) == "AssumeRole arn:aws:iam::111111111111:role/Reader: AccessDenied (no trust)"


def test_sessions_share_client_classes_but_not_credentials(mock_aws):
    first_account = member(mock_aws, "first")
    second_account = boto3.client("organizations", region_name="us-east-1").create_account(
        AccountName="second", Email="second@example.com"
    )["CreateAccountStatus"]["AccountId"]
    source = ambient_session()
    first = assume_role(source, role_arn("aws", first_account, "R"), None).client("sts")
    second = assume_role(source, role_arn("aws", second_account, "R"), None).client("sts")
    assert type(first) is type(second)
    assert first.get_caller_identity()["Account"] == first_account
    assert second.get_caller_identity()["Account"] == second_account
    assert type(boto3.client("sts", region_name="us-east-1")) is not type(first)  # others untouched


def test_a_limited_session_never_has_more_calls_in_flight_than_its_bound(mock_aws):
    in_flight, peak, lock = [0], [0], threading.Lock()

    def slow_send(request, **_):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.05)
        with lock:
            in_flight[0] -= 1

    entry = ("before-send.sts.GetCallerIdentity", slow_send)
    botocore.handlers.BUILTIN_HANDLERS.insert(0, entry)  # before moto answers the call
    try:
        session = ambient_session().bind(SharedClients(), 3)
        client = session.client("sts")
        with ThreadPoolExecutor(max_workers=12) as pool:
            list(pool.map(lambda _: client.get_caller_identity(), range(24)))
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    assert peak[0] == 3


def test_accounts_bound_to_shared_clients_each_call_as_themselves(mock_aws):
    organizations = boto3.client("organizations", region_name="us-east-1")
    organizations.create_organization(FeatureSet="ALL")
    accounts = [
        organizations.create_account(AccountName=f"a{i}", Email=f"a{i}@example.com")["CreateAccountStatus"][
            "AccountId"
        ]
        for i in range(4)
    ]
    shared = SharedClients(pool_size=8)
    source = ambient_session()
    bound = {a: assume_role(source, role_arn("aws", a, "R"), None).bind(shared, 2) for a in accounts}

    def whoami(account_id):
        client = bound[account_id].client("sts")
        return account_id, [client.get_caller_identity()["Account"] for _ in range(5)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        for expected, seen in pool.map(whoami, accounts * 3):
            assert seen == [expected] * 5
    assert len(shared) == 1  # one sts client served every account
    with pytest.raises(RuntimeError, match="outside BoundClient"):
        shared.get("sts", "us-east-1").get_caller_identity()


def test_our_clients_know_every_operation_and_shape_as_botocore_does_but_for_documentation():
    """The models our sessions keep (shapes as text, parsed when asked for) describe each service as
    botocore's own loader does, documentation aside: same operations, same shapes, same members."""
    import botocore.session

    from graph_aws.aws.botocore_sessions import new_botocore_session

    ours, plain = new_botocore_session(), botocore.session.Session()
    for service in ("iam", "s3", "ec2"):
        mine, theirs = ours.get_service_model(service), plain.get_service_model(service)
        assert mine.operation_names == theirs.operation_names
        assert mine.shape_names == theirs.shape_names
        for name in theirs.shape_names:
            expected = {k: v for k, v in theirs.shape_for(name)._shape_model.items() if k != "documentation"}
            for member in expected.get("members", {}).values():
                member.pop("documentation", None)
            assert mine.shape_for(name)._shape_model == expected, name


def test_an_error_of_a_shared_client_is_the_services_own_exception(mock_aws):
    """Modeled errors are found among the service's shapes: a missing role is NoSuchEntity."""
    shared = SharedClients()
    client = ambient_session().bind(shared, 2).client("iam")
    with pytest.raises(shared.get("iam", "us-east-1").exceptions.NoSuchEntityException):
        client.get_role(RoleName="no-such-role")
    assert client.list_roles()["Roles"] == []  # and an answer is parsed by its output shape
