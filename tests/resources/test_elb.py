"""Elastic Load Balancing on moto: classic, application and network load balancers, listeners with
protocol, TLS policy and certificate, listener rules, target groups; the seed's rule-pack answers."""

from __future__ import annotations

import botocore.handlers
import pytest
from botocore.exceptions import ClientError

from graph_aws.demo.seeds import acm, autoscaling, ec2, elb
from graph_aws.engine import StepStatus

ACCOUNT = "123456789012"
STEPS = ("fetch-elb-classic-load-balancers", "fetch-elb-load-balancers", "fetch-elb-target-groups")


def status(result, step_id):
    return next(r for r in result.step_results if r.id == step_id)


def ends(result, type_):
    return {
        (r["_fromEntityKey"], r["_toEntityKey"])
        for r in result.job_state.relationships()
        if r["_type"] == type_
    }


@pytest.fixture
def balancers(client):
    for module in (acm, autoscaling, ec2, elb):  # the demo's seeds, in their order
        module.seed(client, ACCOUNT, ["us-east-1"])
    certificate = client("acm", "us-east-1").list_certificates()["CertificateSummaryList"][0][
        "CertificateArn"
    ]
    client("elbv2", "eu-west-1").create_load_balancer(
        Name="gateway",
        Type="gateway",
        Subnets=[client("ec2", "eu-west-1").describe_subnets()["Subnets"][0]["SubnetId"]],
    )
    return certificate


