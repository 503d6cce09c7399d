"""Lambda: functions, the IAM role each runs as and the subnets it is placed in.

(`lambda` is a Python keyword, hence the module name.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources._text_dates import iso_millis
from graph_aws.aws.resources.ec2.model import SUBNET, arn_of
from graph_aws.aws.resources.iam.service import IAM_ROLE
from graph_aws.aws.resources.registry import ResourceSpec, ServiceSpec, Where, resource_step
from graph_aws.engine import StepContext
from graph_aws.model import (
    Entity,
    EntityType,
    RelationshipType,
    make_entity,
    make_relationship,
    tag_properties,
)

LAMBDA = ServiceSpec(
    "lambda", "Lambda", EntityType("Lambda", "aws_lambda", ("Service",)), function=("serverless", "compute")
)
LAMBDA_FUNCTION = EntityType("Lambda Function", "aws_lambda_function", ("Function",))


def parse_timestamp(value: str | None) -> int | None:
    """Lambda gives `LastModified` as ISO 8601 text (`2024-01-02T03:04:05.678+0000`), not a date;
    None when it is not one."""
    return iso_millis(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def to_lambda_function(raw: Mapping[str, Any], where: Where) -> Entity:
    vpc = raw.get("VpcConfig") or {}
    return make_entity(
        key=raw["FunctionArn"],
        type=LAMBDA_FUNCTION.type,
        classes=LAMBDA_FUNCTION.classes,
        name=raw["FunctionName"],
        properties={
            "arn": raw["FunctionArn"],
            "functionName": raw["FunctionName"],
            "description": raw.get("Description") or None,
            "runtime": raw.get("Runtime"),
            "handler": raw.get("Handler"),
            "role": raw.get("Role"),
            # The data model's Function has both sizes as strings (megabytes, bytes).
            "memorySize": _text(raw.get("MemorySize")),
            "timeout": raw.get("Timeout"),
            "codeSize": _text(raw.get("CodeSize")),
            "version": raw.get("Version"),
            "lastModified": parse_timestamp(raw.get("LastModified")),
            "packageType": raw.get("PackageType"),
            "architectures": raw.get("Architectures") or None,
            "state": raw.get("State"),
            "tracingMode": (raw.get("TracingConfig") or {}).get("Mode"),
            "kmsKeyArn": raw.get("KMSKeyArn"),
            "layers": [layer["Arn"] for layer in raw.get("Layers") or []] or None,
            "vpcId": vpc.get("VpcId") or None,
            "subnetIds": vpc.get("SubnetIds") or None,
            "securityGroupIds": vpc.get("SecurityGroupIds") or None,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def enrich_function(
    context: StepContext, client: Any, where: Where, raw: Mapping[str, Any], function: Entity
) -> None:
    # ListFunctions carries no tags.
    tags = client.list_tags(Resource=raw["FunctionArn"]).get("Tags")
    context.job_state.enrich_entity(function["_key"], tag_properties(tags))
    if raw.get("Role"):
        context.job_state.add_relationship(
            make_relationship(from_entity=function, verb="HAS", to_type=IAM_ROLE.type, to_key=raw["Role"])
        )
    for subnet_id in (raw.get("VpcConfig") or {}).get("SubnetIds") or []:
        context.job_state.add_relationship(
            make_relationship(
                from_entity=function,
                verb="HAS",
                to_type=SUBNET.type,
                to_key=arn_of(where, "subnet", subnet_id),
            )
        )


LAMBDA_FUNCTIONS = ResourceSpec(
    step_id="fetch-lambda-functions",
    name="Fetch Lambda functions",
    service=LAMBDA,
    client="lambda",
    operation="list_functions",
    result_key="Functions",
    entity=LAMBDA_FUNCTION,
    convert=to_lambda_function,
    enrich=enrich_function,
    relationships=(
        RelationshipType(LAMBDA_FUNCTION, "HAS", IAM_ROLE),
        RelationshipType(LAMBDA_FUNCTION, "HAS", SUBNET),
    ),
    permissions=("lambda:ListFunctions", "lambda:ListTags"),
)

STEPS = (LAMBDA.step(), resource_step(LAMBDA_FUNCTIONS))
