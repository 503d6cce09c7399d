"""API Gateway: per region, a regional REST API whose GET /orders invokes the Lambda seed's function,
deployed to a `prod` stage; and an HTTP API whose route reaches the same function through an
integration, behind a Lambda authorizer.

moto has no GetAuthorizers (API Gateway v2); `patch_moto` answers it from moto's own authorizers.
"""

from __future__ import annotations

import json
from typing import Any

from graph_aws.demo.seeds import ClientFactory

FUNCTION = "graph-aws-demo"  # the Lambda seed's function


def patch_moto() -> None:
    from moto.apigatewayv2.responses import ApiGatewayV2Response

    def get_authorizers(self: Any) -> tuple[int, dict[str, str], str]:
        api = self.apigatewayv2_backend.get_api(self.path.split("/")[-2])
        return 200, {}, json.dumps({"items": [a.to_json() for a in api.authorizers.values()]})

    setattr(ApiGatewayV2Response, "get_authorizers", get_authorizers)  # noqa: B010 - moto lacks it


def invocation_uri(region: str, function_arn: str) -> str:
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    for region in regions:
        function = f"arn:aws:lambda:{region}:{account_id}:function:{FUNCTION}"
        rest = client("apigateway", region)
        api = rest.create_rest_api(
            name="graph-aws-demo-shop", endpointConfiguration={"types": ["REGIONAL"]}, tags={"owner": "web"}
        )
        root = rest.get_resources(restApiId=api["id"])["items"][0]["id"]
        orders = rest.create_resource(restApiId=api["id"], parentId=root, pathPart="orders")["id"]
        rest.put_method(restApiId=api["id"], resourceId=orders, httpMethod="GET", authorizationType="NONE")
        rest.put_integration(
            restApiId=api["id"],
            resourceId=orders,
            httpMethod="GET",
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=invocation_uri(region, function),
        )
        rest.create_deployment(restApiId=api["id"], stageName="prod")

        http = client("apigatewayv2", region)
        api_id = http.create_api(Name="graph-aws-demo-chat", ProtocolType="HTTP")["ApiId"]
        integration = http.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=function, PayloadFormatVersion="2.0"
        )["IntegrationId"]
        authorizer = http.create_authorizer(
            ApiId=api_id,
            Name="graph-aws-demo-tokens",
            AuthorizerType="REQUEST",
            AuthorizerUri=invocation_uri(region, function),
            AuthorizerPayloadFormatVersion="2.0",
            IdentitySource=["$request.header.Authorization"],
        )["AuthorizerId"]
        http.create_route(
            ApiId=api_id,
            RouteKey="GET /messages",
            Target=f"integrations/{integration}",
            AuthorizationType="CUSTOM",
            AuthorizerId=authorizer,
        )
        http.create_stage(ApiId=api_id, StageName="prod")