def test_classic_load_balancers_and_their_listeners(run_steps, balancers):
    result = run_steps("fetch-elb-classic-load-balancers")
    assert status(result, "fetch-elb-classic-load-balancers").status is StepStatus.SUCCESS
    (classic,) = result.job_state.iter_entities("aws_elb")
    arn = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/graph-aws-demo-classic"
    assert classic["_key"] == classic["arn"] == arn and classic["_class"] == ["Gateway"]
    # The data model's Gateway has no category "classic" (JupiterOne's rules ask for one): its type says it.
    assert classic["category"] == ["network"] and classic["loadBalancerType"] == "classic"
    assert classic["function"] == ["load-balancing"]
    assert classic["public"] is True and classic["dnsName"] and classic["tag.owner"] == "web"
    listeners = {listener["port"]: listener for listener in result.job_state.iter_entities("aws_lb_listener")}
    https, http = listeners[443], listeners[80]
    assert https["_key"] == f"{arn}/listener/443" and https["_class"] == ["ApplicationEndpoint"]
    assert https["protocol"] == "HTTPS" and https["certificateArn"] == balancers
    # The predefined policy its negotiation policy follows: elb-predefined-security-policy-ssl-check.
    assert https["sslPolicy"] == elb.PREDEFINED_POLICY and https["address"].endswith(":443")
    assert http["protocol"] == "HTTP" and "sslPolicy" not in http
    assert ends(result, "aws_elb_has_lb_listener") == {(arn, https["_key"]), (arn, http["_key"])}
    assert ends(result, "aws_elb_uses_acm_certificate") == {(arn, balancers)}
    assert ends(result, "aws_lb_listener_uses_acm_certificate") == {(https["_key"], balancers)}
    (connects,) = ends(result, "aws_elb_connects_instance")
    assert connects[1].startswith(f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-")
    (group,) = ends(result, "aws_elb_has_security_group")
    assert group[1].startswith(f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/sg-")
    assert ends(result, "aws_elasticloadbalancing_has_elb") == {(f"aws_elasticloadbalancing:{ACCOUNT}", arn)}


def test_application_and_network_load_balancers(run_steps, balancers):
    result = run_steps("fetch-elb-load-balancers")
    assert status(result, "fetch-elb-load-balancers").status is StepStatus.SUCCESS
    albs = {b["name"]: b for b in result.job_state.iter_entities("aws_alb")}
    assert set(albs) == {"graph-aws-demo-app", "graph-aws-demo-admin"}
    alb = albs["graph-aws-demo-app"]
    (nlb,) = result.job_state.iter_entities("aws_nlb")  # the gateway load balancer is left out
    assert alb["_class"] == nlb["_class"] == ["Gateway"] and alb["category"] == ["application"]
    assert alb["deletionProtection"] is True and alb["dropInvalidHeaders"] is True
    assert nlb["deletionProtection"] is False and nlb["category"] == ["network"]
    assert alb["tag.owner"] == "web" and alb["region"] == "us-east-1" and alb["accountId"] == ACCOUNT
    listeners = {
        (e["loadBalancerArn"], e["port"]): e for e in result.job_state.iter_entities("aws_lb_listener")
    }
    https, http = listeners[alb["_key"], 443], listeners[alb["_key"], 80]
    assert https["_key"] == https["arn"] and https["protocol"] == "HTTPS"
    assert (
        https["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06" and https["certificateArn"] == balancers
    )
    # Forwarding, not redirecting: what alb-http-to-https-redirection-check flags.
    assert http["protocol"] == "HTTP" and http["defaultAction"] == "forward" and "sslPolicy" not in http
    tls = listeners[nlb["_key"], 443]
    assert tls["protocol"] == "TLS" and tls["sslPolicy"] == elb.PREDEFINED_POLICY
    assert ends(result, "aws_alb_has_lb_listener") == {
        (alb["_key"], https["_key"]),
        (alb["_key"], http["_key"]),
    }
    assert len(ends(result, "aws_nlb_has_lb_listener")) == 2
    assert ends(result, "aws_alb_uses_acm_certificate") == {(alb["_key"], balancers)}
    assert ends(result, "aws_nlb_uses_acm_certificate") == {(nlb["_key"], balancers)}
    rules = {r["priority"]: r for r in result.job_state.iter_entities("aws_lb_listener_rule")}
    assert sorted(rules) == ["10", "default"]  # the HTTPS listener's rule; each listener's default
    assert rules["10"]["_class"] == ["Rule"] and '"path-pattern"' in rules["10"]["conditions"]
    assert rules["10"]["actionType"] == "forward" and rules["10"]["isDefault"] is False
    assert (https["_key"], rules["10"]["_key"]) in ends(result, "aws_lb_listener_has_rule")
    assert ends(result, "aws_alb_has_security_group") and ends(result, "aws_nlb_has_security_group")
    assert len(ends(result, "aws_elasticloadbalancing_has_alb")) == 2
    assert (
        albs["graph-aws-demo-admin"]["scheme"] == "internal"
        and albs["graph-aws-demo-admin"]["public"] is False
    )
    assert len(ends(result, "aws_elasticloadbalancing_has_nlb")) == 1


def test_load_balancers_connect_their_target_groups(run_steps, balancers):
    result = run_steps(*STEPS)
    groups = {g["name"]: g for g in result.job_state.iter_entities("aws_lb_target_group")}
    web, tcp = groups["graph-aws-demo-web"], groups["graph-aws-demo-tcp"]
    assert web["_class"] == ["Group"] and web["protocol"] == "HTTP" and web["targetType"] == "instance"
    (alb,) = [b for b in result.job_state.iter_entities("aws_alb") if b["name"] == "graph-aws-demo-app"]
    (nlb,) = result.job_state.iter_entities("aws_nlb")
    assert ends(result, "aws_alb_connects_lb_target_group") == {(alb["_key"], web["_key"])}
    assert ends(result, "aws_nlb_connects_lb_target_group") == {(nlb["_key"], tcp["_key"])}
    assert web["loadBalancerArns"] == [alb["_key"]]  # once, though moto lists it per listener


@pytest.fixture
def deny_elbv2_in_eu():
    def hook(model, context, **_):
        if context.get("client_region") == "eu-west-1":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "SCP"}}, model.name)

    entry = ("before-call.elastic-load-balancing-v2.DescribeLoadBalancers", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    yield
    botocore.handlers.BUILTIN_HANDLERS.remove(entry)


def test_a_denied_region_costs_that_region_only(run_steps, balancers, deny_elbv2_in_eu):
    result = run_steps(*STEPS)
    step = status(result, "fetch-elb-load-balancers")
    assert step.status is StepStatus.FAILURE and step.error.startswith(
        "fetch-elb-load-balancers: eu-west-1: access denied (AccessDenied); the role needs "
        "elasticloadbalancing:DescribeLoadBalancers"
    )
    assert {b["region"] for b in result.job_state.iter_entities("aws_alb")} == {"us-east-1"}
    assert {"aws_alb", "aws_nlb", "aws_lb_listener"} <= set(result.partial_types)
    assert status(result, "fetch-elb-classic-load-balancers").status is StepStatus.SUCCESS


def test_a_classic_listener_or_tag_description_without_its_id_costs_only_itself(
    run_steps, balancers, answered
):
    def listener_without_port(parsed):
        for balancer in parsed.get("LoadBalancerDescriptions") or []:
            balancer["ListenerDescriptions"].append({"PolicyNames": []})  # no Listener at all
            balancer["Instances"].append({})

    def tags_without_name(parsed):
        parsed["TagDescriptions"].append({"Tags": [{"Key": "owner", "Value": "nobody"}]})

    answered("elastic-load-balancing", "DescribeLoadBalancers", listener_without_port)
    answered("elastic-load-balancing", "DescribeTags", tags_without_name)
    result = run_steps("fetch-elb-classic-load-balancers", regions=("us-east-1",))
    step = status(result, "fetch-elb-classic-load-balancers")
    assert step.status is StepStatus.SUCCESS
    (classic,) = result.job_state.iter_entities("aws_elb")
    assert classic["tag.owner"] == "web"  # the description naming no balancer is no one's
    assert {listener["port"] for listener in result.job_state.iter_entities("aws_lb_listener")} == {80, 443}
    assert len(ends(result, "aws_elb_connects_instance")) == 1
    assert step.warnings == [
        f"us-east-1: {classic['_key']}: a listener of {classic['_key']} without a LoadBalancerPort left out",
        f"us-east-1: {classic['_key']}: ec2 resource 'instance/' left out: it has no id",
    ]


def test_an_attribute_without_a_key_is_ignored():
    from graph_aws.aws.resources.elb.v2 import attribute_properties

    assert attribute_properties([{"Value": "true"}]) == attribute_properties([])
