"""API Gateway (regional): v1 REST APIs with their stages; v2 APIs with routes, integrations and
authorizers."""

from __future__ import annotations

from graph_aws.aws.resources.apigateway.model import APIGATEWAY
from graph_aws.aws.resources.apigateway.rest_apis import REST_APIS
from graph_aws.aws.resources.apigateway.v2 import V2_APIS, V2_AUTHORIZERS, V2_INTEGRATIONS, V2_ROUTES
from graph_aws.aws.resources.registry import resource_step

STEPS = (
    APIGATEWAY.step(),
    *(resource_step(spec) for spec in (REST_APIS, V2_APIS, V2_INTEGRATIONS, V2_AUTHORIZERS, V2_ROUTES)),
)

# How the tests reach each type where it is not plain moto (the README's collected-types table).
TESTED_WITH = {"aws_api_gateway_v2_authorizer": "moto, patched (apigatewayv2 GetAuthorizers)"}
