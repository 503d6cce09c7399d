"""Lambda: functions in the requested regions, their role and subnets; a denied region."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.demo.seeds.awslambda import TRUST_LAMBDA, handler_zip
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


@pytest.fixture
def functions(client):
    import json

    role = client("iam").create_role(RoleName="runner", AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))
    subnets = {}
    for region in ("us-east-1", "eu-west-1", "ap-south-1"):
        subnet = client("ec2", region).describe_subnets()["Subnets"][0]["SubnetId"]
        subnets[region] = subnet
        client("lambda", region).create_function(
            FunctionName=f"fn-{region}",
            Runtime="nodejs8.10" if region == "eu-west-1" else "python3.12",
            Role=role["Role"]["Arn"],
            Handler="handler.handle",
            Code={"ZipFile": handler_zip()},
            MemorySize=256,
            Timeout=30,
            VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": []},
            Tags={"team": "payments"},
        )
    return role["Role"]["Arn"], subnets


def test_functions_their_roles_and_subnets(run_steps, functions):
    role_arn, subnets = functions
    result = run_steps("fetch-lambda-functions")
    assert status(result, "fetch-lambda-functions").status is StepStatus.SUCCESS
    found = {f["region"]: f for f in result.job_state.iter_entities("aws_lambda_function")}
    assert set(found) == {"us-east-1", "eu-west-1"}  # ap-south-1 was not asked for
    function = found["eu-west-1"]
    assert function["_key"] == function["arn"] == f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:fn-eu-west-1"
    assert function["_class"] == ["Function"] and function["accountId"] == ACCOUNT
    assert function["runtime"] == "nodejs8.10" and function["version"] == "$LATEST"
    assert function["handler"] == "handler.handle" and function["role"] == role_arn
    # The data model's Function has its sizes as strings.
    assert function["memorySize"] == "256" and function["timeout"] == 30
    assert isinstance(function["lastModified"], int) and function["tag.team"] == "payments"
    roles = [r for r in result.job_state.relationships() if r["_type"] == "aws_lambda_function_has_iam_role"]
    assert {(r["_fromEntityKey"], r["_toEntityKey"]) for r in roles} == {
        (found[region]["_key"], role_arn) for region in found
    }
    placed = [r for r in result.job_state.relationships() if r["_type"] == "aws_lambda_function_has_subnet"]
    assert {r["_toEntityKey"] for r in placed} == {
        f"arn:aws:ec2:{region}:{ACCOUNT}:subnet/{subnets[region]}" for region in found
    }
    assert len([r for r in result.job_state.relationships() if r["_type"] == "aws_lambda_has_function"]) == 2


@pytest.fixture
def deny_lambda_in_eu():
    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "SCP"}}, model.name)

    entry = ("before-call.lambda.ListFunctions", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_region_keeps_the_others(run_steps, functions, deny_lambda_in_eu):
    result = run_steps("fetch-lambda-functions")
    step = status(result, "fetch-lambda-functions")
    assert step.status is StepStatus.FAILURE
    assert step.error == (
        "fetch-lambda-functions: eu-west-1: access denied (AccessDeniedException); "
        "the role needs lambda:ListFunctions, lambda:ListTags"
    )
    assert [f["region"] for f in result.job_state.iter_entities("aws_lambda_function")] == ["us-east-1"]
    assert {"aws_lambda_function", "aws_lambda_function_has_iam_role"} <= set(result.partial_types)
