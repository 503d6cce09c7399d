"""Transfer Family: servers, their users, the roles ASSIGNED them and the buckets that ALLOW them."""

from __future__ import annotations

import json

from hand_answers import run_on_answers, step_result

from graph_aws.demo.seeds.transfer import TRUST_TRANSFER
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def test_servers_and_their_users_roles_and_home_buckets(run_steps, client):
    role = client("iam").create_role(RoleName="sftp", AssumeRolePolicyDocument=json.dumps(TRUST_TRANSFER))[
        "Role"
    ]["Arn"]
    transfer = client("transfer")
    server = transfer.create_server(
        Domain="S3",
        EndpointType="PUBLIC",
        IdentityProviderType="SERVICE_MANAGED",
        Protocols=["SFTP"],
        LoggingRole=role,
    )["ServerId"]
    transfer.create_user(
        ServerId=server, UserName="alice", Role=role, HomeDirectory="/uploads/alice", HomeDirectoryType="PATH"
    )
    transfer.create_user(ServerId=server, UserName="bob", Role=role, HomeDirectoryType="LOGICAL")

    result = run_steps("fetch-transfer-servers")
    (entity,) = result.job_state.iter_entities("aws_transfer_server")
    assert entity["_key"] == f"arn:aws:transfer:us-east-1:{ACCOUNT}:server/{server}"
    assert entity["_class"] == ["Host", "Gateway"] and entity["public"] is True
    assert entity["protocols"] == ["SFTP"] and entity["endpointType"] == "PUBLIC" and entity["domain"] == "S3"
    users = {u["name"]: u for u in result.job_state.iter_entities("aws_transfer_user")}
    assert set(users) == {"alice", "bob"}
    alice = users["alice"]
    assert (
        alice["_class"] == ["User"]
        and alice["username"] == ["alice"]
        and alice["homeDirectory"] == "/uploads/alice"
    )

    def pairs(type_):
        return {
            (r["_fromEntityKey"], r["_toEntityKey"])
            for r in result.job_state.relationships()
            if r["_type"] == type_
        }

    assert pairs("aws_transfer_server_has_user") == {(entity["_key"], u["_key"]) for u in users.values()}
    assert pairs("aws_iam_role_assigned_transfer_server") == {(role, entity["_key"])}
    assert pairs("aws_iam_role_assigned_transfer_user") == {(role, u["_key"]) for u in users.values()}
    assert pairs("aws_s3_bucket_allows_transfer_user") == {("arn:aws:s3:::uploads", alice["_key"])}


def test_a_server_without_its_describe_answer_keeps_its_users_and_a_user_without_an_arn_is_left_out():
    server = "arn:aws:transfer:us-east-1:123456789012:server/s-01234567890abcdef"
    user = "arn:aws:transfer:us-east-1:123456789012:user/s-01234567890abcdef/alice"
    answers = {
        "ListServers": {"Servers": [{"Arn": server, "ServerId": "s-01234567890abcdef"}]},
        "ListUsers": {"Users": [{"Role": "arn:aws:iam::123456789012:role/sftp"}, {"Arn": user}]},
    }
    result = run_on_answers("fetch-transfer-servers", answers=answers)
    step = step_result(result, "fetch-transfer-servers")
    assert step.status is StepStatus.SUCCESS, step.error
    assert [s["_key"] for s in result.job_state.iter_entities("aws_transfer_server")] == [server]
    (entity,) = result.job_state.iter_entities("aws_transfer_user")
    assert entity["_key"] == user and entity["name"] == "alice"
    assert any("no Server" in w for w in step.warnings) and any("empty Arn" in w for w in step.warnings)
