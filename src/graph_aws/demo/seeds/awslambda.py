"""Lambda: one function per region, in a default subnet, running as a role created once per account."""

from __future__ import annotations

import io
import json
import zipfile

from graph_aws.demo.seeds import ClientFactory

TRUST_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def handler_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return {'ok': True}\n")
    return buffer.getvalue()


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    role_arn = client("iam", regions[0]).create_role(  # IAM is global: once per account
        RoleName="graph-aws-demo-function", AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA)
    )["Role"]["Arn"]
    code = handler_zip()
    for region in regions:
        subnet = client("ec2", region).describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}], MaxResults=5
        )["Subnets"][0]
        client("lambda", region).create_function(
            FunctionName="graph-aws-demo",
            Runtime="python3.12",
            Role=role_arn,
            Handler="handler.handle",
            Code={"ZipFile": code},
            VpcConfig={"SubnetIds": [subnet["SubnetId"]], "SecurityGroupIds": []},
            Tags={"owner": "platform"},
        )
