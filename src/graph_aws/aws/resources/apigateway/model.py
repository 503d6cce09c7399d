"""API Gateway types (v1 REST APIs, v2 HTTP and WebSocket APIs), keys and shared helpers.

One `aws_apigateway` service entity for both versions: they are one AWS service, with one IAM
prefix (`apigateway:GET` reads both). Keys are the resources' ARNs
(`arn:<partition>:apigateway:<region>::/restapis/<id>`, `.../apis/<id>/routes/<id>`), which name
no account: API ids are unique per region.
"""

from __future__ import annotations

import re

from graph_aws.aws.resources.registry import ServiceSpec, Where
from graph_aws.errors import UnconvertibleItem
from graph_aws.model import EntityType

APIGATEWAY = ServiceSpec(
    "apigateway",
    "API Gateway",
    EntityType("API Gateway", "aws_apigateway", ("Service",)),
    function=("api-gateway",),
)
REST_API = EntityType("API Gateway REST API", "aws_api_gateway_rest_api", ("Gateway",))
V2_API = EntityType("API Gateway v2 API", "aws_api_gateway_v2_api", ("Gateway",))
V2_ROUTE = EntityType("API Gateway v2 Route", "aws_api_gateway_v2_route", ("ApplicationEndpoint",))
V2_INTEGRATION = EntityType(
    "API Gateway v2 Integration", "aws_api_gateway_v2_integration", ("Configuration",)
)
V2_AUTHORIZER = EntityType("API Gateway v2 Authorizer", "aws_api_gateway_v2_authorizer", ("Configuration",))

# What JupiterOne's Gateway class requires: the OSI layer it works at and what it does.
GATEWAY_PROPERTIES = {"category": ["application"], "function": ["api-gateway"]}

# A Lambda function's unqualified ARN inside an integration or authorizer URI
# (`arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations`).
_FUNCTION = re.compile(r"arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+")


def api_arn(where: Where, path: str) -> str:
    if not path.strip() or path.endswith("/") or "//" in path:  # "apis/" + an empty ApiId
        raise UnconvertibleItem(f"apigateway resource '/{path}' left out: it has no id")
    return f"arn:{where.partition}:apigateway:{where.region}::/{path}"


def lambda_function_of(uri: str | None) -> str | None:
    """The function an integration invokes, when it names one (not through a stage variable)."""
    if not uri or "${" in uri:
        return None
    match = _FUNCTION.search(uri)
    return match.group(0) if match else None
