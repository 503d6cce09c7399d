"""API Gateway: REST APIs with stages and the functions they trigger; v2 APIs with routes,
integrations and authorizers (GetAuthorizers answered by the demo's moto patch)."""

from __future__ import annotations

from graph_aws.aws.resources.apigateway import STEPS
from graph_aws.demo.seeds.apigateway import seed
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:graph-aws-demo"


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


def test_rest_and_http_apis(run_steps, client):
    seed(client, ACCOUNT, ["us-east-1"])
    private = client("apigateway", "us-east-1").create_rest_api(
        name="internal", endpointConfiguration={"types": ["PRIVATE"]}
    )
    result = run_steps(*(s.id for s in STEPS), regions=("us-east-1",))
    assert all(r.status is StepStatus.SUCCESS for r in result.step_results)

    rest = {a["name"]: a for a in result.job_state.iter_entities("aws_api_gateway_rest_api")}
    shop = rest["graph-aws-demo-shop"]
    assert shop["_key"] == shop["arn"] == f"arn:aws:apigateway:us-east-1::/restapis/{shop['id']}"
    assert (
        shop["_class"] == ["Gateway"]
        and shop["category"] == ["application"]
        and shop["function"] == ["api-gateway"]
    )
    assert shop["public"] is True and shop["endpointTypes"] == ["REGIONAL"] and shop["stages"] == ["prod"]
    assert (
        shop["methodsWithoutAuthorization"] == 1
        and shop["tag.owner"] == "web"
        and shop["accountId"] == ACCOUNT
    )
    assert rest["internal"]["public"] is False and rest["internal"]["id"] == private["id"]
    assert ends(result, "aws_api_gateway_rest_api_triggers_lambda_function") == {(shop["_key"], FUNCTION)}

    (chat,) = result.job_state.iter_entities("aws_api_gateway_v2_api")
    api_key = f"arn:aws:apigateway:us-east-1::/apis/{chat['apiId']}"
    assert chat["_key"] == api_key and chat["_class"] == ["Gateway"] and chat["protocolType"] == "HTTP"
    assert chat["public"] is True and chat["apiEndpoint"].startswith("https://")
    (route,) = result.job_state.iter_entities("aws_api_gateway_v2_route")
    (integration,) = result.job_state.iter_entities("aws_api_gateway_v2_integration")
    (authorizer,) = result.job_state.iter_entities("aws_api_gateway_v2_authorizer")
    assert route["_key"] == f"{api_key}/routes/{route['routeId']}" and route["_class"] == [
        "ApplicationEndpoint"
    ]
    assert route["name"] == "GET /messages" and route["address"] == chat["apiEndpoint"]
    assert route["authorizationType"] == "CUSTOM"
    assert integration["_key"] == f"{api_key}/integrations/{integration['integrationId']}"
    assert integration["_class"] == ["Configuration"] and integration["integrationType"] == "AWS_PROXY"
    assert authorizer["_class"] == ["Configuration"] and authorizer["authorizerType"] == "REQUEST"
    assert ends(result, "aws_api_gateway_v2_api_has_route") == {(api_key, route["_key"])}
    assert ends(result, "aws_api_gateway_v2_route_has_integration") == {(route["_key"], integration["_key"])}
    assert ends(result, "aws_api_gateway_v2_route_has_authorizer") == {(route["_key"], authorizer["_key"])}
    assert ends(result, "aws_api_gateway_v2_integration_connects_lambda_function") == {
        (integration["_key"], FUNCTION)
    }
    assert ends(result, "aws_api_gateway_v2_authorizer_connects_lambda_function") == {
        (authorizer["_key"], FUNCTION)
    }
    service_has = {
        r["_type"]
        for r in result.job_state.relationships()
        if r["_fromEntityKey"] == f"aws_apigateway:{ACCOUNT}"
    }
    assert len(service_has) == 5
