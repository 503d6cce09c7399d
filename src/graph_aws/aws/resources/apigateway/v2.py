"""API Gateway v2: HTTP and WebSocket APIs, with their routes, integrations and authorizers (listed
per API, because the API nests them). JupiterOne documents: the API HAS its routes; a route HAS the
integration it targets and the authorizer it uses; integrations and authorizers CONNECT the
resources they call (here: Lambda functions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_aws.aws.resources.apigateway.model import (
    APIGATEWAY,
    GATEWAY_PROPERTIES,
    V2_API,
    V2_AUTHORIZER,
    V2_INTEGRATION,
    V2_ROUTE,
    api_arn,
    lambda_function_of,
)
from graph_aws.aws.resources.awslambda import LAMBDA_FUNCTION
from graph_aws.aws.resources.registry import Parent, ResourceSpec, Where
from graph_aws.engine import StepContext
from graph_aws.model import Entity, RelationshipType, epoch_millis, make_entity, make_relationship

ROUTE_HAS_INTEGRATION = RelationshipType(V2_ROUTE, "HAS", V2_INTEGRATION)
ROUTE_HAS_AUTHORIZER = RelationshipType(V2_ROUTE, "HAS", V2_AUTHORIZER)
INTEGRATION_CONNECTS_FUNCTION = RelationshipType(V2_INTEGRATION, "CONNECTS", LAMBDA_FUNCTION)
AUTHORIZER_CONNECTS_FUNCTION = RelationshipType(V2_AUTHORIZER, "CONNECTS", LAMBDA_FUNCTION)


def _parent(where: Where) -> Entity:
    assert where.parent is not None  # routes, integrations and authorizers are listed per API
    return where.parent


def to_v2_api(raw: Mapping[str, Any], where: Where) -> Entity:
    key = api_arn(where, f"apis/{raw['ApiId']}")
    return make_entity(
        key=key,
        type=V2_API.type,
        classes=V2_API.classes,
        name=raw["Name"],
        properties={
            "arn": key,
            "id": raw["ApiId"],
            "apiId": raw["ApiId"],
            "description": raw.get("Description") or None,
            **GATEWAY_PROPERTIES,
            "protocolType": raw.get("ProtocolType"),
            "apiEndpoint": raw.get("ApiEndpoint"),
            "disableExecuteApiEndpoint": raw.get("DisableExecuteApiEndpoint"),
            "public": not raw.get("DisableExecuteApiEndpoint"),
            "routeSelectionExpression": raw.get("RouteSelectionExpression"),
            "apiKeySelectionExpression": raw.get("ApiKeySelectionExpression"),
            "corsAllowOrigins": (raw.get("CorsConfiguration") or {}).get("AllowOrigins") or None,
            "createdOn": epoch_millis(raw.get("CreatedDate")),
            "accountId": where.account_id,
            "region": where.region,
        },
        tags=raw.get("Tags"),
    )


def in_api(api: Entity) -> Mapping[str, Any]:
    return {"ApiId": api["apiId"]}


def to_v2_route(raw: Mapping[str, Any], where: Where) -> Entity:
    api = _parent(where)
    key = f"{api['_key']}/routes/{raw['RouteId']}"
    return make_entity(
        key=key,
        type=V2_ROUTE.type,
        classes=V2_ROUTE.classes,
        name=raw["RouteKey"],
        properties={
            "arn": key,
            "routeId": raw["RouteId"],
            "routeKey": raw["RouteKey"],
            "apiId": api["apiId"],
            "address": api.get("apiEndpoint"),
            "authorizationType": raw.get("AuthorizationType"),
            "authorizerId": raw.get("AuthorizerId"),
            "apiKeyRequired": raw.get("ApiKeyRequired"),
            "target": raw.get("Target"),
            "operationName": raw.get("OperationName"),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def link_route(context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], route: Entity) -> None:
    """The route HAS the integration it targets (`integrations/<id>`) and the authorizer it uses,
    when the steps that list them found them."""
    api = _parent(where)["_key"]
    target = raw.get("Target") or ""
    targets = [
        (V2_INTEGRATION, f"{api}/integrations/{target.removeprefix('integrations/')}")
        if target.startswith("integrations/")
        else None,
        (V2_AUTHORIZER, f"{api}/authorizers/{raw['AuthorizerId']}") if raw.get("AuthorizerId") else None,
    ]
    for entity_type, key in filter(None, targets):
        if context.job_state.find_entity(key) is not None:
            context.job_state.add_relationship(
                make_relationship(from_entity=route, verb="HAS", to_type=entity_type.type, to_key=key)
            )


def to_v2_integration(raw: Mapping[str, Any], where: Where) -> Entity:
    api = _parent(where)
    key = f"{api['_key']}/integrations/{raw['IntegrationId']}"
    return make_entity(
        key=key,
        type=V2_INTEGRATION.type,
        classes=V2_INTEGRATION.classes,
        name=raw.get("Description") or raw["IntegrationId"],
        properties={
            "arn": key,
            "integrationId": raw["IntegrationId"],
            "apiId": api["apiId"],
            "integrationType": raw.get("IntegrationType"),
            "integrationUri": raw.get("IntegrationUri"),
            "integrationMethod": raw.get("IntegrationMethod"),
            "connectionType": raw.get("ConnectionType"),
            "payloadFormatVersion": raw.get("PayloadFormatVersion"),
            "timeoutInMillis": raw.get("TimeoutInMillis"),
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def to_v2_authorizer(raw: Mapping[str, Any], where: Where) -> Entity:
    api = _parent(where)
    key = f"{api['_key']}/authorizers/{raw['AuthorizerId']}"
    jwt = raw.get("JwtConfiguration") or {}
    return make_entity(
        key=key,
        type=V2_AUTHORIZER.type,
        classes=V2_AUTHORIZER.classes,
        name=raw.get("Name") or raw["AuthorizerId"],
        properties={
            "arn": key,
            "authorizerId": raw["AuthorizerId"],
            "apiId": api["apiId"],
            "authorizerType": raw.get("AuthorizerType"),
            "authorizerUri": raw.get("AuthorizerUri"),
            "identitySource": raw.get("IdentitySource") or None,
            "jwtIssuer": jwt.get("Issuer"),
            "jwtAudience": jwt.get("Audience") or None,
            "accountId": where.account_id,
            "region": where.region,
        },
    )


def connects_function(uri_field: str) -> Any:
    """An enricher: the integration or authorizer CONNECTS the Lambda function its URI names."""

    def enrich(context: StepContext, _: Any, where: Where, raw: Mapping[str, Any], entity: Entity) -> None:
        function = lambda_function_of(raw.get(uri_field))
        if function:
            context.job_state.add_relationship(
                make_relationship(
                    from_entity=entity, verb="CONNECTS", to_type=LAMBDA_FUNCTION.type, to_key=function
                )
            )

    return enrich


V2_APIS = ResourceSpec(
    step_id="fetch-apigateway-v2-apis",
    name="Fetch API Gateway HTTP and WebSocket APIs",
    service=APIGATEWAY,
    client="apigatewayv2",
    operation="get_apis",
    result_key="Items",
    entity=V2_API,
    convert=to_v2_api,
    permissions=("apigateway:GET",),
)

V2_INTEGRATIONS = ResourceSpec(
    step_id="fetch-apigateway-v2-integrations",
    name="Fetch API Gateway v2 integrations",
    service=APIGATEWAY,
    client="apigatewayv2",
    operation="get_integrations",
    result_key="Items",
    parent=Parent(V2_APIS.step_id, V2_API, in_api, verb=None),
    entity=V2_INTEGRATION,
    convert=to_v2_integration,
    enrich=connects_function("IntegrationUri"),
    relationships=(INTEGRATION_CONNECTS_FUNCTION,),
    permissions=("apigateway:GET",),
)

V2_AUTHORIZERS = ResourceSpec(
    step_id="fetch-apigateway-v2-authorizers",
    name="Fetch API Gateway v2 authorizers",
    service=APIGATEWAY,
    client="apigatewayv2",
    operation="get_authorizers",
    result_key="Items",
    parent=Parent(V2_APIS.step_id, V2_API, in_api, verb=None),
    entity=V2_AUTHORIZER,
    convert=to_v2_authorizer,
    enrich=connects_function("AuthorizerUri"),
    relationships=(AUTHORIZER_CONNECTS_FUNCTION,),
    permissions=("apigateway:GET",),
)

V2_ROUTES = ResourceSpec(
    step_id="fetch-apigateway-v2-routes",
    name="Fetch API Gateway v2 routes",
    service=APIGATEWAY,
    client="apigatewayv2",
    operation="get_routes",
    result_key="Items",
    parent=Parent(V2_APIS.step_id, V2_API, in_api),
    entity=V2_ROUTE,
    convert=to_v2_route,
    enrich=link_route,
    relationships=(ROUTE_HAS_INTEGRATION, ROUTE_HAS_AUTHORIZER),
    depends_on=(V2_INTEGRATIONS.step_id, V2_AUTHORIZERS.step_id),
    permissions=("apigateway:GET",),
)
