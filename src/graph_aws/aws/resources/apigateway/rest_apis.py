"""API Gateway v1: REST APIs, with their stages, and the Lambda functions their methods invoke
(`aws_api_gateway_rest_api TRIGGERS aws_lambda_function`).

GetStages and GetResources (with each resource's methods embedded) are one call each per API.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from graph_aws.aws.api import paginate
from graph_aws.aws.resources.apigateway.model import (
    APIGATEWAY,
    GATEWAY_PROPERTIES,
    REST_API,
    api_arn,
    lambda_function_of,
)
from graph_aws.aws.resources.awslambda import LAMBDA_FUNCTION
from graph_aws.aws.resources.registry import ResourceSpec, Where
from graph_aws.aws.resources.s3.access import policy_is_public
from graph_aws.engine import StepContext
from graph_aws.model import Entity, RelationshipType, epoch_millis, make_entity, make_relationship

REST_API_TRIGGERS_FUNCTION = RelationshipType(REST_API, "TRIGGERS", LAMBDA_FUNCTION)


def resource_policy(text: str | None) -> dict[str, Any]:
    """The API's resource policy; API Gateway answers it JSON-escaped (`{\\"Version\\":...}`)."""
    if not text:
        return {}
    try:
        document = json.loads(text.replace('\\"', '"'))
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def to_rest_api(raw: Mapping[str, Any], where: Where) -> Entity:
    key = api_arn(where, f"restapis/{raw['id']}")
    types = (raw.get("endpointConfiguration") or {}).get("types") or []
    policy = resource_policy(raw.get("policy"))
    return make_entity(
        key=key,
        type=REST_API.type,
        classes=REST_API.classes,
        name=raw["name"],
        properties={
            "arn": key,
            "id": raw["id"],
            "description": raw.get("description") or None,
            **GATEWAY_PROPERTIES,
            "endpointTypes": types or None,
            "public": "PRIVATE" not in types,
            "policyPublic": policy_is_public(policy),
            "apiKeySource": raw.get("apiKeySource"),
            "disableExecuteApiEndpoint": raw.get("disableExecuteApiEndpoint"),
            "minimumCompressionSize": raw.get("minimumCompressionSize"),
            "version": raw.get("version"),
            "createdOn": epoch_millis(raw.get("createdDate")),
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=raw.get("tags"),
    )


def stage_properties(stages: list[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "stages": [s["stageName"] for s in stages if s.get("stageName")] or None,
        "tracingEnabled": any(s.get("tracingEnabled") for s in stages),
        "accessLoggingEnabled": any((s.get("accessLogSettings") or {}).get("destinationArn") for s in stages),
        "cacheClusterEnabled": any(s.get("cacheClusterEnabled") for s in stages),
        "webAclArns": sorted({s["webAclArn"] for s in stages if s.get("webAclArn")}) or None,
    }


def methods_of(resources: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [method for resource in resources for method in (resource.get("resourceMethods") or {}).values()]


def enrich_rest_api(
    context: StepContext, client: Any, where: Where, raw: Mapping[str, Any], api: Entity
) -> None:
    stages = client.get_stages(restApiId=raw["id"]).get("item") or []
    methods = methods_of(
        list(paginate(client, "get_resources", "items", restApiId=raw["id"], embed=["methods"]))
    )
    unauthorized = [
        m for m in methods if m.get("authorizationType") in (None, "NONE") and not m.get("apiKeyRequired")
    ]
    context.job_state.enrich_entity(
        api["_key"], {**stage_properties(stages), "methodsWithoutAuthorization": len(unauthorized)}
    )
    functions = {lambda_function_of((m.get("methodIntegration") or {}).get("uri")) for m in methods}
    for function in sorted(f for f in functions if f):
        context.job_state.add_relationship(
            make_relationship(from_entity=api, verb="TRIGGERS", to_type=LAMBDA_FUNCTION.type, to_key=function)
        )


REST_APIS = ResourceSpec(
    step_id="fetch-apigateway-rest-apis",
    name="Fetch API Gateway REST APIs with their stages",
    service=APIGATEWAY,
    client="apigateway",
    operation="get_rest_apis",
    result_key="items",
    entity=REST_API,
    convert=to_rest_api,
    enrich=enrich_rest_api,
    relationships=(REST_API_TRIGGERS_FUNCTION,),
    permissions=("apigateway:GET",),
)
